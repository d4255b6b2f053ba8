"""A whole team on one HIAP Geo, end to end in headless Chromium: sign-in with Streamlit's st.login against
a local OpenID Connect provider, roles from an access file, two app processes on different ports sharing
one real PostgreSQL database. No request leaves 127.0.0.1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from hiap_geo.core.access import AccessDenied, load_access
from hiap_geo.plans.progress import ProgressStore
from hiap_geo.plans.schema import PLANS_DIR
from tests.browser_support import websocket_trace
from tests.oidc_support import PROVIDER_STYLESHEET, through_provider_form
from tests.test_meeting_in_browser import settled

TW_FILE = PLANS_DIR / "tunbridge-wells-2023-25.yaml"
TW = "tunbridge-wells-2023-25"
VIEWER, EDITOR, ADMIN = "nurse@nhs.net", "chair@council.gov.uk", "analyst@council.gov.uk"
EDITOR_NAME = "Chair <img src=x onerror=alert(1)> ![x](http://198.51.100.7/leak.png)"
ACCESS = f"""
[roles]
admin = ["{ADMIN}"]
editor = ["@council.gov.uk"]
viewer = ["@nhs.net"]
"""


@pytest.fixture(scope="module")
def oidc_provider() -> Iterator[object]:
    from tests.oidc_support import oidc_provider_server

    with oidc_provider_server() as provider:
        provider.set_user(VIEWER, "Nurse Viewer")
        provider.set_user(EDITOR, EDITOR_NAME)
        provider.set_user(ADMIN, "Ana Lyst")
        yield provider


def sign_in(browser: object, url: str, email: str) -> tuple[object, list[str]]:
    """A new browser (no cookies) signed in as ``email`` through the provider's form; on the Plan page, its
    websocket messages traced (``page.trace``) from then on."""
    page, outside = through_provider_form(browser, url, email, f"/plan?plan={TW}")
    page.trace = websocket_trace(page)
    page.get_by_text("Signed in as").wait_for(timeout=60_000)
    page.goto(f"{url}/plan?plan={TW}")
    page.get_by_role("tab", name="Progress (HAT)").click(timeout=120_000)
    page.get_by_text("Status of each action", exact=True).wait_for(timeout=60_000)
    return page, outside


def ask_to_record(page: object, note: str, evidence: Path) -> None:
    """Write the review's note and press "Record review" (one click asks; Confirm records, issue 13) until its
    question shows. When it does not, the page is screenshot and its websocket messages written beside it: they
    found why the page once switched to the first plan of its list while the note was written (the plan list's
    place was sent only with the first run: ``app/plan_widgets.held_index``)."""
    try:
        page.get_by_label("Note").fill(note, timeout=30_000)
        page.get_by_label("Note").press("Tab")  # the note is sent (a rerun) before the button is pressed
        settled(page)
        page.get_by_role("button", name="Record review").click(timeout=30_000)
        page.get_by_role("button", name="Confirm", exact=True).wait_for(timeout=30_000)
    except PlaywrightTimeoutError:
        page.screenshot(path=str(evidence), full_page=True)
        evidence.with_suffix(".txt").write_text("\n".join(page.trace), encoding="utf-8")
        raise


def assert_offline(outside: list[str]) -> None:
    assert [u for u in outside if u != PROVIDER_STYLESHEET] == [], f"requests that left the machine: {outside}"


def test_sign_in_roles_and_two_app_servers_sharing_postgresql(
    kent_layers: str, session_cache: Path, postgres: object, pg_url: str, oidc_provider: object, browser: object,
    tmp_path: Path,
) -> None:
    from tests.browser_support import ARTIFACTS, app_server

    access = tmp_path / "access.toml"
    access.write_text(ACCESS, encoding="utf-8")
    policy = load_access(access)
    store = ProgressStore(pg_url)
    store.register_plan(TW_FILE, user=policy.user(ADMIN, "Ana Lyst"))
    env = {"HIAP_PROGRESS_DB": pg_url, "HIAP_ACCESS": str(access)}
    secrets = oidc_provider.secrets(tmp_path)
    with app_server(session_cache, env, secrets) as first, app_server(session_cache, env, secrets) as second:
        assert first != second
        # Nobody sees a page before signing in.
        page = browser.new_page()
        page.goto(f"{first}/plan")
        page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
        assert page.get_by_text("Status of each action").count() == 0
        page.close()

        # A viewer sees the plan and its history but no review form, no export or import...
        viewer, outside = sign_in(browser, first, VIEWER)
        assert "Nurse Viewer" in viewer.get_by_text("Signed in as").inner_text()
        assert viewer.get_by_role("button", name="Record review").count() == 0
        assert viewer.get_by_text("Export and import").count() == 0
        viewer.screenshot(path=str(ARTIFACTS / "team-viewer.png"), full_page=True)
        assert_offline(outside)
        viewer.context.close()
        # ...and the library refuses a viewer whatever the page shows.
        with pytest.raises(AccessDenied):
            store.record_review(TW, "3.4", "done", date.today(), user=policy.user(VIEWER, "Nurse Viewer"))

        # An editor records a review: the reviewer is the signed-in user, not a typed name (there is no box).
        editor, outside = sign_in(browser, first, EDITOR)
        assert editor.get_by_label("Reviewer (optional)").count() == 0
        recorded_as = editor.get_by_text("Recorded as").inner_text(timeout=30_000).replace("\u2060", "")
        assert recorded_as == f"Recorded as {EDITOR_NAME} <{EDITOR}>"  # markup shown as text, nothing fetched
        assert editor.locator("img[src=x]").count() == 0
        ask_to_record(editor, "Clinics booked at the HAT", ARTIFACTS / "team-record-review.png")
        editor.get_by_role("button", name="Confirm", exact=True).click(timeout=60_000)
        editor.get_by_role("button", name="Confirm", exact=True).wait_for(state="detached", timeout=60_000)
        history = store.history(TW)
        assert history["note"].tolist() == ["Clinics booked at the HAT"]
        assert history["reviewer_email"].tolist() == [EDITOR] and history["reviewer"].tolist() == [EDITOR_NAME]
        assert editor.get_by_text("Export and import").count() == 0
        editor.screenshot(path=str(ARTIFACTS / "team-editor.png"), full_page=True)
        # Signing out (and ending the provider's session) returns to the sign-in page.
        editor.get_by_role("button", name="Sign out").click()
        editor.get_by_role("button", name="End session").click(timeout=30_000)
        editor.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
        editor.goto(f"{first}/plan")
        editor.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
        assert editor.get_by_text("Status of each action").count() == 0
        assert_offline(outside)
        editor.context.close()

        # An admin on the other app server sees the editor's review, and may export and import.
        admin, outside = sign_in(browser, second, ADMIN)
        admin.get_by_text("Export and import", exact=True).wait_for(timeout=30_000)
        with admin.expect_download(timeout=60_000) as download:
            admin.get_by_role("button", name="Download history (CSV)").click()
        rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
        assert [(r["note"], r["reviewer e-mail"]) for r in rows] == [("Clinics booked at the HAT", EDITOR)]
        admin.screenshot(path=str(ARTIFACTS / "team-admin.png"), full_page=True)
        assert_offline(outside)
        admin.context.close()


def test_a_broken_access_file_stops_the_app(kent_layers: str, session_cache: Path, oidc_provider: object,
                                           browser: object, tmp_path: Path) -> None:
    from tests.browser_support import app_server

    access = tmp_path / "access.toml"
    access.write_text('[roles]\nadmin = ["analyst@council.gov.uk"\n', encoding="utf-8")  # unclosed list
    env = {"HIAP_ACCESS": str(access), "HIAP_PROGRESS_DB": f"sqlite:///{tmp_path / 'p.sqlite'}"}
    with app_server(session_cache, env, oidc_provider.secrets(tmp_path)) as url:
        page = browser.new_page()
        page.goto(f"{url}/plan")
        page.get_by_text("HIAP Geo cannot start").wait_for(timeout=60_000)
        assert "not valid TOML" in page.get_by_text("HIAP Geo cannot start").inner_text()
        assert page.get_by_role("button", name="Sign in").count() == 0  # not even the sign-in page: nothing open
        page.close()
