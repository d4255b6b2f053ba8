"""QOF register estimates by small area (House of Commons Library, MSOA 2011): the real file, its move to MSOA
2021, LSOA and ward values by hand, the converter for the Library's workbook, and Sherwood ward's profile."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from hiap_geo.acquire.convert import commons_library
from hiap_geo.acquire.registry import dataset_path
from hiap_geo.acquire.sniff import sniff
from hiap_geo.acquire.validate import InvalidOfficialFile
from hiap_geo.indicators.catalogue import QOF_LABEL, QOF_SPECS, catalogue
from hiap_geo.indicators.readers import load_indicators, qof_indicators
from hiap_geo.indicators.tables import qof_lsoa_base, qof_msoa_base
from hiap_geo.render.profile.assemble import build_profile
from hiap_geo.render.profile.model import Num
from hiap_geo.render.profile.tables import profile_tables
from tests.publisher_emulator import qof_workbook

TUNBRIDGE_WELLS, SEVENOAKS = "E07000116", "E07000111"
SHERWOOD = "E05015813"


@pytest.fixture(scope="module")
def raw(real_data: Path) -> pd.DataFrame:
    return pd.read_csv(dataset_path("hoc_qof_prevalence_msoa11"), dtype={"msoa11cd": str})


@pytest.fixture(scope="module")
def lookup(real_data: Path) -> pd.DataFrame:
    return pd.read_csv(dataset_path("lookup_msoa11_msoa21"), dtype=str)


def _row(frame: pd.DataFrame, indicator: str, code: str, area_type: str) -> pd.Series:
    rows = frame[(frame["indicator_id"] == indicator) & (frame["area_code"] == code)
                 & (frame["area_type"] == area_type)]
    assert len(rows) == 1, (indicator, code, area_type)
    return rows.iloc[0]


def test_every_english_msoa_2011_is_in_the_file_once(raw: pd.DataFrame, lookup: pd.DataFrame) -> None:
    english = set(lookup.loc[lookup["MSOA11CD"].str.startswith("E02"), "MSOA11CD"])
    assert len(english) == 6_791
    assert set(raw["msoa11cd"]) == english and not raw["msoa11cd"].duplicated().any()
    for district, count in ((TUNBRIDGE_WELLS, 14), (SEVENOAKS, 15)):
        theirs = set(lookup.loc[lookup["LAD22CD"] == district, "MSOA11CD"])
        assert len(theirs) == count and theirs <= set(raw["msoa11cd"])


def test_three_msoas_equal_the_raw_file_by_hand(real_data: Path) -> None:
    # Copied by hand from the raw file (zcat | grep), as proportions; shown as percentages.
    hand = {
        "E02005162": {"qof_asthma": 0.05910147890835192, "qof_obesity": 0.15460151022354932},  # Tunbridge Wells 001
        "E02005087": {"qof_diabetes": 0.06462489774945138, "qof_obesity": 0.08504390617183293},  # Sevenoaks 001
        "E02000001": {"qof_hypertension": 0.08735841976746761, "qof_copd": 0.006929966970320675},  # City of London 001
    }
    rows = qof_indicators(None, with_comparators=False)
    for code, values in hand.items():
        for indicator, proportion in values.items():
            row = _row(rows, indicator, code, "msoa")
            assert row["value"] == pytest.approx(proportion * 100, abs=1e-8)
            assert row["method"].startswith(QOF_LABEL) and f"as published for MSOA 2011 {code}" in row["method"]
            assert pd.isna(row["lower_95"]) and pd.isna(row["count"])
            assert row["period"] == "QOF about 2018/19" and QOF_LABEL in row["unit"]


def test_msoas_2011_move_to_2021_split_merged_and_redrawn(real_data: Path) -> None:
    msoa = qof_msoa_base().set_index("msoa_code")
    assert len(msoa) == 6_856  # every English MSOA 2021
    assert msoa["change"].value_counts().to_dict() == {"U": 6_677, "S": 160, "M": 16, "X": 3}
    # Split: E02001424 became E02006935 and E02006936; both keep its estimate.
    assert msoa.at["E02006935", "qof_obesity"] == msoa.at["E02006936", "qof_obesity"]
    assert msoa.at["E02006935", "msoa11_codes"] == "E02001424"
    # Merged: Hartlepool 005 (E02002487, 5,174 residents mid-2020) and 006 (E02002488, 5,894) became E02007059.
    by_hand = (0.13417269559700434 * 5_174 + 0.13537481308341945 * 5_894) / (5_174 + 5_894)
    assert msoa.at["E02007059", "qof_obesity"] == pytest.approx(by_hand, abs=1e-10)
    assert msoa.at["E02007059", "change"] == "M"
    rows = qof_indicators(None, with_comparators=False)
    assert "merged from MSOAs 2011 E02002487, E02002488" in _row(rows, "qof_obesity", "E02007059", "msoa")["method"]
    assert "approximate" in _row(rows, "qof_obesity", "E02007107", "msoa")["method"]  # redrawn
    assert qof_lsoa_base()["msoa21_code"].notna().all()


def test_sherwood_ward_by_hand_from_its_lsoas_msoas(real_data: Path) -> None:
    # Sherwood's five LSOAs 2021 (ONS LSOA21-WD24 lookup) with Census 2021 residents (TS038) and the MSOA each
    # lies in: 005A 1,858, 005B 1,981, 005C 1,629 (Tunbridge Wells 005, obesity 0.0718018558864809),
    # 003B 2,890 (003, 0.08380341551976765), 009B 2,227 (009, 0.05722357654347863).
    by_hand = ((1_858 + 1_981 + 1_629) * 0.0718018558864809 + 2_890 * 0.08380341551976765
               + 2_227 * 0.05722357654347863) / 10_585 * 100
    rows = qof_indicators([TUNBRIDGE_WELLS])
    ward = _row(rows, "qof_obesity", SHERWOOD, "ward")
    assert ward["value"] == pytest.approx(by_hand, abs=1e-8)
    assert round(ward["value"], 2) == 7.20
    assert ward["method"] == (f"{QOF_LABEL}; the estimates of the 3 MSOAs its 5 LSOAs lie in, weighted by Census "
                              "2021 usual residents")
    lsoa = _row(rows, "qof_obesity", "E01024840", "lsoa")
    assert lsoa["value"] == pytest.approx(7.18018558864809, abs=1e-8)
    assert lsoa["method"].startswith(f"{QOF_LABEL}; the estimate of MSOA E02005166")
    assert set(rows["area_type"]) == {"lsoa", "msoa", "ward", "district", "england"}
    assert rows.groupby("area_type")["area_code"].nunique().to_dict() == {
        "lsoa": 69, "msoa": 14, "ward": 14, "district": 1, "england": 1}


def test_the_indicators_page_data_and_catalogue_carry_the_label(real_data: Path) -> None:
    data = load_indicators([TUNBRIDGE_WELLS])
    qof = data[data["indicator_id"].str.startswith("qof_")]
    assert set(qof["indicator_id"]) == {s.id for s in QOF_SPECS}
    assert qof["unit"].str.contains(QOF_LABEL, regex=False).all() and qof["method"].str.startswith(QOF_LABEL).all()
    assert not qof["indicator_name"].str.contains("obesity prevalence", case=False).any()
    obesity = qof.loc[qof["indicator_id"] == "qof_obesity", "indicator_name"].iat[0]
    assert "register" in obesity and "not survey obesity" in obesity
    rows = catalogue().set_index("indicator_id").loc[[s.id for s in QOF_SPECS]]
    assert (rows["limits"] == "none").all() and rows["note"].str.contains("far below survey obesity").all()


def test_sherwood_profile_shows_obesity_and_the_other_conditions_labelled(real_data: Path) -> None:
    profile = build_profile(SHERWOOD, today=date(2026, 1, 15))
    table = next(t for t in profile_tables(profile) if t.key == "indicators")
    rows = {r[0]: r for r in table.rows if "(QOF" in str(r[0])}
    assert len(rows) == 7
    obesity = next(r for name, r in rows.items() if name.startswith("Obesity on GP registers"))
    assert isinstance(obesity[3], Num) and round(obesity[3].value, 2) == 7.20
    for row in rows.values():
        assert QOF_LABEL in row[1] and row[2] == "QOF about 2018/19"
        assert row[-1].endswith("English MSOAs") and row[7].endswith("of 14 wards")
    assert "far below the obesity a survey measures" in table.note
    assert "hoc_qof_prevalence_msoa11" in {d.id for d in profile.sources}


def test_the_libraries_workbook_converts_to_the_mirror_table(mirror: Path, tmp_path: Path) -> None:
    workbook = qof_workbook(mirror, tmp_path / "HealthDiseasePrevalence.xlsx")
    out = tmp_path / "converted.csv.gz"
    commons_library._build([sniff(workbook)], out, commons_library.DATASET)
    theirs = pd.read_csv(mirror / "health/HoC_Library_modelled_disease_prevalence_MSOA11_England.csv.gz")
    pd.testing.assert_frame_equal(pd.read_csv(out), theirs, check_exact=False, rtol=1e-12)


def test_a_workbook_in_percentages_or_cut_short_is_refused(mirror: Path, tmp_path: Path) -> None:
    changes = {"pct.xlsx": lambda f: f.assign(Obesity=f["Obesity"] * 100), "short.xlsx": lambda f: f.head(500)}
    for name, change in changes.items():
        workbook = qof_workbook(mirror, tmp_path / name, change)
        with pytest.raises(InvalidOfficialFile, match="Nothing was saved"):
            commons_library._build([sniff(workbook)], tmp_path / "out.csv.gz", commons_library.DATASET)
        assert not (tmp_path / "out.csv.gz").exists()


def test_targeting_and_the_indicators_map_use_the_estimates(kent: str) -> None:
    from hiap_geo.geo.layers import load_layer
    from hiap_geo.geo.msoa import msoa_areas
    from hiap_geo.indicators import need
    from hiap_geo.views import indicators as iv
    from hiap_geo.views import targeting as tv
    from hiap_geo.views.explorer import areas_of

    data = load_indicators([TUNBRIDGE_WELLS])
    wards = iv.standard_areas(areas_of(load_layer(kent, "ward", 2025, display=True), "ward", 2025,
                                       (TUNBRIDGE_WELLS,)), "ward")
    offered = tv.target_indicators(data, "ward").set_index("indicator_id")
    assert offered.loc["qof_obesity", "polarity"] == "no_judgement" and not offered.loc["qof_obesity", "has_limits"]
    frame = tv.targeting_frame(wards, data, "ward", ["qof_obesity"])
    assert round(frame.set_index("code").at[SHERWOOD, "qof_obesity"], 2) == 7.20
    assert set(frame["qof_obesity__vs_england"]) == {"not compared"}
    score = need.need_score(frame, [need.Component("qof_obesity", "Obesity on GP registers", 1, True)])
    top = frame.loc[score.table["need_rank"] == 1, "code"].iat[0]
    assert top == frame.loc[frame["qof_obesity"].idxmax(), "code"]
    lsoas = iv.standard_areas(areas_of(load_layer(kent, "lsoa", 2025, display=True), "lsoa", 2025,
                                       (TUNBRIDGE_WELLS,)), "lsoa")
    msoas = msoa_areas(lsoas, 2021)
    values = iv.area_values(data, "qof_diabetes", "msoa", "QOF about 2018/19", msoas)
    assert len(values) == 14 and values["value"].notna().all() and not iv.has_limits(values)
    assert values["vs_england_label"].str.endswith("of English MSOAs").all()  # placed by national decile
    assert set(values["vs_england"]) == {"not compared"}  # never judged better or worse


def test_an_estimates_national_decile_reads_englands_qof_msoas_alone(real_data: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The Indicators map labels each MSOA with its QOF decile: a first QOF choice built England's Census and DWP
    MSOAs too (about 0.3 s); they are built only for an indicator the QOF MSOAs do not have."""
    from hiap_geo.render.profile import positions

    positions._england_values.cache_clear()
    monkeypatch.setattr(positions, "_sources", positions._sources.__wrapped__)  # a fresh list of readers
    built: list[str] = []
    real = positions.msoa_census_indicators
    monkeypatch.setattr(positions, "msoa_census_indicators", lambda *a: built.append("census") or real(*a))
    monkeypatch.setattr(positions, "dwp_indicators", lambda *a: built.append("dwp") or pd.DataFrame(
        columns=["indicator_id", "period", "area_type", "value"]))
    qof = positions.england_values("qof_obesity", "QOF about 2018/19", "msoa")
    assert len(qof) == 6_856 and (qof[:-1] <= qof[1:]).all()  # every MSOA 2021, sorted
    assert positions.national_decile("qof_obesity", "QOF about 2018/19", float(qof[0]), "no_judgement", "msoa") == 10
    assert built == []
    assert len(positions.england_values("census21_bad_health", "2021", "msoa")) == 6_856 and built == ["census"]
    assert positions.england_values("no_such_indicator", "2021", "msoa") is None and built == ["census", "dwp"]
    positions._england_values.cache_clear()


def test_the_spine_sets_the_estimates_against_english_msoas(kent: str) -> None:
    from hiap_geo.indicators import spine

    ranges = spine.england_distribution("ward")
    obesity = ranges.set_index(["indicator_id", "area_type"]).loc[("qof_obesity", "ward")]
    assert obesity["n_areas"] == 6_856  # every MSOA 2021, not wards: the estimates are the MSOAs'
    rows = spine.spine_rows(load_indicators([TUNBRIDGE_WELLS]), SHERWOOD, "ward", ranges, TUNBRIDGE_WELLS)
    row = rows.set_index("indicator_id").loc["qof_obesity"]
    assert round(row["value"], 2) == 7.20 and 0 <= row["x_value"] <= 1


# --- plan check: obesity and long-term conditions ---------------------------------------------------

_FIGURES = """
schema_version: 1
document: {id: test-plan, title: A test plan, file: test.txt, period: 2019-22, publisher: Test}
transcription: {by: test, date: 2026-12-06}
areas:
  - {id: sevenoaks, name: Sevenoaks, type: district, code: E07000111, vintage: LAD 2019,
     lookup_name: Sevenoaks}
indicators:
  - {id: obesity_register, name: adults on the GP obesity register, unit: "%"}
  - {id: adults_obese, name: adults classed as obese, unit: "%"}
sections:
  - heading: Health
    line: 1
    figures:
      - {indicator: obesity_register, area: sevenoaks, value: VALUE, printed: "VALUE%", period: QOF 2018/19,
         quote: "VALUE% of adults are on the obesity register", line: 2}
      - {indicator: obesity_register, area: sevenoaks, value: 9.0, printed: "9.0%", period: QOF 2021/22,
         quote: "9.0% of adults are on the obesity register", line: 3}
      - {indicator: adults_obese, area: sevenoaks, value: 23.9, printed: "23.9%", quote: "23.9% of adults are obese",
         line: 4}
"""


def test_plan_check_compares_obesity_only_for_the_same_measure_and_period(real_data: Path) -> None:
    from hiap_geo.plans.figures.claims import check_claims
    from hiap_geo.plans.figures.load import parse_figures

    district = _row(qof_indicators([SEVENOAKS]), "qof_obesity", SEVENOAKS, "district")["value"]
    stated = f"{district:.1f}"
    checks = check_claims(parse_figures(_FIGURES.replace("VALUE", stated)).figures, 2019)
    same, later, survey = checks
    assert same.verdict == "agrees" and same.data.startswith(f"{stated}%") and QOF_LABEL in same.data
    assert later.verdict == "cannot check" and "for another period" in later.data and "QOF 2021/22" in later.data
    assert survey.verdict == "cannot check" and "a different measure" in survey.data
    assert "far below survey obesity" in survey.data
    wrong = check_claims(parse_figures(_FIGURES.replace("VALUE", f"{district + 1:.1f}")).figures, 2019)[0]
    assert wrong.verdict == "differs"


def test_the_plans_obesity_and_condition_figures_say_why_they_cannot_be_checked(real_data: Path) -> None:
    from hiap_geo.plans.figures.claims import check_claims
    from hiap_geo.plans.figures.load import FIGURES_DIR, load_figures

    kent = {(c.line, c.indicator): c for c in check_claims(load_figures(FIGURES_DIR / "kent-hiap-2012-15.yaml"), 2019)}
    assert "child obesity" in kent[(194, "Obese children yr 6")].data
    assert "a cost" in kent[(605, "NHS Cost of principle diseases related to obesity (millions)")].data
    assert "for another period" in kent[(644, "People diagnosed with diabetes")].data
    assert "does not state a count of patients on GP registers" in kent[(644, "Obese adults")].data
    assert all(c.verdict == "cannot check" for c in kent.values() if "obes" in c.indicator.lower())
    later = check_claims(load_figures(FIGURES_DIR / "sevenoaks-2019-22.yaml"), 2019)
    diagnosis = next(c for c in later if c.indicator.startswith("Diagnosis rates for diabetes"))
    assert diagnosis.verdict == "cannot check" and "a diagnosis rate" in diagnosis.data


def test_the_workbook_downloaded_by_hand_is_recognised_and_imported(mirror: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from hiap_geo.acquire.importer import import_folder

    monkeypatch.setenv("HIAP_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "downloads"
    folder.mkdir()
    qof_workbook(mirror, folder / "Health conditions (1).xlsx")
    report = import_folder(folder)
    assert [r.dataset_id for r in report.imported] == ["hoc_qof_prevalence_msoa11"], report.lines()
    converted = pd.read_csv(tmp_path / "cache" / "sources" / "health" /
                            "HoC_Library_modelled_disease_prevalence_MSOA11_England.csv.gz")
    assert len(converted) == 6_791 and list(converted.columns)[0] == "msoa11cd"


def test_an_msoa_2021_takes_one_kind_redrawn_if_any_link_is() -> None:
    """Vectorised (a per-group lambda over England's 6,856 MSOAs took 4.5 s of a first Targeting visit)."""
    from hiap_geo.geo.msoa import one_kind_per_msoa21

    links = pd.DataFrame({"msoa21_code": ["A", "A", "B", "B", "C"], "change": ["M", "X", "S", "S", "U"]})
    assert one_kind_per_msoa21(links).tolist() == ["X", "X", "S", "S", "U"]
