"""The sandbox's mutable state: the tables, background jobs, the clock, persistence.

Handlers change state only by replacing whole tables (``state.put(name, frame)``), so the
source resolver's caches see the change, and the state directory, when there is one, gets the
new table written atomically. A state directory also keeps the jobs, the last id handed out
and the clock the tables were built with, so a restarted sandbox carries on where it stopped.

Example:
    >>> from pendo_lab.sandbox._synth import SandboxConfig
    >>> state = SandboxState(SandboxConfig(seed=3))
    >>> state.put("votes", state.tables["votes"].head(0))
    >>> state.tables["votes"].height
    0
"""

from __future__ import annotations

import dataclasses
import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from .._exceptions import PipelineError
from ._sources import SourceResolver
from ._synth import SandboxConfig, build_tables


class SandboxState:
    """Tables, jobs, ids and clock of one sandbox; ``state_dir`` keeps them across restarts
    (the clock saved there wins over ``config.now``: it is the end of the saved tables' log)."""

    def __init__(self, config: SandboxConfig, *, state_dir: str | Path | None = None,
                 job_seconds: float = 1.0):
        self.job_seconds = job_seconds
        self.state_dir = Path(state_dir) if state_dir else None
        saved = self._read("state.json") or {}
        if "now" in saved:
            config = dataclasses.replace(config, now=datetime.fromisoformat(saved["now"]))
        self.config = config
        self._last_id = saved.get("lastId", 0)
        self.tables: dict[str, pl.DataFrame] = self._load() or build_tables(config)
        self.jobs: dict[str, dict[str, Any]] = self._read("jobs.json") or {}
        self.resolver = SourceResolver(self.tables, config)
        if self.state_dir and not (self.state_dir / "tables").exists():
            self.save(*self.tables)
            self._save_state()

    def now_ms(self) -> int:
        """The sandbox clock in epoch ms: the end of the synthetic log (``config.now``)."""
        return self.config.now_ms

    def segment_members(self, segment_id: str) -> pl.DataFrame:
        """The members of a segment: ``visitorId`` and/or ``accountId`` by its member type.

        Raises :class:`~pendo_lab.PipelineError` for an unknown segment id.
        """
        segments = self.tables["segments"].filter(pl.col("id") == segment_id)
        if segments.is_empty():
            raise PipelineError(f"no segment with id {segment_id!r}", "segment.id")
        columns = {"visitor": ["visitorId"], "account": ["accountId"]}.get(
            segments["memberType"][0], ["visitorId", "accountId"])
        members = self.tables["segment_members"].filter(pl.col("segmentId") == segment_id)
        return members.select(columns).unique()

    def elapsed(self, since_ms: int) -> float:
        """Seconds of real time since ``since_ms`` (job progress runs on real time)."""
        return time.time() - since_ms / 1000

    def new_id(self, prefix: str) -> str:
        """A fresh id for a job or object, e.g. ``seg-job-7`` (never reused, restarts included)."""
        self._last_id += 1
        self._save_state()
        return f"{prefix}-{self._last_id}"

    def put(self, name: str, frame: pl.DataFrame) -> None:
        """Replace a table (and persist it when there is a state directory)."""
        self.tables[name] = frame
        self.save(name)

    def put_job(self, job_id: str, job: dict[str, Any]) -> None:
        """Record a background job (segment upload, export, bulk delete)."""
        self.jobs[job_id] = job
        if self.state_dir:
            _atomic_write(self.state_dir / "jobs.json", orjson.dumps(self.jobs))

    def save(self, *names: str) -> None:
        """Write the named tables to the state directory, each atomically."""
        if not self.state_dir:
            return
        folder = self.state_dir / "tables"
        folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            tmp = folder / f".{name}.parquet.tmp"
            self.tables[name].write_parquet(tmp)
            os.replace(tmp, folder / f"{name}.parquet")

    def _load(self) -> dict[str, pl.DataFrame] | None:
        folder = self.state_dir / "tables" if self.state_dir else None
        if not folder or not folder.is_dir():
            return None
        return {path.stem: pl.read_parquet(path) for path in sorted(folder.glob("*.parquet"))}

    def _save_state(self) -> None:
        if self.state_dir:
            state = {"now": self.config.now.isoformat(), "lastId": self._last_id}
            _atomic_write(self.state_dir / "state.json", orjson.dumps(state))

    def _read(self, name: str) -> Any:
        path = self.state_dir / name if self.state_dir else None
        return orjson.loads(path.read_bytes()) if path and path.exists() else None


def _atomic_write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)
