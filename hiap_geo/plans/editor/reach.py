"""What one action reaches today: its LSOAs, wards, people and deciles, and what each target resolves to.

The one part of the editor that reads data (the IoD edition and the lookups), so it stays apart from the pure
edits."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from hiap_geo.core.text import counted
from hiap_geo.plans.editor.edits import item_index, target_summary
from hiap_geo.plans.editor.problems import Problem
from hiap_geo.plans.schema import (
    CodesTarget,
    DistrictTarget,
    NamesTarget,
    Plan,
    PlanError,
    RuleTarget,
    Target,
    TargetError,
)


def _area_words(name: str, area_type: str, ward: str | None) -> str:
    """'Tunbridge Wells 008A, Sherwood ward' (an LSOA), 'Sherwood ward' (a ward): an area as a reader names it."""
    if area_type == "ward":
        return f"{name} ward"
    return f"{name}, {ward} ward" if area_type == "lsoa" and ward else name


# ---------------------------------------------------------------------------------------------
# Reach of one action
# ---------------------------------------------------------------------------------------------


@dataclass
class Reach:
    """What one action reaches now: its LSOAs (with ward, IMD decile and population), wards and people.

    ``lsoas`` columns: lsoa_code, lsoa_name, ward_code, ward_name, imd_decile, population, reach ('lsoa',
    'ward' or 'district': how the action reaches it). ``deciles`` counts the LSOAs per national IMD decile
    (1-10, zeros kept). ``targets`` has one line per target saying what it resolves to today; ``problems``
    the targets that cannot be resolved (they reach nothing). ``district_wide`` is True when a target is the
    whole area, so the counts are the whole district's.
    """

    action_id: str
    lsoas: pd.DataFrame
    wards: pd.DataFrame
    people: float
    deciles: dict[int, int]
    targets: list[str]
    problems: list[Problem] = field(default_factory=list)
    district_wide: bool = False

    @property
    def n_lsoas(self) -> int:
        return len(self.lsoas)

    @property
    def n_wards(self) -> int:
        return len(self.wards)


def action_reach(plan: Plan, action_id: str) -> Reach:
    """How many LSOAs, wards and people an action reaches, their IMD deciles, and what each target resolves
    to today (rules are evaluated on the data now). Wards reach their LSOAs through the edition's best-fit
    lookup, as on the Plan page; population is the IoD edition's."""
    from hiap_geo.geo.deprivation import load_iod
    from hiap_geo.plans.resolve import Resolver, area_lookup, lsoa_reach, resolve_targets

    action = plan.actions[item_index(plan, "action", action_id)]
    resolver = Resolver(plan.model_copy(update={"actions": [action]}))
    wards = dict(zip(resolver.lookup["lsoa_code"], resolver.lookup["ward_name"], strict=True))
    lines: list[str] = []
    problems: list[Problem] = []
    usable: list[Target] = []
    for i, target in enumerate(action.target_areas):
        where = f"target_areas[{i}]"
        summary = target_summary(target, plan.edition)
        if isinstance(target, CodesTarget | NamesTarget):  # the areas are named below, by name and ward
            summary = summary.split(": ", 1)[0]
        words = (target.quote or target.rule.describe(plan.edition)) if isinstance(target, RuleTarget) else summary
        areas = []
        if isinstance(target, CodesTarget | NamesTarget):  # each code or name on its own: one typo hides no other
            kept = []
            values = target.codes if isinstance(target, CodesTarget) else target.names
            for value in values:
                try:
                    areas.append(resolver.code(value) if isinstance(target, CodesTarget)
                                 else resolver.name(value, target.area_type))
                    kept.append(value)
                except TargetError as exc:
                    problems.append(Problem(str(exc), exc.kind, where, action_id, value=value))
            if kept:
                key = "codes" if isinstance(target, CodesTarget) else "names"
                usable.append(target.model_copy(update={key: kept}))
        else:
            try:
                areas = list(resolver.target(target))
                usable.append(target)
            except (TargetError, PlanError) as exc:
                kind = exc.kind if isinstance(exc, TargetError) else "reference"
                problems.append(Problem(str(exc), kind, where, action_id, value=words))
                lines.append(f"{summary}: cannot be resolved ({exc})")
                continue
        if isinstance(target, DistrictTarget):
            lines.append(f"The whole of {plan.area.name}" if target.specified
                         else f"No place named yet: the whole of {plan.area.name} counts until one is")
        elif not areas:
            lines.append(f"{summary}: no area today")
            if isinstance(target, RuleTarget):
                problems.append(Problem(f"{summary} selects no area of {plan.area.name}: the target reaches nothing.",
                                        "empty_rule", where, action_id, value=words))
        else:
            shown = "; ".join(_area_words(a.name, a.area_type, wards.get(a.code)) for a in areas[:12])
            more = f"; and {len(areas) - 12} more" if len(areas) > 12 else ""
            if isinstance(target, CodesTarget | NamesTarget):  # the summary counts them already
                lines.append(f"{summary[:1].upper()}{summary[1:]}: {shown}{more}")
            else:
                lines.append(f"{summary[:1].upper()}{summary[1:]}: {counted(len(areas), 'area')} ({shown}{more})")
    one = plan.model_copy(update={"actions": [action.model_copy(update={"target_areas": usable})]})
    resolved = resolve_targets(one, strict=False)
    reach = lsoa_reach(one, resolved)
    lookup = area_lookup(plan)
    iod = load_iod(plan.edition)[["lsoa_code", "imd_decile", "population"]]
    lsoas = (reach[["lsoa_code", "reach"]]
             .merge(lookup[["lsoa_code", "lsoa_name", "ward_code", "ward_name"]], on="lsoa_code", how="left")
             .merge(iod, on="lsoa_code", how="left"))
    lsoas = lsoas[["lsoa_code", "lsoa_name", "ward_code", "ward_name", "imd_decile", "population", "reach"]]
    lsoas = lsoas.sort_values("lsoa_code").reset_index(drop=True)
    wards = (lsoas.groupby(["ward_code", "ward_name"], as_index=False)
             .agg(lsoas=("lsoa_code", "size"), population=("population", "sum")))
    counts = lsoas["imd_decile"].dropna().astype(int).value_counts()
    deciles = {d: int(counts.get(d, 0)) for d in range(1, 11)}
    return Reach(action_id, lsoas, wards, float(lsoas["population"].sum()), deciles, lines, problems,
                 any(isinstance(t, DistrictTarget) for t in action.target_areas))
