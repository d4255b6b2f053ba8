"""Fetching: a mirror copy (checksummed), or the publishers' files converted into the canonical tables.

A fetched file is only ever visible under its final name once it is complete and checked (a checksum for
a mirror copy, a content check for a converted official file), so an interrupted fetch can never leave a
half-written file that looks complete.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import requests

from hiap_geo.acquire import manifest
from hiap_geo.acquire.common import FetchResult
from hiap_geo.acquire.http import ProgressFactory
from hiap_geo.acquire.publishers import obtain
from hiap_geo.acquire.registry import CHUNK, Dataset, load_registry, local_path, sha256_of
from hiap_geo.core.errors import FetchError, HiapGeoError
from hiap_geo.core.files import atomic_path


class Progress:
    """A minimal progress sink; the CLI swaps in tqdm."""

    def update(self, n: int) -> None:  # pragma: no cover - trivial
        pass

    def close(self) -> None:  # pragma: no cover - trivial
        pass


def no_progress(_label: str, _total: int | None) -> Progress:
    return Progress()


def tqdm_progress(label: str, total: int | None) -> Progress:
    """A byte progress bar on stderr, one per file."""
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="B", unit_scale=True, leave=False)  # type: ignore[return-value]


def is_current(dataset: Dataset) -> bool:
    """True when the cached file is the mirror copy (registry checksum) or a converted official file the
    manifest records."""
    path = local_path(dataset)
    if not path.is_file():
        return False
    digest = sha256_of(path)
    if digest == dataset.sha256:
        return True
    record = manifest.accepted(dataset.id)
    return record is not None and record.converted_sha256 == digest


def fetch(
    dataset: Dataset,
    mirror: Path | None = None,
    progress: ProgressFactory = no_progress,
    timeout: float = 60.0,
    refresh: bool = False,
    downloads: Path | None = None,
) -> FetchResult:
    """Make ``dataset`` present and valid in the cache: copied from ``mirror``, or from its publisher.

    ``refresh`` downloads the official files again even when a converted table is present (the user is
    told when the publisher now serves a different file). ``downloads`` is a folder shared by one run, so
    a file that serves several datasets is downloaded once.
    """
    final = local_path(dataset)
    if mirror is not None:
        if final.is_file() and sha256_of(final) == dataset.sha256:
            return FetchResult(dataset.id, "present", final)
        if dataset.optional and not (mirror / dataset.mirror_path).is_file():
            return FetchResult(dataset.id, "absent", final, f"not in the mirror: get it from {dataset.page}")
        return _copy(dataset, mirror, progress, final)
    if not refresh and is_current(dataset):
        return FetchResult(dataset.id, "present", final)
    if dataset.official is None:
        return _download_exact(dataset, progress, timeout, final)
    if downloads is not None:
        return obtain(dataset, downloads, progress)
    with tempfile.TemporaryDirectory(prefix=".downloads-", dir=_scratch_parent()) as tmp:
        return obtain(dataset, Path(tmp), progress)


def _scratch_parent() -> Path:
    """Downloads are kept beside the cache (same disk, not /tmp, which may be small)."""
    from hiap_geo.core import settings

    parent = settings.sources_dir()
    parent.mkdir(parents=True, exist_ok=True)
    return parent


def _write_checked(dataset: Dataset, progress: ProgressFactory, final: Path, origin: str,
                   write: Callable[[BinaryIO, Progress], tuple[int, str]]) -> None:
    """Write the dataset's file through ``write`` (which returns size and SHA-256) and keep it only when its
    checksum is the registry's: a reader never sees a wrong or half file."""
    with atomic_path(final) as tmp, tmp.open("wb") as out:
        bar = progress(dataset.id, dataset.size_bytes)
        try:
            size, digest = write(out, bar)
        finally:
            bar.close()
        if digest != dataset.sha256:
            hint = f" The official file is {dataset.official_format}." if dataset.official_format else ""
            raise FetchError(
                f"Dataset '{dataset.id}': checksum mismatch for the file from {origin} "
                f"(expected {(dataset.sha256 or '')[:12]}..., got {digest[:12]}..., {size} bytes). "
                f"Nothing was saved.{hint}"
            )


def _copy(dataset: Dataset, mirror: Path, progress: ProgressFactory, final: Path) -> FetchResult:
    _write_checked(dataset, progress, final, f"mirror {mirror}",
                   lambda out, bar: _copy_from_mirror(dataset, mirror, out, bar))
    manifest.forget(dataset.id)
    return FetchResult(dataset.id, "copied", final)


def _download_exact(dataset: Dataset, progress: ProgressFactory, timeout: float, final: Path) -> FetchResult:
    """A dataset whose published file is the canonical file itself: download and compare checksums."""
    _write_checked(dataset, progress, final, str(dataset.url),
                   lambda out, bar: _download(dataset, out, bar, timeout))
    return FetchResult(dataset.id, "downloaded", final)


def _copy_stream(src: Iterable[bytes], dst: BinaryIO, progress: Progress) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    for block in src:
        dst.write(block)
        digest.update(block)
        size += len(block)
        progress.update(len(block))
    dst.flush()
    os.fsync(dst.fileno())
    return size, digest.hexdigest()


def _read_chunks(fh: BinaryIO) -> Iterator[bytes]:
    yield from iter(lambda: fh.read(CHUNK), b"")


def _copy_from_mirror(dataset: Dataset, mirror: Path, out: BinaryIO, bar: Progress) -> tuple[int, str]:
    source = mirror / dataset.mirror_path
    if not source.is_file():
        raise FetchError(
            f"Dataset '{dataset.id}': {source} is not in the mirror {mirror}. "
            "Check HIAP_DATA_MIRROR, or unset it to download from the publisher."
        )
    try:
        with source.open("rb") as fh:
            return _copy_stream(_read_chunks(fh), out, bar)
    except OSError as exc:
        raise FetchError(f"Dataset '{dataset.id}': could not read {source}: {exc}") from exc


def _download(dataset: Dataset, out: BinaryIO, bar: Progress, timeout: float) -> tuple[int, str]:
    try:
        with requests.get(dataset.url, stream=True, timeout=timeout) as response:
            response.raise_for_status()
            expected = response.headers.get("Content-Length")
            size, digest = _copy_stream(response.iter_content(CHUNK), out, bar)
    except requests.RequestException as exc:
        raise FetchError(
            f"Dataset '{dataset.id}': download from {dataset.url} failed: {exc}. Nothing was saved. "
            "Check the connection, or set HIAP_DATA_MIRROR=<folder> to copy from a local mirror."
        ) from exc
    if expected is not None and int(expected) != size:
        raise FetchError(
            f"Dataset '{dataset.id}': the connection closed after {size} of {expected} bytes "
            f"from {dataset.url}. Nothing was saved; run fetch again."
        )
    return size, digest


def fetch_all(
    registry: dict[str, Dataset] | None = None,
    mirror: Path | None = None,
    only: Iterable[str] | None = None,
    progress: ProgressFactory = no_progress,
    refresh: bool = False,
) -> list[FetchResult]:
    """Fetch every dataset (or those in ``only``); stop at the first failure with its message.

    Datasets that only a person can download (registration, API key) come back as ``manual`` with the
    page to get them from, rather than stopping the others.
    """
    registry = registry or load_registry()
    wanted = list(only) if only else list(registry)
    unknown = [d for d in wanted if d not in registry]
    if unknown:
        raise HiapGeoError(f"Unknown dataset id(s): {', '.join(unknown)}. Known: {', '.join(registry)}.")
    if mirror is not None:
        return [fetch(registry[d], mirror=mirror, progress=progress) for d in wanted]
    with tempfile.TemporaryDirectory(prefix=".downloads-", dir=_scratch_parent()) as tmp:
        return [fetch(registry[d], progress=progress, refresh=refresh, downloads=Path(tmp)) for d in wanted]
