"""Downloads from the publishers: retries with backoff, timeouts, a progress bar, atomic files.

Transient failures (429 and 5xx, dropped connections) are retried by a urllib3 ``Retry`` adapter with a
bounded number of tries; anything else is one clear message. A file appears under its final name only
once it is complete, so a killed or failed download leaves nothing behind, and running again restarts it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from hiap_geo.acquire.manifest import OfficialFile
from hiap_geo.core import settings
from hiap_geo.core.errors import FetchError
from hiap_geo.core.files import atomic_path
from hiap_geo.core.limits import MAX_FEATURE_PAGES

log = logging.getLogger(__name__)

CHUNK = 1 << 20
CONNECT_TIMEOUT_S = 15.0
READ_TIMEOUT_S = 120.0
RETRIES = 4
BACKOFF_FACTOR = 1.0
"""Seconds: urllib3 waits about factor x 2^n between tries (1, 2, 4 s); tests make it small."""
RETRY_STATUSES = (429, 500, 502, 503, 504)
PAGE_SIZE = 2000
"""Features per FeatureServer page: the ONS portal's usual maximum record count."""


class Bar(Protocol):
    def update(self, n: int) -> object: ...
    def close(self) -> object: ...


ProgressFactory = Callable[[str, "int | None"], Bar]


def session() -> requests.Session:
    """A session that retries transient failures (connect, read and 429/5xx answers) with backoff."""
    retry = Retry(total=RETRIES, connect=RETRIES, read=RETRIES, status=RETRIES, backoff_factor=BACKOFF_FACTOR,
                  status_forcelist=RETRY_STATUSES, allowed_methods=frozenset({"GET"}), raise_on_status=True,
                  respect_retry_after_header=True)
    http = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    http.mount("https://", adapter)
    http.mount("http://", adapter)
    http.headers["User-Agent"] = "hiap-geo (official open data fetch)"
    return http


def publisher_url(url: str) -> str:
    """The address to use for an official URL: as published, or on ``HIAP_PUBLISHER_BASE_URL`` (a proxy or
    the tests' local publisher), keeping path and query."""
    base = settings.publisher_base_url()
    if not base:
        return url
    target = urlsplit(base)
    parts = urlsplit(url)
    return urlunsplit((target.scheme, target.netloc, target.path.rstrip("/") + parts.path, parts.query, ""))


def _failure(label: str, url: str, exc: Exception) -> FetchError:
    log.warning("%s: download from %s failed after retries: %s", label, url, type(exc).__name__)
    reason = str(exc)
    if isinstance(exc, requests.exceptions.RetryError) or "too many 5" in reason.lower():
        reason = f"the publisher kept answering with an error after {RETRIES + 1} tries ({exc})"
    elif isinstance(exc, requests.exceptions.Timeout):
        reason = f"no answer within {READ_TIMEOUT_S:.0f} s"
    return FetchError(
        f"{label}: download from {url} failed: {reason}. Nothing was saved. Check the connection and run "
        "`python -m hiap_geo fetch` again, or download the file in a browser and use `fetch --from <folder>`."
    )


def download(url: str, dest: Path, label: str, progress: ProgressFactory) -> OfficialFile:
    """Download ``url`` to ``dest`` (atomic), with a progress bar; return its name, checksum and size."""
    address = publisher_url(url)
    log.info("%s: downloading %s", label, address)
    digest = hashlib.sha256()
    size = 0
    try:
        with session() as http, http.get(address, stream=True,
                                         timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S)) as response:
            response.raise_for_status()
            expected = response.headers.get("Content-Length")
            with atomic_path(dest) as tmp, tmp.open("wb") as out:
                bar = progress(label, int(expected) if expected and expected.isdigit() else None)
                try:
                    for block in response.iter_content(CHUNK):
                        out.write(block)
                        digest.update(block)
                        size += len(block)
                        bar.update(len(block))
                finally:
                    bar.close()
                if expected is not None and expected.isdigit() and int(expected) != size:
                    raise FetchError(f"{label}: the connection closed after {size} of {expected} bytes from "
                                     f"{address}. Nothing was saved; run fetch again.")
                out.flush()
                os.fsync(out.fileno())
    except requests.RequestException as exc:
        raise _failure(label, address, exc) from exc
    log.info("%s: %d bytes downloaded", label, size)
    return OfficialFile(name=Path(urlsplit(url).path).name or dest.name, sha256=digest.hexdigest(),
                        source=url, size_bytes=size)


def layer_name(layer_url: str) -> str:
    """The service name of a FeatureServer layer address (what the portal calls the dataset)."""
    parts = urlsplit(layer_url).path.rstrip("/").split("/")
    return parts[parts.index("FeatureServer") - 1] if "FeatureServer" in parts[1:] else parts[-1]


def _page(http: requests.Session, layer: str, offset: int, label: str) -> dict[str, Any]:
    query = {"where": "1=1", "outFields": "*", "outSR": "4326", "f": "geojson",
             "resultOffset": str(offset), "resultRecordCount": str(PAGE_SIZE)}
    address = f"{layer.rstrip('/')}/query?{urlencode(query)}"
    try:
        response = http.get(address, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S))
        response.raise_for_status()
        payload = response.json()
    except requests.RequestException as exc:
        raise _failure(label, address, exc) from exc
    except ValueError as exc:
        raise FetchError(f"{label}: {address} did not answer with JSON (offset {offset}); nothing was saved.") from exc
    if not isinstance(payload, dict) or "error" in payload:
        error = payload.get("error") if isinstance(payload, dict) else payload
        raise FetchError(f"{label}: the FeatureServer at {address} answered with an error: {error}. Nothing was saved.")
    return payload


def query_featureserver(layer_url: str, dest: Path, label: str, progress: ProgressFactory) -> OfficialFile:
    """Every feature of an ArcGIS FeatureServer layer as one GeoJSON file, paged with resultOffset /
    resultRecordCount until the server no longer says ``exceededTransferLimit``."""
    layer = publisher_url(layer_url)
    digest = hashlib.sha256()
    size = 0
    bar = progress(label, None)
    try:
        with session() as http, atomic_path(dest) as tmp, tmp.open("w", encoding="utf-8") as out:

            def emit(text: str) -> None:
                nonlocal size
                data = text.encode("utf-8")
                digest.update(data)
                size += len(data)
                out.write(text)
                bar.update(len(data))

            emit('{"type": "FeatureCollection", "features": [\n')
            offset, first = 0, True
            for _ in range(MAX_FEATURE_PAGES):
                payload = _page(http, layer, offset, label)
                features = payload.get("features") or []
                for feature in features:
                    emit(("" if first else ",\n") + json.dumps(feature, separators=(",", ":")))
                    first = False
                offset += len(features)
                more = payload.get("exceededTransferLimit") or (payload.get("properties") or {}).get(
                    "exceededTransferLimit")
                if not more:
                    break
                if not features:
                    raise FetchError(f"{label}: {layer} says more features follow but sent none at offset {offset}.")
            else:
                raise FetchError(f"{label}: {layer} was still paging after {MAX_FEATURE_PAGES} pages; nothing was "
                                 "saved.")
            emit("\n]}\n")
            out.flush()
            os.fsync(out.fileno())
    finally:
        bar.close()
    return OfficialFile(name=f"{layer_name(layer_url)}.geojson",
                        sha256=digest.hexdigest(), source=layer_url, size_bytes=size)
