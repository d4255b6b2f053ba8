"""A stand-in for the publishers, for tests without internet: gov.uk-style asset files and an ONS ArcGIS
FeatureServer query API on 127.0.0.1, serving files generated at run time from the mirror.

FOR TESTS ONLY. The files follow the official layouts (headers, sheet names, CSV inside Nomis zips, GeoJSON
pages with ``exceededTransferLimit``) and carry the mirror's values. Where the mirror lacks what the official
file holds, the gap is filled with labelled stand-ins that no code reads for its figures: IoD 2025 File 7's
IDACI, IDAOPI and population columns (``FABRICATED_FILE7_COLUMNS``), and the Nomis MSOA counts, which are the
mirror's percentages times ten over a total of 1,000 (so the converter's percentages equal the mirror's).
Nothing generated here is written into the project: everything goes to a pytest temporary folder.
"""

from __future__ import annotations

import gc
import gzip
import json
import pickle
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from openpyxl import Workbook

from hiap_geo.acquire.convert.commons_library import CONDITIONS as QOF_CONDITIONS
from hiap_geo.acquire.convert.mhclg import FILE8_2025_LABELS, MEASURES_2025, SUMMARY_STATS
from hiap_geo.acquire.registry import load_registry
from hiap_geo.core.settings import PROJECT_ROOT
from tests.loopback import QuietHandler, loopback_server

FORMATS = PROJECT_ROOT.parent / "shared" / "formats"
FILE7_HEAD = FORMATS / "File_7_IoD2025_head.csv"
FABRICATED_FILE7_COLUMNS = (
    "IDACI / IDAOPI scores (falling as the File 3 rank rises) and the four mid-2022 population columns: test "
    "stand-ins (not official)"
)


@dataclass
class Publisher:
    """What the emulator serves: files by URL path (and query), FeatureServer layers by service path."""

    files: dict[str, Path] = field(default_factory=dict)
    layers: dict[str, list[dict]] = field(default_factory=dict)
    overrides: dict[str, bytes] = field(default_factory=dict)
    fail_once: set[tuple[str, int]] = field(default_factory=set)
    slow: set[tuple[str, int]] = field(default_factory=set)
    always_fail: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)
    reversed_layers: set[str] = field(default_factory=set)


def _key(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _official_path(registry: dict, dataset: str, index: int = 0) -> str:
    """The URL path (and query) the registry gives for a dataset's ``index``-th official file."""
    official = registry[dataset].official
    assert official is not None and official.urls, dataset
    return _key(official.urls[index])


def _write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    """A workbook in write-only mode (fast enough for 30,000-row sheets)."""
    wb = Workbook(write_only=True)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append([None if (isinstance(v, float) and v != v) else v for v in row])
    wb.save(path)


def _rows(frame: pd.DataFrame, title: list[list[object]] | None = None) -> list[list[object]]:
    values = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
    return [*(title or []), list(frame.columns), *values]


def _features(frame: pd.DataFrame | gpd.GeoDataFrame) -> list[dict]:
    """GeoJSON features as a FeatureServer returns them with f=geojson (tables: geometry null)."""
    if isinstance(frame, gpd.GeoDataFrame):
        return json.loads(frame.to_json(drop_id=True))["features"]
    props = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return [{"type": "Feature", "geometry": None, "properties": {"ObjectId": i + 1, **p}} for i, p in enumerate(props)]


def _nomis_zip(path: Path, table: str, members: dict[str, pd.DataFrame]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for level, frame in members.items():
            zf.writestr(f"census2021-{table}-{level}.csv", frame.to_csv(index=False))


def _nomis(codes: pd.Series, names: pd.Series, columns: dict[str, pd.Series], suffix: str = "") -> pd.DataFrame:
    frame = pd.DataFrame({"date": 2021, "geography": names.to_numpy(), "geography code": codes.to_numpy()})
    for name, values in columns.items():
        frame[name + suffix] = values.to_numpy()
    return frame


def generate(mirror: Path, out: Path) -> Publisher:
    """Every official file and FeatureServer layer of the registry, in its published layout, from the mirror."""
    return Publisher(files=generate_files(mirror, out), layers=feature_layers(mirror))


def file7_2025(mirror: Path) -> pd.DataFrame:
    """IoD 2025 File 7 with the published header: the mirror's IMD, domain and sub-domain columns, IDACI and
    IDAOPI ranks and deciles from File 3, and stand-ins (``FABRICATED_FILE7_COLUMNS``) for the rest: IDACI and
    IDAOPI scores that fall as the rank rises (so every content check holds), and population from Census 2021
    residents."""
    registry = load_registry()

    def m(path: str, **kw: object) -> pd.DataFrame:
        return pd.read_csv(mirror / path, **kw)

    header = pd.read_csv(FILE7_HEAD, nrows=0).columns.tolist()
    domains = m(registry["iod2025_domains"].mirror_path, dtype={0: str})
    sub = m("imd2025/IoD2025_lsoa21_subdomains_humaniverse.csv.gz", dtype={"lsoa21_code": str})
    f7 = pd.DataFrame({"LSOA code (2021)": domains.iloc[:, 0], "LSOA name (2021)": domains.iloc[:, 1],
                       "Local Authority District code (2024)": domains.iloc[:, 2],
                       "Local Authority District name (2024)": domains.iloc[:, 3]})
    for column in header[4:]:
        if column in domains.columns:
            f7[column] = domains[column].to_numpy()
    sub = sub.set_index("lsoa21_code").reindex(f7["LSOA code (2021)"])
    stems = ["children_and_young_people", "adult_skills", "geographical_barriers", "wider_barriers", "indoors",
             "outdoors"]
    sub_cols = [c for c in header if "Sub-domain" in c]
    for i, column in enumerate(sub_cols):
        f7[column] = sub[f"{stems[i // 3]}_{('score', 'rank', 'decile')[i % 3]}"].to_numpy()
    file3 = pd.read_excel(mirror / registry["iod2025_supplementary"].mirror_path, sheet_name="IoD2025 IDACI & IDAOPI",
                          engine="calamine", dtype={"LSOA code (2021)": str}).set_index("LSOA code (2021)")
    file3 = file3.reindex(f7["LSOA code (2021)"])
    census = m(registry["census2021_residents"].mirror_path).set_index("LSOA21CD")
    pop = census["Disability: Total: All usual residents"].reindex(f7["LSOA code (2021)"]).to_numpy()
    for column in header:
        if column in f7.columns:
            continue
        if column in file3.columns:
            f7[column] = file3[column].to_numpy()
        elif "Score" in column:
            rank = file3[column.replace("Score (rate)", "Rank (where 1 is most deprived)")].to_numpy()
            f7[column] = (1 - rank / len(f7)).round(6)
        else:
            f7[column] = (pop * (1.0 if "Total" in column else 0.2)).round().astype(int)
    return f7[header].sort_values("LSOA code (2021)").reset_index(drop=True)


def generate_files(mirror: Path, out: Path) -> dict[str, Path]:
    """The publishers' files (workbooks, CSVs, Nomis zips) by URL path, written to ``out``.

    The minute of the emulator's set-up is spent here (openpyxl writing 30,000-row sheets), so the test
    session runs it in a second process while other tests run (``start_generating``).
    """
    out.mkdir(parents=True, exist_ok=True)
    registry = load_registry()
    pub = Publisher()

    def url(dataset: str, index: int = 0) -> str:
        return _official_path(registry, dataset, index)

    def m(path: str, **kw: object) -> pd.DataFrame:
        return pd.read_csv(mirror / path, **kw)

    # MHCLG, IoD 2019: File 2 and 3 as workbooks, File 7 (CSV) with the mirror's File-7-worded columns.
    f2 = out / "File_2_-_IoD2019_Domains_of_Deprivation.xlsx"
    _write_xlsx(f2, {"Notes": [["English Indices of Deprivation 2019"]],
                     "IoD2019 Domains": _rows(m(registry["iod2019_domains"].mirror_path, dtype={0: str}))})
    pub.files[url("iod2019_domains")] = f2
    f3 = out / "File_3_-_IoD2019_Supplementary_Indices_-_IDACI_and_IDAOPI.xlsx"
    _write_xlsx(f3, {"Notes": [["English Indices of Deprivation 2019"]],
                     "IoD2019 IDACI & IDAOPI": _rows(m(registry["iod2019_supplementary"].mirror_path))})
    pub.files[url("iod2019_supplementary")] = f3
    f7_2019 = out / "File_7_-_All_IoD2019_Scores__Ranks__Deciles_and_Population_Denominators_3.csv"
    m("imd2019/IoD2019_lsoa11_combined.csv.gz").to_csv(f7_2019, index=False)
    pub.files[url("iod2019_population")] = f7_2019
    pub.files[url("iod2019_district_summaries")] = mirror / registry["iod2019_district_summaries"].mirror_path
    scores = m(registry["iod2019_scores"].mirror_path, dtype={"lsoa": str})
    welsh = scores.head(3).assign(lsoa=["W01000001", "W01000002", "W01000003"])
    uk = pd.concat([scores.assign(nation="E"), welsh.assign(nation="W")])
    uk = uk[["nation", "lsoa", "overall_local_score", "income_score", "employment_score"]].assign(
        UK_IMD_E_score=uk["overall_local_score"])
    mys = out / "UK_IMD_E.csv"
    uk.to_csv(mys, index=False)
    pub.files[url("iod2019_scores")] = mys

    # MHCLG, IoD 2025: File 7 with the published header, File 3 (the mirror's copy), File 8 and File 10 workbooks.
    f7 = file7_2025(mirror)
    pub.files[url("iod2025_supplementary")] = mirror / registry["iod2025_supplementary"].mirror_path
    f7_path = out / "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv"
    f7.to_csv(f7_path, index=False)
    pub.files[url("iod2025_domains")] = f7_path

    f10 = m(registry["iod2025_district_summaries"].mirror_path)
    base = {"Local Authority District code (2024)": f10["ltla24_code"],
            "Local Authority District name (2024)": f10["ltla24_name"]}
    sheets: dict[str, list[list[object]]] = {"Notes": [["English Indices of Deprivation 2025, File 10"]]}
    from hiap_geo.acquire.convert.base import clean_name

    for measure in MEASURES_2025:
        labels = [f"{measure} - {stat}" for stat in SUMMARY_STATS]
        if measure == "IMD":
            labels += ["IMD25 - Extent", "IMD25 - Rank of extent", "IMD25 - Local concentration",
                       "IMD25 - Rank of local concentration"]
        if measure in ("Income", "Employment"):
            labels += [f"{measure} Scale", f"Rank of {measure} Scale"]
        frame = pd.DataFrame({**base, **{label: f10[clean_name(label)] for label in labels}})
        sheets[measure[:31]] = _rows(frame)
    f10_path = out / "File_10_-_IoD2025_Local_Authority_District_Summaries__lower-tier__v2.xlsx"
    _write_xlsx(f10_path, sheets)
    pub.files[url("iod2025_district_summaries")] = f10_path

    f8 = m(registry["iod2025_indicators"].mirror_path, dtype={"lsoa21_code": str})
    names = f7.set_index("LSOA code (2021)")["LSOA name (2021)"].reindex(f8["lsoa21_code"]).to_numpy()
    groups = {"IoD25 Income Domain": FILE8_2025_LABELS[0:3], "IoD25 Employment Domain": FILE8_2025_LABELS[3:4],
              "IoD25 Education Domain": FILE8_2025_LABELS[4:6], "IoD25 Health Domain": FILE8_2025_LABELS[6:10],
              "IoD25 Crime Domain": FILE8_2025_LABELS[10:18], "IoD25 Barriers Domain": FILE8_2025_LABELS[18:]}
    sheets = {"Notes": [["English Indices of Deprivation 2025, File 8"]]}
    for sheet, labels in groups.items():
        frame = pd.DataFrame({"LSOA code (2021)": f8["lsoa21_code"], "LSOA name (2021)": names})
        for label in labels:
            frame[label] = f8[clean_name(label)].to_numpy()
        sheets[sheet] = _rows(frame)
    f8_path = out / "File_8_IoD2025_Underlying_Indicators.xlsx"
    _write_xlsx(f8_path, sheets)
    pub.files[url("iod2025_indicators")] = f8_path
    pub.files[url("iod2025_file7")] = f7_path

    # ONS: Nomis bulk zips (LSOA tables from the mirror; MSOA counts from the mirror's percentages, see above).
    ts038 = m(registry["census2021_residents"].mirror_path)
    ts011 = m(registry["census2021_household_deprivation"].mirror_path)
    pct = m(registry["census2021_msoa_health_pct"].mirror_path)
    thousand = pd.Series(1000, index=pct.index)

    def counts(column_stub: str) -> pd.Series:
        column = next(c for c in pct.columns if column_stub in c)
        return (pct[column] * 10).round().astype(int)

    zero = pd.Series(0, index=pct.index)
    msoa38 = _nomis(pct["MSOA21CD"], pct["MSOA21NM"], {
        "Disability: Total: All usual residents": thousand,
        "Disability: Disabled under the Equality Act": counts("disability_3a-001"),
        "Disability: Not disabled under the Equality Act": counts("disability_3a-002")})
    msoa11 = _nomis(pct["MSOA21CD"], pct["MSOA21NM"], {
        "Household deprivation: Total: All households": thousand,
        **{f"Household deprivation: Household is {w}": counts(f"hh_deprivation-00{i}") for i, w in enumerate(
            ["not deprived in any dimension", "deprived in one dimension", "deprived in two dimensions",
             "deprived in three dimensions", "deprived in four dimensions"], 1)}}, suffix="; measures: Value")
    msoa37 = _nomis(pct["MSOA21CD"], pct["MSOA21NM"], {
        "General health: Total: All usual residents": thousand,
        "General health: Very good health": counts("health_in_general_4a-001"), "General health: Good health": zero,
        "General health: Fair health": counts("health_in_general_4a-002"),
        "General health: Bad health": counts("health_in_general_4a-003"), "General health: Very bad health": zero})
    msoa39 = _nomis(pct["MSOA21CD"], pct["MSOA21NM"], {
        "Unpaid care: Total: All usual residents aged 5 and over": thousand,
        **{f"Unpaid care: {c.split(': ', 1)[1].split(' (%)')[0]}": counts(f"is_carer_5a-00{i}")
           for i, c in enumerate([c for c in pct.columns if "is_carer" in c], 1)}})
    lsoa38 = _nomis(ts038["LSOA21CD"], ts038["LSOA21NM"], {c: ts038[c] for c in ts038.columns[2:]})
    lsoa11 = _nomis(ts011["LSOA21CD"], ts011["LSOA21NM"], {c: ts011[c] for c in ts011.columns[2:]},
                    suffix="; measures: Value")
    for table, members in {"ts038": {"msoa": msoa38, "lsoa": lsoa38}, "ts011": {"lsoa": lsoa11, "msoa": msoa11},
                           "ts037": {"msoa": msoa37}, "ts039": {"msoa": msoa39}}.items():
        path = out / f"census2021-{table}.zip"
        _nomis_zip(path, table, members)
        pub.files[f"/output/census/2021/census2021-{table}.zip"] = path

    sape = m(registry["sape_mid2020_msoa11"].mirror_path)
    la = pd.DataFrame({"LA Code (2018 boundaries)": "", "LA name (2018 boundaries)": "",
                       "LA Code (2021 boundaries)": "", "LA name (2021 boundaries)": ""}, index=sape.index)
    wide = pd.concat([sape.iloc[:, :2], la, sape.iloc[:, 2:]], axis=1)
    title = [["Mid-2020 Population Estimates for Middle Layer Super Output Areas in England and Wales"],
             ["All Ages"], ["Persons"], []]
    sape_path = out / "sape23dt4mid2020msoasyoaestimatesunformatted.xlsx"
    _write_xlsx(sape_path, {"Mid-2020 Males": _rows(wide.head(5), title),
                            "Mid-2020 Persons": _rows(wide, title)})
    pub.files[url("sape_mid2020_msoa11")] = sape_path

    hi = m(registry["health_index_indicators"].mirror_path, dtype={"ltla21_code": str})
    hi_table = pd.DataFrame({"Area code": hi["ltla21_code"], "Year": hi["year"], "Indicator name": hi["indicator"],
                             "Value": hi["value"]})
    hi_path = out / "healthindexscoresengland.xlsx"
    _write_xlsx(hi_path, {"Contents": [["Health Index for England"]],
                          "Table_2_Underlying_data": _rows(hi_table, [["Table 2"], ["Underlying data"], []])})
    pub.files[url("health_index_indicators")] = hi_path

    qof_path = qof_workbook(mirror, out / "HealthDiseasePrevalence.xlsx")
    pub.files[url("hoc_qof_prevalence_msoa11")] = qof_path
    index = out / FILES_INDEX
    index.with_suffix(".part").write_text(json.dumps({key: str(path) for key, path in pub.files.items()}))
    index.with_suffix(".part").replace(index)  # the index appears last: a reader of it finds every file written
    return pub.files


def feature_layers(mirror: Path) -> dict[str, list[dict]]:
    """The ONS Open Geography Portal's FeatureServer layers, from the mirror's GeoPackages and lookups."""
    registry = load_registry()
    pub = Publisher()

    def url(dataset: str, index: int = 0) -> str:
        return _official_path(registry, dataset, index)

    for dataset in ("lsoa2011_boundaries", "lsoa2021_boundaries", "wards2021_boundaries", "districts2021_boundaries",
                    "districts2024_boundaries"):
        gdf = pyogrio.read_dataframe(mirror / registry[dataset].mirror_path)
        pub.layers[_layer(url(dataset))] = _features(gdf)
    wards = pyogrio.read_dataframe(mirror / registry["wards2024_boundaries"].mirror_path,
                                   layer="Wards_May2024_UK_BSC")
    pub.layers[_layer(url("wards2024_boundaries"))] = _features(wards[["WD24CD", "WD24NM", "geometry"]])
    pub.layers[_layer(url("wards2024_boundaries", 1))] = _features(pd.DataFrame(wards.drop(columns="geometry")))
    for dataset in ("lookup_lsoa11_ward19", "lookup_lsoa21_ward24", "lookup_lsoa11_lsoa21", "lookup_district_county",
                    "lookup_msoa11_msoa21"):
        pub.layers[_layer(url(dataset))] = _features(pd.read_csv(mirror / registry[dataset].mirror_path, dtype=str))
    return pub.layers


def qof_workbook(mirror: Path, path: Path,
                 change: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> Path:
    """The House of Commons Library's HealthDiseasePrevalence workbook: the MSOA rows on the fourth sheet under
    'Row Labels', with name and local authority, and a 'Grand Total' row; ``change`` alters the MSOA rows."""
    registry = load_registry()
    qof = pd.read_csv(mirror / registry["hoc_qof_prevalence_msoa11"].mirror_path, dtype={"msoa11cd": str})
    names = pd.read_csv(mirror / registry["lookup_msoa11_msoa21"].mirror_path, dtype=str)
    names = names.drop_duplicates("MSOA11CD").set_index("MSOA11CD")
    sheet = pd.concat([pd.DataFrame({"Row Labels": qof["msoa11cd"], "MSOA": qof["msoa11cd"].map(names["MSOA11NM"]),
                                     "LA": qof["msoa11cd"].map(names["LAD22NM"])}), qof[list(QOF_CONDITIONS)]], axis=1)
    sheet = change(sheet) if change else sheet
    total = ["Grand Total", None, None, *qof[list(QOF_CONDITIONS)].mean().tolist()]
    _write_xlsx(path, {"Notes": [["Health conditions: constituency and MSOA data"]],
                       "Constituency": [["Row Labels", "Asthma"], ["E14000530", 0.06]],
                       "Local authority": [["Row Labels", "Asthma"], ["E06000001", 0.06]],
                       "MSOA": [*_rows(sheet), total]})
    return path


FILES_INDEX = "files.json"
LAYERS_FILE = "layers.pickle"


@dataclass
class Generating:
    """``generate_files`` running in a second process (the suite is single-threaded; this machine has two cores)."""

    out: Path
    process: subprocess.Popen

    def files(self, timeout_s: float = 900) -> dict[str, Path]:
        """The generated files, once the process has finished (fails with its error output if it failed)."""
        _, stderr = self.process.communicate(timeout=timeout_s)
        if self.process.returncode != 0:
            raise RuntimeError(f"generating the publishers' files failed:\n{stderr.decode(errors='replace')}")
        return {key: Path(path) for key, path in json.loads((self.out / FILES_INDEX).read_text()).items()}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


GENERATING = pytest.StashKey[Generating]()
"""Where the session keeps the running generation (set in tests/conftest.py, read by test_publishers.py)."""


def start_generating(mirror: Path, out: Path) -> Generating:
    """Start ``generate_files(mirror, out)`` in a child process and return at once."""
    process = subprocess.Popen([sys.executable, "-m", "tests.publisher_emulator", str(mirror), str(out)],
                               cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return Generating(out, process)


def stat_xplore_export(mirror: Path, out: Path) -> Path:
    """The DWP table as a Stat-Xplore CSV export: a title block above the header, no code column."""
    frame = pd.read_csv(mirror / load_registry()["dwp_children_low_income_msoa11"].mirror_path, dtype=str)
    frame = frame.drop(columns=frame.columns[0])
    path = out / "table_2026-01-01_12-00-00.csv"
    title = '"Dataset:","Children in Low Income Families"\n"Relative low income, under 16"\n\n'
    path.write_text(title + frame.to_csv(index=False), encoding="utf-8")
    return path


def _layer(url_path: str) -> str:
    return url_path.rstrip("/")


class _Handler(QuietHandler):
    publisher: Publisher

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        pub = self.publisher
        parts = urlsplit(self.path)
        pub.requests.append(self.path)
        if parts.path.endswith("/query"):
            self._query(parts.path.removesuffix("/query"), parse_qs(parts.query))
            return
        key = parts.path + (f"?{parts.query}" if parts.query else "")
        if key in pub.overrides:
            self._send(pub.overrides[key], "application/octet-stream")
        elif key in pub.files:
            self._send(pub.files[key].read_bytes(), "application/octet-stream")
        else:
            self._send(b"<!DOCTYPE html><html><body>Page not found</body></html>", "text/html", 404)

    def _query(self, layer: str, query: dict[str, list[str]]) -> None:
        pub = self.publisher
        offset = int(query.get("resultOffset", ["0"])[0])
        count = int(query.get("resultRecordCount", ["1000"])[0])
        if layer in pub.always_fail:
            self._send(b'{"error": "internal"}', "application/json", 500)
            return
        if (layer, offset) in pub.fail_once:
            pub.fail_once.discard((layer, offset))
            self._send(b'{"error": "busy"}', "application/json", 500)
            return
        if (layer, offset) in pub.slow:
            time.sleep(1.0)
        features = pub.layers.get(layer)
        if features is None:
            self._send(json.dumps({"error": {"code": 400, "message": "Invalid URL"}}).encode(), "application/json")
            return
        if layer in pub.reversed_layers:
            features = features[::-1]
        page = features[offset: offset + count]
        body = {"type": "FeatureCollection", "features": page}
        if offset + count < len(features):
            body["properties"] = {"exceededTransferLimit": True}
        self._send(json.dumps(body).encode(), "application/geo+json")

    def _send(self, body: bytes, kind: str, status: int = 200) -> None:
        self.reply(status, body, kind)


@contextmanager
def serve(publisher: Publisher) -> Iterator[str]:
    """The emulator on a free port of 127.0.0.1 for the duration of the block."""
    with loopback_server(type("Handler", (_Handler,), {"publisher": publisher})) as url:
        yield url


def gunzip(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes())


def write_layers(mirror: Path, out: Path) -> None:
    """``feature_layers`` pickled into ``out`` (a quarter of a minute to build; two seconds to read back)."""
    path = out / LAYERS_FILE
    path.with_suffix(".part").write_bytes(pickle.dumps(feature_layers(mirror), protocol=pickle.HIGHEST_PROTOCOL))
    path.with_suffix(".part").replace(path)


def read_layers(out: Path) -> dict[str, list[dict]]:
    """The layers ``write_layers`` pickled (written by this test session's own child process). The collector is
    paused while two hundred thousand small dicts are made: it would otherwise run over them again and again."""
    gc.disable()
    try:
        return pickle.loads((out / LAYERS_FILE).read_bytes())  # noqa: S301 - our own file, written this session
    finally:
        gc.enable()


if __name__ == "__main__":
    generate_files(Path(sys.argv[1]), Path(sys.argv[2]))
    write_layers(Path(sys.argv[1]), Path(sys.argv[2]))
