"""Small helpers shared by the sandbox generator modules.

Example:
    >>> rng = stage_rng(0, "visitors")
    >>> random_ids(rng, 2, 5).len()
    2
"""

from __future__ import annotations

import zlib

import numpy as np
import polars as pl

from ._synth_catalog import PENDO_USERS

DAY_MS = 86_400_000
MINUTE_MS = 60_000

_ALPHABET = np.frombuffer(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", dtype=np.uint8
)


def stage_rng(seed: int, stage: str) -> np.random.Generator:
    """An independent random generator for one stage of the build, fixed by seed and stage name.

    Stages draw from their own streams, so changing how one stage draws leaves the others alone.

    Example:
        >>> stage_rng(1, "a").random() == stage_rng(1, "a").random() != stage_rng(1, "b").random()
        True
    """
    return np.random.default_rng([seed, zlib.crc32(stage.encode())])


def random_ids(rng: np.random.Generator, n: int, length: int = 22,
               alphabet_size: int = 64) -> pl.Series:
    """``n`` random ids of ``length`` URL-safe characters (the first ``alphabet_size`` of them).

    Example:
        >>> random_ids(stage_rng(0, "x"), 3, 8, alphabet_size=62).str.len_chars().to_list()
        [8, 8, 8]
    """
    codes = _ALPHABET[rng.integers(0, alphabet_size, (n, length))].astype(np.uint32)
    return pl.Series(np.ascontiguousarray(codes).view(f"<U{length}").ravel(), dtype=pl.String)


def pendo_user(index: int) -> dict:
    """The ``createdByUser`` / ``lastUpdatedByUser`` object of one of the catalogue's Pendo users.

    Example:
        >>> pendo_user(0)["first"]
        'Priya'
    """
    first, last, email = PENDO_USERS[index % len(PENDO_USERS)]
    return {"first": first, "id": f"user-{index % len(PENDO_USERS) + 1}", "last": last,
            "role": 8 if index % len(PENDO_USERS) == 0 else 1, "username": email}


def object_fields(kind: str, object_id: str, created_ms: int, updated_ms: int, author: int) -> dict:
    """The attributes every Pendo object shares (kind, versions, who and when).

    Example:
        >>> sorted(object_fields("Page", "p1", 0, 5, 1))[:3]
        ['createdAt', 'createdByUser', 'id']
    """
    return {"id": object_id, "kind": kind, "createdAt": created_ms,
            "createdByUser": pendo_user(author), "lastUpdatedAt": updated_ms,
            "lastUpdatedByUser": pendo_user(author + 1), "rootVersionId": object_id,
            "stableVersionId": f"{object_id}-{updated_ms}"}


def pick(rng: np.random.Generator, weights, size: int) -> np.ndarray:
    """Indices drawn with probability proportional to ``weights``.

    Example:
        >>> set(pick(stage_rng(0, "p"), [0, 1, 0], 5).tolist())
        {1}
    """
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def masked(mask, values) -> pl.Series:
    """``values`` where ``mask`` holds, null elsewhere.

    Example:
        >>> masked([True, False], [1, 2]).to_list()
        [1, None]
    """
    return pl.select(pl.when(pl.Series(mask, dtype=pl.Boolean)).then(pl.Series(values))).to_series()


def stack(frames, schema: dict) -> pl.DataFrame:
    """``frames`` one under another, with exactly ``schema``'s columns and types: a column a frame
    lacks is null there, and no frames at all give an empty frame of that schema.

    Declaring the schema keeps the result's types independent of how many rows (or frames)
    there are; Polars types an empty or all-null column as ``Null`` otherwise.

    Example:
        >>> schema = {"a": pl.Int64, "b": pl.String}
        >>> stack([pl.DataFrame({"a": [1]}), pl.DataFrame({"b": ["x"]})], schema).rows()
        [(1, None), (None, 'x')]
        >>> stack([], schema).schema == pl.Schema(schema)
        True
    """
    return pl.concat([pl.DataFrame(schema=schema), *(
        frame.select(pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype)
                     .alias(name) for name, dtype in schema.items())
        for frame in frames)])


def strings(values, index) -> pl.Series:
    """``values[i]`` for each index ``i`` (null where the index is null).

    Example:
        >>> strings(["a", "b"], [1, None, 0]).to_list()
        ['b', None, 'a']
    """
    return pl.Series(list(values), dtype=pl.String).gather(index)
