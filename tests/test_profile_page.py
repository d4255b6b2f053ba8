"""The area profile page: an area, a group, a link from the map, bad input; and in a real browser."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from hiap_geo.core import settings

pytestmark = pytest.mark.integration


def profile_page(**state: object) -> AppTest:
    at = AppTest.from_file(str(settings.PROJECT_ROOT / "app.py"), default_timeout=180)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page("app/pages/profile.py").run()
    return at


def test_empty_page_explains_itself(kent: str) -> None:
    at = profile_page()
    assert not at.exception
    assert "Enter an area above" in at.info[0].value


def test_lsoa_profile_shows_figures_and_offers_every_format(kent: str) -> None:
    at = profile_page(profile_query="E01024840")
    assert not at.exception
    assert at.header[0].value.replace("\\", "") == "Tunbridge Wells 005A (E01024840)"  # markdown-escaped
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download PDF", "Download Word", "Download Excel", "Download CSV", "Download GeoJSON"]
    frames = [df.value for df in at.dataframe]
    assert any((f.astype(str) == "5503").any().any() or (f.astype(str) == "5,503").any().any() for f in frames)


def test_custom_group(kent: str) -> None:
    at = profile_page(profile_query="E01024840\nE01024841", profile_group_name="Sherwood estate")
    assert not at.exception
    assert at.header[0].value == "Sherwood estate"
    assert "Custom group of 2 LSOAs" in at.caption[1].value


def test_unknown_area_is_a_clear_error(kent: str) -> None:
    at = profile_page(profile_query="E01999999")
    assert not at.exception
    assert "No area matches" in at.error[0].value
    assert not at.get("download_button")


def test_map_explorer_links_to_the_selected_area_profile(kent: str) -> None:
    at = AppTest.from_file(str(settings.PROJECT_ROOT / "app.py"), default_timeout=120).run()
    at.text_input(key="area_query").input("E01024840").run()
    links = [e for e in at.get("page_link") if "profile" in str(e.proto.page)]
    assert links and "area=E01024840" in str(links[0].proto)


@pytest.mark.browser
def test_profile_page_in_a_browser(app_url: str, browser: object) -> None:
    from tests.browser_support import ARTIFACTS, block_internet

    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    outside = block_internet(page)
    page.goto(f"{app_url}/profile?area=E01024840")
    page.get_by_text("Tunbridge Wells 005A (E01024840)").wait_for(timeout=120_000)
    page.get_by_text("Download PDF").wait_for(timeout=120_000)
    page.locator("[data-testid='stImage'] img").first.wait_for(timeout=60_000)
    time.sleep(1)
    page.screenshot(path=str(ARTIFACTS / "area-profile.png"), full_page=True)
    page.close()
    assert outside == [], f"requests left the machine: {outside}"


def test_a_group_name_is_shown_as_typed_not_as_markup(kent: str) -> None:
    at = profile_page(profile_query="E01024840\nE01024841", profile_group_name="<b>*Sherwood*</b> $x$")
    assert not at.exception
    shown = at.header[0].value
    assert "<b>" not in shown and "&lt;b&gt;" in shown and "\\*Sherwood\\*" in shown and "\\$x\\$" in shown


# --- finding places by name (issue 13) -------------------------------------------------------------


def test_an_ambiguous_name_offers_a_picker_not_a_red_list(kent: str) -> None:
    at = profile_page(profile_query="Sherwood")
    assert not at.exception and not at.error
    picker = at.selectbox[0]
    assert "5 places are called 'Sherwood'" in picker.label
    labels = picker.options  # as shown: the sidebar's district's first, then the current codes
    assert labels[0] == "Sherwood, ward in Tunbridge Wells: E05015813 (Ward 2024 best-fit boundaries)", labels
    assert "Sherwood, ward in Nottingham: E05012288 (Ward 2024 best-fit and Ward 2019 best-fit boundaries)" in labels
    assert "Choose one of the places above" in at.info[0].value
    picker.set_value("E05015813").run()
    assert not at.exception
    assert at.header[0].value.replace("\\", "").startswith("Sherwood")
    assert [b.label for b in at.get("download_button")][0] == "Download PDF"


@pytest.mark.parametrize("query", ["Sherwood ward", "Sherwood, Tunbridge Wells", "sherwood, tunbridge wells"])
def test_names_with_a_kind_or_a_district(kent: str, query: str) -> None:
    at = profile_page(profile_query=query)
    assert not at.exception and not at.error
    if query == "Sherwood ward":  # still three wards of that name: a choice, not an error
        assert at.selectbox[0].label.startswith("5 places are called")
        at.selectbox[0].set_value("E05015813").run()
    else:  # one place, by its current code; the 2019 ward's own code is named
        assert "E05005146" in "\n".join(c.value for c in at.caption)
    assert "(E05015813)" in at.header[0].value.replace("\\", "")


def test_a_list_with_a_bad_entry_names_it(kent: str) -> None:
    at = profile_page(profile_query="E01024840\nE0102484")
    assert not at.exception
    shown = at.error[0].value.replace("\\", "")
    assert "'E0102484' is not an area code" in shown and "(E01024840) are fine" in shown
    assert "No area matches 'E01024840" not in shown  # no longer read as one name
    at = profile_page(profile_query="E01024840, E01999999")
    assert "E01999999 is not a code of any LSOA" in at.error[0].value.replace("\\", "")
    assert not at.get("download_button")


def test_profile_tables_show_missing_values_as_a_dash(kent: str) -> None:
    at = profile_page(profile_query="E01024840")
    assert at.dataframe and all(df.proto.placeholder == "—" for df in at.dataframe)
