"""Shared helpers for the engine tests: a tiny resolver over hand-built frames."""

from __future__ import annotations

import polars as pl
import pytest

from pendo_lab.engine import EngineContext, SourceSpec


class Tables:
    """Named frames served to the engine (rows with a ``day`` cut to the spec's window),
    remembering every SourceSpec asked for."""

    def __init__(self, **frames: pl.DataFrame):
        self.frames = frames
        self.calls: list[SourceSpec] = []

    def __call__(self, spec: SourceSpec) -> pl.DataFrame:
        self.calls.append(spec)
        frame = self.frames[spec.name]
        if spec.window is None or "day" not in frame.columns:
            return frame
        return frame.filter(
            pl.col("day").is_between(spec.window.start_ms, spec.window.end_ms, closed="left")
        )

    def context(self, **kwargs) -> EngineContext:
        return EngineContext(resolve_source=self, **kwargs)


@pytest.fixture
def tables():
    return Tables
