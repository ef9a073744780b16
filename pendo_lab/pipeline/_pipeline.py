"""The immutable :class:`Pipeline` builder and its JSON form.

Every method returns a new pipeline and leaves the one it was called on unchanged, so a
pipeline can be shared, extended in two directions and reused as a spawn, fork or merge branch.

Example:
    >>> p = Pipeline.source("events", app_id=-323232).last_days(30)
    >>> top = p.group(["accountId"], numEvents=("sum", "numEvents")).sort("-numEvents").limit(10)
    >>> len(p.stages), len(top.stages)
    (1, 4)
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
from collections.abc import Iterable, Mapping
from typing import Any

from .._exceptions import PipelineError, ValidationError
from ..expr.values import APP_FILTERS
from . import _display
from ._catalog import SCORES
from ._expressions import Expr, camel_case, expression_text
from ._relaxed import loads_relaxed
from ._schema import unknown
from ._time import TimeLike, TimeSeries, time_value
from ._validate import check_request

MIME_TYPE = "application/json"


class _starter(classmethod):
    """A classmethod that starts a pipeline, refused on a pipeline that already has stages
    (where it would silently drop them)."""

    def __get__(self, instance, owner=None):
        bound = super().__get__(instance, owner)
        if instance is None or not instance._stages:
            return bound

        @functools.wraps(bound)
        def refuse(*args, **kwargs):
            name = bound.__name__
            raise PipelineError(f"{name}() starts a new pipeline and would drop these stages; "
                                f"call Pipeline.{name}(...) instead",
                                f"pipeline[{len(instance._stages)}]")

        return refuse


class Pipeline:
    """An aggregation request under construction: stages, and optional name and requestId.

    Start with :meth:`source`, :meth:`spawn` or :meth:`pes` (or ``Pipeline()`` for a fork
    branch), chain operators, then :meth:`to_request`, which validates first. Expressions may
    be strings (``"numEvents > 0"``) or built with :func:`~pendo_lab.pipeline.col`.

    Example:
        >>> from pendo_lab.pipeline import col
        >>> p = Pipeline.source("visitors").identified().filter(col("metadata.auto.lastvisit") > 0)
        >>> p.to_request()["request"]["pipeline"][-1]
        {'filter': 'metadata.auto.lastvisit > 0'}
    """

    __slots__ = ("_name", "_request_id", "_stages")

    def __init__(self):
        self._stages: tuple[dict[str, Any], ...] = ()
        self._name: str | None = None
        self._request_id: str | None = None

    # -- copies ---------------------------------------------------------------------------

    def _with(self, stages: Iterable[dict] | None = None, **labels: str | None) -> Pipeline:
        new = Pipeline()
        new._stages = self._stages if stages is None else tuple(stages)
        new._name = labels.get("name", self._name)
        new._request_id = labels.get("request_id", self._request_id)
        return new

    def _then(self, operator: str, argument: Any) -> Pipeline:
        return self._with((*self._stages, {operator: argument}))

    # -- first stages ---------------------------------------------------------------------

    @_starter
    def source(cls, name: str, /, **params: Any) -> Pipeline:
        """A pipeline reading source ``name``; parameters in snake_case (``app_id``,
        ``page_ids``, ``guide_step_id``, ``blacklist``, ...) or as Pendo spells them.

        ``app_id`` takes an id, a list of ids, or an app filter: ``"*"``, ``"web|mobile"``
        (-> ``expandAppIds("web|mobile")``). Times (``since``) take what
        :func:`~pendo_lab.pipeline.TimeSeries` takes. A parameter given as None is left out
        (Pendo's default applies).

        Example:
            >>> Pipeline.source("featureEvents", app_id="*").stages[0]
            {'source': {'featureEvents': {'appId': 'expandAppIds("*")'}}}
        """
        converted = {camel_case(key): value for key, value in params.items() if value is not None}
        converted = {key: _param(key, value) for key, value in converted.items()}
        return cls()._then("source", {name: converted or None})

    @_starter
    def spawn(cls, branches: Iterable[Any]) -> Pipeline:
        """A pipeline whose rows are those of several pipelines, each with its own source.

        Example:
            >>> a, b = Pipeline.source("pages"), Pipeline.source("features")
            >>> Pipeline.spawn([a, b]).stages[0]["spawn"][1]
            [{'source': {'features': None}}]
        """
        return cls()._then("spawn", _branches(branches, "spawn"))

    @_starter
    def pes(cls, *, kind: str = "pes", first_day: TimeLike, last_day: TimeLike | None = None,
            day_count: int | None = None, app_id: Any = None, account: str | None = None,
            group_by: str | None = None, identified: str | None = None,
            blacklist: str | None = None, segment: str | None = None,
            config: Mapping[str, Any] | None = None) -> Pipeline:
        """A Product Engagement Score stage: ``kind`` is pes, adoption, growth or stickiness.

        Give ``last_day`` or ``day_count`` (negative: the days before ``first_day``).
        ``segment`` is a segment id; ``config`` is the JSON object the reference shows.

        Example:
            >>> Pipeline.pes(kind="stickiness", app_id=-323232, first_day="now()",
            ...              day_count=-30).stages[0]
            {'stickiness': {'appId': -323232, 'firstDay': 'now()', 'dayCount': -30}}
        """
        if kind not in SCORES:
            raise ValidationError(unknown("PES kind", kind, SCORES))
        params = {
            "appId": None if app_id is None else _app_ids(app_id),
            "account": account,
            "firstDay": time_value(first_day),
            "lastDay": None if last_day is None else time_value(last_day),
            "dayCount": day_count,
            "groupBy": group_by,
            "identified": identified,
            "blacklist": blacklist,
            "segment": None if segment is None else {"id": segment},
            "config": _json(config),
        }
        return cls()._then(kind, _present(params))

    # -- time series ----------------------------------------------------------------------

    def time_series(self, period: str | TimeSeries, first: TimeLike | None = None, *,
                    last: TimeLike | None = None, count: int | None = None) -> Pipeline:
        """Set the source's ``timeSeries``: a :class:`TimeSeries`, or its arguments.

        Example:
            >>> import datetime as dt
            >>> p = Pipeline.source("events").time_series("dayRange", dt.date(2024, 1, 1),
            ...                                           last="now()")
            >>> p.stages[0]["source"]["timeSeries"]
            {'period': 'dayRange', 'first': 'date(2024, 1, 1)', 'last': 'now()'}
        """
        series = period if isinstance(period, TimeSeries) else \
            TimeSeries(period, first, last=last, count=count)
        if not self._stages or "source" not in self._stages[0]:
            raise PipelineError("time_series() needs a pipeline that starts with a source; "
                                "build it with Pipeline.source(...)", "pipeline[0]")
        source = {**self._stages[0]["source"], "timeSeries": series.to_json()}
        return self._with(({"source": source}, *self._stages[1:]))

    def last_days(self, days: int) -> Pipeline:
        """The last ``days`` complete days (``dayRange``, ``now()``, ``count: -days``).

        Example:
            >>> Pipeline.source("events").last_days(7).stages[0]["source"]["timeSeries"]
            {'period': 'dayRange', 'first': 'now()', 'count': -7}
        """
        return self.time_series(TimeSeries.last_days(days))

    # -- basic operators ------------------------------------------------------------------

    def filter(self, condition: str | Expr) -> Pipeline:
        """Keep the rows where ``condition`` is true.

        Example:
            >>> Pipeline().filter("type == `guideSeen`").stages
            ({'filter': 'type == `guideSeen`'},)
        """
        return self._then("filter", expression_text(condition))

    def select(self, *fields: str | Mapping[str, Any], **outputs: Any) -> Pipeline:
        """Keep only these fields: names kept as they are, ``out=expression`` (or a mapping,
        for names with dots) computed.

        Example:
            >>> Pipeline().select("visitorId", day="startOfPeriod(\\"daily\\", browserTime)").stages
            ({'select': {'visitorId': 'visitorId', 'day': 'startOfPeriod("daily", browserTime)'}},)
        """
        return self._then("select", _outputs(fields, outputs, names=True))

    def eval(self, *mappings: Mapping[str, Any], **outputs: Any) -> Pipeline:
        """Add or replace fields: ``out=expression``, or a mapping for names with dots.

        Example:
            >>> from pendo_lab.pipeline import col
            >>> Pipeline().eval({"t.minutes": col("numMinutes") / 60}).stages
            ({'eval': {'t.minutes': 'numMinutes / 60'}},)
        """
        return self._then("eval", _outputs(mappings, outputs, names=False))

    def sort(self, *fields: str) -> Pipeline:
        """Sort by these fields; ``"-field"`` sorts descending.

        Example:
            >>> Pipeline().sort("-numEvents", "visitorId").stages
            ({'sort': ['-numEvents', 'visitorId']},)
        """
        return self._then("sort", _names(fields, "sort"))

    def limit(self, rows: int) -> Pipeline:
        """Keep the first ``rows`` rows.

        Example:
            >>> Pipeline().limit(10).stages
            ({'limit': 10},)
        """
        return self._then("limit", rows)

    def count(self) -> Pipeline:
        """Replace the rows with one row ``{"count": N}``.

        Example:
            >>> Pipeline().count().stages
            ({'count': None},)
        """
        return self._then("count", None)

    def cat(self) -> Pipeline:
        """Pass rows through unchanged (Pendo uses it inside spawn branches).

        Example:
            >>> Pipeline().cat().stages
            ({'cat': None},)
        """
        return self._then("cat", None)

    def group(self, by: str | Iterable[str], fields: Mapping[str, tuple] | None = None, /,
              **aggregations: tuple) -> Pipeline:
        """One row per distinct combination of ``by``, with aggregated fields.

        An aggregation is ``(aggregator, field_or_expression)``: ``("sum", "numEvents")``,
        ``("count", None)`` (rows), ``("count", "visitorId")`` (distinct values), or
        ``("countIf", None, condition)``. Without aggregations, the distinct keys.

        Example:
            >>> Pipeline().group("day", visitors=("count", "visitorId")).stages
            ({'group': {'group': ['day'], 'fields': {'visitors': {'count': 'visitorId'}}}},)
        """
        spec: dict[str, Any] = {"group": _names(by, "group")}
        aggregated = _aggregations(fields, aggregations)
        if aggregated:
            spec["fields"] = aggregated
        return self._then("group", spec)

    def reduce(self, fields: Mapping[str, tuple] | None = None, /,
               **aggregations: tuple) -> Pipeline:
        """All rows into one row of aggregated fields (aggregations as in :meth:`group`).

        Example:
            >>> Pipeline().reduce(total=("sum", "numEvents")).stages
            ({'reduce': {'total': {'sum': 'numEvents'}}},)
        """
        return self._then("reduce", _aggregations(fields, aggregations))

    # -- Pendo-specific operators ---------------------------------------------------------

    def identified(self, field: str = "visitorId") -> Pipeline:
        """Keep identified visitors (or accounts); ``"!visitorId"`` keeps anonymous ones.

        Example:
            >>> Pipeline().identified("!visitorId").stages
            ({'identified': '!visitorId'},)
        """
        return self._then("identified", field)

    def segment(self, segment_id: str) -> Pipeline:
        """Keep rows whose visitor/account is in the segment.

        Example:
            >>> Pipeline().segment("abc123").stages
            ({'segment': {'id': 'abc123'}},)
        """
        return self._then("segment", {"id": segment_id})

    def bulk_expand(self, output: str, *, visitor: str | None = None,
                    account: str | None = None) -> Pipeline:
        """Add visitor or account metadata under ``output``, looked up by an id field.

        Example:
            >>> Pipeline().bulk_expand("account", account="accountId").stages
            ({'bulkExpand': {'account': {'account': 'accountId'}}},)
        """
        return self._then("bulkExpand", {output: _one_of("bulk_expand", visitor=visitor,
                                                         account=account)})

    def expand(self, output: str, *, page: str | None = None, feature: str | None = None,
               track_type: str | None = None) -> Pipeline:
        """Add page, feature or track type metadata under ``output``, looked up by an id field.

        Example:
            >>> Pipeline().expand("featureInfo", feature="featureId").stages
            ({'expand': {'featureInfo': {'feature': 'featureId'}}},)
        """
        return self._then("expand", {output: _one_of("expand", page=page, feature=feature,
                                                     track_type=track_type)})

    def item_seen(self, output: str, *, page_id: str | None = None,
                  feature_id: str | None = None, track_type_id: str | None = None) -> Pipeline:
        """Add the visitor's last use (``output.lastUsed``) and use count of one item.

        Example:
            >>> Pipeline().item_seen("itemSeenInfo", page_id="p1").stages
            ({'itemSeen': {'itemSeenInfo': {'pageId': 'p1'}}},)
        """
        return self._then("itemSeen", {output: _one_of(
            "item_seen", page_id=page_id, feature_id=feature_id, track_type_id=track_type_id)})

    def useragent(self, output: str = "userAgent", field: str = "userAgent") -> Pipeline:
        """Parse the user agent in ``field`` into an object (``output.name``, ``.version``).

        Example:
            >>> Pipeline().useragent().stages
            ({'useragent': {'userAgent': 'userAgent'}},)
        """
        return self._then("useragent", {output: field})

    # -- advanced operators ---------------------------------------------------------------

    def unwind(self, field: str, *, index: str | None = None, keep_empty: bool | None = None,
               prefix: bool | None = None) -> Pipeline:
        """One row per element of the list in ``field`` (optionally its position in ``index``).

        Example:
            >>> Pipeline().unwind("items", keep_empty=True).stages
            ({'unwind': {'field': 'items', 'keepEmpty': True}},)
        """
        return self._then("unwind", _present({"field": field, "index": index,
                                              "keepEmpty": keep_empty, "prefix": prefix}))

    def switch(self, output: str, field: str, cases: Iterable[Mapping[str, Any]]) -> Pipeline:
        """Set ``output`` from the first case whose comparisons on ``field`` all hold; rows
        matching no case are dropped. A case is ``{"value": V, "<": 7, ">=": 0, ...}``.

        Example:
            >>> Pipeline().switch("group", "response", [{"value": "detractor", "<": 7},
            ...                                         {"value": "other", ">=": 7}]).stages[0]
            {'switch': {'group': {'response': [{'value': 'detractor', '<': 7}, {'value': 'other', '>=': 7}]}}}
        """
        return self._then("switch", {output: {field: [_json(case) for case in cases]}})

    def fork(self, branches: Iterable[Any]) -> Pipeline:
        """Send every row through each branch (operators only, no source) and concatenate.

        Example:
            >>> Pipeline().fork([Pipeline().count(), Pipeline().limit(1)]).stages
            ({'fork': [[{'count': None}], [{'limit': 1}]]},)
        """
        return self._then("fork", _branches(branches, "fork"))

    def join(self, fields: str | Iterable[str], *, width: int | None = None) -> Pipeline:
        """Merge rows with equal ``fields``; with ``width``, emit once that many have arrived.

        Example:
            >>> Pipeline().join("visitorId", width=2).stages
            ({'join': {'fields': ['visitorId'], 'width': 2}},)
        """
        return self._then("join", _present({"fields": _names(fields, "join"), "width": width}))

    def merge(self, fields: str | Iterable[str], pipeline: Any, *,
              mappings: Mapping[str, str] | None = None) -> Pipeline:
        """Add fields from another pipeline's rows with equal ``fields``; ``mappings``
        (output -> inner field) picks them, all of them when omitted.

        Example:
            >>> apps = Pipeline.source("apps")
            >>> Pipeline().merge("appId", apps, mappings={"appName": "name"}).stages[0]["merge"]
            {'fields': ['appId'], 'mappings': {'appName': 'name'}, 'pipeline': [{'source': {'apps': None}}]}
        """
        return self._then("merge", _present({
            "fields": _names(fields, "merge"),
            "mappings": None if mappings is None else dict(mappings),
            "pipeline": _branch(pipeline),
        }))

    # -- labels, JSON and validation --------------------------------------------------------

    def named(self, name: str | None, *, request_id: str | None = None) -> Pipeline:
        """Set the request's ``name`` and ``requestId`` labels.

        Example:
            >>> Pipeline.source("pages").named("All pages").to_request()["request"]["name"]
            'All pages'
        """
        return self._with(name=name, request_id=request_id)

    @property
    def stages(self) -> tuple[dict[str, Any], ...]:
        """The stages as JSON-ready dicts (copies: changing them changes no pipeline).

        Example:
            >>> Pipeline.source("pages").limit(5).stages
            ({'source': {'pages': None}}, {'limit': 5})
        """
        return copy.deepcopy(self._stages)

    @property
    def name(self) -> str | None:
        """The request's ``name`` label.

        Example:
            >>> Pipeline.source("pages").named("All pages").name
            'All pages'
        """
        return self._name

    @property
    def request_id(self) -> str | None:
        """The request's ``requestId`` label.

        Example:
            >>> Pipeline.source("pages").named("All pages", request_id="pages-1").request_id
            'pages-1'
        """
        return self._request_id

    def validate(self) -> Pipeline:
        """Check the whole pipeline; raise :class:`~pendo_lab.PipelineError` with the path of
        the first problem and a fix, or return the pipeline itself.

        Example:
            >>> Pipeline.source("events").validate()
            Traceback (most recent call last):
            ...
            pendo_lab._exceptions.PipelineError: pipeline[0].source: source 'events' needs a timeSeries; add "timeSeries": {"period": "dayRange", "first": "now()", "count": -30} (in Python: .last_days(30))
        """
        check_request(list(self._stages), self._name, self._request_id)
        return self

    def to_request(self, *, validate: bool = True) -> dict[str, Any]:
        """The documented request envelope, validated first (``validate=False`` skips that,
        to send what the checks do not know).

        Example:
            >>> Pipeline.source("pages").limit(1).to_request()
            {'response': {'mimeType': 'application/json'}, 'request': {'pipeline': [{'source': {'pages': None}}, {'limit': 1}]}}
        """
        if validate:
            self.validate()
        request: dict[str, Any] = {}
        if self._name is not None:
            request["name"] = self._name
        request["pipeline"] = list(self.stages)
        if self._request_id is not None:
            request["requestId"] = self._request_id
        return {"response": {"mimeType": MIME_TYPE}, "request": request}

    def to_json(self, indent: int | None = None, *, validate: bool = True) -> str:
        """:meth:`to_request` as JSON text.

        Example:
            >>> Pipeline.source("pages").to_json()
            '{"response": {"mimeType": "application/json"}, "request": {"pipeline": [{"source": {"pages": null}}]}}'
        """
        return json.dumps(self.to_request(validate=validate), indent=indent, ensure_ascii=False)

    @classmethod
    def from_json(cls, request: Any) -> Pipeline:
        """A pipeline from a request in any form: a Pipeline, the envelope dict, a
        ``{"pipeline": [...]}`` dict, a list of stages, or JSON text as Pendo's documentation
        shows it (``//`` and ``/* */`` comments, trailing commas).

        Nothing is validated here (see :meth:`validate`). ``name`` and ``requestId`` are kept;
        other envelope keys (``response``, ``channelId``) are not, since :meth:`to_request`
        writes the documented envelope.

        Example:
            >>> Pipeline.from_json('''{"request": {"pipeline": [
            ...     {"source": {"pages": null}}  // every tagged page
            ... ], "requestId": "pages",}}''').request_id
            'pages'
        """
        if isinstance(request, Pipeline):
            return request
        if isinstance(request, (str, bytes)):
            request = loads_relaxed(request)
        if isinstance(request, list):
            request = {"pipeline": request}
        if isinstance(request, dict) and "request" in request:
            request = request["request"]
        if not isinstance(request, dict) or "pipeline" not in request:
            raise ValidationError(
                "an aggregation request is a Pipeline, the envelope {\"response\": {...}, "
                "\"request\": {\"pipeline\": [...]}}, {\"pipeline\": [...]}, a list of stages, or "
                f"JSON text of one of these; got {type(request).__name__} without a pipeline")
        stages = request["pipeline"]
        if not isinstance(stages, list):
            raise PipelineError(f"expected a list of stages, got {type(stages).__name__}")
        return cls()._with(copy.deepcopy(stages), name=request.get("name"),
                           request_id=request.get("requestId"))

    # -- Python protocol ------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Pipeline):
            return NotImplemented
        return (self._stages, self._name, self._request_id) == \
            (other._stages, other._name, other._request_id)

    def __hash__(self) -> int:
        return hash(json.dumps([self._stages, self._name, self._request_id], sort_keys=True,
                               default=repr))

    def __repr__(self) -> str:
        return _display.text(self)

    def _repr_html_(self) -> str:
        return _display.html(self)


def _json(value: Any) -> Any:
    """A Python value as JSON: expressions rendered, datetimes to epoch ms, dates to
    ``date(y, m, d)``, tuples to lists, containers copied."""
    if isinstance(value, Mapping):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(item) for item in value]
    if isinstance(value, (dt.date, Expr)):
        return time_value(value)
    return value


def _param(key: str, value: Any) -> Any:
    return _app_ids(value) if key == "appId" else _json(value)


def _app_ids(value: Any) -> Any:
    """``"*"`` / ``"web|mobile"`` -> ``expandAppIds("...")``; ids and lists unchanged."""
    if isinstance(value, str) and all(part in APP_FILTERS for part in value.split("|")):
        return f'expandAppIds("{value}")'
    if isinstance(value, str) and not value.startswith("expandAppIds("):
        raise ValidationError(
            f"app_id {value!r} is neither an app id nor an app filter: use an int, a list of "
            f"ints, or filters from {', '.join(APP_FILTERS)} joined by '|' (like \"web|mobile\")")
    return _json(value)


def _present(params: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in params.items() if value is not None}


def _names(fields: str | Iterable[str], method: str) -> list[str]:
    names = [fields] if isinstance(fields, str) else list(fields)
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"{method}() takes field names as strings, got {type(name).__name__}")
    return names


def _outputs(positional: tuple, keywords: dict[str, Any], *, names: bool) -> dict[str, str]:
    outputs: dict[str, Any] = {}
    for item in positional:
        if names and isinstance(item, str):
            outputs[item] = item
        elif isinstance(item, Mapping):
            outputs.update(item)
        else:
            wanted = "field names or mappings" if names else "mappings"
            raise TypeError(f"expected {wanted} of output field -> expression, "
                            f"got {type(item).__name__}")
    outputs.update(keywords)
    return {out: expression_text(value) for out, value in outputs.items()}


def _aggregations(fields: Mapping[str, tuple] | None, keywords: dict[str, tuple]) -> dict:
    merged = {**(fields or {}), **keywords}
    return {out: _aggregation(out, spec) for out, spec in merged.items()}


def _aggregation(out: str, spec: Any) -> dict[str, Any]:
    """``("sum", "numEvents")`` -> ``{"sum": "numEvents"}``; ``("countIf", None, cond)``."""
    if isinstance(spec, tuple) and len(spec) == 3 and spec[0] == "countIf":
        return {"countIf": {"count": _argument(spec[1]), "if": expression_text(spec[2])}}
    if not isinstance(spec, tuple) or len(spec) != 2:
        raise TypeError(f"aggregation {out!r}: expected a tuple like (\"sum\", \"numEvents\"), "
                        f"(\"count\", None) or (\"countIf\", None, condition), got {spec!r}")
    return {spec[0]: _argument(spec[1])}


def _argument(value: Any) -> str | None:
    return None if value is None else expression_text(value)


def _one_of(method: str, **options: str | None) -> dict[str, str]:
    given = {camel_case(key): value for key, value in options.items() if value is not None}
    if len(given) != 1:
        raise TypeError(f"{method}() takes exactly one of {', '.join(options)}=")
    return given


def _branch(branch: Any) -> list[dict[str, Any]]:
    return list(Pipeline.from_json(branch)._stages)


def _branches(branches: Iterable[Any], method: str) -> list[list[dict[str, Any]]]:
    if isinstance(branches, (str, bytes, Mapping, Pipeline)):
        raise TypeError(f"{method}() takes a list of branches (Pipelines or lists of stages)")
    return [_branch(branch) for branch in branches]
