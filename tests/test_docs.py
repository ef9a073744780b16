"""The documentation: every public name is in the API index and has a docstring example, every
command and option of ``pendo-lab`` is on the CLI page, links between pages resolve, and the
examples run (``python -m pytest`` runs every docstring and docs/*.md example)."""

from __future__ import annotations

import argparse
import functools
import importlib
import inspect
import re
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from pendo_lab import Pendo
from pendo_lab.cli import parser
from pendo_lab.report import NOTEBOOKS, notebook_parameters

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PUBLIC_MODULES = [
    "pendo_lab",
    "pendo_lab.charts",
    "pendo_lab.cli",
    "pendo_lab.engine",
    "pendo_lab.expr",
    "pendo_lab.pipeline",
    "pendo_lab.recipes",
    "pendo_lab.report",
    "pendo_lab.sandbox",
    "pendo_lab.widgets",
]
MY_PAGES = ["index.md", "client.md", "cli.md", "notebooks.md"]


def public_names(module_name: str) -> list[str]:
    """``__all__``, or else the public functions and classes the module defines."""
    module = importlib.import_module(module_name)
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [name for name, value in vars(module).items()
            if not name.startswith("_") and (inspect.isfunction(value) or inspect.isclass(value))
            and value.__module__.startswith(module_name)]


def code_words(text: str) -> set[str]:
    """The identifiers inside code: fenced blocks and `inline spans` (prose does not count)."""
    blocks = re.findall(r"```.*?```", text, re.DOTALL)
    spans = re.findall(r"`[^`\n]+`", re.sub(r"```.*?```", "", text, flags=re.DOTALL))
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", "\n".join(blocks + spans)))


@functools.cache
def page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def index_sections() -> dict[str, str]:
    """The API index's text per module: what follows each "### `module`" heading."""
    parts = re.split(r"^### `([\w.]+)`$", page("index.md"), flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2]))


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_name_is_in_the_api_index(module_name):
    section = index_sections().get(module_name, "")
    missing = [name for name in public_names(module_name) if name not in code_words(section)]
    assert not missing, f"docs/index.md does not list these names of {module_name}: {missing}"


def has_example(doc: str | None) -> bool:
    """A docstring shows an example: a doctest (``>>>``) or an Example block with fenced code."""
    return bool(doc) and (">>>" in doc or re.search(r"Examples?:?\n\s*```", doc) is not None)


def members(cls: type) -> Iterator[tuple[str, object]]:
    """The public methods and properties ``cls`` has from pendo_lab, its own and inherited.

    Cached properties are left out: doctest does not run their docstrings, and the client's
    (``client.pages``, ...) are checked through the resource classes they return."""
    for klass in cls.__mro__:
        if not klass.__module__.startswith("pendo_lab"):
            continue
        for name, value in vars(klass).items():
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            if isinstance(value, property):
                value = value.fget
            if not name.startswith("_") and inspect.isfunction(value):
                yield f"{klass.__qualname__}.{name}", value


def api_objects(module_name: str) -> Iterator[tuple[str, object]]:
    """(name, object) for the public functions and classes of a module (a public instance
    counts as its class, ``fn`` as ``Functions``) and every class's methods and properties."""
    module = importlib.import_module(module_name)
    for name in public_names(module_name):
        value = getattr(module, name)
        if not inspect.isclass(value) and type(value).__module__.startswith("pendo_lab"):
            value = type(value)
        if inspect.isclass(value):
            yield value.__qualname__, value
            yield from members(value)
        elif inspect.isfunction(inspect.unwrap(value)):
            yield name, value


def resource_classes() -> list[type]:
    """The classes behind the client's resources (``client.pages`` is a ``Pages``)."""
    with Pendo("docs-check-key") as client:  # creating resources sends nothing
        return [type(getattr(client, name)) for name, value in inspect.getmembers(Pendo)
                if isinstance(value, functools.cached_property)]


def lacking_examples(objects) -> set[str]:
    """The names whose own docstring (not one inherited) has no example."""
    return {name for name, value in objects if not has_example(value.__doc__)}


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_name_has_a_docstring_example(module_name):
    missing = sorted(lacking_examples(api_objects(module_name)))
    assert not missing, f"{module_name}: docstrings without an example: {missing}"


def test_every_resource_class_has_docstring_examples():
    classes = resource_classes()
    assert len(classes) >= 14
    objects = [pair for cls in classes for pair in [(cls.__qualname__, cls), *members(cls)]]
    missing = sorted(lacking_examples(objects))
    assert not missing, f"resources: docstrings without an example: {missing}"


def test_the_default_run_tests_every_example():
    """``python -m pytest`` (the README's test command) runs docstring and docs/*.md examples."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert {"tests", "pendo_lab", "docs"} <= set(config["testpaths"])
    assert {"--doctest-modules", "--doctest-glob=*.md"} <= set(config["addopts"].split())
    assert "ELLIPSIS" in config["doctest_optionflags"].split()


def test_the_index_links_every_page_and_every_link_resolves():
    linked = set(re.findall(r"\]\(([\w.-]+\.md)\)", page("index.md")))
    pages = {path.name for path in DOCS.glob("*.md")} - {"index.md"}
    assert pages <= linked, f"pages missing from the index: {sorted(pages - linked)}"
    for name in MY_PAGES:
        for target in re.findall(r"\]\(([\w.-]+\.md)\)", page(name)):
            assert (DOCS / target).is_file(), f"docs/{name} links to missing docs/{target}"


def commands(node: argparse.ArgumentParser, path: tuple[str, ...] = ("pendo-lab",)):
    """(command words, its parser) for every command of the ``pendo-lab`` tree."""
    yield path, node
    for action in node._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from commands(child, (*path, name))


COMMANDS = list(commands(parser()))


@pytest.mark.parametrize("words, command", COMMANDS, ids=[" ".join(w) for w, _ in COMMANDS])
def test_every_command_and_option_is_on_the_cli_page(words, command):
    text = page("cli.md")
    assert f"`{' '.join(words)}" in text or f"$ {' '.join(words)}" in text
    options = [option for action in command._actions for option in action.option_strings
               if option.startswith("--") and option != "--help"]
    assert [option for option in options if option not in text] == []


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_notebook_and_parameter_is_on_the_notebooks_page(name):
    words = code_words(page("notebooks.md"))
    assert name in words
    assert [key for key in notebook_parameters(name) if key not in words] == []


def test_every_client_resource_is_on_the_client_page():
    resources = [name for name, value in inspect.getmembers(Pendo)
                 if isinstance(value, functools.cached_property)]
    assert len(resources) >= 14
    assert [name for name in resources if name not in code_words(page("client.md"))] == []


def test_the_readme_tour_runs_on_the_sandbox(monkeypatch):
    for variable in ("PENDO_INTEGRATION_KEY", "PENDO_BASE_URL", "PENDO_REGION"):
        monkeypatch.delenv(variable, raising=False)
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
    assert len(blocks) >= 3
    namespace: dict = {}
    for block in blocks:
        code = textwrap.dedent(block)  # a block inside a list item is indented
        exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - the tour itself
    assert namespace["client"].is_sandbox


def test_the_readme_links_the_docs_of_every_part():
    readme = (ROOT / "README.md").read_text()
    targets = set(re.findall(r"\]\((docs/[\w.-]+\.md)\)", readme))
    assert [target for target in sorted(targets) if not (ROOT / target).is_file()] == []
    parts = {"index", "client", "recipes", "charts", "widgets", "notebooks", "cli",
             "sandbox-data"}
    assert {f"docs/{part}.md" for part in parts} <= targets
