"""The connector's one download path: a GET with timeouts whose failures become named errors a user can act on
(offline, refused, server error), each saying whether a cached copy exists."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import requests

from hiap_geo.indicators.fingertips.request import (
    FingertipsError,
    FingertipsOffline,
    FingertipsRequestRejected,
    FingertipsServerError,
)

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 180.0



def full_url(base_url: str, path: str, params: Mapping[str, str]) -> str:
    return requests.Request("GET", base_url + path, params=dict(params)).prepare().url or base_url + path


def get(base_url: str, path: str, params: Mapping[str, str], label: str, cached_note: str) -> bytes:
    """One GET; network and HTTP failures become named errors that say whether a cached copy exists."""
    url = full_url(base_url, path, params)
    log.info("Fingertips download: %s", url)
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
    if response.status_code >= 400:
        log.warning("Fingertips answered HTTP %s for %s", response.status_code, url)
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
