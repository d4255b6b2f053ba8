"""The app survives the attacks of issue 10 in a real browser: each hostile upload is refused, another
session still gets its map afterwards, and the server's memory stays below 1.5 GB.

The attack files are made by the test (tests/attack_files.py); every request that leaves 127.0.0.1 is
aborted and recorded (none may).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.attack_files import ATTACKS
from tests.browser_support import block_internet, map_frame

SHOWN = ("cell_20mb", "cell_190mb", "rows_30m", "laughs_strings", "external_entity", "csv_cell", "csv_rows")
"""The issue's attacks, one of each kind (the reader tests cover the rest without a browser)."""
MEMORY_LIMIT_MB = 1_500


def server_rss_mb(url: str) -> float:
    """Resident memory of the Streamlit server listening on the url's port (found through /proc)."""
    port = url.rsplit(":", 1)[1].strip("/")
    for proc in Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0") if proc.name.isdigit() else []
            if b"streamlit" in b" ".join(args) and port.encode() in args:
                status = (proc / "status").read_text()
                kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
                return kb / 1024
        except OSError:
            continue
    raise AssertionError(f"no Streamlit server found for port {port}")


def upload(page: object, name: str, content: bytes, mime: str) -> None:
    page.locator("[data-testid='stFileUploader'] input[type=file]").first.set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": content}])


@pytest.mark.slow
def test_the_server_survives_every_attack_and_keeps_its_memory(app_url: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    outside = block_internet(page)
    page.goto(f"{app_url}/indicators")
    page.get_by_role("tab", name="Your data and Fingertips").click()  # uploads have their own tab
    page.get_by_text("Add your own indicator (CSV or Excel)", exact=True).click()
    for key in SHOWN:
        filename, make, _kind = ATTACKS[key]
        mime = "text/csv" if filename.endswith(".csv") else "application/vnd.ms-excel"
        upload(page, f"{key}-{filename}", make(), mime)
        page.get_by_text(f"'{key}-{filename}' was not loaded", exact=False).wait_for(timeout=120_000)

    page.goto(f"{app_url}/plan")
    page.get_by_role("combobox", name="Plan").first.click()
    page.get_by_text("Upload a plan file (YAML)...").click()
    page.locator("[data-testid='stFileUploader']").first.wait_for(timeout=60_000)
    nested = b"plan_id: x\ntitle: " + b"[" * 50_000 + b"]" * 50_000 + b"\n"
    upload(page, "nested.yaml", nested, "application/x-yaml")
    page.get_by_text("cannot be used as a plan", exact=False).wait_for(timeout=120_000)
    page.close()

    other = browser.new_page(viewport={"width": 1366, "height": 768})
    other_outside = block_internet(other)
    other.goto(app_url)
    frame = map_frame(other, timeout_s=120)  # the server still answers a new session: the map draws
    assert int(frame.eval_on_selector("[data-area-count]", "e => e.dataset.areaCount")) > 0
    other.close()
    time.sleep(2)
    assert server_rss_mb(app_url) < MEMORY_LIMIT_MB
    assert outside == [] and other_outside == []
