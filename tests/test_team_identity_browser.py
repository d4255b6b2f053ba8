"""Who gets in, and when a role counts (issue 29), end to end in headless Chromium: Streamlit's st.login against
a local OpenID Connect provider, roles from an access file. An unverified e-mail (the claim false or absent) is
refused with the reason on screen; a verified one is admitted; an admin's opt-in for a tenant that never sends
the claim (Microsoft Entra ID) admits its accounts; a user removed from the access file between the page being
drawn and the click is refused the write. No request leaves 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from hiap_geo.core.access import LOCAL_USER
from hiap_geo.plans.progress import ProgressStore
from hiap_geo.plans.schema import PLANS_DIR
from tests.oidc_support import PROVIDER_STYLESHEET, through_provider_form

TW_FILE = PLANS_DIR / "tunbridge-wells-2023-25.yaml"
TW = "tunbridge-wells-2023-25"
TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"
KIM, MALLORY, NOCLAIM, ENTRA = ("kim@council.gov.uk", "mallory@council.gov.uk", "noclaim@council.gov.uk",
                                "entra@council.gov.uk")
ACCESS = f"""
[roles]
admin = ["{KIM}"]
editor = ["@council.gov.uk"]

[sign_in]
trusted_tenants = ["{TENANT}"]
"""


@pytest.fixture(scope="module")
def oidc_provider() -> Iterator[object]:
    from tests.oidc_support import oidc_provider_server

    with oidc_provider_server() as provider:
        provider.set_user(KIM, "Kim Verified")
        provider.set_claims(MALLORY, {"email": KIM, "email_verified": False, "name": "Mallory"})  # names Kim
        provider.set_claims(NOCLAIM, {"email": KIM, "name": "No Claim"})  # no email_verified at all
        provider.set_claims(ENTRA, {"email": ENTRA, "name": "Entra User", "tid": TENANT})  # Entra: no claim, tid
        yield provider


def signed_in(browser: object, url: str, sub: str) -> tuple[object, list[str]]:
    """A new browser (no cookies) through the provider's form as ``sub``; back on the app's Plan page."""
    return through_provider_form(browser, url, sub, f"/plan?plan={TW}")


def test_only_verified_or_vouched_for_identities_get_a_role_and_a_removed_user_cannot_write(
        kent_layers: str, session_cache: Path, oidc_provider: object, browser: object, tmp_path: Path) -> None:
    from tests.browser_support import ARTIFACTS, app_server

    access = tmp_path / "access.toml"
    access.write_text(ACCESS, encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'progress.sqlite'}"
    store = ProgressStore(db)
    store.register_plan(TW_FILE, user=LOCAL_USER)
    env = {"HIAP_PROGRESS_DB": db, "HIAP_ACCESS": str(access)}
    with app_server(session_cache, env, oidc_provider.secrets(tmp_path)) as url:
        # An e-mail the provider says is not verified, and one it says nothing about: refused, with the reason.
        for sub, reason in ((MALLORY, f"says the e-mail address {KIM} is not verified"),
                            (NOCLAIM, f"did not say that {KIM} is verified")):
            page, outside = signed_in(browser, url, sub)
            refusal = page.get_by_text("HIAP Geo cannot admit this account")
            refusal.wait_for(timeout=60_000)
            assert reason in refusal.inner_text().replace("\u2060", "")  # escape_markdown's word joiners
            assert page.get_by_text("Signed in as").count() == 0
            assert page.get_by_text("Status of each action").count() == 0
            page.screenshot(path=str(ARTIFACTS / f"team-refused-{sub.split('@')[0]}.png"), full_page=True)
            assert [u for u in outside if u != PROVIDER_STYLESHEET] == []
            page.context.close()

        # A verified e-mail is admitted with its role; an Entra-style account of the trusted tenant too.
        page, _ = signed_in(browser, url, KIM)
        page.get_by_text("Signed in as").wait_for(timeout=60_000)
        assert "(admin)" in page.get_by_text("Signed in as").inner_text()
        page.context.close()
        editor, outside = signed_in(browser, url, ENTRA)
        editor.get_by_text("Signed in as").wait_for(timeout=60_000)
        assert "Entra User" in editor.get_by_text("Signed in as").inner_text()

        # The Entra user (an editor) fills in a review; an admin removes them before they click Confirm.
        editor.goto(f"{url}/plan?plan={TW}")
        editor.get_by_role("tab", name="Progress (HAT)").click(timeout=120_000)
        editor.get_by_label("Note").fill("Recorded after removal?")
        editor.get_by_role("button", name="Record review").click()
        confirm = editor.get_by_role("button", name="Confirm", exact=True)
        confirm.wait_for(timeout=60_000)
        access.write_text(ACCESS.replace('editor = ["@council.gov.uk"]', "editor = []"), encoding="utf-8")
        confirm.click()
        refused = editor.get_by_text("The review was not recorded")
        try:
            refused.wait_for(timeout=60_000)
        finally:
            editor.screenshot(path=str(ARTIFACTS / "team-removed-before-click.png"), full_page=True)
        assert "has no role and may not record reviews" in refused.inner_text().replace("\u2060", "")
        assert editor.get_by_text("has no role in HIAP Geo").count() == 1  # and the page is closed to them
        assert store.history(TW).empty
        assert [u for u in outside if u != PROVIDER_STYLESHEET] == []
        editor.context.close()
    assert store.counts()["reviews"] == 0 and date.today()  # nothing recorded in the removed user's name


def test_a_review_that_cannot_be_saved_keeps_its_note_and_says_not_recorded(
        kent_layers: str, session_cache: Path, postgres: object, browser: object) -> None:
    from tests.browser_support import ARTIFACTS, app_server, block_internet

    url_db = postgres.new_database()
    name = url_db.rsplit("/", 1)[1]
    ProgressStore(url_db).register_plan(TW_FILE)
    note = "Clinics booked; funding confirmed at the HAT"
    with app_server(session_cache, {"HIAP_PROGRESS_DB": url_db}) as url:
        page = browser.new_context(viewport={"width": 1500, "height": 1800}).new_page()
        outside = block_internet(page)
        page.goto(f"{url}/plan?plan={TW}")
        page.get_by_role("tab", name="Progress (HAT)").click(timeout=120_000)
        page.get_by_label("Note").fill(note)
        page.get_by_role("button", name="Record review").click()
        confirm = page.get_by_role("button", name="Confirm", exact=True)
        confirm.wait_for(timeout=60_000)
        with postgres.connect() as conn:  # the database goes down between the form and the click
            conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        try:
            confirm.click()
            page.get_by_text("Not recorded.").wait_for(timeout=60_000)
            assert page.get_by_text("The review was not recorded").count() >= 1
            page.get_by_text(note, exact=True).wait_for(timeout=30_000)  # the typed note, kept on screen
            assert page.get_by_text(note, exact=True).count() == 1
            shown = page.locator("[data-testid='stAlert']").all_inner_texts()
            assert not any("127.0.0.1" in t or "port" in t or name in t for t in shown), shown  # no address
        finally:
            page.screenshot(path=str(ARTIFACTS / "review-not-recorded.png"), full_page=True)
            with postgres.connect() as conn:
                conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        # any rerun: the database is back, the form offers the review (the Plan page's sidebar has no map measure)
        page.locator("[data-testid='stSidebar']").get_by_role("button", name="All of Kent and Medway").click()
        page.get_by_text("Not recorded.").wait_for(state="detached", timeout=60_000)
        page.wait_for_function("document.querySelectorAll('[data-testid=stTab]').length === 4", timeout=60_000)
        page.get_by_role("tab", name="Progress (HAT)").click(timeout=60_000)
        try:
            page.get_by_text("A review that could not be recorded is in the form again").wait_for(timeout=60_000)
        finally:
            page.screenshot(path=str(ARTIFACTS / "review-offered-again.png"), full_page=True)
        assert page.get_by_label("Note").input_value() == note
        page.get_by_role("button", name="Record review").click()
        page.get_by_role("button", name="Confirm", exact=True).click(timeout=60_000)
        page.get_by_role("button", name="Confirm", exact=True).wait_for(state="detached", timeout=60_000)
        assert ProgressStore(url_db).history(TW)["note"].tolist() == [note]
        assert outside == []
        page.context.close()
