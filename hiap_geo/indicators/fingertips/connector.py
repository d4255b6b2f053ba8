"""Fetch online, parse, then cache; or answer from the cache: what the CLI and the Indicators page call."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal, TypeVar

import pandas as pd

from hiap_geo.core import settings
from hiap_geo.indicators.availability import where_to_get
from hiap_geo.indicators.fingertips import _http, cache
from hiap_geo.indicators.fingertips.cache import Queries
from hiap_geo.indicators.fingertips.parse import check_csv, parse_metadata, to_long
from hiap_geo.indicators.fingertips.request import (
    LOCAL_HEALTH_PROFILE_ID,
    OFFLINE_TOPICS,
    FingertipsNoData,
    FingertipsNotCached,
    FingertipsOffline,
    FingertipsRequest,
    FingertipsResult,
    FingertipsServerError,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


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
    key = cache.cache_key(label, queries)
    names = list(queries)
    cached = cache.load(key, names)
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
        bodies = {name: _http.get(base, path, params, label, cached_note) for name, (path, params) in queries.items()}
    except (FingertipsOffline, FingertipsServerError) as exc:
        if use_cache == "fallback" and cached is not None:
            log.info("%s: online fetch failed (%s); the cached copy stands in", label, type(exc).__name__)
            return parse(cached[0], cached[1]), cached[2], cached[1], True, f"Offline copy. {exc}"
        raise
    for name, body in bodies.items():
        check_csv(body, label, _http.full_url(base, *queries[name]))
    fetched_at = datetime.now(UTC).replace(microsecond=0)
    parsed = parse(bodies, fetched_at)
    cache.save(key, queries, base, bodies, fetched_at)
    return parsed, base, fetched_at, False, None


def cached_copy_date(request: FingertipsRequest) -> datetime | None:
    """When the cached copy of a data request was fetched, or None when there is none."""
    queries = {"data": request.data_query(), "metadata": request.metadata_query()}
    loaded = cache.load(cache.cache_key(request.label(), queries), list(queries))
    return loaded[1] if loaded else None


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
    url = _http.full_url(base, *queries["data"])
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
    url = _http.full_url(base, *queries["metadata"])
    return FingertipsResult(meta, url, fetched_at, from_cache, (notice,) if notice else ())
