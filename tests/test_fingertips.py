"""Fingertips connector against a local HTTP server that answers in the API's documented CSV format.

The server's rows are test fixtures (made-up values on real-looking codes), shaped exactly like the
API's export: the data CSV header of ``/all_data/csv/...`` and the metadata CSV header of
``/indicator_metadata/csv/...``. Nothing here reaches the real API.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import urllib.parse
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from hiap_geo.cli import main
from hiap_geo.indicators import fingertips as ft
from hiap_geo.indicators import schema
from tests.loopback import QuietHandler, fingertips_api

DATA_HEADER = [
    "Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name", "Area Type", "Sex",
    "Age", "Category Type", "Category", "Time period", "Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit",
    "Lower CI 99.8 limit", "Upper CI 99.8 limit", "Count", "Denominator", "Value note", "Recent Trend",
    "Compared to England value or percentiles", "Compared to Districts & UAs (from Apr 2023) value or percentiles",
    "Time period Sortable", "New data", "Compared to goal", "Time period range",
]
META_HEADER = [
    "Indicator ID", "Indicator", "Definition", "Rationale", "Data source", "Indicator production",
    "Indicator source", "Methodology", "Standard population/values", "Confidence interval details",
    "Source of numerator", "Definition of numerator", "Source of denominator", "Definition of denominator",
    "Disclosure control", "Caveats", "Copyright", "Data re-use", "Links", "Indicator number", "Notes", "Frequency",
    "Rounding", "Data quality", "Indicator Content", "Specific rationale", "Unit", "Value type", "Year type",
    "Polarity",
]
OBESITY = "Obese children (Year 6), 3 years data combined"
LIFE = "Life expectancy at birth, (upper age band 90 and over)"
WARDS = {"E05015813": "Sherwood", "E05015806": "Park"}
TW = "E07000116"
KENT = "E10000016"


def data_row(ind: str, name: str, code: str, area: str, area_type: str, value: str, **extra: str) -> dict[str, str]:
    row = dict.fromkeys(DATA_HEADER, "")
    row.update({
        "Indicator ID": ind, "Indicator Name": name, "Parent Code": TW, "Parent Name": "Tunbridge Wells",
        "Area Code": code, "Area Name": area, "Area Type": area_type, "Sex": "Persons", "Age": "Year 6 age",
        "Time period": "2020/21 - 22/23", "Value": value, "Count": "42", "Denominator": "300",
        "Compared to England value or percentiles": "Similar", "Time period Sortable": "20200000",
    })
    if value:  # limits around the value, as the API gives them (the widths are made up)
        v = float(value)
        row.update({"Lower CI 95.0 limit": f"{v - 3.9:.1f}", "Upper CI 95.0 limit": f"{v + 4.1:.1f}",
                    "Lower CI 99.8 limit": f"{v - 5.8:.1f}", "Upper CI 99.8 limit": f"{v + 8.6:.1f}"})
    row.update(extra)
    return row


def obesity_rows() -> list[dict[str, str]]:
    rows = [data_row("93108", OBESITY, "E92000001", "England", "England", "22.5", **{"Parent Code": "", "Count": ""})]
    rows.append(data_row("93108", OBESITY, KENT, "Kent", "Counties & UAs (from Apr 2023)", "21.0"))
    rows.append(data_row("93108", OBESITY, TW, "Tunbridge Wells", "Districts & UAs (from Apr 2023)", "15.2"))
    rows += [data_row("93108", OBESITY, c, n, "Ward", v) for (c, n), v in zip(WARDS.items(), ["14.0", ""], strict=True)]
    rows.append(data_row("93108", OBESITY, "E05015813", "Sherwood", "Ward", "19.0",
                         **{"Category Type": "Deprivation deciles", "Category": "Most deprived decile"}))
    return rows


def life_rows() -> list[dict[str, str]]:
    rows = []
    for sex, value in (("Male", "79.1"), ("Female", "83.4")):
        for code, area, kind in (("E92000001", "England", "England"), ("E05015813", "Sherwood", "Ward"),
                                 ("E05015806", "Park", "Ward")):
            rows.append(data_row("93283", LIFE, code, area, kind, value, Sex=sex, Age="All ages",
                                 **{"Time period": "2016 - 20", "Count": "", "Denominator": ""}))
    return rows


def district_rows() -> list[dict[str, str]]:
    return [data_row("91000", "Only published for districts", "E92000001", "England", "England", "5.0"),
            data_row("91000", "Only published for districts", TW, "Tunbridge Wells", "Districts & UAs (from Apr 2023)",
                     "4.0")]


META = {
    "93108": {"Indicator": OBESITY, "Unit": "%", "Value type": "Proportion", "Polarity": "RAG - Low is good   "},
    "93283": {"Indicator": LIFE, "Unit": "years", "Value type": "Life expectancy", "Polarity": "RAG - High is good  "},
    "91000": {"Indicator": "Only published for districts", "Unit": "", "Value type": "Crude rate",
              "Polarity": "BOB - Blue orange blue"},
}


def csv_text(header: list[str], rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def meta_csv(ids: list[str]) -> bytes:
    rows = []
    for i in ids:
        if i in META:
            row = dict.fromkeys(META_HEADER, "")
            row.update({"Indicator ID": i, **META[i], "Year type": "Financial"})
            rows.append(row)
    return csv_text(META_HEADER, rows)


class FingertipsHandler(QuietHandler):
    """Answers like the API. Indicator 90000: header only. 91000: districts only (not at ward level).
    92000: HTTP 500. 93000: HTTP 400 with the API's JSON error. 94000: an HTML proxy page."""

    requests_seen: list[tuple[str, dict[str, str]]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        url = urllib.parse.urlsplit(self.path)
        params = dict(urllib.parse.parse_qsl(url.query))
        type(self).requests_seen.append((url.path, params))
        path = url.path.removeprefix("/api")
        ids = params.get("indicator_ids", "").split(",")
        if path == "/all_data/csv/by_indicator_id":
            if params.get("child_area_type_id") not in ("8", "3", "501"):
                return self.reply(400, json.dumps({"Message": "An error has occurred.",
                                                   "ExceptionMessage": "Unknown area type"}).encode(), "json")
            if "92000" in ids:
                return self.send_error(500, "Internal Server Error")
            if "93000" in ids:
                return self.reply(400, b'{"Message": "The request is invalid."}', "json")
            if "94000" in ids:
                return self.reply(200, b"<!DOCTYPE html><html><body>Sign in to the network</body></html>", "html")
            rows = {"93108": obesity_rows(), "93283": life_rows(), "91000": district_rows()}
            return self.reply(200, csv_text(DATA_HEADER, [r for i in ids for r in rows.get(i, [])]))
        if path == "/all_data/csv/by_profile_id" and params.get("profile_id") == "143":
            return self.reply(200, csv_text(DATA_HEADER, obesity_rows() + life_rows()))
        if path == "/indicator_metadata/csv/by_indicator_id":
            return self.reply(200, meta_csv(ids))
        if path == "/indicator_metadata/csv/by_profile_id" and params.get("profile_id") == "143":
            return self.reply(200, meta_csv(["93108", "93283"]))
        if path == "/indicator_metadata/csv/by_profile_id":
            return self.reply(200, meta_csv([]))
        self.send_error(404, "Not Found")

    def reply(self, status: int, body: bytes, kind: str = "csv") -> None:
        super().reply(status, body, {"csv": "text/csv", "json": "application/json", "html": "text/html"}[kind])


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HIAP_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def api(cache: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A local Fingertips look-alike; HIAP_FINGERTIPS_URL points at it."""
    with fingertips_api(FingertipsHandler, monkeypatch) as url:
        yield url


@pytest.fixture
def dead_url() -> str:
    """An address on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api"


def obesity_request() -> ft.FingertipsRequest:
    return ft.FingertipsRequest("ward", TW, indicator_ids=(93108,))


def test_good_response_becomes_the_long_format(api: str) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    result = ft.fetch_data(obesity_request())
    data = result.data
    assert list(data.columns) == [*schema.COLUMNS, "origin"]
    assert (data["origin"] == "fingertips").all()
    assert not result.from_cache and result.fetched_at >= before
    # the documented query: ward (8) within a district (501) named by its code
    path, params = FingertipsHandler.requests_seen[0]
    assert path == "/api/all_data/csv/by_indicator_id"
    assert params == {"indicator_ids": "93108", "child_area_type_id": "8", "parent_area_type_id": "501",
                      "parent_area_code": TW}
    by_code = data.set_index("area_code")
    assert sorted(by_code.index) == ["E05015806", "E05015813", TW, "E92000001"]
    assert by_code.loc["E05015813", "area_type"] == "ward" and by_code.loc[TW, "area_type"] == "district"
    assert by_code.loc["E92000001", "area_type"] == "england"
    sherwood = by_code.loc["E05015813"]
    assert sherwood["value"] == 14.0 and sherwood["lower_95"] == 10.1 and sherwood["upper_998"] == 22.6
    assert sherwood["upper_95"] == 18.1 and sherwood["lower_998"] == 8.2
    assert sherwood["count"] == 42 and sherwood["denominator"] == 300 and sherwood["period"] == "2020/21 - 22/23"
    assert sherwood["unit"] == "%" and sherwood["polarity"] == "low_is_good"
    assert sherwood["indicator_id"] == "93108" and sherwood["indicator_name"] == OBESITY
    assert sherwood["source"] == "OHID Fingertips" and sherwood["vintage"] == f"fetched {result.fetched_at:%Y-%m-%d}"
    assert pd.isna(by_code.loc["E05015806", "value"])  # suppressed in the answer: kept as unknown, not zero
    assert pd.isna(by_code.loc["E92000001", "count"])
    # the inequality breakdown and the county row are left out, and the notes say so
    assert "Left out 1 row of inequality breakdowns" in result.notes[0]
    assert "1 Counties & UAs (from Apr 2023)" in result.notes[1]
    schema.validate_indicators(data)  # the project's own long-format schema accepts it


def test_sex_splits_become_separate_indicators_and_profile_fetch(api: str) -> None:
    result = ft.fetch_data(ft.FingertipsRequest("ward", TW, profile_id=ft.LOCAL_HEALTH_PROFILE_ID))
    path, params = FingertipsHandler.requests_seen[0]
    assert path == "/api/all_data/csv/by_profile_id" and params["profile_id"] == "143"
    data = result.data
    life = data[data["indicator_id"].str.startswith("93283")]
    assert sorted(life["indicator_id"].unique()) == ["93283-female-all-ages", "93283-male-all-ages"]
    assert f"{LIFE} (Female, All ages)" in set(life["indicator_name"])
    assert set(life["polarity"]) == {"high_is_good"} and set(life["unit"]) == {"years"}
    assert not data.duplicated(["indicator_id", "area_code", "period"]).any()
    assert (data["source"] == "OHID Fingertips, profile 143").all()
    schema.validate_indicators(data)


def test_list_indicators_of_local_health(api: str) -> None:
    result = ft.list_indicators()
    assert result.data["indicator_id"].tolist() == ["93108", "93283"]
    assert result.data["polarity"].tolist() == ["low_is_good", "high_is_good"]
    assert FingertipsHandler.requests_seen[0] == ("/api/indicator_metadata/csv/by_profile_id", {"profile_id": "143"})
    with pytest.raises(ft.FingertipsNoData, match="profile 999"):
        ft.list_indicators(999)


def test_empty_response_says_there_is_no_data_and_caches_nothing(api: str, cache: Path) -> None:
    with pytest.raises(ft.FingertipsNoData, match="no data for this request.*ward level"):
        ft.fetch_data(ft.FingertipsRequest("ward", TW, indicator_ids=(90000,)))
    assert not ft.cache_root().exists() or not any(ft.cache_root().rglob("request.json"))


def test_wrong_area_type_in_the_answer(api: str) -> None:
    # The API answers, but only with district and England rows: the indicator has no ward data.
    with pytest.raises(ft.FingertipsWrongAreaType, match=r"no ward rows, only 1 Districts & UAs \(from Apr 2023\), "
                                                         r"1 England.*not published at ward level"):
        ft.fetch_data(ft.FingertipsRequest("ward", TW, indicator_ids=(91000,)))
    # The same indicator at district level within Kent is fine.
    data = ft.fetch_data(ft.FingertipsRequest("district", KENT, indicator_ids=(91000,))).data
    assert FingertipsHandler.requests_seen[-2][1]["parent_area_type_id"] == "502"
    assert set(data["area_type"]) == {"district", "england"}
    assert set(data["polarity"]) == {"no_judgement"} and set(data["unit"]) == {"Crude rate"}


def test_area_type_the_api_rejects(api: str) -> None:
    request = ft.FingertipsRequest("ward", TW, indicator_ids=(93108,), child_area_type_id=9999)
    with pytest.raises(ft.FingertipsRequestRejected, match="HTTP 400: Unknown area type"):
        ft.fetch_data(request)
    with pytest.raises(ft.FingertipsRequestRejected, match="The request is invalid"):
        ft.fetch_data(ft.FingertipsRequest("ward", TW, indicator_ids=(93000,)))


def test_requests_that_make_no_sense_are_refused_before_any_call() -> None:
    with pytest.raises(ft.FingertipsError, match="lsoa.*not one this connector fetches"):
        ft.FingertipsRequest("lsoa", TW, indicator_ids=(1,))
    with pytest.raises(ft.FingertipsError, match="E05015813' is a ward code"):
        ft.FingertipsRequest("ward", "E05015813", indicator_ids=(1,))
    with pytest.raises(ft.FingertipsError, match="district data can be fetched within a county or England"):
        ft.FingertipsRequest("district", TW, indicator_ids=(1,))
    with pytest.raises(ft.FingertipsError, match="at least one"):
        ft.FingertipsRequest("ward", TW)
    with pytest.raises(ft.FingertipsError, match="not a parent area code"):
        ft.FingertipsRequest("ward", "Kent", indicator_ids=(1,))


def test_server_error_without_a_cache(api: str) -> None:
    request = ft.FingertipsRequest("ward", TW, indicator_ids=(92000,))
    with pytest.raises(ft.FingertipsServerError, match="HTTP 500.*Try again later. No cached copy"):
        ft.fetch_data(request)


def test_proxy_page_is_not_taken_for_data(api: str) -> None:
    with pytest.raises(ft.FingertipsFormatError, match="not a CSV file.*proxy or login page"):
        ft.fetch_data(ft.FingertipsRequest("ward", TW, indicator_ids=(94000,)))


def test_offline_without_a_cache(cache: Path, dead_url: str) -> None:
    with pytest.raises(ft.FingertipsOffline) as err:
        ft.fetch_data(obesity_request(), base_url=dead_url)
    message = str(err.value)
    assert "needs a connection to the Fingertips API" in message and "connection was refused" in message
    assert "No cached copy of this request exists yet" in message
    with pytest.raises(ft.FingertipsNotCached, match="needs a connection"):
        ft.fetch_data(obesity_request(), use_cache="only")


def test_offline_with_a_cache_shows_the_cached_copy_and_its_date(api: str, dead_url: str) -> None:
    online = ft.fetch_data(obesity_request())
    offline = ft.fetch_data(obesity_request(), base_url=dead_url)
    assert offline.from_cache and offline.fetched_at == online.fetched_at and offline.url == online.url
    pd.testing.assert_frame_equal(offline.data, online.data)
    assert offline.notes[0].startswith("Offline copy.")
    assert f"A cached copy fetched on {online.fetched_label()} exists and is shown instead" in offline.notes[0]
    assert ft.cached_copy_date(obesity_request()) == online.fetched_at
    # asked not to use the cache, it says a copy exists and when it was fetched
    with pytest.raises(ft.FingertipsOffline, match=f"A cached copy fetched on {online.fetched_label()} exists"):
        ft.fetch_data(obesity_request(), use_cache="never", base_url=dead_url)
    # the cache alone answers without any network call
    seen = len(FingertipsHandler.requests_seen)
    assert ft.fetch_data(obesity_request(), use_cache="only").from_cache
    assert len(FingertipsHandler.requests_seen) == seen


def test_server_error_falls_back_to_the_cache_and_says_why(api: str, monkeypatch: pytest.MonkeyPatch) -> None:
    online = ft.fetch_data(obesity_request())
    monkeypatch.setattr(FingertipsHandler, "do_GET", lambda self: self.send_error(503, "Service Unavailable"))
    result = ft.fetch_data(obesity_request())
    assert result.from_cache and "HTTP 503" in result.notes[0] and online.fetched_label() in result.notes[0]


def test_a_tampered_cache_is_not_used(api: str, dead_url: str) -> None:
    ft.fetch_data(obesity_request())
    (data_file,) = ft.cache_root().rglob("data.csv")
    data_file.write_bytes(data_file.read_bytes().replace(b"14.0", b"99.0"))
    with pytest.raises(ft.FingertipsOffline, match="No cached copy"):
        ft.fetch_data(obesity_request(), base_url=dead_url)


DAMAGED_RECORDS = {
    "empty object": lambda record: {},
    "a list": lambda record: [1, 2],
    "date not a date": lambda record: {**record, "fetched_at": "yesterday"},
    "date missing": lambda record: {k: v for k, v in record.items() if k != "fetched_at"},
    "checksums not a table": lambda record: {**record, "sha256": "x"},
}


@pytest.mark.parametrize("damage", DAMAGED_RECORDS.values(), ids=DAMAGED_RECORDS.keys())
def test_a_damaged_cache_record_counts_as_absent(api: str, dead_url: str, damage: Callable[[dict], object],
                                                 caplog: pytest.LogCaptureFixture) -> None:
    """A record torn or edited by hand is no copy at all: the user is told none exists, not shown a traceback."""
    ft.fetch_data(obesity_request())
    (record,) = ft.cache_root().rglob("request.json")
    record.write_text(json.dumps(damage(json.loads(record.read_text()))))
    with caplog.at_level("WARNING", logger="hiap_geo.indicators.fingertips"), \
            pytest.raises(ft.FingertipsOffline, match="No cached copy"):
        ft.fetch_data(obesity_request(), base_url=dead_url)
    assert "treated as absent" in caplog.text


def test_name_not_resolved_and_timeout_are_offline(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(*_args: object, **_kwargs: object) -> list[object]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with monkeypatch.context() as patch:
        patch.setattr(socket, "getaddrinfo", no_dns)
        with pytest.raises(ft.FingertipsOffline, match="could not be resolved"):
            ft.fetch_data(obesity_request(), base_url="http://fingertips.example/api")
    silent = socket.socket()  # accepts connections (backlog) but never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    monkeypatch.setattr(ft._http, "READ_TIMEOUT_S", 0.5)
    try:
        with pytest.raises(ft.FingertipsOffline, match="no answer in time"):
            ft.fetch_data(obesity_request(), base_url=f"http://127.0.0.1:{silent.getsockname()[1]}/api")
    finally:
        silent.close()


def test_changed_format_is_reported(api: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def renamed(self: FingertipsHandler) -> None:
        body = csv_text(DATA_HEADER, obesity_rows()).replace(b"Lower CI 95.0 limit", b"Lower CI 95 limit")
        self.reply(200, body)

    monkeypatch.setattr(FingertipsHandler, "do_GET", renamed)
    with pytest.raises(ft.FingertipsFormatError, match="'Lower CI 95.0 limit'.*format may have changed"):
        ft.fetch_data(obesity_request())


def test_cli_fetches_and_lists(api: str, dead_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "obesity.csv"
    assert main(["fingertips", "data", "--indicator", "93108", "--area-type", "ward", "--parent", TW,
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "4 rows" in printed and "2 ward" in printed and "Left out 1 row of inequality" in printed
    assert list(pd.read_csv(out).columns) == [*schema.COLUMNS, "origin"]
    assert main(["fingertips", "indicators"]) == 0
    assert "93108" in capsys.readouterr().out
    monkeypatch.setenv("HIAP_FINGERTIPS_URL", dead_url)
    assert main(["fingertips", "data", "--indicator", "93108", "--area-type", "ward", "--parent", TW]) == 0
    assert "cached copy fetched on" in capsys.readouterr().out
    assert main(["fingertips", "data", "--indicator", "93108", "--area-type", "msoa", "--parent", TW]) == 2
    assert "needs a connection" in capsys.readouterr().err


def test_offline_ward_obesity_says_what_to_download_and_how_to_upload(cache: Path, dead_url: str) -> None:
    with pytest.raises(ft.FingertipsOffline) as err:
        ft.fetch_data(obesity_request(), base_url=dead_url)
    message = str(err.value)
    assert "child-obesity-and-excess-weight-small-area-level-data" in message  # the OHID small-area NCMP file
    assert "python -m hiap_geo upload check" in message and "Add your own indicator" in message
    assert "ONS Health Index" in message  # what HIAP Geo has offline: district only


def test_missing_metadata_is_told_in_words_with_the_right_plural() -> None:
    """'No metadata came for indicator 93108' for one, 'for 2 indicators (93108, 93283)' for two: not 'indicator(s)'."""
    from hiap_geo.indicators.fingertips.parse import to_long

    fetched = datetime.now(UTC)
    _, one = to_long(csv_text(DATA_HEADER, obesity_rows()), meta_csv([]), obesity_request(), fetched)
    both = ft.FingertipsRequest("ward", TW, indicator_ids=(93108, 93283))
    _, two = to_long(csv_text(DATA_HEADER, obesity_rows() + life_rows()), meta_csv([]), both, fetched)
    assert any(n.startswith("No metadata came for indicator 93108: unit unknown") for n in one), one
    assert any(n.startswith("No metadata came for 2 indicators (93108, 93283): units unknown") for n in two), two
    assert not any("(s)" in n for n in one + two)
