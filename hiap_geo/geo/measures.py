"""What can be mapped at each geography level, and the areas table a map and its table show.

A measure is one column of a built layer with a label, a kind (decile, rank, score, share,
change) and a direction, so that the most deprived areas are always drawn darkest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import pandas as pd

from hiap_geo.core.errors import HiapGeoError
from hiap_geo.geo.deprivation import MEASURES, SCORE_WEIGHTING

Kind = Literal["decile", "rank", "score", "share", "change", "category"]
VALUE_TYPES = {"decile": "Decile", "rank": "Rank", "score": "Score"}
WARD_VALUE_TYPES = {"score": "Population-weighted average score", "share": "Population in national deciles 1-2"}


@dataclass(frozen=True)
class MapMeasure:
    column: str
    label: str
    kind: Kind
    higher_is_more_deprived: bool
    local: bool = False
    missing_label: str = "No data"
    """What a blank means for this measure, in the legend and the tooltip."""
    ends: tuple[str, str] = ("most deprived", "least deprived")
    """How a score legend names its first (darkest) and last class; an indicator says 'worst' and 'best'."""
    categories: tuple[tuple[str, str], ...] = ()
    """For kind 'category': (label, colour) per class in legend order; the value column holds the label."""

    def legend_title(self) -> str:
        return self.label


def measure(level: str, key: str, value_type: str, local: bool = False, year: int | None = None) -> MapMeasure:
    """The column to map for a measure key ('imd', 'health', ...) and a value type at a level.

    With ``year``, a ward or district average score says how HIAP Geo weighted it (:data:`SCORE_WEIGHTING`):
    the label goes into the legend, the table, the CSV and the PNG's title."""
    if key == "imd_change":
        return MapMeasure("imd_decile_change", "Change in IMD decile, 2019 to 2025", "change", False,
                          missing_label="Not directly comparable (redrawn, or merged from 2011 LSOAs in "
                          "different 2019 deciles)")
    if key not in MEASURES:
        raise HiapGeoError(f"Unknown measure '{key}'; choose one of {', '.join(MEASURES)}.")
    name = MEASURES[key]
    if level == "lsoa":
        if value_type == "decile":
            if local:  # the cut in words: hiap_geo.geo.deprivation.LOCAL_DECILE_RULE
                return MapMeasure(f"{key}_local_decile",
                                  f"{name}: local (within district) decile: the district's LSOAs by national "
                                  "rank, cut in tenths (extra LSOAs from decile 1)", "decile", False, True,
                                  missing_label="No local decile: district has fewer than 10 LSOAs")
            return MapMeasure(f"{key}_decile", f"{name}: national decile", "decile", False)
        if value_type == "rank":
            return MapMeasure(f"{key}_rank", f"{name}: rank in England (1 = most deprived)", "rank", False)
        if value_type == "score":
            return MapMeasure(f"{key}_score", f"{name}: score", "score", True)
    else:
        if value_type == "score":
            how = SCORE_WEIGHTING.get(year, "population-weighted") if year is not None else "population-weighted"
            return MapMeasure(f"{key}_score", f"{name}: average score, {how}", "score", True)
        if value_type == "share" and key == "imd":
            return MapMeasure("imd_pop_share_decile_1_2", "Population in national IMD deciles 1-2", "share", True)
    raise HiapGeoError(f"'{value_type}' is not available for {name} at {level} level.")


def available(layer: pd.DataFrame, candidate: MapMeasure) -> bool:
    """True when the layer has any value for the measure (e.g. IoD 2019 has no health scores)."""
    return candidate.column in layer and layer[candidate.column].notna().any()


def map_areas(layer: gpd.GeoDataFrame, level: str, chosen: MapMeasure) -> gpd.GeoDataFrame:
    """The columns a map and its table need: code, name, ward, district, value, geometry."""
    if level == "lsoa":
        frame = pd.DataFrame({
            "code": layer["lsoa_code"], "name": layer["lsoa_name"],
            "ward": layer["ward_name"], "district": layer["lad_name"],
        })
    else:
        frame = pd.DataFrame({
            "code": layer["code"], "name": layer["name"],
            "ward": layer["name"] if level == "ward" else "",
            "district": layer["lad_name"] if "lad_name" in layer else layer["name"],
        })
    frame["value"] = layer.get(chosen.column, pd.NA)
    return gpd.GeoDataFrame(frame, geometry=layer.geometry.values, crs=layer.crs)
