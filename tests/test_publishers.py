"""Without the mirror: fetch from (an emulator of) the publishers, convert, validate, build, and get the same
answers as from the mirror; bad official files refused with their own message and the cache untouched.

The emulator (tests/publisher_emulator.py) serves files generated here from the mirror in the official
layouts; see its docstring for the few stand-in columns it has to invent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from hiap_geo.acquire import http, manifest
from hiap_geo.acquire.fetch import fetch, fetch_all
from hiap_geo.acquire.importer import import_folder
from hiap_geo.acquire.registry import load_registry, local_path
from hiap_geo.acquire.validate import InvalidOfficialFile
from hiap_geo.core.errors import FetchError
from tests.publisher_emulator import GENERATING, Publisher, generate, read_layers, serve, stat_xplore_export

F7_URL = "/media/691ded56d140bbbaa59a2a7d/File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv"
LSOA21_LAYER = ("/ESMARspQHYMw9BZ9/arcgis/rest/services/"
                "Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BSC_V4/FeatureServer/0")


@pytest.fixture(scope="session")
def publisher_files(
    mirror: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> tuple[Publisher, Path]:
    """The official files, generated once per session from the mirror (a minute: the workbooks are large),
    usually already by a second process that conftest started when the session began."""
    generating = request.config.stash.get(GENERATING, None)
    if generating is None:
        folder = tmp_path_factory.mktemp("publisher")
        return generate(mirror, folder), folder
    files = generating.files()  # the process has finished: its layers are written too
    return Publisher(files=files, layers=read_layers(generating.out)), generating.out


@pytest.fixture(scope="module")
def publisher(publisher_files: tuple[Publisher, Path]) -> Iterator[tuple[Publisher, str]]:
    pub, _ = publisher_files
    with serve(pub) as base, pytest.MonkeyPatch.context() as env:
        env.setenv("HIAP_PUBLISHER_BASE_URL", base)
        env.setenv("HIAP_DATA_MIRROR", "")
        env.setattr(http, "BACKOFF_FACTOR", 0.05)
        yield pub, base


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HIAP_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def converted(publisher: tuple[Publisher, str], mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty cache filled from the emulator (every official path), DWP imported by hand."""
    pub, _ = publisher
    pub.fail_once.add((LSOA21_LAYER, 2000))
    pub.slow.add((LSOA21_LAYER, 4000))
    cache = tmp_path_factory.mktemp("official-cache")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HIAP_CACHE_DIR", str(cache))
        results = {r.dataset_id: r for r in fetch_all()}
        assert {d for d, r in results.items() if r.status != "converted"} == {"dwp_children_low_income_msoa11"}
        assert results["dwp_children_low_income_msoa11"].status == "manual"
        assert "Stat-Xplore" in results["dwp_children_low_income_msoa11"].note
        hand = tmp_path_factory.mktemp("by-hand")
        stat_xplore_export(mirror, hand)
        report = import_folder(hand)
        assert [r.dataset_id for r in report.imported] == ["dwp_children_low_income_msoa11"], report.lines()
        assert report.missing == []
    assert (LSOA21_LAYER, 2000) not in pub.fail_once  # the failed page was asked again and answered
    return cache


def _canonical(path: Path) -> pd.DataFrame:
    if path.suffix == ".gpkg":
        frame = pyogrio.read_dataframe(path, layer=pyogrio.list_layers(path)[0][0])
        return pd.DataFrame(frame.assign(geometry=frame.geometry.to_wkb(hex=True)))
    if path.suffix == ".xlsx":  # File 10 2019 (sheet 'IMD'), File 3 2025 (its data sheet)
        return pd.read_excel(path, sheet_name="IMD" if "File_10" in path.name else "IoD2025 IDACI & IDAOPI",
                             engine="calamine")
    return pd.read_csv(path, low_memory=False)


def test_every_official_path_gives_the_mirror_table(converted: Path, mirror: Path) -> None:
    registry = load_registry()
    for ds in registry.values():
        if not ds.in_mirror:
            continue
        ours = _canonical(converted / "sources" / ds.mirror_path)
        theirs = _canonical(mirror / ds.mirror_path)
        pd.testing.assert_frame_equal(ours, theirs, check_dtype=False, check_exact=False, rtol=1e-9,
                                      obj=ds.id)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HIAP_CACHE_DIR", str(converted))
        record = manifest.accepted("iod2025_domains")
    assert record and record.files[0].name.startswith("File_7_IoD2025") and len(record.files[0].sha256) == 64


def _cli(cache: Path, *args: str) -> str:
    env = {**os.environ, "HIAP_CACHE_DIR": str(cache), "HIAP_DATA_MIRROR": ""}
    done = subprocess.run([sys.executable, "-m", "hiap_geo", *args], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_build_info_and_profile_agree_with_the_mirror(converted: Path, session_cache: Path,
                                                      tmp_path: Path) -> None:
    answers = []
    # File 7 (not in the mirror) would add the emulator's stand-in IDACI/IDAOPI scores: compared without it.
    file7 = converted / "sources" / load_registry()["iod2025_file7"].mirror_path
    aside = file7.with_name(file7.name + ".aside")
    file7.rename(aside)
    try:
        for cache in (converted, session_cache):
            _cli(cache, "build", "--area", "E07000116")
            info = _cli(cache, "info", "E01024840")
            out = tmp_path / cache.name
            _cli(cache, "profile", "E01024840", "--format", "csv", "--out", str(out))
            profile = sorted(p.read_text(encoding="utf-8") for p in out.glob("*.csv"))
            answers.append((info, profile))
    finally:
        aside.rename(file7)
    assert answers[0] == answers[1]
    assert "Income Deprivation Affecting Children (IDACI)       decile 2, rank 5,503" in answers[0][0]
    assert "E01024840" in answers[0][0]


BAD_FILES = {
    "truncated": ("iod2025_domains", "33,755 rows", "(truncated?)"),
    "html": ("iod2025_domains", "HTML page", ""),
    "duplicates": ("iod2025_domains", "once", "duplicated"),
    "wrong edition": ("iod2025_domains", "IoD 2025", "wrong edition"),
    "wrong sheet": ("sape_mid2020_msoa11", "Persons", "wrong sheet"),
}


def _bad_body(kind: str, pub: Publisher, folder: Path) -> tuple[str, bytes]:
    f7 = (folder / "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv").read_bytes()
    if kind == "truncated":
        return F7_URL, f7[: len(f7) // 2]
    if kind == "html":
        return F7_URL, b"<!DOCTYPE html>\n<html><head><title>Service unavailable</title></head><body></body></html>"
    if kind == "duplicates":
        lines = f7.split(b"\n")
        return F7_URL, b"\n".join([lines[0], lines[1], lines[1], *lines[3:]])
    if kind == "wrong edition":
        return F7_URL, (folder / "File_7_-_All_IoD2019_Scores__Ranks__Deciles_and_Population_Denominators_3.csv"
                        ).read_bytes()
    from openpyxl import Workbook

    sape_url = next(k for k in pub.files if "sape23dt4" in k)
    wb = Workbook()
    wb.active.title = "Mid-2020 Males"
    wb.active.append(["MSOA Code", "MSOA Name", "All Ages", "90+"])
    wb.active.append(["E02000001", "City of London 001", 10, 1])
    path = folder / "males-only.xlsx"
    wb.save(path)
    return sape_url, path.read_bytes()


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_bad_official_files_are_refused_and_the_cache_is_unchanged(
    kind: str, publisher: tuple[Publisher, str], publisher_files: tuple[Publisher, Path], cache: Path
) -> None:
    pub, _ = publisher
    dataset_id, expected, found = BAD_FILES[kind]
    key, body = _bad_body(kind, pub, publisher_files[1])
    registry = load_registry()
    local_path(registry[dataset_id]).parent.mkdir(parents=True, exist_ok=True)
    before = sorted(p.relative_to(cache) for p in cache.rglob("*") if p.is_file())
    pub.overrides[key] = body
    try:
        with pytest.raises(InvalidOfficialFile) as caught:
            fetch(registry[dataset_id])
    finally:
        pub.overrides.pop(key)
    message = str(caught.value)
    assert message.startswith("Refused ") and expected in message and found in message, message
    assert sorted(p.relative_to(cache) for p in cache.rglob("*") if p.is_file()) == before


def test_a_publisher_error_that_persists_is_one_clear_message(publisher: tuple[Publisher, str], cache: Path) -> None:
    pub, base = publisher
    layer = "/arcgis/rest/services/Broken/FeatureServer/0"
    pub.always_fail.add(layer)
    with pytest.raises(FetchError, match=r"kept answering with an error after 5 tries"):
        http.query_featureserver(f"https://services1.arcgis.com{layer}", cache / "x.geojson", "broken",
                                 lambda _l, _t: http_bar())
    assert not (cache / "x.geojson").exists()
    missing = f"{base}/media/none/File_404.csv"
    with pytest.raises(FetchError, match="404"):
        http.download(missing, cache / "y.csv", "missing", lambda _l, _t: http_bar())
    assert list(cache.rglob("*")) == [] or not any(p.is_file() for p in cache.rglob("*"))


def http_bar() -> object:
    from hiap_geo.acquire.fetch import Progress

    return Progress()


def test_a_different_official_file_is_noticed_and_validated_again(publisher: tuple[Publisher, str],
                                                                    cache: Path) -> None:
    pub, _ = publisher
    ds = load_registry()["lookup_district_county"]
    assert fetch(ds).status == "converted"
    assert fetch(ds).status == "present"
    layer = "/ESMARspQHYMw9BZ9/arcgis/rest/services/LTLA23_UTLA23_EW_LU/FeatureServer/0"
    pub.reversed_layers.add(layer)
    try:
        again = fetch(ds, refresh=True)
    finally:
        pub.reversed_layers.discard(layer)
    assert again.status == "converted" and "different file" in again.note


def test_hand_import_recognises_renamed_files_and_lists_what_is_missing(
    publisher_files: tuple[Publisher, Path], cache: Path, tmp_path: Path
) -> None:
    _, folder = publisher_files
    hand = tmp_path / "downloads"
    hand.mkdir()
    shutil.copy(folder / "File_3_-_IoD2019_Supplementary_Indices_-_IDACI_and_IDAOPI.xlsx", hand / "download (3).xlsx")
    shutil.copy(folder / "census2021-ts038.zip", hand / "bulk.zip")
    shutil.copy(folder / "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv", hand / "imd.csv")
    (hand / "error.csv").write_text("<html><body>Access denied</body></html>", encoding="utf-8")
    report = import_folder(hand)
    assert sorted(r.dataset_id for r in report.imported) == [
        "census2021_residents", "iod2019_supplementary", "iod2025_domains", "iod2025_file7", "iod2025_supplementary"]
    text = "\n".join(report.lines())
    assert "error.csv: an HTML page" in text
    assert "lsoa2021_boundaries" in text and "https://geoportal.statistics.gov.uk/" in text
    assert "Stat-Xplore needs a free account" in text
