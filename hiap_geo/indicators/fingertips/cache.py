"""Fingertips answers kept on disk with the request and the time they were fetched, because the API is only
reachable online. A copy that is missing, torn or damaged counts as absent, never as an error."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from hiap_geo.core import settings
from hiap_geo.core.files import write_bytes_atomic

log = logging.getLogger(__name__)


def cache_root() -> Path:
    """Where Fingertips answers are kept (under the project cache, ``HIAP_CACHE_DIR``)."""
    return settings.cache_dir() / "fingertips"


Queries = Mapping[str, tuple[str, Mapping[str, str]]]


def cache_key(label: str, queries: Queries) -> str:
    """A folder name for a set of queries; the base address is left out so a copy serves any mirror."""
    canonical = json.dumps({k: [p, sorted(v.items())] for k, (p, v) in sorted(queries.items())})
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:60]
    return f"{slug}-{hashlib.sha256(canonical.encode()).hexdigest()[:12]}"


def save(key: str, queries: Queries, base_url: str, bodies: dict[str, bytes], fetched_at: datetime) -> None:
    """Write each answer, then the record naming them with their checksums (written last, so a torn write
    leaves either the old consistent entry or a record whose checksums no longer match)."""
    folder = cache_root() / key
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in bodies.items():
        write_bytes_atomic(folder / f"{name}.csv", body)
    record = {
        "fetched_at": fetched_at.isoformat(),
        "base_url": base_url,
        "queries": {k: {"path": p, "params": dict(v)} for k, (p, v) in queries.items()},
        "sha256": {name: hashlib.sha256(body).hexdigest() for name, body in bodies.items()},
    }
    write_bytes_atomic(folder / "request.json", json.dumps(record, indent=2).encode())


def load(key: str, names: list[str]) -> tuple[dict[str, bytes], datetime, str] | None:
    """The cached answers, their fetch time and base address, or None when no intact copy exists."""
    folder = cache_root() / key
    try:
        record = json.loads((folder / "request.json").read_text(encoding="utf-8"))
        bodies = {name: (folder / f"{name}.csv").read_bytes() for name in names}
        checksums = record["sha256"]
        fetched_at = datetime.fromisoformat(record["fetched_at"])
        intact = all(hashlib.sha256(bodies[n]).hexdigest() == checksums.get(n) for n in names)
    except FileNotFoundError:
        log.debug("Fingertips cache miss: %s", key)
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("Fingertips cache copy %s is damaged (%s); treated as absent", key, type(exc).__name__)
        return None
    if not intact:
        log.warning("Fingertips cache copy %s does not match its checksums; treated as absent", key)
        return None
    log.debug("Fingertips cache hit: %s (fetched %s)", key, fetched_at.isoformat())
    return bodies, fetched_at, str(record.get("base_url", ""))
