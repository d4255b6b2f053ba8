"""The record of accepted official files: which publisher file each converted dataset came from.

A JSON file beside the fetched sources. It lets ``fetch`` recognise a converted table as present
(its checksum differs from the mirror copy's by design) and notice when a publisher starts serving a
different file than the one accepted before, so that the user is told and the file validated again.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from hiap_geo.core import settings
from hiap_geo.core.files import write_text_atomic

MANIFEST_NAME = "official-files.json"


@dataclass(frozen=True)
class OfficialFile:
    """One file as the publisher served it (or the user supplied it)."""

    name: str
    sha256: str
    source: str
    size_bytes: int


@dataclass(frozen=True)
class Accepted:
    """A dataset converted from official files and validated: what went in, what came out, when."""

    dataset_id: str
    files: list[OfficialFile] = field(default_factory=list)
    converted_sha256: str = ""
    accepted_at: str = ""


def manifest_path() -> Path:
    return settings.sources_dir() / MANIFEST_NAME


def _read() -> dict[str, dict]:
    path = manifest_path()
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # a damaged record only means the datasets are converted again
    return data if isinstance(data, dict) else {}


def accepted(dataset_id: str) -> Accepted | None:
    """The record for a dataset, or None when it was never converted from an official file."""
    raw = _read().get(dataset_id)
    if not isinstance(raw, dict):
        return None
    try:
        files = [OfficialFile(**f) for f in raw.get("files", [])]
        return Accepted(dataset_id, files, str(raw.get("converted_sha256", "")), str(raw.get("accepted_at", "")))
    except TypeError:
        return None


def record(entry: Accepted) -> None:
    """Add or replace a dataset's record (atomically: a reader never sees half the file)."""
    data = _read()
    data[entry.dataset_id] = asdict(entry)
    write_text_atomic(manifest_path(), json.dumps(data, indent=2, sort_keys=True) + "\n")


def forget(dataset_id: str) -> None:
    """Drop a dataset's record (it was replaced by a mirror copy)."""
    data = _read()
    if data.pop(dataset_id, None) is not None:
        write_text_atomic(manifest_path(), json.dumps(data, indent=2, sort_keys=True) + "\n")
