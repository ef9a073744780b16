"""Where a computed recipe's rows come from, and who runs its requests.

Every computed recipe builds Pendo aggregation requests and hands them to a *runner*:

* :class:`ServerRunner` sends them to Pendo (``client.aggregate``): the server path;
* :class:`LocalRunner` runs them with :mod:`pendo_lab.engine` on event frames: the local path.
  The frames are the user's own (:class:`FrameSources`) or pulled from a client, source by
  source, as the engine asks for them (:class:`ClientSources`).

Both answer with Polars frames whose times are epoch milliseconds, so a recipe finishes the
rows of either path with the same code. :func:`open_source` picks the runner from the
recipe's ``source`` argument and resolves its days (:class:`Window`).

Example:
    >>> import polars as pl
    >>> events = pl.DataFrame({"visitorId": ["a"], "accountId": ["x"], "day": [0]})
    >>> setup = open_source("events", events, first="1970-01-01", last="1970-01-01")
    >>> setup.runner.run([{"source": {"events": None, "timeSeries": setup.window.series()}},
    ...                   {"count": None}]).item()
    1
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from .._exceptions import ValidationError
from .._frames import check_frame_kind
from ..engine import EngineContext, MetricOptions, SourceSpec, run

#: How far before a recipe's first day the local path pulls events that the engine reads
#: "over all time" (growth's earlier activity). The server path reads all history.
HISTORY_DAYS = 365
#: The sources whose rows are events (a segment or a group restricts them).
EVENT_SOURCES = frozenset({
    "events", "pageEvents", "featureEvents", "trackEvents", "guideEvents", "pollEvents",
})
#: The columns the recipes read from each source, and their types (a frame given for a
#: source must have them; an empty frame may lack them).
SOURCE_COLUMNS: dict[str, dict[str, Any]] = {
    "events": {"visitorId": pl.String, "accountId": pl.String, "day": pl.Int64},
    "pageEvents": {"visitorId": pl.String, "accountId": pl.String, "day": pl.Int64,
                   "pageId": pl.String},
    "featureEvents": {"visitorId": pl.String, "accountId": pl.String, "day": pl.Int64,
                      "featureId": pl.String},
    "trackEvents": {"visitorId": pl.String, "accountId": pl.String, "day": pl.Int64,
                    "trackTypeId": pl.String},
    "guideEvents": {"visitorId": pl.String, "accountId": pl.String, "browserTime": pl.Int64,
                    "type": pl.String, "guideId": pl.String, "guideStepId": pl.String},
    "pollEvents": {"visitorId": pl.String, "accountId": pl.String, "browserTime": pl.Int64,
                   "guideId": pl.String, "pollId": pl.String, "pollResponse": pl.String},
}
#: Source parameters that name objects, and the row field each one filters.
_ID_PARAMS = {
    "pageId": "pageId", "pageIds": "pageId", "featureId": "featureId", "featureIds": "featureId",
    "trackTypeId": "trackTypeId", "trackTypeIds": "trackTypeId", "guideId": "guideId",
    "guideStepId": "guideStepId", "pollId": "pollId",
}
#: Source parameters a frame cannot honour and that are left alone (exclude-list rules are
#: not in the frames: a frame is taken as already filtered).
_IGNORED_PARAMS = frozenset({"blacklist", "items"})
_PERIOD_COLUMNS = {"dayRange": "day", "hourRange": "hour"}
_TIME_COLUMNS = {"guideEvents": "browserTime", "pollEvents": "browserTime"}
_METHODS = ("server", "local")


# ------------------------------------------------------------------------------- the days


@dataclass(frozen=True)
class Window:
    """A recipe's days: ``first`` through ``last`` (local dates, both included).

    Example:
        >>> w = Window(date(2026, 10, 3), date(2026, 11, 1), "America/New_York")
        >>> w.stage_days()
        {'firstDay': 'date("2026-10-03")', 'lastDay': 'date("2026-11-01")'}
        >>> str(w), len(w.days())
        ('2026-10-03 to 2026-11-01', 30)
    """

    first: date
    last: date
    timezone: str

    def __str__(self) -> str:
        return f"{self.first} to {self.last}"

    def days(self) -> list[date]:
        """Every day of the window, in order."""
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def stage_days(self) -> dict:
        """``firstDay``/``lastDay`` of the pes, adoption, growth and stickiness stages."""
        return {"firstDay": f'date("{self.first}")', "lastDay": f'date("{self.last}")'}

    def series(self, period: str = "dayRange") -> dict:
        """The ``timeSeries`` of a source stage covering the window."""
        last = f"{self.last}T23:00" if period == "hourRange" else str(self.last)
        return {"period": period, "first": f'date("{self.first}")', "last": f'date("{last}")'}

    def start_ms(self, day: date | None = None) -> int:
        """Epoch milliseconds of local midnight starting ``day`` (default: the first day)."""
        midnight = datetime.combine(day or self.first, time(), ZoneInfo(self.timezone))
        return int(midnight.timestamp() * 1000)


def resolve_window(first: Any, last: Any, days: int, today: date, timezone: str) -> Window:
    """The days a recipe covers: ``first`` through ``last``; with only one of them, ``days``
    days from or up to it; with neither, the ``days`` complete days before ``today``.

    Example:
        >>> str(resolve_window(None, None, 7, date(2026, 11, 2), "UTC"))
        '2026-10-26 to 2026-11-01'
        >>> str(resolve_window("2026-10-01", None, 3, date(2026, 11, 2), "UTC"))
        '2026-10-01 to 2026-10-03'
    """
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise ValidationError(f"days={days!r}: give a whole number of days, 1 or more")
    first_day, last_day = _as_date(first, "first", timezone), _as_date(last, "last", timezone)
    span = timedelta(days=days - 1)
    if first_day is None and last_day is None:
        last_day = today - timedelta(days=1)
    if first_day is None:
        first_day = last_day - span
    if last_day is None:
        last_day = first_day + span
    if last_day < first_day:
        raise ValidationError(f"last={last_day} is before first={first_day}")
    return Window(first_day, last_day, timezone)


def _as_date(value: Any, name: str, timezone: str) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(
                f"{name}={value!r} is not a date: write it like '2026-10-01'"
            ) from None
    if not isinstance(value, datetime):
        raise ValidationError(f"{name}={value!r}: give a date, a datetime or 'YYYY-MM-DD' text")
    return value.astimezone(ZoneInfo(timezone)).date() if value.tzinfo else value.date()


# ---------------------------------------------------------------------- frames in and out


def is_frame(value: Any) -> bool:
    """Whether ``value`` is a Polars or pandas frame.

    Example:
        >>> is_frame(pl.DataFrame()), is_frame({"events": None})
        (True, False)
    """
    return isinstance(value, (pl.DataFrame, pl.LazyFrame)) or _is_pandas(value)


def _is_pandas(value: Any) -> bool:
    return type(value).__module__.startswith("pandas") and hasattr(value, "columns")


def engine_frame(frame: Any, timezone: str) -> pl.DataFrame:
    """A Polars frame the engine reads: pandas converted, times as epoch-millisecond integers
    (aware datetimes as they are; naive datetimes and dates as local times in ``timezone``).

    Example:
        >>> engine_frame(pl.DataFrame({"day": [date(1970, 1, 2)]}), "UTC")["day"].to_list()
        [86400000]
    """
    if _is_pandas(frame):
        frame = pl.from_pandas(frame)
    if isinstance(frame, pl.LazyFrame):
        frame = frame.collect()
    exprs = [
        expr.alias(name)
        for name, dtype in frame.schema.items()
        if (expr := _epoch_ms(pl.col(name), dtype, timezone)) is not None
    ]
    return frame.with_columns(exprs) if exprs else frame


def _epoch_ms(expr: pl.Expr, dtype: Any, timezone: str) -> pl.Expr | None:
    if dtype == pl.Date:
        return expr.cast(pl.Datetime("ms")).dt.replace_time_zone(timezone).dt.epoch("ms")
    if isinstance(dtype, pl.Datetime):
        aware = expr if dtype.time_zone else expr.dt.replace_time_zone(timezone)
        return aware.dt.epoch("ms")
    if isinstance(dtype, pl.Struct):
        fields = [(f.name, _epoch_ms(expr.struct.field(f.name), f.dtype, timezone))
                  for f in dtype.fields]
        if all(converted is None for _, converted in fields):
            return None
        return pl.struct([
            (converted if converted is not None else expr.struct.field(name)).alias(name)
            for name, converted in fields
        ])
    return None


def conform(frame: pl.DataFrame, schema: Mapping[str, Any]) -> pl.DataFrame:
    """The columns of ``schema``, cast to its types; an answer without rows (which may come
    without columns) becomes an empty frame of that schema.

    Example:
        >>> conform(pl.DataFrame(), {"n": pl.Int64}).schema
        Schema([('n', Int64)])
    """
    if frame.height == 0:
        return pl.DataFrame(schema=dict(schema))
    return frame.select(pl.col(name).cast(dtype) for name, dtype in schema.items())


def _metadata_rows(frame: pl.DataFrame, id_column: str) -> pl.DataFrame:
    """``visitors``/``accounts`` rows as the sources give them: the id and one ``metadata``
    struct; flat ``group.field`` columns (as in ``Sandbox.tables``) are folded into it."""
    if "metadata" in frame.columns:
        return frame
    groups: dict[str, list[str]] = {}
    for name in frame.columns:
        group, dot, _ = name.partition(".")
        if dot:
            groups.setdefault(group, []).append(name)
    metadata = pl.struct([
        pl.struct([pl.col(name).alias(name.partition(".")[2]) for name in names]).alias(group)
        for group, names in groups.items()
    ])
    return frame.select(id_column, metadata.alias("metadata"))


# ----------------------------------------------------------------------------- resolvers


class FrameSources:
    """The engine's ``resolve_source`` over frames the user has, keyed by Pendo source name.

    A frame is filtered as the source would be: its time window (``day``/``hour`` of grouped
    rows, ``browserTime`` of guide and poll events), ``appId`` (a number or a list; every app
    when absent or ``expandAppIds(...)``) and object ids (``featureId``, ``guideId``, ...).
    Exclude-list rules are not applied: frames are taken as already filtered.

    Example:
        >>> frames = FrameSources({"events": pl.DataFrame({"visitorId": ["a", "b"],
        ...     "accountId": ["x", "y"], "day": [0, 86_400_000], "appId": [1, 2]})}, "UTC")
        >>> spec = SourceSpec("events", {"appId": 2}, None, "pipeline[0]")
        >>> frames(spec).collect()["visitorId"].to_list()
        ['b']
    """

    def __init__(self, frames: Mapping[str, Any], timezone: str):
        self.frames = {name: engine_frame(frame, timezone) for name, frame in frames.items()}
        for name, frame in self.frames.items():
            _check_columns(name, frame)

    def __call__(self, spec: SourceSpec) -> pl.LazyFrame:
        if spec.name not in self.frames:
            raise ValidationError(
                f"this recipe reads the {spec.name!r} source: add its rows to the frames, "
                f"e.g. source={{..., {spec.name!r}: frame}}"
            )
        frame = self.frames[spec.name]
        if frame.height == 0 and spec.name in SOURCE_COLUMNS:
            period = {} if spec.window is None else {_time_column(spec): pl.Int64}
            frame = pl.DataFrame(schema={**SOURCE_COLUMNS[spec.name], **period, **frame.schema})
        if spec.name == "visitors":
            frame = _metadata_rows(frame, "visitorId")
        elif spec.name == "accounts":
            frame = _metadata_rows(frame, "accountId")
        rows = frame.lazy()
        if spec.window is not None:
            rows = rows.filter(_window_filter(spec, frame.columns))
        for name, value in (spec.params or {}).items():
            rows = rows.filter(_param_filter(spec.name, name, value))
        return rows


def _check_columns(name: str, frame: pl.DataFrame) -> None:
    missing = [column for column in SOURCE_COLUMNS.get(name, ()) if column not in frame.columns]
    if missing and frame.height:
        raise ValidationError(
            f"the {name!r} frame lacks columns {missing}; its rows need "
            f"{', '.join(SOURCE_COLUMNS[name])} (as Pendo's {name} source gives them)"
        )


def _time_column(spec: SourceSpec) -> str:
    """The row field a source's time window applies to."""
    return _TIME_COLUMNS.get(spec.name) or _PERIOD_COLUMNS.get(spec.window.period, "day")


def _window_filter(spec: SourceSpec, columns: list[str]) -> pl.Expr:
    column = _time_column(spec)
    if column not in columns:
        raise ValidationError(
            f"the {spec.name!r} frame needs a {column!r} column for a {spec.window.period} "
            "window (pull it with that period)"
        )
    return pl.col(column).is_between(spec.window.start_ms, spec.window.end_ms, closed="left")


def _param_filter(source: str, name: str, value: Any) -> pl.Expr:
    if name in _IGNORED_PARAMS or (name == "appId" and isinstance(value, str)):
        return pl.lit(True)
    column = "appId" if name == "appId" else _ID_PARAMS.get(name)
    if column is None:
        raise NotImplementedError(f"source parameter {name!r} of {source!r} on local frames")
    return pl.col(column).is_in(value if isinstance(value, list) else [value])


class ClientSources:
    """The engine's ``resolve_source`` pulling each source from a client, as asked.

    A source with a time window is pulled with that window; an event source asked for
    over all time (``spec.all_time``) is pulled over ``history`` (epoch ms, start and end). With ``segment_id``
    set, event rows are pulled through that segment. Object ids and ``appId`` may not be
    sent together (the reference: "Do not use in conjunction with appId"), so a source asked
    for with both is pulled for the app and cut to the ids here. Each distinct pull is made
    once.
    """

    def __init__(self, client: Any, history: tuple[int, int], segment_id: str | None = None):
        self.client, self.history, self.segment_id = client, history, segment_id
        self._pulled: dict[str, pl.DataFrame] = {}

    def __call__(self, spec: SourceSpec) -> pl.DataFrame:
        params = spec.params or {}
        ids = {name: value for name, value in params.items() if name in _ID_PARAMS}
        if ids and "appId" in params:
            rows = self(replace(spec, params={k: v for k, v in params.items() if k not in ids}))
            return rows.filter([_param_filter(spec.name, name, value)
                                for name, value in ids.items()])
        source: dict = {spec.name: spec.params}
        if spec.window is not None:
            window = spec.window
            source["timeSeries"] = {"period": window.period, "first": window.start_ms,
                                    "last": window.end_ms - 1}
        elif spec.all_time and spec.name in EVENT_SOURCES:
            source["timeSeries"] = {"period": "dayRange", "first": self.history[0],
                                    "last": self.history[1] - 1}
        pipeline = [{"source": source}]
        if self.segment_id is not None and spec.name in EVENT_SOURCES:
            pipeline.append({"segment": {"id": self.segment_id}})
        key = repr(pipeline)
        if key not in self._pulled:
            rows = self.client.aggregate(pipeline, frame="polars")
            self._pulled[key] = engine_frame(rows, self.client.timezone)
        return self._pulled[key]


@dataclass(frozen=True)
class LocalSources:
    """A resolver whose event rows are restricted to members (a segment, a group): each
    frame in ``members`` keeps the rows whose ``visitorId`` and/or ``accountId`` it lists."""

    fetch: Callable[[SourceSpec], Any]
    members: tuple[pl.DataFrame, ...] = ()

    def __call__(self, spec: SourceSpec) -> pl.LazyFrame:
        rows = self.fetch(spec).lazy()
        if spec.name in EVENT_SOURCES:
            for members in self.members:
                ids = [name for name in ("visitorId", "accountId") if name in members.columns]
                rows = rows.join(members.lazy().select(ids).unique(), on=ids, how="semi",
                                 maintain_order="left")
        return rows


# ------------------------------------------------------------------------------- runners


@dataclass(frozen=True)
class ServerRunner:
    """Runs requests on Pendo through ``client.aggregate`` (the server path)."""

    client: Any
    segment_id: str | None = None
    local = False

    def run(self, pipeline: list[dict]) -> pl.DataFrame:
        """The request's rows, times as epoch milliseconds."""
        return engine_frame(self.client.aggregate(pipeline, frame="polars"), self.client.timezone)


@dataclass(frozen=True)
class LocalRunner:
    """Runs requests with :mod:`pendo_lab.engine` over local sources (the local path).

    Segments are applied by the sources, so requests carry none (``segment_id`` is None).
    """

    context: EngineContext
    segment_id: None = None
    local = True

    def run(self, pipeline: list[dict]) -> pl.DataFrame:
        """The request's rows, as the engine computes them."""
        return run(pipeline, self.context)

    def restricted(self, members: pl.DataFrame) -> LocalRunner:
        """This runner with event rows restricted to ``members`` as well."""
        sources = self.context.resolve_source
        narrower = replace(sources, members=(*sources.members, members))
        return replace(self, context=replace(self.context, resolve_source=narrower))


# --------------------------------------------------------------------------- the setup


@dataclass(frozen=True)
class Setup:
    """What a recipe runs with: its runner, its days and the kind of frame to return."""

    runner: ServerRunner | LocalRunner
    window: Window
    frame_kind: str

    def output(self, frame: pl.DataFrame) -> Any:
        """``frame`` as the kind of frame the caller gets."""
        return frame.to_pandas() if self.frame_kind == "pandas" else frame


def open_source(
    primary: str,
    source: Any,
    *,
    first: Any = None,
    last: Any = None,
    days: int = 30,
    segment: Any = None,
    method: str | None = None,
    timezone: str | None = None,
    frame: str | None = None,
    options: MetricOptions | None = None,
) -> Setup:
    """Set a recipe up from its ``source`` argument.

    ``source`` is a :class:`~pendo_lab.Pendo` client (``method`` "server", the default, or
    "local": pull the rows and compute here), or rows the user has (``method`` "local"): one
    frame of the recipe's ``primary`` source, or a mapping of Pendo source names to frames
    (``{"events": ..., "featureEvents": ...}``), pandas or Polars.

    ``segment`` is a segment id (with a client) or, with frames, the members as a frame with
    ``visitorId`` and/or ``accountId`` (or a list of visitor ids). ``options`` holds the
    engine's INFERRED choices; the server path uses the server's own, so it takes none.
    """
    if method not in (None, *_METHODS):
        raise ValidationError(f"method={method!r}: use 'server' or 'local'")
    if frame is not None:
        check_frame_kind(frame)
    if is_frame(source) or isinstance(source, Mapping):
        frames = {primary: source} if is_frame(source) else dict(source)
        return _frames_setup(frames, first, last, days, segment, method, timezone, frame, options)
    if hasattr(source, "aggregate") and hasattr(source, "timezone"):
        return _client_setup(source, first, last, days, segment, method, timezone, frame, options)
    raise ValidationError(
        f"source must be a Pendo client, a frame of {primary} rows, or a mapping of source "
        f"names to frames; got {type(source).__name__}"
    )


def _frames_setup(frames, first, last, days, segment, method, timezone, frame, options) -> Setup:
    if method == "server":
        raise ValidationError("method='server' needs a Pendo client; frames are computed locally")
    if isinstance(segment, str):
        raise ValidationError(
            "with frames, give the segment's members (a frame with visitorId and/or accountId, "
            "or a list of visitor ids), not a segment id"
        )
    timezone = timezone or "UTC"
    members = () if segment is None else (_members(segment, timezone),)
    kind = frame or ("pandas" if any(_is_pandas(f) for f in frames.values()) else "polars")
    context = EngineContext(
        timezone=timezone,
        resolve_source=LocalSources(FrameSources(frames, timezone), members),
        metric_options=options or MetricOptions(),
    )
    today = datetime.now(ZoneInfo(timezone)).date()
    window = resolve_window(first, last, days, today, timezone)
    return Setup(LocalRunner(context), window, kind)


def _members(segment: Any, timezone: str) -> pl.DataFrame:
    if is_frame(segment):
        members = engine_frame(segment, timezone)
        if not {"visitorId", "accountId"} & set(members.columns):
            raise ValidationError("the segment's members frame needs visitorId and/or accountId")
        return members
    return pl.DataFrame({"visitorId": [str(member) for member in segment]})


def _client_setup(client, first, last, days, segment, method, timezone, frame, options) -> Setup:
    from .._client import AsyncPendo

    if isinstance(client, AsyncPendo):
        raise ValidationError("recipes need a synchronous client: use pendo_lab.Pendo")
    if timezone not in (None, client.timezone):
        raise ValidationError(
            f"timezone={timezone!r} differs from the client's subscription timezone "
            f"{client.timezone!r}: leave it out with a client"
        )
    if segment is not None and not isinstance(segment, str):
        raise ValidationError("with a client, segment is a segment id (text)")
    window = resolve_window(first, last, days, server_today(client), client.timezone)
    kind = frame or client.frame
    if method == "local":
        history = (window.start_ms(window.first - timedelta(days=HISTORY_DAYS)),
                   window.start_ms(window.last + timedelta(days=1)))
        context = EngineContext(
            timezone=client.timezone,
            resolve_source=LocalSources(ClientSources(client, history, segment)),
            metric_options=options or MetricOptions(),
        )
        return Setup(LocalRunner(context), window, kind)
    if options is not None:
        raise ValidationError(
            "options (the engine's INFERRED choices) apply to method='local'; the server "
            "path follows the server's own rules"
        )
    return Setup(ServerRunner(client, segment), window, kind)


def server_today(client: Any) -> date:
    """The subscription's current date, as the server sees it: the ``startTime`` of a one-day
    query starting ``now()`` (one small request; the sandbox's clock may differ from ours).
    Without a ``startTime`` in the answer, today by our clock in the client's timezone."""
    today = {"period": "dayRange", "first": "now()", "count": 1}
    answer = client.aggregation.raw([{"source": {"events": None, "timeSeries": today}},
                                     {"count": None}])
    zone = ZoneInfo(client.timezone)
    if not isinstance(answer, dict) or not isinstance(answer.get("startTime"), int):
        return datetime.now(zone).date()
    return datetime.fromtimestamp(answer["startTime"] / 1000, zone).date()
