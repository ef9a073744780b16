"""Stages that add looked-up objects to each row: bulkExpand, expand, itemSeen, useragent.

bulkExpand, expand and itemSeen read their tables through ``EngineContext.resolve_source``
(``visitors``/``accounts``; ``pages``/``features``/``trackTypes``; ``pageEvents``/
``featureEvents``/``trackEvents`` over all time) and left-join them on the row's id field: rows
without a match get a null object.

Example:
    >>> import polars as pl
    >>> from pendo_lab.engine import run_on_frame
    >>> chrome = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    ...           "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36")
    >>> parsed = run_on_frame([{"useragent": {"browser": "ua"}}], pl.DataFrame({"ua": [chrome]}))
    >>> parsed["browser"].item()
    {'name': 'Chrome', 'version': '120.0.0', 'os': 'Windows', 'osVersion': '10', 'deviceType': ...}
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

import polars as pl
import ua_parser

from ._context import SourceSpec
from ._fields import assign

if TYPE_CHECKING:
    from ._pipeline import Stage

_KEY = "__lookup_key"
_VALUE = "__lookup_value"

#: bulkExpand kinds: kind -> (source, id column); the object is the row's ``metadata``.
METADATA_SOURCES = {"visitor": ("visitors", "visitorId"), "account": ("accounts", "accountId")}
#: expand kinds -> object source (rows keyed by ``id``).
OBJECT_SOURCES = {"page": "pages", "feature": "features", "trackType": "trackTypes"}
#: itemSeen id kinds -> event source.
EVENT_SOURCES = {"pageId": "pageEvents", "featureId": "featureEvents", "trackTypeId": "trackEvents"}

#: The object the useragent stage writes. Unknown parts are "" (Pendo's own example tests
#: ``userAgent.name == ""``). ``deviceType``: desktop, mobile, tablet, bot, or "" (INFERRED).
USER_AGENT = pl.Struct(
    {
        "name": pl.String,
        "version": pl.String,
        "os": pl.String,
        "osVersion": pl.String,
        "deviceType": pl.String,
    }
)
_MOBILE_OS = frozenset({"iOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS", "Firefox OS"})


def _targets(argument: Any, stage: Stage, kinds: Any, example: str) -> list[tuple[str, str, Any]]:
    """``{"<out>": {"<kind>": value}}`` entries as (out, kind, value), kinds checked."""
    if not isinstance(argument, dict) or not argument:
        raise stage.error(f"expected {example}")
    targets = []
    for out, spec in argument.items():
        if not isinstance(spec, dict) or len(spec) != 1 or next(iter(spec)) not in kinds:
            raise stage.error(f"expected {example} with a kind among {', '.join(kinds)}", f".{out}")
        ((kind, value),) = spec.items()
        targets.append((out, kind, value))
    return targets


def _attach(frame: pl.LazyFrame, key: pl.Expr, table: pl.LazyFrame, out: str) -> pl.LazyFrame:
    """Left-join ``table`` (columns _KEY, _VALUE; first row per key); its value goes to ``out``."""
    table = table.unique(subset=_KEY, keep="first", maintain_order=True)
    joined = frame.with_columns(key.alias(_KEY)).join(
        table, on=_KEY, how="left", maintain_order="left"
    )
    return assign(joined, {out: pl.col(_VALUE)}).drop(_KEY, _VALUE)


def bulk_expand(frame: pl.LazyFrame, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"bulkExpand": {"<out>": {"visitor"|"account": "<id field>"}}}``: ``out`` holds the
    metadata groups directly (``out.auto.id``, ``out.agent.email``)."""
    for out, kind, id_field in _targets(
        argument, stage, METADATA_SOURCES, '{"<out>": {"account": "accountId"}}'
    ):
        source, id_column = METADATA_SOURCES[kind]
        objects = stage.ctx.source(SourceSpec(source, None, None, stage.path))
        table = objects.select(pl.col(id_column).alias(_KEY), pl.col("metadata").alias(_VALUE))
        frame = _attach(
            frame, stage.field(id_field, frame.collect_schema(), f".{out}.{kind}"), table, out
        )
    return frame


def expand(frame: pl.LazyFrame, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"expand": {"<out>": {"page"|"feature"|"trackType": "<id field>"}}}``: ``out`` holds the
    whole object (``featureInfo.name``)."""
    for out, kind, id_field in _targets(
        argument, stage, OBJECT_SOURCES, '{"<out>": {"feature": "featureId"}}'
    ):
        objects = stage.ctx.source(SourceSpec(OBJECT_SOURCES[kind], None, None, stage.path))
        table = objects.select(pl.col("id").alias(_KEY), pl.struct(pl.all()).alias(_VALUE))
        frame = _attach(
            frame, stage.field(id_field, frame.collect_schema(), f".{out}.{kind}"), table, out
        )
    return frame


def item_seen(frame: pl.LazyFrame, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"itemSeen": {"<out>": {"pageId"|"featureId"|"trackTypeId": "<item id>"}}}``: for the
    row's ``visitorId``, ``out.lastUsed`` (epoch ms of the last use of that item, all time) and
    ``out.count`` (its number of events; the name ``count`` is INFERRED).

    ``lastUsed`` is the latest ``lastTime`` of the visitor's event rows when the source has that
    field, else the start of the latest ``hour``/``day`` bucket.
    """
    for out, kind, item_id in _targets(
        argument, stage, EVENT_SOURCES, '{"<out>": {"featureId": "<id>"}}'
    ):
        events = stage.ctx.source(
            SourceSpec(EVENT_SOURCES[kind], {kind: item_id}, None, stage.path, all_time=True)
        )
        columns = events.collect_schema()
        time = next((name for name in ("lastTime", "hour", "day") if name in columns), None)
        if time is None:
            raise stage.error(
                f"{EVENT_SOURCES[kind]} rows have no lastTime, hour or day field", f".{out}"
            )
        table = (
            events.filter(pl.col(kind) == item_id)
            .group_by("visitorId")
            .agg(
                pl.struct(
                    pl.col(time).max().alias("lastUsed"), pl.col("numEvents").sum().alias("count")
                ).alias(_VALUE)
            )
            .rename({"visitorId": _KEY})
        )
        frame = _attach(frame, stage.field("visitorId", frame.collect_schema()), table, out)
    return frame


def useragent(frame: pl.LazyFrame, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"useragent": {"<out>": "<user agent field>"}}``: ``out`` = ``{name, version, os,
    osVersion, deviceType}`` (see :data:`USER_AGENT`). Each distinct string is parsed once."""
    if not isinstance(argument, dict) or not argument:
        raise stage.error('expected {"<out>": "<user agent field>"}')
    schema = frame.collect_schema()
    outputs = {
        out: stage.field(name, schema, f".{out}")
        .cast(pl.String)
        .map_batches(_parse_column, return_dtype=USER_AGENT)
        for out, name in argument.items()
    }
    return assign(frame, outputs)


def _parse_column(values: pl.Series) -> pl.Series:
    distinct = values.drop_nulls().unique()
    table = pl.DataFrame(
        {"text": distinct, "parsed": [parse_user_agent(text) for text in distinct]},
        schema={"text": pl.String, "parsed": USER_AGENT},
    )
    joined = values.to_frame("text").join(table, on="text", how="left", maintain_order="left")
    return joined["parsed"]


@lru_cache(maxsize=65_536)
def parse_user_agent(text: str) -> dict[str, str]:
    """The useragent stage's object for one user-agent string (cached per distinct string).

    Example:
        >>> parse_user_agent("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) "
        ...                  "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 "
        ...                  "Mobile/15E148 Safari/604.1")["deviceType"]
        'mobile'
    """
    result = ua_parser.parse(text).with_defaults()
    browser, system, device = result.user_agent, result.os, result.device
    return {
        "name": _known(browser.family),
        "version": _version(browser.major, browser.minor, browser.patch),
        "os": _known(system.family),
        "osVersion": _version(system.major, system.minor, system.patch),
        "deviceType": _device_type(text, system.family, device.family, device.brand or ""),
    }


def _known(family: str) -> str:
    return "" if family == "Other" else family


def _version(*parts: str | None) -> str:
    return ".".join(part for part in parts if part)


def _device_type(text: str, system: str, device: str, brand: str) -> str:
    if device == "Spider":
        return "bot"
    if (
        "iPad" in device
        or "Tablet" in device
        or "Tablet" in brand
        or (system == "Android" and "Mobile" not in text)
    ):
        return "tablet"
    if system in _MOBILE_OS or "Mobile" in text:
        return "mobile"
    return "" if system == "Other" else "desktop"
