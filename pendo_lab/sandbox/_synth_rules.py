"""Pendo tagging rules turned into regular expressions, for matching raw events to tagged objects.

Pages are tagged by URL rules and Features by element selectors; Pendo applies both
retroactively, so the sandbox keeps raw URLs and element paths in its event log and matches
them at query time. The regexes avoid look-around so that Polars (Rust regex) and Python's
``re`` read them alike.

Example:
    >>> import re
    >>> bool(re.search(page_rule_regex("//*/reports"), "https://app.acme.example/reports?x=1"))
    True
    >>> bool(re.search(element_rule_regex("nav a"), "div.app > nav.sidebar > a#nav-home.nav-link"))
    True
"""

from __future__ import annotations

import re

__all__ = ["element_rule_regex", "page_rule_regex"]

_SEGMENT = r"[^/?#]"
_TOKEN = r"[\w-]"


def page_rule_regex(rule: str) -> str:
    """The regex (searched against a full URL) for a Pendo page rule.

    Grammar (after Pendo's "URLs for Page tagging" article): ``//host/path[?query]`` where
    ``*`` matches within one path segment (or the host), a whole ``**`` segment ignores the rest
    of the URL, ``*parameter*`` is a wildcard segment captured as the page parameter (group 1),
    ``~contains:text`` is a segment containing ``text``, and ``?name`` / ``?name=value`` requires
    one query parameter. Without a query part, any query string and fragment are accepted.

    Example:
        >>> import re
        >>> rx = page_rule_regex("//*/reports/*parameter*")
        >>> re.search(rx, "https://app.acme.example/reports/r-17?tab=chart").group(1)
        'r-17'
        >>> bool(re.search(page_rule_regex("//*/search?q"), "https://h/search?page=2&q=kpi"))
        True
        >>> bool(re.search(page_rule_regex("//*/search?q"), "https://h/search"))
        False
    """
    if not rule.startswith("//"):
        raise ValueError(f"page rule {rule!r} must start with '//' (e.g. '//*/reports')")
    location, _, query = rule[2:].partition("?")
    host, _, path = location.partition("/")
    pattern = r"^[a-z][a-z0-9+.-]*://" + _wildcards(host)
    segments = path.split("/") if path else []
    if "**" in segments[:-1]:
        raise ValueError(f"page rule {rule!r}: '**' may only be the last path segment")
    if segments and segments[-1] == "**":
        return pattern + "".join("/" + _segment(s) for s in segments[:-1]) + "(?:/.*)?$"
    pattern += "".join("/" + _segment(s) for s in segments) + "/?"
    if not query:
        return pattern + "(?:[?#].*)?$"
    if "&" in query:
        raise ValueError(f"page rule {rule!r}: the sandbox supports one query parameter per rule")
    name, equals, value = query.partition("=")
    wanted = re.escape(name) + ("=" + re.escape(value) if equals else "(?:=[^&#]*)?")
    return pattern + r"\?(?:[^#]*&)?" + wanted + "(?:[&#].*)?$"


def _segment(segment: str) -> str:
    if segment == "*parameter*":
        return f"({_SEGMENT}+)"
    if segment.startswith("~contains:"):
        return f"{_SEGMENT}*{re.escape(segment[len('~contains:'):])}{_SEGMENT}*"
    return _wildcards(segment)


def _wildcards(text: str) -> str:
    return f"{_SEGMENT}*".join(re.escape(part) for part in text.split("*"))


def element_rule_regex(selector: str) -> str:
    """The regex (searched against an element path) for a feature's CSS-like selector.

    Element paths list ancestors to target as ``tag#id.class`` compounds joined by ``" > "``.
    A selector is one or more space-separated compounds (descendant combinator), each
    ``tag``, ``#id``, ``.class`` or a combination with at most one class; the last compound
    must match the clicked element itself.

    Example:
        >>> import re
        >>> path = "div.app > main.content > button#export-pdf.btn.btn-primary"
        >>> [bool(re.search(element_rule_regex(s), path))
        ...  for s in ["#export-pdf", "main button.btn", "nav button", "div"]]
        [True, True, False, False]
    """
    compounds = selector.split()
    if not compounds:
        raise ValueError("an element rule needs at least one selector compound, e.g. '#save'")
    chain = r"(?: > [^ ]+)* > ".join(_compound(c, selector) for c in compounds)
    return f"(?:^| > ){chain}$"


def _compound(compound: str, selector: str) -> str:
    match = re.fullmatch(r"([a-zA-Z][\w-]*)?(?:#([\w-]+))?(?:\.([\w-]+))?", compound)
    if not match or not compound:
        raise ValueError(
            f"element rule {selector!r}: cannot read {compound!r}; use tag, #id and at most "
            "one .class, e.g. 'button#save.primary'"
        )
    tag, id_, cls = match.groups()
    pattern = re.escape(tag) if tag else rf"[a-zA-Z]{_TOKEN}*"
    pattern += f"#{re.escape(id_)}" if id_ else f"(?:#{_TOKEN}+)?"
    if cls:
        return pattern + rf"(?:\.{_TOKEN}+)*\.{re.escape(cls)}(?:\.{_TOKEN}+)*"
    return pattern + rf"(?:\.{_TOKEN}+)*"
