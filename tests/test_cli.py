"""The ``pendo-lab`` command: every command's help, its results against a served sandbox, and
one-line errors for bad input. ``pendo-lab report`` itself runs in tests/notebooks."""

from __future__ import annotations

import argparse
import inspect
import subprocess
import sys

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import pendo_lab.cli
from pendo_lab import Sandbox, recipes
from pendo_lab.cli import main, parser
from pendo_lab.recipes import list_recipes, run_recipe
from pendo_lab.sandbox import READ_WRITE_KEY

NOW = "2026-11-02T15:30:00Z"


def command_paths(node: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every command of the parser tree as argument tuples: (), ("report",), ("recipe", "run")."""
    yield path
    for action in node._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from command_paths(child, (*path, name))


COMMANDS = list(command_paths(parser()))


def test_the_command_tree_has_the_documented_commands():
    leaves = {" ".join(path) for path in COMMANDS}
    assert {"report", "sandbox serve", "recipe list", "recipe run", "agg run", "verify"} <= leaves


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: " ".join(path) or "pendo-lab")
def test_help_everywhere(path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*path, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: {' '.join(('pendo-lab', *path))}")


@pytest.fixture
def live_sandbox(monkeypatch):
    """The CLI talking over HTTP to a served sandbox with a pinned clock, as to real Pendo."""
    box = Sandbox(now=NOW)
    with box.serve() as url:
        monkeypatch.setenv("PENDO_BASE_URL", url)
        monkeypatch.setenv("PENDO_INTEGRATION_KEY", READ_WRITE_KEY)
        yield box


def test_verify_on_the_sandbox(capsys):
    assert main(["verify", "--sandbox"]) == 0
    assert capsys.readouterr().out == "valid: True, write: True (sandbox)\n"


def test_verify_with_a_key_says_nothing_about_the_sandbox(live_sandbox, capsys):
    assert main(["verify"]) == 0
    assert capsys.readouterr().out == "valid: True, write: True\n"


def test_without_a_key_commands_say_they_use_the_sandbox(monkeypatch, caplog):
    monkeypatch.delenv("PENDO_INTEGRATION_KEY", raising=False)
    monkeypatch.delenv("PENDO_BASE_URL", raising=False)
    assert main(["recipe", "run", "visitors_with_events", "--param", "days=-7"]) == 0
    assert "using the embedded sandbox (synthetic data" in caplog.text


def test_recipe_list_names_every_recipe_with_its_parameters(capsys):
    assert main(["recipe", "list"]) == 0
    out = capsys.readouterr().out
    recipes = list_recipes()
    for name, parameters in zip(recipes["name"], recipes["parameters"]):
        assert f"\n{name} " in f"\n{out}"
        assert f"parameters: {parameters or 'none'}" in out
    for name in ["adoption", "growth", "guide_goals", "nps", "pes", "stickiness"]:
        line = next(line for line in out.splitlines() if line.startswith(f"{name} "))
        assert line.endswith("computed recipe (docs/recipes.md)")
    assert "days = 30" in out and "frame =" not in out


def test_a_computed_recipe_runs_with_typed_parameters(live_sandbox, tmp_path, capsys):
    out = tmp_path / "pes.parquet"
    argv = ["recipe", "run", "pes", "--param", "days=14", "--param", "group_by=account",
            "--out", str(out)]
    assert main(argv) == 0
    expected = recipes.pes(Sandbox(now=NOW).client(), days=14, group_by="account")
    assert capsys.readouterr().out.splitlines() == [
        f"pes: {expected.value}", f"wrote {expected.frame.height} rows to {out}"]
    assert_frame_equal(pl.read_parquet(out).sort("accountId"), expected.frame.sort("accountId"),
                       check_exact=False)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_recipe_run_writes_what_the_library_computes(live_sandbox, tmp_path, suffix, capsys):
    out = tmp_path / f"os{suffix}"
    assert main(["recipe", "run", "usage_by_os", "--param", "days=-7", "--out", str(out)]) == 0
    written = pl.read_parquet(out) if suffix == ".parquet" else pl.read_csv(out)
    expected = run_recipe(Sandbox(now=NOW).client(), "usage_by_os", days=-7).frame
    assert written.height == expected.height > 0
    assert capsys.readouterr().out == f"wrote {expected.height} rows to {out}\n"
    assert sorted(written["count"].to_list()) == sorted(expected["count"].to_list())


def test_recipe_run_prints_the_headline_then_the_rows(live_sandbox, capsys):
    assert main(["recipe", "run", "visitors_with_events", "--param", "days=-7"]) == 0
    expected = run_recipe(Sandbox(now=NOW).client(), "visitors_with_events", days=-7)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"visitors: {expected.value}"
    assert str(expected.value) in lines[-2]


def test_agg_run_sends_the_file_and_writes_rows(live_sandbox, tmp_path, capsys):
    request = tmp_path / "request.json"
    request.write_text("""{"response": {"mimeType": "application/json"},
      "request": {"pipeline": [
        {"source": {"visitors": null}},   // every visitor
        {"count": null}
      ]}}""")
    out = tmp_path / "count.csv"
    assert main(["agg", "run", str(request), "--out", str(out)]) == 0
    assert pl.read_csv(out)["count"].to_list() == [live_sandbox.tables["visitors"].height]


USAGE_ERRORS = [
    ([], "the following arguments are required: COMMAND"),
    (["nope"], "invalid choice: 'nope'"),
    (["recipe", "run"], "the following arguments are required: name"),
    (["sandbox", "serve", "--port", "http"], "argument --port: 'http'"),
]

BAD_VALUES = [
    (["recipe", "run", "no_such_recipe"], "unknown recipe 'no_such_recipe'"),
    (["recipe", "run", "usage_by_os", "--param", "days"], "write NAME=VALUE"),
    (["recipe", "run", "usage_by_os", "--param", "days=soon"], "parameter 'days' expects int"),
    (["recipe", "run", "usage_by_os", "--param", "weeks=2"], "unknown parameter 'weeks'"),
    (["recipe", "run", "usage_by_os", "--out", "rows.xlsx"], "use a .parquet or .csv"),
    (["agg", "run", "no/such/file.json"], "no such file: no/such/file.json"),
    (["report", "--param", "dayz=90"], "unknown parameter 'dayz' for notebook"),
    (["recipe", "run", "nps", "--param", "frame=pandas"], "unknown parameter 'frame'"),
    (["recipe", "run", "nps", "--param", "period=year", "--sandbox"], "period='year'"),
]


def one_line(err: str) -> bool:
    return err.count("\n") == 1 and err.startswith("pendo-lab") and "Traceback" not in err


@pytest.mark.parametrize("argv, message", USAGE_ERRORS, ids=lambda v: str(v))
def test_a_malformed_command_line_exits_2_with_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert one_line(err) and message in err


@pytest.mark.parametrize("argv, message", BAD_VALUES, ids=lambda v: str(v))
def test_a_bad_value_exits_1_with_one_line(argv, message, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert one_line(err) and message in err


def test_a_bad_pipeline_names_the_stage_in_one_line(tmp_path, capsys):
    request = tmp_path / "bad.json"
    request.write_text('[{"source": {"visitors": null}}, {"group": {"group": ["x"], '
                       '"fields": {"n": {"summ": "x"}}}}]')
    assert main(["agg", "run", str(request), "--sandbox"]) == 1
    err = capsys.readouterr().err
    assert one_line(err) and "pipeline[1]" in err


def test_a_missing_optional_package_is_named(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "papermill", None)
    assert main(["report", "--param", "days=3"]) == 1
    assert capsys.readouterr().err == (
        "pendo-lab: error: this command needs the 'papermill' package: "
        "pip install 'pendo-lab[jupyter]'\n")


def test_the_module_runs_as_a_program_without_a_traceback():
    done = subprocess.run([sys.executable, "-m", "pendo_lab.cli", "recipe", "run", "nope"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("pendo-lab: error: unknown recipe 'nope'")


def test_the_module_has_examples(examples):
    assert examples(inspect.getsource(pendo_lab.cli)) > 0
