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

from benchmarks.browser_benchmark import LEAVES_THE_MACHINE  # the benchmark's: tests and benchmarks block alike
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


LOCAL_ONLY = ["--server.address", "127.0.0.1", "--server.headless", "true"]
"""How the tests serve the app: on this machine only, no browser opened."""


@contextmanager
def app_server(cache_dir: Path | None, env: dict[str, str] | None = None, secrets: Path | None = None,
               script: Path | None = None, server_args: list[str] | None = None) -> Iterator[str]:
    """The app on a free local port, reading the given cache; stopped on exit. The one way the tests start it.

    ``env`` adds environment variables (e.g. HIAP_PROGRESS_DB, HIAP_ACCESS); ``secrets`` is a secrets.toml
    given to Streamlit with ``--secrets.files`` instead of .streamlit/secrets.toml, so a test can switch sign-in
    on without touching the repository's own secrets file. ``script`` runs another page than app.py (with the
    project importable and the project's config); Streamlit serves the ``static`` folder beside that script.
    ``server_args`` replaces LOCAL_ONLY (a test of the server's own settings); ``cache_dir`` None keeps the
    environment's cache.
    """
    install_map_assets(settings.PROJECT_ROOT / "static")
    port = free_port()
    env = {**os.environ, **({"HIAP_CACHE_DIR": str(cache_dir)} if cache_dir is not None else {}), **(env or {})}
    if script is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(settings.PROJECT_ROOT), env.get("PYTHONPATH")]))
    extra = ["--secrets.files", str(secrets)] if secrets is not None else []
    ARTIFACTS.mkdir(exist_ok=True)
    with (ARTIFACTS / f"streamlit-{port}.log").open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script or "app.py"), "--server.port", str(port),
             *(LOCAL_ONLY if server_args is None else server_args), *extra],
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
                    time.sleep(0.2)
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
        outside.append(r.request.url)
        r.abort()

    page.route(LEAVES_THE_MACHINE, route)
    return outside


MAP_SELECTOR = "[data-area-count]"
"""The drawn map, whatever draws it: the app's map component (in the page) or a streamlit-folium iframe."""


def map_frame(page: object, timeout_s: float = 60) -> object:
    """The frame holding the drawn map (its areas drawn): the page itself for the app's map component, which runs
    in the page, or a streamlit-folium iframe on pages that still use one. Selectors such as ``.hiap-legend`` and
    ``path.leaflet-interactive`` then work on either."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        for frame in page.frames:
            try:
                if frame.query_selector(MAP_SELECTOR):
                    leaflet_styled(frame, deadline)
                    return frame
            except AssertionError:  # drawn without Leaflet's stylesheet
                raise
            except Exception:  # noqa: BLE001 - frames come and go while Streamlit renders
                pass
        time.sleep(0.5)
    raise AssertionError("the map never drew (no element with data-area-count in any frame)")


LEAFLET_STYLED_JS = """() => { const c = document.querySelector('.leaflet-container');
  return Boolean(c) && getComputedStyle(c).overflow === 'hidden'; }"""
"""Leaflet's stylesheet is applied (it clips the map's container): without it the zoom buttons, the legend and
the grey background vanish and the areas may be drawn outside the map."""


def leaflet_styled(frame: object, deadline: float) -> None:
    """Wait until the drawn map has Leaflet's stylesheet (it loads beside the map's script, so a moment later)."""
    while not frame.evaluate(LEAFLET_STYLED_JS):
        assert time.time() < deadline, "the map drew without Leaflet's stylesheet (no zoom buttons, no background)"
        time.sleep(0.25)


def screen_box(page: object, selector: str) -> dict[str, float]:
    """Where an element of the map (e.g. ``.hiap-legend``) is on the screen, in the page or in a map iframe."""
    frame = map_frame(page)
    inner = frame.eval_on_selector(selector, "e => { const r = e.getBoundingClientRect(); "
                                             "return {x: r.x, y: r.y, width: r.width, height: r.height}; }")
    element = frame.frame_element() if frame.parent_frame is not None else None
    outer = element.bounding_box() if element is not None else {"x": 0, "y": 0}
    return {**inner, "x": outer["x"] + inner["x"], "y": outer["y"] + inner["y"]}


def map_box(page: object) -> dict[str, float]:
    """Where the drawn map is on the screen."""
    return screen_box(page, MAP_SELECTOR)


def map_text(page: object) -> str:
    """What the map shows as text (legend, labels, notes), wherever the map is drawn; a folded legend's text too
    (it is in the page, behind its button)."""
    return map_frame(page).text_content(MAP_SELECTOR) or ""


def websocket_trace(page: object) -> list[str]:
    """A readable line for each Streamlit message the page sends or receives from now on: the reruns it asks for
    (with each widget's value) and the sessions, runs and their ends the server reports. Written out as evidence
    when a browser test fails in a way its screenshot cannot explain."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    lines: list[str] = []
    start = time.perf_counter()

    def log(text: str) -> None:
        lines.append(f"{time.perf_counter() - start:7.2f} {text}")

    def widget_value(widget: object) -> str:
        kind = widget.WhichOneof("value")
        return repr(getattr(widget, kind)) if kind else "(no value)"

    def sent(payload: bytes | str) -> None:
        if isinstance(payload, str):
            return
        msg = BackMsg.FromString(payload)
        kind = msg.WhichOneof("type")
        if kind != "rerun_script":
            log(f"sent {kind}")
            return
        state = msg.rerun_script
        widgets = ", ".join(f"{w.id.rsplit('-', 1)[-1]}={widget_value(w)}"[:90] for w in state.widget_states.widgets)
        log(f"sent rerun {state.query_string!r} page={state.page_name!r} fragment={state.fragment_id!r}: {widgets}")

    def received(payload: bytes | str) -> None:
        if isinstance(payload, str):
            return
        msg = ForwardMsg.FromString(payload)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            log(f"got new_session {msg.new_session.initialize.session_id} page {msg.new_session.page_script_hash[:8]}")
        elif kind in ("script_finished", "session_status_changed", "page_info_changed", "session_event",
                      "auth_redirect"):
            log(f"got {kind} {str(getattr(msg, kind)).strip()!r}")

    def opened(ws: object) -> None:
        log(f"websocket opened {ws.url}")
        ws.on("framesent", sent)
        ws.on("framereceived", received)
        ws.on("close", lambda _ws: log("websocket closed"))

    page.on("websocket", opened)
    return lines
