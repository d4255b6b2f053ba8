"""The HAT chair's journey on the Plan page (issue 23): presenting one action zooms the map to its areas with
the legend folded; the title is in full; its areas are listed by name and ward, not in the resolver's words."""

from __future__ import annotations

import re

import pytest

from hiap_geo.geo.layers import load_layer
from hiap_geo.plans.load import read_plan
from hiap_geo.plans.schema import PLANS_DIR
from hiap_geo.views import plan as pm
from hiap_geo.views import plan_map as pmap
from hiap_geo.views.explorer import areas_of

TW = "E07000116"
TW_PLAN = PLANS_DIR / "tunbridge-wells-2023-25.yaml"


@pytest.fixture(scope="module")
def tw_reach(kent: str) -> pm.PlanReach:
    return pm.plan_reach(read_plan(TW_PLAN).plan)


def test_presenting_an_action_zooms_to_its_areas_with_the_legend_folded(kent: str, tw_reach: pm.PlanReach) -> None:
    layer = areas_of(load_layer(kent, "lsoa", 2019, display=True), "lsoa", 2019, (TW,))
    ids = [a.id for a in tw_reach.plan.actions]
    chosen = pmap.highlight(tw_reach, "lsoa", "action:3.4")
    whole = pmap.plan_map_view(pmap.plan_map(layer, "lsoa", "count", tw_reach, ids), presentation=True).payload
    stepping = pmap.plan_map(layer, "lsoa", "count", tw_reach, ids, chosen=chosen)
    view = pmap.plan_map_view(stepping, presentation=True).payload
    picked = stepping.areas[stepping.areas["code"].isin(chosen.codes)].total_bounds  # minx, miny, maxx, maxy
    assert [*view["fit"][0], *view["fit"][1]] == pytest.approx([picked[1], picked[0], picked[3], picked[2]], abs=1e-5)
    assert (view["fit"][1][0] - view["fit"][0][0]) < (whole["fit"][1][0] - whole["fit"][0][0]) / 2  # closer
    assert view["foldLegend"] and not whole["foldLegend"]  # the legend folds to its title on the step
    # out of presentation the chosen action is framed too, with the legend as the user left it
    plain = pmap.plan_map_view(stepping).payload
    assert plain["fit"] == view["fit"] and not plain["foldLegend"]


def test_the_action_is_named_in_full_and_its_areas_by_name_and_ward(tw_reach: pm.PlanReach) -> None:
    plan = tw_reach.plan
    longest = max(plan.actions, key=lambda a: len(a.title))
    options = pmap.highlight_options(plan, [a.id for a in plan.actions])
    assert options[f"action:{longest.id}"] == f"Action {longest.id}: {longest.title}"
    assert not any(label.endswith("...") or label.endswith("…") for label in options.values())
    lines, note = pmap.highlight_listing(pm.action_areas(tw_reach, "lsoa", "3.4"), "lsoa")
    assert note is None and len(lines) == 5
    assert all(re.fullmatch(r"Tunbridge Wells \d{3}[A-Z], .+ ward", line) for line in lines), lines
    assert not any("E01" in line or "area list" in line or "LSOA 2011" in line for line in lines)


def test_the_map_png_title_names_the_place_and_the_edition(tw_reach: pm.PlanReach) -> None:
    title = pmap.map_title(tw_reach.plan, "deprivation")
    assert title.startswith("Tunbridge Wells: ") and title.endswith(": deprivation (IoD 2019)")
    assert "iod edition" not in title.lower()
    assert pmap.map_title(tw_reach.plan, "count").endswith(": number of actions naming each area")


def test_a_clicked_area_is_outlined_and_named_unless_an_action_is(kent: str, tw_reach: pm.PlanReach) -> None:
    layer = areas_of(load_layer(kent, "lsoa", 2019, display=True), "lsoa", 2019, (TW,))
    ids = [a.id for a in tw_reach.plan.actions]
    plain = pmap.plan_map(layer, "lsoa", "count", tw_reach, ids)
    view = pmap.plan_map_view(plain, clicked="E01024840").payload
    assert plain.areas["code"].iloc[view["selected"]].tolist() == ["E01024840"]
    assert "Selected: E01024840 Tunbridge Wells 005A" in view["legend"] and view["fit"] == pmap.plan_map_view(
        plain).payload["fit"]  # a click never reframes the map
    chosen = pmap.highlight(tw_reach, "lsoa", "action:3.4")
    stepping = pmap.plan_map(layer, "lsoa", "count", tw_reach, ids, chosen=chosen)
    assert len(pmap.plan_map_view(stepping, clicked="E01024795").payload["selected"]) == 5  # the action's areas

