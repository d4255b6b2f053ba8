"""Building layers on the real files: Kent and Medway, and England."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from hiap_geo.acquire.fetch import fetch_all
from hiap_geo.core.errors import LayerNotBuilt
from hiap_geo.geo.layers import build, load_layer, read_report

pytestmark = pytest.mark.integration


def holes(geom: shapely.Geometry) -> int:
    polygons = getattr(geom, "geoms", [geom])
    return sum(len(p.interiors) for p in polygons)


def test_kent_layers_have_every_area(kent: str) -> None:
    lsoa19, lsoa25 = load_layer(kent, "lsoa", 2019, display=False), load_layer(kent, "lsoa", 2025, display=False)
    assert (lsoa19["lad_code"] == "E07000116").sum() == 68
    assert (lsoa25["lad_code"] == "E07000116").sum() == 69
    assert lsoa19.crs.to_epsg() == 4326 and lsoa19.geometry.is_valid.all() and lsoa25.geometry.is_valid.all()
    sherwood = lsoa25.set_index("lsoa_code").loc["E01024840"]
    assert (sherwood["imd_decile"], sherwood["imd2019_decile"], sherwood["ward_name"]) == (2, 2, "Sherwood")
    assert {"imd_local_decile", "health_decile", "idaci_decile", "change"} <= set(lsoa25.columns) | set(lsoa19.columns)
    wards25 = load_layer(kent, "ward", 2025)
    assert (wards25["lad_code"] == "E07000116").sum() == 14  # Tunbridge Wells' new 2024 wards
    assert (load_layer(kent, "ward", 2019)["lad_code"] == "E07000116").sum() == 20
    districts = load_layer(kent, "district", 2019).set_index("code")
    assert len(districts) == 13
    assert districts.loc["E07000116", "imd_score"] == pytest.approx(11.310, abs=5e-4)


@pytest.mark.parametrize("level", ["lsoa", "ward", "district"])
def test_a_loaded_layer_names_its_coordinate_system_by_code(kent: str, level: str) -> None:
    """By its EPSG code, not the PROJJSON kept in the file: pyproj builds a CRS's projection once per thread and
    each Streamlit rerun is a new thread, where a PROJJSON CRS cost 20 ms a comparison (a tenth of a switch)."""
    for year in (2019, 2025):
        assert load_layer(kent, level, year).crs.srs == "EPSG:4326"


def test_display_copies_keep_shared_edges(kent: str) -> None:
    full = load_layer(kent, "lsoa", 2025, display=False)
    display = load_layer(kent, "lsoa", 2025, display=True)
    tw_full = full[full["lad_code"] == "E07000116"].to_crs(27700)
    tw_display = display[display["lad_code"] == "E07000116"].to_crs(27700)
    union = shapely.union_all(tw_display.geometry.values)
    assert tw_display.geometry.area.sum() == pytest.approx(union.area, rel=1e-6)  # no overlaps
    assert holes(union) == holes(shapely.union_all(tw_full.geometry.values))  # no gaps opened
    assert shapely.get_num_coordinates(tw_display.geometry.values).sum() <= shapely.get_num_coordinates(
        tw_full.geometry.values
    ).sum()


@pytest.mark.parametrize("year", [2019, 2025])
@pytest.mark.parametrize("display", [False, True])
def test_every_outline_is_the_union_of_its_lsoas(kent: str, year: int, display: bool) -> None:
    """Ward and district outlines run along the edges of their LSOAs' fills (on screen: the display copies)."""
    lsoas = load_layer(kent, "lsoa", year, display=display)
    for level, key in (("district", "lad_code"), ("ward", "ward_code")):
        outlines = load_layer(kent, level, year, display=display).set_index("code")
        assert outlines.geometry.notna().all() and outlines.geometry.is_valid.all()
        assert set(outlines["boundary_source"]) == {
            f"dissolved from its LSOA {2011 if year == 2019 else 2021} LSOAs" + (" (best-fit lookup)" if level == "ward"
                                                                              else "")}
        for code, group in lsoas.groupby(key):
            union = shapely.union_all(group.geometry.values)
            outline = outlines.at[code, "geometry"]
            assert outline.symmetric_difference(union).area <= 1e-9 * union.area, (level, code)  # the same shape
            # the outline lies on its LSOAs' edges: every vertex of it is on one (a vertex of theirs, or where two
            # of them cross in the 2011 polygons, which overlap by slivers)
            edges = shapely.union_all(group.geometry.boundary.values)
            corners = shapely.points(shapely.get_coordinates(outline.boundary))
            assert shapely.distance(corners, edges).max() < 1e-9, (level, code)


def test_build_report_lists_data_problems(kent: str) -> None:
    report = read_report(kent)
    assert report is not None and report.layers["lsoa_2025"] == 1107 and report.layers["lsoa_2019"] == 1065
    assert any("E01024572" in p and "repaired" in p for p in report.problems)
    assert report.seconds > 0 and report.peak_memory_mb > 0


@pytest.mark.slow
def test_england_builds(real_data: object, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A cache of its own: the session cache keeps only Kent, which tests of unbuilt districts rely on.
    monkeypatch.setenv("HIAP_CACHE_DIR", str(tmp_path))
    fetch_all(mirror=mirror)
    report = build("england")
    assert report.layers["lsoa_2025"] == 33_755 and report.layers["lsoa_2019"] == 32_844
    assert report.layers["district_2025"] == 296
    wards = load_layer("england", "ward", 2019)
    assert wards.geometry.notna().all()  # every 2019 ward drawn, those with no 2021 polygon too
    assert set(wards["boundary_source"]) == {"dissolved from its LSOA 2011 LSOAs (best-fit lookup)"}


def test_the_session_cache_holds_only_kent(real_data: Path) -> None:
    assert sorted(p.name for p in (real_data / "layers").iterdir() if p.is_dir()) == ["kent"]


def test_missing_layer_says_how_to_build(real_data: object) -> None:
    with pytest.raises(LayerNotBuilt, match="hiap_geo build"):
        load_layer("E06000001", "lsoa", 2025)
    assert isinstance(load_layer("kent", "lsoa", 2025), gpd.GeoDataFrame)
