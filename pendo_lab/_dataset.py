"""A Parquet dataset written window by window, resumable after an interruption.

The folder holds one ``part-<start ms>-<end ms>.parquet`` per time window and a
``manifest.json`` naming the pull (a hash of the subscription, the request and the chunk),
its windows and those done. Each part is written to a temporary file and renamed, then
recorded in the manifest (also replaced atomically). After an interruption the same call
carries on with the windows not recorded: a part written but not yet recorded is simply
written again under the same name, so no row is lost or duplicated. The windows are those of
the first run, even when the request's times are relative (``now()``).

Example:
    >>> import tempfile
    >>> from pendo_lab.engine import TimeWindow
    >>> folder = Path(tempfile.mkdtemp()) / "pull"
    >>> WindowDataset.resume(folder, "pull-id") is None
    True
    >>> dataset = WindowDataset.create(folder, "pull-id", {"request": "..."},
    ...                                [TimeWindow(0, 10, "dayRange")])
    >>> dataset.todo()
    [TimeWindow(start_ms=0, end_ms=10, period='dayRange')]
    >>> dataset.write(dataset.todo()[0], pl.DataFrame({"n": [1]}))
    >>> WindowDataset.resume(folder, "pull-id").todo(), dataset.scan().collect()["n"].to_list()
    ([], [1])
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from ._cache import TEMPORARY_PREFIX, write_atomically
from ._exceptions import ValidationError
from .engine import TimeWindow

MANIFEST = "manifest.json"
FORMAT = 1


class WindowDataset:
    """The parts and manifest of one pull in ``folder`` (see the module doc)."""

    def __init__(self, folder: Path, manifest: dict):
        self.folder = folder
        self.manifest = manifest
        self._lock = threading.Lock()

    @classmethod
    def resume(cls, folder: str | Path, pull: str) -> WindowDataset | None:
        """The dataset of pull ``pull`` in ``folder``, or None when the folder is new or empty;
        a folder holding another pull, or other files, is refused."""
        folder = Path(folder).expanduser()
        path = folder / MANIFEST
        if path.exists():
            manifest = orjson.loads(path.read_bytes())
            if manifest.get("pull") != pull:
                raise ValidationError(
                    f"{folder} holds a different pull (another request, chunk or subscription): "
                    f"choose a new path or delete that folder")
            for leftover in folder.glob(TEMPORARY_PREFIX + "*"):
                leftover.unlink()
            return cls(folder, manifest)
        if folder.exists() and any(folder.iterdir()):
            raise ValidationError(f"{folder} is not empty and has no {MANIFEST}: choose a new "
                                  f"path for the dataset")
        return None

    @classmethod
    def create(cls, folder: str | Path, pull: str, about: dict[str, Any],
               windows: list[TimeWindow]) -> WindowDataset:
        """A new dataset of pull ``pull`` over ``windows``; ``about`` (JSON, no secrets) is
        kept in the manifest for people reading it."""
        manifest = {"format": FORMAT, "pull": pull, **about,
                    "windows": [[w.start_ms, w.end_ms, w.period] for w in windows], "done": []}
        dataset = cls(Path(folder).expanduser(), manifest)
        dataset._save()
        return dataset

    @property
    def windows(self) -> list[TimeWindow]:
        """Every window of the pull, in time order."""
        return [TimeWindow(*window) for window in self.manifest["windows"]]

    def todo(self) -> list[TimeWindow]:
        """The windows not written yet."""
        done = {tuple(window) for window in self.manifest["done"]}
        return [w for w in self.windows if (w.start_ms, w.end_ms) not in done]

    def part(self, window: TimeWindow) -> Path:
        """The file of a window."""
        return self.folder / f"part-{window.start_ms}-{window.end_ms}.parquet"

    def write(self, window: TimeWindow, frame: pl.DataFrame) -> None:
        """Write a window's rows, then record it as done (safe from several threads)."""
        write_atomically(self.part(window), frame.write_parquet)
        with self._lock:
            self.manifest["done"].append([window.start_ms, window.end_ms])
            self._save()

    def scan(self) -> pl.LazyFrame:
        """All parts written so far as one LazyFrame, in time order (parts whose columns
        differ, say a field no row of one window had, are aligned by name)."""
        todo = set(self.todo())
        parts = [pl.scan_parquet(self.part(w)) for w in self.windows if w not in todo]
        return pl.concat(parts, how="diagonal_relaxed") if parts else pl.LazyFrame()

    def _save(self) -> None:
        data = orjson.dumps(self.manifest, option=orjson.OPT_INDENT_2)
        write_atomically(self.folder / MANIFEST, lambda name: Path(name).write_bytes(data))
