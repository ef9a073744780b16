"""The ``pendo-lab`` command: a thin layer over the library.

Commands: ``report``, ``sandbox serve``, ``recipe list``, ``recipe run NAME``, ``agg run FILE``,
``verify``; ``--help`` on each. Without ``PENDO_INTEGRATION_KEY`` they run on the embedded
sandbox and say so. Bad input gives a one-line error and a non-zero exit, never a traceback.

Example:
    >>> main(["verify", "--sandbox"])
    valid: True, write: True (sandbox)
    0
"""

from __future__ import annotations

import argparse
import inspect
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ._exceptions import PendoError, ValidationError
from .report import DEFAULT_REPORT_DIR, parse_param, run_report, split_param

__all__ = ["NOT_ON_COMMAND_LINE", "main", "parser"]

_FRAME_SUFFIXES = (".parquet", ".csv")


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one line: ``pendo-lab recipe run: error: ... (see --help)``."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _client(args):
    from . import Pendo, connect

    return Pendo.sandbox() if getattr(args, "sandbox", False) else connect()


def cmd_verify(args) -> int:
    client = _client(args)
    answer = client.verify()
    label = " (sandbox)" if client.is_sandbox else ""
    print(f"valid: {answer['valid']}, write: {answer['write']}{label}")
    return 0 if answer["valid"] else 1


def cmd_report(args) -> int:
    params = dict(parse_param(option) for option in args.param)
    if args.sandbox:
        params["sandbox"] = True
    print(f"running the product health notebook into {args.out}/ ...", flush=True)
    report = run_report(args.out, params)
    data = ("sandbox (synthetic data; set PENDO_INTEGRATION_KEY for your subscription)"
            if report.sandbox else "your Pendo subscription")
    print(f"data: {data}")
    print(f"notebook: {report.notebook}")
    print(f"report: {report.html}")
    return 0


def cmd_sandbox_serve(args) -> int:
    from .sandbox import READ_ONLY_KEY, READ_WRITE_KEY, Sandbox
    from .sandbox._server import serve_forever

    box = Sandbox(seed=args.seed, now=args.now, state_dir=args.state_dir)

    def ready(url: str) -> None:
        print(f"Pendo sandbox (synthetic data) serving at {url}", flush=True)
        print(f"  keys: {READ_WRITE_KEY} (read-write), {READ_ONLY_KEY} (read-only)", flush=True)
        print(f"  try: PENDO_BASE_URL={url} PENDO_INTEGRATION_KEY={READ_WRITE_KEY} "
              "pendo-lab verify", flush=True)

    signal.signal(signal.SIGTERM, _interrupt)  # terminated, it stops as on Ctrl-C: status 0
    serve_forever(box.app, args.port, ready=ready)
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _port(text: str) -> int:
    """A TCP port number from the command line (0 picks a free one).

    Example:
        >>> _port("8765")
        8765
    """
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: use 0 to 65535")
    return int(text)


def _check_out(out: str | None) -> None:
    """Refuse an ``--out`` file name that is neither ``.parquet`` nor ``.csv`` (before any work).

    Example:
        >>> _check_out("rows.xlsx")
        Traceback (most recent call last):
        ...
        ValueError: --out 'rows.xlsx': use a .parquet or .csv file name
    """
    if out is not None and Path(out).suffix not in _FRAME_SUFFIXES:
        raise ValueError(f"--out {out!r}: use a .parquet or .csv file name")


def _write_frame(frame, out: str | None) -> None:
    """Print a frame, or write it to ``.parquet`` / ``.csv`` (by the suffix, which the caller
    has checked with :func:`_check_out` before any work)."""
    if out is None:
        print(frame)
        return
    path = Path(out)
    if path.suffix == ".parquet":
        frame.write_parquet(path)
    else:
        frame.write_csv(path)
    print(f"wrote {frame.height} rows to {path}")


def cmd_agg_run(args) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    _check_out(args.out)
    _write_frame(_client(args).aggregate(path.read_text()), args.out)
    return 0


#: Computed-recipe parameters the command line does not offer: it writes Polars frames, the
#: client knows its timezone, and engine options are Python objects.
NOT_ON_COMMAND_LINE = frozenset({"frame", "timezone", "options"})


def _options(function: Callable) -> dict[str, inspect.Parameter]:
    """A computed recipe's keyword parameters that the command line can set."""
    return {name: parameter for name, parameter in inspect.signature(function).parameters.items()
            if parameter.kind is parameter.KEYWORD_ONLY and name not in NOT_ON_COMMAND_LINE}


def cmd_recipe_list(args) -> int:
    from .recipes import computed_recipes, list_recipes

    declarative = list_recipes()
    rows = [(row["name"], row["title"], row["parameters"] or "none")
            for row in declarative.iter_rows(named=True)]
    for name, function in sorted(computed_recipes().items()):
        options = _options(function).items()
        rows.append((name, "computed recipe (docs/recipes.md)",
                     ", ".join(f"{key} = {option.default!r}" for key, option in options)))
    width = max(len(name) for name, _, _ in rows)
    for name, title, parameters in rows:
        print(f"{name:<{width}}  {title}")
        print(f"{'':<{width}}  parameters: {parameters}")
    return 0


def cmd_recipe_run(args) -> int:
    from .pipeline._schema import unknown
    from .recipes import computed_recipes, declarative_recipes

    computed = computed_recipes()
    declarative = declarative_recipes()
    names = set(computed) | set(declarative)
    if args.name not in names:
        raise ValidationError(unknown("recipe", args.name, names))
    if args.name in computed:
        headline, result = _run_computed(args, computed[args.name])
    else:
        headline, result = _run_declarative(args, declarative[args.name])
    if result.value is not None:
        print(f"{headline}: {result.value}")
    _write_frame(result.frame, args.out)
    return 0


def _run_declarative(args, recipe):
    from .recipes import run_recipe

    params = dict(split_param(option) for option in args.param)  # the recipe converts text
    recipe.resolve(**params)  # bad parameters fail here, before any request
    _check_out(args.out)
    return recipe.headline, run_recipe(_client(args), recipe, **params)


def _run_computed(args, function: Callable):
    params = dict(parse_param(option) for option in args.param)  # JSON values, else text
    known = _options(function)
    for name in params:
        if name not in known:
            raise ValidationError(f"recipe {args.name!r}: unknown parameter {name!r}; "
                                  f"parameters: {', '.join(known)}")
    _check_out(args.out)
    return args.name, function(_client(args), **params)


def _sandbox_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sandbox", action="store_true",
                        help="use the sandbox even when PENDO_INTEGRATION_KEY is set")


def _param_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help=f"set a {what} parameter (repeatable)")


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``pendo-lab``.

    Example:
        >>> parser().parse_args(["recipe", "run", "usage_by_os", "--param", "days=-7"]).param
        ['days=-7']
    """
    top = _Parser(prog="pendo-lab", description=(
        "Pendo analytics from the command line. Without PENDO_INTEGRATION_KEY every command "
        "runs on the embedded sandbox (synthetic data)."))
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    report = commands.add_parser(
        "report", help="run the product health notebook; write it and a self-contained HTML",
        description="Run the product health notebook (PES, stickiness, adoption, growth) with "
                    "papermill and write the executed notebook, a self-contained HTML report "
                    "and the tables it computed. Parameters: see docs/notebooks.md.")
    _param_option(report, "notebook")
    report.add_argument("--out", default=DEFAULT_REPORT_DIR, metavar="DIR",
                        help="output folder (default: pendo-lab-report)")
    _sandbox_flag(report)
    report.set_defaults(func=cmd_report)

    sandbox = commands.add_parser("sandbox", help="the embedded Pendo sandbox")
    sandbox_commands = sandbox.add_subparsers(dest="sandbox_command", required=True,
                                              metavar="COMMAND")
    serve = sandbox_commands.add_parser("serve", help="serve the sandbox over HTTP on 127.0.0.1")
    serve.add_argument("--port", type=_port, default=8765, help="port (default 8765; 0 = any free)")
    serve.add_argument("--seed", type=int, default=0, help="seed of the synthetic data")
    serve.add_argument("--now", help="pin the sandbox clock (ISO time); default: real time")
    serve.add_argument("--state-dir", help="keep the sandbox's state in this folder")
    serve.set_defaults(func=cmd_sandbox_serve)

    recipe = commands.add_parser("recipe", help="ready aggregations (recipes)")
    recipe_commands = recipe.add_subparsers(dest="recipe_command", required=True,
                                            metavar="COMMAND")
    recipe_list = recipe_commands.add_parser("list", help="list the recipes and their parameters")
    recipe_list.set_defaults(func=cmd_recipe_list)
    recipe_run = recipe_commands.add_parser("run", help="run a recipe")
    recipe_run.add_argument("name", help="the recipe's name (see: pendo-lab recipe list)")
    _param_option(recipe_run, "recipe")
    recipe_run.add_argument("--out", help="write the rows to a .parquet or .csv file")
    _sandbox_flag(recipe_run)
    recipe_run.set_defaults(func=cmd_recipe_run)

    agg = commands.add_parser("agg", help="aggregations")
    agg_commands = agg.add_subparsers(dest="agg_command", required=True, metavar="COMMAND")
    agg_run = agg_commands.add_parser("run", help="run an aggregation request from a JSON file")
    agg_run.add_argument("file", help="request body (JSON; // comments allowed)")
    agg_run.add_argument("--out", help="write the rows to a .parquet or .csv file")
    _sandbox_flag(agg_run)
    agg_run.set_defaults(func=cmd_agg_run)

    verify = commands.add_parser("verify", help="check the integration key (valid, may write)")
    _sandbox_flag(verify)
    verify.set_defaults(func=cmd_verify)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pendo-lab`` with ``argv``; returns the exit status (errors: one line on stderr).

    Example:
        >>> main(["verify", "--sandbox"])
        valid: True, write: True (sandbox)
        0
        >>> main(["agg", "run", "missing.json", "--sandbox"])   # stderr: no such file
        1
    """
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except ModuleNotFoundError as exc:
        return _fail(f"this command needs the {exc.name!r} package: "
                     "pip install 'pendo-lab[jupyter]'")
    except (PendoError, ValueError, OSError, NotImplementedError) as exc:
        lines = str(exc).strip().splitlines()
        return _fail(lines[0] if lines else type(exc).__name__)


def _fail(message: str) -> int:
    print(f"pendo-lab: error: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
