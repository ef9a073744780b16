"""The Product Engagement Score stages: ``pes``, ``adoption``, ``growth``, ``stickiness``.

Each stands alone as a pipeline's first stage::

    {"pes": {"appId": 123, "firstDay": "now()", "dayCount": -30, "groupBy": "account",
             "identified": "visitorId", "segment": {"id": "s1"},
             "config": {"stickiness": {...}, "adoption": {...}, "growth": {...}}}}

(for a component stage, ``config`` holds that component's settings directly). The days are
``firstDay`` through ``lastDay``, or ``dayCount`` days from ``firstDay`` with timeSeries
``count`` rules (negative: the days before ``firstDay``'s). A unit is a visitor or, with
``userBase: "accounts"``, an account; it is active on a day with at least one ``events`` row.

* adoption = 100 * (sum over core events e of |active units that used e|) / (N * |active units|);
* stickiness = 100 * mean over the days of (active in the numerator period ending that day /
  active in the denominator period ending that day); periods per :class:`StickinessOptions`,
  ``excludeWeekends`` drops Saturdays and Sundays from the mean (not from the periods);
* growth: new (first activity ever in the days), recovered (active now, not in the previous
  equally long days, active before those) and dropped (active in the previous days, not now);
  scored per :class:`GrowthOptions`;
* pes = mean of the three components that are not null.

Output: one row, or with ``groupBy: "account"`` one row per account active in the days (sorted
by ``accountId``), with columns ``pes``, ``adoption``, ``stickiness``, ``growth`` (the pes
stage) or the component's column (growth adds ``new``, ``recovered``, ``dropped``,
``quickRatio``). These names and formulas are INFERRED (Pendo documents neither).
:func:`stickiness_by_day` gives the daily ratios a stickiness stage averages.

Stickiness counts, for every day, the units active in the period ending that day without
expanding each active day into the days it covers: per block of 30 days, a unit's active days
(in the block and the 30 days before it) become the bits of one 64-bit integer, and a unit is
active in a period when its bits meet the period's (one group-by, then bit tests).

Example:
    >>> import polars as pl
    >>> from pendo_lab.engine import EngineContext, run
    >>> events = pl.DataFrame({"visitorId": ["a", "a", "b"], "accountId": ["x", "x", "x"],
    ...                        "day": [0, 86_400_000, 0], "numEvents": [1, 1, 1]})
    >>> ctx = EngineContext(now_ms=2 * 86_400_000, resolve_source=lambda spec: events)
    >>> config = {"numerator": "daily", "denominator": "weekly"}
    >>> stage = {"stickiness": {"firstDay": "now()", "dayCount": -2, "config": config}}
    >>> run([stage], ctx).to_dicts()
    [{'stickiness': 75.0}]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import reduce
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import polars as pl

from ..expr.dates import local_time_expr
from ..expr.values import ANONYMOUS_PREFIX
from ._context import EngineContext, SourceSpec, TimeWindow
from .basic import semi_join_members
from .timeseries import local_midnight, resolve_time_series, shift_periods

if TYPE_CHECKING:
    from ._pipeline import Stage

#: The parameters every metric stage accepts.
METRIC_KEYS = (
    "appId",
    "account",
    "firstDay",
    "lastDay",
    "dayCount",
    "groupBy",
    "identified",
    "blacklist",
    "segment",
    "config",
)
#: The components of the pes stage, in output order.
COMPONENTS = ("adoption", "stickiness", "growth")
#: Core event kinds -> (event source, id field).
CORE_EVENT_SOURCES = {
    "page": ("pageEvents", "pageId"),
    "feature": ("featureEvents", "featureId"),
    "trackEvent": ("trackEvents", "trackTypeId"),
}
#: Trailing length in days of the stickiness periods.
PERIOD_DAYS = {"daily": 1, "weekly": 7, "monthly": 30}

_ALL = "__all"
_DAY = "__target_day"
_DAY_NUMBER = "__day_number"
_BITS = "__active_days"
#: Days per block of the stickiness computation: a block's days and the days before it, back
#: to the start of the longest period (30 days), fit in the 64 bits of one integer.
_BLOCK_DAYS = 30
EPOCH_DATE = date(1970, 1, 1)
_UNITS = {"visitors": "visitorId", "accounts": "accountId"}


@dataclass
class _Scope:
    """The settings shared by the metric stages, parsed, and the event rows they read."""

    stage: Stage
    window: TimeWindow
    grouped: bool
    params: dict
    account: str | None
    identified: bool
    segment_id: Any
    _rows: dict = field(default_factory=dict)

    @property
    def keys(self) -> list[str]:
        return ["accountId"] if self.grouped else [_ALL]

    def by(self, unit: str) -> list[str]:
        """The keys and the unit column (once, when the unit is the key)."""
        return list(dict.fromkeys([*self.keys, unit]))

    @property
    def timezone(self) -> str:
        return self.stage.ctx.timezone

    def days(self) -> tuple:
        """The first and last local dates of the window."""
        tz = ZoneInfo(self.timezone)
        return (
            datetime.fromtimestamp(self.window.start_ms / 1000, tz).date(),
            datetime.fromtimestamp((self.window.end_ms - 1) / 1000, tz).date(),
        )

    def events(
        self, source: str = "events", window: TimeWindow | None = None, extra: dict | None = None
    ) -> pl.LazyFrame:
        """Event rows of a source, filtered by window, account, identified and segment."""
        params = {**self.params, **(extra or {})} or None
        cache_key = (source, window, repr(params))
        if cache_key not in self._rows:
            spec = SourceSpec(source, params, window, self.stage.path, all_time=window is None)
            rows = self.stage.ctx.source(spec)
            if window is not None:
                rows = rows.filter(
                    pl.col("day").is_between(window.start_ms, window.end_ms, closed="left")
                )
            if self.account is not None:
                rows = rows.filter(pl.col("accountId") == self.account)
            if self.identified:
                rows = rows.filter(~pl.col("visitorId").str.starts_with(ANONYMOUS_PREFIX))
            if self.segment_id is not None:
                rows = semi_join_members(
                    rows, self.stage.ctx.segment(self.segment_id, self.stage.path), self.stage
                )
            self._rows[cache_key] = rows.with_columns(pl.lit(0, pl.Int64).alias(_ALL))
        return self._rows[cache_key]

    def units(self, config: dict, window: TimeWindow | None) -> tuple[str, pl.LazyFrame]:
        """The unit column and the (keys, unit, day) activity rows in a window."""
        unit = _UNITS.get(config.get("userBase", "visitors"))
        if unit is None:
            raise self.stage.error(
                f"userBase must be one of {', '.join(_UNITS)}", ".config.userBase"
            )
        active = self.events(window=window).select(*self.by(unit), "day").drop_nulls(unit)
        return unit, active

    def finish(self, result: pl.LazyFrame, columns: list[str]) -> pl.LazyFrame:
        """One row (or one per account active in the window) with the metric columns."""
        if self.grouped:
            base = (
                self.events(window=self.window)
                .select("accountId")
                .drop_nulls()
                .unique()
                .sort("accountId")
            )
        else:
            base = pl.LazyFrame({_ALL: [0]})
        visible = ["accountId"] if self.grouped else []
        return base.join(result, on=self.keys, how="left", maintain_order="left").select(
            *visible, *columns
        )


def _with_day_numbers(rows: pl.LazyFrame, timezone: str) -> pl.LazyFrame:
    """Rows with the local date of their ``day`` as a day number (days since 1970-01-01),
    converted once per distinct day rather than once per row."""
    local = local_time_expr(pl.col("day"), timezone)
    numbers = rows.select(pl.col("day").unique()).with_columns(
        local.dt.date().cast(pl.Int32).alias(_DAY_NUMBER)
    )
    return rows.join(numbers, on="day", how="left", maintain_order="left")


def _parse_scope(argument: Any, stage: Stage) -> _Scope:
    if not isinstance(argument, dict):
        raise stage.error(
            'expected {"appId": ..., "firstDay": ..., "dayCount" or "lastDay": ..., ...}'
        )
    unknown = sorted(set(argument) - set(METRIC_KEYS))
    if unknown:
        raise stage.error(f"unknown parameters {unknown}; known: {', '.join(METRIC_KEYS)}")
    if "firstDay" not in argument or ("lastDay" in argument) == ("dayCount" in argument):
        raise stage.error("needs firstDay and exactly one of lastDay and dayCount")
    series = {"period": "dayRange", "first": argument["firstDay"]}
    series.update(
        {"last": argument["lastDay"]} if "lastDay" in argument else {"count": argument["dayCount"]}
    )
    if argument.get("groupBy") not in (None, "account"):
        raise stage.error('groupBy must be "account" (or absent)', ".groupBy")
    if argument.get("identified") not in (None, "visitorId"):
        raise stage.error('identified must be "visitorId" (or absent)', ".identified")
    segment = argument.get("segment")
    if segment is not None and (not isinstance(segment, dict) or set(segment) != {"id"}):
        raise stage.error('segment must be {"id": "<segmentId>"}', ".segment")
    return _Scope(
        stage=stage,
        window=resolve_time_series(series, stage.ctx, stage.path),
        grouped=argument.get("groupBy") == "account",
        params={key: argument[key] for key in ("appId", "blacklist") if key in argument},
        account=argument.get("account"),
        identified=argument.get("identified") == "visitorId",
        segment_id=segment["id"] if segment else None,
    )


def _config(config: Any, allowed: set, stage: Stage, suffix: str) -> dict:
    if config is None:
        return {}
    if not isinstance(config, dict) or not set(config) <= allowed:
        raise stage.error(f"config keys must be among {', '.join(sorted(allowed))}", suffix)
    return config


# ---------------------------------------------------------------------------- stickiness


#: One day's stickiness: 100 × the units active in the numerator period / in the denominator.
_DAILY_STICKINESS = 100 * pl.col("numerator") / pl.col("denominator")


def _stickiness_days(scope: _Scope, config: Any, suffix: str) -> pl.LazyFrame:
    """Per key and day of the window: units active in the numerator and denominator periods
    ending that day (``numerator``, ``denominator``), for days with a non-empty denominator
    (and, with ``excludeWeekends``, not a Saturday or Sunday)."""
    config = _config(
        config, {"userBase", "numerator", "denominator", "excludeWeekends"}, scope.stage, suffix
    )
    numerator, denominator = config.get("numerator", "daily"), config.get("denominator", "monthly")
    if (
        numerator not in ("daily", "weekly")
        or denominator not in ("weekly", "monthly")
        or numerator == denominator
    ):
        raise scope.stage.error(
            "numerator/denominator must be daily/weekly, daily/monthly or weekly/monthly", suffix
        )
    calendar = scope.stage.ctx.metric_options.stickiness.window == "calendar"
    first_day, last_day = scope.days()
    if calendar:
        lookback = _calendar_start(first_day, denominator)
    else:
        lookback = first_day - timedelta(days=PERIOD_DAYS[denominator] - 1)
    reach = TimeWindow(
        local_midnight(lookback, ZoneInfo(scope.timezone)), scope.window.end_ms, "dayRange"
    )
    unit, active = scope.units(config, reach)
    active = _with_day_numbers(active, scope.timezone).select(*scope.by(unit), _DAY_NUMBER)
    first, last = _day_number(first_day), _day_number(last_day)
    blocks = range(first, last + 1, _BLOCK_DAYS)
    if len(blocks) > 1:  # each block reads the rows: read them once
        active = active.collect().lazy()
    days = pl.concat(
        _block_counts(active, scope.keys, unit, (numerator, denominator), calendar, block, last)
        for block in blocks
    ).select(*scope.keys, pl.col(_DAY_NUMBER).cast(pl.Date).alias(_DAY), "numerator", "denominator")
    if config.get("excludeWeekends"):
        days = days.filter(pl.col(_DAY).dt.weekday() < 6)
    return days


def _stickiness(scope: _Scope, config: Any, suffix: str) -> pl.LazyFrame:
    """The mean of the daily ratios, added up in day order so that every run gives the same
    bits (Polars drops a sort before ``mean()``, and the joins before it leave the days in
    any order)."""
    daily = _DAILY_STICKINESS.sort_by(_DAY)
    return (
        _stickiness_days(scope, config, suffix)
        .group_by(scope.keys)
        .agg((daily.cum_sum().last() / daily.count()).alias("stickiness"))
    )


def _calendar_start(day: Any, period: str) -> Any:
    """The Sunday starting the week, or the 1st of the month, that holds ``day``."""
    return (
        day - timedelta(days=(day.weekday() + 1) % 7) if period == "weekly" else day.replace(day=1)
    )


def _day_number(day: Any) -> int:
    """Days since 1970-01-01 (Polars' physical value of a date)."""
    return (day - EPOCH_DATE).days


def _block_counts(
    active: pl.LazyFrame,
    keys: list[str],
    unit: str,
    periods: tuple[str, str],
    calendar: bool,
    block_first: int,
    last: int,
) -> pl.LazyFrame:
    """For up to :data:`_BLOCK_DAYS` days from ``block_first`` (day numbers): per key and day,
    the units active in the numerator and in the denominator period ending that day; days
    with no unit active in the denominator period are left out.

    Each unit's active days in the block and the :data:`_BLOCK_DAYS` days before it become
    the bits of one 64-bit integer; the unit is active in a period when its bits meet the
    period's. One group-by over the activity rows, then bit tests per unit: no day is ever
    expanded into the days it covers, and nothing is sorted.
    """
    block_last = min(block_first + _BLOCK_DAYS - 1, last)
    base = block_first - _BLOCK_DAYS
    day = pl.col(_DAY_NUMBER)
    bits = (
        active.filter(day.is_between(base, block_last))
        .group_by(*dict.fromkeys([*keys, unit]))
        .agg(pl.lit(2, pl.UInt64).pow(day - base).bitwise_or().alias(_BITS))
        .collect()
        .lazy()
    )
    days = range(block_first, block_last + 1)
    counts = [
        bits.group_by(keys)
        .agg(
            ((pl.col(_BITS) & _period_bits(number, period, calendar, base)) != 0)
            .sum()
            .alias(str(number))
            for number in days
        )
        .unpivot(index=keys, variable_name=_DAY_NUMBER, value_name=name)
        for period, name in zip(periods, ("numerator", "denominator"))
    ]
    on = [*keys, _DAY_NUMBER]
    return (
        counts[1]
        .filter(pl.col("denominator") > 0)
        .join(counts[0], on=on, how="left")
        .select(*keys, day.cast(pl.Int32), "numerator", "denominator")
    )


def _period_bits(number: int, period: str, calendar: bool, base: int) -> int:
    """The bits (day ``base`` is bit 0) of the period ending on day number ``number``."""
    day = EPOCH_DATE + timedelta(days=number)
    if calendar and period != "daily":
        start = _day_number(_calendar_start(day, period))
    else:
        start = number - PERIOD_DAYS[period] + 1
    return (1 << (number - base + 1)) - (1 << (start - base))


# ---------------------------------------------------------------------------- adoption


def _adoption(scope: _Scope, config: Any, suffix: str) -> pl.LazyFrame:
    config = _config(config, {"userBase", "productAreaIds", "events"}, scope.stage, suffix)
    unit, active = scope.units(config, scope.window)
    active = active.select(scope.by(unit)).unique()
    core = _core_events(scope, config, suffix)
    if not core:
        return (
            active.select(scope.keys)
            .unique()
            .with_columns(pl.lit(None, pl.Float64).alias("adoption"))
        )
    used = []
    for kind in sorted({kind for kind, _ in core}):
        source, id_field = CORE_EVENT_SOURCES[kind]
        ids = sorted(item for item_kind, item in core if item_kind == kind)
        rows = scope.events(source, scope.window, {f"{id_field}s": ids}).filter(
            pl.col(id_field).is_in(ids)
        )
        used.append(
            rows.select(*scope.by(unit), pl.concat_str(pl.lit(f"{kind}:"), id_field).alias("event"))
        )
    used_pairs = pl.concat(used).unique().join(active, on=scope.by(unit), how="semi")
    per_group = (
        active.group_by(scope.keys)
        .agg(pl.len().alias("units"))
        .join(
            used_pairs.group_by(scope.keys).agg(pl.len().alias("uses")), on=scope.keys, how="left"
        )
    )
    score = 100 * pl.col("uses").fill_null(0) / (len(core) * pl.col("units"))
    return per_group.select(*scope.keys, score.alias("adoption"))


def _core_events(scope: _Scope, config: dict, suffix: str) -> list[tuple[str, str]]:
    """Distinct (kind, id) core events: ``events``, plus the items of ``productAreaIds``."""
    options = scope.stage.ctx.metric_options.adoption
    events = config.get("events") or []
    areas = config.get("productAreaIds") or []
    if not events and not areas:
        events = list(options.core_events)
    core = set()
    for index, event in enumerate(events):
        if (
            not isinstance(event, dict)
            or event.get("kind") not in CORE_EVENT_SOURCES
            or "id" not in event
        ):
            raise scope.stage.error(
                f'expected {{"kind": one of {", ".join(CORE_EVENT_SOURCES)}, "id": ...}}',
                f"{suffix}.events[{index}]",
            )
        core.add((event["kind"], event["id"]))
    if areas:
        core |= _product_area_items(scope, areas, options.product_area_kinds, suffix)
    return sorted(core)


def _product_area_items(
    scope: _Scope, areas: list, kinds: tuple, suffix: str
) -> set[tuple[str, str]]:
    """The (kind, id) items of product areas, read from the ``groups`` source (``items: true``)."""
    groups = scope.stage.ctx.source(SourceSpec("groups", {"items": True}, None, scope.stage.path))
    found = groups.filter(pl.col("id").is_in(areas)).select("id", "items").collect()
    missing = sorted(set(areas) - set(found["id"]))
    if missing:
        raise scope.stage.error(f"unknown product area ids {missing}", f"{suffix}.productAreaIds")
    items = found.select(pl.col("items").explode().alias("item")).drop_nulls().unnest("item")
    by_type = {
        "page": "page",
        "feature": "feature",
        "tracktype": "trackEvent",
        "trackevent": "trackEvent",
    }
    return {
        (by_type.get(item_type.lower(), ""), item_id)
        for item_type, item_id in items.select("itemType", "itemId").iter_rows()
        if by_type.get(item_type.lower()) in kinds
    }


# ---------------------------------------------------------------------------- growth


def _growth(scope: _Scope, config: Any, suffix: str) -> pl.LazyFrame:
    config = _config(config, {"userBase"}, scope.stage, suffix)
    start, end = scope.window.start_ms, scope.window.end_ms
    first_day, last_day = scope.days()
    previous = shift_periods(start, "dayRange", -((last_day - first_day).days + 1), scope.timezone)
    unit, rows = scope.units(config, None)
    day = pl.col("day")
    per_unit = (
        rows.filter(day < end)
        .group_by(scope.by(unit))
        .agg(
            day.min().alias("first"),
            day.max().alias("last"),
            day.is_between(previous, start, closed="left").any().alias("before"),
        )
    )
    now, before = pl.col("last") >= start, pl.col("before")
    counts = (
        per_unit.group_by(scope.keys)
        .agg(
            (pl.col("first") >= start).sum().alias("new"),
            (now & ~before & (pl.col("first") < previous)).sum().alias("recovered"),
            (before & ~now).sum().alias("dropped"),
        )
        .with_columns(pl.col("new", "recovered", "dropped").cast(pl.Int64))
    )
    gained = pl.col("new") + pl.col("recovered")
    share = pl.when(gained + pl.col("dropped") > 0).then(
        100 * gained / (gained + pl.col("dropped"))
    )
    quick_ratio = pl.when(pl.col("dropped") > 0).then(gained / pl.col("dropped"))
    scale = scope.stage.ctx.metric_options.growth.scale
    return counts.with_columns(
        (share if scale == "share" else quick_ratio).alias("growth"),
        quick_ratio.alias("quickRatio"),
    )


# ---------------------------------------------------------------------------- stages

_COMPUTE = {"adoption": _adoption, "stickiness": _stickiness, "growth": _growth}
_COLUMNS = {
    "adoption": ["adoption"],
    "stickiness": ["stickiness"],
    "growth": ["growth", "new", "recovered", "dropped", "quickRatio"],
}


def pes(frame: None, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"pes": {...}}``: the three components and their mean (see the module docstring)."""
    scope = _parse_scope(argument, stage)
    config = _config(argument.get("config"), set(COMPONENTS), stage, ".config")
    parts = [
        _COMPUTE[name](scope, config.get(name), f".config.{name}").select(*scope.keys, name)
        for name in COMPONENTS
    ]
    result = reduce(
        lambda left, right: left.join(right, on=scope.keys, how="full", coalesce=True), parts
    )
    result = result.with_columns(pl.mean_horizontal(COMPONENTS).alias("pes"))
    return scope.finish(result, ["pes", *COMPONENTS])


def _component(name: str):
    def component(frame: None, argument: Any, stage: Stage) -> pl.LazyFrame:
        scope = _parse_scope(argument, stage)
        return scope.finish(
            _COMPUTE[name](scope, argument.get("config"), ".config"), _COLUMNS[name]
        )

    component.__name__ = name
    component.__doc__ = (
        f'``{{"{name}": {{...}}}}``: the {name} component alone (see the module docstring).'
    )
    return component


adoption = _component("adoption")
growth = _component("growth")
stickiness = _component("stickiness")


def stickiness_by_day(argument: dict, ctx: EngineContext) -> pl.DataFrame:
    """The daily ratios a stickiness stage averages, for a stage's ``argument``: ``day`` (the
    local date), ``accountId`` with ``groupBy: "account"``, and ``stickiness`` = 100 ×
    units active in the numerator period / units active in the denominator period ending that
    day. Days with no active unit in the denominator period (and, with ``excludeWeekends``,
    Saturdays and Sundays) have no row.

    Example:
        >>> from pendo_lab.engine import EngineContext
        >>> events = pl.DataFrame({"visitorId": ["a", "a", "b"], "accountId": ["x", "x", "x"],
        ...                        "day": [0, 86_400_000, 0]})
        >>> ctx = EngineContext(resolve_source=lambda spec: events)
        >>> argument = {"firstDay": 0, "lastDay": 86_400_000,
        ...             "config": {"numerator": "daily", "denominator": "weekly"}}
        >>> stickiness_by_day(argument, ctx)["stickiness"].to_list()
        [100.0, 50.0]
    """
    from ._pipeline import Stage

    scope = _parse_scope(argument, Stage(ctx.pinned(), "pipeline[0].stickiness"))
    visible = ["accountId"] if scope.grouped else []
    return (
        _stickiness_days(scope, argument.get("config"), ".config")
        .select(
            *visible,
            pl.col(_DAY).alias("day"),
            _DAILY_STICKINESS.alias("stickiness"),
        )
        .sort(*visible, "day")
        .collect()
    )
