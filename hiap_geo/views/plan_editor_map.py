"""The Plan editor's map: the plan's LSOAs or wards over their deprivation, on which a click (or Enter on an area
focused with the keyboard) picks an area for the action being edited.

Drawn with the recolouring map component (``render.map_component.map_view``), as the Map explorer is: the
geometry goes to the browser once per level, and a change (another action, an area picked, a rule added) sends
only the outlines' indices and the tooltips, so the user's zoom stays where they left it. The picked areas are
outlined in the highlight colour (``selected``), those the action's other targets reach in orange (``marked``);
the legend and every tooltip say which, so colour is never alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd

from hiap_geo.geo.measures import MapMeasure, map_areas, measure
from hiap_geo.plans.schema import Plan
from hiap_geo.render.map_component import AreaMarks, MapView, map_view
from hiap_geo.render.maps import Outline, area_at, display_values
from hiap_geo.views import plan as plan_view
from hiap_geo.views.plan_editor import PICK_LEVELS, picked_codes
from hiap_geo.views.plan_map import DISTRICT_LINE, WARD_LINE

PICKED_LABEL = "Picked for this action (click to remove)"
REACHED_LABEL = "Reached by its rule, names or list"
REACHED_COLOUR = "#ff7f00"
"""The areas an action reaches by a rule, names or a list: orange, apart from the picked areas' magenta and from
every decile colour."""
REACHED_WEIGHT = 3.0
MAP_HEIGHT = 440
"""At most this tall (the component keeps this much room); ``fit_window`` keeps the whole map in view at 1366x768,
where it sits beside the action's targets and form, under the action picker."""


@dataclass(frozen=True)
class PickMap:
    """The picking map and what it shows: ``areas`` (code, name, ward, district, value, geometry) to find the area
    under a click, the codes picked for the action and those its other targets reach."""

    view: MapView
    areas: gpd.GeoDataFrame
    measure: MapMeasure
    picked: frozenset[str]
    reached: frozenset[str]

    def code_at(self, lat: float, lng: float) -> str | None:
        """The code of the area under a click, None outside every area."""
        return area_at(self.areas, lat, lng)

    def has(self, code: str) -> bool:
        """Whether ``code`` is an area of this map (a keyboard pick names one)."""
        return code in set(self.areas["code"])


def pick_measure(level: str, edition: int) -> MapMeasure:
    """Deprivation under the picked areas: IMD national decile by LSOA, population-weighted IMD score by ward."""
    base = measure(level, "imd", "decile" if level == "lsoa" else "score", year=edition)
    return MapMeasure(base.column, f"{base.label} (IoD {edition})", base.kind, base.higher_is_more_deprived)


def reached_codes(reach: plan_view.PlanReach, level: str, action_id: str) -> frozenset[str]:
    """Codes of ``level`` an action names by any target (codes, names, a rule, a list); not district-wide reach."""
    rows = reach.at(level)
    rows = rows[(rows["action_id"] == action_id) & (rows["reach"] != "district")]
    return frozenset(rows["code"])


def pick_map(
    layer: gpd.GeoDataFrame,
    level: str,
    plan: Plan,
    action_id: str,
    reached: frozenset[str] = frozenset(),
    *,
    wards: gpd.GeoSeries | None = None,
    districts: gpd.GeoSeries | None = None,
    frame: Sequence[str] | None = None,
    geometry_json: str | None = None,
    basemap: str | None = None,
) -> PickMap:
    """The plan's areas at ``level`` over their deprivation, the action's picked areas outlined in the highlight
    colour and those its other targets reach in orange; every tooltip says which and what a click does.
    ``layer`` holds the built layer's rows of the plan's area on the plan's edition; ``frame`` the codes to
    frame (the action's areas when it was chosen: a pick does not move the view), all areas when none."""
    if level not in PICK_LEVELS:
        raise plan_view.PlanPageError(f"Areas are picked as {' or '.join(PICK_LEVELS)}, not '{level}'.")
    chosen = pick_measure(level, plan.edition)
    areas = map_areas(layer, level, chosen)
    picked = picked_codes(plan, action_id, level)
    values = display_values(areas["value"], chosen)
    tips = [
        f"{v}; " + ("picked for this action: click to remove it" if code in picked
                    else "reached by another of its targets (rule, names or list); click to pick it as well"
                    if code in reached else "click to pick it for this action")
        for code, v in zip(areas["code"], values, strict=True)
    ]
    outlines = []
    if wards is not None and level == "lsoa" and len(wards):
        outlines.append(Outline(wards, *WARD_LINE, label="Ward boundary"))
    if districts is not None and len(districts):
        outlines.append(Outline(districts, *DISTRICT_LINE))
    framed = areas[areas["code"].isin(frame)].geometry if frame else None
    view = map_view(areas, chosen, outlines=outlines, selected=sorted(picked), selected_label=PICKED_LABEL,
                    marked=AreaMarks(sorted(reached - picked), REACHED_COLOUR, REACHED_WEIGHT, REACHED_LABEL),
                    tooltip_values=tips,
                    geometry_json=geometry_json, fit=framed, height=MAP_HEIGHT, fit_window=True, basemap=basemap)
    return PickMap(view, areas, chosen, picked, reached)
