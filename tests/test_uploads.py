"""Uploads of a user's own indicator file: good files load whole, bad files list every problem.

The files are written by the tests (CSV text, and xlsx through openpyxl); area codes are checked
against the real lookups and boundary lists (``real_data``).
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from hiap_geo.core import limits
from hiap_geo.indicators import schema
from hiap_geo.indicators.uploads import InvalidUpload, read_upload

pytestmark = pytest.mark.integration

TW_LSOA21 = ["E01024830", "E01024852", "E01024788", "E01024829"]  # Tunbridge Wells LSOAs (2011 and 2021 codes)
SHERWOOD_2024 = "E05015813"
CITY_WARD_2024 = "E05009289"  # a City of London ward: in the 2024 ward boundaries, not in the best-fit lookup
LSOA11_ONLY = "E01000010"  # split in 2021
LSOA21_ONLY = "E01033769"


def csv_bytes(text: str) -> bytes:
    return text.encode("utf-8")


def xlsx_bytes(*sheets: tuple[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def problems_of(content: bytes, filename: str, **kwargs: object) -> InvalidUpload:
    with pytest.raises(InvalidUpload) as err:
        read_upload(content, filename, **kwargs)
    assert "was not loaded, and nothing from it is used" in str(err.value)
    return err.value


def test_good_csv_with_common_header_spellings(real_data: Path) -> None:
    text = (
        "Area Code,Area Name,Indicator,Time period,Value,Numerator,Denominator,Lower CI,Upper CI,Unit,Polarity\n"
        f"{TW_LSOA21[0]},Tunbridge Wells 001A,Smoking prevalence,2023,21.5,43,200,16.3,27.7,%,Low is good\n"
        f"{TW_LSOA21[1].lower()} ,Tunbridge Wells 001B,Smoking prevalence,2023,\"1,234\",,,,,%,low is good\n"
        f"{TW_LSOA21[2]},Tunbridge Wells 002A,Smoking prevalence,2023,,,,,,%,Low is good\n"
    )
    result = read_upload(csv_bytes(text), "smoking.csv")
    data = result.data
    assert list(data.columns) == [*schema.COLUMNS, "origin"] and (data["origin"] == "upload").all()
    assert result.area_type == "lsoa" and result.vintages == ("LSOA 2011", "LSOA 2021")
    first = data.iloc[0]
    assert first["area_code"] == TW_LSOA21[0] and first["value"] == 21.5 and first["count"] == 43
    assert first["denominator"] == 200 and first["lower_95"] == 16.3 and first["upper_95"] == 27.7
    assert first["polarity"] == "low_is_good" and first["unit"] == "%" and first["period"] == "2023"
    assert first["indicator_id"] == "upload:smoking-prevalence" and first["indicator_name"] == "Smoking prevalence"
    assert first["source"] == "Uploaded file smoking.csv" and first["vintage"] == "LSOA 2021"
    assert pd.isna(first["lower_998"]) and pd.isna(first["upper_998"])
    assert data.iloc[1]["area_code"] == TW_LSOA21[1] and data.iloc[1]["value"] == 1234.0
    assert pd.isna(data.iloc[2]["value"])
    assert "Columns not used: Area Name." in result.notes
    assert any("1 row(s) have no value (blank) and are kept as missing: row 4" in n for n in result.notes)
    schema.validate_indicators(data)  # the project's own long-format schema accepts it


@pytest.mark.parametrize(
    ("header", "codes", "area_type", "vintage"),
    [("AreaCode", TW_LSOA21[:2], "lsoa", "LSOA 2021"), ("area_code", [LSOA21_ONLY], "lsoa", "LSOA 2021"),
     ("LSOA11CD", [LSOA11_ONLY], "lsoa", "LSOA 2011"), ("WD24CD", [SHERWOOD_2024, CITY_WARD_2024], "ward", "Ward 2024"),
     ("LAD24CD", ["E07000116", "E07000111"], "district", "LAD 2024"), ("MSOA21CD", ["E02005163"], "msoa", "MSOA 2021"),
     ("Geography code", ["E92000001"], "england", "England")],
)
def test_header_variants_and_area_types(real_data: Path, header: str, codes: list[str], area_type: str,
                                        vintage: str) -> None:
    text = f"{header},VALUE\n" + "".join(f"{c},{i + 1}\n" for i, c in enumerate(codes))
    result = read_upload(csv_bytes(text), "mine.csv", indicator_name="My measure")
    assert result.area_type == area_type and result.data["vintage"].iloc[0] == vintage
    assert result.data["area_code"].tolist() == codes
    assert set(result.data["indicator_name"]) == {"My measure"} and set(result.data["polarity"]) == {"no_judgement"}


def test_good_xlsx_reads_the_first_sheet_with_data(real_data: Path) -> None:
    content = xlsx_bytes(
        ("Empty", []),
        ("Data", [["LSOA21CD", "Value", "Period"], [TW_LSOA21[0], 12, 2024], [None, None, None],
                  [TW_LSOA21[1], 13.5, 2024]]),
        ("Notes", [["Source: our survey"]]),
    )
    result = read_upload(content, "survey results.xlsx")
    assert result.data["value"].tolist() == [12.0, 13.5] and result.data["period"].tolist() == ["2024", "2024"]
    assert set(result.data["indicator_name"]) == {"survey results"}
    assert set(result.data["indicator_id"]) == {"upload:survey-results"}
    assert any("'Data'" in n and "'Notes'" in n for n in result.notes)


def test_every_row_problem_is_reported_at_once_with_row_numbers(real_data: Path) -> None:
    text = (
        "Area Code,Value,Count,Denominator,Lower 95,Upper 95\n"      # row 1
        f"{TW_LSOA21[0]},12%,1,10,,\n"                                # row 2: % sign
        f"{TW_LSOA21[1]},5,1,10,,\n"                                  # row 3
        "\n"                                                          # row 4: blank, skipped
        f"{TW_LSOA21[1]},6,1,10,,\n"                                  # row 5: duplicate of row 3
        "E01999999,4,1,10,,\n"                                        # row 6: unknown LSOA
        "Sherwood,4,1,10,,\n"                                         # row 7: not a code
        f"{TW_LSOA21[2]},n/a,x,10,,\n"                                # row 8: text in value and count
        f"{TW_LSOA21[3]},9,-1,0,10,8\n"                               # row 9: limits swapped, bad count
        ",3,1,10,,\n"                                                 # row 10: no code
    )
    err = problems_of(csv_bytes(text), "bad.csv")
    assert err.kinds == {"non_numeric", "duplicates", "unknown_codes", "not_area_codes", "limits", "counts",
                         "missing_code"}
    message = str(err)
    assert "Column 'Value' (value) holds text where a number belongs on rows 2, 8 (e.g. '12%', 'n/a')" in message
    assert "Column 'Count' (count) holds text where a number belongs on row 8" in message
    assert f"{TW_LSOA21[1]} on rows 3, 5" in message
    assert "'E01999999' (row 6)" in message and "'Sherwood' (row 7)" in message
    assert "On row 9 the value is not between its lower and upper 95% limits" in message
    assert "On row 9 a count is negative or a denominator is zero" in message
    assert "No area code on row 10" in message


def test_mixed_area_types(real_data: Path) -> None:
    text = f"code,value\n{TW_LSOA21[0]},1\n{TW_LSOA21[1]},2\n{SHERWOOD_2024},3\nE92000001,4\n"
    err = problems_of(csv_bytes(text), "mixed.csv")
    assert err.kinds == {"mixed_area_types"}
    assert "2 LSOA (e.g. E01024830 on row 2), 1 ward (e.g. E05015813 on row 4), 1 England" in str(err)


def test_mixed_code_vintages(real_data: Path) -> None:
    text = f"LSOA code,value\n{LSOA11_ONLY},1\n{LSOA21_ONLY},2\n{TW_LSOA21[0]},3\n"
    err = problems_of(csv_bytes(text), "vintages.csv")
    assert err.kinds == {"mixed_vintages"}
    assert f"1 only in LSOA 2011 (e.g. {LSOA11_ONLY}); 1 only in LSOA 2021 (e.g. {LSOA21_ONLY})" in str(err)


def test_duplicates_are_per_indicator_and_period(real_data: Path) -> None:
    code = TW_LSOA21[0]
    ok = f"area_code,indicator_name,period,value\n{code},A,2022,1\n{code},A,2023,2\n{code},B,2023,3\n"
    assert len(read_upload(csv_bytes(ok), "ok.csv").data) == 3
    twice = ok + f"{code},B,2023,4\n"
    err = problems_of(csv_bytes(twice), "twice.csv")
    assert err.kinds == {"duplicates"} and "same indicator and period" in str(err) and "rows 4-5" in str(err)


def test_xlsx_row_problems_use_spreadsheet_row_numbers(real_data: Path) -> None:
    content = xlsx_bytes(("Sheet1", [["Area Code", "Value"], [TW_LSOA21[0], "#DIV/0!"], [TW_LSOA21[1], True],
                                     ["E05999999", 2]]))
    err = problems_of(content, "errors.xlsx")
    assert err.kinds == {"non_numeric", "mixed_area_types", "unknown_codes"}
    assert "rows 2-3 (e.g. '#DIV/0!', 'True')" in str(err) and "'E05999999' (row 4)" in str(err)


@pytest.mark.parametrize(
    ("content", "filename", "kind", "message"),
    [(b"", "empty.csv", "empty", "The file is empty"),
     (b"\n \n", "blank.csv", "empty", "The file is empty"),
     (b"area_code,value\n", "header.csv", "empty", "header row but no rows"),
     (b"area_code,value\n\n,\n", "commas.csv", "empty", "header row but no rows"),
     (b"area_code,value\nE01024830,\nE01024852, \n", "novalues.csv", "empty", "value column is blank on every row"),
     (b"%PDF-1.7 ...", "report.pdf", "file_type", "'.pdf' file cannot be read"),
     (b"\xd0\xcf\x11\xe0 old excel", "old.xls", "file_type", "old Excel (.xls)"),
     (b"area_code,value\nE01024830,1\n", "noext", "file_type", "'no extension' file cannot be read"),
     (b"area code,value\n", "text.xlsx", "file_type", "not an Excel workbook"),
     (b"PK\x03\x04 zipped", "zipped.csv", "file_type", "is an Excel workbook or another zip file"),
     (b"\xff\xfea\x00r\x00e\x00a\x00", "utf16.csv", "file_type", "not text"),
     (b"area,score\nE01024830,1\n", "cols.csv", "columns", "Required column(s) missing: 'value'. The header row has: "
                                                          "'area', 'score'"),
     (b"Area Code,LSOA21CD,value\nE01024830,E01024830,1\n", "two.csv", "columns", "'Area Code', 'LSOA21CD' all look "
                                                                              "like area_code")],
)
def test_files_that_cannot_be_read(real_data: Path, content: bytes, filename: str, kind: str, message: str) -> None:
    err = problems_of(content, filename)
    assert err.kinds == {kind}
    assert message in str(err)


def test_empty_and_damaged_workbooks() -> None:
    assert problems_of(xlsx_bytes(("Sheet1", [])), "blank.xlsx").kinds == {"empty"}
    assert problems_of(xlsx_bytes(("Sheet1", [["area_code", "value"]])), "header.xlsx").kinds == {"empty"}
    damaged = xlsx_bytes(("Sheet1", [["area_code", "value"]]))[:200]
    assert problems_of(damaged, "damaged.xlsx").kinds == {"file_type"}


def test_oversized_files() -> None:
    content = b"area_code,value\n" + b"E01024830,1\n" * 20
    err = problems_of(content, "big.csv", max_bytes=100)
    assert err.kinds == {"too_large"} and "The file is 256 bytes; the limit is 100 bytes" in str(err)
    with pytest.raises(InvalidUpload, match=r"The file is 11\.4 MB; the limit is 10 MB") as err_info:
        read_upload(b"area_code,value\n" + b"E01024830,1\n" * 1_000_000, "big.csv")
    assert err_info.value.kinds == {"too_large"}


def test_unpacked_size_of_a_workbook_is_limited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_XLSX_UNPACKED_BYTES", 1000)
    content = xlsx_bytes(("Sheet1", [["area_code", "value"], ["E01024830", 1]]))
    assert problems_of(content, "bomb.xlsx").kinds == {"too_large"}


def test_windows_text_semicolons_and_ragged_rows(real_data: Path) -> None:
    text = f"Area Code;Area Name;Value\n{TW_LSOA21[0]};Pembury caf\xe9;1,5\n{TW_LSOA21[1]};Park;2\n"
    err = problems_of(text.encode("cp1252"), "euro.csv")
    assert err.kinds == {"non_numeric"} and "'1,5'" in str(err)  # decimal commas are not guessed at
    good = f"Area Code;Area Name;Value\n{TW_LSOA21[0]};Pembury caf\xe9;1.5\n".encode("cp1252")
    result = read_upload(good, "euro.csv")
    assert result.data["value"].tolist() == [1.5] and any("cp1252" in n for n in result.notes)
    ragged = f"area_code,name,value\n{TW_LSOA21[0]},Tunbridge Wells, Pantiles,3\n"
    assert "ragged_rows" in problems_of(ragged.encode(), "ragged.csv").kinds


def test_99_8_limits_and_names_that_slug_alike(real_data: Path) -> None:
    head = "area_code,indicator_name,value,lower_95,upper_95,Lower CI 99.8 limit,Upper CI 99.8 limit\n"
    good = head + f"{TW_LSOA21[0]},Smoking %,20,15,25,12,29\n{TW_LSOA21[0]},Smoking,20,15,25,12,29\n"
    data = read_upload(csv_bytes(good), "limits.csv").data
    assert data["indicator_id"].tolist() == ["upload:smoking", "upload:smoking-2"]
    assert data["lower_998"].tolist() == [12.0, 12.0] and data["upper_998"].tolist() == [29.0, 29.0]
    bad = head + f"{TW_LSOA21[0]},Smoking,20,15,25,16,29\n"
    err = problems_of(csv_bytes(bad), "limits.csv")
    assert err.kinds == {"limits"} and "On row 2 the 99.8% limits lie inside the 95% limits" in str(err)


def test_polarity_words(real_data: Path) -> None:
    text = f"area_code,value,polarity\n{TW_LSOA21[0]},1,RAG - High is good\n{TW_LSOA21[1]},2,sideways\n"
    err = problems_of(csv_bytes(text), "polarity.csv")
    assert err.kinds == {"polarity"} and "'sideways' on row 3" in str(err)
