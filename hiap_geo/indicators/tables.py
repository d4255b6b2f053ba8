"""The source tables behind the indicators, wide: one row per LSOA 2021, per MSOA 2021, per MSOA 2011 and year,
and the QOF register estimates per MSOA 2021 and per LSOA 2021 (from its MSOA).

Each is read once per process from the registry's files, joined on codes (a join refuses codes on one
side only) and cached; the readers and aggregates take their columns from here.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

import pandas as pd

from hiap_geo.acquire.convert.commons_library import CHECK as QOF_CHECK
from hiap_geo.acquire.registry import dataset_path
from hiap_geo.acquire.validate import check_table
from hiap_geo.core import settings
from hiap_geo.core.editions import IOD2025
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.geo import joins, lookups
from hiap_geo.geo.joins import join_on_code
from hiap_geo.geo.lookups import ward_lookup
from hiap_geo.geo.msoa import main_districts, msoa_crosswalk, msoa_lookup, msoa_names_of
from hiap_geo.indicators.catalogue import (
    DWP_YEARS,
    IOD_DOMAINS_DATASET,
    IOD_INDICATORS_DATASET,
    QOF_CONDITIONS,
    QOF_DATASET,
)

KEPT_DIR = "derived"
"""Folder of the cache directory holding tables made from the official files (:func:`kept_table`)."""
LSOA_BASE_DATASETS = ("census2021_residents", "census2021_household_deprivation", IOD_INDICATORS_DATASET,
                      IOD_DOMAINS_DATASET, "lookup_lsoa21_ward24")
"""The files :func:`lsoa_base` is made from."""


def kept_table(name: str, datasets: Sequence[str], make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """A table made from official files, kept as Parquet in the cache directory so that a new server reads it in
    milliseconds instead of making it again (reading and joining the files: about half a second for
    :func:`lsoa_base`, on the first visit of a page that maps an indicator).

    The file is named by what it depends on: each file's name, size and modification time, and the code that
    makes it (this module and the lookups and joins it uses), so a new file or a code change makes it anew, never
    a stale copy. Written to a temporary name and renamed (two servers may make it at once); the older copies are
    removed. A cache that cannot be written or read only means the table is made as before.
    """
    paths = [dataset_path(d) for d in datasets]
    digest = hashlib.sha256()
    for path in paths:
        stat = path.stat()
        digest.update(f"{path.name}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    for module in (__file__, lookups.__file__, joins.__file__):
        digest.update(Path(module).read_bytes())
    folder = settings.cache_dir() / KEPT_DIR
    kept = folder / f"{name}-{digest.hexdigest()[:20]}.parquet"
    if kept.is_file():
        try:
            return pd.read_parquet(kept)
        except (OSError, ValueError):  # a damaged copy: made again below
            pass
    table = make()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = kept.with_suffix(f".{os.getpid()}.part")
        table.to_parquet(partial, index=False)
        os.replace(partial, kept)
        for old in folder.glob(f"{name}-*.parquet"):
            if old != kept:
                old.unlink(missing_ok=True)
    except OSError:
        pass
    return table


@cache
def lsoa_base() -> pd.DataFrame:
    """One row per English LSOA 2021 with every column the LSOA indicators and their weights use.

    Cached: copy before changing it. Joins report (and refuse) any code on one side only. Kept in the cache
    directory once made (:func:`kept_table`).
    """
    return kept_table("lsoa_base", LSOA_BASE_DATASETS, _make_lsoa_base)


def _make_lsoa_base() -> pd.DataFrame:
    census = pd.read_csv(dataset_path("census2021_residents"), dtype={"LSOA21CD": str})
    census = census[census["LSOA21CD"].str.startswith("E01")]
    base = pd.DataFrame(
        {
            "lsoa_code": census["LSOA21CD"],
            "lsoa_name": census["LSOA21NM"],
            "population": census["Disability: Total: All usual residents"].astype(float),
            "disabled": census["Disability: Disabled under the Equality Act"].astype(float),
        }
    )
    hh = pd.read_csv(dataset_path("census2021_household_deprivation"), dtype={"LSOA21CD": str})
    hh = hh[hh["LSOA21CD"].str.startswith("E01")]
    total = hh["Household deprivation: Total: All households"].astype(float)
    none = hh["Household deprivation: Household is not deprived in any dimension"].astype(float)
    one = hh["Household deprivation: Household is deprived in one dimension"].astype(float)
    hh = pd.DataFrame(
        {
            "lsoa_code": hh["LSOA21CD"],
            "households": total,
            "hh_deprived_1plus": total - none,
            "hh_deprived_2plus": total - none - one,
        }
    )
    base, _ = join_on_code(base, hh, "lsoa_code", "Census 2021 TS038 with TS011 (LSOA 2021)")

    f8 = pd.read_csv(dataset_path(IOD_INDICATORS_DATASET), dtype={"lsoa21_code": str})
    f8 = f8.rename(columns={"lsoa21_code": "lsoa_code"})
    base, _ = join_on_code(base, f8, "lsoa_code", "Census 2021 LSOAs with IoD 2025 File 8")

    domains = pd.read_csv(dataset_path(IOD_DOMAINS_DATASET), dtype={"LSOA code (2021)": str})
    domains = pd.DataFrame(
        {
            "lsoa_code": domains["LSOA code (2021)"],
            "income_score": domains["Income Score (rate)"],
            "employment_score": domains["Employment Score (rate)"],
            "imd_rank": domains["Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"],
            "imd_decile": domains["Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"],
        }
    )
    base, _ = join_on_code(base, domains, "lsoa_code", "Census 2021 LSOAs with IoD 2025 domains")

    lookup = ward_lookup(IOD2025.year)[["lsoa_code", "ward_code", "ward_name", "lad_code", "lad_name"]]
    base, _ = join_on_code(base, lookup, "lsoa_code", "LSOA 2021 indicators with the LSOA21-WD24-LAD24 lookup")
    return base.sort_values("lsoa_code").reset_index(drop=True)


@cache
def health_index_base() -> pd.DataFrame:
    """The ONS Health Index underlying indicators of every district (LTLA 2021) and year, as published (indicator,
    ltla21_code, year, value): read once per process, and kept once made (:func:`kept_table`), so switching to a
    Health Index indicator on a new server reads a small Parquet file instead of parsing 120,000 rows of CSV."""
    return kept_table("health_index", ["health_index_indicators"],
                      lambda: pd.read_csv(dataset_path("health_index_indicators"), dtype={"ltla21_code": str}))


@cache
def msoa_base() -> pd.DataFrame:
    """One row per English MSOA 2021: Census percentages, residents (summed from LSOAs) and district."""
    raw = pd.read_csv(dataset_path("census2021_msoa_health_pct"), dtype={"MSOA21CD": str})
    raw = raw[raw["MSOA21CD"].str.startswith("E02")]
    pct = pd.DataFrame(
        {
            "msoa_code": raw["MSOA21CD"],
            "msoa_name": raw["MSOA21NM"],
            "bad_health": raw["General health: Bad or very bad health (%) [health_in_general_4a-003]"],
            "unpaid_care_50h": raw["Unpaid care: Provides 50 or more hours unpaid care a week (%) [is_carer_5a-004]"],
        }
    )
    lsoa = lsoa_base().assign(msoa_name=lambda t: msoa_names_of(t["lsoa_name"]))
    # A few MSOAs straddle 2024 district boundaries (e.g. one LSOA of West Northamptonshire 048
    # is best-fitted to Cherwell): such an MSOA counts in the district holding most of its residents.
    main_lad = main_districts(lsoa["msoa_name"], lsoa[["lad_code"]], lsoa["population"]).reset_index()
    per_msoa = lsoa.groupby("msoa_name", as_index=False)["population"].sum()
    per_msoa = per_msoa.merge(main_lad[["msoa_name", "lad_code"]], on="msoa_name", validate="one_to_one")
    base, _ = join_on_code(pct, per_msoa, "msoa_name", "MSOA 2021 percentages with their LSOAs (by ONS name)")
    return base.sort_values("msoa_code").reset_index(drop=True)


@cache
def dwp_base() -> pd.DataFrame:
    """DWP children in relative low income per English MSOA 2011, long by year, with children 0-15 (mid-2020)."""
    raw = pd.read_csv(dataset_path("dwp_children_low_income_msoa11"), dtype=str)
    code_col = "MSOA11CD [added: matched on MSOA11NM]"
    raw = raw[raw[code_col].fillna("").str.startswith("E02")]
    long = raw.melt(id_vars=[code_col], value_vars=DWP_YEARS, var_name="period", value_name="children")
    long = long.rename(columns={code_col: "msoa_code"})
    long["children"] = pd.to_numeric(long["children"].str.replace(",", ""), errors="coerce")

    sape = pd.read_csv(dataset_path("sape_mid2020_msoa11"), dtype={"MSOA Code": str})
    sape = sape[sape["MSOA Code"].str.startswith("E02")]
    children = sape[[str(age) for age in range(16)]].astype(float).sum(axis=1)
    pop = pd.DataFrame({"msoa_code": sape["MSOA Code"], "children_0_15": children})

    lookup = msoa_lookup()
    msoa21_lad = msoa_base()[["msoa_code", "lad_code"]].rename(columns={"msoa_code": "MSOA21CD"})
    links = lookup.merge(msoa21_lad, on="MSOA21CD", how="inner").groupby("MSOA11CD")["lad_code"]
    if (links.nunique() > 1).any():
        raise HiapGeoError("An MSOA 2011 maps to MSOA 2021s in more than one district.")
    lad = links.first().rename_axis("msoa_code").reset_index()

    pop, _ = join_on_code(pop, lad, "msoa_code", "SAPE mid-2020 MSOA 2011 with districts (via MSOA 2021)")
    counts = long.pivot(index="msoa_code", columns="period", values="children").reset_index()
    pop, report = join_on_code(pop, counts, "msoa_code", "SAPE mid-2020 MSOA 2011 with DWP counts", strict=False)
    if report.left_only or report.right_only:
        raise HiapGeoError(report.summary())
    return pop.melt(
        id_vars=["msoa_code", "children_0_15", "lad_code"],
        value_vars=DWP_YEARS,
        var_name="period",
        value_name="children",
    )


def filter_districts(frame: pd.DataFrame, column: str, districts: Sequence[str] | None) -> pd.DataFrame:
    """Rows of ``frame`` whose ``column`` is one of the district codes (all rows when ``districts`` is None).

    A code with no row raises, naming it: an indicator table silently missing a district would mislead.
    """
    if districts is None:
        return frame
    districts = [d.strip().upper() for d in districts]
    unknown = sorted(set(districts) - set(frame[column].unique()))  # unique first: 0.1 s less on 240,000 rows
    if unknown:
        raise HiapGeoError(f"No indicator data for district code(s) {', '.join(unknown)}.")
    return frame[frame[column].isin(districts)]


QOF_DECIMALS = 10
"""Decimal places the QOF proportions are read to (see :func:`qof_msoa_base`)."""


@cache
def qof_msoa_base() -> pd.DataFrame:
    """The seven QOF register estimates per English MSOA 2021 (one column per indicator id, proportions 0-1),
    with ``change`` (U, S, M, X), ``msoa11_codes`` (its 2011 parents), ``population`` and ``lad_code``.

    Unchanged and split MSOAs take their one 2011 parent's estimate; merged and redrawn ones the mean of their
    2011 parents weighted by mid-2020 residents (ONS SAPE), as the IMD 2019-2025 comparison weights LSOAs.
    """
    path = dataset_path(QOF_DATASET)
    raw = check_table(pd.read_csv(path, dtype={"msoa11cd": str}), QOF_CHECK, path, QOF_DATASET)
    values = raw.rename(columns={"msoa11cd": "msoa11_code", **{c: v[0] for c, v in QOF_CONDITIONS.items()}})
    ids = [v[0] for v in QOF_CONDITIONS.values()]
    # To 10 decimal places (1e-8 percentage points): a workbook keeps about 16 significant digits, the mirror's
    # CSV 17, and the converted and mirrored copies must give the same figures to the last digit shown.
    values[ids] = values[ids].round(QOF_DECIMALS)
    sape = pd.read_csv(dataset_path("sape_mid2020_msoa11"), dtype={"MSOA Code": str}, usecols=["MSOA Code", "All Ages"])
    sape = sape.rename(columns={"MSOA Code": "msoa11_code", "All Ages": "_w"})
    values, _ = join_on_code(values[["msoa11_code", *ids]], sape[sape["msoa11_code"].str.startswith("E02")],
                             "msoa11_code", "QOF estimates with mid-2020 MSOA 2011 residents")
    base = msoa_base()
    links = msoa_crosswalk(tuple(zip(base["msoa_name"], base["msoa_code"], strict=True)))
    links = links.merge(values, on="msoa11_code", how="left", validate="many_to_one")
    if links[ids].isna().any().any():
        raise HiapGeoError("An MSOA 2011 of the ONS lookup has no QOF estimate.")
    links["_w"] = links["_w"].astype(float)
    grouped = links.groupby("msoa21_code", sort=True)
    moved = pd.DataFrame({c: (links[c] * links["_w"]).groupby(links["msoa21_code"]).sum() / grouped["_w"].sum()
                          for c in ids})
    moved["change"] = grouped["change"].first()
    moved["msoa11_codes"] = grouped["msoa11_code"].agg(lambda s: ";".join(sorted(s)))
    moved = moved.rename_axis("msoa_code").reset_index()
    out, _ = join_on_code(base[["msoa_code", "msoa_name", "population", "lad_code"]], moved, "msoa_code",
                          "MSOAs 2021 with the QOF estimates moved from MSOA 2011")
    return out


@cache
def qof_lsoa_base() -> pd.DataFrame:
    """One row per English LSOA 2021 with the QOF estimates of the MSOA 2021 it lies in (by ONS name), its
    residents, ward and district: the table wards, districts, counties, England and groups are built from."""
    lsoa = lsoa_base()[["lsoa_code", "lsoa_name", "population", "ward_code", "ward_name", "lad_code", "lad_name"]]
    lsoa = lsoa.assign(msoa_name=msoa_names_of(lsoa["lsoa_name"]))
    msoa = qof_msoa_base().drop(columns=["population", "lad_code"]).rename(columns={"msoa_code": "msoa21_code"})
    out = lsoa.merge(msoa, on="msoa_name", how="left", validate="many_to_one")
    lost = out.loc[out["msoa21_code"].isna(), "lsoa_code"]
    if len(lost):
        raise HiapGeoError(f"{len(lost)} LSOAs 2021 lie in no MSOA 2021 by name, e.g. {lost.iat[0]}.")
    return out
