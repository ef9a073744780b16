"""``RecipeExplorer``: choose a recipe, fill its parameter form, run it, see frame, chart and code.

Both kinds of recipe are offered: the declarative ones (JSON files, run by ``run_recipe``),
whose form follows their declared parameters, and the computed ones (functions such as
``pendo_lab.recipes.stickiness(client, ...)``), whose form follows their signature. A
parameter becomes a dropdown when it has choices, a checkbox when it is a boolean, a list of
the subscription's objects when it is a guide, poll, segment, page, feature or track type id,
and otherwise a text box showing the default (a blank box keeps the default). The code shown
after a run reproduces the result in a cell, given a ``client``.

Example:
    >>> from pendo_lab import Pendo
    >>> explorer = RecipeExplorer(Pendo.sandbox(now="2026-11-02T15:30:00Z"))
    >>> explorer.recipe.value = "usage_by_browser"
    >>> explorer.inputs["days"].value = "-7"
    >>> explorer.run_button.click()
    >>> print(explorer.code.value)
    from pendo_lab.recipes import run_recipe
    <BLANKLINE>
    result = run_recipe(client, 'usage_by_browser', days=-7)
    >>> explorer.result.frame.columns
    ['name', 'version', 'count']
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from .. import recipes
from ..recipes import Parameter, RecipeResult, declarative_recipes, run_recipe
from ._form import Done, Form, plural

#: How many rows of the result the form shows.
SHOWN_ROWS = 20
#: Parameter types of a computed recipe's signature: by annotation (optional ones too), then
#: by name; other parameters take the text entered.
ANNOTATION_TYPES = {"bool": "bool", "int": "int", "float": "number"}
NAME_TYPES = {"app_id": "appId", "guide_id": "guideId", "segment": "segmentId"}
#: Annotations of lists, which take comma-separated text.
LIST_ANNOTATION = re.compile(r"(Sequence|Iterable|list|tuple)\[")
#: Signature parameters the form leaves to their defaults: the result kind and engine options.
SIGNATURE_SKIPPED = frozenset({"frame", "options"})


@dataclass(frozen=True)
class Entry:
    """One recipe as the explorer offers it.

    ``run(client, given)`` runs it with the values as entered; ``call`` is the start of the
    code calling it and ``imports`` the line importing what that code needs.

    Example:
        >>> entry = declarative_entry(declarative_recipes()["usage_by_os"])
        >>> entry.call, [p.name for p in entry.parameters]
        ("run_recipe(client, 'usage_by_os'", ['days'])
    """

    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    run: Callable[[Any, dict[str, Any]], RecipeResult]
    imports: str
    call: str


def declarative_entry(recipe: Any) -> Entry:
    """A declarative recipe (a :class:`~pendo_lab.recipes.Recipe`) as an explorer entry."""
    return Entry(recipe.name, recipe.title, recipe.description, recipe.parameters,
                 lambda client, given: run_recipe(client, recipe, **given),
                 "from pendo_lab.recipes import run_recipe", f"run_recipe(client, {recipe.name!r}")


def computed_entry(name: str, function: Callable[..., RecipeResult]) -> Entry:
    """A computed recipe (a function of a client and keyword parameters) as an entry.

    Its parameters are read from the signature, after the first (the client): a parameter
    without a default is required; annotations ``bool``, ``int`` and ``float`` (or optional
    ones) give the type, list annotations take comma-separated text, and the names in
    :data:`NAME_TYPES` (``app_id``, ``guide_id``, ``segment``) take the recipe parameter types
    ``appId``, ``guideId``, ``segmentId``; anything else is passed as the text entered.

    Example:
        >>> def demo(source, *, days: int = 30, weekends: bool = False, guide_id=None): ...
        >>> [(p.name, p.type, p.default) for p in computed_entry("demo", demo).parameters]
        [('days', 'int', 30), ('weekends', 'bool', False), ('guide_id', 'guideId', None)]
    """
    signature = inspect.signature(function)
    parameters = tuple(_signature_parameter(parameter)
                       for parameter in list(signature.parameters.values())[1:]
                       if parameter.name not in SIGNATURE_SKIPPED)
    known = {parameter.name: parameter for parameter in parameters}

    def run(client: Any, given: dict[str, Any]) -> RecipeResult:
        return function(client, **{key: known[key].convert(value) for key, value in given.items()})

    summary = inspect.getdoc(function) or name
    return Entry(name, name, summary.split("\n\n")[0].replace("\n", " "), parameters, run,
                 f"from pendo_lab.recipes import {name}", f"{name}(client")


def _signature_parameter(parameter: inspect.Parameter) -> Parameter:
    """A recipe parameter from a signature's, typed by its annotation or its name."""
    required = parameter.default is inspect.Parameter.empty
    annotation = parameter.annotation  # text under ``from __future__ import annotations``
    shown = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    kind = (ANNOTATION_TYPES.get(shown.removesuffix(" | None"))
            or ("list" if LIST_ANNOTATION.match(shown) else None)
            or NAME_TYPES.get(parameter.name, "string"))
    return Parameter(parameter.name, kind, f"{parameter.name}: {shown or 'any value'}",
                     default=None if required else parameter.default, required=required)


def recipe_entries() -> dict[str, Entry]:
    """Every recipe by name: the declarative ones, then the computed ones.

    Example:
        >>> recipe_entries()["usage_by_device"].title
        'Usage by device'
    """
    entries = {name: declarative_entry(recipe) for name, recipe in declarative_recipes().items()}
    entries.update((name, computed_entry(name, function))
                   for name, function in recipes.computed_recipes().items())
    return entries


def _named(objects: Any) -> list[tuple[str, str]]:
    return [(f"{row['name']} · {row['id']}", row["id"])
            for row in objects.select("id", "name").iter_rows(named=True)]


def _polls(client: Any) -> list[tuple[str, str]]:
    guides = client.guides.list(expand=True)
    if "polls" not in guides.columns:
        return []
    return [(f"{guide['name']}: {poll['question']} · {poll['id']}", poll["id"])
            for guide in guides.select("name", "polls").iter_rows(named=True)
            for poll in guide["polls"] or []]


#: Id parameter types whose choices are listed from the subscription, as (label, id).
ID_LISTS: dict[str, Callable[[Any], list[tuple[str, str]]]] = {
    "guideId": lambda client: _named(client.guides.list(expand=True)),
    "pollId": _polls,
    "segmentId": lambda client: _named(client.segments.list()),
    "pageId": lambda client: _named(client.pages.list(expand=True)),
    "featureId": lambda client: _named(client.features.list(expand=True)),
    "trackTypeId": lambda client: _named(client.track_types.list(expand=True)),
}


class RecipeExplorer(Form):
    """A form over :mod:`pendo_lab.recipes`: pick, fill in, run, read the code.

    ``inputs`` maps each parameter name to its widget; ``.result`` is the
    :class:`~pendo_lab.recipes.RecipeResult` of the last run.

    Example:
        >>> from pendo_lab import Pendo
        >>> explorer = RecipeExplorer(Pendo.sandbox())
        >>> explorer.recipe.value = "events_for_visitor"
        >>> sorted(explorer.inputs)
        ['days', 'visitorId']
    """

    def __init__(self, client: Any):
        super().__init__(client)
        self.entries = recipe_entries()
        self.inputs: dict[str, widgets.Widget] = {}
        self._id_options: dict[str, list] = {}
        self.recipe = widgets.Dropdown(
            description="Recipe", layout={"width": "40em"},
            options=[(f"{entry.title} · {name}" if entry.title != name else name, name)
                     for name, entry in self.entries.items()])
        self.about = widgets.HTML()
        self.form = widgets.VBox()
        self.run_button = self.button("Run", self._run, writes=False, style="primary")
        self.value = widgets.Label()
        self.table = widgets.Output()
        self.code = widgets.Textarea(disabled=True, layout={"width": "60em", "height": "6em"})
        self.children = [self.recipe, self.about, self.form, self.run_button, self.message,
                         self.value, self.table, self.chart_area, self.code]
        self.recipe.observe(lambda _: self.run(self._build_form), "value")
        self.run(self._build_form)

    def _build_form(self) -> str:
        entry = self.entries[self.recipe.value]
        self.about.value = f"<b>{entry.title}</b>: {entry.description}"
        self.inputs = {parameter.name: self._input(parameter) for parameter in entry.parameters}
        self.form.children = list(self.inputs.values())
        return f"{entry.name}: {plural(len(entry.parameters), 'parameter')}"

    def _input(self, parameter: Parameter) -> widgets.Widget:
        """The widget for one parameter, showing its default; the help text as tooltip."""
        common = {"description": parameter.name, "tooltip": parameter.help,
                  "style": {"description_width": "initial"}}
        if parameter.choices:
            return widgets.Dropdown(options=parameter.choices,
                                    value=parameter.default or parameter.choices[0], **common)
        if parameter.type == "bool":
            return widgets.Checkbox(value=bool(parameter.default), **common)
        if parameter.type in ID_LISTS and self._ids(parameter.type):
            optional = [] if parameter.required else [("(none)", None)]
            return widgets.Dropdown(options=optional + self._ids(parameter.type),
                                    value=parameter.default, **common)
        return widgets.Text(value=_text(parameter.default), layout={"width": "40em"},
                            placeholder=parameter.expects, **common)

    def _ids(self, kind: str) -> list[tuple[str, str]]:
        """``(label, id)`` choices for an id parameter, listed once per explorer."""
        if kind not in self._id_options:
            self._id_options[kind] = ID_LISTS[kind](self.client)
        return self._id_options[kind]

    def _given(self) -> dict[str, Any]:
        """The parameters as entered: blank text boxes are left out (their default applies)."""
        return {name: widget.value for name, widget in self.inputs.items()
                if not (isinstance(widget, widgets.Text) and not widget.value.strip())}

    def _run(self) -> Done:
        entry = self.entries[self.recipe.value]
        given = self._given()
        result = entry.run(self.client, given)  # parameters are checked before anything is sent
        self.code.value = _code(entry, given)
        self.value.value = "" if result.value is None else f"value = {result.value}"
        self.table.outputs = ()
        self.table.append_display_data(result.frame.head(SHOWN_ROWS))
        try:
            chart = result.chart()
        except NotImplementedError:
            chart = None
        rows = plural(len(result.frame), "row")
        return Done(f"ran {entry.name}: {rows}" + ("" if chart else " (no chart)"), result, chart)


def _text(value: Any) -> str:
    """A default as a text box shows it."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return str(value)


def _code(entry: Entry, given: dict[str, Any]) -> str:
    """Code reproducing a run: the parameters that differ from their defaults, typed."""
    parameters = {parameter.name: parameter for parameter in entry.parameters}
    arguments = [entry.call]
    for name, entered in given.items():
        parameter = parameters[name]
        value = parameter.convert(entered)
        if value == parameter.default and not parameter.required:
            continue
        literal = value if isinstance(value, (bool, int, float, str, list)) else entered
        arguments.append(f"{name}={literal!r}")
    return f"{entry.imports}\n\nresult = {', '.join(arguments)})"
