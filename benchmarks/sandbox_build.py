"""How fast the sandbox's synthetic subscription builds, and how fast a source derives from it.

Prints the build time of the default config (target: under 1 s) and of the large preset
(target: under 20 s, with at least a million raw events), then the time to derive a 30-day
``events`` source with ``dayRange`` on the large preset (cold, then cached).

Run from the repository root: ``PYTHONPATH=. python benchmarks/sandbox_build.py``
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from types import SimpleNamespace

from pendo_lab.sandbox._sources import SourceResolver, period_starts
from pendo_lab.sandbox._synth import SandboxConfig, build_tables

NOW = datetime(2024, 3, 20, 16, 0, tzinfo=timezone.utc)
DAY_MS = 86_400_000


def timed(action):
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def build(name: str, config: SandboxConfig, target_s: float) -> dict:
    tables, seconds = timed(lambda: build_tables(config))
    events = tables["events"].height
    verdict = "ok" if seconds < target_s else "SLOW"
    print(f"build {name:8s} {seconds:7.2f} s  (target < {target_s:g} s: {verdict})  "
          f"{events:>10,} raw events, {tables['visitors'].height:,} visitors")
    return tables


def main() -> None:
    build("default", SandboxConfig(now=NOW), 1)
    config = SandboxConfig.large(now=NOW)
    tables = build("large", config, 20)

    resolver = SourceResolver(tables, config)
    starts = period_starts(config.now_ms - 31 * DAY_MS, config.now_ms, "dayRange",
                           config.timezone)
    window = SimpleNamespace(start_ms=starts[1], end_ms=starts[-1], period="dayRange")
    spec = SimpleNamespace(name="events", params=None, window=window, path="pipeline[0]")
    rows, cold = timed(lambda: resolver(spec).collect())
    _, warm = timed(lambda: resolver(spec).collect())
    print(f"events, 30 days, dayRange, large preset: {cold:.3f} s cold, {warm:.4f} s cached "
          f"({rows.height:,} rows, {rows['numEvents'].sum():,} events)")


if __name__ == "__main__":
    main()
