"""The ``pendo-lab`` command: a thin layer over the library.

Commands: ``report``, ``sandbox serve``, ``recipe list``, ``recipe run NAME``, ``agg run FILE``,
``verify``. Bad input gives a one-line error and a non-zero exit, never a traceback.

Example:
    >>> main(["verify", "--sandbox"])
    valid: True, write: True (sandbox)
    0
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ._exceptions import PendoError


def _client(args):
    from . import Pendo, connect

    return Pendo.sandbox() if getattr(args, "sandbox", False) else connect()


def cmd_verify(args) -> int:
    client = _client(args)
    answer = client.verify()
    label = " (sandbox)" if client.is_sandbox else ""
    print(f"valid: {answer['valid']}, write: {answer['write']}{label}")
    return 0 if answer["valid"] else 1


def cmd_sandbox_serve(args) -> int:
    from .sandbox import READ_ONLY_KEY, READ_WRITE_KEY, Sandbox
    from .sandbox._server import serve_forever

    box = Sandbox(seed=args.seed, now=args.now, state_dir=args.state_dir)

    def ready(url: str) -> None:
        print(f"Pendo sandbox (synthetic data) serving at {url}", flush=True)
        print(f"  keys: {READ_WRITE_KEY} (read-write), {READ_ONLY_KEY} (read-only)", flush=True)
        print(f"  try: PENDO_BASE_URL={url} PENDO_INTEGRATION_KEY={READ_WRITE_KEY} "
              "pendo-lab verify", flush=True)

    serve_forever(box.app, args.port, ready=ready)
    return 0


def write_frame(frame, out: str | None) -> None:
    """Print a frame, or write it to ``.parquet`` / ``.csv`` (chosen by the suffix)."""
    if out is None:
        print(frame)
        return
    path = Path(out)
    if path.suffix == ".parquet":
        frame.write_parquet(path)
    elif path.suffix == ".csv":
        frame.write_csv(path)
    else:
        raise ValueError(f"--out {out!r}: use a .parquet or .csv file name")
    print(f"wrote {frame.height} rows to {path}")


def cmd_agg_run(args) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    if args.out and Path(args.out).suffix not in (".parquet", ".csv"):
        raise ValueError(f"--out {args.out!r}: use a .parquet or .csv file name")
    write_frame(_client(args).aggregate(path.read_text()), args.out)
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``pendo-lab``."""
    top = argparse.ArgumentParser(prog="pendo-lab", description=(
        "Pendo analytics from the command line. Without PENDO_INTEGRATION_KEY every command "
        "runs on the embedded sandbox (synthetic data)."))
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    verify = commands.add_parser("verify", help="check the integration key (valid, may write)")
    verify.add_argument("--sandbox", action="store_true", help="use the sandbox even with a key")
    verify.set_defaults(func=cmd_verify)

    sandbox = commands.add_parser("sandbox", help="the embedded Pendo sandbox")
    sandbox_commands = sandbox.add_subparsers(dest="sandbox_command", required=True,
                                              metavar="COMMAND")
    serve = sandbox_commands.add_parser("serve", help="serve the sandbox over HTTP on 127.0.0.1")
    serve.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any free)")
    serve.add_argument("--seed", type=int, default=0, help="seed of the synthetic data")
    serve.add_argument("--now", help="pin the sandbox clock (ISO time); default: real time")
    serve.add_argument("--state-dir", help="keep the sandbox's state in this folder")
    serve.set_defaults(func=cmd_sandbox_serve)

    agg = commands.add_parser("agg", help="aggregations")
    agg_commands = agg.add_subparsers(dest="agg_command", required=True, metavar="COMMAND")
    agg_run = agg_commands.add_parser("run", help="run an aggregation request from a JSON file")
    agg_run.add_argument("file", help="request body (JSON; // comments allowed)")
    agg_run.add_argument("--out", help="write the rows to a .parquet or .csv file")
    agg_run.add_argument("--sandbox", action="store_true", help="use the sandbox even with a key")
    agg_run.set_defaults(func=cmd_agg_run)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pendo-lab`` with ``argv``; returns the exit status."""
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (PendoError, ValueError, OSError, NotImplementedError) as exc:
        message = str(exc).splitlines()
        print(f"pendo-lab: error: {message[0] if message else type(exc).__name__}",
              file=sys.stderr)
        for line in message[1:]:
            print(f"  {line}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
