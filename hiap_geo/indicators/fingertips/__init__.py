"""OHID Fingertips API connector: Local Health indicators for wards, MSOAs and districts.

Reads the API's documented CSV exports (``/all_data/csv/by_indicator_id``, ``/all_data/csv/by_profile_id``
and ``/indicator_metadata/csv/...``) and turns them into the project's long indicator format. Every answer is
cached on disk (``<cache>/fingertips``) with the request and the time it was fetched, because the API is only
reachable online: offline, a cached copy is shown with the date it was fetched, and without one a
``FingertipsOffline`` error says plainly that the data needs a connection. Rows it makes have ``origin``
'fingertips'.

The flow, one module each: ``request`` (what is asked, what comes back, the named errors) -> ``_http`` (the
one download path) -> ``cache`` (answers on disk) -> ``parse`` (CSV to the long format) -> ``connector``
(fetch, parse, cache).
"""

from hiap_geo.indicators.fingertips.cache import cache_root
from hiap_geo.indicators.fingertips.connector import cached_copy_date, fetch_data, list_indicators
from hiap_geo.indicators.fingertips.parse import DATA_COLUMNS, map_polarity, parse_metadata, to_long
from hiap_geo.indicators.fingertips.request import (
    AREA_TYPE_IDS,
    CHILD_AREA_TYPES,
    LOCAL_HEALTH_PROFILE_ID,
    FingertipsError,
    FingertipsFormatError,
    FingertipsNoData,
    FingertipsNotCached,
    FingertipsOffline,
    FingertipsRequest,
    FingertipsRequestRejected,
    FingertipsResult,
    FingertipsServerError,
    FingertipsWrongAreaType,
)

__all__ = [
    "AREA_TYPE_IDS", "CHILD_AREA_TYPES", "DATA_COLUMNS", "LOCAL_HEALTH_PROFILE_ID", "FingertipsError",
    "FingertipsFormatError", "FingertipsNoData", "FingertipsNotCached", "FingertipsOffline", "FingertipsRequest",
    "FingertipsRequestRejected", "FingertipsResult", "FingertipsServerError", "FingertipsWrongAreaType",
    "cache_root", "cached_copy_date", "fetch_data", "list_indicators", "map_polarity", "parse_metadata", "to_long",
]
