"""The functions an expression may call: names, parameters, accepted kinds and documentation.

:data:`FUNCTIONS` is the single table both back ends and the parser read. Unless a function's
``doc`` says otherwise it is *strict*: a null argument gives a null result.

Example:
    >>> FUNCTIONS["dateAdd"].signature, FUNCTIONS["dateAdd"].min_args
    ('dateAdd(time, amount, unit)', 3)
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable, Sequence

from pendo_lab._exceptions import ExpressionError
from pendo_lab.expr.dates import DATE_TEXT, PERIODS, TIME_UNITS
from pendo_lab.expr.nodes import Call, Literal, Node
from pendo_lab.expr.values import APP_FILTERS, a_kind, mismatch

__all__ = ["FUNCTIONS", "Function", "check_call"]


@dataclass(frozen=True)
class Function:
    """One callable function: ``params`` names, the arity range and the kinds each accepts.

    ``max_args`` is None when the last parameter repeats. ``kinds[i]`` is the set of kinds
    parameter ``i`` accepts (empty: any kind); null is always accepted. A ``strict`` function
    gives null when any argument is null.

    >>> date_add = FUNCTIONS["dateAdd"]
    >>> date_add.params, date_add.kinds[2], date_add.strict
    (('time', 'amount', 'unit'), frozenset({'string'}), True)
    >>> FUNCTIONS["isNull"].strict  # it looks at nulls, so it must see them
    False
    """

    name: str
    params: tuple[str, ...]
    min_args: int
    max_args: int | None
    doc: str
    kinds: tuple[frozenset[str], ...]
    strict: bool = True

    @property
    def signature(self) -> str:
        """``name(param, ...)`` as shown in error messages.

        >>> FUNCTIONS["dateAdd"].signature, FUNCTIONS["list"].signature
        ('dateAdd(time, amount, unit)', 'list(value, ...)')
        """
        more = ", ..." if self.max_args is None else ""
        return f"{self.name}({', '.join(self.params)}{more})"

    def check_arity(self, count: int) -> str | None:
        """The arity error text for ``count`` arguments, or None when the count is fine.

        >>> FUNCTIONS["if"].check_arity(1)
        'if(condition, ifTrue, ifFalse) takes 2 to 3 arguments, got 1'
        """
        low, high = self.min_args, self.max_args
        if low <= count and (high is None or count <= high):
            return None
        if high is None:
            wanted = f"at least {_arguments(low)}"
        elif low == high:
            wanted = _arguments(low)
        else:
            wanted = f"{low} to {high} arguments"
        return f"{self.signature} takes {wanted}, got {count}"

    def check_kinds(self, kinds: Sequence[str], args: Sequence[Node]) -> None:
        """Raise :class:`ExpressionError` (caret on the argument) for an argument of a wrong kind.

        ``kinds`` holds each argument's kind; null always passes. Two rules
        span arguments: a string haystack takes a string needle, and date text stands alone.

        >>> FUNCTIONS["len"].check_kinds(["number"], [Literal(1)])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        pendo_lab._exceptions.ExpressionError: len(value): value must be a list or ..., got number
        """
        for i, kind in enumerate(kinds):
            accepted = self.kinds[min(i, len(self.kinds) - 1)]
            if self.name == "contains" and i == 1 and kinds[0] == "string":
                accepted = frozenset({"string"})
            if self.name == "date" and i == 0 and len(kinds) > 1:
                accepted = frozenset({"number"})
            if accepted and kind != "null" and kind not in accepted:
                param = self.params[min(i, len(self.params) - 1)]
                raise mismatch(f"{self.signature}: {param}", a_kind(accepted), kind, args[i].pos)


def check_call(call: Call) -> None:
    """Raise :class:`ExpressionError` (caret set, no text yet) unless ``call`` is valid.

    Checks the name, the arity, and the arguments that must be string literals (``unit`` of
    dateAdd, ``period`` of startOfPeriod, ``layout`` of formatTime, ``filter`` of expandAppIds).

    >>> check_call(Call("dateAdd", (Literal(1), Literal(2))))
    Traceback (most recent call last):
    pendo_lab._exceptions.ExpressionError: dateAdd(time, amount, unit) takes 3 arguments, got 2
    """
    function = FUNCTIONS.get(call.name)
    if function is None:
        close = difflib.get_close_matches(call.name, FUNCTIONS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(FUNCTIONS)}"
        raise ExpressionError(f"unknown function {call.name!r}{hint}", "", call.pos)
    problem = function.check_arity(len(call.args))
    if problem:
        raise ExpressionError(problem, "", call.pos)
    if call.name in _LITERAL_RULES:
        index, rule = _LITERAL_RULES[call.name]
        arg = call.args[index]
        problem = rule(arg)
        if problem:
            param = function.params[index]
            raise ExpressionError(f"{function.signature}: {param} {problem}", "", arg.pos)


def _arguments(count: int) -> str:
    return f"{count} argument" + ("" if count == 1 else "s")


def _string_literal(node: Node) -> str | None:
    return node.value if isinstance(node, Literal) and isinstance(node.value, str) else None


def _literal_text(node: Node) -> str | None:
    return None if _string_literal(node) is not None else "must be a string literal"


def _one_of(choices: Sequence[str]) -> Callable[[Node], str | None]:
    def check(node: Node) -> str | None:
        text = _string_literal(node)
        if text in choices:
            return None
        got = json.dumps(text) if text is not None else "an expression"
        return f"must be one of {', '.join(map(json.dumps, choices))}, got {got}"

    return check


def _app_filter(node: Node) -> str | None:
    text = _string_literal(node)
    if text is not None and all(part in APP_FILTERS for part in text.split("|")):
        return None
    return f"must be a string literal of {', '.join(APP_FILTERS)} joined by '|'"


def _date_text(node: Node) -> str | None:
    text = _string_literal(node)
    if text is None or DATE_TEXT.fullmatch(text):
        return None
    return (
        f"{json.dumps(text)} is not one of 2006, 2006-01, 2006-01-02, 2006-01-02T15:04, "
        "2006-01-02T15:04:05, 2006-01-02T15:04:05.999"
    )


# name -> (argument index, check giving an error text or None)
_LITERAL_RULES: dict[str, tuple[int, Callable[[Node], str | None]]] = {
    "dateAdd": (2, _one_of(TIME_UNITS)),
    "startOfPeriod": (0, _one_of(tuple(PERIODS))),
    "formatTime": (0, _literal_text),
    "expandAppIds": (0, _app_filter),
    "date": (0, _date_text),
}


def _function(spec: str, doc: str) -> Function:
    """Build a :class:`Function` from ``"name(param: kind|kind, optional?, ...)"``."""
    name, _, inside = spec.rstrip(")").partition("(")
    params, kinds, required = [], [], 0
    variadic = inside.endswith("...")
    for part in filter(None, inside.removesuffix("...").split(", ")):
        param, _, kind = part.partition(": ")
        if not param.endswith("?"):
            required += 1
        params.append(param.rstrip("?"))
        kinds.append(frozenset(filter(None, kind.split("|"))))
    max_args = None if variadic else len(params)
    kinds_or_any = tuple(kinds) or (frozenset(),)
    strict = name not in _LENIENT
    return Function(name, tuple(params), required, max_args, doc, kinds_or_any, strict)


# Functions that see null arguments instead of giving null for them.
_LENIENT = {
    "if", "isBoolean", "isNumber", "isString", "isList", "isNil", "isNull", "isEmpty", "list",
    "identified",
}


_TABLE = [
    # General expressions
    ("if(condition: boolean|number, ifTrue, ifFalse?)",
     "ifTrue when condition is true, else ifFalse (null when omitted). A null condition counts "
     "as false (INFERRED, as for &&); a number is true unless 0."),
    ("isBoolean(value)", "true if value is a boolean, else false (never null)."),
    ("isNumber(value)", "true if value is a number, else false (never null)."),
    ("isString(value)", "true if value is a string, else false (never null)."),
    ("isList(value)", "true if value is a list, else false (never null)."),
    ("isNil(value)", "true if value is null, else false."),
    ("isNull(field)",
     "true if field is missing or null (INFERRED: the reference's wording reads inverted, while "
     "Pendo's own example `!isNull(f) && f != \"\"` needs this meaning). Same as isNil, since a "
     "missing field reads as null."),
    ("isEmpty(value)",
     "true if value is null, \"\" or an empty list (INFERRED for lists), else false."),
    # String manipulation
    ("contains(haystack: list|string, needle)",
     "string haystack: needle (a string) is a substring; list haystack: needle equals an "
     "element (no partial matches; a needle of another kind is never found)."),
    ("split(text: string, separator: string)",
     "text split into a list of strings at each separator; an empty separator splits into "
     "characters."),
    ("startsWith(text: string, prefix: string)", "true if text begins with prefix."),
    ("toLowerCase(text: string)", "text in lowercase."),
    ("toString(value: boolean|number|string)",
     "value as a string: strings unchanged, booleans true/false, integral numbers without a "
     "fraction (\"3\", also for 6/2, as Pendo's numbers are floats; INFERRED)."),
    # List manipulation
    ("len(value: list|string)", "the number of elements of a list, or of characters of a string."),
    ("list(value, ...)",
     "a list of the values (nulls kept); elements must all be of one kind, like [a, b]."),
    ("listInRange(list: list, min: number, max: number)",
     "the numeric elements of list between min and max inclusive, in order (nulls dropped)."),
    ("reverse(list: list)", "list in reverse order."),
    ("sortUnique(list: list)",
     "list sorted ascending with duplicates removed (nulls dropped; INFERRED)."),
    ("sum(list: list)", "the sum of the numeric elements of list, ignoring others; 0 when none."),
    # Date manipulation
    ("now()", "the current time in epoch ms (ExprContext.now_ms when set)."),
    ("date(textOrYear: number|string, month?: number, day?: number, hour?: number, "
     "minute?: number, second?: number, nanosecond?: number)",
     "epoch ms of a local time in the subscription timezone, from ISO-8601 text (2006, 2006-01, "
     "2006-01-02, 2006-01-02T15:04, 2006-01-02T15:04:05, 2006-01-02T15:04:05.999) or from "
     "components (omitted ones default to their minimum; out-of-range ones roll over like Go's "
     "time.Date). Text in no accepted form gives null; so does a local time skipped by DST."),
    ("dateAdd(time: number, amount: number, unit: string)",
     "time plus amount (truncated to an integer) units: \"hours\" exactly, \"days\", \"weeks\" and "
     "\"months\" on the local calendar (a day across DST is 23 or 25 hours; a month step clamps "
     "the day to the month's end, INFERRED). unit must be a string literal."),
    ("startOfPeriod(period: string, time: number)",
     "the start of the local day, week (Sunday) or month containing time. period is a string "
     "literal: daily, weekly, monthly, or dayRange, weekRange, monthRange (INFERRED synonyms)."),
    ("formatTime(layout: string, time: number)",
     "time as local text in a Go layout: 2006 06 01 Jan January 02 Mon Monday 15 04 05 .000 "
     "(other characters are copied). INFERRED from public payloads; layout is a string literal."),
    # Pendo-specific expressions
    ("identified(visitorId)",
     "true unless visitorId is null or an anonymous id (a string starting with _PENDO_T_); "
     "never null. INFERRED from Pendo's anonymous visitor id prefix."),
    ("childAccountId(accountId: string)",
     "the part after the first '::' of a parent-account id (\"parent::child\"), or null when "
     "there is no '::'."),
    ("parentAccountId(accountId: string)",
     "the part before the first '::' of a parent-account id, or accountId itself when there is "
     "no '::'."),
    ("hash(value: boolean|number|string)",
     "a deterministic non-negative 63-bit integer hash of toString(value). Pendo's own hash "
     "function is UNKNOWN, so values differ from Pendo's; stable for a given Polars version."),
    ("eventSubType(type: string)",
     "the part of a namespaced event type after its last ':' (\"email:pendo:open\" -> \"open\"), "
     "or type itself. INFERRED from public payloads."),
    ("expandAppIds(filter: string)",
     "an AppIdFilter marking the apps a source's appId parameter covers; filter is a string "
     "literal of *, web, extension, mobile, ios, android joined by '|'. It has no row value: "
     "evaluate() returns the marker, to_polars() rejects it."),
]

FUNCTIONS: MappingProxyType[str, Function] = MappingProxyType(
    {f.name: f for f in (_function(spec, doc) for spec, doc in _TABLE)}
)
