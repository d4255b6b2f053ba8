"""Map builders: geometry encoding round trip, classes and legends, offline HTML, escaping."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hiap_geo.geo.measures import MapMeasure, measure
from hiap_geo.render import mapcodec
from hiap_geo.render.maps import area_map, classify, legend_html


def squares(n: int) -> gpd.GeoDataFrame:
    """A row of unit-ish squares near Tunbridge Wells, one with a hole, one multi-part."""
    geoms = [shapely.box(0.26 + i * 0.01, 51.13, 0.27 + i * 0.01, 51.14) for i in range(n)]
    geoms[0] = shapely.Polygon(geoms[0].exterior.coords, [[(0.262, 51.132), (0.264, 51.132), (0.264, 51.134)]])
    geoms[1] = shapely.MultiPolygon([geoms[1], shapely.box(0.3, 51.2, 0.31, 51.21)])
    return gpd.GeoDataFrame({
        "code": [f"E0100000{i}" for i in range(n)], "name": [f"Area {i}" for i in range(n)],
        "ward": "Sherwood", "district": "Tunbridge Wells", "value": [1 + i % 10 for i in range(n)],
    }, geometry=geoms, crs=4326)


def test_encoding_round_trips_within_the_quantum() -> None:
    geoms = squares(5).geometry.values
    for scale in (10_000, 100_000):
        back = mapcodec.decode(mapcodec.encode(geoms, scale=scale))
        assert len(back) == 5
        for a, b in zip(geoms, back, strict=True):
            assert shapely.hausdorff_distance(a, b) <= 1 / scale
            assert shapely.get_num_interior_rings(shapely.get_parts(b)).sum() == shapely.get_num_interior_rings(
                shapely.get_parts(a)).sum()
    assert len(mapcodec.decode(mapcodec.encode(geoms))[1].geoms) == 2


def test_decile_classes_label_both_ends_and_missing() -> None:
    decile = measure("lsoa", "imd", "decile")
    classes = classify(pd.Series([1, 10, None, 5]), decile)
    assert classes.index.tolist() == [0, 9, -1, 4]
    assert classes.labels[0].startswith("1: most deprived 10% in England")
    assert classes.labels[-1].startswith("10: least deprived 10% in England")
    html = legend_html(decile.label, classes, has_missing=True)
    assert "No data" in html and "most deprived" in html and "least deprived" in html
    local = classify(pd.Series([1]), measure("lsoa", "imd", "decile", local=True))
    assert "of the district's LSOAs" in local.labels[0]


def test_score_classes_put_the_most_deprived_first() -> None:
    score = measure("lsoa", "imd", "score")
    values = pd.Series(np.linspace(2, 60, 50))
    classes = classify(values, score)
    assert classes.index[values.idxmax()] == 0  # highest score = most deprived = first, darkest class
    assert classes.index[values.idxmin()] == len(classes.colours) - 1
    assert "(most deprived)" in classes.labels[0] and "(least deprived)" in classes.labels[-1]
    rank = classify(pd.Series(np.arange(1, 1000)), measure("lsoa", "imd", "rank"))
    assert rank.index[0] == 0  # rank 1 = most deprived


def test_map_html_is_offline_and_escapes_names() -> None:
    areas = squares(12)
    areas.loc[3, "name"] = "<script>alert(1)</script>"
    fmap = area_map(areas, measure("lsoa", "imd", "decile"))
    html = fmap.get_root().render()
    assert "cdn.jsdelivr" not in html and "https://" not in html.split("<body>")[0].replace(
        "https://leafletjs.com", "")
    assert "/app/static/vendor/leaflet/leaflet.js" in html
    assert "<script>alert(1)</script>" not in html  # the name travels as JSON with </ escaped...
    assert "function esc(t)" in html  # ...and is escaped before it reaches the tooltip
    assert "1: most deprived 10% in England" in html


def test_basemap_only_on_request() -> None:
    areas = squares(3)
    offline = area_map(areas, measure("lsoa", "imd", "decile")).get_root().render()
    online = area_map(areas, measure("lsoa", "imd", "decile"), basemap="OpenStreetMap").get_root().render()
    assert "tile.openstreetmap.org" not in offline and "tile.openstreetmap.org" in online


def test_unknown_measure_or_value_type_is_a_clear_error() -> None:
    from hiap_geo.core.errors import HiapGeoError

    with pytest.raises(HiapGeoError, match="Unknown measure"):
        measure("lsoa", "wealth", "decile")
    with pytest.raises(HiapGeoError, match="not available"):
        measure("ward", "imd", "decile")
    assert isinstance(measure("ward", "imd", "share"), MapMeasure)
