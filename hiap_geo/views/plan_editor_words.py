"""The Plan editor's words for areas and plans: every code named (LSOA name and ward), every plan by its title.

A plan holds codes (E01..., E05...) and ids; an officer reads names. ``AreaNames`` names a code from the ONS
lookups of both IoD editions (a plan moved to 2025 mentions its 2011 codes); ``named`` puts the name beside
each code of a line the library wrote (a diff, a problem, what moving a plan changed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import pandas as pd

from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.text import counted
from hiap_geo.geo.lookups import ward_lookup
from hiap_geo.plans.schema import CodesTarget, DistrictTarget, ListTarget, NamesTarget, Plan, RuleTarget, Target

CODE = re.compile(r"\bE0[15]\d{6}\b")
"""An LSOA (E01) or ward (E05) code in a line of text."""


@cache
def _names(edition: int) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    try:
        lookup = ward_lookup(edition)
    except HiapGeoError:  # the lookup not fetched: codes stay as they are, the page still works
        return {}, {}
    lsoas = dict(zip(lookup["lsoa_code"], zip(lookup["lsoa_name"], lookup["ward_name"], strict=True), strict=True))
    wards = dict(zip(lookup["ward_code"], lookup["ward_name"], strict=True))
    return lsoas, wards


@dataclass(frozen=True)
class AreaNames:
    """Names of LSOA and ward codes, the plan's edition first, then the other (moved codes keep their names)."""

    edition: int

    def _editions(self) -> list[int]:
        return [self.edition, *(e for e in (2025, 2019) if e != self.edition)]

    def words(self, code: str) -> str:
        """'Tunbridge Wells 008A, Sherwood ward' (an LSOA), 'Sherwood ward' (a ward); a code no lookup knows is
        said to be unknown rather than shown bare."""
        return self.known(code) or f"an area coded {code} that no ONS lookup names"

    def known(self, code: str) -> str | None:
        """The code's name and ward (``words``), None when no lookup knows it."""
        for year in self._editions():
            lsoas, wards = _names(year)
            if code in lsoas:
                name, ward = lsoas[code]
                return f"{name}, {ward} ward" if isinstance(ward, str) and ward else name
            if code in wards:
                return f"{wards[code]} ward"
        return None

    def named(self, text: str) -> str:
        """``text`` with each LSOA or ward code followed by its name and ward: 'E01024840 (Tunbridge Wells 008A,
        Sherwood ward)'; a code no lookup knows is left as it is (the line says what is wrong with it)."""
        def name(found: re.Match[str]) -> str:
            known = self.known(found.group(0))
            return f"{found.group(0)} ({known})" if known else found.group(0)

        return CODE.sub(name, text)


def target_words(target: Target, plan: Plan, names: AreaNames, limit: int = 12) -> str:
    """A target of an action as the editor lists it (unescaped): the areas picked by name and ward, the names,
    the rule, the list's title, the district."""
    if isinstance(target, CodesTarget):
        kinds = {"ward" if c.startswith("E05") else "LSOA" for c in target.codes}
        noun = kinds.pop() if len(kinds) == 1 else "area"
        shown = "; ".join(names.words(c) for c in target.codes[:limit])
        more = f"; and {len(target.codes) - limit} more" if len(target.codes) > limit else ""
        return f"{counted(len(target.codes), noun)} picked: {shown}{more}"
    if isinstance(target, NamesTarget):
        noun = "ward" if target.area_type == "ward" else "LSOA"
        more = f" and {len(target.names) - limit} more" if len(target.names) > limit else ""
        return f"{counted(len(target.names), noun)} named: {', '.join(target.names[:limit])}{more}"
    if isinstance(target, RuleTarget):
        return f"Rule: {target.rule.describe(plan.edition)}"
    if isinstance(target, ListTarget):
        titles = {lst.id: lst.title for lst in plan.area_lists}
        return f"The areas the plan lists as '{titles.get(target.list, target.list)}'"
    if isinstance(target, DistrictTarget) and target.specified:
        return f"The whole of {plan.area.name}"
    return f"No place named yet (counts as the whole of {plan.area.name} until one is)"


def plan_label(plan: Plan, saved: str = "") -> str:
    """A plan in the list to open (unescaped): 'Tunbridge Wells: Health Inequalities Action Plan 2026-28,
    2026-28 (IoD 2025), last saved 6 Dec 2026 21:30'."""
    period = "" if plan.period in plan.title else f", {plan.period}"
    return f"{plan.area.name}: {plan.title}{period} (IoD {plan.edition}){saved}"


def when(moment: object) -> str:
    """A time in words, '6 Dec 2026 at 21:30 UTC'; '' when there is none."""
    stamp = pd.Timestamp(moment) if moment is not None else None
    if stamp is None or pd.isna(stamp):
        return ""
    return f"{stamp:%-d %b %Y} at {stamp:%H:%M} UTC"


def counted_problems(n: int) -> str:
    """', 1 problem to fix' / ', 3 problems to fix' / ''."""
    return f", {counted(n, 'problem')} to fix" if n else ""


def lines_named(lines: Iterable[str], names: AreaNames) -> list[str]:
    """Each line with its codes named (``AreaNames.named``)."""
    return [names.named(line) for line in lines]


_FIRST = re.compile(r"^Plan '.*' added with (\d+) action\(s\)\.$")


def first_version(line: str) -> str:
    """The store's line for a plan's first version, without the plan's id: 'The first version, with 3 actions.'"""
    found = _FIRST.match(line)
    return f"The first version, with {counted(int(found.group(1)), 'action')}." if found else line
