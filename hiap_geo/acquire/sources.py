"""The dataset registry and fetching: mirror copy or download, checksum, atomic write.

A fetched file is only ever visible under its final name once its checksum matched, so
an interrupted fetch can never leave a half-written file that looks complete.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

import requests
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hiap_geo.core import settings
from hiap_geo.core.errors import DatasetMissing, FetchError, HiapGeoError
from hiap_geo.core.files import atomic_path

CHUNK = 1 << 20

ProgressFactory = Callable[[str, int | None], "Progress"]


class Dataset(BaseModel):
    """One official dataset: who publishes it, which vintage, where to get it, its checksum."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    publisher: str
    vintage: str
    licence: str
    page: str
    url: str
    mirror_path: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: int | None = None
    official_format: str | None = None
    attribution: str | None = None


class Registry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    datasets: list[Dataset]


def load_registry(path: Path | None = None) -> dict[str, Dataset]:
    """Read and validate the registry; ids must be unique."""
    path = path or settings.REGISTRY_PATH
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        registry = Registry.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise HiapGeoError(f"The dataset registry {path} is not valid: {exc}") from exc
    by_id: dict[str, Dataset] = {}
    for ds in registry.datasets:
        if ds.id in by_id:
            raise HiapGeoError(f"The dataset registry {path} lists '{ds.id}' twice.")
        by_id[ds.id] = ds
    return by_id


def local_path(dataset: Dataset) -> Path:
    """Where a dataset lives once fetched."""
    return settings.sources_dir() / dataset.mirror_path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def is_present(dataset: Dataset) -> bool:
    """True when the fetched file exists and its checksum matches the registry."""
    path = local_path(dataset)
    return path.is_file() and sha256_of(path) == dataset.sha256


def dataset_path(dataset_id: str, registry: dict[str, Dataset] | None = None) -> Path:
    """Path of a fetched dataset; raises DatasetMissing (with the command to run) if absent."""
    registry = registry or load_registry()
    if dataset_id not in registry:
        raise HiapGeoError(f"No dataset '{dataset_id}' in the registry {settings.REGISTRY_PATH}.")
    path = local_path(registry[dataset_id])
    if not path.is_file():
        raise DatasetMissing(dataset_id)
    return path


class Progress:
    """A minimal progress sink; the CLI swaps in tqdm."""

    def update(self, n: int) -> None:  # pragma: no cover - trivial
        pass

    def close(self) -> None:  # pragma: no cover - trivial
        pass


def no_progress(_label: str, _total: int | None) -> Progress:
    return Progress()


def tqdm_progress(label: str, total: int | None) -> Progress:
    """A byte progress bar on stderr."""
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="B", unit_scale=True, leave=False)  # type: ignore[return-value]


@dataclass(frozen=True)
class FetchResult:
    dataset_id: str
    status: Literal["present", "copied", "downloaded"]
    path: Path


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


def fetch(
    dataset: Dataset,
    mirror: Path | None = None,
    progress: ProgressFactory = no_progress,
    timeout: float = 60.0,
) -> FetchResult:
    """Make ``dataset`` present and valid in the cache, from ``mirror`` or by download."""
    final = local_path(dataset)
    if final.is_file() and sha256_of(final) == dataset.sha256:
        return FetchResult(dataset.id, "present", final)

    with atomic_path(final) as tmp, tmp.open("wb") as out:
        bar = progress(dataset.id, dataset.size_bytes)
        try:
            if mirror is not None:
                status: Literal["copied", "downloaded"] = "copied"
                size, digest = _copy_from_mirror(dataset, mirror, out, bar)
            else:
                status = "downloaded"
                size, digest = _download(dataset, out, bar, timeout)
        finally:
            bar.close()
        if digest != dataset.sha256:
            where = f"mirror {mirror}" if mirror is not None else dataset.url
            hint = f" The official file is {dataset.official_format}." if dataset.official_format else ""
            raise FetchError(
                f"Dataset '{dataset.id}': checksum mismatch for the file from {where} "
                f"(expected {dataset.sha256[:12]}..., got {digest[:12]}..., {size} bytes). "
                f"Nothing was saved.{hint}"
            )
    return FetchResult(dataset.id, status, final)


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
) -> list[FetchResult]:
    """Fetch every dataset (or those in ``only``); stop at the first failure with its message."""
    registry = registry or load_registry()
    wanted = list(only) if only else list(registry)
    unknown = [d for d in wanted if d not in registry]
    if unknown:
        raise HiapGeoError(f"Unknown dataset id(s): {', '.join(unknown)}. Known: {', '.join(registry)}.")
    return [fetch(registry[d], mirror=mirror, progress=progress) for d in wanted]


def missing_datasets(registry: dict[str, Dataset] | None = None) -> list[str]:
    """Ids of datasets not present in the cache (existence only; ``fetch`` checks sums)."""
    registry = registry or load_registry()
    return [d for d, ds in registry.items() if not local_path(ds).is_file()]


def status_table(registry: dict[str, Dataset] | None = None, verify: bool = True) -> list[dict[str, str]]:
    """One row per dataset for display: what it is, its vintage and licence, and whether it is here."""
    registry = registry or load_registry()
    rows = []
    for ds in registry.values():
        path = local_path(ds)
        if not path.is_file():
            state = "missing: run `python -m hiap_geo fetch`"
        elif verify and sha256_of(path) != ds.sha256:
            state = "checksum mismatch: run `python -m hiap_geo fetch`"
        else:
            state = "loaded"
        rows.append({"status": state, "dataset": ds.title, "vintage": ds.vintage, "licence": ds.licence,
                     "publisher": ds.publisher, "id": ds.id, "page": ds.page})
    return rows
