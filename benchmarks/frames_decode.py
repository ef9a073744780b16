"""A large aggregation response (JSON bytes) to a DataFrame: pendo_lab's path against the
usual user code.

The response is generated here: N rows shaped like Pendo's grouped ``events`` rows (visitorId,
accountId, appId, day, numEvents, numMinutes, server, remoteIp, userAgent, parameters,
metadata.auto.firstvisit) in the envelope ``{"startTime": ..., "results": [...]}``; 1M rows
are about 395 MB. Each run of each path is its own subprocess on the same bytes (read from a
file before the clock starts); the table shows the fastest of ``--repeat`` runs (wall and CPU
seconds) and the highest peak resident memory (the whole process: interpreter, libraries and
the response bytes included).

Paths:

* ``json_normalize`` (baseline): ``json.loads`` + ``pandas.json_normalize``;
* ``from_dicts``: ``orjson.loads`` + ``pl.from_dicts``;
* ``pendo_lab``: ``pendo_lab._frames.json_to_frame`` (what ``client.aggregate`` does with a
  response), datetimes in the subscription timezone included.

Targets: ``pendo_lab`` at least 6x faster than the baseline, peak memory under 3.5x the
response size.

Run from the repository root: ``PYTHONPATH=. python benchmarks/frames_decode.py [--rows N]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PATHS = ("json_normalize", "from_dicts", "pendo_lab")
BASELINE = "json_normalize"
DAY = 86_400_000
START = 1_704_067_200_000   # 2024-01-01 UTC
USER_AGENTS = [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.0.0 Safari/537.36"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.1 Safari/605.1.15"),
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
]


def generate(rows: int, seed: int = 0) -> bytes:
    """The JSON response: ``rows`` grouped event rows over 90 days, 200k visitors."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    draws = pl.DataFrame({
        "v": rng.integers(0, 200_000, rows), "a": rng.integers(0, 5_000, rows),
        "app": rng.choice([-323232, 5629499534213120, 6473924464345088], rows),
        "d": rng.integers(0, 90, rows), "e": rng.integers(1, 200, rows),
        "ua": rng.integers(0, len(USER_AGENTS), rows),
        "ip": rng.integers(0, 2**32, rows, dtype=np.int64), "p": rng.integers(0, 4, rows),
    })
    ip = pl.col("ip")
    frame = draws.select(
        visitorId=pl.format("visitor-{}", "v"),
        accountId=pl.format("account-{}", "a"),
        appId="app",
        day=pl.col("d") * DAY + START,
        numEvents="e",
        numMinutes=pl.col("e") // 3 + 1,
        server=pl.lit("app.customer-portal.example.com"),
        remoteIp=pl.format("{}.{}.{}.{}", ip // 2**24, ip // 2**16 % 256, ip // 256 % 256,
                           ip % 256),
        userAgent=pl.col("ua").replace_strict(list(range(len(USER_AGENTS))), USER_AGENTS),
        parameters=pl.when(pl.col("p") > 0).then(pl.struct(parameter=pl.format("tab={}", "p"))),
        metadata=pl.struct(auto=pl.struct(firstvisit=START - pl.col("v") * 3_600_000)),
    )
    return b'{"startTime":%d,"results":' % START + frame.write_json().encode() + b"}"


def converter(path: str):
    """One path as a function of the response bytes (its imports done before timing)."""
    if path == "json_normalize":
        import pandas

        return lambda content: pandas.json_normalize(json.loads(content)["results"])
    if path == "from_dicts":
        import orjson
        import polars as pl

        return lambda content: pl.from_dicts(orjson.loads(content)["results"],
                                             infer_schema_length=None)
    from pendo_lab._frames import json_to_frame

    return lambda content: json_to_frame(content, key="results", timezone="America/New_York")


def measure(path: str, file: str) -> dict:
    """Run in a fresh subprocess: one conversion's wall and CPU time, and the peak RSS."""
    convert = converter(path)
    content = Path(file).read_bytes()
    wall, cpu = time.perf_counter(), time.process_time()
    shape = convert(content).shape
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"seconds": wall, "cpu": cpu, "peak": peak_rss(), "shape": list(shape)}


def peak_rss() -> int:
    """This process's peak resident memory in bytes: ``VmHWM`` on Linux (ru_maxrss there
    also counts the parent's memory at fork time, before exec), else ``ru_maxrss``."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    scale = 1 if sys.platform == "darwin" else 1024   # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def best_of(path: str, file: str, repeat: int) -> dict:
    """The fastest of ``repeat`` runs of a path, each in its own process (so no run inherits
    another's memory), with the highest peak RSS seen."""
    runs = []
    for _ in range(repeat):
        child = subprocess.run([sys.executable, __file__, "--measure", path, "--file", file],
                               capture_output=True, text=True, check=True)
        runs.append(json.loads(child.stdout))
    best = min(runs, key=lambda run: run["seconds"])
    return {**best, "peak": max(run["peak"] for run in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--paths", default=",".join(PATHS))
    parser.add_argument("--measure", help=argparse.SUPPRESS)   # internal: one run, in a child
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.file)))
        return

    with tempfile.NamedTemporaryFile(suffix=".json") as file:
        content = generate(args.rows)
        file.write(content)
        file.flush()
        size = len(content)
        del content
        print(f"{args.rows:,} grouped event rows, {size / 1e6:.0f} MB of JSON "
              f"(best of {args.repeat} runs, each in its own process)\n")
        results = {path: best_of(path, file.name, args.repeat)
                   for path in args.paths.split(",")}
    base = results.get(BASELINE)
    print(f"{'path':16} {'seconds':>8} {'speed-up':>9} {'CPU s':>7} {'CPU ratio':>10} "
          f"{'peak RSS':>10} {'x response':>11}")
    for path, result in results.items():
        speed = f"{base['seconds'] / result['seconds']:.1f}x" if base else "-"
        cpu = f"{base['cpu'] / result['cpu']:.1f}x" if base else "-"
        print(f"{path:16} {result['seconds']:8.2f} {speed:>9} {result['cpu']:7.2f} {cpu:>10} "
              f"{result['peak'] / 1e6:7.0f} MB {result['peak'] / size:10.2f}x")
    if base and "pendo_lab" in results:
        ours = results["pendo_lab"]
        print(f"\ntargets: >= 6x faster than {BASELINE}: "
              f"{base['seconds'] / ours['seconds']:.1f}x; "
              f"peak < 3.5x the response: {ours['peak'] / size:.2f}x")
    print("(the machine's load average now:", " ".join(f"{x:.1f}" for x in os.getloadavg()),
          "- on a busy machine compare the CPU columns)")


if __name__ == "__main__":
    main()
