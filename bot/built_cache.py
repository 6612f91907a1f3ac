"""Things built from the project's data that take seconds to build, kept in models/ under
a hash of everything they are built from: `make train` builds them once, and every server,
tool and test that loads them afterwards reads the file instead of building again.

A file whose hash no longer matches is never read (its name differs); a stale, broken or
missing one is built again, and kept when models/ is writable (a read-only models/ still
works, building at each start).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def content_hash(*parts) -> str:
    """A short hash of JSON-serialisable parts (texts, settings, file contents as text)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def cached(
    cache_dir: Path | None,
    name: str,
    key: str,
    suffix: str,
    build: Callable[[], T],
    read: Callable[[Path], T | None],
    write: Callable[[T, Path], None],
) -> T:
    """`read` of cache_dir/`name`-`key``suffix` if it is there and gives something (not
    None), else `build()`, written there with `write` (atomically: another process may be
    reading; the older `name`-* files are removed)."""
    if cache_dir is None:
        return build()
    path = Path(cache_dir) / f"{name}-{key}{suffix}"
    if path.exists():
        try:
            found = read(path)
        except Exception:  # a stale or broken file: build again below
            found = None
        if found is not None:
            return found
    built = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(f"{name}-*{suffix}"):
            old.unlink(missing_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        write(built, temporary)
        temporary.replace(path)
    except OSError:
        pass  # read-only: built again at the next start
    return built
