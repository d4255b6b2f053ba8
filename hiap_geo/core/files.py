"""Atomic writes: a reader (another session, a killed process's successor) never sees half a file. Bounded
reads: a file a user names is read only if it is a regular file, and never past a limit."""

from __future__ import annotations

import errno
import os
import stat
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


class NotRegularFile(OSError):
    """A path that is a pipe (FIFO), a device, a socket or a folder: reading it could wait forever or never end."""

    def __init__(self, path: Path, mode: int):
        kind = ("a folder" if stat.S_ISDIR(mode) else "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "not a regular file")
        super().__init__(errno.EINVAL, f"it is {kind}, not a file; name a file saved on disk", str(path))


def regular_file_size(path: Path) -> int:
    """The size of ``path``, checked to be a regular file (links followed) before anything opens it:
    opening a FIFO waits for a writer that may never come, and a device never ends."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise NotRegularFile(path, info.st_mode)
    return info.st_size


def read_regular(path: Path, max_bytes: int) -> bytes:
    """At most ``max_bytes + 1`` bytes of the regular file ``path`` (one more than the limit, so the caller
    can tell that it was passed); :class:`NotRegularFile` for anything else, checked again once opened
    (without blocking) in case the path was swapped since it was looked at."""
    regular_file_size(path)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(path, mode)
        os.set_blocking(fd, True)
        return handle.read(max_bytes + 1)
