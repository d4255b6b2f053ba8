"""Change 2019 to 2025 as a map of wards and districts on the Map explorer (issue 24), from the real files."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def test_sevenoaks_wards_coloured_by_the_change_in_residents_in_deciles_1_2(kent: str) -> None:
    from hiap_geo.geo.area_change import change_table
    from hiap_geo.geo.layers import load_layer
    from hiap_geo.geo.measures import map_areas
    from hiap_geo.views.explorer import (
        SHARE_CHANGE_CLASSES,
        SHARE_CHANGE_MEASURE,
        areas_of,
        measure_export_table,
        share_change_areas,
    )

    sevenoaks = ("E07000111",)
    layer = areas_of(load_layer(kent, "ward", 2025), "ward", 2025, sevenoaks)
    areas, tips = share_change_areas(map_areas(layer, "ward", SHARE_CHANGE_MEASURE), "ward")
    assert len(areas) == len(tips) == len(layer) > 20
    table = change_table("ward", list(areas["code"])).set_index("code")
    points = table["change in % of residents in national deciles 1-2 (percentage points)"]
    labels = [label for label, _ in SHARE_CHANGE_CLASSES]
    for code, value, tip in zip(areas["code"], areas["value"], tips, strict=True):
        change = points[code]
        if change != change:  # NaN: no 2019 ward under this code
            assert value is None and tip == SHARE_CHANGE_MEASURE.missing_label
            continue
        assert value in labels and f"{change:+.1f} points" in tip and "% in 2019" in tip
        assert (value == labels[2]) == (abs(change) < 2)
    assert areas["value"].notna().mean() > 0.8  # Sevenoaks kept most of its ward codes
    export = measure_export_table(areas, SHARE_CHANGE_MEASURE, 2025, "ward", layer=layer)
    assert {"% of residents in national deciles 1-2, 2019", "% of residents in national deciles 1-2, 2025",
            "change (percentage points)"} <= set(export.columns)


def test_tunbridge_wells_wards_redrawn_in_2024_are_coloured_on_their_own_neighbourhoods(kent: str) -> None:
    """Every Tunbridge Wells ward has a new code since 2024: the map was all 'no 2019 figures' before."""
    from hiap_geo.geo.layers import load_layer
    from hiap_geo.geo.measures import map_areas
    from hiap_geo.views.explorer import SHARE_CHANGE_MEASURE, areas_of, share_change_areas

    layer = areas_of(load_layer(kent, "ward", 2025), "ward", 2025, ("E07000116",))
    areas, tips = share_change_areas(map_areas(layer, "ward", SHARE_CHANGE_MEASURE), "ward")
    assert len(areas) > 10 and areas["value"].notna().all()
    assert all("in 2019 on its 2021 neighbourhoods" in tip for tip in tips)
