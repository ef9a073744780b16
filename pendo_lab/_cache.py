"""An on-disk cache for chunked aggregation pulls: one Parquet file per time window.

A file is named by a hash of the window's canonical request and sits in a folder named by a
hash of the base URL and of the integration key's fingerprint, so two subscriptions never
share entries and the key appears in no file name or content. Only windows that ended at least
:data:`SETTLE` ago are stored (Pendo processes events within minutes, so older windows no
longer change); an entry older than the time to live is fetched again. Files are written to
a temporary name and renamed, so a reader never sees half a file.

The folder is ``PENDO_LAB_CACHE_DIR`` when set, else ``pendo_lab`` in the user cache folder
(``~/.cache`` on Linux, ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on Windows).
Delete it to clear the cache.

Example:
    >>> import tempfile
    >>> scope = subscription("https://app.pendo.io", "0a1b2c3d4e5f6a7b")
    >>> cache = WindowCache.open(tempfile.mkdtemp(), scope)
    >>> cache.put([{"source": {"pages": None}}], pl.DataFrame({"id": ["p1"]}))
    >>> cache.get([{"source": {"pages": None}}])["id"].to_list()
    ['p1']
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from ._exceptions import ValidationError

ENV_CACHE_DIR = "PENDO_LAB_CACHE_DIR"
#: How long after a window ends before it is stored (its data has settled).
SETTLE = timedelta(hours=1)
#: The default time to live of an entry.
DEFAULT_TTL = timedelta(days=1)
#: Part of every entry's hash: bump it when what is stored changes meaning.
FORMAT = 1
#: The name prefix of files being written (never read as entries).
TEMPORARY_PREFIX = ".tmp-"


def default_cache_dir() -> Path:
    """``PENDO_LAB_CACHE_DIR``, else ``pendo_lab`` in the platform's user cache folder.

    Example:
        >>> os.environ[ENV_CACHE_DIR] = "/tmp/my-cache"
        >>> str(default_cache_dir())
        '/tmp/my-cache'
        >>> del os.environ[ENV_CACHE_DIR]
    """
    if os.environ.get(ENV_CACHE_DIR):
        return Path(os.environ[ENV_CACHE_DIR]).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "pendo_lab"


def digest(*parts: str | bytes) -> str:
    """A hex SHA-256 of the parts, separated so that ("ab", "c") != ("a", "bc").

    Example:
        >>> digest("a", "bc") == digest("ab", "c")
        False
    """
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big") + data)
    return hasher.hexdigest()


def subscription(base_url: str, key_fingerprint: str) -> str:
    """A name for a subscription that reveals neither its key nor the key's fingerprint
    (``key_fingerprint``: from the client core's ``key_fingerprint()``).

    Example:
        >>> len(subscription("https://app.pendo.io", "0a1b2c3d4e5f6a7b"))
        64
    """
    return digest(base_url, key_fingerprint)


@dataclass(frozen=True)
class WindowCache:
    """Cached window frames under ``folder`` (one subscription's folder), kept for ``ttl``."""

    folder: Path
    ttl: timedelta = DEFAULT_TTL

    @classmethod
    def open(cls, directory: str | os.PathLike | None, scope: str,
             ttl: timedelta = DEFAULT_TTL) -> WindowCache:
        """The cache of one subscription (``scope``, from :func:`subscription`) under
        ``directory`` (``None``: :func:`default_cache_dir`)."""
        if not isinstance(ttl, timedelta) or ttl <= timedelta(0):
            raise ValidationError(f"cache_ttl must be a positive timedelta, got {ttl!r}")
        root = Path(directory).expanduser() if directory is not None else default_cache_dir()
        return cls(root / scope[:32], ttl)

    def path(self, request: Any) -> Path:
        """The file of a request (any JSON value: the window's stages)."""
        canonical = orjson.dumps({"format": FORMAT, "request": request},
                                 option=orjson.OPT_SORT_KEYS)
        return self.folder / f"{digest(canonical)[:40]}.parquet"

    def get(self, request: Any) -> pl.DataFrame | None:
        """The stored frame of ``request``, or None when absent, expired or unreadable."""
        path = self.path(request)
        try:
            if time.time() - path.stat().st_mtime > self.ttl.total_seconds():
                return None
            return pl.read_parquet(path)
        except (OSError, pl.exceptions.PolarsError):
            return None

    def put(self, request: Any, frame: pl.DataFrame) -> None:
        """Store ``frame`` as the result of ``request`` (atomically)."""
        write_atomically(self.path(request), frame.write_parquet)


def is_settled(end_ms: int, now_ms: int) -> bool:
    """Whether a window ending at ``end_ms`` ended at least :data:`SETTLE` before ``now_ms``.

    Example:
        >>> is_settled(0, 3_600_000), is_settled(1, 3_600_000)
        (True, False)
    """
    return end_ms <= now_ms - SETTLE // timedelta(milliseconds=1)


def write_atomically(path: Path, write: Callable[[str], object]) -> None:
    """Call ``write(temporary path)`` for a file beside ``path``, then rename it to ``path``.

    Example:
        >>> folder = Path(tempfile.mkdtemp())
        >>> write_atomically(folder / "a.txt", lambda name: Path(name).write_text("hi"))
        >>> [p.name for p in folder.iterdir()]
        ['a.txt']
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=TEMPORARY_PREFIX,
                                         suffix=path.suffix)
    os.close(handle)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
