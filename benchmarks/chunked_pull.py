"""A chunked 90-day pull from the sandbox's HTTP server with 200 ms of latency per request:
windows pulled four at a time against one at a time.

The pipeline: 90 days of grouped ``events``, identified visitors only, summed per account and
sorted (the prefix runs on the server per window, ``group`` and ``sort`` locally on the
combined rows). ``chunk="1d"`` gives 90 windows. Baselines: the same pull at concurrency 1
(sequential) and the unchunked pull. Target: concurrency 4 at least 3x faster than
sequential, with an identical result. Both the sync client (threads) and the async client
(tasks) are timed.

Run from the repository root: ``PYTHONPATH=. python benchmarks/chunked_pull.py [--latency S]``
"""

from __future__ import annotations

import argparse
import asyncio
import time

from polars.testing import assert_frame_equal

from pendo_lab._chunks import cut, parse_chunk
from pendo_lab.sandbox import Faults, Sandbox

DAY = 86_400_000


def pipeline(now_ms: int, days: int) -> list[dict]:
    series = {"period": "dayRange", "first": now_ms - days * DAY, "last": now_ms - DAY}
    return [{"source": {"events": None, "timeSeries": series}},
            {"identified": "visitorId"},
            {"group": {"group": ["accountId"], "fields": {
                "events": {"sum": "numEvents"}, "minutes": {"sum": "numMinutes"},
                "visitors": {"count": "visitorId"}}}},
            {"sort": ["-events", "accountId"]}]


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--chunk", default="1d")
    args = parser.parse_args()

    box = Sandbox(seed=0, now="2026-06-01T12:00:00Z", faults=Faults(latency=args.latency))
    request = pipeline(box.state.now_ms(), args.days)
    with box.serve() as url:
        client = box.client(base_url=url)
        pull = {"chunk": args.chunk, "progress": False, "cache": False}
        runs = {
            "unchunked": lambda: client.aggregate(request),
            "sequential (concurrency 1)": lambda: client.aggregate(request, concurrency=1, **pull),
            "sync, concurrency 4": lambda: client.aggregate(request, concurrency=4, **pull),
            "async, concurrency 4": lambda: asyncio.run(_async_pull(box, url, request, pull)),
        }
        results = {name: timed(run) for name, run in runs.items()}
    windows = len(cut(request, timezone=box.timezone, now_ms=0).windows(parse_chunk(args.chunk)))
    sequential = results["sequential (concurrency 1)"][0]
    print(f"{args.days}-day grouped pull, chunk={args.chunk!r} ({windows} windows), "
          f"{args.latency * 1000:.0f} ms latency per request, sandbox over HTTP\n")
    print(f"{'run':28} {'seconds':>8} {'vs sequential':>14}")
    for name, (seconds, _) in results.items():
        print(f"{name:28} {seconds:8.2f} {sequential / seconds:13.1f}x")
    expected = results["unchunked"][1]
    for name, (_, frame) in results.items():
        assert_frame_equal(frame, expected)
    best = min(results["sync, concurrency 4"][0], results["async, concurrency 4"][0])
    print(f"\nevery result identical to the unchunked one ({expected.height} accounts); "
          f"target >= 3x at concurrency 4: {sequential / best:.1f}x")


async def _async_pull(box: Sandbox, url: str, request: list[dict], pull: dict):
    async with box.async_client(base_url=url) as client:
        return await client.aggregate(request, concurrency=4, **pull)


if __name__ == "__main__":
    main()
