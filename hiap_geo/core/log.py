"""One logging set-up for the CLI and the server: what was downloaded, read from a cache, refused or retried.

Modules log through ``logging.getLogger(__name__)`` and never configure anything themselves; the CLI and the app
call :func:`configure` once, so a council's IT officer reads one stream (stderr) at one level
(``HIAP_LOG_LEVEL``).
"""

from __future__ import annotations

import logging
import sys

from hiap_geo.core import settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HANDLER_NAME = "hiap_geo"


def configure(level: str | None = None) -> logging.Logger:
    """Send the ``hiap_geo`` loggers to stderr at ``level`` (default ``HIAP_LOG_LEVEL``); calling again only
    changes the level, so a Streamlit rerun adds no second handler."""
    root = logging.getLogger("hiap_geo")
    root.setLevel(level or settings.log_level())
    ours = [h for h in root.handlers if h.get_name() == HANDLER_NAME]
    if ours and getattr(ours[0], "stream", None) is not sys.stderr:  # stderr replaced (tests capture it): follow it
        root.removeHandler(ours[0])
        ours = []
    if not ours:
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(HANDLER_NAME)
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    return root
