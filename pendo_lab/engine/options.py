"""Named choices for the pes, adoption, growth and stickiness stages, where Pendo's rules
are INFERRED.

Pass them through :class:`EngineContext`:

Example:
    >>> opts = MetricOptions(stickiness=StickinessOptions(window="calendar"))
    >>> opts.stickiness.window, opts.growth.scale
    ('calendar', 'share')
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .._exceptions import ValidationError


def _check(name: str, value: object, allowed: tuple) -> None:
    if value not in allowed:
        raise ValidationError(f"{name}={value!r} is not supported: use one of {allowed}")


@dataclass(frozen=True)
class StickinessOptions:
    """How the weekly/monthly active sets of stickiness are taken (UNKNOWN at Pendo).

    * ``window="trailing"`` (default): the 7 or 30 days ending on each day.
    * ``window="calendar"``: the calendar week (from Sunday) or month up to each day.

    Example:
        >>> StickinessOptions().window
        'trailing'
    """

    window: str = "trailing"

    def __post_init__(self) -> None:
        _check("StickinessOptions.window", self.window, ("trailing", "calendar"))


@dataclass(frozen=True)
class AdoptionOptions:
    """Which core events adoption uses (how ``productAreaIds`` expand is UNKNOWN at Pendo).

    * ``product_area_kinds``: the item kinds of a product area (``groups`` source, ``items``)
      that count as core events; pages and features by default.
    * ``core_events``: the app's core events, ``({"kind": "feature", "id": ...}, ...)``, used
      when a request names neither ``events`` nor ``productAreaIds``.

    Example:
        >>> AdoptionOptions().product_area_kinds
        ('page', 'feature')
    """

    product_area_kinds: tuple[str, ...] = ("page", "feature")
    core_events: tuple[dict, ...] = ()

    def __post_init__(self) -> None:
        for kind in self.product_area_kinds:
            _check(
                "AdoptionOptions.product_area_kinds item", kind, ("page", "feature", "trackEvent")
            )


@dataclass(frozen=True)
class GrowthOptions:
    """How the quick ratio becomes the growth score (UNKNOWN at Pendo).

    * ``scale="share"`` (default): ``100 * (new + recovered) / (new + recovered + dropped)``.
    * ``scale="quick_ratio"``: the raw ``(new + recovered) / dropped``.

    Example:
        >>> GrowthOptions(scale="quick_ratio").scale
        'quick_ratio'
    """

    scale: str = "share"

    def __post_init__(self) -> None:
        _check("GrowthOptions.scale", self.scale, ("share", "quick_ratio"))


@dataclass(frozen=True)
class MetricOptions:
    """The options of all four metric stages together.

    Example:
        >>> MetricOptions().adoption.core_events
        ()
    """

    stickiness: StickinessOptions = field(default_factory=StickinessOptions)
    adoption: AdoptionOptions = field(default_factory=AdoptionOptions)
    growth: GrowthOptions = field(default_factory=GrowthOptions)
