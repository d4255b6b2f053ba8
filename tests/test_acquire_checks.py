"""Fast checks of the pieces behind publisher downloads: header names, address rewriting, content checks,
recognising a file by what it holds (no data, no network)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hiap_geo.acquire.convert.base import clean_name
from hiap_geo.acquire.http import layer_name, publisher_url
from hiap_geo.acquire.sniff import sniff
from hiap_geo.acquire.validate import InvalidOfficialFile, TableCheck, check_table


@pytest.mark.parametrize("label, name", [
    ("IMD - Proportion of LSOAs in most deprived 10% nationally",
     "imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally"),
    ("IMD25 - Extent", "imd25_extent"),
    ("Violence with injury, rate per 1,000 'at-risk population'",
     "violence_with_injury_rate_per_1_000_at_risk_population"),
    ("Patient-to-GP Ratio", "patient_to_gp_ratio"),
])
def test_published_headers_get_the_mirror_names(label: str, name: str) -> None:
    assert clean_name(label) == name


def test_publisher_base_url_keeps_path_and_query(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "https://www.ons.gov.uk/file?uri=/a/b.xlsx"
    monkeypatch.delenv("HIAP_PUBLISHER_BASE_URL", raising=False)
    assert publisher_url(url) == url
    monkeypatch.setenv("HIAP_PUBLISHER_BASE_URL", "http://127.0.0.1:9999/")
    assert publisher_url(url) == "http://127.0.0.1:9999/file?uri=/a/b.xlsx"
    assert layer_name("https://x/arcgis/rest/services/LSOA21_WD24_LAD24_EW_LU/FeatureServer/0") == \
        "LSOA21_WD24_LAD24_EW_LU"


CHECK = TableCheck("a test table", "code", r"E01\d{6}", rows=3, known_codes={"code": ("E01024840",)},
                   ranges={"decile": (1, 10)}, rank_columns=("rank",))


@pytest.mark.parametrize("frame, found", [
    (pd.DataFrame({"code": ["E01024840", "E01000001"], "decile": [1, 2], "rank": [1, 2]}), "2 rows (truncated?)"),
    (pd.DataFrame({"code": ["E01024840", "E01000001", "E01000001"], "decile": [1, 2, 3], "rank": [1, 2, 3]}),
     "duplicated"),
    (pd.DataFrame({"code": ["E01024840", "X", "E01000002"], "decile": [1, 2, 3], "rank": [1, 2, 3]}), "'X'"),
    (pd.DataFrame({"code": ["E01000003", "E01000001", "E01000002"], "decile": [1, 2, 3], "rank": [1, 2, 3]}),
     "no E01024840"),
    (pd.DataFrame({"code": ["E01024840", "E01000001", "E01000002"], "decile": [1, 2, 11], "rank": [1, 2, 3]}),
     "values from 1 to 11"),
    (pd.DataFrame({"code": ["E01024840", "E01000001", "E01000002"], "decile": [1, 2, 3], "rank": [1, 2, 4]}),
     "values from 1 to 4"),
])
def test_content_checks_name_what_they_found(frame: pd.DataFrame, found: str) -> None:
    with pytest.raises(InvalidOfficialFile, match="Refused t.csv for 'ds': expected a test table") as caught:
        check_table(frame, CHECK, Path("t.csv"), "ds")
    assert found in str(caught.value)


def test_files_are_recognised_by_content(tmp_path: Path) -> None:
    page = tmp_path / "data.csv"
    page.write_text("<!DOCTYPE html><html><body>Error</body></html>", encoding="utf-8")
    assert sniff(page).kind == "html"
    table = tmp_path / "renamed.bin"
    table.write_text("\ufeffLSOA code (2021),Score\nE01024840,1\n", encoding="utf-8")
    sniffed = sniff(table)
    assert sniffed.kind == "csv" and sniffed.find({"LSOA code (2021)"}) == ("", 0)
    assert sniff(tmp_path / "empty.csv").kind == "unknown"


RANK = "Income Rank (where 1 is most deprived)"
DECILE = "Income Decile (where 1 is most deprived 10% of LSOAs)"
SCORE = "Income Score (rate)"
IOD_CHECK = TableCheck("an IoD table", "code", r"E01\d{6}", rows=20, rank_columns=(RANK,))


def _iod(ranks: list[int], scores: list[float] | None = None, deciles: list[int] | None = None) -> pd.DataFrame:
    n = len(ranks)
    return pd.DataFrame({
        "code": [f"E01{i:06d}" for i in range(n)], RANK: ranks,
        DECILE: deciles if deciles is not None else [(r * 10 + n - 1) // n for r in ranks],
        SCORE: scores if scores is not None else [1.0 - r / n for r in ranks],
    })


def test_iod_ranks_with_ties_deciles_by_the_official_cut_and_ordered_scores_pass() -> None:
    ranks = [1, 2, 2, 4, *range(5, 21)]  # a tie shares the higher place; the next rank is skipped
    frame = _iod(ranks)
    assert list(frame[DECILE]) == [1, 1, 1, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10]
    check_table(frame.sample(frac=1, random_state=1), IOD_CHECK, Path("f.csv"), "ds")


@pytest.mark.parametrize("frame, found", [
    (_iod([1, 2, 2, 3, *range(5, 21)]), "running 1 to 20, each held once"),
    (_iod([2, 2, 3, 4, *range(5, 21)]), "rank 1 is missing"),
    (_iod(list(range(1, 21)), deciles=[1] * 20), "equal to the official cut of the rank"),
    (_iod(list(range(1, 21)), scores=[float(r) for r in range(1, 21)]), "never higher (more deprived)"),
])
def test_iod_rank_decile_and_score_checks_name_three_rows(frame: pd.DataFrame, found: str) -> None:
    with pytest.raises(InvalidOfficialFile, match="Refused f.csv for 'ds': expected an IoD table") as caught:
        check_table(frame, IOD_CHECK, Path("f.csv"), "ds")
    message = str(caught.value)
    assert found in message and "e.g. E01" in message and message.endswith("Nothing was saved."), message


def test_files_of_one_edition_must_agree_rank_for_rank() -> None:
    from hiap_geo.acquire.validate import check_agreement

    mine = _iod(list(range(1, 21)))
    check_agreement(mine, "code", {"File 3": mine[["code", RANK]]}, Path("f.csv"), "ds", "an IoD table")
    other = mine[["code", RANK]].assign(**{RANK: list(range(20, 0, -1))})
    with pytest.raises(InvalidOfficialFile, match=r"ranks equal to File 3 for the same LSOA; found 20 of 20 rows "
                                                  r"that do not, e.g. E01000000 \(Income rank 1 here, 20 there\)"):
        check_agreement(mine, "code", {"File 3": other}, Path("f.csv"), "ds", "an IoD table")
