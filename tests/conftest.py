"""Shared fixtures and the markers that give the next developer a fast loop.

Integration tests run on the real official files from the mirror (``HIAP_DATA_MIRROR``, or
``../shared/data`` beside the project), or, on a machine without the mirror, on a cache that
``python -m hiap_geo fetch`` already filled. When neither is there they fail, never skip: CI
always has the mirror, and a green run without data would prove nothing.

Markers are given by the fixtures a test uses, so none can be forgotten: a test that reads the
real data is ``integration``; one that drives Chromium is ``browser`` and ``slow``. ``make
test-fast`` runs the rest.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hiap_geo.core import settings

DEFAULT_MIRROR = settings.PROJECT_ROOT.parent / "shared" / "data"
REAL_DATA_FIXTURES = {"mirror", "real_data", "kent", "session_cache", "kent_layers"}
BROWSER_FIXTURES = {"browser", "app_url", "oidc_provider"}
POSTGRES_FIXTURES = {"postgres", "pg_url"}
"""A real PostgreSQL server (tests/postgres_support.py): integration, never in make test-fast."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & (REAL_DATA_FIXTURES | BROWSER_FIXTURES | POSTGRES_FIXTURES):
            item.add_marker(pytest.mark.integration)
        if used & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start generating the publisher emulator's files now, beside the tests that run before it needs them."""
    if mirror_dir().is_dir() and any(item.path.name == "test_publishers.py" for item in session.items):
        from tests.publisher_emulator import GENERATING, start_generating

        out = Path(tempfile.mkdtemp(prefix="hiap-publisher-"))
        session.config.stash[GENERATING] = start_generating(mirror_dir(), out)


def pytest_sessionfinish(session: pytest.Session) -> None:
    from tests.publisher_emulator import GENERATING

    generating = session.config.stash.get(GENERATING, None)
    if generating is not None:
        generating.stop()
        shutil.rmtree(generating.out, ignore_errors=True)


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
def session_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache holding every registry dataset for the session: copied from the mirror when it is beside the
    project, else taken from the cache that ``fetch`` filled; fails when neither has the data."""
    from hiap_geo.acquire.fetch import fetch_all
    from hiap_geo.acquire.registry import load_registry

    cache = tmp_path_factory.mktemp("cache")
    mirror = mirror_dir()
    if not mirror.is_dir():
        fetched = settings.sources_dir()
        if not fetched.is_dir():
            pytest.fail(f"Integration tests need the official data: no mirror at {mirror} and no fetched cache "
                        f"at {fetched}. Run `make test` beside ../shared/data, or `python -m hiap_geo fetch`.")
        # Files converted from the publishers differ from the mirror's bytes by design: take the cache as
        # fetched (with its record of accepted official files), then check every dataset is there.
        shutil.copytree(fetched, cache / "sources", ignore=shutil.ignore_patterns(".*.part", ".downloads-*"))
        with pytest.MonkeyPatch.context() as env:
            env.setenv("HIAP_CACHE_DIR", str(cache))
            required = [d for d, ds in load_registry().items() if not ds.optional]
            fetch_all(only=required)  # all present: nothing is downloaded; a missing one fails with its message
        return cache
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HIAP_CACHE_DIR", str(cache))
        fetch_all(mirror=mirror)
    return cache


@pytest.fixture(scope="session")
def kent_layers(session_cache: Path) -> str:
    """Layers built for Kent and Medway in the session cache, once; returns the area slug."""
    from hiap_geo.geo.layers import build

    with pytest.MonkeyPatch.context() as env:
        env.setenv("HIAP_CACHE_DIR", str(session_cache))
        return build("kent").slug


@pytest.fixture(scope="module")
def real_data(session_cache: Path) -> Iterator[Path]:
    """The session cache, set as ``HIAP_CACHE_DIR`` for the module that asks (and only until it ends)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HIAP_CACHE_DIR", str(session_cache))
        yield session_cache


@pytest.fixture(scope="module")
def kent(real_data: Path, kent_layers: str) -> str:
    """Kent and Medway built and the session cache in use; returns the area slug."""
    return kent_layers


@pytest.fixture(scope="session")
def app_url(kent_layers: str, session_cache: Path) -> Iterator[str]:
    """The app on a free local port reading the session cache (Kent built), shared by every browser test."""
    from tests.browser_support import app_server

    with app_server(session_cache) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's headless Chromium, started once for the session; it cannot reach beyond this machine."""
    from playwright.sync_api import sync_playwright

    from tests.browser_support import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package.")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def postgres() -> Iterator[object]:
    """A real PostgreSQL server for the session (Debian's package, in a temporary folder); fails, never skips,
    when it cannot start."""
    from tests.postgres_support import postgres_server

    with postgres_server() as server:
        yield server


@pytest.fixture
def pg_url(postgres: object) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    return postgres.new_database()
