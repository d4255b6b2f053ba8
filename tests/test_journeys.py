"""The analyst's journey (Sevenoaks wards, 2019 against 2025) and one number format per measure kind."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from hiap_geo.core import settings
from hiap_geo.geo.area_change import CHANGE_CAVEAT, ESTIMATED_2019, estimated_2019_figures, national_figures
from hiap_geo.geo.deprivation import load_iod
from hiap_geo.geo.layers import load_layer
from hiap_geo.geo.lookups import lsoa_crosswalk, ward_lookup
from hiap_geo.geo.measures import map_areas, measure
from hiap_geo.views.explorer import areas_of, change_2019_2025, measure_export_table, value_column, value_format

pytestmark = pytest.mark.integration

SEVENOAKS, TUNBRIDGE_WELLS = "E07000111", "E07000116"
SWANLEY_ST_MARYS, SHERWOOD_2024 = "E05005031", "E05015813"


def share_by_hand(year: int, ward: str, top: int) -> float:
    lsoas = load_iod(year).merge(ward_lookup(year)[["lsoa_code", "ward_code"]], on="lsoa_code")
    mine = lsoas[lsoas["ward_code"] == ward]
    return round(100 * mine.loc[mine["imd_decile"] <= top, "population"].sum() / mine["population"].sum(), 1)


def test_sevenoaks_wards_2019_and_2025_side_by_side(real_data: object) -> None:
    table = change_2019_2025("ward", (SEVENOAKS,)).set_index("code")
    share = "% of residents in national deciles 1-2"
    row = table.loc[SWANLEY_ST_MARYS]
    assert row[f"{share}, 2019"] == share_by_hand(2019, SWANLEY_ST_MARYS, 2) == 67.5
    assert row[f"{share}, 2025"] == share_by_hand(2025, SWANLEY_ST_MARYS, 2) == 68.2
    assert row["% of residents in national decile 1, 2025"] == share_by_hand(2025, SWANLEY_ST_MARYS, 1)
    assert row[f"change in {share} (percentage points)"] == pytest.approx(0.7)
    rank = "rank of average score (1 = most deprived)"
    assert row[f"{rank}, 2025"] < row[f"{rank}, 2019"]
    assert (table["wards ranked, 2025"] == 6784).all() and (table["wards ranked, 2019"] == 7180).all()
    assert table.index[0] == SWANLEY_ST_MARYS  # most deprived in 2025 first
    assert (table["caveat"] == CHANGE_CAVEAT).all() and CHANGE_CAVEAT.count(". ") == 0  # one sentence


def test_a_ward_redrawn_in_2024_has_2019_figures_on_its_own_neighbourhoods_and_says_so(real_data: object) -> None:
    table = change_2019_2025("ward", (TUNBRIDGE_WELLS,)).set_index("code")
    assert (table["2019 figures"] == ESTIMATED_2019).all()  # Tunbridge Wells redrew every ward in 2024
    row = table.loc[SHERWOOD_2024]
    assert row["% of residents in national deciles 1-2, 2025"] == 17.6  # as the side panel says
    # Sherwood's 2021 neighbourhoods came from 2011 ones with the same 2019 deciles 1-2 share, worked out by hand:
    # each 2021 LSOA's 2019 score is its 2011 parents' population-weighted score, placed in 2019's deciles.
    iod19 = load_iod(2019)
    floor_2 = iod19.loc[iod19["imd_decile"] == 2, "imd_score"].min()
    links = lsoa_crosswalk().merge(iod19.rename(columns={"lsoa_code": "lsoa11_code"}), on="lsoa11_code")
    links["weighted"] = links["imd_score"] * links["population"]
    parents = links.groupby("lsoa21_code")[["weighted", "population"]].sum()
    score_2019 = parents["weighted"] / parents["population"]
    mine = load_iod(2025).merge(ward_lookup(2025)[["lsoa_code", "ward_code"]], on="lsoa_code")
    mine = mine[mine["ward_code"] == SHERWOOD_2024]
    deprived = score_2019.reindex(mine["lsoa_code"]).to_numpy() >= floor_2
    by_hand = round(100 * mine.loc[deprived, "population"].sum() / mine["population"].sum(), 1)
    assert row["% of residents in national deciles 1-2, 2019"] == by_hand > 0
    assert not table["% of residents in national deciles 1-2, 2019"].isna().any()


def test_estimated_2019_figures_agree_with_the_published_wards_where_the_ward_kept_its_code(
        real_data: object) -> None:
    """The estimate's check: on the 3,888 wards drawn alike in 2019 and 2024, the same figures within a point."""
    estimated = estimated_2019_figures("ward").set_index("code")
    published = national_figures("ward", 2019).set_index("code")
    kept = estimated.index.intersection(published.index)
    assert len(kept) > 3000
    share = (estimated.loc[kept, "share_1_2"] - published.loc[kept, "share_1_2"]).abs()
    score = (estimated.loc[kept, "score"] - published.loc[kept, "score"]).abs()
    assert share.median() < 0.5 and share.mean() < 1 and score.median() < 0.5


def test_shares_are_percentages_with_their_base_in_the_table_and_csv(kent: str) -> None:
    layer = areas_of(load_layer(kent, "ward", 2025), "ward", 2025, (SEVENOAKS,))
    chosen = measure("ward", "imd", "share")
    table = measure_export_table(map_areas(layer, "ward", chosen), chosen, 2025, "ward", layer=layer)
    column = value_column(chosen)
    assert column == "Population in national IMD deciles 1-2 (% of residents)" and value_format(chosen) == "%.1f%%"
    swanley = table.set_index("code").loc[SWANLEY_ST_MARYS]
    assert swanley[column] == 68.2  # not 0.682
    assert swanley["residents (the base)"] > 0 and "Census 2021" in swanley["base"]


def test_the_map_explorer_shows_ward_change_below_the_map(kent: str) -> None:
    at = AppTest.from_file(str(settings.PROJECT_ROOT / "app.py"), default_timeout=120)
    at.session_state["districts"] = [SEVENOAKS]
    at.session_state["level"] = "ward"
    at.session_state["area_value_type"] = "share"
    at.run()
    assert not at.exception
    assert any(s.value == "Change 2019 to 2025 for these wards" for s in at.subheader)
    frames = [f.value for f in at.dataframe]
    change = next(f for f in frames if "% of residents in national deciles 1-2, 2019" in f.columns)
    assert "Swanley St Mary's" in set(change["name"])
    assert any(CHANGE_CAVEAT in c.value for c in at.caption)


def test_the_picker_names_the_ward_and_the_panel_puts_the_latest_edition_first(kent: str) -> None:
    from hiap_geo.views.explorer import found_outline, pick_label, search
    from hiap_geo.views.info import area_info, split_definitions

    layer = areas_of(load_layer(kent, "lsoa", 2025), "lsoa", 2025, (TUNBRIDGE_WELLS,))
    areas = map_areas(layer, "lsoa", measure("lsoa", "imd", "decile"))
    found = search(areas, "Sherwood")
    assert len(found) == 5
    assert pick_label(areas, "E01024840", "lsoa") == "Tunbridge Wells 005A, in Sherwood ward (E01024840)"
    (outline,) = found_outline(found, "Sherwood")
    assert len(outline.geometry) == 5 and outline.label == "Found: 5 areas matching 'Sherwood'"
    sections = area_info("E01024840").sections
    assert sections[0][0].startswith("IoD 2025") and sections[1][0].startswith("IoD 2019")
    figures, definitions = split_definitions(sections[0][1])
    assert [label for label, _ in definitions] == ["Local deciles"]  # behind "How is this worked out?"
    assert all(label != "Local deciles" for label, _ in figures)


THREE_LSOAS = ["E01024840", "E01024822", "E01024795"]  # two in Sherwood ward, one in another Tunbridge Wells ward


def test_a_group_of_three_lsoas_is_compared_like_a_ward(real_data: object) -> None:
    from datetime import date

    from hiap_geo.render.profile.assemble import build_profile
    from hiap_geo.render.profile.summary import profile_summary
    from hiap_geo.render.profile.tables import profile_tables

    profile = build_profile(THREE_LSOAS, name="Three neighbourhoods", today=date(2026, 1, 15))
    indicators = next(t for t in profile_tables(profile) if t.key == "indicators").as_text_frame()
    verdicts = indicators["Compared with England"]
    uncompared = verdicts[verdicts.str.startswith("Not compared")]
    assert len(indicators) >= 20 and len(uncompared) <= len(indicators) / 3, verdicts.tolist()
    assert all(v != "Not compared (no interval)" and ": " in v for v in uncompared)  # each says why
    placed = verdicts[verdicts.str.contains("English wards")]
    assert len(placed) and placed.str.endswith("(areas of about the group's size)").all()
    wards = set(ward_lookup(2025).set_index("lsoa_code").loc[THREE_LSOAS, "ward_name"])
    summary = profile_summary(profile).text()
    assert "Sherwood" in wards and all(ward in summary for ward in wards), summary


MAP_ONLY = {"Geography", "Indices of Deprivation", "Measure", "Value", "Local deciles (ranked within each district)"}


@pytest.mark.parametrize("page", ["app/pages/indicators.py", "app/pages/targeting.py", "app/pages/plan.py"])
def test_no_inert_sidebar_control_and_one_geography_per_page(kent: str, page: str) -> None:
    at = AppTest.from_file(str(settings.PROJECT_ROOT / "app.py"), default_timeout=120)
    at.session_state["year"] = 2019  # chosen on the Map explorer: kept, not offered, where it does nothing
    at.run()
    drawn = {w.label for w in (*at.sidebar.radio, *at.sidebar.selectbox, *at.sidebar.toggle)}
    assert drawn & MAP_ONLY == MAP_ONLY  # the Map explorer draws them
    at.switch_page(page).run()
    assert not at.exception
    sidebar = {w.label for w in (*at.sidebar.radio, *at.sidebar.selectbox, *at.sidebar.toggle)}
    assert not sidebar & MAP_ONLY, sidebar
    assert "Basemap" in sidebar and "Presentation mode (for meetings)" in sidebar
    assert sum(r.label == "Geography" for r in at.main.radio) <= 1
    at.switch_page("app/pages/map_explorer.py").run()
    assert at.sidebar.radio(key="year").value == 2019  # the visit lost nothing


def test_a_profile_ends_with_a_glossary_of_the_words_it_uses(real_data: object) -> None:
    from datetime import date

    from hiap_geo.render.profile.assemble import build_profile
    from hiap_geo.render.profile.tables import profile_tables

    tables = profile_tables(build_profile(THREE_LSOAS, name="Three neighbourhoods", today=date(2026, 1, 15)))
    assert [t.key for t in tables][-2:] == ["glossary", "sources"]
    terms = {row[0] for row in tables[-2].rows}
    assert {"Best fit", "LSOA 2011, LSOA 2021", "Decile", "95% interval (lower and upper 95%)", "Fingertips"} <= terms
    body = "\n".join(t.as_text_frame().to_string() for t in tables[:-2])
    if "modelled proportion" in body:
        assert "Modelled proportion" in terms


def test_the_profile_maps_ward_lines_are_the_unions_of_its_lsoas(real_data: object) -> None:
    import shapely

    from hiap_geo.core.editions import IOD2025
    from hiap_geo.geo.boundaries import read_boundaries
    from hiap_geo.render.static_map import _outlines_from

    lookup = ward_lookup(2025)
    members = lookup.loc[lookup["ward_code"] == SHERWOOD_2024, "lsoa_code"].tolist()
    lsoas, _ = read_boundaries(IOD2025.lsoa_boundaries, members)
    wards, districts = _outlines_from(lsoas, 2025)
    sherwood = wards.set_index("code").at[SHERWOOD_2024, "geometry"]
    union = shapely.union_all(lsoas.geometry.values)
    assert sherwood.symmetric_difference(union).area <= 1e-9 * union.area
    assert set(wards["name"]) == {"Sherwood"} and set(districts["name"]) == {"Tunbridge Wells"}
