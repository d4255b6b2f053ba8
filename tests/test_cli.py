"""The command line as a user runs it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hiap_geo.cli import main

pytestmark = pytest.mark.integration


def test_info_for_an_lsoa(real_data: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "E01024840"]) == 0
    out = capsys.readouterr().out
    assert "Tunbridge Wells 005A" in out and "Sherwood (E05005146, " in out and "Sherwood (E05015813, " in out
    assert "decile 2, rank 5,503, score 36.079" in out
    assert "unchanged" in out and "2 -> 2" in out
    assert "decile 1 of Tunbridge Wells (69 LSOAs" in out  # its district named, not coded


def test_info_for_a_name_and_a_ward(real_data: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "Sevenoaks"]) == 0
    assert "12.437" in capsys.readouterr().out
    assert main(["info", "E05015813"]) == 0
    assert "LSOAs (best fit)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [(["info", "Sherwood"], "matches 5 areas"), (["info", "E01999999"], "No area matches"),
     (["info", "X123"], "No area matches"), (["build", "--area", "E0700011"], "not an English area code"),
     (["build", "--area", "E01024840"], "is an LSOA code"), (["fetch", "--dataset", "nope"], "Unknown dataset")],
)
def test_bad_input_gives_a_clear_message(real_data: object, capsys: pytest.CaptureFixture[str], args: list[str],
                                         message: str) -> None:
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_build_a_district(real_data: object, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HIAP_CACHE_DIR", str(tmp_path))  # keep the session cache to Kent
    assert main(["fetch", "--mirror", str(mirror), "--quiet"]) == 0
    assert main(["build", "--area", "E07000111"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"lsoa_2025\s+75 areas", out)
