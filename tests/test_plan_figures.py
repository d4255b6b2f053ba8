"""Figures stated in the plan documents: schema errors, words checked against the documents, codes
checked against the official lookups (real data), and the long format."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from hiap_geo.core.areas import ENGLAND_CODE
from hiap_geo.core.text import name_key
from hiap_geo.indicators.schema import COLUMNS, validate_indicators
from hiap_geo.plans.figures.check import DOCUMENTS_DIR, check_area_codes, check_quotes
from hiap_geo.plans.figures.frames import (
    EXTRA_COLUMNS,
    FIGURES_COLUMNS,
    SOURCE_PREFIX,
    expand,
    figures_for_area,
    figures_frame,
    to_indicators,
)
from hiap_geo.plans.figures.load import figure_files, load_figures, parse_figures
from hiap_geo.plans.figures.schema import ConflictingFigures, FiguresFile, PlanFiguresFileError

SEVENOAKS, KENT, TW = "E07000111", "E10000016", "E07000116"
SWANLEY_ST_MARYS, SWANLEY_WHITE_OAK = "E05005031", "E05005032"

SHIPPED = figure_files()


def _documents() -> Path:
    if not DOCUMENTS_DIR.is_dir():
        pytest.fail(f"The plan documents are needed at {DOCUMENTS_DIR} (shared/plan-documents beside the project).")
    return DOCUMENTS_DIR


MINIMAL = """\
schema_version: 1
document: {id: test-plan, title: Test plan, file: test.txt, period: 2020-22, publisher: Test council}
transcription: {by: tests, date: 2026-01-01}
areas:
  - {id: sevenoaks, name: Sevenoaks, type: district, code: E07000111, vintage: LAD 2019, lookup_name: Sevenoaks}
  - {id: kent, name: Kent, type: county, code: E10000016, vintage: UTLA 2023, lookup_name: Kent}
  - {id: england, name: England, type: england, code: E92000001}
  - {id: west-kent, name: West Kent, type: health_area, note: Not in the lookups.}
indicators:
  - {id: neet, name: NEET, unit: "%", polarity: low_is_good}
  - {id: flag, name: Flagged}
sections:
  - heading: Young people
    line: 1
    figures:
      - indicator: neet
        area: sevenoaks
        value: 9.7
        printed: 9.7%
        comparisons:
          - {against: kent, text: significantly higher than the Kent average, result: higher, significant: true}
        quote: Sevenoaks is at 9.7%. This is significantly higher than the Kent average.
        line: 2
    tables:
      - id: tab
        header: ["Flagged"]
        header_lines: [3]
        comparator: england
        comparator_text: England
        key:
          "X": {result: worse, significant: true, text: Significantly worse than England}
        columns:
          - {indicator: flag}
        rows:
          - {area: sevenoaks, line: 4, cells: ["X"]}
          - {area: west-kent, line: 5, cells: [null]}
"""

DOCUMENT_TEXT = (
    "Young people\nSevenoaks is at 9.7%. This is significantly higher than the Kent average.\n"
    "\tFlagged\nSevenoaks\tX\nWest Kent\t\n"
)


def parse(text: str) -> FiguresFile:
    return parse_figures(text, "test.yaml").figures


def problems_of(text: str) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(PlanFiguresFileError) as info:
        parse_figures(text, "test.yaml")
    assert "test.yaml" in str(info.value)
    return info.value.problems


# --- Schema ---------------------------------------------------------------------------------------


def test_minimal_file_loads_and_expands_table_cells() -> None:
    figures = expand(parse(MINIMAL))
    assert [f.figure_id for f in figures] == ["neet@sevenoaks", "tab:flag@sevenoaks"]  # the null cell is no figure
    cell = figures[1]
    assert cell.quote == "Sevenoaks X" and cell.context == "Flagged"
    assert cell.comparisons[0].result == "worse" and cell.comparisons[0].against == "england"


def test_unknown_field_is_reported_with_its_line_and_path() -> None:
    bad = MINIMAL.replace("        printed: 9.7%\n", "        printed: 9.7%\n        valeu: 3\n")
    [(line, path, message)] = problems_of(bad)
    assert line == MINIMAL.splitlines().index("        printed: 9.7%") + 2
    assert path == "sections[0].figures[0].valeu" and "unknown field 'valeu'" in message


def test_missing_field_and_wrong_literal() -> None:
    bad = MINIMAL.replace("        line: 2\n", "").replace("result: higher", "result: bigger")
    found = {(path, message.split(" (")[0]) for _, path, message in problems_of(bad)}
    assert ("sections[0].figures[0].line", "missing required field 'line'") in found
    assert any(path.endswith("comparisons[0].result") for path, _ in found)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "{id: west-kent, name: West Kent, type: health_area, note: Not in the lookups.}",
            "{id: west-kent, name: West Kent, type: health_area}",
            "needs a note",
        ),
        ("type: district, code: E07000111", "type: ward, code: E07000111", "is not a ward code"),
        ("code: E92000001}", "code: E92000002}", "England's code is E92000001"),
        ("vintage: LAD 2019, lookup_name: Sevenoaks}", "vintage: LAD 2019, lookup_name: Tonbridge}", "add a note"),
        ("vintage: LAD 2019, lookup_name: Sevenoaks}", "vintage: LSOA 2011, lookup_name: Sevenoaks}", "lsoa vintage"),
        (
            "{id: west-kent, name: West Kent, type: health_area,",
            "{id: west-kent, name: West Kent, type: health_area, code: E07000111,",
            "cannot carry a code",
        ),
        ("        value: 9.7\n", "        value: 9.6\n", "is not the number printed"),
        ("        printed: 9.7%\n", "        printed: 9.9%\n", "is not in the quote"),
        ("text: significantly higher than the Kent average", "text: far above the Kent average", "is not in the quote"),
        ('cells: ["X"]', 'cells: ["X", "X"]', "2 cells for 1 columns"),
        ('cells: ["X"]', 'cells: ["Y"]', "not a symbol of the key"),
        (
            "        value: 9.7\n        printed: 9.7%\n        comparisons:\n"
            "          - {against: kent, text: significantly higher than the Kent average, result: higher, "
            "significant: true}\n",
            "",
            "needs a value",
        ),
    ],
)
def test_schema_rejects(old: str, new: str, expected: str) -> None:
    assert old in MINIMAL
    messages = " | ".join(message for _, _, message in problems_of(MINIMAL.replace(old, new)))
    assert expected in messages


def test_references_to_undefined_areas_and_indicators() -> None:
    bad = MINIMAL.replace("indicator: neet\n", "indicator: neat\n").replace(
        "{area: sevenoaks, line: 4", "{area: tw, line: 4"
    )
    bad = bad.replace("against: kent,", "against: kcc,")
    found = {path: message for _, path, message in problems_of(bad)}
    assert "indicator 'neat' is not in indicators" in found["sections[0].figures[0].indicator"]
    assert "area 'tw' is not in areas" in found["sections[0].tables[0].rows[0].area"]
    assert "area 'kcc' is not in areas" in found["sections[0].figures[0].comparisons[0].against"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (MINIMAL.replace("transcription:", "document: {id: x}\ntranscription:"), "appears twice"),
        (
            MINIMAL.replace("  - {id: kent,", "  - &k {id: kent,").replace(
                "  - {id: england,", "  - *k\n  - {id: england,"
            ),
            "aliases",
        ),
        ("schema_version: [1\n", "bad YAML"),
        ("- just a list\n", "top level must be a mapping"),
        ("", "empty"),
    ],
)
def test_bad_yaml_is_refused(text: str, expected: str) -> None:
    assert expected in " ".join(message for _, _, message in problems_of(text))


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(PlanFiguresFileError, match="cannot read"):
        load_figures(tmp_path / "missing.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\xe9".encode("latin-1"))
    with pytest.raises(PlanFiguresFileError, match="not UTF-8"):
        load_figures(latin)


# --- The shipped files against their documents ---------------------------------------------------


def test_every_document_with_figures_has_a_file() -> None:
    names = {load_figures(p).document.file for p in SHIPPED}
    assert names == {
        "kent-hiap-healthy-lives-2012-15.txt",
        "sevenoaks-mind-the-gap-hiap-2013-15.txt",
        "sevenoaks-health-wellbeing-action-plan-2019-22.txt",
        "tunbridge-wells-hiap-2023-25.txt",
    }
    assert {p.name for p in _documents().glob("*.txt")} - names == {"kent-hiap-ambition-board-paper-2012.txt"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_quotes_headings_and_table_rows_are_in_the_document(path: Path) -> None:
    """Quotes, headings, headers and keys on their lines (spacing aside); table rows cell by cell."""
    figures = load_figures(path)
    assert check_quotes(figures, _documents()) == []


def test_check_quotes_reports_misquotes(tmp_path: Path) -> None:
    (tmp_path / "test.txt").write_text(DOCUMENT_TEXT, encoding="utf-8")
    good = parse(MINIMAL)
    assert check_quotes(good, tmp_path) == []
    bad = parse(
        MINIMAL.replace("Sevenoaks is at 9.7%", "Sevenoaks was at 9.7%").replace('cells: ["X"]', "cells: [null]")
    )
    found = check_quotes(bad, tmp_path)
    assert any("quote of neet@sevenoaks" in p for p in found)
    assert any("line 4 reads ['Sevenoaks', 'X'], transcribed as ['Sevenoaks', '']" in p for p in found)
    moved = parse(MINIMAL.replace("        line: 2\n", "        line: 1\n"))
    assert any("is not on line 1" in p for p in check_quotes(moved, tmp_path))
    assert "missing" in check_quotes(good, tmp_path / "nowhere")[0]


def test_issue_examples_are_transcribed() -> None:
    """The statements the issue names, as the documents give them."""
    frame = figures_frame()
    mtg = frame[frame["document"] == "sevenoaks-mind-the-gap-2013-15"]
    neet = mtg[(mtg["indicator_id"].str.endswith(".neet_pct")) & (mtg["area_code"] == SEVENOAKS)]
    assert set(neet["value"]) == {9.7} and len(neet) == 2  # the table row and the sentence
    assert neet["rank"].str.contains("in the county").any()
    smoking = mtg[mtg["indicator_id"].str.endswith(".smoking_prevalence") & mtg["area_type"].eq("ward")]
    assert set(smoking["area_code"]) == {SWANLEY_ST_MARYS, SWANLEY_WHITE_OAK}
    assert smoking["comparison"].str.contains("more than 30%").all() and smoking["value"].isna().all()
    kent = frame[frame["document"] == "kent-hiap-2012-15"]
    profile = kent[kent["figure_id"].str.startswith("local-profile-")]
    assert len(profile) == 12 * (4 + 3 + 4 + 1 + 4 + 4 + 10) - 4  # six tables, four empty cells
    tw_infant = profile[(profile["area_code"] == TW) & profile["indicator_id"].str.endswith(".infant_mortality")]
    assert tw_infant["comparison"].tolist() == ["better (√: Significantly better than SHA average, significant)"]


def test_every_figure_has_words_and_a_reference() -> None:
    frame = figures_frame()
    assert len(frame) == frame["figure_id"].groupby(frame["document"]).nunique().sum()  # ids unique per document
    assert frame["quote"].str.len().gt(0).all() and frame["reference"].str.contains(r", line \d+$").all()
    has_figure = frame["value"].notna() | frame["printed"].notna() | frame["comparison"].notna() | frame["rank"].notna()
    assert has_figure.all()
    uncoded = frame[frame["area_code"].isna()]
    assert uncoded["note"].notna().all()  # the area's reason for having no code travels with the figure


# --- Long format -----------------------------------------------------------------------------------


def test_long_format_passes_the_indicator_schema() -> None:
    long = to_indicators()
    validated = validate_indicators(long)
    assert list(long.columns) == COLUMNS + EXTRA_COLUMNS
    assert len(validated) == len(long) > 500
    assert long["source"].str.startswith(SOURCE_PREFIX).all()
    assert set(long["area_type"]) <= {"lsoa", "ward", "district", "county", "england"}
    assert long[["lower_95", "upper_95", "count", "denominator"]].isna().all().all()


def test_long_format_keeps_the_county_figures_the_plans_state() -> None:
    long = to_indicators()
    kent = long[long["area_code"] == KENT]
    assert set(kent["area_type"]) == {"county"} and len(kent) > 20
    neet = kent.set_index("indicator_id").loc["plan.sevenoaks-mind-the-gap-2013-15.neet_pct"]
    assert neet["value"] == 2.9 and neet["area_name"] == "Kent" and "line 435" in neet["reference"]
    assert len(validate_indicators(kent)) == len(kent)


def test_long_format_fills_period_and_unit_and_keeps_the_words() -> None:
    long = to_indicators().set_index("indicator_id")
    row = long.loc["plan.sevenoaks-mind-the-gap-2013-15.neet_pct"].set_index("area_code").loc[SEVENOAKS]
    assert row["value"] == 9.7 and row["unit"] == "%" and row["polarity"] == "low_is_good"
    assert row["period"] == "not stated (plan 2013/15)" and row["vintage"] == "2013/15"
    assert row["figure_ids"] == "neet_pct@sevenoaks, neet:neet_pct@sevenoaks"  # sentence and table, one row
    assert "in the county at 9.7%" in row["quote"] and "line 429" in row["reference"] and "line 453" in row["reference"]
    assert "significantly higher than the Kent average" in row["comparison"]
    symbol = long.loc["plan.kent-hiap-2012-15.le_male"].set_index("area_code").loc[TW]
    assert math.isnan(symbol["value"]) and symbol["unit"] == "" and symbol["comparison"].startswith("better")
    le = long.loc["plan.sevenoaks-2019-22.le_male"].set_index("period")["value"]
    assert le.to_dict() == {"Health Profile 2015": 81.4, "Health Profile 2018": 81.9}  # lines 160 and 240 agree
    england = long[long["area_type"] == "england"]
    assert (england["area_code"] == ENGLAND_CODE).all() and len(england) > 5


def test_conflicting_figures_are_refused() -> None:
    twice = MINIMAL.replace(
        "    tables:",
        "      - {indicator: neet, area: sevenoaks, value: 9.6, printed: 9.6%, quote: at 9.6%, line: 2}\n    tables:",
    )
    with pytest.raises(ConflictingFigures, match="9.7 .* and 9.6 .* for 'NEET' in Sevenoaks"):
        to_indicators([parse(twice)])
    same = twice.replace("9.6", "9.7")
    assert len(to_indicators([parse(same)])) == 2  # the NEET row once, the table cell once


def test_empty_selection_gives_an_empty_valid_frame() -> None:
    long = to_indicators([])
    assert long.empty and list(long.columns) == COLUMNS + EXTRA_COLUMNS
    validate_indicators(long)


def test_figures_for_area() -> None:
    ward = figures_for_area(" e05005031 ")
    assert len(ward) >= 8 and (ward["area_code"] == SWANLEY_ST_MARYS).all()
    assert {"(48.8%)", "(1.8%)", "(20 cases)"} <= set(ward["printed"].dropna())
    lsoa = figures_for_area("E01024840")
    assert lsoa[["value", "printed", "quote"]].values.tolist() == [[2.0, "2nd", "E01024840 - Sherwood 2nd"]]
    assert figures_for_area("E07000112")["area_name"].eq("Shepway").all()  # renamed Folkestone and Hythe
    assert figures_for_area("E05999999").empty


# --- Codes against the official lookups (real data) ----------------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_code_exists_in_the_lookup_of_its_vintage(real_data: Path, path: Path) -> None:
    from hiap_geo.geo.lookups import find_area

    figures = load_figures(path)
    assert check_area_codes(figures) == []
    for area in figures.areas:
        if area.code is None or area.type in ("county", "england"):
            continue
        ref = find_area(area.code)  # the project's own resolver agrees on the kind, vintage and name
        assert ref.kind == area.type and area.vintage in ref.vintages, area
    coded = [a for a in figures.areas if a.code and a.type == "county"]
    assert all(a.code == KENT for a in coded)


@pytest.mark.integration
def test_printed_names_resolve_to_the_recorded_codes(real_data: Path) -> None:
    """Ward, LSOA and district names as the documents print them, looked up among the areas of that kind
    and vintage (case, '&'/'and' and apostrophes aside), give exactly the codes transcribed."""
    from hiap_geo.geo.lookups import gazetteer

    table = gazetteer()
    keys = table["name"].map(name_key)
    checked = 0
    for path in SHIPPED:
        for area in load_figures(path).areas:
            if area.type not in ("ward", "district") or area.code is None:
                continue
            if name_key(area.name) != name_key(area.lookup_name or ""):
                assert area.note, area  # renamed or reworded: the note says why the code is right
                continue
            same = table[
                (table["kind"] == area.type) & (table["vintage"] == area.vintage) & (keys == name_key(area.name))
            ]
            assert set(same["code"]) == {area.code}, area
            checked += 1
    assert checked >= 30


@pytest.mark.integration
def test_check_area_codes_reports_unknown_codes_and_wrong_names(real_data: Path) -> None:
    bad = MINIMAL.replace(
        "code: E07000111, vintage: LAD 2019, lookup_name: Sevenoaks}",
        "code: E07000999, vintage: LAD 2019, lookup_name: Sevenoaks}",
    )
    bad = bad.replace(
        "vintage: UTLA 2023, lookup_name: Kent}", "vintage: UTLA 2023, lookup_name: Kent County, note: x}"
    )
    found = check_area_codes(parse(bad))
    assert any("E07000999 is not in the LAD 2019 lookup" in p for p in found)
    assert any("E10000016 is 'Kent' in the UTLA 2023 lookup, not 'Kent County'" in p for p in found)
    assert check_area_codes(parse(MINIMAL)) == []


def test_frames_have_their_documented_columns() -> None:
    frame = figures_frame()
    assert list(frame.columns) == FIGURES_COLUMNS
    assert pd.api.types.is_float_dtype(frame["value"]) and pd.api.types.is_integer_dtype(frame["line"])
