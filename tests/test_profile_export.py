"""Profile exports: every number in the PDF, Word, Excel, CSV and GeoJSON files equals the library's.

The files are read back with the tools a user's software would use (openpyxl, python-docx, pypdf,
geopandas) and the PDF is rendered with Debian's poppler (pdftoppm) to check it draws every page.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
from docx import Document
from PIL import Image
from pypdf import PdfReader

from hiap_geo.cli import main
from hiap_geo.geo.deprivation import load_iod
from hiap_geo.render.profile.assemble import build_profile, wards_of_district
from hiap_geo.render.profile.export import FORMATS, export, file_name, write_profile
from hiap_geo.render.profile.model import Num, Profile, ProfileError, ProfileTable
from hiap_geo.render.profile.tables import profile_tables
from hiap_geo.render.static_map import DECILE_COLOURS, StaticMapError, area_map_png, decile_label

pytestmark = pytest.mark.integration

TODAY = date(2026, 1, 15)
GROUP = ["E01024840", "E01024841", "E01024839", "E01024830"]


@pytest.fixture(scope="module")
def ward(real_data: Path) -> Profile:
    return build_profile("E05015813", today=TODAY)


@pytest.fixture(scope="module")
def group(real_data: Path) -> Profile:
    return build_profile(GROUP, name="Sherwood and around", today=TODAY)


@pytest.fixture(scope="module")
def district(real_data: Path) -> Profile:
    return build_profile("E07000116", today=TODAY)


def text_of(cell: object) -> str:
    return cell.text() if isinstance(cell, Num) else str(cell)


def figure_tables(profile: Profile) -> list[ProfileTable]:
    return [t for t in profile_tables(profile) if t.key != "area"]


def hand_imd_score(codes: list[str]) -> float:
    lsoas = load_iod(2025)[lambda t: t["lsoa_code"].isin(codes)]
    return float((lsoas["imd_score"] * lsoas["population"]).sum() / lsoas["population"].sum())


# ---------------------------------------------------------------------------------------------
# Excel


@pytest.mark.parametrize("which", ["ward", "group"])
def test_the_workbook_holds_every_figure_exactly(which: str, request: pytest.FixtureRequest) -> None:
    profile: Profile = request.getfixturevalue(which)
    book = openpyxl.load_workbook(io.BytesIO(export(profile, "xlsx")))
    sheets = {book[name]["A1"].value: book[name] for name in book.sheetnames}
    assert book.sheetnames[0] == "Summary" and "Sources" in book.sheetnames
    first = book["Summary"]
    assert first["A3"].value == "Summary" and first["B3"].value == next(
        t for t in profile_tables(profile) if t.key == "summary").message_text()
    for t in figure_tables(profile):
        if t.key == "summary":
            continue
        sheet = sheets[t.title]
        assert [c.value for c in sheet[3]][: len(t.columns)] == t.columns
        for i, row in enumerate(t.rows, start=4):
            for j, cell in enumerate(row, start=1):
                got = sheet.cell(i, j).value
                if isinstance(cell, Num):
                    if cell.value is None or np.isnan(cell.value):
                        assert got is None, (t.title, i, j)
                    else:  # Excel keeps 15 significant digits
                        assert got == pytest.approx(cell.value, rel=1e-14, abs=0), (t.title, i, j)
                else:
                    assert got == cell, (t.title, i, j)
    sources = book["Sources"]
    listed = [[c.value for c in r] for r in sources.iter_rows(min_row=4, max_col=4)]
    for dataset in profile.sources:
        title = dataset.title.replace("File 7 columns:", "File 7:")
        assert [title, dataset.publisher, dataset.vintage, dataset.licence] in listed
    notes = " ".join(str(c.value) for r in sources.iter_rows() for c in r if c.value)
    assert "Open Government Licence v3.0" in notes and "Generated 15 January 2026" in notes


def test_the_workbook_gives_the_group_score_computed_by_hand(group: Profile) -> None:
    book = openpyxl.load_workbook(io.BytesIO(export(group, "xlsx")))
    sheet = book["Key figures"]
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "IMD score, population-weighted")
    assert row[1] == pytest.approx(hand_imd_score(GROUP), rel=1e-12)
    assert sheet.cell(4, 2).number_format  # numbers keep a display format


# ---------------------------------------------------------------------------------------------
# Word


def docx_tables(data: bytes) -> list[list[list[str]]]:
    return [[[c.text for c in row.cells] for row in t.rows] for t in Document(io.BytesIO(data)).tables]


def test_the_word_file_reads_well_with_a_screen_reader(ward: Profile) -> None:
    """Headings are Word heading styles in order, the map has alt text and each table's header row is marked."""
    from tests.word_access import word_accessibility_problems

    data = export(ward, "docx")
    assert word_accessibility_problems(data) == []
    (picture,) = Document(io.BytesIO(data)).inline_shapes
    assert picture._inline.docPr.get("descr").startswith(f"Map of {ward.area.title()} (outlined)")


@pytest.mark.parametrize("which", ["ward", "group"])
def test_the_word_file_prints_every_table_as_the_library_formats_it(which: str, request: pytest.FixtureRequest) -> None:
    profile: Profile = request.getfixturevalue(which)
    data = export(profile, "docx")
    printed = docx_tables(data)
    for t in figure_tables(profile):
        if t.message:
            continue
        expected = [t.columns] + [[text_of(c) for c in row] for row in t.rows]
        assert expected in printed, t.title
    document = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"Area profile: {profile.area.title()}" in text
    assert "Open Government Licence v3.0" in text
    assert len(document.inline_shapes) == 1  # the map


def test_the_word_file_gives_the_group_score_computed_by_hand(group: Profile) -> None:
    cells = {c for t in docx_tables(export(group, "docx")) for row in t for c in row}
    assert f"{hand_imd_score(GROUP):.3f}" in cells


# ---------------------------------------------------------------------------------------------
# PDF


def pdf_text(data: bytes) -> tuple[int, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), [" ".join(page.extract_text().split()) for page in reader.pages]


@pytest.mark.parametrize("which", ["ward", "group", "district"])
def test_the_pdf_holds_the_figures_and_renders_every_page(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    profile: Profile = request.getfixturevalue(which)
    data = export(profile, "pdf")
    pages, texts = pdf_text(data)
    whole = " ".join(texts)
    for t in figure_tables(profile):
        assert t.title in whole, t.title
        for row in t.rows:
            for cell in row:
                if isinstance(cell, Num) and len(cell.text()) >= 4:
                    assert cell.text() in whole, (t.title, cell)
        if t.message:
            assert " ".join(text_of(t.rows[0][0]).split()) in whole
    assert profile.main.lsoas["lsoa_code"].iat[0] in whole
    assert "Contains public sector information licensed under the Open Government Licence v3.0" in whole
    # The page count the document prints in its footer is the count the reader and poppler find.
    for number, text in enumerate(texts, start=1):
        assert f"page {number} of {pages}" in text
    pdf = tmp_path / "profile.pdf"
    pdf.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) == pages
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages >= 3
    first = Image.open(images[0]).convert("RGB")
    assert len(first.getcolors(maxcolors=1 << 20)) > 50  # the map and tables drew, not a blank page
    if which == "district":  # 69 + 68 LSOAs: the member tables go to an annex after the sources
        sources_page = next(i for i, t in enumerate(texts) if t.startswith("Sources"))
        annex_page = next(i for i, t in enumerate(texts) if t.startswith("Annex"))
        assert annex_page > sources_page


def test_the_pdf_gives_the_group_score_computed_by_hand(group: Profile) -> None:
    _, texts = pdf_text(export(group, "pdf"))
    assert f"{hand_imd_score(GROUP):.3f}" in " ".join(texts)


# ---------------------------------------------------------------------------------------------
# CSV and GeoJSON


def test_the_csv_has_every_figure_with_its_exact_value(group: Profile) -> None:
    rows = list(csv.DictReader(io.StringIO(export(group, "csv").decode("utf-8-sig"))))
    values = {(r["table"], r["row number"], r["column"]): r["value"] for r in rows}
    labels = {(r["table"], r["row number"]): r["row"] for r in rows}
    for t in profile_tables(group):
        for number, row in enumerate(t.rows, start=1):
            assert labels[(t.title, str(number))] == text_of(row[0])
            for column, cell in zip(t.columns[1:], row[1:], strict=True):
                got = values[(t.title, str(number), column)]
                if isinstance(cell, Num):
                    if cell.value is None or np.isnan(cell.value):
                        assert got == ""
                    else:
                        assert float(got) == cell.value
                else:
                    assert got == cell
    about = {r["row"]: r["value"] for r in rows if r["table"] == "About"}
    assert about["Generated"] == "15 January 2026" and "Open Government Licence" in about["Attribution"]


def test_the_geojson_holds_the_boundaries_with_their_figures(ward: Profile, group: Profile) -> None:
    one = gpd.read_file(io.BytesIO(export(ward, "geojson")))
    assert list(one["code"]) == ["E05015813"] and one.crs.to_epsg() == 4326
    assert one["imd_score"].iat[0] == pytest.approx(ward.main.imd_score)
    assert one.geometry.is_valid.all() and one.to_crs(27700).area.iat[0] > 1e6  # a ward is over 1 km2
    assert "Open Government Licence" in one["attribution"].iat[0]
    members = gpd.read_file(io.BytesIO(export(group, "geojson")))
    assert sorted(members["code"]) == sorted(GROUP)
    scores = load_iod(2025).set_index("lsoa_code")["imd_score"]
    for row in members.itertuples():
        assert row.imd_score == pytest.approx(scores[row.code])


# ---------------------------------------------------------------------------------------------
# Files and the command line


def test_files_are_named_after_the_area_and_date_and_written_all_or_nothing(ward: Profile, tmp_path: Path) -> None:
    written = write_profile(ward, ["pdf", "xlsx"], tmp_path / "out")
    assert [p.name for p in written] == [
        "profile_sherwood_E05015813_2026-01-15.pdf",
        "profile_sherwood_E05015813_2026-01-15.xlsx",
    ]
    assert file_name(ward, "docx") == "profile_sherwood_E05015813_2026-01-15.docx"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in written)
    with pytest.raises(ProfileError, match="Unknown profile format 'doc'"):
        write_profile(ward, ["pdf", "doc"], tmp_path / "none")
    assert not (tmp_path / "none").exists()
    assert set(FORMATS) == {"pdf", "docx", "xlsx", "csv", "geojson"}


def test_the_cli_refuses_an_unknown_area_and_writes_nothing(
    real_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["profile", "E01999999", "--out", str(out)]) == 2
    assert "No area matches 'E01999999'" in capsys.readouterr().err
    assert main(["profile", "E01024840", "--format", "pdf,doc", "--out", str(out)]) == 2
    assert "Unknown format(s) doc" in capsys.readouterr().err
    assert not out.exists()


def test_the_cli_writes_a_group_and_every_ward_of_a_district(
    real_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "group"
    assert main(["profile", "E01024840", "E01024841", "--name", "Sherwood estate", "--format", "geojson,csv",
                 "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"profile_sherwood-estate_E01024840-E01024841_{date.today().isoformat()}.{ext}"
                     for ext in ("csv", "geojson")]
    wards = tmp_path / "wards"
    assert main(["profile", "--all-wards-of", "Tunbridge Wells", "--format", "csv", "--out", str(wards)]) == 0
    assert "Wrote 14 files for 14 wards" in capsys.readouterr().out
    files = sorted(p.name for p in wards.glob("*.csv"))
    assert len(files) == 14
    for code in wards_of_district("E07000116"):
        assert sum(code in name for name in files) == 1


# ---------------------------------------------------------------------------------------------
# The static map


def test_the_map_shades_the_area_lsoas_by_decile(ward: Profile) -> None:
    image = Image.open(io.BytesIO(area_map_png(ward.boundaries, "Sherwood"))).convert("RGB")
    assert image.size == (1350, 918)
    colours = {f"#{r:02x}{g:02x}{b:02x}" for _, (r, g, b) in image.getcolors(maxcolors=1 << 22)}
    for decile in ward.main.lsoas["imd_decile"]:
        assert DECILE_COLOURS[int(decile) - 1] in colours
    assert decile_label(1) == "1: most deprived 10% in England"
    assert decile_label(10) == "10: least deprived 10% in England"
    with pytest.raises(StaticMapError):
        area_map_png(ward.boundaries.iloc[0:0], "nothing")


def test_poppler_is_installed() -> None:
    assert shutil.which("pdftoppm") and shutil.which("pdfinfo"), "install poppler-utils (make browser does)"
