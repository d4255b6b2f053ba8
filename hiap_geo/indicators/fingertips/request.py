"""What the Fingertips connector is asked and what it answers: the request, the result and the named errors.

The bottom module of the package: the HTTP, cache, parsing and connector modules all import it, and it
imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from hiap_geo.core.areas import ENGLAND_CODE, area_kind
from hiap_geo.core.errors import HiapGeoError

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


def area_type_of(code: str) -> str:
    """The project's area type of a code Fingertips returns ('ward', 'district', 'england'...), or 'other'."""
    if code == ENGLAND_CODE:
        return "england"
    try:
        return area_kind(code)
    except HiapGeoError:
        return "other"


def _parent_kind(code: str) -> str:
    kind = area_type_of(code)
    if kind == "other":
        raise FingertipsError(
            f"'{code}' is not a parent area code: use a district (E06-E09), a county (E10/E11) or England "
            f"({ENGLAND_CODE})."
        )
    return kind


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
