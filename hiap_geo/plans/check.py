"""Check a transcribed plan against the official data: every disagreement, with both sides' words.

``python -m hiap_geo plan check <file>`` and the app's Plan page show the same report. Nothing is
corrected: a code under the wrong ward, a decile the IMD does not give, a code that does not exist,
an entry listed twice, a list that claims to hold "the 40% most deprived" but misses one, each
becomes a ``Discrepancy`` quoting what the document says and what the data says. The figures the document
states about its areas (transcribed in ``data/plan_figures``) are checked too, each with a verdict
(:func:`check_plan_claims`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Literal

import pandas as pd

from hiap_geo.core.text import name_key
from hiap_geo.geo.deprivation import MEASURES, load_iod
from hiap_geo.plans.figures.claims import ClaimCheck, check_claims, figures_for_plan
from hiap_geo.plans.load import LoadedPlan, read_plan
from hiap_geo.plans.resolve import ResolvedArea, Resolver
from hiap_geo.plans.schema import (
    AreaEntry,
    AreaList,
    CodesTarget,
    DecileRule,
    IndicatorRule,
    NamesTarget,
    RuleTarget,
    TargetError,
)

KINDS: dict[str, str] = {
    "unknown_code": "code that does not exist",
    "outside_area": "area outside the plan's area",
    "unknown_name": "name the lookup does not have",
    "ambiguous_name": "name that matches several areas",
    "unknown_indicator": "indicator the tool does not have",
    "name_mismatch": "code and name are different areas",
    "wrong_ward": "area listed under a ward it is not in",
    "unknown_ward": "ward name the lookup does not have",
    "wrong_decile": "decile the IMD does not give",
    "outside_claim": "entry outside what the list says it holds",
    "missing_from_list": "area the list's own description covers but the list omits",
    "duplicate": "area listed more than once",
    "empty_rule": "rule that selects no area",
    "no_data": "claim the data cannot check",
    "name_spelling": "name spelled differently from the official name",
    "unknown_action": "action the plan does not have",
    "measure_not_in_action": "outcome measure the action's words do not name",
}
"""Discrepancy kind -> a short description for headings and legends."""

_TYPE_LABEL = {"lsoa": "LSOA", "ward": "ward", "district": "district"}


@dataclass(frozen=True)
class Discrepancy:
    """One disagreement between the document (as transcribed) and the official data.

    ``severity`` is 'discrepancy' for a disagreement and 'note' for a difference of spelling that
    resolved to one area; only discrepancies make ``plan check`` exit with status 1.
    """

    kind: str
    where: str
    line: int | None
    document: str
    data: str
    severity: Literal["discrepancy", "note"] = "discrepancy"

    @property
    def title(self) -> str:
        return KINDS[self.kind]

    def as_text(self) -> str:
        at = f"line {self.line}: " if self.line else ""
        label = "note" if self.severity == "note" else self.title
        return f"{at}{self.where} - {label}\n  document: {self.document}\n  data:     {self.data}"


def check_plan(plan: str | Path | LoadedPlan) -> list[Discrepancy]:
    """Every discrepancy between a plan file and the data of its IoD edition, in file order.

    Raises PlanFileError when the file cannot be read as a plan at all.
    """
    loaded = plan if isinstance(plan, LoadedPlan) else read_plan(plan)
    checker = _Checker(loaded)
    checker.area_lists()
    checker.actions()
    checker.indicator_links()
    return sorted(checker.found, key=lambda d: (d.line or 0, d.where))


def check_plan_claims(plan: str | Path | LoadedPlan) -> tuple[str | None, list[ClaimCheck]]:
    """Every figure the plan's document states (its transcription in ``data/plan_figures``, same id), checked
    against the IoD of the plan's edition: the figures file's document title (None when the document has
    no transcribed figures) and one :class:`ClaimCheck` per figure, in document order."""
    loaded = plan if isinstance(plan, LoadedPlan) else read_plan(plan)
    figures = figures_for_plan(loaded.plan.id)
    if figures is None:
        return None, []
    return figures.document.title, check_claims(figures, loaded.plan.edition)


def discrepancies_frame(found: Iterable[Discrepancy]) -> pd.DataFrame:
    """The report as a table (for the page and CSV export): one row per discrepancy."""
    rows = [{**asdict(d), "title": d.title} for d in found]
    columns = ["severity", "kind", "title", "where", "line", "document", "data"]
    return pd.DataFrame(rows, columns=columns)


def report_text(source: str, found: list[Discrepancy], edition_label: str) -> str:
    """The text ``plan check`` prints."""
    real = [d for d in found if d.severity == "discrepancy"]
    notes = [d for d in found if d.severity == "note"]
    blocks = [d.as_text() for d in found]
    summary = (
        f"{source}: {len(real)} discrepanc{'y' if len(real) == 1 else 'ies'}"
        f"{f', {len(notes)} note(s)' if notes else ''} against {edition_label}."
    )
    if not found:
        summary = f"{source}: no discrepancies against {edition_label}."
    return "\n\n".join([*blocks, summary])


def _times(n: int) -> str:
    return {0: "more than once", 1: "once", 2: "twice"}.get(n, f"{n} times")


class _Checker:
    def __init__(self, loaded: LoadedPlan):
        self.loaded = loaded
        self.plan = loaded.plan
        self.resolver = Resolver(self.plan)
        self.iod = load_iod(self.plan.edition).set_index("lsoa_code")
        self.label = self.resolver.edition.label
        self.found: list[Discrepancy] = []

    def add(self, kind: str, where: str, line: int | None, document: str, data: str, note: bool = False) -> None:
        self.found.append(Discrepancy(kind, where, line, document, data, "note" if note else "discrepancy"))

    def resolve(
        self, fn: Callable[[], ResolvedArea], where: str, line: int | None, document: str
    ) -> ResolvedArea | None:
        try:
            area = fn()
        except TargetError as exc:
            self.add(exc.kind, where, line, document, str(exc))
            return None
        if not area.exact:
            self.add("name_spelling", where, line, document, f"{area.how}: {area.code} {area.name}", note=True)
        return area

    # -- lists the document gives -----------------------------------------------------------------

    def area_lists(self) -> None:
        for li, lst in enumerate(self.plan.area_lists):
            first_seen: dict[str, tuple[int, AreaEntry]] = {}
            for ei, entry in enumerate(lst.entries):
                where = f"area list '{lst.id}', entry {ei + 1}"
                line = self.loaded.line_of("area_lists", li, "entries", ei)
                area = self.resolve(partial(self.resolver.entry, entry), where, line, f"'{entry.text}'")
                if area is None:
                    continue
                if area.code in first_seen:
                    fi, first = first_seen[area.code]
                    self.add(
                        "duplicate",
                        where,
                        line,
                        f"'{entry.text}' (entry {ei + 1}) and '{first.text}' (entry {fi + 1})",
                        f"{area.code} {area.name} is one {_TYPE_LABEL[area.area_type]}; the list names it "
                        f"{_times(sum(e.code == area.code for e in lst.entries if e.code))}.",
                    )
                else:
                    first_seen[area.code] = (ei, entry)
                self._entry_name(entry, area, where, line)
                self._entry_ward(entry, area, where, line)
                self._entry_decile(entry, area, where, line)
            if lst.claim is not None:
                self._claim(li, lst, {code for code in first_seen})

    def _entry_name(self, entry: AreaEntry, area: ResolvedArea, where: str, line: int | None) -> None:
        if entry.code is None or entry.name is None:
            return
        if name_key(entry.name) != name_key(area.name):
            self.add(
                "name_mismatch",
                where,
                line,
                f"'{entry.text}' (code {entry.code}, name '{entry.name}')",
                f"{entry.code} is {area.name} in {self.resolver.vintage(area.area_type)}.",
            )

    def _entry_ward(self, entry: AreaEntry, area: ResolvedArea, where: str, line: int | None) -> None:
        if entry.ward is None or area.area_type != "lsoa":
            return
        row = self.resolver.lookup.loc[self.resolver.lookup["lsoa_code"] == area.code].iloc[0]
        vintage = self.resolver.vintage("ward")
        if name_key(entry.ward) == name_key(row["ward_name"]):
            return
        known = self.resolver.wards[self.resolver.wards["ward_name"].map(name_key) == name_key(entry.ward)]
        actual = f"{area.code} {area.name} is in {row['ward_name']} ({row['ward_code']}) in the {vintage} lookup."
        if known.empty:
            self.add(
                "unknown_ward",
                where,
                line,
                f"'{entry.text}' (ward: {entry.ward})",
                f"No ward named '{entry.ward}' in {self.resolver.area_label} ({vintage}). {actual}",
            )
            return
        hint = ""
        if entry.decile is not None:
            in_ward = self.resolver.lookup[self.resolver.lookup["ward_code"] == known.iloc[0]["ward_code"]]
            deciles = self.iod.loc[in_ward["lsoa_code"], "imd_decile"]
            match = deciles[deciles == entry.decile]
            if not match.empty:
                named = ", ".join(f"{c} {self.iod.loc[c, 'lsoa_name']}" for c in match.index)
                hint = f" The {entry.ward} LSOA(s) in IMD {self.plan.edition} decile {entry.decile}: {named}."
        self.add("wrong_ward", where, line, f"'{entry.text}' (ward: {entry.ward})", actual + hint)

    def _entry_decile(self, entry: AreaEntry, area: ResolvedArea, where: str, line: int | None) -> None:
        if entry.decile is None:
            return
        if area.area_type != "lsoa":
            self.add(
                "no_data",
                where,
                line,
                f"'{entry.text}' (decile {entry.decile})",
                f"{area.code} {area.name} is a {area.area_type}; the IMD gives deciles for LSOAs only.",
            )
            return
        row = self.iod.loc[area.code]
        if int(row["imd_decile"]) != entry.decile:
            self.add(
                "wrong_decile",
                where,
                line,
                f"'{entry.text}' (IMD decile {entry.decile})",
                f"{area.code} {area.name} is in IMD {self.plan.edition} decile {int(row['imd_decile'])} "
                f"(rank {int(row['imd_rank']):,} of {len(self.iod):,}; 1 = most deprived).",
            )

    def _claim(self, li: int, lst: AreaList, listed: set[str]) -> None:
        assert lst.claim is not None
        rule = lst.claim
        description = rule.describe(self.plan.edition)
        try:
            members = self.resolver.rule(rule)
        except TargetError as exc:
            self.add(
                exc.kind, f"area list '{lst.id}'", self.loaded.line_of("area_lists", li, "claim"), description, str(exc)
            )
            return
        words = f"'{lst.quote or lst.title}' (read as: {description} in {self.plan.area.name})"
        member_codes = set(members["lsoa_code"])
        for ei, entry in enumerate(lst.entries):
            if entry.decile is not None or entry.code is None or entry.code not in self.iod.index:
                continue  # a stated decile is checked on its own; unknown codes are already reported
            if entry.code in listed and entry.code not in member_codes:
                self.add(
                    "outside_claim",
                    f"area list '{lst.id}', entry {ei + 1}",
                    self.loaded.line_of("area_lists", li, "entries", ei),
                    f"'{entry.text}' in {words}",
                    f"{entry.code} is in {MEASURES[rule.measure]} {self.plan.edition} decile "
                    f"{int(self.iod.loc[entry.code, f'{rule.measure}_decile'])}.",
                )
        line = self.loaded.line_of("area_lists", li, "claim")
        lookup = self.resolver.lookup.set_index("lsoa_code")
        for _, row in members[~members["lsoa_code"].isin(listed)].iterrows():
            ward = lookup.loc[row["lsoa_code"], "ward_name"]
            self.add(
                "missing_from_list",
                f"area list '{lst.id}'",
                line,
                words,
                f"{row['lsoa_code']} {row['lsoa_name']} ({ward}) is in {MEASURES[rule.measure]} "
                f"{self.plan.edition} decile {row['decile']}, but the list does not name it.",
            )

    # -- targets of actions ---------------------------------------------------------------------------

    def actions(self) -> None:
        for ai, action in enumerate(self.plan.actions):
            for ti, target in enumerate(action.target_areas):
                where = f"action {action.id}, target {ti + 1} ({target.kind})"
                loc = ("actions", ai, "target_areas", ti)
                if isinstance(target, CodesTarget):
                    seen: set[str] = set()
                    for ci, code in enumerate(target.codes):
                        line = self.loaded.line_of(*loc, "codes", ci)
                        if code in seen:
                            self.add("duplicate", where, line, f"{code} (listed again)", f"{code} is one area.")
                            continue
                        seen.add(code)
                        self.resolve(partial(self.resolver.code, code), where, line, code)
                elif isinstance(target, NamesTarget):
                    seen_codes: dict[str, str] = {}
                    for ni, name in enumerate(target.names):
                        line = self.loaded.line_of(*loc, "names", ni)
                        area = self.resolve(
                            partial(self.resolver.name, name, target.area_type), where, line, f"'{name}'"
                        )
                        if area is None:
                            continue
                        if area.code in seen_codes:
                            self.add(
                                "duplicate",
                                where,
                                line,
                                f"'{name}' and '{seen_codes[area.code]}'",
                                f"both are {area.code} {area.name}.",
                            )
                        seen_codes.setdefault(area.code, name)
                elif isinstance(target, RuleTarget):
                    line = self.loaded.line_of(*loc, "rule")
                    rule = target.rule
                    description = rule.describe(self.plan.edition)
                    try:
                        chosen = (
                            self.resolver.rule(rule)
                            if isinstance(rule, DecileRule)
                            else self.resolver.indicator_rule(rule)
                        )
                    except TargetError as exc:
                        at = self.loaded.line_of(*loc, "rule", exc.field) if exc.field else None
                        self.add(exc.kind, where, at or line, description, str(exc))
                        continue
                    if chosen.empty:
                        area = "ward" if isinstance(rule, IndicatorRule) and rule.area_type == "ward" else "LSOA"
                        self.add(
                            "empty_rule",
                            where,
                            line,
                            target.quote or description,
                            f"No {area} of {self.resolver.area_label} meets '{description}': "
                            "the action reaches no area.",
                        )

    # -- outcome measures linked to indicators --------------------------------------------------

    def indicator_links(self) -> None:
        """Each link of ``indicators:`` names an indicator the data has, actions the plan has, and words those
        actions print (their title, how, outcome measures or progress targets), so no link invents a measure."""
        from hiap_geo.plans.schema import indicator_catalogue

        actions = {a.id: a for a in self.plan.actions}
        known = indicator_catalogue().index
        for li, link in enumerate(self.plan.indicators):
            where = f"indicator link {li + 1} ('{link.measure}')"
            if link.indicator not in known:
                self.add("unknown_indicator", where, self.loaded.line_of("indicators", li, "indicator"),
                         link.indicator, "HIAP Geo's data has no indicator of this id (`python -m hiap_geo "
                         "fingertips indicators` lists the Fingertips ones): the pack shows it as not in the data.")
            for ai, action_id in enumerate(link.actions):
                line = self.loaded.line_of("indicators", li, "actions", ai)
                action = actions.get(action_id)
                if action is None:
                    self.add("unknown_action", where, line, f"action {action_id}", "The plan has no such action.")
                    continue
                words = " ".join([action.title, *action.how, *action.indicators, *action.progress_targets])
                if name_key(link.measure) not in name_key(words):
                    self.add("measure_not_in_action", where, line, f"'{link.measure}'",
                             f"Action {action_id} does not print these words: quote the measure as it names it.")
