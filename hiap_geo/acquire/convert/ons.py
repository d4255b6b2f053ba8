"""ONS products into the canonical tables: Open Geography Portal layers (FeatureServer GeoJSON, or the
portal's CSV for lookups), Census 2021 bulk tables from Nomis, small-area population estimates and the
Health Index workbooks."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hiap_geo.acquire.convert.base import Converter, Part, write_csv_gz
from hiap_geo.acquire.sniff import Sniffed
from hiap_geo.acquire.validate import (
    SEVENOAKS,
    SHERWOOD_LSOA,
    TUNBRIDGE_WELLS,
    InvalidOfficialFile,
    TableCheck,
    check_table,
)

TW_MSOA = "E02005162"
"""Tunbridge Wells 001: the same code in MSOA 2011 and 2021."""


@dataclass(frozen=True)
class Layer:
    """A boundary layer: the GeoPackage layer and columns the readers use, and what the file must hold."""

    layer: str
    columns: tuple[str, ...]
    check: TableCheck


def _write_gpkg(gdf: object, out: Path, layer: str) -> None:
    """GDAL wants a .gpkg name: write beside ``out`` under one, then move it onto ``out`` (still temporary)."""
    import pyogrio

    named = out.with_name(out.name + ".gpkg")
    try:
        pyogrio.write_dataframe(gdf, named, layer=layer, driver="GPKG")
        os.replace(named, out)
    finally:
        named.unlink(missing_ok=True)


def _boundary(spec: Layer, label: str) -> Converter:
    part = Part(label, frozenset(spec.columns), spec.check.code_column)

    def build(files: Sequence[Sniffed], out: Path, dataset: str) -> None:
        import pyogrio

        if files[0].kind != "geojson":
            part.read(files[0], dataset)  # raises with what the file is
        check_table(part.read(files[0], dataset), spec.check, files[0].path, dataset)
        gdf = pyogrio.read_dataframe(files[0].path, columns=list(spec.columns))
        gdf = gdf[[*spec.columns, "geometry"]].set_crs("EPSG:4326", allow_override=True)
        _write_gpkg(gdf, out, spec.layer)

    return Converter((part,), build, suffix=".gpkg")


def _lookup(columns: tuple[str, ...], check: TableCheck, label: str) -> Converter:
    part = Part(label, frozenset(columns), check.code_column)

    def build(files: Sequence[Sniffed], out: Path, dataset: str) -> None:
        frame = part.read(files[0], dataset, columns)
        frame = check_table(frame, check, files[0].path, dataset)
        write_csv_gz(frame[list(columns)], out)

    return Converter((part,), build)


def _wards_2024() -> Converter:
    """The May 2024 ward polygons joined to the ward -> district -> county -> region lookup, as in the mirror."""
    shapes = Part("Wards (May 2024) Boundaries UK BSC", frozenset(["WD24CD", "WD24NM"]), "WD24CD")
    lookup_cols = ("WD24CD", "LAD24CD", "LAD24NM", "CTYUA24CD", "CTYUA24NM", "RGN24CD", "RGN24NM", "CTRY24CD",
                   "CTRY24NM")
    lookup = Part("Ward to LAD to CTYUA to RGN to CTRY (May 2024) Lookup in UK", frozenset(lookup_cols), "WD24CD")
    columns = ["WD24CD", "WD24NM", *lookup_cols[1:]]
    check = TableCheck("Wards May 2024 UK (8,396 wards)", "WD24CD", r"[EWSN]\d{8}", 8_396,
                       known_codes={"WD24CD": ("E05015803",)})

    def build(files: Sequence[Sniffed], out: Path, dataset: str) -> None:
        import geopandas as gpd
        import pyogrio

        polygons = shapes.read(files[0], dataset)
        check_table(polygons, check, files[0].path, dataset)
        table = lookup.read(files[1], dataset, lookup_cols)
        check_table(table, TableCheck("the May 2024 ward lookup (8,396 wards)", "WD24CD", r"[EWSN]\d{8}", 8_396,
                                      known_codes={"LAD24CD": (TUNBRIDGE_WELLS, SEVENOAKS)}), files[1].path, dataset)
        gdf = pyogrio.read_dataframe(files[0].path, columns=["WD24CD", "WD24NM"])
        joined = gdf.merge(table[list(lookup_cols)].fillna(""), on="WD24CD", how="left", validate="one_to_one")
        for column in lookup_cols[1:]:
            joined[column] = joined[column].replace("", None)
        joined = gpd.GeoDataFrame(joined[[*columns, "geometry"]], geometry="geometry", crs="EPSG:4326")
        _write_gpkg(joined, out, "Wards_May2024_UK_BSC")

    return Converter((shapes, lookup), build, suffix=".gpkg")


def _lsoa(what: str, column: str, rows: int, prefix: str = "[EW]01", **extra: object) -> TableCheck:
    return TableCheck(what, column, prefix + r"\d{6}", rows, known_codes={column: (SHERWOOD_LSOA,)}, **extra)


NOMIS_SUFFIX = r";\s*measures:\s*Value$"
"""Nomis bulk headers end in '; measures: Value' in some tables and not in others."""


def _nomis(label: str, columns: list[str], level: str) -> Part:
    return Part(label, frozenset(["geography", "geography code", *columns]), "geography code",
                code_prefixes=(f"E0{level}", f"W0{level}"), column_suffix=NOMIS_SUFFIX)


TS038 = ["Disability: Total: All usual residents", "Disability: Disabled under the Equality Act",
         "Disability: Not disabled under the Equality Act"]
TS011 = ["Household deprivation: Total: All households",
         "Household deprivation: Household is not deprived in any dimension",
         "Household deprivation: Household is deprived in one dimension",
         "Household deprivation: Household is deprived in two dimensions",
         "Household deprivation: Household is deprived in three dimensions",
         "Household deprivation: Household is deprived in four dimensions"]
TS037 = ["General health: Total: All usual residents", "General health: Very good health",
         "General health: Good health",
         "General health: Fair health", "General health: Bad health", "General health: Very bad health"]
TS039 = ["Unpaid care: Total: All usual residents aged 5 and over", "Unpaid care: Provides no unpaid care",
         "Unpaid care: Provides 19 or less hours unpaid care a week",
         "Unpaid care: Provides 20 to 49 hours unpaid care a week",
         "Unpaid care: Provides 50 or more hours unpaid care a week"]


def _census_lsoa(columns: list[str], label: str) -> Converter:
    part = _nomis(label, columns, "1")
    check = _lsoa(f"{label} (35,672 LSOAs 2021, England and Wales)", "geography code", 35_672,
                  ranges={columns[0]: (0, 1e5)})

    def build(files: Sequence[Sniffed], out: Path, dataset: str) -> None:
        frame = check_table(part.read(files[0], dataset), check, files[0].path, dataset)
        frame = frame.rename(columns={"geography code": "LSOA21CD", "geography": "LSOA21NM"})
        write_csv_gz(frame[["LSOA21CD", "LSOA21NM", *columns]], out)

    return Converter((part,), build)


def _pct(counts: pd.DataFrame, total: str) -> pd.DataFrame:
    return (counts.div(counts[total].astype(float), axis=0) * 100).round(1)


def _census_msoa_pct() -> Converter:
    """Percentages by MSOA 2021 as the ONS census maps publish them (1 dp), from the Nomis MSOA counts."""
    parts = (_nomis("Census 2021 TS037 general health, MSOA", TS037, "2"),
             _nomis("Census 2021 TS039 unpaid care, MSOA", TS039, "2"),
             _nomis("Census 2021 TS038 disability, MSOA", TS038, "2"),
             _nomis("Census 2021 TS011 household deprivation, MSOA", TS011, "2"))
    check = TableCheck("Census 2021 MSOA table (7,264 MSOAs 2021)", "geography code", r"[EW]02\d{6}", 7_264,
                       known_codes={"geography code": (TW_MSOA,)})

    def build(files: Sequence[Sniffed], out: Path, dataset: str) -> None:
        tables = []
        for part, file in zip(parts, files, strict=True):
            frame = check_table(part.read(file, dataset), check, file.path, dataset)
            tables.append(frame.set_index("geography code"))
        health, care, disability, households = tables
        out_frame = pd.DataFrame({"MSOA21CD": health.index, "MSOA21NM": health["geography"].to_numpy()})
        h = _pct(health[TS037], TS037[0])
        c = _pct(care[TS039], TS039[0])
        d = _pct(disability[TS038], TS038[0])
        k = _pct(households[TS011], TS011[0])
        good = (health[TS037[1]] + health[TS037[2]]) / health[TS037[0]] * 100
        bad = (health[TS037[4]] + health[TS037[5]]) / health[TS037[0]] * 100
        columns = {
            "General health: Very good or good health (%) [health_in_general_4a-001]": good.round(1),
            "General health: Fair health (%) [health_in_general_4a-002]": h[TS037[3]],
            "General health: Bad or very bad health (%) [health_in_general_4a-003]": bad.round(1),
            **{f"{name} (%) [is_carer_5a-00{i}]": c[name] for i, name in enumerate(TS039[1:], 1)},
            **{f"{name} (%) [disability_3a-00{i}]": d[name] for i, name in enumerate(TS038[1:], 1)},
            **{f"{name} (%) [hh_deprivation-00{i}]": k[name] for i, name in enumerate(TS011[1:], 1)},
        }
        for name, values in columns.items():
            out_frame[name] = values.reindex(health.index).to_numpy()
        write_csv_gz(out_frame, out)

    return Converter(parts, build)


SAPE_AGES = ["All Ages", *[str(a) for a in range(90)], "90+"]
SAPE_PART = Part("ONS SAPE23DT4 mid-2020 MSOA single year of age (xlsx, sheet 'Mid-2020 Persons')",
                 frozenset(["MSOA Code", "MSOA Name", "All Ages", "90+"]), "MSOA Code", sheet_pattern=r"(?i)persons")


def _build_sape(files: Sequence[Sniffed], out: Path, dataset: str) -> None:
    frame = SAPE_PART.read(files[0], dataset)
    frame.columns = [str(c).removesuffix(".0") if str(c)[:1].isdigit() else str(c) for c in frame.columns]
    frame = frame.dropna(subset=["MSOA Code"])
    check = TableCheck("MSOA mid-2020 persons (7,201 MSOAs 2011)", "MSOA Code", r"[EW]02\d{6}", 7_201,
                       tuple(SAPE_AGES), {"MSOA Code": (TW_MSOA,)}, {"All Ages": (0, 1e5)})
    frame = check_table(frame, check, files[0].path, dataset)
    write_csv_gz(frame[["MSOA Code", "MSOA Name", *SAPE_AGES]], out)


HEALTH_INDEX_PART = Part("ONS Health Index 2021 release (xlsx, sheet 'Table_2_Underlying_data')",
                         frozenset(["Area code", "Year", "Indicator name", "Value"]), "Area code",
                         sheet_pattern=r"Table_2")


def _build_health_index(files: Sequence[Sniffed], out: Path, dataset: str) -> None:
    frame = HEALTH_INDEX_PART.read(files[0], dataset).dropna(subset=["Area code"])
    check = TableCheck("Health Index underlying indicators (307 districts x 7 years x 56 indicators)", "Area code",
                       r"E0[6789]\d{6}", 120_344, known_codes={"Area code": (TUNBRIDGE_WELLS, SEVENOAKS)},
                       ranges={"Year": (2015, 2021)}, unique=False)
    frame = check_table(frame, check, files[0].path, dataset)
    if frame.duplicated(["Area code", "Year", "Indicator name"]).any():
        raise InvalidOfficialFile(files[0].path, dataset, "one value per district, year and indicator",
                                  "duplicated rows")
    table = pd.DataFrame({"ltla21_code": frame["Area code"], "year": frame["Year"].astype(int),
                          "indicator": frame["Indicator name"], "value": frame["Value"]})
    write_csv_gz(table, out)


def converters() -> dict[str, Converter]:
    boundaries = {
        "lsoa2011_boundaries": Layer("LSOA_Dec2011_EW_BSC_V3", (
            "OBJECTID", "LSOA11CD", "LSOA11NM", "LSOA11NMW", "BNG_E", "BNG_N", "LONG", "LAT", "Shape__Area",
            "Shape__Length", "GlobalID"), _lsoa("LSOA Dec 2011 BSC V3 (34,753 LSOAs)", "LSOA11CD", 34_753)),
        "lsoa2021_boundaries": Layer("LSOA_Dec2021_EW_BSC_V4", ("LSOA21NM", "LSOA21CD"),
                                     _lsoa("LSOA Dec 2021 BSC V4 (35,672 LSOAs)", "LSOA21CD", 35_672)),
        "wards2021_boundaries": Layer("Wards_Dec2021_UK", ("WD21NM", "WD21CD"), TableCheck(
            "Wards Dec 2021 UK (8,694 wards)", "WD21CD", r"[EWSN]\d{8}", 8_694,
            known_codes={"WD21CD": ("E05005130",)})),
        "districts2021_boundaries": Layer("LAD_Dec2021_UK", ("LAD21NM", "LAD21CD"), TableCheck(
            "LAD Dec 2021 UK (374 districts)", "LAD21CD", r"[EWSN]\d{8}", 374,
            known_codes={"LAD21CD": (TUNBRIDGE_WELLS, SEVENOAKS)})),
        "districts2024_boundaries": Layer("LAD_May2024_UK_BUC", ("LAD24NM", "LAD24CD"), TableCheck(
            "LAD May 2024 UK BUC (361 districts)", "LAD24CD", r"[EWSN]\d{8}", 361,
            known_codes={"LAD24CD": (TUNBRIDGE_WELLS, SEVENOAKS)})),
    }
    out = {key: _boundary(spec, f"ONS {spec.check.what}") for key, spec in boundaries.items()}
    out["wards2024_boundaries"] = _wards_2024()
    out["lookup_lsoa11_ward19"] = _lookup(
        ("FID", "LSOA11CD", "LSOA11NM", "WD19CD", "WD19NM", "LAD19CD", "LAD19NM"),
        _lsoa("LSOA 2011 to Ward 2019 lookup (34,753 LSOAs)", "LSOA11CD", 34_753,
              columns=("WD19CD",)), "ONS LSOA (2011) to Ward (2019) lookup")
    out["lookup_lsoa21_ward24"] = _lookup(
        ("LSOA21NM", "LSOA21CD", "WD24NM", "WD24CD", "LAD24NM", "LAD24CD"),
        _lsoa("LSOA 2021 to Ward 2024 lookup (35,672 LSOAs)", "LSOA21CD", 35_672,
              columns=("LAD24CD",)), "ONS LSOA (2021) to Ward (2024) to LAD (2024) lookup")
    out["lookup_lsoa11_lsoa21"] = _lookup(
        ("LSOA11NM", "F_LSOA11CD", "CHGIND", "LSOA21NM", "LSOA21CD", "LAD22NM", "LAD22CD"),
        _lsoa("LSOA 2011 to 2021 lookup (35,795 rows)", "LSOA21CD", 35_795, unique=False,
              ranges={}), "ONS LSOA (2011) to LSOA (2021) to LAD (2022) lookup")
    out["lookup_district_county"] = _lookup(
        ("LTLA23CD", "LTLA23NM", "UTLA23CD", "UTLA23NM"),
        TableCheck("LTLA to UTLA 2023 lookup (318 districts)", "LTLA23CD", r"[EW]0\d{7}", 318,
                   known_codes={"LTLA23CD": (TUNBRIDGE_WELLS, SEVENOAKS), "UTLA23CD": ("E10000016",)}),
        "ONS Lower Tier to Upper Tier Local Authority (2023) lookup")
    out["lookup_msoa11_msoa21"] = _lookup(
        ("MSOA11NM", "MSOA11CD", "MSOA21NM", "MSOA21CD", "LAD22NM", "LAD22CD"),
        TableCheck("MSOA 2011 to 2021 lookup (7,201 MSOAs 2011)", "MSOA11CD", r"[EW]02\d{6}", 7_201,
                   known_codes={"MSOA11CD": (TW_MSOA,)}), "ONS MSOA (2011) to MSOA (2021) to LAD (2022) lookup")
    out["census2021_residents"] = _census_lsoa(TS038, "Census 2021 TS038 disability, LSOA")
    out["census2021_household_deprivation"] = _census_lsoa(TS011, "Census 2021 TS011 household deprivation, LSOA")
    out["census2021_msoa_health_pct"] = _census_msoa_pct()
    out["sape_mid2020_msoa11"] = Converter((SAPE_PART,), _build_sape)
    out["health_index_indicators"] = Converter((HEALTH_INDEX_PART,), _build_health_index)
    return out
