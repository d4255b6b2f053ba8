"""The indicator rows as the app loads them: each source's areas at their published level, and
:func:`load_indicators`, every indicator for chosen districts at every area type, validated.

Every row these readers make has ``origin`` 'official' (see :data:`hiap_geo.indicators.schema.ORIGINS`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hiap_geo.core.areas import ENGLAND_CODE
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.indicators.aggregate import (
    aggregate,
    county_indicators,
    district_indicators,
    england_indicators,
    long_rows,
    ward_indicators,
)
from hiap_geo.indicators.catalogue import (
    DWP_COUNT,
    DWP_DENOMINATOR_YEAR,
    DWP_PCT,
    HEALTH_INDEX_INDICATORS,
    HEALTH_INDEX_NOTE,
    LSOA_SPECS,
    MSOA_CENSUS_SPECS,
    QOF_LABEL,
    QOF_SPECS,
    IndicatorSpec,
    dataset_titles,
    health_index_id,
)
from hiap_geo.indicators.schema import concat_indicators, validate_indicators
from hiap_geo.indicators.tables import (
    dwp_base,
    filter_districts,
    health_index_base,
    lsoa_base,
    msoa_base,
    qof_lsoa_base,
    qof_msoa_base,
)


def lsoa_indicators(
    districts: Sequence[str] | None = None, specs: Sequence[IndicatorSpec] | None = None
) -> pd.DataFrame:
    """LSOA 2021 rows of every LSOA indicator (all of England when ``districts`` is None)."""
    base = filter_districts(lsoa_base(), "lad_code", districts)
    frames = [long_rows(base, "lsoa_code", "lsoa", spec, "as published for the LSOA") for spec in specs or LSOA_SPECS]
    return concat_indicators(frames)


def msoa_census_indicators(districts: Sequence[str] | None = None, with_comparators: bool = True) -> pd.DataFrame:
    """Census 2021 MSOA percentages (bad health, 50+ hours unpaid care), with district and England values.

    District and England values are MSOA percentages weighted by Census 2021 usual residents:
    the source has no counts, so none of these rows has limits or counts.
    """
    base = msoa_base()
    local = filter_districts(base, "lad_code", districts)
    frames = [long_rows(local, "msoa_code", "msoa", s, "as published (percentage, 1 dp)") for s in MSOA_CENSUS_SPECS]
    if with_comparators:
        lad = aggregate(local, local["lad_code"], MSOA_CENSUS_SPECS, "MSOAs")
        eng = aggregate(base, pd.Series(ENGLAND_CODE, index=base.index), MSOA_CENSUS_SPECS, "MSOAs")
        for s in MSOA_CENSUS_SPECS:
            frames.append(long_rows(lad, "group_code", "district", s, lad[f"_agg_{s.id}"]))
            frames.append(long_rows(eng, "group_code", "england", s, eng[f"_agg_{s.id}"]))
    return concat_indicators(frames)


def dwp_indicators(districts: Sequence[str] | None = None, with_comparators: bool = True) -> pd.DataFrame:
    """DWP children in relative low income per MSOA 2011: counts for every year, % for 2020/21.

    District and England rows sum the MSOA counts (children not allocated to an MSOA by DWP, the
    'Unknown' row, are not in any area and so not in England either).
    """
    base = dwp_base()
    local = filter_districts(base, "lad_code", districts)
    levels: list[tuple[str, pd.DataFrame]] = [("msoa", local.rename(columns={"msoa_code": "group_code"}))]
    if with_comparators:
        for level, frame, key in (("district", local, "lad_code"), ("england", base, None)):
            groups = frame[key] if key else pd.Series(ENGLAND_CODE, index=frame.index)
            parts = []
            for period, rows in frame.groupby("period"):
                agg = aggregate(rows, groups.loc[rows.index], [DWP_COUNT, DWP_PCT], "MSOAs")
                parts.append(agg.assign(period=period))
            levels.append((level, pd.concat(parts, ignore_index=True)))
    frames = []
    for level, wide in levels:
        method = "as published for the MSOA" if level == "msoa" else wide[f"_agg_{DWP_COUNT.id}"]
        frames.append(long_rows(wide, "group_code", level, DWP_COUNT, method))
        year = wide[wide["period"] == DWP_DENOMINATOR_YEAR]
        pct_method = "as published for the MSOA" if level == "msoa" else year[f"_agg_{DWP_PCT.id}"]
        frames.append(long_rows(year, "group_code", level, DWP_PCT, pct_method))
    return concat_indicators(frames)


def health_index_indicators(districts: Sequence[str] | None = None) -> pd.DataFrame:
    """ONS Health Index underlying indicators per district (LTLA 2021), one row per year, values only."""
    raw = health_index_base()
    unknown = sorted(set(raw["indicator"].unique()) - set(HEALTH_INDEX_INDICATORS))
    if unknown:
        raise HiapGeoError(f"Health Index indicators with no polarity defined: {', '.join(unknown)}")
    raw = filter_districts(raw, "ltla21_code", districts)
    title, vintage = dataset_titles()["health_index_indicators"]
    polarity = raw["indicator"].map(lambda n: HEALTH_INDEX_INDICATORS[n][0])
    unit = raw["indicator"].map(lambda n: HEALTH_INDEX_INDICATORS[n][1])
    nan = np.nan
    return pd.DataFrame(
        {
            "indicator_id": raw["indicator"].map(health_index_id),
            "indicator_name": raw["indicator"] + " (ONS Health Index)",
            "area_code": raw["ltla21_code"],
            "area_type": "district",
            "period": raw["year"].astype(str),
            "value": raw["value"].astype(float),
            "lower_95": nan,
            "upper_95": nan,
            "lower_998": nan,
            "upper_998": nan,
            "count": nan,
            "denominator": nan,
            "unit": unit,
            "polarity": polarity,
            "source": title,
            "vintage": vintage,
            "method": HEALTH_INDEX_NOTE,
            "origin": "official",
        }
    ).reset_index(drop=True)


def load_indicators(districts: Sequence[str], include_england: bool = True) -> pd.DataFrame:
    """Every indicator for the districts at every area type, plus England comparators; validated.

    This is what the app loads: LSOA, ward, district and county rows of the LSOA indicators (county:
    for districts in one), MSOA rows of the Census and DWP indicators (with district and England
    values), the Health Index per district, the QOF register estimates (LSOA, MSOA, ward, district), and England
    rows wherever they can be computed.
    """
    frames = [
        lsoa_indicators(districts),
        ward_indicators(districts),
        district_indicators(districts),
        county_indicators(districts),
    ]
    if include_england:
        frames.append(england_indicators())
    frames += [
        msoa_census_indicators(districts, with_comparators=include_england),
        dwp_indicators(districts, with_comparators=include_england),
        health_index_indicators(districts),
        qof_indicators(districts, with_comparators=include_england),
    ]
    return validate_indicators(concat_indicators(frames))


_QOF_CHANGE = {
    "U": "as published for MSOA 2011 {parents}",
    "S": "split from MSOA 2011 {parents}: its estimate",
    "M": "merged from MSOAs 2011 {parents}: their estimates weighted by mid-2020 residents",
    "X": "redrawn from MSOAs 2011 {parents}: their estimates weighted by mid-2020 residents (approximate: those "
         "MSOAs are only partly inside)",
}
"""How an MSOA 2021 got its estimate, by the kind of change since 2011."""


def _qof_msoa_methods(frame: pd.DataFrame) -> pd.Series:
    text = [_QOF_CHANGE[c].format(parents=p.replace(";", ", ")) for c, p in zip(frame["change"], frame["msoa11_codes"],
                                                                                 strict=True)]
    return pd.Series([f"{QOF_LABEL}; {t}" for t in text], index=frame.index)


def _qof_grouped(base: pd.DataFrame, groups: pd.Series, level: str) -> pd.DataFrame:
    """QOF rows for groups of LSOAs (wards, districts, England, a chosen group): the LSOAs' MSOA estimates
    weighted by Census 2021 residents, which is each MSOA's estimate weighted by its residents in the group."""
    wide = aggregate(base, groups, QOF_SPECS, "LSOAs")
    msoas = base.groupby(groups.rename("group_code"))["msoa21_code"].agg(["nunique", "first"]).reset_index()
    wide = wide.merge(msoas, on="group_code", validate="one_to_one")
    one = wide["nunique"] == 1
    method = pd.Series(
        np.where(one, f"{QOF_LABEL}; the estimate of MSOA " + wide["first"] + ", which holds all its "
                 + wide["members"].astype(str) + " LSOAs",
                 f"{QOF_LABEL}; the estimates of the " + wide["nunique"].astype(str) + " MSOAs its "
                 + wide["members"].astype(str) + " LSOAs lie in, weighted by Census 2021 usual residents"),
        index=wide.index)
    return concat_indicators([long_rows(wide, "group_code", level, s, method) for s in QOF_SPECS])


def qof_indicators(districts: Sequence[str] | None = None, with_comparators: bool = True) -> pd.DataFrame:
    """The seven QOF register estimates (House of Commons Library, QOF about 2018/19) for the districts: MSOA
    2021 rows, LSOA rows (the estimate of the MSOA each lies in), ward and district rows (their MSOAs'
    estimates weighted by Census 2021 residents) and, with comparators, England's. Values only, no limits."""
    msoa = filter_districts(qof_msoa_base(), "lad_code", districts)
    lsoa_all = qof_lsoa_base()
    lsoa = filter_districts(lsoa_all, "lad_code", districts)
    msoa_method = _qof_msoa_methods(msoa)
    by_msoa = dict(zip(qof_msoa_base()["msoa_code"], _qof_msoa_methods(qof_msoa_base()), strict=True))
    lsoa_method = (f"{QOF_LABEL}; the estimate of MSOA " + lsoa["msoa21_code"] + ", which holds the LSOA ("
                   + lsoa["msoa21_code"].map(by_msoa).str.removeprefix(f"{QOF_LABEL}; ") + ")")
    frames = []
    for s in QOF_SPECS:
        frames.append(long_rows(msoa, "msoa_code", "msoa", s, msoa_method))
        frames.append(long_rows(lsoa, "lsoa_code", "lsoa", s, lsoa_method))
    frames.append(_qof_grouped(lsoa, lsoa["ward_code"], "ward"))
    frames.append(_qof_grouped(lsoa, lsoa["lad_code"], "district"))
    if with_comparators:
        frames.append(_qof_grouped(lsoa_all, pd.Series(ENGLAND_CODE, index=lsoa_all.index), "england"))
    return concat_indicators(frames)


def qof_indicators_for_lsoas(codes: Sequence[str], area_code: str = "group") -> pd.DataFrame:
    """The QOF register estimates of one chosen group of LSOAs 2021 (area type 'group', as
    :func:`hiap_geo.indicators.aggregate.indicators_for_lsoas` makes for the LSOA indicators)."""
    base = qof_lsoa_base()
    members = base[base["lsoa_code"].isin(set(codes))]
    if members.empty:
        raise HiapGeoError("No LSOAs 2021 given: a group needs at least one LSOA 2021 code.")
    return _qof_grouped(members, pd.Series(area_code, index=members.index), "group")
