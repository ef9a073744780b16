"""Guides: lists, change history, seen and staged resets, experiment results, XLIFF.

* Seen resets append to ``guide_resets`` (a visitor and a guide, or every guide for ``all``),
  so the visitor's views before the reset leave ``guidesSeen``/``guidesSeenEver``; their
  poll answers stay, as the reference resets only seen records.
* Staged resets delete every view and poll answer of the guide (``guide_events`` and
  ``poll_events`` rows) and set its ``resetAt``; only guides whose ``state`` is ``staged``
  (400 otherwise).
* Experiment results exist for guides with a conversion goal (INFERRED: the sandbox has no
  other experiments): a CSV with one row per ``group`` (``guide``: visitors who saw it;
  ``control``: visitors active since it was published who did not), with ``visitors``,
  ``converted`` (used the goal after first seeing the guide, or after publication for the
  control group; to the hour) and ``conversionRate``. Other guides answer 404.
* XLIFF 1.2: the export holds one ``<file original="guideId">`` per guide and target language
  of :data:`TARGET_LANGUAGES`, with a ``trans-unit`` per step name, poll question and poll
  choice; a ``<target>`` holds the imported translation (``state="translated"``) or a copy of
  the source (``state="needs-translation"``). An import stores each file's targets in
  ``guide_translations`` (leaving out untouched copies of the source) and records each changed
  guide's previous version once per call (``guide_versions``, shown by the history);
  per-file problems answer 207 with a JSON list of ``"guideId: message"`` texts.

Example:
    >>> from pendo_lab.sandbox import Sandbox
    >>> box = Sandbox()
    >>> box.client().guides.reset_all_seen("qa-bot-1")
    >>> box.tables["guide_resets"]["visitorId"].to_list()
    ['qa-bot-1']
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import polars as pl

from ..._exceptions import ValidationError
from ...engine import SourceSpec, TimeWindow
from ...resources.guides import (GUIDE_ID_ATTRIBUTE, local_name, parse_xml, xliff_document,
                                 xliff_files)
from .._app import Reply, SandboxHTTPError, route
from ._common import API_USER, first_row, frame_reply, path_id, set_where
from .pages import objects

PATH = "/api/v1/guide"
XLIFF_GUIDES = 15
#: The languages guides are translated to: those of the sandbox's visitors other than the
#: authored en-US (INFERRED: the subscription's enabled languages).
TARGET_LANGUAGES = ("de-DE", "en-GB", "es-419", "fr-FR", "ja-JP", "pt-BR")
#: The source and id parameter of a conversion goal, by item type.
GOAL_SOURCES = {"Feature": ("featureEvents", "featureId"), "Page": ("pageEvents", "pageId"),
                "TrackType": ("trackEvents", "trackTypeId")}
HOUR_MS = 3_600_000
IMPROPER = "Improperly formatted XLIFF request"


@route("GET", PATH)
def guides(request, state):
    return objects(request, state.tables["guides"])


@route("GET", f"{PATH}/{{id}}/history")
def history(request, state):
    """The current version, then earlier ones (saved by XLIFF imports), newest first."""
    guide_id = _guide(state, path_id(request))["id"]
    current = state.tables["guides"].filter(pl.col("id") == guide_id)
    earlier = state.tables["guide_versions"]
    return frame_reply(pl.concat([current, earlier.filter(pl.col("id") == guide_id).reverse()]))


@route("POST", f"{PATH}/{{guideId}}/visitor/{{visitorId}}/reset")
def reset_seen(request, state):
    """One guide's seen records for a visitor, or every guide's when ``guideId`` is ``all``."""
    guide_id = path_id(request, "guideId")
    if guide_id != "all":
        _guide(state, guide_id)
    resets = state.tables["guide_resets"]
    row = pl.DataFrame({"visitorId": [path_id(request, "visitorId")],
                        "guideId": [None if guide_id == "all" else guide_id],
                        "resetAt": [state.now_ms()]}, schema=resets.schema)
    state.put("guide_resets", pl.concat([resets, row]))
    return Reply(b"")


@route("POST", f"{PATH}/{{guideId}}/reset")
def reset_staged(request, state):
    """One staged guide, or every staged guide when ``guideId`` is ``staged``."""
    guide_id = path_id(request, "guideId")
    table = state.tables["guides"]
    if guide_id == "staged":
        ids = table.filter(pl.col("state") == "staged")["id"].to_list()
    else:
        guide = _guide(state, guide_id)
        if guide["state"] != "staged":
            raise SandboxHTTPError(400, f"The guide could not be reset: {guide['name']!r} is "
                                        f"{guide['state']}, not staged")
        ids = [guide_id]
    if ids:
        for name in ("guide_events", "poll_events"):
            state.put(name, state.tables[name].filter(~pl.col("guideId").is_in(ids)))
        state.put("guides", set_where(table, pl.col("id").is_in(ids), resetAt=state.now_ms()))
    return Reply(b"")


@route("POST", f"{PATH}/{{id}}/experiment/export")
def experiment_export(request, state):
    guide = _guide(state, path_id(request))
    if guide["conversion"] is None:
        raise SandboxHTTPError(404, f"guide {guide['id']!r} has no experiment: only guides with "
                                    f"a conversion goal have results")
    return Reply(experiment_results(state, guide).write_csv().encode(), content_type="text/csv")


def experiment_results(state, guide: dict[str, Any]) -> pl.DataFrame:
    """Visitors and conversions of the ``guide`` and ``control`` groups (see the module).

    Example:
        >>> from pendo_lab.sandbox import Sandbox
        >>> box = Sandbox()
        >>> tour = box.tables["guides"].filter(name="Welcome tour").row(0, named=True)
        >>> experiment_results(box.state, tour)["group"].to_list()
        ['guide', 'control']
    """
    start, end = guide["publishedAt"] or guide["createdAt"], state.now_ms()
    source, param = GOAL_SOURCES[guide["conversion"]["itemType"]]

    def rows(name: str, params: dict, period: str | None) -> pl.DataFrame:
        window = TimeWindow(start, end, period) if period else None
        return state.resolver(SourceSpec(name, params, window, "experiment")).collect()

    shown = (rows("guidesSeenEver", {"guideId": guide["id"]}, None)
             .group_by("visitorId").agg(since=pl.col("firstSeenAt").min()))
    control = (rows("events", {"appId": guide["appId"]}, "dayRange").select("visitorId").unique()
               .join(shown, on="visitorId", how="anti").with_columns(since=pl.lit(start)))
    goal = rows(source, {param: guide["conversion"]["itemId"]}, "hourRange")
    groups = pl.concat([shown.with_columns(group=pl.lit("guide")),
                        control.with_columns(group=pl.lit("control"))])
    converted = (groups.join(goal.select("visitorId", "hour"), on="visitorId", how="left")
                 .group_by("group", "visitorId")
                 .agg(converted=(pl.col("hour") + HOUR_MS > pl.col("since")).any()))
    return (converted.group_by("group")
            .agg(visitors=pl.len(), converted=pl.col("converted").sum())
            .with_columns(conversionRate=(pl.col("converted") / pl.col("visitors")).round(4))
            .sort("group", descending=True))


@route("GET", f"{PATH}/localization/export")
def export_xliff(request, state):
    ids = list(dict.fromkeys(i.strip() for i in request.query.get("guideids", "").split(",")
                             if i.strip()))
    if not ids:
        raise SandboxHTTPError(400, "Guide ids must be provided: ?guideids=id1,id2")
    if len(ids) > XLIFF_GUIDES:
        raise SandboxHTTPError(400, f"More than {XLIFF_GUIDES} guides requested ({len(ids)})")
    chosen = [_guide(state, guide_id, "guide id {} not found") for guide_id in ids]
    done = state.tables["guide_translations"]
    files = [_xliff_file(guide, language, done) for guide in chosen
             for language in TARGET_LANGUAGES]
    return Reply(xliff_document(files).encode(), content_type="application/xml")


@route("POST", f"{PATH}/localization/import")
def import_xliff(request, state):
    """Check the whole request (400s), then import file by file: a guide that is unknown, a
    language not enabled or a unit the guide lacks fails that file only (207)."""
    failures, changed = [], set()
    for file in _import_files(request.body):
        guide_id, language = file.get(GUIDE_ID_ATTRIBUTE), file.get("target-language")
        targets = dict(_translated(file))
        problem = _import_problem(state, guide_id, language, targets)
        if problem:
            failures.append(f"{guide_id}: {problem}")
        elif targets:
            _store_translations(state, guide_id, language, targets)
            changed.add(guide_id)
    for guide_id in sorted(changed):
        _new_version(state, guide_id)
    return Reply(failures, 207 if failures else 200)


# --- helpers ---------------------------------------------------------------------------------

def _guide(state, guide_id: str, message: str = "guide {} not found") -> dict[str, Any]:
    rows = state.tables["guides"].filter(pl.col("id") == guide_id)
    return first_row(rows, message.format(repr(guide_id)))


def guide_units(guide: dict[str, Any]) -> list[tuple[str, str]]:
    """The translatable texts of a guide as (unit id, text): step names, poll questions and
    poll choice labels.

    Example:
        >>> guide_units({"steps": [{"id": "s1", "name": "Hello"}], "polls": []})
        [('step.s1.name', 'Hello')]
    """
    units = [(f"step.{step['id']}.name", step["name"]) for step in guide["steps"]]
    for poll in guide["polls"]:
        units.append((f"poll.{poll['id']}.question", poll["question"]))
        units += [(f"poll.{poll['id']}.choice.{choice['id']}", choice["label"])
                  for choice in poll["idResponses"]]
    return units


def _xliff_file(guide: dict[str, Any], language: str, done: pl.DataFrame) -> ET.Element:
    stored = dict(done.filter(guideId=guide["id"], language=language)
                  .select("unitId", "target").iter_rows())
    file = ET.Element("file", {GUIDE_ID_ATTRIBUTE: guide["id"],
                               "source-language": guide["authoredLanguage"],
                               "target-language": language, "datatype": "html"})
    body = ET.SubElement(file, "body")
    for unit_id, text in guide_units(guide):
        unit = ET.SubElement(body, "trans-unit", {"id": unit_id})
        ET.SubElement(unit, "source").text = text
        translated = unit_id in stored
        target = ET.SubElement(unit, "target",
                               {"state": "translated" if translated else "needs-translation"})
        target.text = stored[unit_id] if translated else text
    return file


def _import_files(body: bytes) -> list[ET.Element]:
    """The ``<file>`` elements of an import, or a 400 naming the first problem."""
    try:
        root = parse_xml(body, "the XLIFF request")
    except ValidationError as exc:
        raise SandboxHTTPError(400, f"{IMPROPER}: {exc}") from None
    if local_name(root.tag) != "xliff" or root.get("version") != "1.2":
        raise SandboxHTTPError(400, 'XLIFF Version string must be "1.2" (<xliff version="1.2">)')
    files = xliff_files(root)
    if not files:
        raise SandboxHTTPError(400, f"{IMPROPER}: no <file> element")
    if len(files) > XLIFF_GUIDES:
        raise SandboxHTTPError(400, f"Exceeds limit of {XLIFF_GUIDES} translations "
                                    f"({len(files)} files)")
    pairs = [(file.get(GUIDE_ID_ATTRIBUTE), file.get("target-language")) for file in files]
    if not all(guide and language for guide, language in pairs):
        raise SandboxHTTPError(400, f"{IMPROPER}: every <file> needs {GUIDE_ID_ATTRIBUTE!r} "
                                    f"(the guide id) and 'target-language'")
    if len(set(pairs)) < len(pairs):
        raise SandboxHTTPError(400, "XLIFF File has guideId and target language duplicates")
    for (guide, language), file in zip(pairs, files):
        for unit in file.iter("trans-unit"):
            target = unit.find("target")
            if not unit.get("id") or target is None or not "".join(target.itertext()).strip():
                raise SandboxHTTPError(400, f"{IMPROPER}: guide {guide} ({language}) has a "
                                            f"trans-unit without an id or a complete <target>")
    return files


def _import_problem(state, guide_id: str, language: str, targets: dict[str, str]) -> str | None:
    rows = state.tables["guides"].filter(pl.col("id") == guide_id)
    if rows.is_empty():
        return "guide id not found"
    if language not in TARGET_LANGUAGES:
        return "Target language is not enabled for the app"
    unknown = targets.keys() - {unit_id for unit_id, _ in guide_units(rows.row(0, named=True))}
    return f"trans-unit {sorted(unknown)[0]!r} is not part of this guide" if unknown else None


def _translated(file: ET.Element) -> list[tuple[str, str]]:
    """(unit id, target) of a file's units, leaving out untouched copies of the source
    (``state="needs-translation"`` and the target equal to the source)."""
    pairs = []
    for unit in file.iter("trans-unit"):
        target, source = unit.find("target"), unit.find("source")
        text = "".join(target.itertext())
        untouched = source is not None and text == "".join(source.itertext())
        if not (untouched and target.get("state") == "needs-translation"):
            pairs.append((unit.get("id"), text))
    return pairs


def _store_translations(state, guide_id: str, language: str, targets: dict[str, str]) -> None:
    new = pl.DataFrame({"unitId": list(targets), "target": list(targets.values())},
                       schema={"unitId": pl.String, "target": pl.String}).select(
        guideId=pl.lit(guide_id), language=pl.lit(language), unitId="unitId", target="target")
    done = state.tables["guide_translations"]
    state.put("guide_translations",
              pl.concat([done.join(new, on=["guideId", "language", "unitId"], how="anti"), new]))


def _new_version(state, guide_id: str) -> None:
    """Record a guide's current version in ``guide_versions`` and mark it updated now."""
    table = state.tables["guides"]
    previous = table.filter(pl.col("id") == guide_id)
    state.put("guide_versions",
              pl.concat([state.tables["guide_versions"], previous]))
    state.put("guides", set_where(table, pl.col("id") == guide_id, lastUpdatedAt=state.now_ms(),
                                  lastUpdatedByUser=API_USER,
                                  stableVersionId=state.new_id(guide_id)))
