"""Bounded work (issue 21): no folder, file, link or argument a user hands HIAP Geo makes it spend minutes or
gigabytes, and no message repeats more than ``MAX_SHOWN_CHARS`` of what the user supplied.

Each entry point is measured at its limit in a process of its own (``tests/budget.py``: wall time and the
process's peak memory) against the README's budget.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hiap_geo.acquire.importer import import_folder
from hiap_geo.core import limits
from hiap_geo.core.files import NotRegularFile, read_regular
from tests.budget import measure, within_budget

ROOT = Path(__file__).resolve().parent.parent
FILE_7 = "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv"


def sparse(path: Path, size: int) -> Path:
    """A file of ``size`` bytes of NULs that takes no disk: read whole, it would fill the memory."""
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HIAP_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


# --- fetch --from: the folder walk, the file guard, the bounded head ----------------------------------------


def test_a_sparse_5_gb_file_named_like_file_7_is_refused_in_seconds(tmp_path: Path, cache: Path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    sparse(folder / FILE_7, 5 * 1024**3)
    sparse(folder / "imd.csv", limits.MAX_IMPORT_FILE_BYTES - 1)  # under the folder's cap: only its head is read
    measured = measure(f"""
        report = import_folder(Path({str(folder)!r}))
        result = report.lines()
    """, setup="from pathlib import Path\nfrom hiap_geo.acquire.importer import import_folder",
        env={"HIAP_CACHE_DIR": str(cache)})
    text = "\n".join(measured["result"])
    assert f"not read   {FILE_7}: 5120 MB, larger than any official file (the limit is 1024 MB)" in text
    assert "not used   imd.csv: a file that is neither CSV, Excel, zip nor GeoJSON" in text
    assert within_budget(measured), measured


def test_links_out_of_the_folder_pipes_and_devices_are_not_read(tmp_path: Path, cache: Path) -> None:
    secret = tmp_path / "private.csv"
    secret.write_text("password,owner\nhunter2,alice\n")
    folder = tmp_path / "downloads"
    (folder / "sub").mkdir(parents=True)
    (folder / "shadow.csv").symlink_to("/etc/shadow")
    (folder / "sub" / "passwords.csv").symlink_to(secret)
    (folder / "outside").symlink_to(tmp_path)  # a link to a folder is never walked
    os.mkfifo(folder / "pipe.csv")
    (folder / "zero.csv").symlink_to("/dev/zero")
    inside = folder / "table.csv"
    inside.write_text("LSOA code,Population\nE01000001,1500\n")
    (folder / "again.csv").symlink_to(inside)  # a link to a file inside is read like the file
    done: list[list[str]] = []
    worker = threading.Thread(target=lambda: done.append(import_folder(folder).lines()), daemon=True)
    worker.start()
    worker.join(60)
    assert done, "fetch --from hung on a pipe or a device"
    text = "\n".join(done[0])
    assert "not read   shadow.csv: a link to a file outside the folder; copy the file itself into the folder" in text
    assert "not read   sub/passwords.csv: a link to a file outside the folder" in text
    assert "not read   pipe.csv: not a file (a pipe, device or socket)" in text
    assert "not read   zero.csv: a link to a file outside the folder" in text
    assert "not used   table.csv: csv with LSOA code, Population" in text
    assert "not used   again.csv: csv with LSOA code, Population" in text
    assert "hunter2" not in text and "   outside" not in text and "root:" not in text and "1500" not in text


def test_messages_name_column_titles_never_rows(tmp_path: Path, cache: Path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "notes.csv").write_text("root:x:0:0:secret line of a private file\nsecond:line\n")
    (folder / "long.csv").write_text(",".join(["T" * 500, "name"]) + "\n1,2\n")
    (folder / ("n" * 250 + ".csv")).write_text("a,b\n1,2\n")
    text = "\n".join(import_folder(folder).lines())
    assert "notes.csv: csv with no header row of column titles" in text and "secret" not in text
    assert "long.csv: csv with name" in text and "T" * 100 not in text
    assert "n" * 100 not in text
    assert all(len(line) < 1000 for line in text.splitlines())


def test_reading_a_file_refuses_pipes_and_devices_before_opening(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path, kind in ((fifo, "a named pipe (FIFO)"), (Path("/dev/zero"), "a device"), (tmp_path, "a folder")):
        with pytest.raises(NotRegularFile, match=re.escape(f"it is {kind}, not a file")):
            read_regular(path, 10)
    (tmp_path / "f").write_bytes(b"x" * 100)
    assert read_regular(tmp_path / "f", 10) == b"x" * 11


# --- plan check FILE, upload check FILE: a pipe is refused, not waited on -----------------------------------


@pytest.mark.parametrize("command", [["plan", "check"], ["upload", "check"]])
def test_checking_a_fifo_is_refused_at_once(tmp_path: Path, command: list[str]) -> None:
    fifo = tmp_path / "plan.yaml"
    os.mkfifo(fifo)
    run = subprocess.run([sys.executable, "-m", "hiap_geo", *command, str(fifo)], capture_output=True, text=True,
                         timeout=60, cwd=ROOT)
    assert run.returncode == 2, run.stderr
    assert "it is a named pipe (FIFO), not a file; name a file saved on disk" in run.stderr
    assert "Traceback" not in run.stderr


# --- the README's table of limits (every limit is set in core/limits.py: tests/test_structure.py) ---------


def test_the_readme_names_every_limit() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Limits", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in dir(limits) if name.startswith("MAX_") and f"`{name}`" not in table]
    assert not missing, f"not in the README's limits table: {missing}"


# --- what the user types: echoed short, lists counted once and capped ----------------------------------------

CLI = """
import contextlib, io, json
from hiap_geo.cli import main
out, err = io.StringIO(), io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    code = main(ARGS)
result = [code, out.getvalue(), err.getvalue()]
"""


def cli_measured(args: list[str], cache: Path) -> dict:
    """``python -m hiap_geo ARGS`` in a process of its own, measured; result: [exit code, stdout, stderr]."""
    args_file = cache.parent / "args.json"
    args_file.write_text(json.dumps(args))
    return measure(CLI.replace("ARGS", f"json.load(open({str(args_file)!r}))"), setup="import json",
                   env={"HIAP_CACHE_DIR": str(cache)})


def lsoa_codes(count: int) -> list[str]:
    from hiap_geo.geo.lookups import ward_lookup

    return sorted(ward_lookup(2025)["lsoa_code"].unique())[:count]


def test_info_of_a_120_kb_name_is_answered_at_once_and_repeated_short(real_data: Path) -> None:
    name = "Tunbridge Wells " * 7_700  # 123,200 characters, within one command-line argument
    measured = cli_measured(["info", name], real_data)
    code, out, err = measured["result"]
    assert code == 2 and out == ""
    assert err.startswith("error: No area matches 'Tunbridge Wells Tunbridge") and len(err) < 300, err[:400]
    assert within_budget(measured), measured


def test_a_profile_of_10000_codes_is_refused_at_once_on_the_command_line(real_data: Path, tmp_path: Path) -> None:
    codes = lsoa_codes(10_000)
    measured = cli_measured(["profile", *codes, "--format", "csv", "--out", str(tmp_path)], real_data)
    code, _, err = measured["result"]
    assert code == 2
    assert (f"The group lists 10,000 different areas; a group profile takes at most {limits.MAX_GROUP_AREAS} LSOAs "
            "or wards") in err
    assert within_budget(measured), measured
    repeated = cli_measured(["profile", *([codes[0]] * 5_000 + [codes[1]] * 5_000), "--format", "csv", "--out",
                             str(tmp_path)], real_data)  # one area twice over is one area: answered
    assert repeated["result"][0] == 0, repeated["result"][2][-500:]
    assert "custom-group-of-2-lsoas" in repeated["result"][1]


def test_a_profile_at_the_group_limit_is_answered_within_the_budget(real_data: Path, tmp_path: Path) -> None:
    codes = lsoa_codes(limits.MAX_GROUP_AREAS)
    measured = cli_measured(["profile", *codes, "--format", "csv,xlsx", "--out", str(tmp_path)], real_data)
    assert measured["result"][0] == 0, measured["result"][2][-500:]
    assert measured["cpu"] <= 20 and measured["peak_mb"] <= 800, measured


def test_a_10000_code_profile_link_is_refused_in_the_page_model(real_data: Path, tmp_path: Path) -> None:
    from hiap_geo.views.profile import AreaListError, read_request

    codes = lsoa_codes(10_000)
    link = tmp_path / "area.txt"
    link.write_text(",".join(codes))  # what ?area= holds, as the page reads it
    measured = measure(f"""
        try:
            read_request(Path({str(link)!r}).read_text(), "")
            result = "answered"
        except ProfileError as exc:
            result = str(exc)
    """, setup="from pathlib import Path\nfrom hiap_geo.views.profile import read_request\n"
               "from hiap_geo.render.profile.model import ProfileError", env={"HIAP_CACHE_DIR": str(real_data)})
    assert measured["result"].startswith("The group lists 10,000 different areas"), measured["result"][:300]
    assert within_budget(measured), measured
    assert read_request(",".join([codes[0]] * 10_000), "").codes == (codes[0],)  # duplicates collapse first
    with pytest.raises(AreaListError) as err:  # a list of slips names ten of them, and counts the rest
        read_request("\n".join([codes[0], *(f"X{i:08d}" * 3 for i in range(150))]), "")
    assert "and 140 more" in str(err.value) and len(str(err.value)) < 2_000


def test_an_area_link_is_counted_once_capped_and_repeated_short() -> None:
    from hiap_geo.views.explorer import CHOSEN_DISTRICTS, read_area_link

    built = ["E07000116", "E07000115"]
    link = read_area_link(",".join(["E07000116"] * 10_000), "kent", built, [])
    assert link.area == CHOSEN_DISTRICTS and link.districts == ("E07000116",) and not link.warning
    big = read_area_link("x" * 100_000, "kent", built, [])
    assert big.area is None and "x" * (limits.MAX_SHOWN_CHARS + 1) not in big.warning and len(big.warning) < 300
    many = read_area_link(",".join(f"E07{i:06d}" for i in range(1_000)), "kent", built, [])
    assert many.warning.startswith("The link lists 1,000 different districts; a link takes at most 400")


# --- uploads: at every limit, within the budget ---------------------------------------------------------------


def upload_file(path: Path, rows: int, columns: str = "area_code,value,period") -> Path:
    """A CSV of ``rows`` rows of real LSOA codes, each code once a period (no repeated rows)."""
    codes = lsoa_codes(40_000)
    extra = columns.count(",") - 2
    with path.open("w") as out:
        out.write(columns + "\n")
        for i in range(rows):
            out.write(f"{codes[i % len(codes)]},{i % 97}.5,{2000 + i // len(codes)}" + ",1" * extra + "\n")
    return path


def test_an_upload_of_499999_rows_is_refused_within_the_budget(real_data: Path, tmp_path: Path) -> None:
    path = upload_file(tmp_path / "big.csv", 499_999, "area_code,value")
    assert 7_000_000 < path.stat().st_size < limits.MAX_UPLOAD_BYTES
    measured = cli_measured(["upload", "check", str(path)], real_data)
    code, _, err = measured["result"]
    assert code == 2 and f"The file has more than {limits.MAX_ROWS:,} rows" in err, err[:500]
    assert within_budget(measured), measured


@pytest.mark.parametrize("columns", ["area_code,value,period", "area_code,value,period,a,b,c,d,e,f,g"])
def test_an_upload_at_the_row_and_cell_limits_is_checked_within_the_budget(real_data: Path, tmp_path: Path,
                                                                           columns: str) -> None:
    rows = min(limits.MAX_ROWS, limits.MAX_CELLS // (columns.count(",") + 1)) - 1  # the header is a row too
    path = upload_file(tmp_path / "at-limit.csv", rows, columns)
    measured = cli_measured(["upload", "check", str(path)], real_data)
    code, out, err = measured["result"]
    assert code == 0, err[:500]
    assert out.startswith(f"Loaded {rows:,} rows of at-limit at LSOA level"), out[:300]
    assert within_budget(measured), measured


# --- in a real browser: one session's upload at the limit does not slow another ---------------------------------


def _first_map_seconds(page: object, url: str) -> float:
    from tests.browser_support import map_frame

    start = time.perf_counter()
    page.goto(url)
    frame = map_frame(page, timeout_s=120)
    assert int(frame.eval_on_selector("[data-area-count]", "e => e.dataset.areaCount")) > 0
    return time.perf_counter() - start


def test_a_second_session_keeps_its_speed_while_an_upload_at_the_limit_is_refused(
    app_url: str, browser: object, tmp_path: Path
) -> None:
    from tests.browser_support import block_internet
    from tests.test_server_survives import server_rss_mb, upload

    path = upload_file(tmp_path / "big.csv", 499_999, "area_code,value")  # 7.4 MB, under the size limit
    other = browser.new_page(viewport={"width": 1366, "height": 768})
    other_outside = block_internet(other)
    _first_map_seconds(other, app_url)  # the server's first map is drawn once, before anything is timed
    normal = min(_first_map_seconds(other, app_url) for _ in range(2))

    first = browser.new_page(viewport={"width": 1366, "height": 768})
    outside = block_internet(first)
    first.goto(f"{app_url}/indicators")
    first.get_by_role("tab", name="Your data and Fingertips").click()
    first.get_by_text("Add your own indicator (CSV or Excel)", exact=True).click()
    started = time.perf_counter()
    upload(first, "big.csv", path.read_bytes(), "text/csv")
    during = _first_map_seconds(other, app_url)  # while the server reads the upload
    first.get_by_text("'big.csv' was not loaded", exact=False).wait_for(timeout=60_000)
    refused_after = time.perf_counter() - started
    message = first.get_by_text(f"The file has more than {limits.MAX_ROWS:,} rows", exact=False)
    assert message.count() >= 1
    print(f"second session's map: {normal:.1f} s normally, {during:.1f} s during the upload; upload refused "
          f"after {refused_after:.1f} s; server {server_rss_mb(app_url):.0f} MB")
    assert during <= max(3 * normal, normal + 10), (normal, during)
    assert refused_after < 60 and server_rss_mb(app_url) < 1_500
    assert outside == [] and other_outside == []
    first.close()
    other.close()


# --- plan check: a plan file at its size limit ----------------------------------------------------------------


def test_a_plan_check_at_the_plan_size_limit_is_answered_within_the_budget(real_data: Path, tmp_path: Path) -> None:
    import copy

    import yaml

    source = yaml.safe_load((ROOT / "data" / "plans" / "sevenoaks-mind-the-gap-2013-15.yaml").read_text())
    actions = source["actions"]

    def dumped(rounds: int) -> str:  # the seed plan's actions over and over, each with an id of its own
        grown = [{**copy.deepcopy(a), "id": f"{a['id']}.{n}"} for n in range(rounds) for a in actions]
        return yaml.safe_dump({**source, "actions": grown}, sort_keys=False, allow_unicode=True, width=110)

    one, two = len(dumped(1).encode()), len(dumped(2).encode())
    rounds = (limits.MAX_PLAN_BYTES - one) // (two - one)
    big = dumped(rounds)
    assert len(big.encode()) <= limits.MAX_PLAN_BYTES
    path = tmp_path / "big-plan.yaml"
    path.write_text(big)
    assert limits.MAX_PLAN_BYTES - len(big.encode()) < 100_000 and rounds * len(actions) > 1_000
    measured = cli_measured(["plan", "check", str(path)], real_data)
    code, out, err = measured["result"]
    assert code in (0, 1) and "discrepancies" in out, err[-500:]
    assert within_budget(measured), measured


def test_a_plan_naming_tens_of_thousands_of_codes_is_checked_within_the_budget(real_data: Path,
                                                                               tmp_path: Path) -> None:
    import yaml

    from hiap_geo.geo.lookups import ward_lookup

    plan = yaml.safe_load((ROOT / "data" / "plans" / "sevenoaks-mind-the-gap-2013-15.yaml").read_text())
    england = sorted(ward_lookup(2019)["lsoa_code"].unique())  # nearly all outside the plan's district
    plan["actions"][0]["target_areas"] = [{"kind": "codes", "codes": (england * 2)[:55_000]}]
    path = tmp_path / "codes.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False, width=110))
    assert path.stat().st_size <= limits.MAX_PLAN_BYTES
    measured = cli_measured(["plan", "check", str(path)], real_data)  # before: 40 s of CPU, 2 minutes
    code, out, err = measured["result"]
    assert code == 1 and "is in Tonbridge and Malling" in out, err[-500:]
    assert within_budget(measured), measured
