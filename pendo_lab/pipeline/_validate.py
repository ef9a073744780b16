"""Check a pipeline against Pendo's aggregation language before anything is sent.

:data:`STARTERS` are the stages that begin a pipeline (``source``, ``spawn`` and the PES
stages), :data:`OPERATORS` the stages that follow; each maps a stage name to the type of its
argument. Errors name the path of the problem and how to fix it.

Example:
    >>> check_stages([{"source": {"events": None}}], "pipeline")
    Traceback (most recent call last):
    ...
    pendo_lab._exceptions.PipelineError: pipeline[0].source: source 'events' needs a timeSeries; add "timeSeries": {"period": "dayRange", "first": "now()", "count": -30} (in Python: .last_days(30))
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from .._exceptions import PipelineError
from ._catalog import AGGREGATION, SCORES, SOURCES, TIME_SERIES, Source
from ._schema import (
    Anything,
    Boolean,
    Expression,
    Integer,
    ListOf,
    MapOf,
    Null,
    OneKey,
    Record,
    Text,
    Type,
    child,
    describe,
    unknown,
)


class Branch(Type):
    """A nested pipeline: a spawn or merge pipeline (``needs_source``) or a fork branch."""

    what = "a list of stages"

    def __init__(self, needs_source: bool):
        self.needs_source = needs_source

    def check(self, value, path):
        check_stages(value, path, needs_source=self.needs_source)


class SourceStage(Type):
    """``{"<name>": params | null, "timeSeries": {...}}``, checked against :data:`SOURCES`."""

    what = 'an object like {"events": null, "timeSeries": {...}}'

    def check(self, value, path):
        if not isinstance(value, dict):
            raise self.fail(value, path)
        names = [key for key in value if key != "timeSeries"]
        if len(names) != 1:
            got = ", ".join(map(repr, names)) or "none"
            raise PipelineError(f"a source names exactly one source, got {got}; to read several "
                                "sources, combine pipelines with spawn", path)
        name = names[0]
        if name not in SOURCES:
            raise PipelineError(unknown("source", name, SOURCES), child(path, name))
        source = SOURCES[name]
        params = value[name]
        if params is not None:
            source.params.check(params, child(path, name))
        _check_time_series(source, params or {}, value, path)


def _check_time_series(source: Source, params: dict, value: dict, path: str) -> None:
    """The source's timeSeries: present when needed, absent otherwise, with the ids it needs."""
    if "timeSeries" not in value:
        if source.time_series:
            raise PipelineError(
                f"source {source.name!r} needs a timeSeries; add \"timeSeries\": {{\"period\": "
                "\"dayRange\", \"first\": \"now()\", \"count\": -30} (in Python: .last_days(30))",
                path)
        return
    path = child(path, "timeSeries")
    if not source.time_series:
        raise PipelineError(f"source {source.name!r} takes no timeSeries (it is not a time range "
                            "of events); remove it", path)
    series = value["timeSeries"]
    TIME_SERIES.check(series, path)
    if series["period"] == "hourRange" and source.hour_ids and \
            not any(key in params for key in source.hour_ids):
        ids = " or ".join(repr(key) for key in source.hour_ids)
        raise PipelineError(
            f"hourRange on {source.name!r} needs {ids} (Pendo's reference requires it); add "
            f"\"{source.hour_ids[0]}\": \"<id>\" to the source parameters, or use dayRange",
            child(path, "period"))


class Aggregations(Type):
    """``group.fields`` / ``reduce``: ``{"out": {"sum": "f"}}`` or ``[{"out": {"sum": "f"}}]``."""

    what = 'an object like {"total": {"sum": "numEvents"}}, or a list of such one-field objects'

    def check(self, value, path):
        if isinstance(value, dict):
            entries = [(child(path, out), spec) for out, spec in value.items()]
        elif isinstance(value, list):
            entries = []
            for index, entry in enumerate(value):
                if not isinstance(entry, dict) or len(entry) != 1:
                    raise PipelineError(
                        f"expected an object with one output field like {{\"total\": {{\"sum\": "
                        f"\"numEvents\"}}}}, got {describe(entry)}"
                        + (f" with {len(entry)} fields" if isinstance(entry, dict) else ""),
                        child(path, index))
                ((out, spec),) = entry.items()
                entries.append((child(child(path, index), out), spec))
        else:
            raise self.fail(value, path)
        for entry_path, spec in entries:
            AGGREGATION.check(spec, entry_path)


_FIELDS = ListOf(Text("a field name"))
_SWITCH_CASE = Record({"value": Anything(), **dict.fromkeys(
    ["==", "!=", "<", "<=", ">", ">="], Anything())}, required=("value",), label="comparison")

#: Stages that begin a pipeline, and the type of their argument.
STARTERS: MappingProxyType[str, Type] = MappingProxyType({
    "source": SourceStage(),
    "spawn": ListOf(Branch(needs_source=True), min_items=1),
    **SCORES,
})

#: Stages that follow the first one, and the type of their argument.
OPERATORS: MappingProxyType[str, Type] = MappingProxyType({
    "filter": Expression(),
    "select": MapOf(Expression()),
    "eval": MapOf(Expression()),
    "sort": ListOf(Text('a field name, with "-" in front to sort descending'), min_items=1),
    "limit": Integer(minimum=0),
    "count": Null(),
    "cat": Null(),
    "reduce": Aggregations(),
    "group": Record({"group": _FIELDS, "fields": Aggregations()}, required=("group",)),
    "identified": Text('a visitor or account id field, "!" in front for anonymous ones'),
    "segment": Record({"id": Text("a segment id")}, required=("id",)),
    "bulkExpand": MapOf(OneKey({"visitor": Text(), "account": Text()}, "lookup")),
    "expand": MapOf(OneKey({"page": Text(), "feature": Text(), "trackType": Text()}, "lookup")),
    "itemSeen": MapOf(OneKey({"pageId": Text(), "featureId": Text(), "trackTypeId": Text()},
                             "item")),
    "useragent": MapOf(Text("the field holding the user agent")),
    "unwind": Record({"field": Text(), "index": Text(), "keepEmpty": Boolean(),
                      "prefix": Boolean()}, required=("field",)),
    "switch": MapOf(MapOf(ListOf(_SWITCH_CASE, min_items=1), max_items=1,
                          what='an object like {"inputField": [{"value": ..., "<": 7}, ...]}')),
    "fork": ListOf(Branch(needs_source=False), min_items=1),
    "join": Record({"fields": _FIELDS, "width": Integer(minimum=1)}, required=("fields",)),
    "merge": Record({"fields": _FIELDS, "mappings": MapOf(Text(), min_items=0),
                     "pipeline": Branch(needs_source=True)}, required=("fields", "pipeline")),
})

_STARTS = ", ".join(STARTERS)


def check_stages(stages: Any, path: str = "pipeline", *, needs_source: bool = True) -> None:
    """Check a list of stages; ``needs_source`` says the first must be one of :data:`STARTERS`.

    Example:
        >>> check_stages([{"source": {"pages": None}}, {"limit": "10"}])
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.PipelineError: pipeline[1].limit: expected an integer >= 0, got the string "10"
    """
    if not isinstance(stages, list):
        raise PipelineError(f"expected a list of stages, got {describe(stages)}", path)
    if needs_source and not stages:
        raise PipelineError(f"the pipeline is empty; start it with one of {_STARTS}, e.g. "
                            '{"source": {"pages": null}}', path)
    for index, stage in enumerate(stages):
        check_stage(stage, child(path, index), first=needs_source and index == 0)


def check_stage(stage: Any, path: str, *, first: bool) -> None:
    """Check one stage: an object with exactly one known operator and a valid argument."""
    if not isinstance(stage, dict) or len(stage) != 1:
        got = f"an object with {len(stage)} keys" if isinstance(stage, dict) else describe(stage)
        raise PipelineError('a stage is an object with exactly one operator, like '
                            f'{{"limit": 10}}; got {got}', path)
    ((name, argument),) = stage.items()
    if name not in STARTERS and name not in OPERATORS:
        raise PipelineError(unknown("operator", name, [*STARTERS, *OPERATORS]), path)
    if first and name not in STARTERS:
        raise PipelineError(f"a pipeline starts with one of {_STARTS}, not {name!r}; put a "
                            "source first", path)
    if not first and name in STARTERS:
        raise PipelineError(f"{name!r} can only start a pipeline (fork branches work on the rows "
                            "they are given); to read another source use spawn or merge", path)
    (STARTERS.get(name) or OPERATORS[name]).check(argument, child(path, name))


def check_request(stages: Any, name: Any = None, request_id: Any = None) -> None:
    """Check a whole request: its stages and its optional ``name`` and ``requestId`` labels."""
    for label, value in (("request.name", name), ("request.requestId", request_id)):
        if value is not None and not isinstance(value, str):
            raise PipelineError(f"expected a string, got {describe(value)}", label)
    check_stages(stages)
