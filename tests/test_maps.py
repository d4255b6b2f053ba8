"""Map builders: geometry encoding round trip, classes and legends, offline HTML, escaping."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hiap_geo.geo.measures import MapMeasure, measure
from hiap_geo.render import mapcodec
from hiap_geo.render.maps import Outline, area_map, classify, legend_html


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


# --- legend classes and placement (issue 13) -------------------------------------------------------


def test_no_class_is_a_range_of_one_value() -> None:
    score = measure("ward", "imd", "score")
    classes = classify(pd.Series([6.2, 6.2, 6.2, 10, 20, 30.5, 40, 55, 6.2]), score)
    assert all(" to " not in label or label.split(" to ")[0] != label.split(" to ")[1].split(" (")[0]
               for label in classes.labels)
    assert classes.labels[-1] == "6.2 (least deprived)"  # a single value is written once
    assert sorted(set(classes.index.tolist())) == list(range(len(classes.labels)))  # no empty class
    many_ties = classify(pd.Series(np.r_[np.full(400, 0.292), np.linspace(1, 50, 100)]), score)
    assert not any(f"{x} to {x}" in label for label in many_ties.labels for x in ("0.292", "0.3", "0.29"))
    assert sorted(set(many_ties.index.tolist())) == list(range(len(many_ties.labels)))


def test_one_number_format_per_legend() -> None:
    import re

    classes = classify(pd.Series([0.292, 0.5, 0.7, 12.25, 1234.5, 800.0, 77.0]), MapMeasure("x", "X", "score", True))
    numbers = [n for label in classes.labels for n in re.findall(r"[\d,]+\.?\d*", label)]
    decimals = {len(n.split(".")[1]) if "." in n else 0 for n in numbers}
    assert len(decimals) == 1, classes.labels
    assert all("," in n for n in numbers if float(n.replace(",", "")) >= 1000)
    rank = classify(pd.Series(np.arange(1, 5000)), measure("lsoa", "imd", "rank"))
    assert rank.labels[-1].endswith("to 4,999 (least deprived)")


def test_shares_have_fixed_classes_the_same_on_every_map() -> None:
    share = measure("ward", "imd", "share")
    a = classify(pd.Series([0.0, 0.05, 0.3, 0.9]), share)
    b = classify(pd.Series([0.0, 0.0, 0.12]), share)  # another edition: other values, the same classes
    assert a.labels == b.labels and a.colours == b.colours and "Fixed classes" in a.note
    assert a.labels[0] == "over 80% to 100% (most deprived)" and a.labels[-1] == "0% (least deprived)"
    assert a.index.tolist() == [6, 5, 3, 0] and b.index.tolist() == [6, 6, 4]
    assert "differ between editions" in classify(pd.Series(np.linspace(2, 60, 50)), measure("ward", "imd",
                                                                                          "score")).note


def test_legend_folds_sits_top_right_and_the_map_is_framed_beside_it() -> None:
    areas = squares(12)
    html = area_map(areas, measure("lsoa", "imd", "decile")).get_root().render()
    assert 'position: "topright"' in html and "<details open>" in html and "<summary" in html
    assert "disableClickPropagation" in html  # folding the legend does not click the map
    assert '"paddingBottomRight": [270, 10]' in html  # the legend's width: no area starts under it
    assert ".leaflet-control-attribution{max-width:50%" in html  # the credit leaves the scale bar alone


def test_an_online_basemap_that_fails_says_so_and_areas_still_draw() -> None:
    areas = squares(3)
    html = area_map(areas, measure("lsoa", "imd", "decile"), basemap="OpenStreetMap").get_root().render()
    assert "tileerror" in html and "could not be loaded" in html and "basemapFailed" in html
    assert "L.geoJSON(hiapDecode(" in html  # the areas layer does not wait for tiles
    assert "tileerror" not in area_map(areas, measure("lsoa", "imd", "decile")).get_root().render()


# --- the map component's payload: colours travel, geometry does not (issue 16) -----------------------------


def test_payload_carries_values_and_legend_and_no_geometry() -> None:
    from hiap_geo.render.map_component import map_view

    areas = squares(12)
    view = map_view(areas, measure("lsoa", "imd", "decile"))
    text = json.dumps(view.payload)
    geometry = mapcodec.to_json(mapcodec.encode(areas.geometry.values, scale=100_000))
    assert geometry[20:120] not in text and '"c":' not in text  # coordinates only in the file
    assert geometry in view.assets[0].body.decode()
    assert view.payload["areas"] == f"/app/static/maps/{view.assets[0].name}"
    assert view.payload["k"] == [i % 10 for i in range(12)]
    assert len(view.payload["v"]) == 12 and len(view.payload["colours"]) == 10
    assert "1: most deprived 10% in England" in view.payload["legend"]
    assert "Area 3" not in text  # names travel once, in their own file, fetched after the geometry
    assert b"Area 3" not in view.assets[0].body and b"E01000003" not in view.assets[0].body  # geometry alone
    names = view.assets[-1]
    assert names.name.startswith("names-") and view.payload["names"] == f"/app/static/maps/{names.name}"
    assert json.loads(names.body)["areas"]["name"][3] == "Area 3"
    assert json.loads(names.body)["areas"]["code"][3] == "E01000003"


def test_map_file_name_changes_iff_the_geometry_does() -> None:
    from hiap_geo.render.map_component import map_view

    areas = squares(12)
    decile = map_view(areas, measure("lsoa", "imd", "decile"))
    score = map_view(areas.assign(value=np.linspace(2, 60, 12)), measure("lsoa", "imd", "score"))
    assert decile.assets[0].name == score.assets[0].name  # a new measure: the same file, already in the browser
    assert decile.payload["legend"] != score.payload["legend"] and decile.payload["k"] != score.payload["k"]
    moved = areas.copy()
    moved.geometry = moved.geometry.translate(0.01, 0)
    assert map_view(moved, measure("lsoa", "imd", "decile")).assets[0].name != decile.assets[0].name
    fewer = map_view(areas.iloc[:11], measure("lsoa", "imd", "decile"))
    assert fewer.assets[0].name != decile.assets[0].name
    lines = [Outline(areas.geometry.iloc[:2], "#000000", 2.5)]
    with_lines = map_view(areas, measure("lsoa", "imd", "decile"), outlines=lines)
    assert with_lines.assets[0].name == decile.assets[0].name and len(with_lines.assets) == 3
    assert with_lines.assets[-1].name == decile.assets[-1].name  # the names file, last
    assert with_lines.payload["outlines"][0]["url"].endswith(with_lines.assets[1].name)


def test_payload_selects_frames_and_escapes() -> None:
    from hiap_geo.render.map_component import map_view

    areas = squares(12)
    hostile = "<img src=x onerror=alert(1)>"
    areas.loc[3, "name"] = hostile
    view = map_view(areas, measure("lsoa", "imd", "decile"), selected="E01000003",
                    selected_label=f"Selected: E01000003 {hostile}", fit=areas.geometry.iloc[[3]])
    assert view.payload["selected"] == [3]
    assert hostile not in view.payload["legend"] and "&lt;img src=x" in view.payload["legend"]
    assert "Selected: E01000003" in view.payload["legend"]
    assert json.loads(view.assets[-1].body)["areas"]["name"][3] == hostile  # data, written as text by the browser
    (south, west), (north, east) = view.payload["fit"]
    assert (west, east) == pytest.approx((0.29, 0.30)) and (south, north) == pytest.approx((51.13, 51.14))
    whole = map_view(areas, measure("lsoa", "imd", "decile"))
    assert whole.payload["fit"] != view.payload["fit"] and whole.payload["selected"] == []
    assert map_view(areas, measure("lsoa", "imd", "score")).payload["fit"] == whole.payload["fit"]
    online = map_view(areas, measure("lsoa", "imd", "decile"), basemap="OpenStreetMap").payload["basemap"]
    assert "tile.openstreetmap.org" in online["url"] and "could not be loaded" in online["failed"]
    assert whole.payload["basemap"] is None and whole.payload["leaflet"] == "/app/static/vendor/leaflet"


def test_the_browser_code_writes_names_as_text() -> None:
    """The component's script escapes every name and value it writes (the legend comes escaped from Python)."""
    from hiap_geo.core import settings

    script = (settings.PROJECT_ROOT / "app" / "map_frontend" / "hiap_map.js").read_text()
    assert "function esc(t)" in script
    assert "esc(a.name[i])" in script and "esc(d.v[i])" in script and "esc(m.areas.name[i])" in script
    assert "fetch(" in script and "http://" not in script and "https://" not in script  # files from this server


def test_map_files_are_written_once_and_the_least_used_go(tmp_path: Path) -> None:
    import os

    from app.map_component import write_assets
    from hiap_geo.render.map_component import MapAsset

    first = (MapAsset("areas-a.json", b"{}"), MapAsset("outline-b.json", b"{}"))
    write_assets(first, tmp_path, keep=3)
    os.utime(tmp_path / "areas-a.json", (1, 1))
    os.utime(tmp_path / "outline-b.json", (2, 2))
    write_assets((MapAsset("areas-c.json", b"{}"), MapAsset("outline-d.json", b"{}")), tmp_path, keep=3)
    assert sorted(f.name for f in tmp_path.iterdir()) == ["areas-c.json", "outline-b.json", "outline-d.json"]
    write_assets(first, tmp_path, keep=3)  # a rerun of the first map writes back its own file
    assert (tmp_path / "areas-a.json").is_file() and len(list(tmp_path.iterdir())) == 3



def within_class_spread(data: np.ndarray, breaks: np.ndarray) -> float:
    """The sum of squared deviations from the class means: what natural breaks make least."""
    position = np.minimum(np.searchsorted(breaks, data, side="left"), len(breaks) - 1)
    return float(sum(((data[position == c] - data[position == c].mean()) ** 2).sum() for c in np.unique(position)))


def test_classes_are_mapclassifys_or_tighter_without_importing_it() -> None:
    """Natural breaks are mapclassify's, or where they differ (its float32 sums) spread no more; quantile breaks
    are mapclassify's; and classing a map imports neither mapclassify, SciPy nor scikit-learn (about a second of
    a new server's first classed map)."""
    import subprocess
    import sys
    import warnings

    import mapclassify

    from hiap_geo.render.maps import natural_breaks, quantile_breaks

    rng = np.random.default_rng(25)
    same = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mapclassify: numba not installed
        for trial in range(200):
            n = int(rng.integers(2, 300))
            data = [rng.normal(50, 20, n), rng.lognormal(2, 1, n), np.round(rng.uniform(0, 100, n), 1),
                    rng.integers(0, 15, n).astype(float), 0.883 + rng.integers(-1, 2, n) * 1e-16][trial % 5]
            k = int(min(7, len(np.unique(data))))
            if k < 2:
                continue
            ours, theirs = natural_breaks(data, k), np.asarray(mapclassify.FisherJenks(data, k=k).bins, float)
            same += np.allclose(ours, theirs)
            assert within_class_spread(data, ours) <= within_class_spread(data, theirs) * (1 + 1e-9) + 1e-12
            big = rng.integers(1, 33_000, int(rng.integers(301, 5000))).astype(float)
            for source in (data, big) if trial % 5 != 4 else (big,):  # not values equal but for the last bit
                ours, theirs = quantile_breaks(source, k), mapclassify.Quantiles(source, k=k).bins
                assert np.array_equal(np.unique(np.round(ours, 9)), np.unique(np.round(theirs, 9)))  # its ties too
    assert same >= 190  # the same classes but in a rare tie
    script = ("import sys, numpy as np, pandas as pd; from hiap_geo.geo.measures import MapMeasure; "
              "from hiap_geo.render.maps import classify; score = MapMeasure('x', 'X', 'score', True); "
              "classify(pd.Series(np.linspace(0, 9, 50)), score); classify(pd.Series(np.arange(900.0)), score); "
              "print(sorted(m for m in ('mapclassify', 'scipy', 'sklearn') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).parent.parent).stdout.strip()
    assert loaded == "[]"
