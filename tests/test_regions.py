"""Regions and England as choices beside districts: which districts a region gives, only built ones offered,
and a region drawn on the map explorer."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from hiap_geo.core import settings
from hiap_geo.core.errors import UnknownArea
from hiap_geo.geo.lookups import (
    current_districts,
    district_regions,
    districts_in_area,
    districts_in_region,
    lsoas_in_districts,
    regions,
)
from hiap_geo.views.datasets import built_layers, regions_note
from hiap_geo.views.explorer import ENGLAND, area_choices, districts_of, kent_and_medway

pytestmark = pytest.mark.integration

SOUTH_EAST, LONDON, NORTH_EAST = "E12000008", "E12000007", "E12000001"


def test_every_english_district_is_in_one_of_nine_regions(real_data: Path) -> None:
    table = district_regions()
    assert len(regions()) == 9
    assert set(table["lad_code"]) == set(current_districts()["lad_code"])  # all 296, none twice
    assert table["lad_code"].is_unique
    assert regions()[SOUTH_EAST] == "South East"


def test_a_region_gives_its_districts(real_data: Path) -> None:
    south_east = districts_in_region(SOUTH_EAST)
    assert len(south_east) == 64
    assert set(kent_and_medway()) <= set(south_east)  # Kent and Medway lie in the South East
    assert "E09000033" in districts_in_region(LONDON) and "E09000033" not in south_east  # Westminster
    assert districts_in_area(SOUTH_EAST) == south_east  # `build --area E12000008`
    with pytest.raises(UnknownArea):
        districts_in_region("E12000099")


def test_only_what_the_build_holds_whole_is_offered(real_data: Path) -> None:
    assert area_choices(kent_and_medway()) == {}  # the Kent build holds no whole region
    south_east = districts_in_region(SOUTH_EAST)
    offered = area_choices(south_east + ["E09000033"])
    assert list(offered) == [SOUTH_EAST] and "South East" in offered[SOUTH_EAST]
    everything = area_choices(current_districts()["lad_code"])
    assert ENGLAND in everything and len(everything) == 10
    assert districts_of(SOUTH_EAST, south_east) == tuple(sorted(south_east))
    assert districts_of(ENGLAND, kent_and_medway()) == tuple(sorted(kent_and_medway()))  # never unbuilt ones


def app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(settings.PROJECT_ROOT / "app.py"), default_timeout=180)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def subheaders(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in at.header)  # the map explorer's h2 under its title


def test_the_kent_build_offers_no_region_and_says_so(kent: str) -> None:
    at = app()
    assert not at.exception
    assert "Area" not in [box.label for box in at.sidebar.selectbox]
    assert not at.sidebar.caption  # said on the Data sources page, not above every map at 1366x768
    assert "hold no whole region" in (regions_note() or "")
    at = app({"area": "kent"})  # a link to Kent and Medway
    assert at.multiselect(key="districts").value == kent_and_medway()
    at = app({"area": SOUTH_EAST})  # a link to a region this build does not hold: named, not drawn
    assert any(SOUTH_EAST in str(w.value) for w in at.sidebar.warning)
    assert "(69 areas, IoD 2025)" in subheaders(at)  # Tunbridge Wells, as without the link


@pytest.fixture(scope="module")
def england_cache(session_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """England built in a cache of its own (the session's sources, linked): the build regions need."""
    from hiap_geo.geo.layers import build

    cache = tmp_path_factory.mktemp("england")
    (cache / "sources").symlink_to(session_cache / "sources", target_is_directory=True)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HIAP_CACHE_DIR", str(cache))
        build("england")
    return cache


@pytest.mark.slow
def test_choosing_a_region_draws_its_map(england_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIAP_CACHE_DIR", str(england_cache))
    at = app()
    area = at.selectbox(key="area")
    assert "North East (region, 12 districts)" in area.options and "England (296 districts)" in area.options
    area.set_value(NORTH_EAST).run()
    assert not at.exception
    lsoas = len(lsoas_in_districts(districts_in_region(NORTH_EAST), 2025))
    assert f"({lsoas:,} areas, IoD 2025)" in subheaders(at)
    assert at.selectbox(key="area").value == NORTH_EAST
    assert not [m for m in at.sidebar.multiselect if m.key == "districts"]  # a region replaces the districts box


def test_a_layer_is_read_by_column_for_the_sidebar(kent: str) -> None:
    from hiap_geo.core.errors import LayerNotBuilt
    from hiap_geo.geo.deprivation import load_iod, measure_columns
    from hiap_geo.geo.layers import layer_columns

    deciles = layer_columns(kent, "lsoa", 2025, ["imd_decile", "idaci_decile", "not_a_column"])
    assert list(deciles.columns) == ["imd_decile", "idaci_decile"] and len(deciles) == 1107  # no geometry
    for year in (2019, 2025):  # the measures offered are the ones the national tables have figures for
        assert measure_columns(layer_columns(kent, "lsoa", year), "decile") == measure_columns(load_iod(year), "decile")
    with pytest.raises(LayerNotBuilt):
        layer_columns("E06000001", "lsoa", 2025)


@pytest.mark.slow
def test_a_region_build_is_used_and_offers_its_region(session_cache: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from hiap_geo.geo.layers import build
    from hiap_geo.views.explorer import build_in_use, built_districts

    (tmp_path / "sources").symlink_to(session_cache / "sources", target_is_directory=True)
    monkeypatch.setenv("HIAP_CACHE_DIR", str(tmp_path))
    build(NORTH_EAST)
    assert build_in_use() == NORTH_EAST  # neither england nor kent: the region built is read
    assert list(area_choices(built_districts(NORTH_EAST))) == [NORTH_EAST]
    assert regions_note() is None  # the region is offered: nothing to explain
    assert built_layers()[0].title.startswith("North East: 12 districts, built ")
    at = app({"area": NORTH_EAST})
    assert not at.exception
    lsoas = len(lsoas_in_districts(districts_in_region(NORTH_EAST), 2025))
    assert f"({lsoas:,} areas, IoD 2025)" in subheaders(at)
