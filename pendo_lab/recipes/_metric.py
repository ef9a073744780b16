"""What the computed recipes share: parameter checks, grouping, the metric stages' arguments,
core events, and results (empty ones with a message).

Example:
    >>> parse_group_by("account.custom.planlevel")
    GroupBy(kind='account', field='custom.planlevel')
    >>> parse_group_by("account").column
    'accountId'
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from .._exceptions import ValidationError
from ..engine import MetricOptions
from ._result import RecipeResult
from ._sources import LocalRunner, ServerRunner, Setup, Window, conform

Runner = ServerRunner | LocalRunner

#: Core event kinds (the stages' ``config.adoption.events[].kind``) -> object source.
CORE_EVENT_OBJECTS = {"page": "pages", "feature": "features", "trackEvent": "trackTypes"}
#: Product-area ``items[].itemType`` -> core event kind.
ITEM_KINDS = {"page": "page", "feature": "feature", "tracktype": "trackEvent",
              "trackevent": "trackEvent"}
_METADATA_KINDS = {"visitor": ("visitors", "visitorId"), "account": ("accounts", "accountId")}


#: Units the metric stages count.
USER_BASES = ("visitors", "accounts")


def check_choice(name: str, value: Any, allowed: Sequence) -> Any:
    """``value`` if it is one of ``allowed``, else a :class:`ValidationError` naming them.

    Example:
        >>> check_choice("period", "year", ("day", "week"))
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ValidationError: period='year' is not supported: use one of 'day', 'week'
    """
    if value not in allowed:
        choices = ", ".join(repr(choice) for choice in allowed)
        raise ValidationError(f"{name}={value!r} is not supported: use one of {choices}")
    return value


def stickiness_config(numerator: str, denominator: str, exclude_weekends: bool,
                      user_base: str) -> dict:
    """The stickiness stage's ``config``, checked: the numerator period (``daily``,
    ``weekly``) must be shorter than the denominator's (``weekly``, ``monthly``).

    Example:
        >>> stickiness_config("weekly", "weekly", False, "visitors")
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ValidationError: numerator and denominator are both weekly: use daily/weekly, daily/monthly or weekly/monthly
    """
    check_choice("numerator", numerator, ("daily", "weekly"))
    check_choice("denominator", denominator, ("weekly", "monthly"))
    check_choice("user_base", user_base, USER_BASES)
    if numerator == denominator:
        raise ValidationError("numerator and denominator are both weekly: use daily/weekly, "
                              "daily/monthly or weekly/monthly")
    return {"userBase": user_base, "numerator": numerator, "denominator": denominator,
            "excludeWeekends": exclude_weekends}


# ------------------------------------------------------------------------------ grouping


@dataclass(frozen=True)
class GroupBy:
    """A recipe's grouping: by account (``field`` None), or by a metadata field of the
    visitor or account (``kind``), written ``group.field`` (``custom.planlevel``)."""

    kind: str
    field: str | None = None

    @property
    def column(self) -> str:
        """The result column holding the group: ``accountId``, or the field's name."""
        return "accountId" if self.field is None else self.field.rpartition(".")[2]

    @property
    def source(self) -> str:
        """The object source holding the metadata: ``visitors`` or ``accounts``."""
        return _METADATA_KINDS[self.kind][0]

    @property
    def id_column(self) -> str:
        """The id column linking metadata to event rows."""
        return _METADATA_KINDS[self.kind][1]


def parse_group_by(value: str | None) -> GroupBy | None:
    """``None``, ``"account"``, or a metadata field ``"visitor.<group>.<field>"`` /
    ``"account.<group>.<field>"`` (as the metadata schema names it).

    Example:
        >>> parse_group_by("visitor.custom.department").column
        'department'
    """
    if value is None:
        return None
    if value == "account":
        return GroupBy("account")
    kind, _, path = value.partition(".") if isinstance(value, str) else ("", "", "")
    if kind not in _METADATA_KINDS or path.count(".") != 1 or not all(path.split(".")):
        raise ValidationError(
            f"group_by={value!r}: use 'account', or a metadata field such as "
            "'account.custom.planlevel' or 'visitor.agent.role'"
        )
    return GroupBy(kind, path)


def group_members(runner: Runner, grouping: GroupBy) -> Iterator[tuple[Any, pl.DataFrame]]:
    """Each value of a metadata field (nulls last) and the ids of the visitors or accounts
    holding it, read from the ``visitors`` or ``accounts`` source."""
    rows = runner.run([
        {"source": {grouping.source: None}},
        {"select": {grouping.id_column: grouping.id_column,
                    "value": f"metadata.{grouping.field}"}},
    ])
    for (value,), members in rows.sort("value", nulls_last=True).group_by(
        "value", maintain_order=True
    ):
        yield value, members.select(grouping.id_column)


# ------------------------------------------------------------------------- metric stages


def stage_argument(setup: Setup, app_id: Any, identified: bool, config: dict) -> dict:
    """The argument of a pes/adoption/growth/stickiness stage over the recipe's days.

    Example:
        >>> from datetime import date
        >>> from pendo_lab.recipes._sources import LocalRunner, Window
        >>> from pendo_lab.engine import EngineContext
        >>> setup = Setup(LocalRunner(EngineContext()), Window(date(2026, 10, 1),
        ...               date(2026, 10, 30), "UTC"), "polars")
        >>> stage_argument(setup, -323232, True, {"userBase": "visitors"})["identified"]
        'visitorId'
    """
    argument: dict = setup.window.stage_days()
    if app_id is not None:
        argument["appId"] = app_id
    if identified:
        argument["identified"] = "visitorId"
    if setup.runner.segment_id is not None:
        argument["segment"] = {"id": setup.runner.segment_id}
    argument["config"] = config
    return argument


def run_stage(
    runner: Runner, name: str, argument: dict, grouping: GroupBy | None, schema: dict
) -> pl.DataFrame:
    """A metric stage's rows: one row, or one per group (the group in the first column).

    By account, the stage's own ``groupBy``; by a metadata field (local path only), the stage
    once per value of the field, on the event rows of the visitors or accounts holding it.
    """
    if grouping is None:
        return conform(runner.run([{name: argument}]), schema)
    if grouping.field is None:
        rows = runner.run([{name: {**argument, "groupBy": "account"}}])
        return conform(rows, {"accountId": pl.String, **schema})
    if not runner.local:
        raise ValidationError(
            f"group_by='{grouping.kind}.{grouping.field}' needs method='local': Pendo's {name} "
            "stage groups only by account"
        )
    parts = [
        conform(runner.restricted(members).run([{name: argument}]), schema).select(
            pl.lit(value).alias(grouping.column), *schema
        )
        for value, members in group_members(runner, grouping)
    ]
    return pl.concat(parts, how="vertical_relaxed") if parts else pl.DataFrame(
        schema={grouping.column: pl.String, **schema}
    )


# --------------------------------------------------------------------------- core events


def resolve_core_events(
    runner: Runner,
    events: Iterable[Any] | None,
    product_area_ids: Sequence[str] | None,
    app_id: Any,
    options: MetricOptions | None,
) -> list[dict]:
    """The core events adoption measures, as ``{"kind", "id", "name"}`` dicts.

    ``events`` are given (dicts with ``kind`` and ``id``, and optionally ``name``, or
    ``(kind, id)`` pairs); ``product_area_ids`` add every page and feature of those product
    areas (and track events too when ``options.adoption.product_area_kinds`` says so:
    INFERRED, Pendo does not document the expansion); with neither, the app's own core
    events: the pages, features and track types marked ``isCoreEvent``.
    """
    listed = [_core_event(event, index) for index, event in enumerate(events or ())]
    if product_area_ids:
        kinds = (options or MetricOptions()).adoption.product_area_kinds
        listed += _product_area_items(runner, product_area_ids, kinds)
    if events is None and not product_area_ids:
        listed = _marked_core_events(runner, app_id)
    if not listed:
        raise ValidationError(
            "no core events: the app marks none (isCoreEvent); name them with "
            "core_events=[{'kind': 'feature', 'id': ...}] or product_area_ids=[...]"
        )
    unique = {(event["kind"], event["id"]): event for event in listed}
    return sorted(unique.values(), key=lambda event: (event["kind"], event["name"]))


def _core_event(event: Any, index: int) -> dict:
    if isinstance(event, (tuple, list)) and len(event) == 2:
        event = {"kind": event[0], "id": event[1]}
    if not isinstance(event, dict) or event.get("kind") not in CORE_EVENT_OBJECTS or "id" not in event:
        raise ValidationError(
            f"core_events[{index}]={event!r}: give {{'kind': one of "
            f"{', '.join(CORE_EVENT_OBJECTS)}, 'id': ...}} or a (kind, id) pair"
        )
    return {"kind": event["kind"], "id": event["id"], "name": event.get("name", event["id"])}


def _marked_core_events(runner: Runner, app_id: Any) -> list[dict]:
    params = None if app_id is None else {"appId": app_id}
    found = []
    for kind, source in CORE_EVENT_OBJECTS.items():
        rows = runner.run([
            {"source": {source: params}},
            {"filter": "isCoreEvent == true"},
            {"select": {"id": "id", "name": "name"}},
        ])
        found += [{"kind": kind, "id": row["id"], "name": row["name"]}
                  for row in conform(rows, {"id": pl.String, "name": pl.String}).iter_rows(named=True)]
    return found


def _product_area_items(runner: Runner, area_ids: Sequence[str], kinds: Sequence[str]) -> list[dict]:
    areas = runner.run([{"source": {"groups": {"items": True}}}])
    missing = sorted(set(area_ids) - set(areas["id"] if "id" in areas.columns else ()))
    if missing:
        raise ValidationError(f"product_area_ids: no product area with id {missing}")
    items = (
        areas.filter(pl.col("id").is_in(list(area_ids)))
        .select(pl.col("items").explode())
        .unnest("items")
        .drop_nulls()
    )
    return [
        {"kind": ITEM_KINDS[item_type.lower()], "id": item_id, "name": item_id}
        for item_type, item_id in items.select("itemType", "itemId").iter_rows()
        if ITEM_KINDS.get(item_type.lower()) in kinds
    ]


# ------------------------------------------------------------------------------- results


def describe(window: Window, app_id: Any, identified: bool, segment: Any) -> str:
    """The scope of a recipe in words, for messages: days, app, visitors, segment.

    Example:
        >>> from datetime import date
        >>> describe(Window(date(2026, 10, 1), date(2026, 10, 30), "UTC"), None, True, None)
        '2026-10-01 to 2026-10-30, default app, identified visitors'
    """
    parts = [str(window), "default app" if app_id is None else f"app {app_id}",
             "identified visitors" if identified else "all visitors"]
    if isinstance(segment, str):
        parts.append(f"segment {segment}")
    elif segment is not None:
        parts.append("the given segment members")
    return ", ".join(parts)


def recipe_result(recipe: str, setup: Setup, frame: pl.DataFrame, value: Any, params: dict,
                  chart: Any, empty: str) -> RecipeResult:
    """A recipe's result; without a headline ``value``, its message says why: ``empty``.

    Example:
        >>> from datetime import date
        >>> from pendo_lab.engine import EngineContext
        >>> setup = Setup(LocalRunner(EngineContext()), Window(date(2026, 10, 1),
        ...               date(2026, 10, 30), "UTC"), "polars")
        >>> [recipe_result("demo", setup, pl.DataFrame(), value, {}, None, "no rows").message
        ...  for value in (None, 1.0)]
        ['no rows', None]
    """
    return RecipeResult(setup.output(frame), value, recipe, params, chart,
                        message=empty if value is None else None)
