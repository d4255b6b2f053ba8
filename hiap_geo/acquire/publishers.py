"""From the publishers' files to the cache: download (or take the user's files), convert, validate, record.

The canonical table is written through ``atomic_path``: a file that fails its content check, or a
conversion that stops half-way, leaves the cache exactly as it was.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from pathlib import Path

from hiap_geo.acquire import manifest
from hiap_geo.acquire.common import FetchResult, Status
from hiap_geo.acquire.convert import converters
from hiap_geo.acquire.http import ProgressFactory, download, layer_name, query_featureserver
from hiap_geo.acquire.registry import Dataset, local_path, sha256_of
from hiap_geo.acquire.sniff import sniff
from hiap_geo.core.errors import DatasetMissing, FetchError
from hiap_geo.core.files import atomic_path


class ManualDownloadNeeded(FetchError):
    """The publisher offers no scripted download (registration or an API key): a person must fetch the file."""

    def __init__(self, dataset: Dataset):
        why = dataset.official.note if dataset.official and dataset.official.note else "no scripted download"
        super().__init__(
            f"Dataset '{dataset.id}' cannot be downloaded automatically ({why}). Download it from "
            f"{dataset.page} and run `python -m hiap_geo fetch --from <folder>`."
        )
        self.dataset_id = dataset.id


def _download_name(url: str, index: int) -> str:
    name = url.rstrip("/").rsplit("/", 1)[-1].split("?")[0] or f"file{index}"
    return name if "FeatureServer" not in url else f"{layer_name(url)}.geojson"


def obtain(dataset: Dataset, downloads: Path, progress: ProgressFactory) -> FetchResult:
    """Download a dataset's official files (once per run for files several datasets share), convert them."""
    official = dataset.official
    if official is None or official.kind == "manual":
        return FetchResult(dataset.id, "manual", local_path(dataset), str(ManualDownloadNeeded(dataset)))
    files, records = [], []
    for index, url in enumerate(official.urls):
        name = _download_name(url, index)
        target = downloads / f"{hashlib.sha1(url.encode()).hexdigest()[:10]}-{name}"
        if target.is_file():  # another dataset of this run downloaded it already
            record = manifest.OfficialFile(name, sha256_of(target), url, target.stat().st_size)
        elif official.kind == "featureserver":
            record = query_featureserver(url, target, f"{dataset.id} ({layer_name(url)})", progress)
        else:
            record = download(url, target, f"{dataset.id} ({name})", progress)
        files.append(target)
        records.append(record)
    previous = manifest.accepted(dataset.id)
    note = ""
    if previous and {f.sha256 for f in previous.files} != {r.sha256 for r in records}:
        note = (f"the publisher now serves a different file than the one accepted on {previous.accepted_at}; "
                "validated again")
    return convert_files(dataset, files, records, status="converted", note=note)


def convert_files(dataset: Dataset, files: Sequence[Path], records: Sequence[manifest.OfficialFile],
                  status: Status = "converted", note: str = "") -> FetchResult:
    """Convert official ``files`` (in the converter's part order) into the dataset's canonical table."""
    converter = converters().get(dataset.id)
    if converter is None:
        raise FetchError(f"Dataset '{dataset.id}' has no converter from its official files.")
    missing_needs = [n for n in converter.needs if not _present(n)]
    if missing_needs:
        raise FetchError(f"Dataset '{dataset.id}' needs {', '.join(missing_needs)} first (its codes come from "
                         "there): fetch or import that dataset, then this one.")
    final = local_path(dataset)
    sniffed = [sniff(path) for path in files]
    with atomic_path(final) as tmp:
        converter.build(sniffed, tmp, dataset.id)
        if not tmp.is_file():
            raise FetchError(f"Dataset '{dataset.id}': the conversion wrote nothing; nothing was saved.")
        digest = sha256_of(tmp)
    manifest.record(manifest.Accepted(dataset.id, list(records), digest, time.strftime("%Y-%m-%d %H:%M:%S")))
    return FetchResult(dataset.id, status, final, note)


def _present(dataset_id: str) -> bool:
    from hiap_geo.acquire.registry import dataset_path

    try:
        dataset_path(dataset_id)
    except DatasetMissing:
        return False
    return True
