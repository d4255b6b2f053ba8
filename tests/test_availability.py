"""Where obesity, smoking and NEET are published and what HIAP Geo shows of them (no data needed)."""

from __future__ import annotations

import pytest

from hiap_geo.core.errors import HiapGeoError
from hiap_geo.indicators.availability import AVAILABILITY, where_to_get


def test_table_has_each_topic_with_source_geographies_offline_and_online() -> None:
    topics = list(AVAILABILITY.values())
    assert [t.topic for t in topics] == ["Child obesity", "Adult obesity", "Smoking", "NEET"]
    assert all(t.source and t.geographies and t.offline and t.online and t.download for t in topics)
    assert "ward, MSOA" in AVAILABILITY["child_obesity"].geographies
    assert "Not published by ward" in AVAILABILITY["adult_obesity"].geographies
    assert "GP practice" in AVAILABILITY["smoking"].geographies
    assert AVAILABILITY["neet"].geographies.startswith("county or unitary")
    assert all("ONS Health Index" in t.offline for t in topics)


def test_ward_obesity_offline_is_told_what_to_download_and_upload() -> None:
    advice = where_to_get("ward child obesity", "ward")
    assert "gov.uk/government/statistics/child-obesity-and-excess-weight-small-area-level-data" in advice
    assert "upload check" in advice and "area_code, value, period" in advice
    assert where_to_get("Smoking").startswith("Smoking")
    with pytest.raises(HiapGeoError, match="No guidance"):
        where_to_get("dental decay")


def test_markdown_has_every_topic() -> None:
    from hiap_geo.indicators.availability import availability_markdown

    text = availability_markdown()
    assert all(f"**{a.topic}**" in text for a in AVAILABILITY.values())
