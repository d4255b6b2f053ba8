"""The dataset registry (``data/sources.yaml``): what each official dataset is, where it comes from,
and where it lives once fetched.

Every dataset has one cache path (its ``mirror_path`` under the sources folder) and one canonical
table there, whether it was copied from the mirror or converted from the publisher's file, so that the
readers in ``geo/`` and ``indicators/`` never need to know which.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hiap_geo.core import settings
from hiap_geo.core.errors import DatasetMissing, HiapGeoError

CHUNK = 1 << 20


class OfficialSource(BaseModel):
    """What the publisher serves: files to download, ArcGIS FeatureServer layers to page through, or
    nothing scriptable (``manual``: registration or an API key; the user imports the file by hand)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["file", "featureserver", "manual"]
    urls: tuple[str, ...] = ()
    note: str | None = None


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
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    size_bytes: int | None = None
    official_format: str | None = None
    attribution: str | None = None
    official: OfficialSource | None = None
    in_mirror: bool = True

    @property
    def optional(self) -> bool:
        """A dataset the mirror lacks (``in_mirror: false``): the app works without it and says what it misses."""
        return not self.in_mirror


class Registry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    datasets: list[Dataset]


def load_registry(path: Path | None = None) -> dict[str, Dataset]:
    """Read and validate the registry; ids must be unique.

    Parsed once per version of the file (its path, size and time): every ``dataset_path`` asks for it, and
    parsing the YAML took about 0.1 s a time on a fresh server's first page. Callers get their own copies.
    """
    path = path or settings.REGISTRY_PATH
    try:
        stat = path.stat()
    except OSError as exc:
        raise HiapGeoError(f"The dataset registry {path} is not valid: {exc}") from exc
    parsed = _parse_registry(path, stat.st_mtime_ns, stat.st_size)
    return {key: ds.model_copy() for key, ds in parsed.items()}


@functools.lru_cache(maxsize=8)
def _parse_registry(path: Path, _mtime_ns: int, _size: int) -> dict[str, Dataset]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        registry = Registry.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise HiapGeoError(f"The dataset registry {path} is not valid: {exc}") from exc
    by_id: dict[str, Dataset] = {}
    for ds in registry.datasets:
        if ds.id in by_id:
            raise HiapGeoError(f"The dataset registry {path} lists '{ds.id}' twice.")
        if ds.in_mirror and ds.sha256 is None:
            raise HiapGeoError(f"The dataset registry {path}: '{ds.id}' is in the mirror but has no sha256.")
        by_id[ds.id] = ds
    return by_id


def local_path(dataset: Dataset) -> Path:
    """Where a dataset lives once fetched."""
    return settings.sources_dir() / dataset.mirror_path


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks (the boundary files are tens of MB)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def dataset_path(dataset_id: str, registry: dict[str, Dataset] | None = None) -> Path:
    """Path of a fetched dataset; raises DatasetMissing (with the command to run) if absent."""
    registry = registry or load_registry()
    if dataset_id not in registry:
        raise HiapGeoError(f"No dataset '{dataset_id}' in the registry {settings.REGISTRY_PATH}.")
    path = local_path(registry[dataset_id])
    if not path.is_file():
        raise DatasetMissing(dataset_id)
    return path


def status_table(registry: dict[str, Dataset] | None = None, verify: bool = True) -> list[dict[str, str]]:
    """One row per dataset for display: what it is, its vintage and licence, and whether it is here."""
    from hiap_geo.acquire.manifest import accepted

    registry = registry or load_registry()
    rows = []
    for ds in registry.values():
        path = local_path(ds)
        record = accepted(ds.id)
        if not path.is_file():
            state = "not in the mirror (optional): see its page" if ds.optional else \
                "missing: run `python -m hiap_geo fetch`"
        elif not verify:
            state = "loaded"
        else:
            digest = sha256_of(path)
            if digest == ds.sha256:
                state = "loaded"
            elif record is not None and record.converted_sha256 == digest:
                state = f"loaded (converted from the official file, {record.accepted_at})"
            else:
                state = "checksum mismatch: run `python -m hiap_geo fetch`"
        rows.append({"status": state, "dataset": ds.title, "vintage": ds.vintage, "licence": ds.licence,
                     "publisher": ds.publisher, "id": ds.id, "page": ds.page})
    return rows
