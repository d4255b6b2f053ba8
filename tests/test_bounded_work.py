"""Bounded work (issue 21): no folder, file, link or argument a user hands HIAP Geo makes it spend minutes or
gigabytes, and no message repeats more than ``MAX_SHOWN_CHARS`` of what the user supplied.

Each entry point is measured at its limit in a process of its own (``tests/budget.py``: wall time and the
process's peak memory) against the README's budget.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import threading
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


# --- limits in one place (issue 22) -------------------------------------------------------------------------


def test_every_limit_is_set_in_core_limits() -> None:
    """A ``MAX_`` constant assigned anywhere in the library but ``core/limits.py`` is a second place to set a
    limit: the README's table would no longer be the whole truth. Import it from ``core.limits`` instead."""
    elsewhere = []
    for path in sorted((ROOT / "hiap_geo").rglob("*.py")):
        if path == ROOT / "hiap_geo" / "core" / "limits.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, ast.AnnAssign | ast.AugAssign) else []
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            elsewhere += [f"{path.relative_to(ROOT)}:{node.lineno} {n}" for n in names if n.startswith("MAX_")]
    assert not elsewhere, f"limits set outside hiap_geo/core/limits.py: {elsewhere}"


def test_the_readme_names_every_limit() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Limits", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in dir(limits) if name.startswith("MAX_") and f"`{name}`" not in table]
    assert not missing, f"not in the README's limits table: {missing}"
