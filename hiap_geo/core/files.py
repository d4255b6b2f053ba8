"""Atomic writes: a reader (another session, a killed process's successor) never sees half a file."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """A temporary path beside ``final`` to write to; renamed over ``final`` only if the block succeeds.

    The temporary file ends in ``.part`` and is removed on any error, so a failed write leaves
    the old file (or nothing) in place.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(final)
    # A fresh unique name, not mkstemp: the file is created by the writer, so it gets the user's usual permissions.
    tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex}.part")
    try:
        yield tmp
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes_atomic(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` atomically."""
    with atomic_path(path) as tmp, tmp.open("wb") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


STALE_AFTER_S: float = 600.0
"""A temporary file untouched this long belongs to a writer that was killed (a live one keeps writing)."""


def remove_stale_parts(final: Path) -> list[Path]:
    """Remove temporary files that a killed writer of ``final`` left behind (SIGKILL runs no cleanup)."""
    removed = []
    now = time.time()
    for part in final.parent.glob(f".{final.name}.*.part"):
        try:
            if now - part.stat().st_mtime > STALE_AFTER_S:
                part.unlink()
                removed.append(part)
        except OSError:
            continue  # another process removed it first
    return removed
