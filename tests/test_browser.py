"""What a person sees: the app in headless Chromium, with no internet, one test per page.

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

from hiap_geo import settings
from hiap_geo.maps import install_map_assets

pytestmark = [pytest.mark.integration, pytest.mark.browser]

ARTIFACTS = settings.PROJECT_ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def app_server(cache_dir: Path) -> Iterator[str]:
    """The app on a free local port, reading the given cache; stopped on exit."""
    install_map_assets(settings.PROJECT_ROOT / "static")
    port = free_port()
    env = {**os.environ, "HIAP_CACHE_DIR": str(cache_dir)}
    ARTIFACTS.mkdir(exist_ok=True)
    with (ARTIFACTS / f"streamlit-{port}.log").open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
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


@pytest.fixture(scope="module")
def app_url(kent: str, real_data: Path) -> Iterator[str]:
    with app_server(real_data) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package.")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


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


def test_map_explorer_draws_one_shape_per_area_offline(app_url: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    outside = block_internet(page)
    page.goto(app_url)  # the map explorer is the default page
    frame = map_frame(page)
    assert frame.eval_on_selector("[data-area-count]", "e => e.dataset.areaCount") == "69"
    time.sleep(1)
    shapes = frame.query_selector_all("path.leaflet-interactive")
    assert len(shapes) == 69  # one SVG path per Tunbridge Wells LSOA (outlines are not interactive)
    legend = frame.inner_text(".hiap-legend")
    assert "1: most deprived 10% in England" in legend and "10: least deprived 10% in England" in legend
    page.screenshot(path=str(ARTIFACTS / "map-explorer.png"), full_page=True)
    assert outside == [], f"requests that needed the internet: {outside}"

    shapes[0].click(force=True)  # clicking an area selects it and shows its summary beside the map
    page.get_by_text("Change 2011 to 2021").wait_for(timeout=60_000)
    assert page.get_by_text("Click an area (or find it above)").count() == 0
    page.screenshot(path=str(ARTIFACTS / "map-explorer-selected.png"), full_page=True)
    page.close()


def test_data_sources_page(app_url: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{app_url}/data")
    page.get_by_text("datasets are loaded").wait_for(timeout=60_000)
    page.get_by_text("kent: 13 districts").wait_for(timeout=60_000)
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=60_000)
    time.sleep(1)
    page.screenshot(path=str(ARTIFACTS / "data-sources.png"), full_page=True)
    page.close()
