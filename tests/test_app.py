"""Each page through Streamlit's AppTest, with every sidebar option and the bad states."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from hiap_geo.core import settings
from hiap_geo.views.explorer import MISSING_CELL

pytestmark = pytest.mark.integration

TUNBRIDGE_WELLS, SEVENOAKS = "E07000116", "E07000111"


def app(kent: str, **state: object) -> AppTest:
    at = AppTest.from_file(str(settings.PROJECT_ROOT / "app.py"), default_timeout=120)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.title, *at.header, *at.subheader, *at.markdown, *at.caption)]
    parts += [e.value for e in (*at.warning, *at.info, *at.error, *at.success)]
    return "\n".join(str(p) for p in parts)


def test_opens_on_tunbridge_wells_imd_deciles(kent: str) -> None:
    at = app(kent)
    assert not at.exception
    assert "Index of Multiple Deprivation: national decile (69 areas, IoD 2025)" in texts(at)
    assert at.multiselect(key="districts").value == [TUNBRIDGE_WELLS]
    assert at.get("download_button")


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({"level": "ward"}, "average score, population-weighted by Census 2021 residents, not MHCLG's File 10 (14 "
                            "areas, IoD 2025)"),
        ({"level": "district"}, "(1 area, IoD 2025)"),
        ({"level": "district", "year": 2019}, "population-weighted by mid-2015 population (File 6), as MHCLG's"),
        ({"year": 2019}, "national decile (68 areas, IoD 2019)"),
        ({"year": 2019, "level": "ward"}, "(20 areas, IoD 2019)"),
        ({"value_type": "rank"}, "rank in England"),
        ({"value_type": "score", "measure": "health"}, "Health Deprivation and Disability: score (69 areas"),
        ({"local": True}, "local (within district) decile"),
        ({"measure": "imd_change"}, "Change in IMD decile, 2019 to 2025"),
        ({"districts": [TUNBRIDGE_WELLS, SEVENOAKS]}, "(144 areas, IoD 2025)"),
        ({"level": "ward", "area_value_type": "share"}, "Population in national IMD deciles 1-2"),
    ],
)
def test_sidebar_options(kent: str, state: dict[str, object], expected: str) -> None:
    at = app(kent, **state)
    assert not at.exception
    assert expected in texts(at)


def test_kent_button_selects_kent_and_medway(kent: str) -> None:
    at = app(kent)
    at.button[0].click().run()
    assert len(at.multiselect(key="districts").value) == 13
    assert "(1,107 areas, IoD 2025)" in texts(at)


def test_scores_not_published_for_2019_say_so(kent: str) -> None:
    at = app(kent, year=2019, measure="health", value_type="score")
    assert not at.exception
    assert "is not in the IoD 2019 data" in texts(at)


def test_no_district_and_unbuilt_district(kent: str) -> None:
    assert "Choose one or more districts" in texts(app(kent, districts=[]))
    at = app(kent, districts=["E06000001"])  # Hartlepool: not in the Kent build
    assert not at.exception
    assert "No layers are built for E06000001" in texts(at)


def test_search_selects_and_describes_an_area(kent: str) -> None:
    at = app(kent)
    at.text_input(key="area_query").input("E01024840").run()
    assert at.session_state["selected_area"] == "E01024840"
    assert "### E01024840" in texts(at)
    at.text_input(key="area_query").input("E01999999").run()
    assert "No lsoa on this map matches 'E01999999'" in texts(at).replace("\\", "")
    at.text_input(key="area_query").input("Tunbridge Wells 00").run()
    assert "areas match" in at.main.selectbox[0].label  # several matches: the map zooms to all, the user may pick one
    at.main.selectbox[0].set_value(at.main.selectbox[0].options[1]).run()
    assert at.session_state["selected_area"].startswith("E01")


def test_presentation_mode_can_be_left_and_restores_the_page(kent: str) -> None:
    at = app(kent, presentation=True, measure="health", value_type="score", districts=[TUNBRIDGE_WELLS, SEVENOAKS])
    assert not at.exception
    assert not at.title  # the page title gives its room to the map
    next(b for b in at.button if b.label == "▶").click().run()  # the clicker's Page Down: the next measure
    assert not at.exception and at.session_state["measure"] != "health"
    next(b for b in at.button if b.label == "◀").click().run()
    assert at.session_state["measure"] == "health"
    next(b for b in at.button if b.label.startswith("Leave presentation")).click().run()
    assert not at.exception  # was StreamlitWidgetAlreadyInstantiatedError
    assert at.session_state["presentation"] is False and at.title[0].value == "Map explorer"
    assert at.multiselect(key="districts").value == [TUNBRIDGE_WELLS, SEVENOAKS]
    assert at.selectbox(key="measure").value == "health" and at.radio(key="value_type").value == "score"


def test_the_measure_a_presentation_step_chose_is_the_lists_choice_in_every_run(kent: str) -> None:
    """As app/widget_state.held_index: a browser drawing the Measure list from a later run than the step that chose
    it shows that measure, not the first of the list (and would otherwise send the first back as the user's)."""
    at = app(kent, presentation=True, measure="health", value_type="score")
    next(b for b in at.button if b.label == "▶").click().run()
    stepped = at.session_state["measure"]
    at.radio(key="value_type").set_value("rank").run()  # a later run, in which the page sets nothing
    box = at.selectbox(key="measure")
    assert not at.exception and box.value == stepped
    assert box.proto.default == box.options.index(box.format_func(stepped)) > 0


@pytest.mark.parametrize("page", ["app/pages/indicators.py", "app/pages/targeting.py", "app/pages/profile.py",
                                  "app/pages/plan.py", "app/pages/datasets.py"])
def test_presentation_mode_works_on_every_page(kent: str, page: str) -> None:
    at = app(kent, presentation=True)
    at.switch_page(page).run()
    assert not at.exception
    assert any(b.label.startswith("Leave presentation") for b in at.button)


def test_presentation_on_the_indicators_page_steps_through_indicators(kent: str) -> None:
    at = app(kent)
    at.switch_page("app/pages/indicators.py").run()
    at.radio(key="ind_level").set_value("ward").run()
    first = at.selectbox(key="ind_indicator").value
    at.sidebar.toggle(key="presentation").set_value(True).run()
    assert not at.exception and not at.title  # the map gets the room
    assert "next_measure" not in [b.key for b in at.button]  # the sidebar's measure does not colour this page
    at.button(key="leave_presentation").click().run()
    assert not at.exception and at.title[0].value == "Indicators"
    assert at.selectbox(key="ind_indicator").value == first and at.radio(key="ind_level").value == "ward"

    at.sidebar.toggle(key="presentation").set_value(True).run()
    at.button(key="next_indicator").click().run()
    assert not at.exception and at.session_state["ind_indicator"] != first
    at.button(key="previous_indicator").click().run()
    assert at.session_state["ind_indicator"] == first


@pytest.mark.parametrize("page", ["app/pages/profile.py", "app/pages/datasets.py"])
def test_presentation_mode_is_switched_on_where_the_page_has_no_map_controls(kent: str, page: str) -> None:
    at = app(kent)
    at.switch_page(page).run()
    at.sidebar.toggle(key="presentation").set_value(True).run()
    assert not at.exception and any(b.label.startswith("Leave presentation") for b in at.button)
    at.button(key="leave_presentation").click().run()
    assert not at.exception and at.sidebar.toggle(key="presentation").value is False
    assert not any(b.label.startswith("Leave presentation") for b in at.button)


def test_map_controls_only_where_they_act_and_kept_across_pages(kent: str) -> None:
    at = app(kent, districts=[SEVENOAKS], level="ward")
    at.switch_page("app/pages/datasets.py").run()
    assert not at.exception and not at.sidebar.multiselect  # no map controls on a page without a map
    at.switch_page("app/pages/map_explorer.py").run()
    assert at.multiselect(key="districts").value == [SEVENOAKS] and at.radio(key="level").value == "ward"


def test_a_search_is_reset_when_the_map_changes(kent: str) -> None:
    at = app(kent)
    at.text_input(key="area_query").input("E01024840").run()
    assert at.session_state["selected_area"] == "E01024840"
    at.radio(key="level").set_value("ward").run()
    assert not at.exception
    assert at.text_input(key="area_query").value == "" and "selected_area" not in at.session_state
    assert "matches" not in texts(at)  # no false 'no ward matches E01024840'


@pytest.mark.parametrize("query", ["Sherwood", "Sherwood ward", "sherwood, tunbridge wells", "sherw"])
def test_places_are_found_by_the_names_people_use(kent: str, query: str) -> None:
    at = app(kent, level="ward")
    at.text_input(key="area_query").input(query).run()
    assert not at.exception
    assert at.session_state.get("selected_area") == "E05015813"  # Sherwood (2024 ward), framed and outlined


def test_decile_band_filter_counts_areas_and_people(kent: str) -> None:
    at = app(kent)
    at.select_slider(key="decile_band").set_value(2).run()
    assert not at.exception
    shown = texts(at).replace("\\", "")
    assert "LSOAs (" in shown and "are in deciles 1 to 2, home to" in shown and "residents" in shown
    table = at.dataframe[0].value
    assert table.iloc[:, table.columns.str.contains("decile")].max().max() <= 2


def test_data_sources_page(kent: str) -> None:
    at = app(kent)
    at.switch_page("app/pages/datasets.py").run()
    assert not at.exception
    assert "datasets are loaded" in texts(at)
    assert any(e.label.startswith("Kent and Medway: 13 districts, built ") for e in at.expander)  # named in words
    assert "hold no whole region" in texts(at)  # why the sidebar offers no region: here, not above every map
    assert str(settings.cache_dir()) not in texts(at)  # no server folder
    assert len(at.dataframe) >= 2 and all(t.proto.placeholder == MISSING_CELL for t in at.dataframe)  # no "None"
    assert not any(t.value.map(lambda v: v in ("None", "nan")).any().any() for t in at.dataframe)


def test_changing_an_option_does_not_reload_layers(kent: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    import hiap_geo.geo.layers
    from app import warm_up

    reads: list[str] = []
    real_read = hiap_geo.geo.layers.read_layer
    monkeypatch.setattr(hiap_geo.geo.layers, "read_layer",
                        lambda path, rows=None: reads.append(path.name) or real_read(path, rows))
    at = app(kent)
    for thread in threading.enumerate():  # the warm-up reads both editions' layers in the background once
        if thread.name == warm_up.THREAD:
            thread.join(timeout=120)
    before = len(reads)
    at.selectbox(key="measure").select("health").run()
    at.radio(key="value_type").set_value("score").run()
    at.toggle(key="presentation").set_value(True).run()
    assert not at.exception
    assert len(reads) == before, f"layers re-read from disk: {reads[before:]}"


@pytest.mark.parametrize("loader", ["chosen_areas", "map_layer"])
def test_areas_are_shared_not_copied_and_a_change_stays_with_its_caller(kent: str, loader: str) -> None:
    """Each call gets its own frame over one copy of the data (no copy per rerun); a page changing its frame
    (a column set, a value written) changes nothing another page or session reads."""
    import numpy as np

    import app.loaders

    areas = getattr(app.loaders, loader)
    edition = 2025 if loader == "chosen_areas" else "LSOA 2021"
    first, second = (areas(kent, "lsoa", edition, ("E07000116",)) for _ in range(2))
    assert first is not second and len(first) == 69
    assert np.shares_memory(first["imd_score"].to_numpy(), second["imd_score"].to_numpy())
    first["imd_score"] = 0.0
    first.loc[first.index[0], "name" if loader == "map_layer" else "lsoa_name"] = "=changed"
    third = areas(kent, "lsoa", edition, ("E07000116",))
    for frame in (second, third):
        assert frame["imd_score"].gt(0).all()
        assert "=changed" not in set(frame.iloc[:, :5].astype(str).to_numpy().ravel())


def test_idaci_and_idaopi_are_offered_for_both_editions(kent: str) -> None:
    at = app(kent, year=2025, measure="idaci")  # IDACI 2025 from File 3 of IoD 2025
    assert not at.exception
    for label in ("Income Deprivation Affecting Children (IDACI)",
                  "Income Deprivation Affecting Older People (IDAOPI)"):
        assert label in at.selectbox(key="measure").options
        assert label in app(kent, year=2019).selectbox(key="measure").options


def test_change_map_names_what_a_blank_means(kent: str) -> None:
    from hiap_geo.geo.measures import measure

    chosen = measure("lsoa", "imd_change", "change")
    assert chosen.missing_label.startswith("Not directly comparable")


def test_areas_picked_on_the_map_make_a_group_profile(kent: str) -> None:
    at = app(kent)
    for code in ("E01024840", "E01024841"):
        at.text_input(key="area_query").input(code).run()
        next(b for b in at.button if b.label == "Add to a group for a profile").click().run()
    assert at.session_state["profile_group"] == ["E01024840", "E01024841"]
    links = [e for e in at.get("page_link") if "group" in e.proto.label]
    assert links and links[0].proto.query_string == "area=E01024840%2CE01024841"
    next(b for b in at.button if b.label == "Remove from the group").click().run()
    assert at.session_state["profile_group"] == ["E01024840"]
    next(b for b in at.button if b.label == "Clear the group").click().run()
    assert at.session_state["profile_group"] == []


def test_the_map_path_opens_the_map_explorer(kent: str) -> None:
    """'/map' (the README's link) was "Page not found": Streamlit serves the default page at '/' only."""
    from streamlit.runtime.pages_manager import PagesManager

    at = app(kent)
    pages = at._registered_pages  # what st.navigation registered for a real session
    manager = PagesManager(str(settings.PROJECT_ROOT / "app.py"))
    manager.set_script_intent("", "map")  # a browser opening http://host/map
    found = manager.set_pages_and_resolve(pages, fallback_page_hash="")
    assert found is not None and found["script_path"].endswith("app/pages/map_explorer.py")
    at._page_hash = found["page_script_hash"]
    at.run()
    assert not at.exception and at.title[0].value == "Map explorer"
    assert at.multiselect(key="districts").value == [TUNBRIDGE_WELLS]  # the sidebar's map controls act here too
    root = PagesManager(str(settings.PROJECT_ROOT / "app.py"))
    root.set_script_intent("", "")
    assert root.set_pages_and_resolve(pages, fallback_page_hash=found["page_script_hash"]) is not None


def test_an_online_basemap_says_what_happens_offline(kent: str) -> None:
    at = app(kent, basemap="OpenStreetMap")
    assert not at.exception
    assert "Offline, the map says so" in "\n".join(c.value for c in at.sidebar.caption)
    assert "Offline, the map says so" not in "\n".join(c.value for c in app(kent).sidebar.caption)


def test_ward_shares_have_the_same_classes_in_both_editions(kent: str) -> None:
    scripts = []
    for year in (2019, 2025):
        at = app(kent, level="ward", area_value_type="share", year=year)
        assert not at.exception
        payloads = [json.loads(c.proto.json) for c in at.get("bidi_component")]  # the map component's, and its preload
        scripts.append(next(p["legend"] for p in payloads if "legend" in p))
    for label in ("over 80% to 100% (most deprived)", "over 10% to 20%", "0% (least deprived)", "Fixed classes"):
        assert all(label in script for script in scripts), label


def test_a_large_table_is_shown_on_request_and_its_csv_written_on_click(
    kent: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A region's or England's table would be re-sent on every switch of measure (issue 16): above
    TABLE_ROWS_SHOWN it waits for the toggle; the Kent map stands in for a region with a lower bound."""
    from hiap_geo.views import explorer

    monkeypatch.setattr(explorer, "TABLE_ROWS_SHOWN", 100)
    at = app(kent, districts=[TUNBRIDGE_WELLS, SEVENOAKS])
    assert not at.exception
    assert not at.dataframe
    toggle = at.toggle(key="explorer_big_table")
    assert toggle.label == "Show the table (144 rows)"
    at = toggle.set_value(True).run()
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == 144
    at = app(kent)  # 69 rows: shown at once
    assert len(at.dataframe) == 1
