"""Moving a plan's areas to another IoD edition (the next period's draft on IoD 2025): the LSOA codes it names
go through the ONS LSOA 2011 -> 2021 lookup, its area lists are re-derived from their own description where
the document gives one, duplicates are removed, and every change is said in words for the writer to read
before saving.

The ONS lookup says how each 2011 LSOA became 2021 ones: U unchanged, S split (the code becomes its
children), M merged (the code becomes the merged one), X redrawn (the code becomes the 2021 LSOAs it overlaps,
flagged: the writer checks the areas still say what the action meant).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hiap_geo.core.text import counted
from hiap_geo.geo.lookups import lsoa_crosswalk
from hiap_geo.plans.editor.edits import plan_data
from hiap_geo.plans.resolve import Resolver
from hiap_geo.plans.schema import Plan, RuleTarget

HOW: dict[str, str] = {"S": "was split", "M": "was merged", "X": "was redrawn"}

_FOOTNOTE_MARKS = re.compile("[\u00b9\u00b2\u00b3\u2070\u2074-\u2079]+(?=\\s*:?\\s*$)")
"""Superscript footnote marks at the end of a quote ('are³:'), whose footnote the draft does not carry."""


@dataclass(frozen=True)
class EditionMove:
    """The plan on the new edition's areas, and what changed (plain sentences, in order) for the writer."""

    plan: Plan
    changes: tuple[str, ...]
    flagged: tuple[str, ...] = ()
    """LSOAs whose boundary was redrawn: the writer checks the action still means them."""


def _successors(crosswalk: pd.DataFrame) -> dict[str, tuple[str, list[str]]]:
    """2011 code -> (change indicator, its 2021 codes in order)."""
    out: dict[str, tuple[str, list[str]]] = {}
    for old, group in crosswalk.groupby("lsoa11_code", sort=False):
        out[str(old)] = (str(group["change"].iloc[0]), list(dict.fromkeys(group["lsoa21_code"])))
    return out


def _unique(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(codes))


def move_codes(codes: list[str], successors: dict[str, tuple[str, list[str]]], where: str,
               changes: list[str], flagged: list[str]) -> list[str]:
    """``codes`` on the 2021 LSOAs (ward and other codes unchanged), saying each change in ``changes``."""
    moved: list[str] = []
    for code in codes:
        if not code.startswith("E01") or code not in successors:
            moved.append(code)
            continue
        change, new = successors[code]
        moved.extend(new)
        if change in HOW:
            changes.append(f"{where}: {code} {HOW[change]}; now {', '.join(new)}.")
            if change == "X":
                flagged.extend(new)
    unique = _unique(moved)
    if len(unique) < len(moved):
        changes.append(f"{where}: {counted(len(moved) - len(unique), 'duplicate code')} removed.")
    return unique


def move_to_edition(plan: Plan, edition: int) -> EditionMove:
    """The plan on ``edition``'s areas (2019 -> 2025: LSOA 2011 -> 2021), with what changed in words.

    Area lists with a description the data can evaluate (``claim``) are re-derived from it on the new edition;
    others have their codes moved and duplicates removed. Moving back (2025 -> 2019) is refused: the ONS
    lookup is one-way for splits and merges.
    """
    if edition == plan.edition:
        return EditionMove(plan, ())
    if not (plan.edition == 2019 and edition == 2025):
        raise ValueError(f"A plan moves from IoD 2019 to IoD 2025 areas, not from {plan.edition} to {edition}.")
    successors = _successors(lsoa_crosswalk())
    data: dict[str, Any] = plan_data(plan)
    data["edition"] = edition
    changes: list[str] = ["Areas moved from IoD 2019 (LSOA 2011) to IoD 2025 (LSOA 2021)."]
    flagged: list[str] = []
    for action in data["actions"]:
        for target in action["target_areas"]:
            if target.get("kind") == "codes":
                target["codes"] = move_codes(list(target["codes"]), successors, f"Action {action['id']}",
                                             changes, flagged)
            elif target.get("kind") == "rule" and target["rule"].get("edition") == 2019:
                target["rule"].pop("edition")  # a rule of the plan's own edition reads the new one's data
    moved_plan = Plan.model_validate(data)
    resolver = Resolver(moved_plan)
    wards = dict(zip(resolver.lookup["lsoa_code"], resolver.lookup["ward_name"], strict=True))
    for lst in data.get("area_lists", []):
        if lst.get("quote"):
            lst["quote"] = _FOOTNOTE_MARKS.sub("", lst["quote"]).rstrip()
        claim = lst.get("claim")
        if claim:
            target = RuleTarget.model_validate({"kind": "rule", "rule": claim})
            areas = [a for a in resolver.target(target) if a.area_type == "lsoa"]
            before = len(lst["entries"])
            lst["entries"] = [{"text": f"{a.name} ({wards.get(a.code, '')} ward)".replace(" ( ward)", ""),
                               "code": a.code, "name": a.name, "area_type": "lsoa",
                               **({"ward": wards[a.code]} if a.code in wards else {})} for a in areas]
            changes.append(f"Area list '{lst['title']}' re-derived from its description on IoD 2025: "
                           f"{counted(len(areas), 'area')} (the document listed {before}).")
            continue
        seen: set[str] = set()
        entries = []
        for entry in lst["entries"]:
            if not entry.get("code"):
                entries.append(entry)
                continue
            for code in move_codes([entry["code"]], successors, f"Area list '{lst['title']}'", changes, flagged):
                if code in seen:
                    changes.append(f"Area list '{lst['title']}': duplicate entry '{entry['text']}' removed.")
                    continue
                seen.add(code)
                entries.append({**entry, "code": code})
        lst["entries"] = entries
    if flagged:
        changes.append(f"{counted(len(set(flagged)), 'redrawn LSOA')} to check ({', '.join(_unique(flagged))}): "
                       "their boundaries changed, so an action may now reach a little more or less.")
    return EditionMove(Plan.model_validate(data), tuple(changes), tuple(_unique(flagged)))
