"""Shared fixtures.

Integration tests run on the real official files from the mirror (``HIAP_DATA_MIRROR``, or
``../shared/data`` beside the project). When the mirror is missing they fail, never skip:
CI always has it, and a green run without it would prove nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hiap_geo.core import settings

DEFAULT_MIRROR = settings.PROJECT_ROOT.parent / "shared" / "data"


def mirror_dir() -> Path:
    configured = os.environ.get("HIAP_DATA_MIRROR", "").strip()
    return Path(configured) if configured else DEFAULT_MIRROR


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The real official data mirror; fails (never skips) when it is not there."""
    path = mirror_dir()
    if not path.is_dir():
        pytest.fail(f"Integration tests need the official data mirror at {path} (set HIAP_DATA_MIRROR).")
    return path


@pytest.fixture(scope="session")
def real_data(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> Path:
    """A session cache holding every registry dataset, copied from the real mirror."""
    from hiap_geo.acquire.sources import fetch_all

    cache = tmp_path_factory.mktemp("cache")
    os.environ["HIAP_CACHE_DIR"] = str(cache)
    fetch_all(mirror=mirror)
    return cache


@pytest.fixture(scope="session")
def kent(real_data: Path) -> str:
    """Layers built for Kent and Medway in the session cache; returns the area slug."""
    from hiap_geo.geo.layers import build

    return build("kent").slug


@pytest.fixture(scope="session")
def app_url(kent: str, real_data: Path) -> Iterator[str]:
    """The app on a free local port reading the session cache (Kent built), shared by every browser test."""
    from tests.browser_support import app_server

    with app_server(real_data) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's headless Chromium, started once for the session."""
    from playwright.sync_api import sync_playwright

    from tests.browser_support import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package.")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
