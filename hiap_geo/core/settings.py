"""Paths, environment variables and defaults, in one place.

Functions rather than constants so that a test (or a user) who sets an environment
variable after import still gets what they asked for.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from hiap_geo.core.errors import SettingsError

PROJECT_ROOT: Path = Path(__file__).resolve().parents[2]
"""The repository root: ``data/`` (authored registry) and ``boundaries/`` (cache) live here."""

REGISTRY_PATH: Path = PROJECT_ROOT / "data" / "sources.yaml"
"""The dataset registry: one entry per official dataset the project fetches."""

DEFAULT_AREA: str = "kent"
"""What ``python -m hiap_geo build`` builds when no ``--area`` is given."""

DEFAULT_DISTRICT: str = "E07000116"
"""Tunbridge Wells: the district the app opens on."""

DISPLAY_TOLERANCE_M: float = 25.0
"""Simplification tolerance (metres, British National Grid) for display copies of layers."""


def cache_dir() -> Path:
    """Root of the ignored cache: fetched sources and built layers (``HIAP_CACHE_DIR`` overrides)."""
    return Path(os.environ.get("HIAP_CACHE_DIR", PROJECT_ROOT / "boundaries"))


def sources_dir() -> Path:
    """Where fetched official files are kept, under their mirror path."""
    return cache_dir() / "sources"


def layers_dir(area_slug: str) -> Path:
    """Where the layers built for one area (``kent``, ``england``, ``E07000116``...) go."""
    return cache_dir() / "layers" / area_slug


def data_mirror() -> Path | None:
    """The mirror folder named by ``HIAP_DATA_MIRROR``, or None to download from the publisher."""
    value = os.environ.get("HIAP_DATA_MIRROR", "").strip()
    return Path(value) if value else None


def publisher_base_url() -> str:
    """``HIAP_PUBLISHER_BASE_URL``: when set, official download addresses keep their path but go to this
    scheme and host instead (a caching proxy, or the tests' local publisher); '' when unset."""
    return os.environ.get("HIAP_PUBLISHER_BASE_URL", "").strip().rstrip("/")


FINGERTIPS_DEFAULT_URL: str = "https://fingertips.phe.org.uk/api"
"""The OHID Fingertips API; ``HIAP_FINGERTIPS_URL`` points elsewhere (a proxy, or a local test server)."""


def fingertips_url() -> str:
    """Base address of the Fingertips API, without a trailing slash (``HIAP_FINGERTIPS_URL`` overrides)."""
    value = os.environ.get("HIAP_FINGERTIPS_URL", "").strip()
    return (value or FINGERTIPS_DEFAULT_URL).rstrip("/")


def progress_db() -> str:
    """The progress database URL from ``HIAP_PROGRESS_DB`` ('' when unset: SQLite in the user data folder)."""
    return os.environ.get("HIAP_PROGRESS_DB", "").strip()


def access_file() -> Path | None:
    """The roles file named by ``HIAP_ACCESS`` (TOML; see ``core.access``), or None: no roles configured."""
    value = os.environ.get("HIAP_ACCESS", "").strip()
    return Path(value) if value else None


def accessibility_contact() -> str:
    """Who to tell about an accessibility problem, shown on the accessibility statement (``HIAP_ACCESSIBILITY_CONTACT``:
    an email address or a web page of the team that runs this HIAP Geo); '' when the team has not set one."""
    return os.environ.get("HIAP_ACCESSIBILITY_CONTACT", "").strip()


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def log_level() -> str:
    """``HIAP_LOG_LEVEL`` (DEBUG, INFO, WARNING or ERROR; default INFO): how much the CLI and the server log."""
    value = os.environ.get("HIAP_LOG_LEVEL", "").strip().upper() or "INFO"
    if value not in LOG_LEVELS:
        raise SettingsError(f"HIAP_LOG_LEVEL is '{value[:20]}'; use one of {', '.join(LOG_LEVELS)}.")
    return value


def open_to_network() -> bool:
    """``HIAP_OPEN_TO_NETWORK`` set to 1/true/yes: the explicit opt-in to serve other machines without sign-in
    (every page then shows an "open to the network" banner). Off by default."""
    return os.environ.get("HIAP_OPEN_TO_NETWORK", "").strip().lower() in ("1", "true", "yes")


def warm_up() -> bool:
    """Whether a new app server reads its shared layers and imports the indicator views (pandera), once, in the
    background after its first page is drawn (``app/warm_up.py``): on unless ``HIAP_WARM_UP`` is 0 (benchmarks
    measure both ways)."""
    return os.environ.get("HIAP_WARM_UP", "").strip().lower() not in ("0", "false", "no")


def is_loopback(address: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, 'localhost'); False for '' (Streamlit
    then listens on every address), 0.0.0.0 and any other."""
    value = address.strip().strip("[]")
    if value == "localhost":
        return True
    try:
        return ipaddress.ip_address(value).is_loopback
    except ValueError:
        return False
