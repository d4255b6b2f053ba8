"""The Indicators and Targeting pages: AppTest for each widget and the bad states, then one offline
headless-browser test per page that counts the map's shapes and reads its legend."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect
from streamlit.testing.v1 import AppTest

from hiap_geo.core import settings
from tests.browser_support import ARTIFACTS, block_internet, map_box, map_frame
from tests.loopback import fingertips_api

pytestmark = pytest.mark.integration

TW, SEVENOAKS = "E07000116", "E07000111"
INDICATORS, TARGETING = "app/pages/indicators.py", "app/pages/targeting.py"


def page(path: str, **state: object) -> AppTest:
    at = AppTest.from_file(str(settings.PROJECT_ROOT / "app.py"), default_timeout=180)
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(path)
    return at.run()


def plain(text: str) -> str:
    """What a reader sees of escaped Markdown: backslash escapes and invisible joiners removed."""
    return re.sub(r"\\(.)", r"\1", text).replace("\u2060", "")


def texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.title, *at.header, *at.subheader, *at.markdown, *at.caption)]
    parts += [e.value for e in (*at.warning, *at.info, *at.error, *at.success)]
    return plain("\n".join(str(p) for p in parts))


class Payload(dict):
    """The map component's payload; ``text in payload`` searches its legend and tooltip values."""

    def __contains__(self, text: object) -> bool:
        return str(text) in json.dumps([self["legend"], self["v"], self["label"]], ensure_ascii=False)


def map_script(at: AppTest) -> Payload:
    """The map component's payload (colours, tooltip values 'v', classes 'k', legend) as the browser receives it:
    no geometry, which goes in files named by their content."""
    maps = [json.loads(c.proto.json) for c in at.get("bidi_component")]
    maps = [m for m in maps if "legend" in m]
    assert len(maps) == 1, f"expected one map, found {len(maps)}"
    return Payload(maps[0])


def map_info(payload: dict) -> dict[str, list]:
    """The map's per-area arrays: code and name (from its areas file), tooltip value text 'v', class 'k'."""
    from app.map_component import MAPS_DIR

    areas = json.loads((MAPS_DIR / Path(payload["names"]).name).read_text())["areas"]  # names in their own file
    return {"code": areas["code"], "name": areas["name"], "v": payload["v"], "k": payload["k"]}


def area_count(payload: dict) -> int:
    return len(payload["k"])


def coloured(payload: dict) -> int:
    """Areas drawn in a colour (not the grey of 'no data' or 'left out')."""
    return sum(k >= 0 for k in payload["k"])


@pytest.fixture(scope="module")
def tw_layers(kent: str) -> dict[str, pd.DataFrame]:
    from hiap_geo.geo.layers import load_layer
    from hiap_geo.views.explorer import areas_of

    return {lv: areas_of(load_layer(kent, lv, 2025), lv, 2025, (TW,)) for lv in ("lsoa", "ward")}


def page_html(at: AppTest) -> list[str]:
    """The page's own st.html blocks, without the stylesheet app.py adds on every page."""
    return [h.proto.body for h in at.html if not h.proto.body.startswith("<style>")]


# --- Indicators page ------------------------------------------------------------------------------


def test_indicators_page_opens_on_an_lsoa_indicator_with_limits(kent: str) -> None:
    at = page(INDICATORS)
    assert not at.exception
    assert "Disabled under the Equality Act (Census 2021) (%) · 69 LSOAs (LSOA 2021), 2021" in texts(at)
    script = map_script(at)
    assert area_count(script) == 69
    assert "(worst)" in script and "(best)" in script
    tips = dict(zip(map_info(script)["code"], map_info(script)["v"], strict=True))
    assert all(" · England: " in t and " · district: " in t for t in tips.values())
    assert at.dataframe[0].value.shape[0] == 69
    assert any("white-space:normal" in h.proto.body for h in at.html)  # long tooltips wrap inside the map
    assert {"lower limit", "upper limit", "count", "denominator", "compared with England",
            "compared with district"} <= set(at.dataframe[0].value.columns)
    assert page_html(at) == []  # a first visit computes no spine chart (England's ranges): its tab is closed
    at.session_state["ind_tab"] = "Spine chart"
    spines = page_html(at.run())  # besides the app's accessibility stylesheet (app/style.py)
    assert len(spines) == 1 and spines[0].count('class="spine-row"') >= 25


def test_a_first_visit_reads_only_the_chosen_indicator(kent: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 25: the first visit computes what the map and the table show (the catalogue and the chosen indicator:
    its own aggregates, no county's), not every source nor England's ranges for the spine chart; those when their
    tab is opened."""
    import hiap_geo.indicators.aggregate
    import hiap_geo.indicators.readers
    import hiap_geo.indicators.spine
    from app.indicator_sections import england_ranges, source_rows
    from app.loaders import indicator_data

    calls: list[str] = []
    for module, name in ((hiap_geo.indicators.readers, "load_indicators"),
                         (hiap_geo.indicators.readers, "qof_indicators"),
                         (hiap_geo.indicators.spine, "england_distribution"),
                         (hiap_geo.indicators.aggregate, "county_indicators")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _real=real, _name=name, **k: calls.append(_name) or _real(*a, **k))
    for cached in (indicator_data, england_ranges, source_rows):
        cached.clear()
    at = page(INDICATORS)
    assert not at.exception and map_script(at)["k"] and at.dataframe[0].value.shape[0] == 69
    assert calls == [], calls
    rows = source_rows((TW,), "lsoa", "census21_disability")
    assert set(rows["indicator_id"]) == {"census21_disability"} and "county" not in set(rows["area_type"])
    at.session_state["ind_tab"] = "Spine chart"
    at.run()
    assert "load_indicators" in calls and "england_distribution" in calls and not at.exception


def test_a_first_visit_imports_nothing_for_other_tabs(kent: str) -> None:
    """Issue 25: a new server's first Indicators visit imports neither what closed tabs draw with (Altair, the
    Fingertips connector) nor mapclassify (SciPy, scikit-learn) to class the map: about 2 s of imports."""
    import subprocess
    import sys

    script = ("import sys; from streamlit.testing.v1 import AppTest; "
              f"at = AppTest.from_file({str(settings.PROJECT_ROOT / 'app.py')!r}, default_timeout=180); "
              f"at.switch_page({INDICATORS!r}); at.run(); assert not at.exception, at.exception; "
              "print(sorted(m for m in ('altair', 'hiap_geo.indicators.fingertips', 'mapclassify', 'scipy', "
              "'sklearn') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                         cwd=settings.PROJECT_ROOT)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1] == "[]"


def test_the_pages_choices_are_the_lists_choices_in_every_run(kent: str) -> None:
    """As the Plan page's plan (app/widget_state.held_index): a browser drawing the lists from a later run than the
    one that chose their values shows those values, not the first of each list."""
    at = page(INDICATORS, ind_indicator="hi_cancer")
    at.radio(key="ind_confidence").set_value("998").run()  # a later run, in which the page sets nothing
    assert not at.exception
    box, level = at.selectbox(key="ind_indicator"), at.radio(key="ind_level")
    assert box.value == "hi_cancer" and box.proto.default == box.options.index(box.format_func("hi_cancer")) > 0
    assert level.proto.default == level.options.index(level.format_func(level.value))


def test_colour_by_comparison_and_confidence(kent: str) -> None:
    at = page(INDICATORS, ind_colour="england")
    script = map_script(at)
    assert "compared with England (95% confidence)" in script and "Worse (95%)" in script
    lower_95 = at.dataframe[0].value.set_index("code")["lower limit"]
    at.radio(key="ind_confidence").set_value("998").run()
    script = map_script(at)
    assert "compared with England (99.8% confidence)" in script and "Better (99.8%)" in script
    lower_998 = at.dataframe[0].value.set_index("code")["lower limit"]
    assert (lower_998 < lower_95).all()  # the wider interval
    at.radio(key="ind_colour").set_value("district").run()
    assert "compared with its district (99.8% confidence)" in map_script(at)
    assert not at.exception


def test_levels_the_indicator_has_and_a_level_it_lacks(kent: str) -> None:
    at = page(INDICATORS, ind_level="ward")
    assert "· 14 Wards (Ward 2024 (best fit)), 2021" in texts(at)
    at.radio(key="ind_level").set_value("district").run()
    assert "· 1 District (LAD 2024), 2021" in texts(at)
    assert at.radio(key="ind_colour").options == ["Value", "Compared with England"]  # no district to compare with
    # Census general health is published for MSOAs (and districts) only: a chosen level it has is kept...
    at.selectbox(key="ind_indicator").set_value("census21_bad_health").run()
    assert at.radio(key="ind_level").value == "district"
    # ...one it lacks (wards) gives way to its finest level (the sidebar has no Geography on this page: issue 24).
    at.selectbox(key="ind_indicator").set_value("census21_disability").run()
    at.radio(key="ind_level").set_value("ward").run()
    at.selectbox(key="ind_indicator").set_value("census21_bad_health").run()
    assert at.radio(key="ind_level").value == "msoa"
    assert "14 MSOAs (MSOA 2021)" in texts(at) and area_count(map_script(at)) == 14
    assert "no confidence limits" not in texts(at)
    at.radio(key="ind_colour").set_value("england").run()
    assert "has no confidence limits" in texts(at) and "Not compared" in map_script(at)
    assert not at.exception


def test_periods_msoa_2011_and_health_index(kent: str) -> None:
    at = page(INDICATORS, ind_indicator="dwp_children_low_income_count", ind_level="msoa")
    assert at.selectbox(key="ind_period").value == "2021/22 (p)"
    assert len(at.selectbox(key="ind_period").options) == 8
    at.selectbox(key="ind_period").set_value("2014/15").run()
    assert "· 14 MSOAs (MSOA 2021), 2014/15" in texts(at) or "· 14 MSOAs (MSOA 2011), 2014/15" in texts(at)
    assert "no polarity" in texts(at)
    at.selectbox(key="ind_indicator").set_value("hi_smoking").run()
    assert at.radio(key="ind_level").options == ["District"]
    assert "Smoking (ONS Health Index) (% of adults) · 1 District (LAD 2024), 2021" in texts(at)
    assert not at.exception


def test_spine_area_and_trends(kent: str, tw_layers: dict[str, pd.DataFrame]) -> None:
    at = page(INDICATORS, ind_tab="Spine chart")
    name = tw_layers["lsoa"].set_index("lsoa_code").at["E01024840", "lsoa_name"]
    at.selectbox(key="ind_area").set_value("E01024840").run()
    assert name in page_html(at)[0]
    at.selectbox(key="ind_area").set_value(TW).run()  # the district's own spine chart
    body = page_html(at)[0]
    assert "Tunbridge Wells (district)" in body and body.count('class="spine-row"') >= 25
    assert not at.get("vega_lite_chart")  # the trends run only when their tab is open
    at.session_state["ind_tab"] = "Trends"
    at.run()
    assert len(at.get("vega_lite_chart")) == 5  # the five Health Index trends the issue names
    at.multiselect(key="ind_trends").set_value(["hi_smoking"]).run()
    assert len(at.get("vega_lite_chart")) == 1
    at.multiselect(key="ind_trends").set_value([]).run()
    assert not at.get("vega_lite_chart") and not at.exception


def test_two_districts(kent: str) -> None:
    at = page(INDICATORS, districts=[TW, SEVENOAKS], ind_level="ward")
    assert not at.exception
    assert area_count(map_script(at)) == len(at.dataframe[0].value) > 14
    assert set(at.dataframe[0].value["district"]) == {"Tunbridge Wells", "Sevenoaks"}


def test_no_district(kent: str) -> None:
    at = page(INDICATORS, districts=[])
    assert not at.exception and "Choose one or more districts" in texts(at)


def test_a_bad_upload_lists_every_problem(kent: str) -> None:
    at = page(INDICATORS, ind_tab="Your data and Fingertips")
    bad = b"area_code,value\nE05999999,12\nNOT-A-CODE,3\nE05015803,abc\n"
    at.file_uploader(key="indicator_upload").set_value(("bad.csv", bad, "text/csv")).run()
    assert not at.exception
    error = plain("\n".join(e.value for e in at.error))
    assert "'bad.csv' was not loaded, and nothing from it is used" in error
    assert "not English LSOA (E01)" in error and "not in any" in error and "holds text where a number" in error
    assert error.count("\n- ") >= 3
    assert "Disabled under the Equality Act" in texts(at)  # the page carries on with the built-in data
    at.file_uploader(key="indicator_upload").set_value(("england.csv", b"area_code,value\nE92000001,5\n",
                                                        "text/csv")).run()
    assert "holds only England values: there are no areas to map" in plain("\n".join(w.value for w in at.warning))
    assert not at.exception


def test_an_upload_can_be_mapped(kent: str, tw_layers: dict[str, pd.DataFrame]) -> None:
    wards = tw_layers["ward"]["code"].tolist()
    body = "area_code,value,indicator_name,polarity\n" + "".join(
        f"{code},{10 + i},Smoking prevalence (survey),low is good\n" for i, code in enumerate(wards))
    at = page(INDICATORS, ind_tab="Your data and Fingertips")
    at.file_uploader(key="indicator_upload").set_value(("smoking.csv", body.encode(), "text/csv")).run()
    assert not at.exception
    assert "Loaded 14 rows of Smoking prevalence (survey) at Ward level (Ward 2024)" in texts(at)
    assert at.selectbox(key="ind_indicator").value == "upload:smoking-prevalence-survey"
    assert "Smoking prevalence (survey) · 14 Wards (Ward 2024 (best fit)), period not stated" in texts(at)
    script = map_script(at)
    assert area_count(script) == 14 and "23 (worst)" in script["legend"].replace(".0 (worst)", " (worst)")
    at.session_state["ind_tab"] = "Table"  # the upload is kept while its tab is closed
    at.run()
    assert at.selectbox(key="ind_indicator").value == "upload:smoking-prevalence-survey"
    table = at.dataframe[0].value
    assert sorted(table["value"].tolist()) == list(range(10, 24))


@pytest.fixture
def dead_fingertips(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import hiap_geo.indicators.fingertips as ft

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("HIAP_FINGERTIPS_URL", f"http://127.0.0.1:{port}/api")
    monkeypatch.setattr(ft.cache, "cache_root", lambda: tmp_path / "fingertips")


@pytest.fixture
def local_fingertips(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """test_fingertips' look-alike of the API (documented CSV format) on 127.0.0.1, with its own cache."""
    from test_fingertips import FingertipsHandler

    import hiap_geo.indicators.fingertips as ft

    with fingertips_api(FingertipsHandler, monkeypatch):
        monkeypatch.setattr(ft.cache, "cache_root", lambda: tmp_path / "fingertips")
        yield


def test_fingertips_offline_says_it_needs_a_connection(kent: str, dead_fingertips: None) -> None:
    at = page(INDICATORS, ind_tab="Your data and Fingertips")
    assert "Nothing is cached for this request yet." in texts(at)
    at.button(key="ft_fetch").click().run()
    assert not at.exception
    warning = plain("\n".join(w.value for w in at.warning))
    assert "Fingertips data needs an internet connection" in warning and "could not be reached" in warning
    at.text_input(key="ft_ids").input("93108, obesity").run()
    assert "whole numbers separated by commas" in plain("\n".join(e.value for e in at.error))


def test_fingertips_data_is_fetched_cached_and_mapped(kent: str, local_fingertips: None) -> None:
    at = page(INDICATORS, ind_tab="Your data and Fingertips")
    at.radio(key="ft_area_type").set_value("ward").run()
    at.button(key="ft_fetch").click().run()
    assert not at.exception
    assert "Fetched" in plain("\n".join(s.value for s in at.success))
    assert "Cached copy fetched on" in texts(at)
    options = at.selectbox(key="ind_indicator").options
    assert any("— Fingertips" in o for o in options)
    at.selectbox(key="ind_indicator").set_value("93108").run()
    assert at.radio(key="ind_level").value == "ward"
    at.radio(key="ind_colour").set_value("england").run()
    script = map_script(at)
    tips = dict(zip(map_info(script)["code"], map_info(script)["v"], strict=True))
    assert len(tips) == 14 and tips["E05015813"] == "14.0% (10.1 to 18.1) · England: Better (95%) · district: Similar"
    assert tips["E05015806"] == "No data"  # the API row for this ward has no value
    assert not at.exception


def test_switching_pages_reuses_the_cached_layers(kent: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import hiap_geo.geo.layers

    reads: list[str] = []
    real_read = hiap_geo.geo.layers.read_layer
    monkeypatch.setattr(hiap_geo.geo.layers, "read_layer",
                        lambda path, rows=None: reads.append(path.name) or real_read(path, rows))
    at = page("app/pages/map_explorer.py")
    at.switch_page(INDICATORS).run()
    at.switch_page(TARGETING).run()
    before = len(reads)
    at.switch_page(INDICATORS).run()
    at.radio(key="ind_confidence").set_value("998").run()
    at.switch_page(TARGETING).run()
    assert not at.exception
    assert len(reads) == before, f"layers re-read from disk: {reads[before:]}"


# --- Targeting page -------------------------------------------------------------------------------


def result_line(at: AppTest) -> str:
    return next(plain(m.value).strip("*") for m in at.markdown if m.value.startswith("**3. Result"))


def test_targeting_opens_on_lsoas_ranked_by_imd(kent: str, tw_layers: dict[str, pd.DataFrame]) -> None:
    at = page(TARGETING)
    assert not at.exception
    assert result_line(at) == "3. Result: 69 of 69 LSOAs ranked"
    lsoas = tw_layers["lsoa"]
    table = at.dataframe[0].value
    assert table["code"].iat[0] == lsoas.loc[lsoas["imd_score"].idxmax(), "lsoa_code"]
    assert table["need rank"].tolist() == list(range(1, 70))
    script = map_script(at)
    assert area_count(script) == 69 and "(most need)" in script and "(least need)" in script
    assert script["v"][0].startswith("rank ") and " of 69 · score " in script["v"][0]
    assert "Need score = sum of weight share x standardised value" in texts(at)


def test_targeting_wards_weights_indicators_and_methods(kent: str) -> None:
    at = page(TARGETING, tgt_level="ward")
    assert result_line(at) == "3. Result: 14 of 14 wards ranked"
    at.multiselect(key="tgt_ind").set_value(["census21_disability"]).run()
    at.slider(key="tgt_w_imd_score").set_value(2.0).run()
    assert at.slider(key="tgt_w_imd_score").label.endswith(": higher value = more need")  # each weight says its way
    table = at.dataframe[0].value
    weights = table["Disabled under the Equality Act (Census 2021): weight share"]
    assert weights.round(6).eq(round(1 / 3, 6)).all()
    assert (table["need score"] - table.filter(like=": contribution").sum(axis=1)).abs().max() < 1e-9
    at.radio(key="tgt_method").set_value("zscore").run()
    assert "z-score" in texts(at) and abs(at.dataframe[0].value["IMD 2025 score (average of LSOAs, population-"
                                          "weighted by Census 2021 residents, not MHCLG's File 10): standardised"
                                          ].mean()) < 1e-9
    at.radio(key="tgt_missing").set_value("exclude").run()
    assert "leave the area unscored" in texts(at)
    assert not at.exception


def test_a_measure_sent_twice_counts_once(kent: str) -> None:
    """A hand-made message can name a measure twice (the list itself cannot): one weight, no crash."""
    at = page(TARGETING, tgt_level="ward")
    at.multiselect(key="tgt_dep").set_value(["imd_score", "income_score", "income_score"]).run()
    assert not at.exception
    assert len(at.slider(key="tgt_w_income_score").proto.default) == 1 and result_line(at).endswith("ranked")


def test_a_no_judgement_indicator_takes_the_users_direction(kent: str) -> None:
    at = page(TARGETING, tgt_dep=[], tgt_ind=["iod25_income_people"])
    more = at.dataframe[0].value.set_index("code")["People in income deprivation (IoD 2025 numerator): standardised"]
    assert at.slider(key="tgt_w_iod25_income_people").label == "People in income deprivation (IoD 2025 numerator)"
    at.radio(key="tgt_dir_iod25_income_people").set_value("less need").run()
    less = at.dataframe[0].value.set_index("code")["People in income deprivation (IoD 2025 numerator): standardised"]
    both = pd.concat([more, less], axis=1).dropna()
    assert ((both.iloc[:, 0] + both.iloc[:, 1]) - 1).abs().max() < 1e-9  # ranks 0-1 mirror each other


def test_thresholds(kent: str, tw_layers: dict[str, pd.DataFrame]) -> None:
    from hiap_geo.indicators.readers import load_indicators
    from hiap_geo.views import indicators as iv

    lsoas = tw_layers["lsoa"]
    at = page(TARGETING)
    at.slider(key="tgt_deciles").set_value((1, 4)).run()
    expected = int((lsoas["imd_decile"] <= 4).sum())
    assert result_line(at) == f"3. Result: {expected} of 69 LSOAs meet every threshold"
    # every LSOA stays on the map (a threshold recolours it, no geometry is sent): those left out are grey
    assert area_count(map_script(at)) == 69 and coloured(map_script(at)) == expected
    assert len(at.dataframe[0].value) == expected
    assert at.dataframe[0].proto.placeholder == "—"  # a missing value is a dash, not "None"

    at.multiselect(key="tgt_worse").set_value(["census21_disability"]).run()
    values = iv.area_values(load_indicators([TW]), "census21_disability", "lsoa", "2021",
                            iv.standard_areas(lsoas, "lsoa"), "95")
    worse = set(values.loc[values["vs_england"] == "worse", "code"])
    both = worse & set(lsoas.loc[lsoas["imd_decile"] <= 4, "lsoa_code"])
    assert both, "the test needs at least one LSOA meeting both thresholds"
    assert result_line(at) == f"3. Result: {len(both)} of 69 LSOAs meet every threshold"
    assert set(at.dataframe[0].value["code"]) == both
    ranked = at.dataframe[0].value
    assert ranked["need rank"].tolist() == list(range(1, len(both) + 1))  # no numbers skipped after filtering
    of_all = ranked["need rank of all scored"]
    assert of_all.is_monotonic_increasing and of_all.max() <= 69 and "rank among all 69 scored" in texts(at)

    at.slider(key="tgt_deciles").set_value((1, 1)).run()
    if (lsoas["imd_decile"] == 1).any():
        assert "of 69 LSOAs meet every threshold" in result_line(at)
    else:  # Tunbridge Wells has no LSOA in decile 1
        assert "No area meets every threshold" in plain("\n".join(w.value for w in at.warning))
        assert coloured(map_script(at)) == 0
    assert not at.exception


def test_targeting_bad_states(kent: str) -> None:
    at = page(TARGETING, tgt_dep=[])
    assert "Choose at least one deprivation measure or indicator" in texts(at)
    at = page(TARGETING, tgt_dep=["imd_score"], **{"tgt_w_imd_score": 0.0})
    assert "At least one weight must be above zero." in plain("\n".join(w.value for w in at.warning))
    at = page(TARGETING, districts=[])
    assert "Choose one or more districts" in texts(at) and not at.exception


def test_slope_index_of_inequality(kent: str) -> None:
    at = page(TARGETING, districts=[TW, SEVENOAKS])
    at.selectbox(key="sii_indicator").set_value("census21_disability").run()
    at.selectbox(key="sii_district").set_value(SEVENOAKS).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["95% confidence interval"] != "not available"
    assert "Across the local IMD deciles of Sevenoaks, Disabled under the Equality Act (Census 2021) is" in texts(at)
    headline = metrics["Slope index of inequality (least deprived end minus most deprived end)"]
    assert f"(SII {headline}: least deprived end minus most deprived end" in plain(texts(at))  # one sign, said
    at.selectbox(key="sii_indicator").set_value("iod25_cidr").run()
    assert {m.label: m.value for m in at.metric}["95% confidence interval"] == "not available"


# --- in a browser ---------------------------------------------------------------------------------


def wait_for_legend(page_: object, text: str, timeout_s: float = 60) -> str:
    """The map legend once it shows ``text``; the map's frame is replaced when the page reruns, so it
    is looked up afresh each time."""
    deadline = time.time() + timeout_s
    legend = ""
    while time.time() < deadline:
        try:
            legend = map_frame(page_, timeout_s=5).text_content(".hiap-legend") or ""
            if text in legend:
                return legend
        except Exception:  # noqa: BLE001 - the map is redrawn while Streamlit reruns
            pass
        time.sleep(0.5)
    raise AssertionError(f"legend never showed {text!r}; last seen: {legend!r}")


SHOTS = Path("/work/shots/ind")
"""Where the screenshots looked at for issues 24 and 25 go as well (besides test-artifacts/), when it exists."""


def shoot(page_: object, name: str) -> None:
    page_.screenshot(path=str(ARTIFACTS / name))
    if SHOTS.is_dir():
        page_.screenshot(path=str(SHOTS / name))


def body_runs_alone(frames: list[bytes]) -> bool:
    """Whether every script run these websocket messages finish is a fragment's run alone (and there is one)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    finished = []
    for data in frames:
        with contextlib.suppress(Exception):  # a frame that is not a ForwardMsg (none expected) is not a run
            message = ForwardMsg.FromString(data)
            if message.WhichOneof("type") == "script_finished":
                finished.append(message.script_finished)
    return bool(finished) and all(f == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY for f in finished)


class MapWatch:
    """A page's map from its first paint: the websocket messages and map files it receives after it, the geometry
    it must never receive again, and the view the user set."""

    def __init__(self, page_: object, url: str) -> None:
        from tests.test_map_speed_browser import Recorder, geometry_probe, settle

        self.page, self.record = page_, Recorder(page_)
        page_.goto(url)
        map_frame(page_)
        page_.wait_for_selector("[data-drawn]", state="attached", timeout=120_000)
        settle(page_, 2)
        files = self.record.map_files_since(0)
        areas = [u for u in files if "/geometry-" in u]
        assert areas, files
        self.probe = geometry_probe(page_, areas[0])

    def in_view(self) -> dict[str, float]:
        """The map's box, asserted wholly in the window (no scrolling) and at least 400 px tall."""
        box = map_box(self.page)
        height = self.page.viewport_size["height"]
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, (box, height)
        assert box["height"] >= 400, box
        return box

    def zoom_in(self) -> str:
        """Zoom in with the wheel as a person does; the view the map then has."""
        from tests.test_map_speed_browser import map_state, settle

        framed = map_state(self.page)["view"]
        box = map_box(self.page)
        self.page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5)
        self.page.mouse.wheel(0, -300)
        settle(self.page)
        view = map_state(self.page)["view"]
        assert json.loads(view)["zoom"] > json.loads(framed)["zoom"]
        return view

    def switch(self, change: Callable[[], None], view: str, containing: str = "") -> str:
        """Make ``change`` (a control of the page): the legend changes, the zoom stays, no geometry travels, no
        map file is fetched again, and only the page's body reran (a fragment: not the sidebar)."""
        from tests.test_map_speed_browser import legend_text, map_state, same_view, settle, wait_for_legend

        legend, t0 = legend_text(self.page), time.perf_counter()
        change()
        wait_for_legend(self.page, legend, containing=containing)
        settle(self.page, 2)
        after = map_state(self.page)["view"]
        assert same_view(view, after), f"the switch moved the map: {view} -> {after}"
        frames = self.record.frames_since(t0)
        assert frames and not [f for f in frames if self.probe in f], "geometry travelled with the rerun"
        assert self.record.map_files_since(t0) == [], "a map file was fetched again"
        assert body_runs_alone(frames), "the switch reran the whole page, sidebar included"
        return after

    def click_an_area(self, view: str) -> str:
        """Click an area: it is outlined (one area in the highlight colour), named in the legend, the view kept."""
        from hiap_geo.render.maps import HIGHLIGHT_COLOUR
        from tests.test_map_speed_browser import CLICKABLE_AREA, legend_text, map_state, same_view

        target = self.page.evaluate(CLICKABLE_AREA)
        assert target, "no area of the map is in view to click"
        self.page.mouse.click(target["x"], target["y"])
        deadline = time.time() + 60
        while not map_state(self.page)["selected"] and time.time() < deadline:
            self.page.wait_for_timeout(250)
        state = map_state(self.page)
        assert state["selected"], "the clicked area is not outlined"
        assert same_view(view, state["view"]), "a click must not reframe the map"
        strokes = map_frame(self.page).eval_on_selector_all(
            "path.leaflet-interactive", "ps => ps.map(p => p.getAttribute('stroke'))")
        assert strokes.count(HIGHLIGHT_COLOUR) == 1
        assert f"Selected: {state['selected']}" in legend_text(self.page)
        return state["selected"]

    def each_file_once(self) -> None:
        files = self.record.map_files_since(0)
        assert len(files) == len(set(files)), f"a map file was fetched twice: {files}"


@pytest.mark.browser
def test_indicators_map_recolours_in_place_fits_the_window_and_selects_on_click(app_url: str,
                                                                                browser: object) -> None:
    page_ = browser.new_page(viewport={"width": 1366, "height": 768})
    failed = block_internet(page_)  # every request leaving this machine is aborted and recorded
    watch = MapWatch(page_, f"{app_url}/indicators")
    frame = map_frame(page_)
    assert frame.eval_on_selector("[data-area-count]", "e => e.dataset.areaCount") == "69"
    assert len(frame.query_selector_all("path.leaflet-interactive")) == 69
    legend = wait_for_legend(page_, "(worst)")
    assert "Disabled under the Equality Act" in legend and "(best)" in legend
    watch.in_view()  # the whole map in the window at 1366x768, controls beside it
    shoot(page_, "indicators-1366x768.png")

    view = watch.zoom_in()
    view = watch.switch(lambda: page_.get_by_role("radiogroup", name="Colour by").get_by_text(
        "Compared with England", exact=True).click(), view, containing="Worse (95%)")
    view = watch.switch(lambda: page_.get_by_role("radiogroup", name="Confidence").get_by_text(
        "99.8%", exact=True).click(), view, containing="99.8%")

    def another_lsoa_indicator() -> None:  # of the same level: the same areas file, so nothing to fetch
        page_.get_by_role("combobox", name="Indicator").click()
        page_.keyboard.type("Income deprivation (IoD 2025")
        page_.get_by_role("option").first.wait_for(timeout=10_000)
        page_.keyboard.press("Enter")

    view = watch.switch(another_lsoa_indicator, view, containing="Income deprivation")
    from tests.test_map_speed_browser import CLICKABLE_AREA

    target = page_.evaluate(CLICKABLE_AREA)  # the long tooltip wraps (its style is sent once, not by each switch)
    page_.mouse.move(target["x"], target["y"])
    frame.wait_for_selector(".leaflet-tooltip", timeout=10_000)
    assert frame.eval_on_selector(".leaflet-tooltip", "e => getComputedStyle(e).whiteSpace") == "normal"
    code = watch.click_an_area(view)
    page_.get_by_text("Its spine chart is in the tab", exact=False).wait_for(timeout=60_000)
    shoot(page_, "indicators-selected-1366x768.png")
    watch.each_file_once()

    page_.get_by_role("tab", name="Spine chart").click()  # the clicked area is the spine chart's
    expect(page_.get_by_role("combobox", name="Area (or click it on the map)")).to_have_value(
        re.compile(f"^{code} "), timeout=120_000)
    page_.locator(".spine-row").first.wait_for(timeout=120_000)
    assert page_.locator(".spine-row").count() >= 25
    assert page_.eval_on_selector("img.spine-bar", "e => e.complete && e.naturalWidth > 0")
    page_.set_viewport_size({"width": 1920, "height": 1080})
    page_.evaluate("window.scrollTo(0, 0)")
    page_.wait_for_timeout(1500)
    shoot(page_, "indicators-spine-1920x1080.png")

    # An indicator published for districts only: the map changes level, and the districts' outlines drawn over the
    # LSOAs were the very geometry file the districts' map fills, so no geometry is fetched (only their names).
    from tests.test_map_speed_browser import legend_text
    from tests.test_map_speed_browser import wait_for_legend as legend_changed

    legend, t0 = legend_text(page_), time.perf_counter()
    page_.get_by_role("combobox", name="Indicator").click()
    page_.keyboard.type("Smoking (ONS Health Index")
    page_.get_by_role("option").first.wait_for(timeout=10_000)
    page_.keyboard.press("Enter")
    legend_changed(page_, legend, containing="Smoking")
    assert frame.eval_on_selector("[data-area-count]", "e => e.dataset.areaCount") == "1"
    assert not [u for u in watch.record.map_files_since(t0) if "/geometry-" in u], "geometry fetched for districts"
    assert not [f for f in watch.record.frames_since(t0) if watch.probe in f], "geometry travelled with the rerun"
    assert failed == [], f"requests that needed the internet: {failed}"
    page_.close()


@pytest.mark.browser
def test_targeting_map_recolours_in_place_fits_the_window_and_selects_on_click(app_url: str,
                                                                               browser: object) -> None:
    page_ = browser.new_page(viewport={"width": 1366, "height": 768})
    failed = block_internet(page_)  # every request leaving this machine is aborted and recorded
    watch = MapWatch(page_, f"{app_url}/targeting")
    frame = map_frame(page_)
    assert frame.eval_on_selector("[data-area-count]", "e => e.dataset.areaCount") == "69"
    assert len(frame.query_selector_all("path.leaflet-interactive")) == 69
    legend = wait_for_legend(page_, "(most need)")
    assert "Need score" in legend and "(least need)" in legend
    page_.get_by_text("3. Result: 69 of 69 LSOAs ranked").wait_for(timeout=60_000)
    watch.in_view()
    shoot(page_, "targeting-1366x768.png")

    view = watch.zoom_in()

    def narrower_deciles() -> None:  # a threshold: the upper end of the IMD decile range one step down
        page_.locator("[data-testid='stSlider']").filter(has_text="IMD 2025 decile").get_by_role("slider").nth(
            1).focus()
        page_.keyboard.press("ArrowLeft")

    view = watch.switch(narrower_deciles, view, containing="Not meeting every threshold")
    page_.get_by_text("LSOAs meet every threshold", exact=False).wait_for(timeout=60_000)

    def z_scores() -> None:  # the method: the legend's title names it
        page_.get_by_text("Method: standardising and missing values", exact=True).click()
        page_.get_by_text("z-score (standard deviations", exact=False).first.click()

    view = watch.switch(z_scores, view, containing="z-score")
    code = watch.click_an_area(view)
    page_.get_by_text(f"{code} ", exact=False).first.wait_for(timeout=60_000)
    # The page's line under the map (the folded legend also says "Selected:", hidden until unfolded).
    page_.locator("[data-testid='stMarkdown']").get_by_text("Selected:", exact=False).first.wait_for(timeout=60_000)
    watch.each_file_once()
    shoot(page_, "targeting-selected-1366x768.png")
    page_.set_viewport_size({"width": 1920, "height": 1080})
    page_.wait_for_timeout(1500)
    watch.in_view()
    shoot(page_, "targeting-1920x1080.png")
    assert failed == [], f"requests that needed the internet: {failed}"
    page_.close()


def test_figures_as_stated_in_the_plans(kent: str) -> None:
    """Sevenoaks' NEET rate as the Mind the Gap plan states it is listed, with its quote and reference."""
    from streamlit.testing.v1 import AppTest

    from hiap_geo.core import settings

    at = AppTest.from_file(str(settings.PROJECT_ROOT / "app.py"), default_timeout=180)
    at.session_state["districts"] = ["E07000111"]
    at.session_state["ind_tab"] = "As stated in the plans"
    at.run()
    at.switch_page("app/pages/indicators.py").run()
    assert not at.exception
    assert any(h.value == "As stated in the plans" for h in at.header)
    stated = next(df.value for df in at.dataframe if "quote" in df.value.columns)
    neet = stated[stated["indicator_name"].str.contains("NEET", case=False)]
    assert not neet.empty and neet["printed"].astype(str).str.contains("9.7").any()
    assert neet["reference"].str.contains("sevenoaks-mind-the-gap").any()


def test_the_map_image_is_drawn_only_when_asked(kent: str, tw_layers: dict[str, pd.DataFrame]) -> None:
    """The PNG button gets a callable (the static map module and matplotlib are imported when it is clicked)."""
    from hiap_geo.views import indicators as view

    areas = view.standard_areas(tw_layers["ward"], "ward")
    measure = view.indicator_measure("Test", "%", "low_is_good")
    draw = view.map_download(view.map_frame(areas, pd.Series(range(len(areas)), dtype=float)), measure, "Test, 2021")
    assert callable(draw) and draw()[:8] == b"\x89PNG\r\n\x1a\n"
    assert view.map_file_name("Test, 2021") == "hiap-geo-map-test-2021.png"


def test_an_upload_is_read_once_not_on_every_rerun(kent: str, tw_layers: dict[str, pd.DataFrame],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """While the data tab is open every rerun draws the upload section: the file is read again only when another
    file (other content or name) is uploaded, good or bad."""
    import hiap_geo.indicators.uploads

    reads: list[str] = []
    real = hiap_geo.indicators.uploads.read_upload
    monkeypatch.setattr(hiap_geo.indicators.uploads, "read_upload",
                        lambda content, name, *a, **k: reads.append(name) or real(content, name, *a, **k))
    body = "area_code,value\n" + "".join(f"{code},{i}\n" for i, code in enumerate(tw_layers["ward"]["code"]))
    at = page(INDICATORS, ind_tab="Your data and Fingertips")
    at.file_uploader(key="indicator_upload").set_value(("mine.csv", body.encode(), "text/csv")).run()
    at.radio(key="ind_confidence").set_value("998").run()
    at.run()
    assert reads == ["mine.csv"] and not at.exception
    bad = b"area_code,value\nNOT-A-CODE,3\n"
    at.file_uploader(key="indicator_upload").set_value(("bad.csv", bad, "text/csv")).run()
    at.run()
    assert reads == ["mine.csv", "bad.csv"]
    assert "'bad.csv' was not loaded" in plain("\n".join(e.value for e in at.error))
