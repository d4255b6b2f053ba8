"""Fetch: registry validation, mirror copy, download from a local server, checksums, atomicity."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hiap_geo.acquire import fetch as fetching
from hiap_geo.acquire import registry as sources
from hiap_geo.core.errors import DatasetMissing, FetchError, HiapGeoError

PAYLOAD = b"LSOA code,value\nE01024840,2\n" * 2000


def make_dataset(
    url: str = "http://127.0.0.1:1/none", payload: bytes = PAYLOAD, **overrides: object
) -> sources.Dataset:
    fields = dict(
        id="test_table", title="Test table", publisher="Test", vintage="2025", licence="OGL-UK-3.0",
        page="https://example.invalid", url=url, mirror_path="test/table.csv",
        sha256=hashlib.sha256(payload).hexdigest(), size_bytes=len(payload),
    )
    fields.update(overrides)
    return sources.Dataset(**fields)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HIAP_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def leftovers(cache: Path) -> list[Path]:
    return [p for p in cache.rglob("*") if p.is_file()] if cache.exists() else []


class Handler(http.server.BaseHTTPRequestHandler):
    """Serves PAYLOAD at /good, a different body at /wrong, half a body at /drop, 500 at /error."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path == "/error":
            self.send_error(500, "server error")
            return
        body = b"not the file" if self.path == "/wrong" else PAYLOAD
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD) if self.path == "/drop" else len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if self.path == "/drop" else body)
        if self.path == "/drop":
            self.wfile.flush()
            self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_registry_is_valid_and_every_entry_is_in_the_mirror(mirror: Path) -> None:
    registry = sources.load_registry()
    assert "iod2019_domains" in registry and "lsoa2021_boundaries" in registry
    for ds in registry.values():
        assert (mirror / ds.mirror_path).is_file() == ds.in_mirror, ds.id


def test_registry_rejects_unknown_fields_and_duplicates(tmp_path: Path) -> None:
    entry = make_dataset().model_dump(exclude_none=True, exclude={"in_mirror"})
    bad = tmp_path / "bad.yaml"
    bad.write_text("datasets:\n  - " + "\n    ".join(f"{k}: '{v}'" for k, v in {**entry, "colour": "red"}.items()))
    with pytest.raises(HiapGeoError, match="colour"):
        sources.load_registry(bad)
    twice = tmp_path / "twice.yaml"
    block = "\n    ".join(f"{k}: '{v}'" for k, v in entry.items())
    twice.write_text(f"datasets:\n  - {block}\n  - {block}\n")
    with pytest.raises(HiapGeoError, match="twice"):
        sources.load_registry(twice)


def test_mirror_copy_then_present(cache: Path, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "test").mkdir(parents=True)
    (mirror / "test" / "table.csv").write_bytes(PAYLOAD)
    ds = make_dataset()
    assert fetching.fetch(ds, mirror=mirror).status == "copied"
    assert sources.local_path(ds).read_bytes() == PAYLOAD
    assert fetching.fetch(ds, mirror=mirror).status == "present"


def test_corrupt_local_copy_is_replaced(cache: Path, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "test").mkdir(parents=True)
    (mirror / "test" / "table.csv").write_bytes(PAYLOAD)
    ds = make_dataset()
    sources.local_path(ds).parent.mkdir(parents=True)
    sources.local_path(ds).write_bytes(b"half a fi")
    assert fetching.fetch(ds, mirror=mirror).status == "copied"
    assert sources.local_path(ds).read_bytes() == PAYLOAD


def test_mirror_checksum_mismatch_names_dataset_and_saves_nothing(cache: Path, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "test").mkdir(parents=True)
    (mirror / "test" / "table.csv").write_bytes(b"tampered")
    with pytest.raises(FetchError, match="test_table.*checksum mismatch"):
        fetching.fetch(make_dataset(), mirror=mirror)
    assert leftovers(cache) == []


def test_missing_mirror_file_is_a_clear_error(cache: Path, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="test_table.*not in the mirror"):
        fetching.fetch(make_dataset(), mirror=tmp_path)


def test_download_good_file(cache: Path, server: str) -> None:
    result = fetching.fetch(make_dataset(url=f"{server}/good"))
    assert result.status == "downloaded"
    assert sources.local_path(make_dataset()).read_bytes() == PAYLOAD
    assert [p.name for p in leftovers(cache)] == ["table.csv"]


def test_download_wrong_checksum(cache: Path, server: str) -> None:
    with pytest.raises(FetchError, match="test_table.*checksum mismatch"):
        fetching.fetch(make_dataset(url=f"{server}/wrong"))
    assert leftovers(cache) == []


def test_download_dropped_connection(cache: Path, server: str) -> None:
    with pytest.raises(FetchError, match="test_table"):
        fetching.fetch(make_dataset(url=f"{server}/drop"))
    assert leftovers(cache) == []


def test_download_server_error_and_no_network(cache: Path, server: str) -> None:
    with pytest.raises(FetchError, match="test_table.*500"):
        fetching.fetch(make_dataset(url=f"{server}/error"))
    with pytest.raises(FetchError, match="HIAP_DATA_MIRROR"):
        fetching.fetch(make_dataset(url="http://127.0.0.1:9/nothing-listens-here"), timeout=2)
    assert leftovers(cache) == []


def test_dataset_path_says_how_to_fetch(cache: Path) -> None:
    with pytest.raises(DatasetMissing, match="python -m hiap_geo fetch"):
        sources.dataset_path("iod2019_domains")


def test_fetch_all_rejects_unknown_ids(cache: Path) -> None:
    with pytest.raises(HiapGeoError, match="no_such_dataset"):
        fetching.fetch_all(only=["no_such_dataset"])
