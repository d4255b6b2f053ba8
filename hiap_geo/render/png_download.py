"""A page's "Download map (PNG)" button, without loading matplotlib until the image is asked for.

``hiap_geo.render.static_map`` draws the image; importing it brings matplotlib (0.6-0.7 s in a new server), which
the map pages' first visit never needs: the image is drawn only when the button is clicked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import geopandas as gpd

from hiap_geo.geo.measures import MapMeasure
from hiap_geo.render.maps import Outline
from hiap_geo.render.maps import map_file_name as map_file_name  # the image's file name, with the button


def map_download(
    areas: gpd.GeoDataFrame, chosen: MapMeasure, title: str, *, subtitle: str = "", outlines: Sequence[Outline] = ()
) -> Callable[[], bytes]:
    """What a page's "Download map (PNG)" button is given: the PNG is drawn only when the button is clicked
    (Streamlit calls it then), so a page does not pay for an image nobody asked for, nor for matplotlib's import."""
    kept = tuple(outlines)

    def draw() -> bytes:
        from hiap_geo.render.static_map import page_map_png

        return page_map_png(areas, chosen, title, subtitle=subtitle, outlines=kept)

    return draw
