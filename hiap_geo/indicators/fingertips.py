"""OHID Fingertips API connector: Local Health indicators for wards, MSOAs and districts.

Reads the API's documented CSV exports (``/all_data/csv/by_indicator_id``,
``/all_data/csv/by_profile_id`` and ``/indicator_metadata/csv/...``) and turns them into the
project's long indicator format. Every answer is cached on disk (``<cache>/fingertips``)
with the request and the time it was fetched, because the API is only reachable online:
offline, a cached copy is shown with the date it was fetched, and without one a
``FingertipsOffline`` error says plainly that the data needs a connection. Rows it makes have
``origin`` 'fingertips'.

Over 500 lines because one connector holds the request, the on-disk cache, the HTTP errors (each
told apart for the user: offline, rejected, server error, wrong area type, no data) and the parsing
of the API's CSVs; each part is only used through the others.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, TypeVar

import numpy as np
import pandas as pd
import requests

from hiap_geo.core import settings
from hiap_geo.core.areas import ENGLAND_CODE, area_kind
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.files import write_bytes_atomic
from hiap_geo.indicators.availability import where_to_get
from hiap_geo.indicators.schema import COLUMNS

LOCAL_HEALTH_PROFILE_ID = 143
"""Fingertips profile "Local Health": small-area (MSOA and ward) health indicators."""

AREA_TYPE_IDS: dict[str, int] = {"ward": 8, "msoa": 3, "district": 501, "county": 502, "england": 15}
"""Fingertips area type ids: wards, MSOAs, "Districts & UAs (from Apr 2023)", "Counties & UAs (from Apr 2023)",
England. Fingertips adds a new id when boundaries change, so callers may pass other ids explicitly."""

OFFLINE_TOPICS: dict[int, str] = {93108: "child_obesity", 90323: "child_obesity", 92443: "smoking"}
"""Fingertips indicators whose offline failure says what to download instead
(:func:`hiap_geo.indicators.availability.where_to_get`)."""

CHILD_AREA_TYPES: tuple[str, ...] = ("ward", "msoa", "district")
"""The area types this connector fetches data for."""


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

CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 180.0


class FingertipsError(HiapGeoError):
    """Fingertips data could not be obtained or read."""


class FingertipsOffline(FingertipsError):
    """The API could not be reached (no connection, name not resolved, refused, timed out)."""


class FingertipsServerError(FingertipsError):
    """The API answered with a server error (HTTP 5xx)."""


class FingertipsRequestRejected(FingertipsError):
    """The API refused the request (HTTP 4xx): an indicator, area type or area code it does not know."""


class FingertipsFormatError(FingertipsError):
    """The answer is not the documented Fingertips CSV (a changed API, or a proxy page in the way)."""


class FingertipsNoData(FingertipsError):
    """The API answered correctly but holds no rows for the request."""


class FingertipsWrongAreaType(FingertipsError):
    """The API answered with areas of other types than the one asked for."""


class FingertipsNotCached(FingertipsError):
    """No cached copy exists for a request that was to be answered from the cache only."""


@dataclass(frozen=True)
class FingertipsRequest:
    """What to fetch: indicators (or a whole profile) for one area type within one parent area.

    ``parent_code`` is a district (E06-E09), a county (E10/E11) or England (E92000001); the API
    returns the child areas within it, and usually the parent and England rows too.
    """

    area_type: str
    parent_code: str = ENGLAND_CODE
    indicator_ids: tuple[int, ...] = ()
    profile_id: int | None = None
    child_area_type_id: int | None = None
    parent_area_type_id: int | None = None

    def __post_init__(self) -> None:
        if self.area_type not in CHILD_AREA_TYPES:
            raise FingertipsError(
                f"Area type '{self.area_type}' is not one this connector fetches; "
                f"use one of {', '.join(CHILD_AREA_TYPES)}."
            )
        if not self.indicator_ids and self.profile_id is None:
            raise FingertipsError("Name at least one Fingertips indicator id, or a profile id (Local Health is 143).")
        if len(self.indicator_ids) > 100:
            raise FingertipsError("The Fingertips API serves at most 100 indicators a request; split the list.")
        object.__setattr__(self, "parent_code", self.parent_code.strip().upper())
        parent_kind = _parent_kind(self.parent_code)
        allowed = {"ward": ("district", "county", "england"), "msoa": ("district", "county", "england"),
                   "district": ("county", "england")}[self.area_type]
        if parent_kind not in allowed:
            places = {"district": "a district", "county": "a county", "england": f"England ({ENGLAND_CODE})"}
            raise FingertipsError(
                f"'{self.parent_code}' is a {parent_kind} code; {self.area_type} data can be fetched within "
                f"{' or '.join(places[a] for a in allowed)}."
            )

    @property
    def parent_kind(self) -> str:
        return _parent_kind(self.parent_code)

    def data_query(self) -> tuple[str, dict[str, str]]:
        """Path and parameters of the data CSV endpoint for this request."""
        params = {
            "child_area_type_id": str(self.child_area_type_id or AREA_TYPE_IDS[self.area_type]),
            "parent_area_type_id": str(self.parent_area_type_id or AREA_TYPE_IDS[self.parent_kind]),
            "parent_area_code": self.parent_code,
        }
        if self.indicator_ids:
            params["indicator_ids"] = ",".join(str(i) for i in self.indicator_ids)
            if self.profile_id is not None:
                params["profile_id"] = str(self.profile_id)
            return "/all_data/csv/by_indicator_id", params
        params["profile_id"] = str(self.profile_id)
        return "/all_data/csv/by_profile_id", params

    def metadata_query(self) -> tuple[str, dict[str, str]]:
        """Path and parameters of the metadata CSV (unit and polarity) for this request's indicators."""
        if self.indicator_ids:
            params = {"indicator_ids": ",".join(str(i) for i in self.indicator_ids)}
            if self.profile_id is not None:
                params["profile_id"] = str(self.profile_id)
            return "/indicator_metadata/csv/by_indicator_id", params
        return "/indicator_metadata/csv/by_profile_id", {"profile_id": str(self.profile_id)}

    def label(self) -> str:
        what = (
            f"indicator{'s' if len(self.indicator_ids) > 1 else ''} {', '.join(map(str, self.indicator_ids))}"
            if self.indicator_ids
            else f"profile {self.profile_id}"
        )
        return f"Fingertips {what}, {self.area_type} level within {self.parent_code}"


def _parent_kind(code: str) -> str:
    if code == ENGLAND_CODE:
        return "england"
    try:
        return area_kind(code)
    except HiapGeoError:
        raise FingertipsError(
            f"'{code}' is not a parent area code: use a district (E06-E09), a county (E10/E11) or England "
            f"({ENGLAND_CODE})."
        ) from None


@dataclass(frozen=True)
class FingertipsResult:
    """What the connector got: a table, the address it came from, when it was fetched, whether it is a
    cached copy, and notes (a cached copy standing in for a failed fetch; rows left out and why)."""

    data: pd.DataFrame
    url: str
    fetched_at: datetime
    from_cache: bool
    notes: tuple[str, ...] = field(default=())

    def fetched_label(self) -> str:
        """When the data was fetched, for captions: '2025-06-01 14:02 UTC'."""
        return self.fetched_at.strftime("%Y-%m-%d %H:%M UTC")


# --- cache -----------------------------------------------------------------------------------------


def cache_root() -> Path:
    """Where Fingertips answers are kept (under the project cache, ``HIAP_CACHE_DIR``)."""
    return settings.cache_dir() / "fingertips"


Queries = Mapping[str, tuple[str, Mapping[str, str]]]
T = TypeVar("T")


def _cache_key(label: str, queries: Queries) -> str:
    """A folder name for a set of queries; the base address is left out so a copy serves any mirror."""
    canonical = json.dumps({k: [p, sorted(v.items())] for k, (p, v) in sorted(queries.items())})
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:60]
    return f"{slug}-{hashlib.sha256(canonical.encode()).hexdigest()[:12]}"


def _save_cache(key: str, queries: Queries, base_url: str, bodies: dict[str, bytes], fetched_at: datetime) -> None:
    """Write each answer, then the record naming them with their checksums (written last, so a torn write
    leaves either the old consistent entry or a record whose checksums no longer match)."""
    folder = cache_root() / key
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in bodies.items():
        write_bytes_atomic(folder / f"{name}.csv", body)
    record = {
        "fetched_at": fetched_at.isoformat(),
        "base_url": base_url,
        "queries": {k: {"path": p, "params": dict(v)} for k, (p, v) in queries.items()},
        "sha256": {name: hashlib.sha256(body).hexdigest() for name, body in bodies.items()},
    }
    write_bytes_atomic(folder / "request.json", json.dumps(record, indent=2).encode())


def _load_cache(key: str, names: list[str]) -> tuple[dict[str, bytes], datetime, str] | None:
    """The cached answers, their fetch time and base address, or None when no intact copy exists."""
    folder = cache_root() / key
    try:
        record = json.loads((folder / "request.json").read_text(encoding="utf-8"))
        bodies = {name: (folder / f"{name}.csv").read_bytes() for name in names}
    except (OSError, ValueError):
        return None
    if any(hashlib.sha256(bodies[n]).hexdigest() != record.get("sha256", {}).get(n) for n in names):
        return None
    return bodies, datetime.fromisoformat(record["fetched_at"]), str(record.get("base_url", ""))


# --- HTTP ------------------------------------------------------------------------------------------


def _full_url(base_url: str, path: str, params: Mapping[str, str]) -> str:
    return requests.Request("GET", base_url + path, params=dict(params)).prepare().url or base_url + path


def _get(base_url: str, path: str, params: Mapping[str, str], label: str, cached_note: str) -> bytes:
    """One GET; network and HTTP failures become named errors that say whether a cached copy exists."""
    url = _full_url(base_url, path, params)
    try:
        response = requests.get(base_url + path, params=dict(params), timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S))
    except requests.exceptions.SSLError as exc:
        raise FingertipsError(
            f"{label}: the secure connection to {base_url} could not be verified ({exc}). A proxy may be "
            f"intercepting it; ask IT, or set HIAP_FINGERTIPS_URL. {cached_note}"
        ) from exc
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise FingertipsOffline(
            f"{label} needs a connection to the Fingertips API ({base_url}), which could not be reached: "
            f"{_reason(exc)}. {cached_note}"
        ) from exc
    except requests.RequestException as exc:
        raise FingertipsError(f"{label}: the request to {url} failed: {exc}. {cached_note}") from exc
    if response.status_code >= 500:
        raise FingertipsServerError(
            f"{label}: the Fingertips API answered HTTP {response.status_code} (a fault on its side) for {url}. "
            f"Try again later. {cached_note}"
        )
    if response.status_code >= 400:
        raise FingertipsRequestRejected(
            f"{label}: the Fingertips API refused the request (HTTP {response.status_code}: "
            f"{_api_message(response)}). Check the indicator ids, the area type and the parent area code. "
            f"Request: {url}"
        )
    return response.content


def _reason(exc: Exception) -> str:
    text = str(exc)
    if isinstance(exc, requests.Timeout):
        return "no answer in time"
    if any(s in text for s in ("Name or service not known", "getaddrinfo", "NameResolution", "Failed to resolve",
                                "name resolution")):
        return "the name could not be resolved (no internet, or a DNS problem)"
    if "Connection refused" in text or "ECONNREFUSED" in text:
        return "the connection was refused"
    return "no connection"


def _api_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason or "no message"
    if isinstance(body, dict):
        for key in ("ExceptionMessage", "Message", "message", "error"):
            if body.get(key):
                return str(body[key])[:300]
    return str(body)[:300]


def _fetch_bundle(
    label: str,
    queries: Queries,
    parse: Callable[[dict[str, bytes], datetime], T],
    use_cache: Literal["fallback", "never", "only"],
    base_url: str | None,
) -> tuple[T, str, datetime, bool, str | None]:
    """Fetch every query online, parse the answers, and cache them together once they parsed; or answer
    from the cache. Returns the parsed answer, the base address it came from, when, whether from the cache,
    and a notice when a cached copy stands in for a failed fetch.

    ``fallback``: online first; offline, or when the server fails, the cached copy with a notice saying so.
    ``never``: online only (the error says whether a cached copy exists). ``only``: the cache only.
    """
    base = (base_url or settings.fingertips_url()).rstrip("/")
    key = _cache_key(label, queries)
    names = list(queries)
    cached = _load_cache(key, names)
    if use_cache == "only":
        if cached is None:
            raise FingertipsNotCached(
                f"{label}: no cached copy exists; fetch it once while online (the data needs a connection)."
            )
        return parse(cached[0], cached[1]), cached[2], cached[1], True, None
    if cached is not None:
        when = cached[1].strftime("%Y-%m-%d %H:%M UTC")
        cached_note = f"A cached copy fetched on {when} exists" + (
            " (allow the cache to use it)." if use_cache == "never" else " and is shown instead."
        )
    else:
        cached_note = "No cached copy of this request exists yet."
    try:
        bodies = {name: _get(base, path, params, label, cached_note) for name, (path, params) in queries.items()}
    except (FingertipsOffline, FingertipsServerError) as exc:
        if use_cache == "fallback" and cached is not None:
            return parse(cached[0], cached[1]), cached[2], cached[1], True, f"Offline copy. {exc}"
        raise
    for name, body in bodies.items():
        _check_csv(body, label, _full_url(base, *queries[name]))
    fetched_at = datetime.now(UTC).replace(microsecond=0)
    parsed = parse(bodies, fetched_at)
    _save_cache(key, queries, base, bodies, fetched_at)
    return parsed, base, fetched_at, False, None


def cached_copy_date(request: FingertipsRequest) -> datetime | None:
    """When the cached copy of a data request was fetched, or None when there is none."""
    queries = {"data": request.data_query(), "metadata": request.metadata_query()}
    loaded = _load_cache(_cache_key(request.label(), queries), list(queries))
    return loaded[1] if loaded else None


# --- parsing ---------------------------------------------------------------------------------------


def _check_csv(body: bytes, label: str, url: str) -> None:
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


def _area_type_of(code: str) -> str:
    if code == ENGLAND_CODE:
        return "england"
    try:
        return area_kind(code)
    except HiapGeoError:
        return "other"


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
    raw["area_type"] = raw["area_code"].map(_area_type_of)

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
        notes.append(
            f"No metadata came for indicator(s) {', '.join(no_meta)}: unit unknown, polarity taken as no judgement "
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


# --- public API ------------------------------------------------------------------------------------


def fetch_data(
    request: FingertipsRequest,
    use_cache: Literal["fallback", "never", "only"] = "fallback",
    base_url: str | None = None,
) -> FingertipsResult:
    """Indicator data for a request, in the long format, fetched online and cached.

    Offline (or when the API fails with a server error) the cached copy is returned with a note
    saying when it was fetched; without one, ``FingertipsOffline`` says the data needs a connection.
    """
    label = request.label()
    queries = {"data": request.data_query(), "metadata": request.metadata_query()}
    try:
        (data, notes), base, fetched_at, from_cache, notice = _fetch_bundle(
            label, queries, lambda b, when: to_long(b["data"], b["metadata"], request, when, label), use_cache,
            base_url,
        )
    except FingertipsOffline as exc:
        topics = sorted({OFFLINE_TOPICS[i] for i in request.indicator_ids if i in OFFLINE_TOPICS})
        if not topics:
            raise
        advice = " ".join(where_to_get(t, request.area_type) for t in topics)
        raise FingertipsOffline(f"{exc} {advice}") from exc
    url = _full_url(base, *queries["data"])
    return FingertipsResult(data, url, fetched_at, from_cache, tuple(([notice] if notice else []) + notes))


def list_indicators(
    profile_id: int = LOCAL_HEALTH_PROFILE_ID,
    use_cache: Literal["fallback", "never", "only"] = "fallback",
    base_url: str | None = None,
) -> FingertipsResult:
    """The indicators of a profile (Local Health by default): id, name, unit, value type, year type,
    polarity (project terms) and fingertips_polarity (as the API states it)."""
    label = f"Fingertips profile {profile_id} indicator list"
    queries = {"metadata": ("/indicator_metadata/csv/by_profile_id", {"profile_id": str(profile_id)})}

    def parse(bodies: dict[str, bytes], _when: datetime) -> pd.DataFrame:
        meta = parse_metadata(bodies["metadata"], label)
        if meta.empty:
            raise FingertipsNoData(f"{label}: the API lists no indicators for profile {profile_id}; check the id.")
        return meta[["indicator_id", "indicator_name", "unit", "value_type", "year_type", "polarity",
                     "fingertips_polarity"]]

    meta, base, fetched_at, from_cache, notice = _fetch_bundle(label, queries, parse, use_cache, base_url)
    url = _full_url(base, *queries["metadata"])
    return FingertipsResult(meta, url, fetched_at, from_cache, (notice,) if notice else ())
