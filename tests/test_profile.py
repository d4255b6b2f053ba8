"""Area profiles: the figures, on real data, equal the IoD tables, the official summaries and hand sums."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from hiap_geo.acquire.registry import dataset_path
from hiap_geo.core.errors import AmbiguousAreaName, UnknownArea
from hiap_geo.geo.deprivation import DOMAINS, compare_editions, decile_movement, load_iod
from hiap_geo.geo.lookups import lsoa_crosswalk, ward_lookup
from hiap_geo.render.profile.assemble import build_profile, parse_area_query, wards_of_district
from hiap_geo.render.profile.model import Num, Profile, ProfileError, ProfileTable, format_number
from hiap_geo.render.profile.tables import profile_tables
from hiap_geo.views.profile import ProfileRequest, profile_screen, read_request

TODAY = date(2026, 1, 15)
TUNBRIDGE_WELLS = "E07000116"
SHERWOOD_2024 = "E05015813"
# Unchanged 2011 -> 2021 Tunbridge Wells LSOAs in different IMD deciles: a group that exists in both editions.
GROUP = ["E01024840", "E01024841", "E01024839", "E01024830"]


def table(profile: Profile, key: str) -> ProfileTable:
    return next(t for t in profile_tables(profile) if t.key == key)


def value(cell: object) -> object:
    assert isinstance(cell, Num), f"expected a number, got {cell!r}"
    return cell.value


# ---------------------------------------------------------------------------------------------
# Small pieces, no data


def test_a_pasted_list_of_codes_is_a_group_and_a_name_is_one_area() -> None:
    assert parse_area_query("E01024840, E01024841;e05015813\n") == ["E01024840", "E01024841", "E05015813"]
    assert parse_area_query("Tunbridge Wells 005A") == ["Tunbridge Wells 005A"]
    assert parse_area_query(["Tunbridge", "Wells", "005A"]) == ["Tunbridge Wells 005A"]
    assert parse_area_query(["E01024840", "e01024840"]) == ["E01024840"]
    with pytest.raises(UnknownArea):
        parse_area_query("   ")


@pytest.mark.parametrize(
    ("number", "fmt", "text"),
    [(36.0789, "score", "36.079"), (0.17553, "share", "17.6%"), (5503, "rank", "5,503"), (1858.0, "int", "1,858"),
     (-2, "change", "-2"), (1, "change", "+1"), (0, "change", "0"), (7, "decile", "7"), (None, "score", "-"),
     (float("nan"), "int", "-"), (12345.6, "value", "12,346"), (17.23, "value", "17.2"), (0.1286, "value", "0.13")],
)
def test_numbers_print_as_a_reader_expects(number: float | None, fmt: str, text: str) -> None:
    assert format_number(number, fmt) == text  # type: ignore[arg-type]


def test_a_decile_change_reads_in_words() -> None:
    assert decile_movement(0) == "same decile"
    assert decile_movement(1) == "1 decile less deprived"
    assert decile_movement(-3) == "3 deciles more deprived"


def test_the_page_reads_its_inputs_as_a_request(real_data: Path) -> None:  # codes are checked against the data
    assert read_request("  \n", "Estate") is None
    assert read_request("E01024840\ne01024841", "  Sherwood estate ") == ProfileRequest(
        ("E01024840", "E01024841"), "Sherwood estate"
    )
    assert read_request("e01024840", "") == ProfileRequest(("E01024840",), None)


def test_a_name_is_read_as_the_code_of_its_place(real_data: Path) -> None:
    assert read_request("Tunbridge Wells 005A", "") == ProfileRequest(("E01024840",), None)


def test_a_table_cell_is_found_by_row_label_and_column() -> None:
    t = ProfileTable("t", "T", ["Figure", "A"], [["Population", Num(10.0, "int")], ["Score", Num(1.5, "score")]])
    assert t.cell("Score", "A") == Num(1.5, "score")
    with pytest.raises(KeyError):
        t.cell("Nothing", "A")


# ---------------------------------------------------------------------------------------------
# Real data


@pytest.fixture(scope="module")
def lsoa(real_data: Path) -> Profile:
    return build_profile("E01024840", today=TODAY)


@pytest.fixture(scope="module")
def ward(real_data: Path) -> Profile:
    return build_profile(SHERWOOD_2024, today=TODAY)


@pytest.fixture(scope="module")
def district(real_data: Path) -> Profile:
    return build_profile("Sevenoaks", today=TODAY)


@pytest.mark.integration
def test_an_lsoa_profile_gives_the_published_iod_figures(lsoa: Profile) -> None:
    assert lsoa.main.year == 2025 and lsoa.beside.year == 2019 and lsoa.beside.available
    key = table(lsoa, "key_figures")
    assert key.columns == ["Figure", "IoD 2025, LSOA 2021", "IoD 2019, LSOA 2011"]
    # IoD 2019 as published (rank 5,503, score 36.079, decile 2); IoD 2025 score 39.485, decile 2.
    assert value(key.cell("IMD score", "IoD 2019, LSOA 2011")) == pytest.approx(36.079)
    assert value(key.cell("IMD rank (1 = most deprived)", "IoD 2019, LSOA 2011")) == 5503
    assert value(key.cell("IMD national decile (1 = most deprived 10%)", "IoD 2019, LSOA 2011")) == 2
    assert value(key.cell("IMD score", "IoD 2025, LSOA 2021")) == pytest.approx(39.485)
    assert value(key.cell("IMD national decile (1 = most deprived 10%)", "IoD 2025, LSOA 2021")) == 2
    r25 = load_iod(2025).set_index("lsoa_code").loc["E01024840"]
    assert value(key.cell("IMD rank (1 = most deprived)", "IoD 2025, LSOA 2021")) == r25["imd_rank"]
    assert value(key.cell("Population", "IoD 2025, LSOA 2021")) == r25["population"]
    assert value(key.cell("LSOAs ranked in England", "IoD 2025, LSOA 2021")) == 33_755

    # Within-district decile, by hand: rank the district's LSOAs and cut them in tenths.
    tw = load_iod(2025)[lambda t: t["lad_code"] == TUNBRIDGE_WELLS].sort_values("imd_rank").reset_index(drop=True)
    position = tw.index[tw["lsoa_code"] == "E01024840"][0]
    local = int(np.floor(position * 10 / len(tw)) + 1)
    assert value(key.cell("IMD decile within its district (1 = most deprived 10%)", "IoD 2025, LSOA 2021")) == local

    domains = table(lsoa, "domains")
    r19 = load_iod(2019).set_index("lsoa_code").loc["E01024840"]
    for row in domains.rows:
        measure = next(m for m in ["imd", *DOMAINS, "idaci", "idaopi"] if row[0] == _label(m))
        assert value(domains.cell(row[0], "Decile, IoD 2025")) == _or_none(r25[f"{measure}_decile"])
        assert value(domains.cell(row[0], "Decile, IoD 2019")) == _or_none(r19[f"{measure}_decile"])
    change = table(lsoa, "change")
    assert change.cell("Movement", "Value") == "same decile"
    assert change.cell("2011 to 2021 boundary change", "Value") == "unchanged"


def _label(measure: str) -> str:
    from hiap_geo.geo.deprivation import MEASURES

    return MEASURES[measure]


def _or_none(x: object) -> object:
    return None if pd.isna(x) else int(x)  # type: ignore[call-overload]


@pytest.mark.integration
def test_a_custom_group_equals_population_weighted_figures_by_hand(real_data: Path) -> None:
    crosswalk = lsoa_crosswalk().set_index("lsoa21_code")
    assert (crosswalk.loc[GROUP, "change"] == "U").all()
    profile = build_profile(GROUP, name="Sherwood and around", today=TODAY)
    assert profile.area.is_group and profile.area.name == "Sherwood and around"
    assert re.fullmatch(r"profile_sherwood-and-around_E01024840-E01024841-and-2-more-[0-9a-f]{6}_2026-01-15",
                        profile.file_stem())

    for year in (2025, 2019):
        lsoas = load_iod(year)[lambda t: t["lsoa_code"].isin(GROUP)]
        pop = lsoas["population"]
        figures = profile.editions[year]
        assert figures.available and figures.lsoa_count == 4
        assert figures.population == pytest.approx(pop.sum())
        assert figures.imd_score == pytest.approx((lsoas["imd_score"] * pop).sum() / pop.sum(), rel=1e-12)
        share = pop[lsoas["imd_decile"] <= 2].sum() / pop.sum()
        assert figures.imd_pop_share_decile_1_2 == pytest.approx(share, rel=1e-12)
        counts = lsoas["imd_decile"].value_counts()
        assert figures.decile_counts() == [int(counts.get(d, 0)) for d in range(1, 11)]
        for domain in ["income", "employment"]:  # scores present in both editions
            by_hand = (lsoas[f"{domain}_score"] * pop).sum() / pop.sum()
            assert figures.weighted_score(domain) == pytest.approx(by_hand, rel=1e-12)

    key = table(profile, "key_figures")
    lsoas25 = load_iod(2025)[lambda t: t["lsoa_code"].isin(GROUP)]
    by_hand = (lsoas25["imd_score"] * lsoas25["population"]).sum() / lsoas25["population"].sum()
    assert value(key.cell("IMD score, population-weighted", "IoD 2025, LSOA 2021")) == pytest.approx(by_hand)
    deciles = table(profile, "imd_deciles")
    assert value(deciles.cell("2", "LSOAs, IoD 2025")) == (lsoas25["imd_decile"] == 2).sum()
    assert value(deciles.cell("All", "Population, IoD 2025")) == pytest.approx(lsoas25["population"].sum())
    domains = table(profile, "domains")
    for domain in ["education", "health", "crime", "barriers", "living_environment"]:
        w = (lsoas25[f"{domain}_score"] * lsoas25["population"]).sum() / lsoas25["population"].sum()
        assert value(domains.cell(_label(domain), "Score (pop.-weighted), IoD 2025")) == pytest.approx(w)
    members = table(profile, "lsoas_2025")
    assert sorted(r[0] for r in members.rows) == sorted(GROUP)

    from hiap_geo.indicators.tables import lsoa_base

    base = lsoa_base()[lambda t: t["lsoa_code"].isin(GROUP)]
    indicators = table(profile, "indicators")
    by_hand = 100 * base["disabled"].sum() / base["population"].sum()
    assert value(indicators.cell("Disabled under the Equality Act (Census 2021)", "Value")) == pytest.approx(by_hand)
    income = (base["income_score"] * base["population"]).sum() / base["population"].sum() * 100
    assert value(indicators.cell("Income deprivation (IoD 2025 income domain rate)", "Value")) == pytest.approx(income)


@pytest.mark.integration
def test_a_custom_groups_indicators_are_made_from_its_lsoas(real_data: Path) -> None:
    from hiap_geo.indicators.tables import lsoa_base

    profile = build_profile(GROUP, name="Sherwood and around", today=TODAY)
    base = lsoa_base()
    mine = base[base["lsoa_code"].isin(GROUP)]
    indicators = table(profile, "indicators")
    name = "Disabled under the Equality Act (Census 2021)"
    by_hand = 100 * mine["disabled"].sum() / mine["population"].sum()
    assert value(indicators.cell(name, "Value")) == pytest.approx(by_hand)
    assert "built from its 4 LSOAs 2021" in indicators.note
    assert not any("not available yet" in t.as_text_frame().to_string() for t in profile_tables(profile))


@pytest.mark.integration
def test_a_group_that_names_a_ward_and_one_of_its_lsoas_counts_that_lsoa_once(ward: Profile) -> None:
    profile = build_profile([SHERWOOD_2024, "E01024840"], today=TODAY)
    assert profile.main.lsoa_count == ward.main.lsoa_count == 5
    assert profile.main.population == ward.main.population
    assert profile.main.overlap == 1
    assert "counted once" in table(profile, "key_figures").note


@pytest.mark.integration
def test_a_new_ward_uses_the_2024_lookup_and_says_it_has_no_2019_figures(ward: Profile) -> None:
    lookup = ward_lookup(2025)
    members = set(lookup.loc[lookup["ward_code"] == SHERWOOD_2024, "lsoa_code"])
    assert set(ward.main.lsoas["lsoa_code"]) == members and len(members) == 5
    assert ward.main.header == "IoD 2025, Ward 2024 (best fit)"
    assert not ward.editions[2019].available
    assert SHERWOOD_2024 not in set(ward_lookup(2019)["ward_code"])  # the note's claim, from the 2019 lookup
    assert "no IoD 2019 figures for it" in ward.editions[2019].note
    assert table(ward, "key_figures").columns == ["Figure", "IoD 2025, Ward 2024 (best fit)"]

    compared = compare_editions()
    mine = compared[compared["lsoa21_code"].isin(members)]
    moves = mine.loc[mine["comparable"], "imd_decile_change"]
    assert ward.change.movement_counts() == {
        "more deprived": int((moves < 0).sum()),
        "same decile": int((moves == 0).sum()),
        "less deprived": int((moves > 0).sum()),
        "not directly comparable": int((~mine["comparable"]).sum()),
    }
    assert list(ward.boundaries["code"]) == [SHERWOOD_2024]
    assert ward.boundaries["boundary_vintage"].iat[0] == "LSOA Dec 2021 (dissolved)"  # follows its LSOAs
    assert ward.boundaries.geometry.is_valid.all() and ward.boundaries.crs.to_epsg() == 4326


@pytest.mark.integration
def test_a_district_profile_carries_mhclg_file_10(district: Profile) -> None:
    assert district.area.code == "E07000111" and district.area.kind == "district"
    assert district.editions[2025].lsoa_count == 75 and district.editions[2019].lsoa_count == 74
    # Read File 10 directly: MHCLG's rank of the district's average score among 317 districts.
    sheet = openpyxl.load_workbook(dataset_path("iod2019_district_summaries"), read_only=True)["IMD"]
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(h).strip() for h in rows[0]]
    published = dict(zip(header, next(r for r in rows[1:] if r[0] == "E07000111"), strict=True))
    key = table(district, "key_figures")
    column = "IoD 2019, LAD 2019"
    assert value(key.cell("Rank of average score among districts (1 = most deprived)", column)) == (
        published["IMD - Rank of average score"]
    )
    assert value(key.cell("Districts ranked", column)) == 317
    assert value(key.cell("Official average IMD score (File 10)", column)) == pytest.approx(12.437)
    assert value(key.cell("IMD score, population-weighted", column)) == pytest.approx(12.437, abs=5e-4)
    assert any(t.key == "indicators_health_index" and t.rows for t in profile_tables(district))


@pytest.mark.integration
def test_an_lsoa_that_was_split_in_2021_is_profiled_on_iod_2019_with_its_successors(real_data: Path) -> None:
    profile = build_profile("E01024801", today=TODAY)
    assert profile.main.year == 2019 and not profile.editions[2025].available
    crosswalk = lsoa_crosswalk()
    successors = set(crosswalk.loc[crosswalk["lsoa11_code"] == "E01024801", "lsoa21_code"])
    assert len(successors) == 2
    assert {r[0] for r in table(profile, "successors").rows} == successors
    assert "not part of" in profile.indicators.note


@pytest.mark.integration
@pytest.mark.parametrize(
    ("query", "error", "message"),
    [("E01999999", UnknownArea, "No area matches 'E01999999'"), ("Nowhere-on-Sea", UnknownArea, "No area matches"),
     ("Sherwood", AmbiguousAreaName, "matches 5 areas"),
     (["E07000116", "E01024840"], ProfileError, "E07000116 is a district")],
)
def test_an_area_that_cannot_be_profiled_gives_a_clear_error(
    real_data: Path, query: str | list[str], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        build_profile(query)


@pytest.mark.integration
def test_the_plan_actions_that_reach_the_ward_are_listed(ward: Profile) -> None:
    from hiap_geo.plans.load import load_plan, plan_files
    from hiap_geo.plans.resolve import lsoa_reach

    path = next(p for p in plan_files() if p.name == "tunbridge-wells-2023-25.yaml")
    reach = lsoa_reach(load_plan(path))
    crosswalk = lsoa_crosswalk()
    lsoa11 = set(crosswalk.loc[crosswalk["lsoa21_code"].isin(ward.main.lsoas["lsoa_code"]), "lsoa11_code"])
    reached = reach[(reach["action_id"] == "3.4") & reach["lsoa_code"].isin(lsoa11)]["lsoa_code"].nunique()
    actions = table(ward, "actions")
    row = next(r for r in actions.rows if r[1] == "3.4")
    assert row[0] == "Tunbridge Wells 2023-25" and "names the area's LSOAs" in row[6]
    assert value(row[7]) == reached > 0
    assert all("whole district" not in r[6] for r in actions.rows)  # district-wide ones: one line, not rows
    assert re.search(r"\d+ district-wide actions of the Tunbridge Wells 2023-25 plan also apply", actions.note)
    assert "actions_district_wide" not in {t.key for t in profile_tables(ward)}


@pytest.mark.integration
def test_indicators_are_built_from_the_ward_lsoas_and_compared(ward: Profile) -> None:
    from hiap_geo.indicators.tables import lsoa_base

    base = lsoa_base()
    mine = base[base["lsoa_code"].isin(ward.main.lsoas["lsoa_code"])]
    indicators = table(ward, "indicators")
    name = "Disabled under the Equality Act (Census 2021)"
    by_hand = 100 * mine["disabled"].sum() / mine["population"].sum()
    assert value(indicators.cell(name, "Value")) == pytest.approx(by_hand)
    england = 100 * base["disabled"].sum() / base["population"].sum()
    assert value(indicators.cell(name, "England")) == pytest.approx(england)
    tw = base[base["lad_code"] == TUNBRIDGE_WELLS]
    district_value = 100 * tw["disabled"].sum() / tw["population"].sum()
    assert value(indicators.cell(name, "District (Tunbridge Wells)")) == pytest.approx(district_value)
    lower, upper = value(indicators.cell(name, "Lower 95%")), value(indicators.cell(name, "Upper 95%"))
    expected = "Worse (95%)" if lower > district_value else "Better (95%)" if upper < district_value else "Similar"
    assert indicators.cell(name, "Compared with district") == expected
    # A ward's mean of LSOA standardised ratios is not set beside England's 100 (England's own mean is 113.3).
    cidr = indicators.cell("Comparative illness and disability ratio (IoD 2025)", "England")
    assert cidr == ("not comparable: England = 100 by definition; the same mean over England's LSOAs is 113.3")


@pytest.mark.integration
def test_sources_name_publisher_vintage_and_licence_with_the_attribution(lsoa: Profile) -> None:
    ids = {d.id for d in lsoa.sources}
    assert {"iod2025_domains", "iod2019_domains", "census2021_residents", "lsoa2021_boundaries"} <= ids
    sources = table(lsoa, "sources")
    assert len(sources.rows) == len(lsoa.sources)
    assert all(row[1] and row[2] and row[3] for row in sources.rows)
    assert "Open Government Licence v3.0" in lsoa.attribution and "Contains OS data" in lsoa.attribution
    assert "Generated 15 January 2026" in sources.note


@pytest.mark.integration
def test_every_ward_of_a_district(real_data: Path) -> None:
    lookup = ward_lookup(2025)
    expected = set(lookup.loc[lookup["lad_code"] == TUNBRIDGE_WELLS, "ward_code"])
    wards = wards_of_district("Tunbridge Wells")
    assert set(wards) == expected and len(wards) == 14 and SHERWOOD_2024 in wards
    with pytest.raises(ProfileError, match="needs a district"):
        wards_of_district("E01024840")


@pytest.mark.integration
def test_the_latest_hat_review_of_an_action_is_its_status(
    real_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hiap_geo.plans.load import plan_files
    from hiap_geo.plans.progress import ProgressStore

    url = f"sqlite:///{tmp_path / 'progress.sqlite'}"
    monkeypatch.setenv("HIAP_PROGRESS_DB", url)
    store = ProgressStore(url)
    store.register_plan(next(p for p in plan_files() if p.name == "tunbridge-wells-2023-25.yaml"))
    store.record_review("tunbridge-wells-2023-25", "3.4", "at_risk", date(2025, 11, 3), note="venue lost")
    store.record_review("tunbridge-wells-2023-25", "3.4", "on_track", date(2025, 12, 1), note="new venue")
    profile = build_profile(SHERWOOD_2024, today=TODAY)
    actions = table(profile, "actions")
    row = next(r for r in actions.rows if r[1] == "3.4")
    assert row[5] == "On track (review 2025-12-01)"
    assert "latest progress review recorded by the Health Action Team" in actions.note
    assert "sqlite" not in actions.note and str(tmp_path) not in actions.note


@pytest.mark.integration
def test_the_page_shows_the_exports_tables_and_offers_every_format(ward: Profile) -> None:
    screen = profile_screen(ward)
    tables = profile_tables(ward)
    assert [t.title for t in screen.tables] == [t.title for t in tables]
    for shown, t in zip(screen.tables, tables, strict=True):
        if t.message:
            assert shown.frame is None and shown.message == t.message_text()
        else:
            assert shown.frame.equals(t.as_text_frame()) and shown.note == t.note
    assert [d.fmt for d in screen.downloads] == ["pdf", "docx", "xlsx", "csv", "geojson"]
    assert screen.downloads[0].file_name.startswith("profile_sherwood_E05015813_2026-01-15")
    assert screen.title == "Sherwood (E05015813)" and screen.attribution == ward.attribution
