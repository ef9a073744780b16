"""Small descriptions of aggregation JSON that check a value and say where it is wrong.

Each type's ``check(value, path)`` returns quietly or raises :class:`PipelineError` naming the
path (``pipeline[3].group.fields[1]``) and what would be right. The tables in ``_catalog`` and
``_validate`` are built from these types, so the rules live in data, not in branches of code.

Example:
    >>> Record({"field": Text(), "keepEmpty": Boolean()}, required=("field",)).check(
    ...     {"field": "items", "keepEmtpy": True}, "pipeline[2].unwind")
    Traceback (most recent call last):
    ...
    pendo_lab._exceptions.PipelineError: pipeline[2].unwind.keepEmtpy: unknown key 'keepEmtpy'; did you mean 'keepEmpty'? Known keys: field, keepEmpty
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .._exceptions import ExpressionError, PipelineError
from ..expr import parse

_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")


def child(path: str, key: str | int) -> str:
    """The path of ``key`` inside ``path``: ``[i]`` for items, ``.name`` or ``["a.b"]`` for keys.

    Example:
        >>> child(child("pipeline", 3), "group"), child("pipeline[1].eval", "t.total")
        ('pipeline[3].group', 'pipeline[1].eval["t.total"]')
    """
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _IDENTIFIER.match(key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def unknown(label: str, name: object, known: Iterable[str]) -> str:
    """The message for an unknown name: the closest known one (if any) and the full list.

    Example:
        >>> unknown("aggregator", "summ", ["sum", "min", "max"])
        "unknown aggregator 'summ'; did you mean 'sum'? Known aggregators: max, min, sum"
    """
    known = sorted(known)
    text = f"unknown {label} {name!r}"
    if isinstance(name, str):
        by_lower = {k.lower(): k for k in known}
        close = difflib.get_close_matches(name.lower(), by_lower, n=1, cutoff=0.6)
        if close:
            return f"{text}; did you mean {by_lower[close[0]]!r}? Known {label}s: {', '.join(known)}"
    return f"{text}. Known {label}s: {', '.join(known)}"


def describe(value: Any) -> str:
    """A value as JSON calls it, for error messages.

    Example:
        >>> describe("10"), describe(True), describe([1])
        ('the string "10"', 'true', 'a list')
    """
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return f"the string {text if len(text) <= 60 else text[:57] + '...'}"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a Python {type(value).__name__}"


class Type:
    """Base of the value types: ``what`` names the expected value in messages."""

    what = "a value"

    def check(self, value: Any, path: str) -> None:
        raise NotImplementedError

    def fail(self, value: Any, path: str) -> PipelineError:
        return PipelineError(f"expected {self.what}, got {describe(value)}", path)


class Anything(Type):
    """Any JSON value."""

    what = "any JSON value"

    def check(self, value, path):
        pass


class Null(Type):
    """Only ``null``: operators that take no argument, like ``{"count": null}``."""

    what = "null (this operator takes no argument)"

    def check(self, value, path):
        if value is not None:
            raise self.fail(value, path)


class Boolean(Type):
    """``true`` or ``false``."""

    what = "true or false"

    def check(self, value, path):
        if not isinstance(value, bool):
            raise self.fail(value, path)


class Integer(Type):
    """A whole number (not a boolean), at least ``minimum`` when given."""

    def __init__(self, minimum: int | None = None):
        self.minimum = minimum
        self.what = "an integer" if minimum is None else f"an integer >= {minimum}"

    def check(self, value, path):
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return
            raise self.fail(value, path)
        if self.minimum is not None and value < self.minimum:
            raise self.fail(value, path)


class Text(Type):
    """A non-empty string: a field name, an id, a label."""

    def __init__(self, what: str = "a non-empty string"):
        self.what = what

    def check(self, value, path):
        if not isinstance(value, str) or not value:
            raise self.fail(value, path)


class Choice(Type):
    """One of a fixed set of strings."""

    def __init__(self, *values: str):
        self.values = values
        self.what = "one of " + ", ".join(json.dumps(v) for v in values)

    def check(self, value, path):
        if value not in self.values:
            raise self.fail(value, path)


class Expression(Type):
    """An aggregation expression in a string, checked by :func:`pendo_lab.expr.parse`."""

    what = 'an expression string like "numEvents > 0"'

    def check(self, value, path):
        if not isinstance(value, str):
            raise self.fail(value, path)
        try:
            parse(value)
        except ExpressionError as error:
            raise PipelineError(f"invalid expression: {error}", path) from error


class TimeValue(Expression):
    """A time: epoch milliseconds, or an expression string (``"now()"``, ``"date(2023, 9, 1)"``)."""

    what = 'epoch milliseconds or an expression string like "now()" or "date(2023, 9, 1)"'

    def check(self, value, path):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return
        super().check(value, path)


class AppIds(Type):
    """``appId``: one app id, a list of them, or ``"expandAppIds(\\"web|mobile\\")"``."""

    what = 'an app id, a list of app ids, or "expandAppIds(\\"*\\")" (filters *, web, extension, ' \
        "mobile, ios, android joined by |)"

    def check(self, value, path):
        if isinstance(value, list) and value:
            for index, item in enumerate(value):
                self.check_one(item, child(path, index))
        elif isinstance(value, str):
            if not value.lstrip().startswith("expandAppIds("):
                raise self.fail(value, path)
            Expression().check(value, path)
        else:
            self.check_one(value, path)

    def check_one(self, value, path):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(value, path)


class OrNull(Type):
    """``null`` or a value of ``inner``."""

    def __init__(self, inner: Type):
        self.inner = inner
        self.what = f"null or {inner.what}"

    def check(self, value, path):
        if value is not None:
            self.inner.check(value, path)


class ListOf(Type):
    """A list whose items are all of type ``item``, with at least ``min_items`` of them."""

    def __init__(self, item: Type, min_items: int = 0):
        self.item = item
        self.min_items = min_items
        self.what = f"a list of {item.what}" if min_items == 0 else \
            f"a list of at least {min_items} ({item.what})"

    def check(self, value, path):
        if not isinstance(value, list) or len(value) < self.min_items:
            raise self.fail(value, path)
        for index, item in enumerate(value):
            self.item.check(item, child(path, index))


class MapOf(Type):
    """An object of output field names to values of type ``value``."""

    def __init__(self, value: Type, min_items: int = 1, max_items: int | None = None,
                 what: str | None = None):
        self.value = value
        self.min_items = min_items
        self.max_items = max_items
        self.what = what or f'an object like {{"outputField": {value.what}}}'

    def check(self, value, path):
        if not isinstance(value, dict):
            raise self.fail(value, path)
        if len(value) < self.min_items or (self.max_items and len(value) > self.max_items):
            size = f"{len(value)} fields"
            raise PipelineError(f"expected {self.what}, got an object with {size}", path)
        for key, item in value.items():
            if not key:
                raise PipelineError("an output field name must not be empty", path)
            self.value.check(item, child(path, key))


class OneKey(Type):
    """An object with exactly one key, one of ``options``, whose value has that option's type."""

    def __init__(self, options: Mapping[str, Type], label: str):
        self.options = dict(options)
        self.label = label
        self.what = f"an object with one {label} ({', '.join(self.options)})"

    def check(self, value, path):
        if not isinstance(value, dict) or len(value) != 1:
            raise self.fail(value, path)
        ((key, inner),) = value.items()
        if key not in self.options:
            raise PipelineError(unknown(self.label, key, self.options), child(path, key))
        self.options[key].check(inner, child(path, key))


class Record(Type):
    """An object with known keys.

    ``required`` keys must be present; ``one_of`` names keys of which exactly one must be
    present; ``exclusive`` pairs may not appear together; ``requires`` maps a key to another
    key it needs.
    """

    what = "an object"

    def __init__(self, fields: Mapping[str, Type], *, required: tuple[str, ...] = (),
                 one_of: tuple[str, ...] = (), exclusive: tuple[tuple[str, str], ...] = (),
                 requires: Mapping[str, str] | None = None, label: str = "key"):
        self.fields = dict(fields)
        self.required = required
        self.one_of = one_of
        self.exclusive = exclusive
        self.requires = dict(requires or {})
        self.label = label

    def check(self, value, path):
        if not isinstance(value, dict):
            raise self.fail(value, path)
        for key, item in value.items():
            if key not in self.fields:
                raise PipelineError(unknown(self.label, key, self.fields), child(path, key))
            self.fields[key].check(item, child(path, key))
        for key in self.required:
            if key not in value:
                raise PipelineError(
                    f"missing {self.label} {key!r}; add \"{key}\": <{self.fields[key].what}>", path)
        if self.one_of and sum(key in value for key in self.one_of) != 1:
            names = " or ".join(repr(key) for key in self.one_of)
            raise PipelineError(f"give exactly one of {names}", path)
        for first, second in self.exclusive:
            if first in value and second in value:
                raise PipelineError(
                    f"{first!r} and {second!r} cannot be used together; remove one", path)
        for key, needed in self.requires.items():
            if key in value and needed not in value:
                raise PipelineError(f"{key!r} needs {needed!r}; add \"{needed}\" too", path)
