"""Area codes, lookups and finding areas by name."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hiap_geo.core.areas import area_kind
from hiap_geo.core.errors import AmbiguousAreaName, InvalidAreaCode, UnknownArea, UnmatchedCodes
from hiap_geo.geo.joins import join_on_code
from hiap_geo.geo.lookups import districts_in_area, find_area, lsoas_in_districts


@pytest.mark.parametrize(
    ("code", "kind"),
    [("E01024840", "lsoa"), ("e02005100", "msoa"), ("E05005146", "ward"), ("E07000116", "district"),
     ("E06000035", "district"), ("E09000001", "district"), ("E10000016", "county")],
)
def test_area_kind(code: str, kind: str) -> None:
    assert area_kind(code) == kind


@pytest.mark.parametrize("code", ["E0102484", "W01000001", "E03000001", "E07000116X", "", "Sherwood"])
def test_invalid_codes_are_rejected_with_the_expected_forms(code: str) -> None:
    with pytest.raises(InvalidAreaCode, match="E01 \\(LSOA\\)"):
        area_kind(code)


def test_join_reports_unmatched_codes_on_each_side() -> None:
    left = pd.DataFrame({"code": ["E01000001", "E01000002"], "a": [1, 2]})
    right = pd.DataFrame({"code": ["E01000002", "E01000003"], "b": [3, 4]})
    merged, report = join_on_code(left, right, "code", "test", strict=False)
    assert len(merged) == 2 and report.left_only == ["E01000001"] and report.right_only == ["E01000003"]
    with pytest.raises(UnmatchedCodes, match="E01000001.*E01000003"):
        join_on_code(left, right, "code", "test")


@pytest.mark.integration
def test_area_selection(real_data: Path) -> None:
    kent = districts_in_area("kent")
    assert len(kent) == 13 and "E06000035" in kent and "E07000116" in kent
    assert districts_in_area("E10000016") == sorted(set(kent) - {"E06000035"})
    assert len(districts_in_area("england")) == 296
    assert len(lsoas_in_districts(["E07000116"], 2019)) == 68
    assert len(lsoas_in_districts(["E07000116"], 2025)) == 69
    with pytest.raises(UnknownArea):
        districts_in_area("E07999999")


@pytest.mark.integration
def test_find_area_by_code_and_name(real_data: Path) -> None:
    lsoa = find_area("E01024840")
    assert (lsoa.name, lsoa.kind, lsoa.vintages) == ("Tunbridge Wells 005A", "lsoa", ("LSOA 2011", "LSOA 2021"))
    assert find_area("tunbridge wells 005a").code == "E01024840"
    assert find_area("Sevenoaks").code == "E07000111"
    with pytest.raises(AmbiguousAreaName) as ambiguous:
        find_area("Sherwood")
    assert any("E05005146" in c and "Tunbridge Wells" in c for c in ambiguous.value.candidates)
    assert any("Mansfield" in c for c in ambiguous.value.candidates)
    with pytest.raises(UnknownArea, match="Did you mean: Sherwood"):
        find_area("Sherwod")
    with pytest.raises(UnknownArea):
        find_area("E01999999")
