"""The API's documented CSV exports (data and indicator metadata) in the project's long indicator format, with
a note for every row left out and why."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from datetime import datetime

import numpy as np
import pandas as pd

from hiap_geo.core.text import counted
from hiap_geo.indicators.fingertips.request import (
    FingertipsFormatError,
    FingertipsNoData,
    FingertipsRequest,
    FingertipsWrongAreaType,
    area_type_of,
)
from hiap_geo.indicators.schema import COLUMNS

NUMERIC_COLUMNS = ["value", "lower_95", "upper_95", "lower_998", "upper_998", "count", "denominator"]

DATA_COLUMNS: dict[str, str] = {
    "Indicator ID": "indicator_id",
    "Indicator Name": "indicator_name",
    "Area Code": "area_code",
    "Area Type": "fingertips_area_type",
    "Sex": "sex",
    "Age": "age",
    "Category Type": "category_type",
    "Time period": "period",
    "Value": "value",
    "Lower CI 95.0 limit": "lower_95",
    "Upper CI 95.0 limit": "upper_95",
    "Lower CI 99.8 limit": "lower_998",
    "Upper CI 99.8 limit": "upper_998",
    "Count": "count",
    "Denominator": "denominator",
    "Value note": "value_note",
}
"""Columns of the API's data CSV that the long format is made from (the CSV has more: names, trends,
"Compared to England value or percentiles"... which the project recomputes or does not need). Value notes
('Value for Hackney and City of London combined', 'Value suppressed for disclosure control...') are told in
the notes, so a combined or suppressed figure is not taken for an area's own."""

LIMIT_COLUMNS = ["lower_95", "upper_95", "lower_998", "upper_998"]

METADATA_COLUMNS: dict[str, str] = {
    "Indicator ID": "indicator_id",
    "Indicator": "indicator_name",
    "Unit": "unit",
    "Value type": "value_type",
    "Year type": "year_type",
    "Polarity": "fingertips_polarity",
}
"""Columns of the API's indicator metadata CSV that the connector reads."""


def check_csv(body: bytes, label: str, url: str) -> None:
    """Refuse answers that are plainly not CSV (an HTML login page from a proxy, a JSON error)."""
    head = body.lstrip()[:200].decode("utf-8", errors="replace").lower()
    if head.startswith(("<", "{", "[")):
        raise FingertipsFormatError(
            f"{label}: the answer from {url} is not a CSV file (it starts with {head[:40]!r}). A proxy or "
            "login page may be in the way, or the API has changed. Nothing was cached."
        )


def _read_csv(body: bytes, required: Mapping[str, str], label: str, what: str) -> pd.DataFrame:
    text = body.decode("utf-8-sig", errors="replace")
    if not text.strip():
        return pd.DataFrame(columns=list(required.values()))
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, quoting=csv.QUOTE_MINIMAL)
    except (pd.errors.ParserError, ValueError) as exc:
        raise FingertipsFormatError(f"{label}: the {what} CSV could not be read: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise FingertipsFormatError(
            f"{label}: the {what} CSV lacks the documented column(s) {', '.join(repr(m) for m in missing)} "
            f"(it has {', '.join(repr(c) for c in frame.columns[:12])}). The API format may have changed."
        )
    return frame[list(required)].rename(columns=dict(required))


def _to_numbers(frame: pd.DataFrame, columns: list[str], label: str) -> pd.DataFrame:
    for col in columns:
        raw = frame[col].astype(str).str.strip()
        numbers = pd.to_numeric(raw.where(raw != ""), errors="coerce")
        bad = raw[(raw != "") & numbers.isna()]
        if not bad.empty:
            raise FingertipsFormatError(
                f"{label}: column {col} holds text where numbers belong, e.g. {bad.iloc[0]!r}; the API format "
                "may have changed."
            )
        frame[col] = numbers.astype(float)
    return frame


def map_polarity(text: str) -> str:
    """Fingertips polarity ('RAG - High is good', 'BOB - Blue orange blue', 'Not applicable'...) in the
    project's terms; anything without a direction is 'no_judgement' (compared as higher / lower)."""
    folded = " ".join(str(text).lower().split())
    if "high is good" in folded:
        return "high_is_good"
    if "low is good" in folded:
        return "low_is_good"
    return "no_judgement"


def parse_metadata(body: bytes, label: str = "Fingertips metadata") -> pd.DataFrame:
    """Indicator metadata CSV -> indicator_id, indicator_name, unit, value_type, year_type, polarity."""
    meta = _read_csv(body, METADATA_COLUMNS, label, "indicator metadata")
    meta = meta.apply(lambda s: s.str.strip())
    meta = meta[meta["indicator_id"] != ""].drop_duplicates("indicator_id").reset_index(drop=True)
    meta["polarity"] = meta["fingertips_polarity"].map(map_polarity)
    return meta


def _count_area_types(rows: pd.DataFrame) -> str:
    """'14 Districts & UAs (from Apr 2023), 1 England': the area types of rows as the API names them."""
    names = rows["fingertips_area_type"].where(rows["fingertips_area_type"] != "", rows["area_type"])
    return ", ".join(f"{n} {name}" for name, n in names.value_counts().sort_index().items()) or "no rows"


def _without_inconsistent_limits(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Rows whose published limits do not contain the value (or the 99.8% limits the 95% ones) keep their
    value but lose their limits, so that no comparison rests on them; the note names the first. Fingertips
    publishes such rows where counts are rounded for disclosure control (NEET, Rutland 2020)."""
    lo95, hi95, lo998, hi998, value = (rows[c] for c in [*LIMIT_COLUMNS, "value"])
    tol = 1e-9
    bad = (lo95 > value + tol) | (value > hi95 + tol) | (lo998 > lo95 + tol) | (hi95 > hi998 + tol)
    if not bad.any():
        return rows, []
    first = rows[bad].iloc[0]
    limits = "; ".join(f"{level}% limits {first[lo]:g} to {first[hi]:g}"
                       for level, lo, hi in (("95", "lower_95", "upper_95"), ("99.8", "lower_998", "upper_998"))
                       if pd.notna(first[lo]) or pd.notna(first[hi]))
    note = (f"Left out the confidence limits of {_rows(int(bad.sum()))} whose published limits do not contain "
            f"the value (e.g. {first['area_code']} {first['sex']} {first['period']}: value {first['value']:g}, "
            f"{limits}); the values are kept, without limits, so they are not tested for significance.")
    rows = rows.copy()
    rows.loc[bad, LIMIT_COLUMNS] = np.nan
    return rows, [note]


def _value_notes(rows: pd.DataFrame, shown: int = 6) -> list[str]:
    """The API's value notes on the kept rows, each with how many rows carry it and an example area: a value
    'for Hackney and City of London combined' is not Hackney's own, a blank one may be suppressed."""
    noted = rows[rows["value_note"] != ""]
    if noted.empty:
        return []
    counts = noted.groupby("value_note", sort=False).agg(n=("area_code", "size"), example=("area_code", "first"))
    counts = counts.sort_values("n", ascending=False, kind="stable")
    parts = [f"'{note}' ({_rows(int(r.n))}, e.g. {r.example})" for note, r in counts.head(shown).iterrows()]
    more = f"; and {len(counts) - shown} other note(s)" if len(counts) > shown else ""
    return [f"The API attached a value note to {_rows(len(noted))}: " + "; ".join(parts) + more + "."]


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def to_long(
    data_body: bytes, metadata_body: bytes, request: FingertipsRequest, fetched_at: datetime, label: str | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """The API's data CSV (plus its metadata CSV) in the long format, and notes on every row left out.

    Kept: the requested child areas, the parent area when it is a district, and England. Left out,
    and counted in the notes: inequality breakdowns (rows with a category), county or region rows and
    areas of any other type. When an indicator is published for more than one sex or age band, each
    becomes its own indicator ('93283-male-all-ages'). The API's value notes on kept rows are counted in the
    notes; limits that do not contain their value (published that way when counts are rounded) are left out,
    with a note.
    """
    label = label or request.label()
    raw = _read_csv(data_body, DATA_COLUMNS, label, "data")
    notes: list[str] = []
    if raw.empty:
        raise FingertipsNoData(
            f"{label}: the API holds no data for this request (the answer has no rows). The indicator may not "
            f"be published at {request.area_type} level, or not for areas within {request.parent_code}."
        )
    raw = raw.apply(lambda s: s.str.strip())
    raw["area_code"] = raw["area_code"].str.upper()
    raw["area_type"] = raw["area_code"].map(area_type_of)

    categorised = raw["category_type"] != ""
    if categorised.any():
        notes.append(
            f"Left out {_rows(int(categorised.sum()))} of inequality breakdowns (by deprivation, ethnicity and "
            "similar categories within an area); only whole-area values are kept."
        )
    raw = raw[~categorised]

    wanted = raw["area_type"] == request.area_type
    if not wanted.any():
        raise FingertipsWrongAreaType(
            f"{label}: the answer holds no {request.area_type} rows, only {_count_area_types(raw)}. The indicator "
            f"is probably not published at {request.area_type} level; list what the profile has with "
            "`python -m hiap_geo fingertips indicators`, or choose another area type."
        )
    parent_row = (raw["area_code"] == request.parent_code) & (raw["area_type"] == "district")
    keep = wanted | parent_row | (raw["area_type"] == "england")
    left_out = raw[~keep]
    if not left_out.empty:
        notes.append(
            f"Left out {_rows(len(left_out))} of other area types ({_count_area_types(left_out)}): the long format "
            f"carries {'district' if request.area_type == 'district' else request.area_type + ', district'} and "
            "England rows here."
        )
    rows = raw[keep].copy()
    rows = _to_numbers(rows, NUMERIC_COLUMNS, label)
    rows, limits_note = _without_inconsistent_limits(rows)
    notes += limits_note + _value_notes(rows)

    # Indicators split by sex or age become one indicator per split, so that area and period stay a key.
    combos = rows.drop_duplicates(["indicator_id", "sex", "age"]).groupby("indicator_id").size()
    is_split = rows["indicator_id"].isin(combos[combos > 1].index)
    base_ids = rows["indicator_id"].copy()
    split = rows.loc[is_split]
    rows.loc[is_split, "indicator_name"] = split["indicator_name"] + " (" + split["sex"] + ", " + split["age"] + ")"
    rows.loc[is_split, "indicator_id"] = split["indicator_id"] + "-" + (split["sex"] + " " + split["age"]).map(_slug)

    meta = parse_metadata(metadata_body, label).set_index("indicator_id")
    unit = meta["unit"].where(meta["unit"] != "", meta["value_type"])
    rows["unit"] = base_ids.map(unit).astype("str").fillna("")  # unknown: '' (the schema wants text)
    rows["polarity"] = base_ids.map(meta["polarity"]).astype("str")
    no_meta = sorted(set(base_ids[rows["polarity"].isna()]))
    if no_meta:
        which = (f"indicator {no_meta[0]}: unit" if len(no_meta) == 1
                 else f"{counted(len(no_meta), 'indicator')} ({', '.join(no_meta)}): units")
        notes.append(
            f"No metadata came for {which} unknown, polarity taken as no judgement "
            "(compared as higher / lower, never better / worse)."
        )
    rows["polarity"] = rows["polarity"].fillna("no_judgement")
    rows["period"] = rows["period"].replace("", np.nan)
    rows["source"] = "OHID Fingertips" + (f", profile {request.profile_id}" if request.profile_id else "")
    rows["vintage"] = f"fetched {fetched_at:%Y-%m-%d}"

    rows = rows.drop_duplicates(subset=[c for c in COLUMNS if c in rows.columns])
    clash = rows.duplicated(["indicator_id", "area_code", "period"], keep=False)
    if clash.any():
        example = rows.loc[clash, ["indicator_id", "area_code", "period"]].iloc[0].tolist()
        raise FingertipsFormatError(
            f"{label}: the answer gives different values for the same indicator, area and period (e.g. {example}); "
            "the connector cannot tell which is right."
        )
    long = rows[COLUMNS].assign(origin="fingertips")
    long = long.sort_values(["indicator_id", "period", "area_type", "area_code"], na_position="last")
    return long.reset_index(drop=True), notes
