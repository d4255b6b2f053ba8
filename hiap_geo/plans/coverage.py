"""Coverage: which deprived LSOAs the plan's actions name, and which none does.

The threshold of "deprived" is the user's (national or within-district deciles of the IMD or a domain,
or LSOAs significantly worse than England on an indicator). District-wide actions are counted apart,
so that "every area is covered" cannot hide behind actions that name no place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from hiap_geo.core.text import natural_key
from hiap_geo.geo.deprivation import MEASURES
from hiap_geo.plans.resolve import Resolver, indicator_texts, lsoa_reach, resolve_targets
from hiap_geo.plans.schema import STATUSES, DecileRule, DistrictTarget, IndicatorRule, Plan, PlanError


@dataclass
class Coverage:
    """Which deprived areas the plan's actions reach.

    - ``deprived``: one row per deprived LSOA (lsoa_code, lsoa_name, ward_code, ward_name, decile,
      criterion = why it counts, in words; targeted_by = actions that name it, its ward or a rule that
      selects it; district_wide = actions that reach it only as part of the whole district; covered =
      targeted_by is not empty). With an indicator threshold ``decile`` is empty and value,
      england_value and comparison_label say how the LSOA compares with England;
    - ``uncovered``: the deprived LSOAs no action targets specifically;
    - ``placeless_actions``: actions whose document names no place at all;
    - ``matrix``: deprived LSOAs by priority, the number of actions of that priority targeting each.
    """

    threshold: str
    deprived: pd.DataFrame
    uncovered: pd.DataFrame
    placeless_actions: pd.DataFrame
    matrix: pd.DataFrame
    basis: Literal["decile", "indicator"] = "decile"
    """What the threshold is on: deciles of the IMD or a domain, or an indicator compared with England."""


def coverage(
    plan: Plan,
    *,
    measure: str = "imd",
    decile_max: int = 2,
    decile_type: str = "national",
    indicator: IndicatorRule | None = None,
    resolved: pd.DataFrame | None = None,
) -> Coverage:
    """Deprived LSOAs (measure decile <= ``decile_max``) against the actions that target them.

    The threshold is the user's: national or within-district deciles of the IMD or any domain, or, with
    ``indicator`` (an LSOA IndicatorRule), the LSOAs that compare with England as it asks (e.g. significantly
    worse), refused like the rule (TargetError) when the indicator cannot be used on the plan's geography.
    District-wide actions are counted apart, so that 'every area is covered' cannot hide behind them.
    """
    resolver = Resolver(plan)
    rule: DecileRule | IndicatorRule
    if indicator is not None:
        if indicator.area_type != "lsoa":
            raise PlanError("Coverage is counted by LSOA: an indicator threshold needs area_type 'lsoa'.")
        rule = indicator
        chosen = resolver.indicator_rule(indicator)
        selected = pd.DataFrame(
            {
                "lsoa_code": chosen["code"],
                "lsoa_name": chosen["name"],
                "decile": pd.array([pd.NA] * len(chosen), dtype="Int64"),
                "criterion": indicator_texts(chosen),
                "value": chosen["value"],
                "england_value": chosen["england_value"],
                "comparison_label": chosen["comparison_label"],
            }
        )
    else:
        rule = DecileRule(
            rule="lsoa_decile", measure=measure, decile_min=1, decile_max=decile_max, decile_type=decile_type
        )
        selected = resolver.rule(rule)
        scope = "national" if decile_type == "national" else "within-district"
        selected["criterion"] = f"{scope} {MEASURES[measure]} {plan.edition} decile " + selected["decile"].astype(str)
    deprived = selected.merge(
        resolver.lookup[["lsoa_code", "ward_code", "ward_name"]], on="lsoa_code", how="left", validate="one_to_one"
    )
    resolved = resolve_targets(plan) if resolved is None else resolved
    reach = lsoa_reach(plan, resolved)
    specific = reach[reach["reach"] != "district"]
    wide = reach[reach["reach"] == "district"]

    def _ids(frame: pd.DataFrame) -> dict[str, str]:
        grouped = frame.groupby("lsoa_code")["action_id"]
        return {code: ";".join(sorted(set(ids), key=natural_key)) for code, ids in grouped}

    targeted, district_wide = _ids(specific), _ids(wide)
    deprived["targeted_by"] = [targeted.get(code, "") for code in deprived["lsoa_code"]]
    deprived["district_wide"] = [district_wide.get(code, "") for code in deprived["lsoa_code"]]
    deprived["covered"] = deprived["targeted_by"] != ""
    if indicator is None:  # an indicator threshold keeps its order: most adverse value first
        deprived = deprived.sort_values(["decile", "lsoa_code"])
    deprived = deprived.reset_index(drop=True)

    actions = actions_frame(plan)[["action_id", "priority_id", "title", "names_a_place"]]
    placeless = actions[~actions["names_a_place"]].drop(columns="names_a_place").reset_index(drop=True)

    priorities = [p.id for p in plan.priorities]
    hits = specific[specific["lsoa_code"].isin(deprived["lsoa_code"])]
    matrix = pd.crosstab(hits["lsoa_code"], hits["priority_id"]).reindex(
        index=deprived["lsoa_code"], columns=priorities, fill_value=0
    )
    matrix = matrix.fillna(0).astype(int)
    matrix.columns.name = "priority"
    matrix.index.name = "lsoa_code"
    matrix = matrix.reset_index()
    matrix.insert(1, "lsoa_name", deprived["lsoa_name"].to_numpy())
    words = rule.describe(plan.edition)
    return Coverage(
        threshold=(words if indicator is not None else words.replace("LSOAs in", "").strip()) + f", {plan.area.name}",
        deprived=deprived,
        uncovered=deprived[~deprived["covered"]].reset_index(drop=True),
        placeless_actions=placeless,
        matrix=matrix,
        basis="decile" if indicator is None else "indicator",
    )


def actions_frame(plan: Plan) -> pd.DataFrame:
    """One row per action for filters and tables: ids, titles, lead and partners, status, targeting.

    ``organisations`` is the lead and partners as a list (filter by partner with ``.apply(lambda o: x in o)``);
    ``names_a_place`` is False for actions whose document names no place. Text is as given: escape it to show it.
    """
    titles = {p.id: p.title for p in plan.priorities}
    rows = []
    for a in plan.actions:
        rows.append(
            {
                "action_id": a.id,
                "printed_id": a.printed_id or a.id,
                "priority_id": a.priority,
                "priority_title": titles[a.priority],
                "title": a.title,
                "lead": a.lead,
                "partners": "; ".join(a.partners),
                "organisations": [o for o in [a.lead, *a.partners] if o],
                "status": a.status,
                "status_label": STATUSES[a.status] if a.status else "No status in the plan",
                "target_kinds": ", ".join(sorted({t.kind for t in a.target_areas})),
                "names_a_place": any(not (isinstance(t, DistrictTarget) and not t.specified) for t in a.target_areas),
                "target_quotes": "; ".join(t.quote for t in a.target_areas if t.quote),
                "ref": a.ref,
            }
        )
    return pd.DataFrame(rows)
