"""Spine charts and trends: positions by hand, rows from a small long table, the drawing, then real data."""

from __future__ import annotations

import base64
import math
import re

import numpy as np
import pandas as pd
import pytest

from hiap_geo.core.areas import ENGLAND_CODE
from hiap_geo.indicators import spine
from hiap_geo.indicators.schema import COLUMNS
from hiap_geo.render import charts


def test_positions_centre_on_england_and_flip_low_is_good() -> None:
    # England 10, the furthest value 5 away reaches the edge.
    assert spine.spine_positions([15, 5, 12.5], 10, 5, "high_is_good").tolist() == [1.0, 0.0, 0.75]
    assert spine.spine_positions([15, 5, 12.5], 10, 5, "low_is_good").tolist() == [0.0, 1.0, 0.25]
    assert spine.spine_positions([15, 5], 10, 5, "no_judgement").tolist() == [1.0, 0.0]  # lowest left
    assert spine.spine_positions([10, 30], 10, 5, "high_is_good").tolist() == [0.5, 1.0]  # clipped at the edge
    assert spine.spine_positions([10], 10, 0, "low_is_good").tolist() == [0.5]  # no spread: England's place
    assert np.isnan(spine.spine_positions([np.nan], 10, 5, "low_is_good")[0])


def row(indicator: str, code: str, area_type: str, value: float, polarity: str = "low_is_good",
        limits: tuple[float, float] | None = None, period: str = "2021", count: float = np.nan) -> dict[str, object]:
    lo, hi = limits or (np.nan, np.nan)
    return dict(zip(COLUMNS, [indicator, f"{indicator} name", code, area_type, period, value, lo, hi, np.nan,
                              np.nan, count, np.nan, "%", polarity, "test source", "test vintage"], strict=True))


LSOA, DISTRICT = "E01000001", "E07000116"


def small_data() -> pd.DataFrame:
    rows = [
        # 'bad': low is good; the area (20, limits 18-22) is worse than England (15).
        row("bad", LSOA, "lsoa", 20, limits=(18, 22), count=40),
        row("bad", DISTRICT, "district", 16),
        row("bad", ENGLAND_CODE, "england", 15),
        # 'good': high is good; the area (70, limits 60-80) is similar to England (65); two periods.
        row("good", LSOA, "lsoa", 70, "high_is_good", (60, 80)),
        row("good", ENGLAND_CODE, "england", 65, "high_is_good"),
        row("good", LSOA, "lsoa", 50, "high_is_good", (45, 55), period="2011"),
        row("good", ENGLAND_CODE, "england", 60, "high_is_good", period="2011"),
        # 'local': no England value, so not on a spine chart.
        row("local", LSOA, "lsoa", 3),
        # 'people': a count; England's total is no benchmark, so not on a spine chart either.
        row("people", LSOA, "lsoa", 120, "no_judgement", count=120),
        row("people", ENGLAND_CODE, "england", 9_000_000, "no_judgement", count=9_000_000),
    ]
    return pd.DataFrame(rows)


def small_ranges() -> pd.DataFrame:
    others = [row("bad", f"E0100000{i}", "lsoa", v) for i, v in enumerate([5, 10, 25], start=2)]
    others += [row("good", f"E0100000{i}", "lsoa", v, "high_is_good") for i, v in enumerate([40, 90], start=2)]
    return spine.england_ranges(pd.concat([small_data(), pd.DataFrame(others)], ignore_index=True))


def test_england_ranges_count_areas_of_each_type_only() -> None:
    ranges = small_ranges().set_index(["indicator_id", "period", "area_type"])
    bad = ranges.loc[("bad", "2021", "lsoa")]
    assert bad["n_areas"] == 4 and bad["minimum"] == 5 and bad["maximum"] == 25
    assert bad["q25"] == pytest.approx(8.75) and bad["q75"] == pytest.approx(21.25)
    assert ("bad", "2021", "england") not in ranges.index


def test_rows_take_the_latest_period_with_england_and_flip_low_is_good() -> None:
    rows = spine.spine_rows(small_data(), LSOA, "lsoa", small_ranges(), DISTRICT, "95").set_index("indicator_id")
    assert list(rows.index) == ["bad", "good"]  # 'local' has no England value; 'people' is a count
    bad, good = rows.loc["bad"], rows.loc["good"]
    assert bad["comparison"] == "worse" and bad["comparison_label"] == "Worse (95%)" and bad["colour"] == "#C00000"
    assert good["period"] == "2021" and good["comparison"] == "similar"
    # bad: England 15, furthest value from it is 25 (10 away); low is good, so 20 sits left of centre.
    assert bad["x_value"] == pytest.approx(0.25) and bad["x_district_value"] == pytest.approx(0.45)
    assert bad["x_maximum"] == 0.0 and bad["x_minimum"] == 1.0  # worst (25) left, best (5) right
    assert bad["left_value"] == 25 and bad["right_value"] == 5
    # good: England 65, furthest is 90 (25 away); high is good, so 70 sits right of centre.
    assert good["x_value"] == pytest.approx(0.6) and good["left_value"] == 40 and good["right_value"] == 90
    assert math.isnan(good["district_value"])


def test_rows_explain_what_is_missing() -> None:
    with pytest.raises(spine.SpineError, match="No indicator values for E01999999"):
        spine.spine_rows(small_data(), "E01999999", "lsoa", small_ranges())
    only_local = small_data()[lambda d: d["indicator_id"] == "local"]
    with pytest.raises(spine.SpineError, match="England value"):
        spine.spine_rows(only_local, LSOA, "lsoa", small_ranges())


def test_chart_html_has_a_bar_image_and_words_for_every_row() -> None:
    rows = spine.spine_rows(small_data(), LSOA, "lsoa", small_ranges(), DISTRICT)
    html = charts.spine_chart_html(rows, "My LSOA", "My district")
    assert html.count('class="spine-row"') == 2 and "<script" not in html
    assert "Worse (95%)" in html and "Similar" in html and "England worst / lowest" in html
    assert 'data-x="0.250"' in html
    images = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert len(images) == 2
    svg = base64.b64decode(images[0]).decode()  # 'bad' comes first (sorted by name)
    assert 'class="spine-area"' in svg and 'fill="#C00000"' in svg and 'class="spine-district"' in svg
    assert 'class="spine-range"' in svg and 'class="spine-quartiles"' in svg
    assert f'cx="{0.25 * charts.BAR_WIDTH:.1f}"' in svg  # a quarter of the way along the bar
    assert 'alt="bad name: area 20.0 (Worse (95%)), England 15.0, district 16.0, England range 25.0 to 5"' in html
    with pytest.raises(spine.SpineError, match="No indicator"):
        charts.spine_chart_html(rows.iloc[0:0], "Empty")


def test_trend_and_its_chart() -> None:
    data = pd.DataFrame([row("hi_x", DISTRICT, "district", v, period=str(y)) for y, v in ((2016, 2.0), (2015, 1.0))]
                        + [row("dwp", DISTRICT, "district", 1, period="2014/15")])
    trend = spine.trend(data, ["hi_x"], {DISTRICT: "Tunbridge Wells"})
    assert trend["year"].tolist() == [2015, 2016] and trend["district"].unique().tolist() == ["Tunbridge Wells"]
    assert {"source", "vintage", "unit"} <= set(trend.columns)
    spec = charts.trend_chart(trend).to_dict()
    assert spec["encoding"]["y"]["scale"] == {"zero": False} and spec["encoding"]["x"]["type"] == "ordinal"
    with pytest.raises(spine.SpineError, match="yearly periods"):
        spine.trend(data, ["dwp"], {DISTRICT: "TW"})
    with pytest.raises(spine.SpineError, match="None of the chosen"):
        spine.trend(data, ["hi_x"], {"E07000111": "Sevenoaks"})


@pytest.mark.integration
def test_real_lsoa_spine_is_england_centred_with_best_to_the_right(kent: str) -> None:
    from hiap_geo.indicators.readers import load_indicators

    data = load_indicators(["E07000116"])
    ranges = spine.england_distribution("lsoa")
    disability = ranges.set_index(["indicator_id", "area_type"]).loc[("census21_disability", "lsoa")]
    assert disability["n_areas"] == 33755  # every LSOA 2021 in England
    rows = spine.spine_rows(data, "E01024840", "lsoa", ranges, "E07000116").set_index("indicator_id")
    assert len(rows) >= 25 and "iod25_cidr" in rows.index
    for _, r in rows.iterrows():
        if r["polarity"] == "low_is_good":  # above England is worse, so left of centre
            assert (r["x_value"] < 0.5) == (r["value"] > r["england_value"])
        elif r["polarity"] == "high_is_good":
            assert (r["x_value"] > 0.5) == (r["value"] > r["england_value"])
        assert 0 <= r["x_value"] <= 1 and min(r["x_minimum"], r["x_maximum"]) <= r["x_value"]
    assert rows.at["census21_disability", "comparison"] in ("better", "similar", "worse")
    assert rows.at["iod25_cidr", "comparison"] == "not compared"  # published without limits
    hi = spine.trend(data, ["hi_smoking"], {"E07000116": "Tunbridge Wells"})
    assert hi["year"].tolist() == list(range(2015, 2022))
    district = spine.spine_rows(data, "E07000116", "district", spine.england_distribution("district"), "E07000116")
    assert "dwp_children_low_income_pct" in set(district["indicator_id"])
    assert "dwp_children_low_income_count" not in set(district["indicator_id"])  # a total, not a rate
    assert district["district_value"].isna().all()  # a district is not compared with itself
