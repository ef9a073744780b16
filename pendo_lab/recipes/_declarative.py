"""Declarative recipes: ready aggregations kept as JSON files, with typed parameters.

Each file in the top-level ``recipes/`` folder (shipped in the wheel as
``pendo_lab/recipes/data``) holds one recipe: a name, a title, a description, typed
parameters with defaults and help, a pipeline with ``{{name}}`` placeholders, the columns
the result carries, and optionally a headline column and a chart. docs/recipes.md describes
the format. Users add folders of their own with ``extra_dirs=`` or the environment variable
``PENDO_LAB_RECIPES_PATH``; a recipe there replaces a shipped one of the same name.

Example:
    >>> import pendo_lab
    >>> client = pendo_lab.Pendo.sandbox(now="2026-11-02T15:30:00Z")
    >>> result = run_recipe(client, "usage_by_browser", days=-7)
    >>> result.frame.columns
    ['name', 'version', 'count']
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from .._exceptions import ValidationError
from ..expr.values import APP_FILTERS
from ..pipeline import Pipeline, lit
from ..pipeline._pipeline import _app_ids
from ..pipeline._schema import unknown
from ..pipeline._time import time_value
from ._result import RecipeResult

__all__ = ["ENV_VAR", "TYPES", "Parameter", "Recipe", "get_recipe", "list_recipes", "load_recipe",
           "run_recipe"]

#: The environment variable naming extra recipe folders, separated by ``os.pathsep``.
ENV_VAR = "PENDO_LAB_RECIPES_PATH"

_PACKAGE_DIR = Path(__file__).parent / "data"  # where the wheel puts the shipped files
_SOURCE_DIR = Path(__file__).parents[2] / "recipes"  # the same files in a source checkout
_PLACEHOLDER = re.compile(r"\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}")
_RECIPE_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_MARKS = ("area", "bar", "line", "point", "rect")
_DURATION = re.compile(r"(\d+)\s*(ms|s|m|h|d|w)\Z")
_DURATION_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000,
                "w": 604_800_000}
_BOOLEAN_WORDS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


# -- parameter types ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Type:
    """How one parameter type reads a value (Python, or text as typed on a command line) and
    writes it into a pipeline: as a whole JSON value, or inside an expression string."""

    expects: str
    convert: Callable[[Any], Any]
    to_json: Callable[[Any], Any] = lambda value: value
    writes_expressions: bool = False  # JSON text is expression text (a date, an app filter)

    def to_expression(self, value: Any) -> str:
        """Expression text: a JSON form that is expression text goes in as it is, other values
        as literals (strings quoted and escaped)."""
        written = None if value is None else self.to_json(value)
        if self.writes_expressions and isinstance(written, str):
            return written
        return str(lit(written))


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value


def _identifier(value: Any) -> str:
    if not _text(value):
        raise ValueError
    return value


def _int(value: Any) -> int:
    if isinstance(value, str):
        return int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError
    return value


def _number(value: Any) -> int | float:
    if isinstance(value, str):
        text = value.strip()
        value = int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TypeError
    return value


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return _BOOLEAN_WORDS[value.strip().lower()]
    if not isinstance(value, bool):
        raise TypeError
    return value


def _date(value: Any) -> dt.date:
    if isinstance(value, str):
        return dt.date.fromisoformat(value.strip())
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError
    return value


def _datetime(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise TypeError
    return value


def _duration(value: Any) -> int:
    if isinstance(value, dt.timedelta):
        return value // dt.timedelta(milliseconds=1)
    if isinstance(value, str) and (match := _DURATION.match(value.strip())):
        return int(match.group(1)) * _DURATION_MS[match.group(2)]
    return _int(value)


def _app(value: Any) -> int | str | list[int]:
    if isinstance(value, str) and all(part in APP_FILTERS for part in value.split("|")):
        return value
    if isinstance(value, (list, tuple)):
        return [_int(item) for item in value]
    return _int(value)


def _list(value: Any) -> list:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if not isinstance(value, (list, tuple)) or not all(
            isinstance(item, (str, int, float, bool)) for item in value):
        raise TypeError
    return list(value)


_ID = _Type("a non-empty id string", _identifier)

#: Parameter type name -> its reader and writers.
TYPES: dict[str, _Type] = {
    "string": _Type("text", _text),
    "int": _Type("a whole number", _int),
    "number": _Type("a number", _number),
    "bool": _Type("true or false", _bool),
    "date": _Type("a date (datetime.date or 'YYYY-MM-DD')", _date, time_value, True),
    "datetime": _Type("a timezone-aware datetime or ISO text with an offset "
                      "('2026-01-31T09:00:00Z')", _datetime, time_value),
    "duration": _Type("a duration (datetime.timedelta, milliseconds, or text like '100ms', "
                      "'30s', '15m', '2h', '7d', '1w')", _duration),
    "appId": _Type("an app id, a list of app ids, or app filters joined by '|' "
                   f"({', '.join(APP_FILTERS)})", _app, _app_ids, True),
    "segmentId": _ID,
    "guideId": _ID,
    "pageId": _ID,
    "featureId": _ID,
    "trackTypeId": _ID,
    "pollId": _ID,
    "list": _Type("a list of strings, numbers or booleans (or comma-separated text)", _list),
}


@dataclass(frozen=True)
class Parameter:
    """One typed recipe parameter.

    ``type`` is a key of :data:`TYPES`; ``default`` is already converted; a ``required``
    parameter has no default; ``choices`` restricts a string parameter.

    Example:
        >>> Parameter("days", "int", "the timeSeries count", default=-30).convert("-7")
        -7
    """

    name: str
    type: str
    help: str
    default: Any = None
    required: bool = False
    choices: tuple[str, ...] | None = None

    @property
    def expects(self) -> str:
        """What a value of this parameter's type looks like, in words.

        Example:
            >>> Parameter("days", "int", "the timeSeries count").expects
            'a whole number'
        """
        return TYPES[self.type].expects

    def convert(self, value: Any) -> Any:
        """The value in this parameter's type, read from Python or from text; raises
        :class:`~pendo_lab.ValidationError` naming the parameter and what it expects.

        Example:
            >>> try:
            ...     Parameter("days", "int", "count").convert("a week")
            ... except ValidationError as exc:
            ...     print(exc)
            parameter 'days' expects int (a whole number), got 'a week'
        """
        if value is None:
            if self.required:
                raise ValidationError(f"parameter {self.name!r} is required: {self.help}")
            return None
        try:
            converted = TYPES[self.type].convert(value)
        except (TypeError, ValueError, KeyError, OverflowError):
            raise ValidationError(f"parameter {self.name!r} expects {self.type} "
                                  f"({self.expects}), got {value!r}") from None
        if self.choices is not None and converted not in self.choices:
            raise ValidationError(f"parameter {self.name!r} must be one of "
                                  f"{', '.join(self.choices)}; got {value!r}")
        return converted

    def describe(self) -> str:
        """A one-line summary: ``days: int = -30``, ``guideId: guideId (required)``.

        Example:
            >>> Parameter("guideId", "guideId", "the guide", required=True).describe()
            'guideId: guideId (required)'
        """
        if self.required:
            return f"{self.name}: {self.type} (required)"
        return f"{self.name}: {self.type} = {orjson.dumps(self.default).decode()}"

    def to_json(self, value: Any) -> Any:
        """The value as the pipeline's JSON holds it (None stays None).

        Example:
            >>> Parameter("since", "date", "first day").to_json(dt.date(2024, 1, 31))
            'date(2024, 1, 31)'
        """
        return None if value is None else TYPES[self.type].to_json(value)

    def to_expression(self, value: Any) -> str:
        """The value as expression text, for a placeholder inside a longer string.

        Example:
            >>> print(Parameter("visitorId", "string", "a visitor").to_expression('a"b'))
            "a\\"b"
        """
        return TYPES[self.type].to_expression(value)


# -- recipes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipe:
    """A declarative recipe loaded from its JSON file (see docs/recipes.md).

    Example:
        >>> recipe = get_recipe("events_for_visitor")
        >>> [p.name for p in recipe.parameters], recipe.headline
        (['visitorId', 'days'], 'totalEvents')
        >>> recipe.render(visitorId='say "hi"').stages[2]
        {'filter': 'visitorId == "say \\\\"hi\\\\""'}
    """

    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    pipeline_template: list
    columns: tuple[str, ...]
    headline: str | None = None
    chart_spec: Mapping[str, str] | None = None
    source: str | None = None
    section: str | None = None
    notes: str | None = None
    path: Path | None = None

    def resolve(self, **params: Any) -> dict[str, Any]:
        """Every parameter's value: given ones converted, defaults for the others.

        Example:
            >>> get_recipe("usage_by_browser").resolve(days="-7")
            {'days': -7}
        """
        known = {parameter.name: parameter for parameter in self.parameters}
        try:
            for name in params:
                if name not in known:
                    raise ValidationError(unknown("parameter", name, known))
            return {name: parameter.convert(params.get(name, parameter.default))
                    for name, parameter in known.items()}
        except ValidationError as exc:
            raise ValidationError(f"recipe {self.name!r}: {exc}") from None

    def render(self, **params: Any) -> Pipeline:
        """The pipeline with the parameters filled in, validated.

        A placeholder that is a whole JSON string (``"{{days}}"``) becomes the typed value
        (numbers stay numbers; an optional parameter left null removes its key); one inside
        a longer string is an expression literal (``"visitorId == {{visitorId}}"``).

        Example:
            >>> get_recipe("usage_by_browser").render(days=-7).stages[0]["source"]["timeSeries"]
            {'period': 'dayRange', 'first': 'now()', 'count': -7}
        """
        return self._pipeline(self.resolve(**params))

    def _pipeline(self, values: Mapping[str, Any]) -> Pipeline:
        parameters = {parameter.name: parameter for parameter in self.parameters}
        stages = _fill(self.pipeline_template, values, parameters)
        return Pipeline.from_json({"name": self.name, "pipeline": stages}).validate()

    def chart(self, result: RecipeResult) -> Any:
        """The Altair chart the recipe declares, drawn from ``result.frame`` (what
        ``RecipeResult.chart()`` calls).

        Example:
            >>> import polars as pl
            >>> recipe = get_recipe("usage_by_device")
            >>> frame = pl.DataFrame({"deviceType": ["desktop"], "count": [3]})
            >>> recipe.chart(RecipeResult(frame, None, recipe.name)).to_dict()["mark"]["type"]
            'bar'
        """
        import altair as alt

        spec = self.chart_spec
        encodings = {key: spec[key] for key in ("x", "y", "color") if key in spec}
        chart = alt.Chart(result.frame, title=spec.get("title", self.title))
        return getattr(chart, f"mark_{spec['mark']}")().encode(**encodings)


_DROP = object()  # an optional parameter left null: its key or list item goes


def _fill(node: Any, values: Mapping[str, Any], parameters: Mapping[str, Parameter]) -> Any:
    if isinstance(node, dict):
        filled = {key: _fill(item, values, parameters) for key, item in node.items()}
        return {key: item for key, item in filled.items() if item is not _DROP}
    if isinstance(node, list):
        filled = [_fill(item, values, parameters) for item in node]
        return [item for item in filled if item is not _DROP]
    if not isinstance(node, str):
        return node
    whole = _PLACEHOLDER.fullmatch(node)
    if whole:
        value = values[whole.group(1)]
        return _DROP if value is None else parameters[whole.group(1)].to_json(value)
    return _PLACEHOLDER.sub(
        lambda match: parameters[match.group(1)].to_expression(values[match.group(1)]), node)


# -- loading --------------------------------------------------------------------------------

_FIELDS = {"name", "title", "description", "source", "section", "notes", "parameters",
           "pipeline", "columns", "headline", "chart"}
_REQUIRED = ("name", "title", "description", "parameters", "pipeline", "columns")
_PARAMETER_FIELDS = {"type", "help", "default", "required", "choices"}
_CHART_FIELDS = {"mark", "x", "y", "color", "title"}


class _FileError(ValidationError):
    """A problem in one recipe file; the loader prefixes the file's path."""


def load_recipe(path: str | Path) -> Recipe:
    """Read and check one recipe file; errors name the file and the field.

    Example:
        >>> load_recipe(_shipped_dir() / "usage_by_os.json").title
        'Usage by OS'
    """
    path = Path(path)
    try:
        data = orjson.loads(path.read_bytes())
        return _parse(data, path)
    except orjson.JSONDecodeError as exc:
        raise ValidationError(f"{path}: not valid JSON: {exc}") from None
    except _FileError as exc:
        raise ValidationError(f"{path}: {exc}") from None


def _parse(data: Any, path: Path) -> Recipe:
    _check_keys(data, _FIELDS, _REQUIRED, "recipe")
    for key in ("name", "title", "description", "source", "section", "notes", "headline"):
        if key in data and not isinstance(data[key], str):
            raise _FileError(f"{key}: expected a string, got {type(data[key]).__name__}")
    name = data["name"]
    if not _RECIPE_NAME.match(name) or name != path.stem:
        raise _FileError(f"name: {name!r} must be snake_case and match the file name "
                         f"({path.stem!r})")
    parameters = _parameters(data["parameters"])
    template = data["pipeline"]
    if not isinstance(template, list) or not template or \
            not all(isinstance(stage, dict) for stage in template):
        raise _FileError("pipeline: expected a non-empty list of stages (objects)")
    _check_placeholders(template, {parameter.name for parameter in parameters})
    columns = data["columns"]
    if not isinstance(columns, list) or not columns or \
            not all(isinstance(column, str) for column in columns):
        raise _FileError("columns: expected a non-empty list of column names")
    if data.get("headline") is not None and data["headline"] not in columns:
        raise _FileError(f"headline: {data['headline']!r} is not one of the columns")
    chart = data.get("chart")
    if chart is not None:
        _check_chart(chart, columns)
    return Recipe(name=name, title=data["title"], description=data["description"],
                  parameters=parameters, pipeline_template=template, columns=tuple(columns),
                  headline=data.get("headline"), chart_spec=chart, source=data.get("source"),
                  section=data.get("section"), notes=data.get("notes"), path=path)


def _check_keys(data: Any, allowed: set[str], required: Iterable[str], what: str,
                prefix: str = "") -> None:
    if not isinstance(data, dict):
        raise _FileError(f"{prefix.rstrip('.') or what}: expected an object, got "
                         f"{type(data).__name__}")
    for key in data:
        if key not in allowed:
            raise _FileError(prefix + unknown(f"{what} field", key, allowed))
    for key in required:
        if key not in data:
            raise _FileError(f"{prefix}{key}: missing; a {what} needs "
                             f"{', '.join(required)}")


def _parameters(data: Any) -> tuple[Parameter, ...]:
    if not isinstance(data, dict):
        raise _FileError("parameters: expected an object of name -> {type, help, ...}")
    parameters = []
    for name, spec in data.items():
        prefix = f"parameters.{name}."
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise _FileError(f"parameters.{name}: a parameter name is a Python identifier")
        _check_keys(spec, _PARAMETER_FIELDS, ("type", "help"), "parameter", prefix)
        if spec["type"] not in TYPES:
            raise _FileError(prefix + unknown("type", spec["type"], TYPES))
        if not isinstance(spec["help"], str) or not spec["help"]:
            raise _FileError(f"{prefix}help: expected a non-empty string")
        required = spec.get("required", False)
        if not isinstance(required, bool) or (required and spec.get("default") is not None):
            raise _FileError(f"{prefix}required: expected true or false, and a required "
                             f"parameter has no default")
        choices = spec.get("choices")
        if choices is not None and (spec["type"] != "string" or not isinstance(choices, list)
                                    or not all(isinstance(c, str) for c in choices)):
            raise _FileError(f"{prefix}choices: only a string parameter has choices, a list "
                             f"of strings")
        parameter = Parameter(name, spec["type"], spec["help"], None, required,
                              None if choices is None else tuple(choices))
        try:
            default = None if required else parameter.convert(spec.get("default"))
        except ValidationError as exc:
            raise _FileError(f"{prefix}default: {exc}") from None
        parameters.append(dataclasses.replace(parameter, default=default))
    return tuple(parameters)


def _check_placeholders(template: list, declared: set[str]) -> None:
    used: set[str] = set()

    def visit(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for key, item in node.items():
                if _PLACEHOLDER.search(key):
                    raise _FileError(f"{where}.{key}: placeholders go in values, not keys")
                visit(item, f"{where}.{key}")
        elif isinstance(node, list):
            for index, item in enumerate(node):
                visit(item, f"{where}[{index}]")
        elif isinstance(node, str):
            for name in _PLACEHOLDER.findall(node):
                if name not in declared:
                    raise _FileError(f"{where}: {{{{{name}}}}} names no parameter; declared: "
                                     f"{', '.join(sorted(declared)) or 'none'}")
                used.add(name)

    visit(template, "pipeline")
    if declared - used:
        raise _FileError(f"parameters: {', '.join(sorted(declared - used))} not used in the "
                         f"pipeline; add a {{{{name}}}} placeholder or remove the parameter")


def _check_chart(chart: Any, columns: list[str]) -> None:
    _check_keys(chart, _CHART_FIELDS, ("mark", "x", "y"), "chart", "chart.")
    if chart["mark"] not in _MARKS:
        raise _FileError("chart." + unknown("mark", chart["mark"], _MARKS))
    for key in ("x", "y", "color"):
        field = chart.get(key)
        if field is not None and (not isinstance(field, str)
                                  or field.split(":")[0] not in columns):
            raise _FileError(f"chart.{key}: {field!r} must be one of the columns, optionally "
                             f"with an Altair type (':Q', ':N', ':T', ':O')")


# -- finding recipes ------------------------------------------------------------------------


def _shipped_dir() -> Path:
    return _PACKAGE_DIR if _PACKAGE_DIR.is_dir() else _SOURCE_DIR


def _search_dirs(extra_dirs: Iterable[str | Path]) -> list[Path]:
    """User folders first (``extra_dirs``, then ``PENDO_LAB_RECIPES_PATH``), shipped last."""
    from_env = [part for part in os.environ.get(ENV_VAR, "").split(os.pathsep) if part]
    dirs = [Path(d).expanduser() for d in (*extra_dirs, *from_env)]
    for folder in dirs:
        if not folder.is_dir():
            raise ValidationError(f"recipe folder {str(folder)!r} does not exist (given in "
                                  f"extra_dirs or {ENV_VAR})")
    return [*dirs, _shipped_dir()]


def _recipe_paths(extra_dirs: Iterable[str | Path]) -> dict[str, Path]:
    paths: dict[str, Path] = {}
    for folder in _search_dirs(extra_dirs):
        for path in sorted(folder.glob("*.json")):
            paths.setdefault(path.stem, path)
    return dict(sorted(paths.items()))


def declarative_recipes(extra_dirs: Iterable[str | Path] = ()) -> dict[str, Recipe]:
    """The declarative recipes by name, in name order; user folders override shipped recipes
    of the same name.

    Example:
        >>> [p.name for p in declarative_recipes()["events_for_account"].parameters]
        ['accountId', 'days']
    """
    return {name: load_recipe(path) for name, path in _recipe_paths(extra_dirs).items()}


def list_recipes(extra_dirs: Iterable[str | Path] = ()) -> pl.DataFrame:
    """The declarative recipes: name, title, description, parameters (one-line summary) and
    the file each comes from; user folders override shipped recipes of the same name.

    Example:
        >>> list_recipes().filter(pl.col("name") == "events_for_account")["parameters"][0]
        'accountId: string (required), days: int = 1'
    """
    recipes = list(declarative_recipes(extra_dirs).values())
    return pl.DataFrame(
        {
            "name": [r.name for r in recipes],
            "title": [r.title for r in recipes],
            "description": [r.description for r in recipes],
            "parameters": [", ".join(p.describe() for p in r.parameters) for r in recipes],
            "path": [str(r.path) for r in recipes],
        },
        schema={key: pl.String for key in ("name", "title", "description", "parameters", "path")},
    )


def get_recipe(name: str, extra_dirs: Iterable[str | Path] = ()) -> Recipe:
    """The recipe called ``name`` (user folders first, then the shipped ones).

    Example:
        >>> get_recipe("web_vs_mobile_usage").title
        'Web vs mobile usage'
    """
    paths = _recipe_paths(extra_dirs)
    if name not in paths:
        raise ValidationError(unknown("recipe", name, paths))
    return load_recipe(paths[name])


def run_recipe(client: Any, name: str | Recipe, **params: Any) -> RecipeResult:
    """Run a recipe (by name, or a :class:`Recipe`) through ``client.aggregate``.

    ``value`` is the headline column's value in the first row (None without a headline or
    rows); ``chart()`` draws the chart the recipe declares.

    Example:
        >>> import pendo_lab
        >>> client = pendo_lab.Pendo.sandbox(now="2026-11-02T15:30:00Z")
        >>> result = run_recipe(client, "visitors_with_events", days=-7)
        >>> result.value == result.frame["visitors"][0] > 0
        True
    """
    recipe = name if isinstance(name, Recipe) else get_recipe(name)
    values = recipe.resolve(**params)
    frame = client.aggregate(recipe._pipeline(values))
    value = None
    if recipe.headline is not None and len(frame) and recipe.headline in frame.columns:
        value = frame[recipe.headline][0]
    return RecipeResult(frame, value, recipe.name, values,
                        None if recipe.chart_spec is None else recipe.chart)
