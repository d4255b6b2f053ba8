"""Fingertips connector against real recorded answers of the Fingertips API, served from 127.0.0.1.

The data CSVs in ``tests/fixtures/fingertips_recorded`` are answers of ``/api/all_data/csv/by_indicator_id``
recorded by the readepi R package's tests (``SOURCES.md`` says where each comes from and how it was trimmed:
whole records only). Expected values are read from the same bytes with the standard ``csv`` module, so a
figure the connector drops, shifts or rounds makes a test fail. No recording of the metadata endpoint
exists, so the metadata answer here is empty: units and polarities are not what these tests check.
"""

from __future__ import annotations

import csv
import io
import math
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from hiap_geo.core.areas import ENGLAND_CODE
from hiap_geo.indicators import fingertips as ft
from hiap_geo.indicators import schema
from tests.loopback import QuietHandler, fingertips_api

RECORDED = Path(__file__).parent / "fixtures" / "fingertips_recorded"
FILES = {
    "20602": "year6_excess_weight_20602_counties_uas.csv",
    "93085": "smoking_at_delivery_93085_counties_uas.csv",
    "93203": "neet_93203_counties_uas.csv",
    "92443": "smoking_adults_92443_england_regions.csv",
}
RECORDED_QUERY = {"child_area_type_id": "202", "parent_area_type_id": "6"}
"""The geography readepi recorded ("Counties & UAs (2019/20)" within regions); 92443 was recorded for
England and regions only, and is served whatever is asked, as the API answers with what it holds."""

LIMITS = {"lower_95": "Lower CI 95.0 limit", "upper_95": "Upper CI 95.0 limit",
          "lower_998": "Lower CI 99.8 limit", "upper_998": "Upper CI 99.8 limit"}
NUMBERS = {"value": "Value", **LIMITS, "count": "Count", "denominator": "Denominator"}
DISTRICT_PREFIXES = ("E06", "E08", "E09")


def recorded_bytes(indicator: str) -> bytes:
    return (RECORDED / FILES[indicator]).read_bytes()


def recorded_records(indicator: str) -> list[dict[str, str]]:
    """The recording as the standard csv module reads it: every field a string, exactly as published."""
    return list(csv.DictReader(io.StringIO(recorded_bytes(indicator).decode("utf-8"))))


def number(text: str) -> float:
    return float(text) if text.strip() else math.nan


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


class RecordedHandler(QuietHandler):
    """Answers the data endpoint with the recording of the indicator asked for (400 for a geography
    that was not recorded), and the metadata endpoint with an empty answer (none was recorded)."""

    requests_seen: list[tuple[str, dict[str, str]]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        url = urllib.parse.urlsplit(self.path)
        params = dict(urllib.parse.parse_qsl(url.query))
        type(self).requests_seen.append((url.path, params))
        if url.path == "/api/all_data/csv/by_indicator_id" and params.get("indicator_ids") in FILES:
            indicator = params["indicator_ids"]
            asked = {k: params.get(k) for k in RECORDED_QUERY}
            if indicator != "92443" and asked != RECORDED_QUERY:
                return self.reply(400, b'{"Message": "not recorded"}', "application/json")
            return self.reply(200, recorded_bytes(indicator), "text/csv")
        if url.path == "/api/indicator_metadata/csv/by_indicator_id":
            return self.reply(200, b"", "text/csv")
        self.send_error(404, "Not Found")



@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HIAP_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def api(cache: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with fingertips_api(RecordedHandler, monkeypatch) as url:
        yield url


def district_request(indicator: str) -> ft.FingertipsRequest:
    """District rows within England, asked in the geography readepi recorded."""
    return ft.FingertipsRequest("district", ENGLAND_CODE, (int(indicator),), child_area_type_id=202,
                                parent_area_type_id=6)


def fetch(indicator: str) -> ft.FingertipsResult:
    result = ft.fetch_data(district_request(indicator))
    path, params = RecordedHandler.requests_seen[0]
    assert path == "/api/all_data/csv/by_indicator_id"
    assert params == {"indicator_ids": indicator, **RECORDED_QUERY, "parent_area_code": ENGLAND_CODE}
    return result


def assert_as_recorded(data: pd.DataFrame, indicator: str,
                       limits_left_out: frozenset[tuple[str, str]] = frozenset()) -> list[dict[str, str]]:
    """Every whole-area district and England record arrives once, with its figures exactly as recorded and
    its area type from its code; nothing else arrives. The records named in ``limits_left_out`` (area code,
    sex) arrive with their value but without limits. Returns those records."""
    records = [r for r in recorded_records(indicator) if r["Category Type"] == ""
               and (r["Area Code"].startswith(DISTRICT_PREFIXES) or r["Area Code"] == ENGLAND_CODE)]
    assert len(data) == len(records)
    split = len({(r["Sex"], r["Age"]) for r in records}) > 1
    by_key = data.set_index(["indicator_id", "area_code", "period"])
    for r in records:
        suffix = f"-{r['Sex']}-{r['Age']}".lower().replace(" ", "-") if split else ""
        row = by_key.loc[(indicator + suffix, r["Area Code"], r["Time period"])]
        for column, heading in NUMBERS.items():
            expected = math.nan if column in LIMITS and (r["Area Code"], r["Sex"]) in limits_left_out \
                else number(r[heading])
            assert same(float(row[column]), expected), (r["Area Code"], r["Sex"], r["Time period"], column)
        assert row["area_type"] == ("england" if r["Area Code"] == ENGLAND_CODE else "district")
        assert row["indicator_name"].startswith(r["Indicator Name"])
    return records


def assert_value_notes_told(notes: list[str], records: list[dict[str, str]]) -> None:
    """The notes count every value note the API attached to the kept records."""
    told = next(n for n in notes if n.startswith("The API attached a value note to "))
    counts = Counter(r["Value note"] for r in records if r["Value note"])
    assert told.startswith(f"The API attached a value note to {sum(counts.values())} rows: ")
    for note, n in counts.items():
        assert f"'{note}' ({n} row{'s' if n > 1 else ''}, e.g. " in told


def test_recorded_child_excess_weight_arrives_with_its_limits(api: str) -> None:
    """20602, Year 6 overweight (including obesity): the finest child obesity recording (county & UA)."""
    result = fetch("20602")
    data = result.data
    schema.validate_indicators(data)  # the project's own long-format schema accepts the real answer
    records = assert_as_recorded(data, "20602")
    assert set(data["indicator_id"]) == {"20602-persons-10-11-yrs", "20602-male-10-11-yrs",
                                         "20602-female-10-11-yrs"}  # England is published by sex too
    districts = data[data["area_type"] == "district"]
    assert districts["area_code"].nunique() == 125 and set(districts["period"]) == {"2020/21", "2021/22"}
    assert set(districts["indicator_id"]) == {"20602-persons-10-11-yrs"}
    key = data.set_index(["indicator_id", "area_code", "period"])
    hackney = key.loc[("20602-persons-10-11-yrs", "E09000012", "2021/22")]
    assert (hackney["value"], hackney["lower_95"], hackney["upper_95"]) == (41.0596, 39.07667, 43.12474)
    assert (hackney["lower_998"], hackney["upper_998"], hackney["count"], hackney["denominator"]) == (
        37.93565, 44.3104, 930, 2265)
    assert pd.isna(key.loc[("20602-persons-10-11-yrs", "E09000001", "2021/22"), "value"])  # in Hackney's
    bcp = key.loc[("20602-persons-10-11-yrs", "E06000058", "2021/22")]  # "Bournemouth, Christchurch and Poole"
    assert (bcp["value"], bcp["upper_998"]) == (33.06122, 35.43575)
    covid_year = data[(data["period"] == "2020/21") & (data["area_type"] == "district")]
    assert covid_year["value"].isna().sum() > 50  # not published for data quality: unknown, never zero
    assert_value_notes_told(result.notes, records)
    assert "'Value for Hackney and City of London combined' (4 rows, e.g. E09000001)" in result.notes[2]
    england = key.loc[("20602-persons-10-11-yrs", ENGLAND_CODE, "2020/21")]
    assert england["count"] == 50828.2237777151  # a fractional (weighted) count, kept as published
    all_records = recorded_records("20602")
    categorised = sum(r["Category Type"] != "" for r in all_records)
    other = Counter(r["Area Type"] for r in all_records if r["Category Type"] == ""
                    and r["Area Code"][:3] in ("E10", "E12"))
    assert result.notes[0].startswith(f"Left out {categorised} rows of inequality breakdowns")
    assert f"{other['Counties & UAs (2019/20)']} Counties & UAs (2019/20), {other['Region']} Region" in result.notes[1]
    assert "No metadata came for indicator 20602: unit unknown" in result.notes[3]
    assert set(data["unit"]) == {""} and set(data["polarity"]) == {"no_judgement"}


def test_recorded_district_smoking_indicator(api: str) -> None:
    """93085, smoking status at time of delivery, by county & UA: district rows with their limits."""
    result = fetch("93085")
    data = result.data
    schema.validate_indicators(data)
    assert_value_notes_told(result.notes, assert_as_recorded(data, "93085"))
    assert set(data["indicator_id"]) == {"93085"} and set(data["period"]) == {"2021/22"}
    assert (data["area_type"] == "district").sum() == 125 and (data["area_type"] == "england").sum() == 1
    key = data.set_index("area_code")
    assert tuple(key.loc["E06000017", ["value", "lower_95", "upper_95", "lower_998", "upper_998"]]) == (
        6.8, 4.07, 11.03, 3.06, 14.28)
    assert (key.loc["E06000017", "count"], key.loc["E06000017", "denominator"]) == (14, 207)
    assert "'Value for Cornwall and Isles of Scilly combined' (2 rows, e.g. E06000052)" in result.notes[2]
    assert pd.isna(key.loc["E06000053", "value"])  # Isles of Scilly: only in Cornwall's figure
    assert result.notes[1].endswith("the long format carries district and England rows here.")
    # the answer was cached with the request and parses the same from the cache
    again = ft.fetch_data(district_request("93085"), use_cache="only")
    assert again.from_cache
    pd.testing.assert_frame_equal(again.data, data)


def test_recorded_neet_limits_that_do_not_contain_the_value(api: str) -> None:
    """93203, NEET 16-17: the API publishes Rutland's 2020 female limits above the value (counts rounded to
    10); the value is kept, those limits are left out and the note says so; every other limit is kept."""
    result = fetch("93203")
    data = result.data
    schema.validate_indicators(data)  # without the fix, 'lower_95 must not exceed value' fails here
    rutland = data.set_index(["indicator_id", "area_code"]).loc[("93203-female-16-17-yrs", "E06000017")]
    assert rutland["value"] == 1.74102285092492
    assert rutland[["lower_95", "upper_95", "lower_998", "upper_998"]].isna().all()
    note = next(n for n in result.notes if "do not contain the value" in n)
    assert "1 row whose" in note and "E06000017 Female 2020: value 1.74102, 95% limits 1.74729 to 5.84936" in note
    records = assert_as_recorded(data, "93203", frozenset({("E06000017", "Female")}))
    assert len(records) == 378
    assert_value_notes_told(result.notes, records)
    key = data.set_index(["indicator_id", "area_code"])
    city = key.loc[("93203-male-16-17-yrs", "E09000001")]
    assert city["value"] == 0 and city["count"] == 0 and city["denominator"] == 30  # a real zero stays zero


def test_recorded_adult_smoking_exists_for_england_and_regions_only(api: str, cache: Path) -> None:
    """92443, adult smoking prevalence (APS): readepi recorded it for England and regions only. Asked for
    districts, that answer is refused as the wrong area type, naming what it holds, and nothing is cached."""
    whole = Counter(r["Area Type"] for r in recorded_records("92443") if r["Category Type"] == "")
    assert set(whole) == {"England", "Region"}
    with pytest.raises(ft.FingertipsWrongAreaType) as err:
        ft.fetch_data(district_request("92443"))
    assert f"only {whole['England']} England, {whole['Region']} Region" in str(err.value)
    assert ft.cached_copy_date(district_request("92443")) is None
    assert not (cache / "fingertips").exists() or not any((cache / "fingertips").iterdir())


@pytest.mark.parametrize("indicator", ["20602", "93085", "93203", "92443"])
def test_recordings_are_the_api_data_csv(indicator: str) -> None:
    """Each fixture still has the API's data header the connector reads, and real data rows."""
    records = recorded_records(indicator)
    assert len(records) > 100 and set(ft.DATA_COLUMNS) <= set(records[0])
    assert {r["Indicator ID"] for r in records} == {indicator}
    assert recorded_bytes(indicator).endswith(b"\r\n")  # as the API sends it: CRLF, untouched
