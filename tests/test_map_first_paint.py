"""England's first map is its geometry alone (issue 25): at most a tenth of the bytes of ``GeoDataFrame.explore()``.

Built from the real files (England's 33,755 LSOAs of IoD 2025, the display layer the app draws), in a cache of its
own so that the other tests keep reading Kent. Bytes, not seconds: the ratio does not depend on the machine.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

FIRST_PAINT_RATIO = 0.10
"""Issue 25's target: the file the first paint fetches, against explore()'s page for the same map."""


@pytest.fixture(scope="module")
def england(session_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from hiap_geo.geo.layers import build

    cache = tmp_path_factory.mktemp("england-cache")
    (cache / "sources").symlink_to(session_cache / "sources", target_is_directory=True)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HIAP_CACHE_DIR", str(cache))
        yield build("england").slug


def test_englands_first_map_is_geometry_alone_and_a_tenth_of_explore(england: str) -> None:
    from hiap_geo.geo.layers import load_layer
    from hiap_geo.geo.measures import map_areas, measure
    from hiap_geo.render.map_component import map_view

    chosen = measure("lsoa", "imd", "decile")
    layer = load_layer(england, "lsoa", 2025, display=True)
    assert len(layer) == 33_755
    view = map_view(map_areas(layer, "lsoa", chosen), chosen)
    geometry, names = view.assets[0], view.assets[-1]
    assert view.payload["areas"].endswith(geometry.name) and view.payload["names"].endswith(names.name)
    assert set(json.loads(geometry.body)) == {"geometry"}  # no names, no codes: those come after the first paint
    assert len(json.loads(names.body)["areas"]["code"]) == 33_755
    plain = layer[["lsoa_code", "lsoa_name", "ward_name", "lad_name", chosen.column, "geometry"]]
    explore = len(plain.explore(column=chosen.column).get_root().render().encode())
    ratio = len(geometry.body) / explore
    print(f"England first map: geometry file {len(geometry.body) / 1e6:.2f} MB, names file "
          f"{len(names.body) / 1e6:.2f} MB, explore() {explore / 1e6:.2f} MB: {ratio:.3f}x")
    assert ratio <= FIRST_PAINT_RATIO, ratio
