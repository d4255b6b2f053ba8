"""A wrong file cannot pass as official: IoD 2025 File 7 look-alikes built from the real data (the published
header, the real 33,755 LSOAs) with one thing wrong each are refused by ``fetch --from``, naming the file, the
check and three example rows, and nothing is written; the real File 3 2025 (re-saved in Excel) is accepted and
agrees with File 7."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hiap_geo.acquire import manifest
from hiap_geo.acquire.convert.mhclg import IDACI, RANK, _file7_2025_check
from hiap_geo.acquire.fetch import fetch
from hiap_geo.acquire.importer import import_folder
from hiap_geo.acquire.registry import Dataset, load_registry
from hiap_geo.acquire.validate import DECILE_SUFFIX, InvalidOfficialFile, check_table
from tests.publisher_emulator import file7_2025

IMD_RANK = "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"
IMD_DECILE = "Index of Multiple Deprivation (IMD)" + DECILE_SUFFIX
IMD_SCORE = "Index of Multiple Deprivation (IMD) Score"


@pytest.fixture(scope="module")
def file7(mirror: Path) -> pd.DataFrame:
    return file7_2025(mirror)


def _shuffled_ranks(f7: pd.DataFrame) -> pd.DataFrame:
    """The IMD ranks, deciles and scores moved together to other LSOAs: self-consistent, but not File 3's."""
    bad = f7.copy()
    cols = [IMD_RANK, IMD_DECILE, IMD_SCORE]
    bad[cols] = bad[cols].sample(frac=1, random_state=3).to_numpy()
    return bad


def _random_ranks(f7: pd.DataFrame) -> pd.DataFrame:
    bad = f7.copy()
    bad[IMD_RANK] = np.random.default_rng(1).integers(1, len(f7) + 1, len(f7))
    return bad


def _deciles_off(f7: pd.DataFrame) -> pd.DataFrame:
    bad = f7.copy()
    bad[IMD_DECILE] = bad[IMD_DECILE].sample(frac=1, random_state=2).to_numpy()
    return bad


def _scores_out_of_order(f7: pd.DataFrame) -> pd.DataFrame:
    bad = f7.copy()
    bad[IMD_SCORE] = bad[IMD_SCORE].sample(frac=1, random_state=4).to_numpy()
    return bad


def _idaci_not_file3(f7: pd.DataFrame) -> pd.DataFrame:
    """IDACI taken from income (ranks, deciles, scores all consistent with one another) as a look-alike would."""
    bad = f7.copy()
    for kind in (RANK, DECILE_SUFFIX):
        bad[IDACI + kind] = bad["Income" + kind]
    bad[IDACI + " Score (rate)"] = bad["Income Score (rate)"]
    return bad


LOOK_ALIKES = {
    "random ranks": (_random_ranks, "running 1 to 33,755, each held once"),
    "shuffled ranks": (_shuffled_ranks, "ranks equal to IoD 2025 File 3"),
    "deciles disagree with ranks": (_deciles_off, "equal to the official cut of the rank"),
    "scores out of order": (_scores_out_of_order, "never higher (more deprived) at a higher rank"),
    "ranks disagree with File 3": (_idaci_not_file3, "ranks equal to IoD 2025 File 3"),
}


def test_the_real_files_pass_every_check_in_milliseconds(file7: pd.DataFrame) -> None:
    check = _file7_2025_check(list(file7.columns))
    start = time.process_time()  # CPU time: six helpers share two cores, so wall time says little
    check_table(file7, check, Path("File_7.csv"), "iod2025_file7")
    assert time.process_time() - start < 1.0  # 33,755 rows, 17 ranked measures: about 0.15 s on a quiet machine


@pytest.mark.parametrize("kind", list(LOOK_ALIKES))
def test_a_file7_look_alike_is_refused_and_nothing_is_written(
    kind: str, file7: pd.DataFrame, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIAP_CACHE_DIR", str(tmp_path / "cache"))
    registry = load_registry()
    assert fetch(registry["iod2025_supplementary"], mirror=mirror).status == "copied"  # File 3, accepted
    make, check = LOOK_ALIKES[kind]
    folder = tmp_path / "downloads"
    folder.mkdir()
    make(file7).to_csv(folder / "File_7_lookalike.csv", index=False)
    before = sorted((p.relative_to(tmp_path), p.stat().st_mtime_ns) for p in (tmp_path / "cache").rglob("*"))
    report = import_folder(folder)
    assert report.imported == []
    refusals = "\n".join(report.refused)
    assert refusals.count("Refused File_7_lookalike.csv") == 3, refusals  # iod2025_domains, _file7, _supplementary
    assert check in refusals and "e.g. E01" in refusals and "Nothing was saved" in refusals, refusals
    first = report.refused[0]
    assert first.count("; E01") == 2 or first.count(", E01") == 2, first  # three example rows
    after = sorted((p.relative_to(tmp_path), p.stat().st_mtime_ns) for p in (tmp_path / "cache").rglob("*"))
    assert after == before
    assert manifest.accepted("iod2025_file7") is None and manifest.accepted("iod2025_domains") is None


def test_the_real_file3_and_a_true_file7_are_accepted_and_agree(
    file7: pd.DataFrame, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIAP_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "downloads"
    folder.mkdir()
    source = mirror / load_registry()["iod2025_supplementary"].mirror_path
    (folder / "download (3).xlsx").write_bytes(source.read_bytes())
    file7.to_csv(folder / "imd.csv", index=False)
    report = import_folder(folder)
    assert report.refused == [], report.refused
    assert sorted(r.dataset_id for r in report.imported) == ["iod2025_domains", "iod2025_file7",
                                                            "iod2025_supplementary"]


def test_refusal_of_a_file3_that_disagrees_with_accepted_file7(
    file7: pd.DataFrame, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIAP_CACHE_DIR", str(tmp_path / "cache"))
    first = tmp_path / "first"
    first.mkdir()
    _idaci_not_file3(file7).to_csv(first / "f7.csv", index=False)
    assert {r.dataset_id for r in import_folder(first).imported} >= {"iod2025_file7"}
    refused = r"Refused File_3_IoD2025.*ranks equal to IoD 2025 File .* \(accepted from f7.csv\)"
    with pytest.raises(InvalidOfficialFile, match=refused):
        ds = load_registry()["iod2025_supplementary"]
        _convert(ds, mirror / ds.mirror_path)


def test_info_shows_idaci_and_idaopi_for_both_editions(real_data: Path) -> None:
    from hiap_geo.geo.deprivation import load_iod
    from hiap_geo.views.info import area_info

    load_iod.cache_clear()
    sections = dict(area_info("E01024840").sections)
    rows_2019 = dict(next(rows for title, rows in sections.items() if title.startswith("IoD 2019")))
    rows_2025 = dict(next(rows for title, rows in sections.items() if title.startswith("IoD 2025")))
    assert rows_2019["Income Deprivation Affecting Children (IDACI)"] == "decile 2, rank 4,036"
    assert rows_2019["Income Deprivation Affecting Older People (IDAOPI)"] == "decile 4, rank 10,182"
    # Equal to the official File 7 2025 rows (see ../shared/data/MANIFEST.md).
    assert rows_2025["Income Deprivation Affecting Children (IDACI)"] == "decile 2, rank 5,503"
    assert rows_2025["Income Deprivation Affecting Older People (IDAOPI)"] == "decile 3, rank 8,679"


def test_fetch_from_names_every_iod_file_in_the_mirror(mirror: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Every IoD file of the mirror, plus File 1 of both editions as users hold them (2025 re-saved in Excel
    with a 'Notes' sheet), each named with what HIAP Geo takes from it or why it is not needed."""
    import shutil

    monkeypatch.setenv("HIAP_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "downloads"
    folder.mkdir()
    iod = sorted([*(mirror / "imd2019").iterdir(), *(mirror / "imd2025").iterdir()])
    for path in iod:
        shutil.copy(path, folder / path.name)
    domains = pd.read_csv(mirror / load_registry()["iod2025_domains"].mirror_path, dtype={"LSOA code (2021)": str})
    file1 = domains.iloc[:, :4].set_axis(["LSOA code (2021)", "LSOA name (2021)",
                                          "Local Authority District code (2024)",
                                          "Local Authority District name (2024)"], axis=1)
    file1[IMD_RANK], file1[IMD_DECILE] = domains[IMD_RANK], domains[IMD_DECILE]
    with pd.ExcelWriter(folder / "File_1_IoD2025_Index_of_Multiple_Deprivation.xlsx") as writer:
        pd.DataFrame({"English Indices of Deprivation 2025": ["Notes"]}).to_excel(writer, sheet_name="Notes")
        file1.to_excel(writer, sheet_name="IMD25", index=False)
    report = import_folder(folder)
    text = "\n".join(report.lines())
    named = {line.split(": ", 1)[0]: line.split(": ", 1)[1] for line in report.recognised}
    expected = {
        "File_10_-_IoD2019_Local_Authority_District_Summaries__lower-tier__.xlsx": "IoD 2019 File 10",
        "IoD2019_File1_IMD_lsoa11.csv.gz": "IoD 2019 File 1",
        "IoD2019_File2_Domains_lsoa11.csv.gz": "IoD 2019 File 2",
        "IoD2019_File3_IDACI_IDAOPI_lsoa11.csv.gz": "IoD 2019 File 3",
        "IoD2019_File4_Subdomains_ranks_deciles_lsoa11_humaniverse.csv.gz": "IoD 2019 File 4",
        "IoD2019_File6_Population_Denominators_lsoa11.csv.gz": "IoD 2019 File 6",
        "IoD2019_File8_Underlying_indicators_lsoa11_humaniverse.csv.gz": "IoD 2019 File 8",
        "IoD2019_File9_Transformed_Scores_lsoa11.csv.gz": "IoD 2019 File 9",
        "IoD2019_lsoa11_combined.csv.gz": "IoD 2019 File 7",
        "imd2019_lsoa11_scores_mysociety_composite.csv.gz": "mySociety",
        "File_3_IoD2025_Supplementary_Indices_IDACI_and_IDAOPI.xlsx": "IoD 2025 File 3",
        "IoD2025_File10_LAD24_summaries_humaniverse.csv.gz": "IoD 2025 File 10",
        "IoD2025_File8_Underlying_indicators_lsoa21_humaniverse.csv.gz": "IoD 2025 File 8",
        "IoD2025_lsoa21_domains_scores_ranks_deciles_humaniverse.csv.gz": "IoD 2025 IMD and domains",
        "IoD2025_lsoa21_subdomains_humaniverse.csv.gz": "IoD 2025 File 4",
        "File_1_IoD2025_Index_of_Multiple_Deprivation.xlsx": "IoD 2025 File 1",
    }
    assert {p.name for p in iod} <= set(expected), "a new IoD file in the mirror: add what it is here"
    for name, what in expected.items():
        assert named.get(name, "").startswith(what), (name, named.get(name), text)
    assert "also in File 7" in named["File_1_IoD2025_Index_of_Multiple_Deprivation.xlsx"]
    assert report.unrecognised == [] and report.refused == [], text


def test_figures_that_are_not_official_say_so_with_file10_beside(real_data: Path) -> None:
    """District average scores are HIAP Geo's own: `info` (and the map's click panel, which shows the same
    sections), the district table and CSV, and the map's title and PNG say how they were weighted and show
    MHCLG's File 10 figure beside them."""
    import geopandas as gpd
    from shapely.geometry import Point

    from hiap_geo.geo.measures import measure
    from hiap_geo.views.explorer import measure_export_table
    from hiap_geo.views.info import area_info

    not_official = "population-weighted by Census 2021 residents, not MHCLG's File 10"
    sections = dict(area_info("E07000111").sections)
    rows_2025 = dict(next(rows for title, rows in sections.items() if title.startswith("IoD 2025")))
    assert rows_2025["IMD average score"] == f"14.379 ({not_official})"
    assert rows_2025["MHCLG's File 10 average score"].startswith("14.370 (rank 210 of 296 districts")
    rows_2019 = dict(next(rows for title, rows in sections.items() if title.startswith("IoD 2019")))
    assert rows_2019["MHCLG's File 10 average score"].startswith("12.437")

    chosen = measure("district", "imd", "score", year=2025)
    assert not_official in chosen.label  # the legend, the table heading and the PNG's title
    areas = gpd.GeoDataFrame({"code": ["E07000111"], "name": ["Sevenoaks"], "ward": [""], "district": ["Sevenoaks"],
                              "value": [14.3794]}, geometry=[Point(0, 51)], crs=4326)
    table = measure_export_table(areas, chosen, 2025, "district")
    row = table.iloc[0]
    assert not_official in row["how computed"]
    assert row["MHCLG's File 10 average score"] == pytest.approx(14.370)
    assert row["MHCLG's File 10 rank of average score"] == 210


def test_file10_2019_must_agree_with_the_accepted_lsoa_figures(mirror: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """MHCLG derives File 10's average scores from the LSOA scores and mid-2015 populations: the real file agrees
    within rounding (0.001); one whose Tunbridge Wells average was changed is refused, naming the district."""
    from openpyxl import load_workbook

    monkeypatch.setenv("HIAP_CACHE_DIR", str(tmp_path / "cache"))
    registry = load_registry()
    for dataset in ("iod2019_domains", "iod2019_population", "iod2019_scores"):
        fetch(registry[dataset], mirror=mirror)
    real = mirror / registry["iod2019_district_summaries"].mirror_path
    _convert(registry["iod2019_district_summaries"], real)  # accepted
    book = load_workbook(real)
    sheet = book["IMD"]
    header = [str(c.value).strip() for c in sheet[1]]
    column = header.index("IMD - Average score") + 1
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "E07000116")
    sheet.cell(row, column).value = sheet.cell(row, column).value + 1.5
    altered = tmp_path / "File_10_altered.xlsx"
    book.save(altered)
    before = (tmp_path / "cache" / "sources" / registry["iod2019_district_summaries"].mirror_path).read_bytes()
    with pytest.raises(InvalidOfficialFile, match=r"Refused File_10_altered.xlsx .*1 of 317 districts that do not, "
                                                  r"e\.g\. E07000116"):
        _convert(registry["iod2019_district_summaries"], altered)
    after = (tmp_path / "cache" / "sources" / registry["iod2019_district_summaries"].mirror_path).read_bytes()
    assert after == before


def _convert(dataset: Dataset, path: Path) -> None:
    from hiap_geo.acquire.manifest import OfficialFile
    from hiap_geo.acquire.publishers import convert_files
    from hiap_geo.acquire.registry import sha256_of

    convert_files(dataset, [path], [OfficialFile(path.name, sha256_of(path), str(path), path.stat().st_size)])


def test_ons_lookups_and_boundaries_are_named_in_every_format(mirror: Path, tmp_path: Path) -> None:
    """Boundaries as GeoPackage, GeoJSON or a zipped shapefile, and lookups, named by their geographies, with
    whether HIAP Geo uses them."""
    import zipfile

    import geopandas as gpd

    from hiap_geo.acquire.recognise import identify
    from hiap_geo.acquire.sniff import sniff

    districts = gpd.read_file(mirror / "boundaries/LAD_May2024_UK_BUC.gpkg", rows=3)
    districts.to_file(tmp_path / "LAD.shp")
    shapefile = tmp_path / "Local_Authority_Districts_May_2024.zip"
    with zipfile.ZipFile(shapefile, "w") as zf:
        for part in tmp_path.glob("LAD.*"):
            zf.write(part, part.name)
    districts.to_file(tmp_path / "districts.geojson", driver="GeoJSON")
    expected = {
        shapefile: "ONS boundaries of local authority districts 2024. HIAP Geo uses LAD24",
        tmp_path / "districts.geojson": "ONS boundaries of local authority districts 2024. HIAP Geo uses LAD24",
        mirror / "boundaries/Wards_Dec2022_UK_BSC_resimplified.gpkg": "ONS boundaries of wards 2022. Not needed",
        mirror / "lookups/LSOA11_WD17_EW_LU.csv.gz": "ONS lookup between LSOAs 2011, wards 2017. HIAP Geo uses LSOA11",
        mirror / "lookups/LSOA21_WD24_LAD24_EW_LU.csv.gz": "ONS lookup between LSOAs 2021, wards 2024, local "
                                                           "authority districts 2024. HIAP Geo uses",
    }
    for path, what in expected.items():
        found = identify(sniff(path))
        assert found is not None and found.line().startswith(what), (path.name, found)


def test_a_file_not_taken_must_still_agree_with_the_accepted_ranks(mirror: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """File 1 is not needed, but a File 1 whose IMD ranks differ from the accepted File 3's is reported, naming
    three LSOAs; the true one (and IoD 2019 File 1 beside File 2) is only named."""
    monkeypatch.setenv("HIAP_CACHE_DIR", str(tmp_path / "cache"))
    registry = load_registry()
    for dataset in ("iod2025_supplementary", "iod2019_domains"):
        fetch(registry[dataset], mirror=mirror)
    domains = pd.read_csv(mirror / registry["iod2025_domains"].mirror_path, dtype={"LSOA code (2021)": str})
    file1 = pd.DataFrame({"LSOA code (2021)": domains["LSOA code (2021)"], IMD_RANK: domains[IMD_RANK],
                          IMD_DECILE: domains[IMD_DECILE]})
    good, bad = tmp_path / "good", tmp_path / "bad"
    for folder, frame in ((good, file1), (bad, _shuffled_ranks(file1.assign(**{IMD_SCORE: 0.0})))):
        folder.mkdir()
        frame.to_csv(folder / "File_1_IoD2025_Index_of_Multiple_Deprivation.csv", index=False)
    (good / "IoD2019_File1_IMD_lsoa11.csv.gz").write_bytes((mirror / "imd2019/IoD2019_File1_IMD_lsoa11.csv.gz")
                                                           .read_bytes())
    report = import_folder(good)
    assert report.refused == [] and len(report.recognised) == 2, report.lines()
    report = import_folder(bad)
    assert len(report.refused) == 1, report.lines()
    assert report.refused[0].startswith("Refused File_1_IoD2025_Index_of_Multiple_Deprivation.csv")
    assert "ranks equal to IoD 2025 File 3" in report.refused[0] and "e.g. E01" in report.refused[0]
