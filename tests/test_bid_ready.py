"""Bid-ready profiles and map images for slides (issue 13, items 4 and 5).

The summary's numbers are checked against the library's own figures; every export is read back as
a user's software would read it and searched for developer jargon; the map images are decoded and
their titles and legends read from the matplotlib objects (not by OCR); the pages offer the buttons.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from docx import Document
from PIL import Image
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from hiap_geo.core import settings
from hiap_geo.geo.deprivation import DOMAINS, MEASURES, load_iod, local_decile_text
from hiap_geo.geo.layers import load_layer
from hiap_geo.geo.lookups import ward_lookup
from hiap_geo.geo.measures import map_areas, measure
from hiap_geo.indicators.aggregate import ward_indicators
from hiap_geo.indicators.catalogue import LSOA_SPECS
from hiap_geo.render.charts import spine_chart_figure, spine_chart_png
from hiap_geo.render.maps import Outline, classify
from hiap_geo.render.png_download import map_download
from hiap_geo.render.profile.assemble import build_profile
from hiap_geo.render.profile.export import export
from hiap_geo.render.profile.model import Num, Profile
from hiap_geo.render.profile.positions import local_rank_text
from hiap_geo.render.profile.summary import SHORT_NAMES, profile_summary
from hiap_geo.render.profile.tables import profile_tables
from hiap_geo.render.static_map import area_map_figure, page_map_figure, page_map_png

pytestmark = pytest.mark.integration

TODAY = date(2026, 1, 15)
SHERWOOD, TUNBRIDGE_WELLS = "E05015813", "E07000116"
JARGON = [r"sqlite", r"python -m", r"File \d+ columns", r"hiap_geo", r"\.yaml", r"`", r"data/plans", r"\bNone\b",
          r"\bnan\b", r"No status", r"Not compared\b(?! \(no interval\))", r"progress database", r"Traceback"]


@pytest.fixture(scope="module")
def ward(real_data: Path) -> Profile:
    return build_profile(SHERWOOD, today=TODAY)


@pytest.fixture(scope="module")
def district(real_data: Path) -> Profile:
    return build_profile(TUNBRIDGE_WELLS, today=TODAY)


def table(profile: Profile, key: str):  # noqa: ANN201 - a ProfileTable
    return next(t for t in profile_tables(profile) if t.key == key)


# ---------------------------------------------------------------------------------------------
# The summary


def test_the_summary_states_the_librarys_figures(ward: Profile, kent: str) -> None:
    lookup = ward_lookup(2025)
    codes = lookup.loc[lookup["ward_code"] == SHERWOOD, "lsoa_code"]
    lsoas = load_iod(2025)[lambda t: t["lsoa_code"].isin(codes)]
    population = lsoas["population"].sum()
    in_10 = lsoas.loc[lsoas["imd_decile"] == 1, "population"].sum()
    in_20 = lsoas.loc[lsoas["imd_decile"] <= 2, "population"].sum()
    # The rank among the district's wards, from the built ward layer the map explorer shows.
    wards = load_layer(kent, "ward", 2025)
    wards = wards[wards["lad_code"] == TUNBRIDGE_WELLS] if "lad_code" in wards else wards[
        wards["code"].isin(lookup.loc[lookup["lad_code"] == TUNBRIDGE_WELLS, "ward_code"])]
    scores = wards.set_index("code")["imd_score"]
    rank = int((scores > scores[SHERWOOD]).sum()) + 1

    s = profile_summary(ward)
    assert s.population == pytest.approx(population)
    assert s.share_10 == pytest.approx(in_10 / population) and s.share_20 == pytest.approx(in_20 / population)
    assert (s.position.rank, s.position.of) == (rank, len(scores)) and len(scores) == 14
    text = s.text()
    assert f"{population:,.0f} residents" in text
    assert f"{in_20 / population:.1%} ({in_20:,.0f} people) in the most deprived 20%" in text
    ordinal = {1: "most deprived", 2: "2nd most deprived", 3: "3rd most deprived"}.get(rank, f"{rank}th most deprived")
    assert f"the {ordinal} of Tunbridge Wells' 14 wards by population-weighted IMD score" in text
    assert "crime" in text  # the domain where most of its residents are in England's most deprived 20%
    assert "Since IoD 2019" in text


def test_the_summary_comes_first_in_every_format(ward: Profile) -> None:
    summary = profile_summary(ward).text()
    assert profile_tables(ward)[0].key == "summary"
    pdf_first_page = " ".join(PdfReader(io.BytesIO(export(ward, "pdf"))).pages[0].extract_text().split())
    assert pdf_first_page.index("Summary") < pdf_first_page.index("Key figures")
    assert " ".join(summary.split())[:120] in pdf_first_page
    paragraphs = [p.text for p in Document(io.BytesIO(export(ward, "docx"))).paragraphs if p.text.strip()]
    assert paragraphs[:4][-1] == summary or summary in paragraphs[:5]
    book = openpyxl.load_workbook(io.BytesIO(export(ward, "xlsx")))
    assert book.sheetnames[0] == "Summary" and book["Summary"]["B3"].value == summary
    rows = list(csv.reader(io.StringIO(export(ward, "csv").decode("utf-8-sig"))))
    assert rows[1][0] == "Summary" and rows[1][-1] == summary


# ---------------------------------------------------------------------------------------------
# No jargon, actions, indicators


def export_texts(profile: Profile) -> dict[str, str]:
    reader = PdfReader(io.BytesIO(export(profile, "pdf")))
    document = Document(io.BytesIO(export(profile, "docx")))
    book = openpyxl.load_workbook(io.BytesIO(export(profile, "xlsx")))
    return {
        "pdf": "\n".join(p.extract_text() for p in reader.pages),
        "docx": "\n".join([p.text for p in document.paragraphs]
                          + [c.text for t in document.tables for r in t.rows for c in r.cells]),
        "xlsx": "\n".join(str(c.value) for ws in book for r in ws.iter_rows() for c in r if c.value is not None),
        "csv": export(profile, "csv").decode("utf-8-sig"),
    }


@pytest.mark.parametrize("which", ["ward", "district"])
def test_no_developer_jargon_in_any_export(which: str, request: pytest.FixtureRequest) -> None:
    profile: Profile = request.getfixturevalue(which)
    for fmt, text in export_texts(profile).items():
        for pattern in JARGON:
            found = re.search(pattern, text)
            assert not found, (fmt, pattern, text[max(0, found.start() - 80):found.end() + 80])


def test_each_caveat_is_said_once_in_a_bid_writers_words(ward: Profile) -> None:
    texts = export_texts(ward)
    for fmt in ("pdf", "docx"):
        text = " ".join(texts[fmt].split())
        assert text.count("denominators are not in the") <= 1, fmt  # was in three notes
        assert "population denominators are not in the files" in text  # ...but still said, once, with its reason
        assert "geography of IoD" not in text and f"{SHERWOOD} is not in" not in text, fmt
        assert text.count("no IoD 2019 figures") == 1, fmt
        assert "floor(" not in text and "n mod 10" not in text, fmt  # the local decile rule is in words
        assert "the most deprived tenth is decile 1" in text, fmt
        assert "numerator" not in text and "Count: not compared" not in text, fmt
    assert SHERWOOD not in set(ward_lookup(2019)["ward_code"])  # the 2019 sentence is true of the data
    in_district = int((load_iod(2025)["lad_code"] == TUNBRIDGE_WELLS).sum())
    assert f"Tunbridge Wells' {local_decile_text(in_district)}." in " ".join(texts["pdf"].split())


def test_counts_are_a_table_of_their_own_not_indicators(ward: Profile) -> None:
    indicators, counts = table(ward, "indicators"), table(ward, "indicators_counts")
    assert not any("numerator" in str(r[0]) or str(r[1]).startswith("people") for r in indicators.rows)
    assert not any("Count" in str(c) for r in indicators.rows for c in r)
    everyone = ward_indicators([TUNBRIDGE_WELLS])
    ids = [spec.id for spec in LSOA_SPECS if spec.statistic == "count"]
    mine = everyone[(everyone["area_code"] == SHERWOOD) & everyone["indicator_id"].isin(ids)]
    assert len(counts.rows) == len(ids) == len(mine) == 4
    assert sorted(r[3].value for r in counts.rows) == sorted(mine["value"])  # the ward's own counts, not rates
    assert all("numerator" not in str(r[0]) and "(IoD 2025)" in str(r[0]) for r in counts.rows)
    assert counts.columns[:4] == ["Count", "Who is counted", "Period", "Sherwood"]


def test_domains_that_print_the_same_share_are_named_together(ward: Profile) -> None:
    lookup = ward_lookup(2025)
    lsoas = load_iod(2025)[lambda t: t["lsoa_code"].isin(lookup.loc[lookup["ward_code"] == SHERWOOD, "lsoa_code"])]
    printed = {key: f"{lsoas.loc[lsoas[f'{key}_decile'] <= 2, 'population'].sum() / lsoas['population'].sum():.1%}"
               for key in DOMAINS}
    sentence = next(s for s in profile_summary(ward).text().split(". ") if s.startswith("The domains where"))
    named = set(re.findall(r"\((?:each )?(\d+\.\d%)\)", sentence))
    assert named
    for key, share in printed.items():
        if share in named:  # every domain printing a share the sentence names is named in it
            assert SHORT_NAMES.get(key, MEASURES[key].lower()) in sentence, (key, share, sentence)
    tied = [k for k, v in printed.items() if list(printed.values()).count(v) > 1 and v in named]
    if tied:
        assert f"(each {printed[tied[0]]})" in sentence
    assert sum(sentence.count(f"({s})") + sentence.count(f"(each {s})") for s in named) == len(named)


def test_district_wide_actions_are_one_line_in_a_ward_and_listed_for_the_district(
    ward: Profile, district: Profile
) -> None:
    actions = table(ward, "actions")
    assert [r[1] for r in actions.rows] == ["3.4"]  # the one action that names Sherwood's neighbourhoods
    wide = re.search(r"(\d+) district-wide actions of the Tunbridge Wells 2023-25 plan also apply", actions.note)
    listed = table(district, "actions")
    assert wide and int(wide.group(1)) >= 10  # pages of rows before; one sentence now
    assert "3.4" in {r[1] for r in listed.rows} and len(listed.rows) > int(wide.group(1))  # the district lists them
    assert "Not yet reviewed" in {r[5] for r in listed.rows}


def test_indicators_without_limits_give_their_national_decile_and_place_in_the_district(ward: Profile) -> None:
    indicators = table(ward, "indicators")
    england = [str(r[-1]) for r in indicators.rows]
    assert not any(e == "Not compared" for e in england)
    name = "Income deprivation (IoD 2025 income domain rate)"
    value = indicators.cell(name, "Value").value
    everyone = ward_indicators(None)
    rates = everyone[(everyone["indicator_id"] == "iod25_income_rate") & (everyone["area_type"] == "ward")]["value"]
    worse = (rates.to_numpy() > value).sum() / len(rates)  # low is good: a higher rate is worse
    decile = min(10, int(worse * 10) + 1)
    assert indicators.cell(name, "Compared with England") in (
        f"Decile {decile} of English wards", "Worst 10% of English wards", "Best 10% of English wards")
    tw = everyone[(everyone["indicator_id"] == "iod25_income_rate") & everyone["area_code"].isin(
        ward_lookup(2025).query("lad_code == @TUNBRIDGE_WELLS")["ward_code"])]
    place = int((tw["value"].to_numpy() > value).sum()) + 1
    expected = "Worst" if place == 1 else f"{place}{'nd' if place == 2 else 'rd' if place == 3 else 'th'} worst"
    assert indicators.cell(name, "Compared with district") == f"{expected} of 14 wards"
    assert indicators.cell("Disabled under the Equality Act (Census 2021)", "Compared with England") in (
        "Similar", "Better (95%)", "Worse (95%)")  # limits: a real comparison


def test_a_place_in_the_district_never_passes_the_last_and_a_district_wide_figure_has_none() -> None:
    wards = pd.Series([1.0, 2.0, 3.0, 3.0, 5.0])  # a higher rate is worse (low is good)
    assert local_rank_text(5.0, wards, "low_is_good", "ward") == "Worst of 5 wards"
    assert local_rank_text(3.0, wards, "low_is_good", "ward") == "Joint 2nd worst of 5 wards"
    assert local_rank_text(1.0, wards, "high_is_good", "ward") == "Worst of 5 wards"
    district_wide = pd.Series([2.19] * 14)  # IoD 2025 homelessness: the district's figure in each of its LSOAs
    assert local_rank_text(2.19, district_wide, "low_is_good", "ward") == "The same in all 14 wards"
    assert local_rank_text(2.19 + 1e-12, district_wide, "low_is_good", "ward", member=False) == \
        "The same in all 14 wards"
    # A custom group is not one of the district's wards: said against them, never '6th worst of 5'.
    assert local_rank_text(4.0, wards, "low_is_good", "ward", member=False) == "Worse than 4 of 5 wards"
    assert local_rank_text(9.0, wards, "low_is_good", "ward", member=False) == "Worse than all 5 wards"
    assert local_rank_text(0.5, wards, "low_is_good", "ward", member=False) == "Better than all 5 wards"
    assert local_rank_text(0.5, wards, "no_judgement", "ward", member=False) == "Lower than all 5 wards"
    assert local_rank_text(1.0, wards, "low_is_good", "ward", member=False) == "Better than or level with all 5 wards"


def test_no_profile_places_an_area_past_the_last_or_ranks_a_district_wide_figure(ward: Profile) -> None:
    group = build_profile(["E01024840", "E01024795", "E01024830", "E05015809"], name="Priority neighbourhoods",
                          today=TODAY)  # a ward among the members, as a bid writer pasted them
    for profile in (ward, group):
        indicators = table(profile, "indicators")
        places = {str(r[0]): indicators.cell(str(r[0]), "Compared with district") for r in indicators.rows}
        assert places["Homelessness (IoD 2025)"] == "The same in all 14 wards"  # the district's figure, not a rank
        for place in places.values():
            found = re.match(r"(?:Joint )?(\d+)\w\w worst of (\d+)", place)
            assert not found or int(found.group(1)) <= int(found.group(2)), place
        if profile is group:  # not one of the wards: said against them
            assert not any("worst of" in p.lower() for p in places.values()), places
            assert places["Income deprivation (IoD 2025 income domain rate)"].startswith("Worse than")


def test_the_excel_sheets_are_formatted(ward: Profile) -> None:
    book = openpyxl.load_workbook(io.BytesIO(export(ward, "xlsx")))
    sheet = book["Indicators"]
    assert sheet.freeze_panes == "B4"
    assert sheet.cell(3, 1).font.bold and sheet.cell(3, 1).fill.fgColor.rgb.endswith("1F3B57")
    assert sheet.column_dimensions["A"].width >= 20
    formats = {sheet.cell(r, 4).number_format for r in range(4, sheet.max_row) if isinstance(sheet.cell(r, 4).value,
                                                                                             float)}
    assert formats and "General" not in formats


# ---------------------------------------------------------------------------------------------
# Maps and charts as images


def texts_of(fig) -> list[str]:  # noqa: ANN001 - a matplotlib Figure
    legend = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    titles = [legend.get_title().get_text() for legend in fig.legends]
    written = [t.get_text() for t in fig.texts] + [t.get_text() for ax in fig.axes for t in ax.texts]
    return legend + titles + written + ([fig._suptitle.get_text()] if fig._suptitle else [])


def test_the_profile_map_names_places(ward: Profile) -> None:
    texts = texts_of(area_map_figure(ward.boundaries, "Sherwood and its surroundings"))
    assert "Sherwood" in texts  # the profiled ward, in bold at a point inside it
    assert {"Pembury & Capel", "Park", "St James'"} & set(texts)  # neighbouring wards of the district
    assert "1: most deprived 10% in England" in texts and "10: least deprived 10% in England" in texts
    assert any(t.endswith("km") or t.endswith(" m") for t in texts)  # the scale bar


def test_no_name_on_the_profile_map_is_cut_by_its_edge(ward: Profile) -> None:
    fig = area_map_figure(ward.boundaries, "Sherwood and its surroundings")
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    frame = ax.get_window_extent(renderer)
    for text in ax.texts:
        if text.get_text().endswith(("km", " m")):
            continue  # the scale bar's label sits inside by construction
        box = text.get_window_extent(renderer)
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1, text.get_text()


def test_a_page_map_for_slides(kent: str) -> None:
    layer = load_layer(kent, "lsoa", 2025)
    chosen = measure("lsoa", "imd", "decile")
    areas = map_areas(layer, "lsoa", chosen)
    areas = areas[areas["district"] == "Tunbridge Wells"]
    title = f"{chosen.label}, IoD 2025"
    fig = page_map_figure(areas, chosen, title, north_arrow=True,
                          outlines=[Outline(areas.dissolve().geometry, "#000000", 2.5, "district boundary")])
    texts = texts_of(fig)
    labels = classify(areas["value"], chosen).labels
    assert title in texts and labels[0] in texts and labels[-1] in texts  # both ends of the legend
    assert labels[0].startswith("1: most deprived") and labels[-1].startswith("10: least deprived")
    assert "N" in texts and "district boundary" in texts
    assert any("Open Government Licence" in t for t in texts)
    png = page_map_png(areas, chosen, title)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (2000, 1125)
    assert len(np.unique(np.asarray(image.convert("RGB")).reshape(-1, 3), axis=0)) > 10
    assert map_download(areas, chosen, title)() == png  # what the button is given: drawn when clicked


def test_the_spine_chart_as_an_image(real_data: Path) -> None:
    from hiap_geo.indicators import spine
    from hiap_geo.indicators.readers import load_indicators

    data = load_indicators([TUNBRIDGE_WELLS])
    rows = spine.spine_rows(data, SHERWOOD, "ward", spine.england_distribution("ward"), TUNBRIDGE_WELLS)
    texts = texts_of(spine_chart_figure(rows, "Sherwood", "Tunbridge Wells"))
    assert "Spine chart: Sherwood compared with England" in texts and "Tunbridge Wells" in texts
    assert any(t.startswith("Disabled under the Equality Act") for t in texts)
    image = Image.open(io.BytesIO(spine_chart_png(rows, "Sherwood", "Tunbridge Wells")))
    assert image.format == "PNG" and image.size[0] == 2000


# ---------------------------------------------------------------------------------------------
# The buttons on the pages


def page(path: str | None, **state: object) -> AppTest:
    at = AppTest.from_file(str(settings.PROJECT_ROOT / "app.py"), default_timeout=180)
    for key, value in state.items():
        at.session_state[key] = value
    if path:
        at.switch_page(path)
    return at.run()


@pytest.mark.parametrize(("path", "labels", "state"), [
    (None, ["Download map (PNG)"], {}),
    ("app/pages/indicators.py", ["Download map (PNG)", "Download spine chart (PNG)"], {"ind_tab": "Spine chart"}),
    ("app/pages/targeting.py", ["Download map (PNG)"], {}),
])
def test_pages_offer_their_map_as_a_png(kent: str, path: str | None, labels: list[str],
                                        state: dict[str, object]) -> None:
    at = page(path, **state)
    assert not at.exception
    offered = [b.label for b in at.get("download_button")]
    for label in labels:
        assert label in offered, offered


def test_numbers_in_the_summary_are_numbers_of_the_tables(ward: Profile) -> None:
    key = table(ward, "key_figures")
    population = key.rows[1][1]
    assert isinstance(population, Num) and f"{population.value:,.0f} residents" in profile_summary(ward).text()
