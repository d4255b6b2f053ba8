"""Helpers for the headless-browser tests: the app on a local port, Debian's Chromium, an offline page.

Chromium is Debian's (/usr/bin/chromium, installed by `make test`); no browser is downloaded.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from hiap_geo.core import settings
from hiap_geo.render.maps import install_map_assets

ARTIFACTS = settings.PROJECT_ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 # Belt and braces beside block_internet: every request that is not to this machine goes to a
                 # proxy that is not there (loopback bypasses proxies), and no outside name resolves.
                 "--proxy-server=http://127.0.0.1:9",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def app_server(cache_dir: Path, env: dict[str, str] | None = None, secrets: Path | None = None) -> Iterator[str]:
    """The app on a free local port, reading the given cache; stopped on exit.

    ``env`` adds environment variables (e.g. HIAP_PROGRESS_DB, HIAP_ACCESS); ``secrets`` is a secrets.toml
    given to Streamlit with ``--secrets.files`` instead of .streamlit/secrets.toml, so a test can switch sign-in
    on without touching the repository's own secrets file.
    """
    install_map_assets(settings.PROJECT_ROOT / "static")
    port = free_port()
    env = {**os.environ, "HIAP_CACHE_DIR": str(cache_dir), **(env or {})}
    extra = ["--secrets.files", str(secrets)] if secrets is not None else []
    ARTIFACTS.mkdir(exist_ok=True)
    with (ARTIFACTS / f"streamlit-{port}.log").open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", *extra],
            cwd=settings.PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.time() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.time() > deadline:
                        pytest.fail(f"streamlit did not start; see {out.name}")
                    time.sleep(0.5)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def block_internet(page: object) -> list[str]:
    """Abort and record every request that leaves this machine, as on a council network with no internet.

    Recording aborted requests (not only failed ones) keeps the test honest on a machine that is online.
    """
    outside: list[str] = []

    def route(r: object) -> None:
        url = r.request.url
        if url.startswith(("http://127.0.0.1", "http://localhost", "ws://127.0.0.1", "data:", "blob:")):
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    page.route("**/*", route)
    return outside


def map_frame(page: object, timeout_s: float = 60) -> object:
    """The streamlit-folium iframe once its map has drawn its areas."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        for frame in page.frames:
            try:
                if frame.query_selector("[data-area-count]"):
                    return frame
            except Exception:  # noqa: BLE001 - frames come and go while Streamlit renders
                pass
        time.sleep(0.5)
    raise AssertionError("the map never drew (no element with data-area-count in any frame)")
