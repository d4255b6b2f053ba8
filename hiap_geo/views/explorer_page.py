"""What the Map explorer page draws with, from the library, in one place: pages import only views (the page rule).

Re-exported as they are; what the page computes itself lives in ``hiap_geo.views.explorer``. A module of its own,
not ``explorer``, because the sidebar of every page imports ``explorer`` and should not load the PNG map's
matplotlib with it.
"""

from __future__ import annotations

import geopandas as gpd

from hiap_geo.core.attribution import full_attribution
from hiap_geo.core.cells import csv_bytes
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.limits import MAX_GROUP_AREAS
from hiap_geo.core.text import escape_markdown
from hiap_geo.geo.measures import available, map_areas, measure
from hiap_geo.render.map_component import map_view
from hiap_geo.render.maps import Outline, area_at
from hiap_geo.render.png_download import map_download, map_file_name

Areas = gpd.GeoDataFrame
"""The areas a map draws (code, name, ward, district, value, geometry), for the page's type hints."""

__all__ = [
    "Areas",
    "MAX_GROUP_AREAS",
    "HiapGeoError",
    "Outline",
    "area_at",
    "available",
    "csv_bytes",
    "escape_markdown",
    "full_attribution",
    "map_areas",
    "map_download",
    "map_file_name",
    "map_view",
    "measure",
]
