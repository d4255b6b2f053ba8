"""Where obesity, smoking and NEET are published and what HIAP Geo shows of them (no data needed)."""

from __future__ import annotations

import pytest

from hiap_geo.core.errors import HiapGeoError
from hiap_geo.indicators.availability import AVAILABILITY, where_to_get


def test_table_has_each_topic_with_source_geographies_offline_and_online() -> None:
    topics = list(AVAILABILITY.values())
    assert [t.topic for t in topics] == ["Child obesity", "Adult obesity", "Smoking", "NEET", "Long-term conditions"]
    assert all(t.source and t.geographies and t.offline and t.online and t.download for t in topics)
    assert "ward, MSOA" in AVAILABILITY["child_obesity"].geographies
    assert "Not published by ward" in AVAILABILITY["adult_obesity"].geographies
    assert "GP practice" in AVAILABILITY["smoking"].geographies
    assert AVAILABILITY["neet"].geographies.startswith("county or unitary")
    assert all("ONS Health Index" in t.offline for t in topics)
    assert all(t.by_ward for t in topics)


def test_register_obesity_offline_by_ward_is_labelled_and_never_called_prevalence_alone() -> None:
    from hiap_geo.indicators.catalogue import QOF_LABEL

    adult = AVAILABILITY["adult_obesity"]
    assert adult.offline.startswith("by LSOA, MSOA and ward") and QOF_LABEL in adult.offline
    assert "far below survey obesity" in adult.offline
    assert "too few" in AVAILABILITY["smoking"].by_ward and "suppressed" in AVAILABILITY["neet"].by_ward
    assert "Fingertips" in AVAILABILITY["child_obesity"].by_ward
    assert where_to_get("diabetes by ward").startswith("Long-term conditions")
    assert "Why not by ward" in where_to_get("smoking")


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
