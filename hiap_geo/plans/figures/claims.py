"""Every figure a plan document states about its areas, checked against the IoD of the plan's edition.

Each stated figure (``expand`` of a figures file: sentences and table cells) becomes one
:class:`ClaimCheck` with a verdict: ``agrees`` or ``differs`` (with the figure the data gives), or
``cannot check`` with the reason. Which figures the data can check is declared in the figures file,
per indicator (``check:``, format in ``data/plan_figures/README.md``): an LSOA's decile, or the
percentage or number of an area's LSOAs in a range of deciles. A stated number agrees when it equals
the data's figure to the precision it is printed with ("70%": within 0.5; "20.5%": within 0.05). Figures about
obesity and long-term conditions are read against the GP register estimates where the measure and period match
(:mod:`hiap_geo.plans.figures.registers`), and otherwise say which differs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import pandas as pd

from hiap_geo.core.editions import edition as edition_of
from hiap_geo.core.text import agreeing, counted
from hiap_geo.geo.deprivation import MEASURES, load_iod
from hiap_geo.geo.lookups import district_counties
from hiap_geo.plans.figures.frames import StatedFigure, expand
from hiap_geo.plans.figures.load import load_all
from hiap_geo.plans.figures.registers import Verdict, register_verdict, tolerance
from hiap_geo.plans.figures.schema import ClaimRule, FiguresFile

CLAIM_COLUMNS: list[str] = [
    "verdict", "line", "figure_id", "indicator", "area", "stated", "data", "quote", "reference",
]
"""Columns of :func:`claims_frame`."""


@dataclass(frozen=True)
class ClaimCheck:
    """One stated figure and what the data says about it."""

    verdict: Verdict
    line: int
    figure_id: str
    indicator: str
    area: str
    stated: str
    """What the document states: the printed value, comparison or rank, in its words."""
    data: str
    """The figure the data gives and how it was made, or why the data cannot check the claim."""
    quote: str
    reference: str

    def as_text(self) -> str:
        """The claim as ``plan check`` prints it."""
        return (
            f"line {self.line}: {self.indicator}, {self.area} - {self.verdict}\n"
            f"  stated: {self.stated}\n  data:   {self.data}\n  quote:  \"{self.quote}\""
        )


def figures_for_plan(plan_id: str, files: Iterable[FiguresFile] | None = None) -> FiguresFile | None:
    """The figures file transcribing the same document as the plan (same id), if there is one."""
    for f in load_all() if files is None else files:
        if f.document.id == plan_id:
            return f
    return None


def check_claims(f: FiguresFile, edition: int) -> list[ClaimCheck]:
    """Every figure the file transcribes, in document order, checked against the IoD ``edition``, but only
    when that is the edition the document could have used (:func:`edition_mismatch`)."""
    checker = _Claims(edition, edition_mismatch(f.document.period, edition))
    return [checker.check(s) for s in expand(f)]


EDITIONS_IN_DATA = (2019, 2025)
"""The IoD editions HIAP Geo has, by year of publication (IoD 2019: September 2019; IoD 2025: autumn 2025)."""


def edition_used(period: str) -> int | None:
    """The IoD edition a document of ``period`` used: the latest published by the year it starts (a plan for
    2023-25 used IoD 2019); None when it starts before every edition in the data, or gives no year."""
    match = re.search(r"(?:19|20)\d\d", period)
    if match is None:
        return None
    start = int(match.group(0))
    published = [year for year in EDITIONS_IN_DATA if year <= start]
    return published[-1] if published else None


def edition_mismatch(period: str, edition: int) -> str | None:
    """Why the IoD ``edition`` cannot check a deprivation figure of a document of ``period``, or None."""
    used = edition_used(period)
    if used == edition:
        return None
    if used is None and re.search(r"(?:19|20)\d\d", period):
        return (f"the document ({period}) predates IoD {EDITIONS_IN_DATA[0]}, the oldest edition in HIAP Geo's data, "
                f"so its deprivation figures come from an earlier edition (IoD 2015 or 2010), which is not in the "
                f"data; comparing them with IoD {edition} would compare different editions")
    if used is None:
        return "the document gives no year, so the IoD edition it used is not known"
    return (f"the document ({period}) used IoD {used}, not IoD {edition}: a claim is compared only with the "
            "edition its document used")


def claims_frame(checks: Iterable[ClaimCheck]) -> pd.DataFrame:
    """The checked claims as a table (page and CSV): one row per stated figure."""
    return pd.DataFrame([asdict(c) for c in checks], columns=CLAIM_COLUMNS)


def claims_summary(checks: list[ClaimCheck], title: str, edition: int) -> str:
    """One line: how many stated figures agree with the IoD, differ from it and cannot be checked."""
    counts = {v: sum(c.verdict == v for c in checks) for v in ("agrees", "differs", "cannot check")}
    agree, differ = counts["agrees"], counts["differs"]
    return (
        f"{counted(len(checks), 'figure')} stated in {title}: {agree} {agreeing(agree, 'agrees', 'agree')} with "
        f"IoD {edition}, {differ} {agreeing(differ, 'differs', 'differ')} from it, {counts['cannot check']} cannot "
        "be checked with the data (each says why)."
    )


def claims_text(checks: list[ClaimCheck], title: str, edition: int) -> str:
    """Every checked claim, then the summary, as ``plan check`` prints them."""
    return "\n\n".join([*(c.as_text() for c in checks), claims_summary(checks, title, edition)])


def _stated(s: StatedFigure) -> str:
    parts = []
    if s.printed is not None:
        parts.append(s.printed)
    if s.comparisons:
        parts.append(s.comparison_text())
    if s.rank is not None:
        parts.append(f"rank: {s.rank.text}")
    period = f" ({s.period})" if s.period else ""
    return "; ".join(parts) + period


class _Claims:
    def __init__(self, edition: int, mismatch: str | None = None):
        self.edition = edition
        self.mismatch = mismatch
        self.label = edition_of(edition).label
        self.iod = load_iod(edition)

    def check(self, s: StatedFigure) -> ClaimCheck:
        verdict, data = self._verdict(s)
        area = f"{s.area.name} ({s.area.code})" if s.area.code else s.area.name
        return ClaimCheck(verdict, s.line, s.figure_id, s.indicator.name, area, _stated(s), data, s.quote, s.reference)

    def _verdict(self, s: StatedFigure) -> tuple[Verdict, str]:
        rule = s.indicator.check
        if rule is None:
            register = register_verdict(s)  # obesity and long-term conditions: only the same measure and period
            return register if register is not None else ("cannot check", self._no_rule(s))
        if self.mismatch is not None:
            return "cannot check", self.mismatch
        if s.area.code is None:
            return "cannot check", f"the document's area '{s.area.name}' has no official code: {s.area.note}"
        if s.value is None:
            return "cannot check", "the document gives no number to compare (a comparison or rank only)"
        lsoas = self._lsoas(s.area.type, s.area.code)
        if isinstance(lsoas, str):
            return "cannot check", lsoas
        return self._compare(s, rule, lsoas)

    def _no_rule(self, s: StatedFigure) -> str:
        if s.area.code is None:
            where = f"an area with no official code ('{s.area.name}': {s.area.note})"
        else:
            where = f"{s.area.name} ({s.area.code})"
        when = f"for {s.period}" if s.period else "(the document gives no period)"
        return (
            f"no such figure in HIAP Geo's data: '{s.indicator.name}' for {where} {when} is not an IoD {self.edition} "
            "figure (LSOA ranks, deciles and scores and their counts), and no indicator of the Indicators catalogue "
            "measures it for that area and time"
        )

    def _lsoas(self, kind: str, code: str) -> pd.DataFrame | str:
        iod = self.iod
        if kind == "lsoa":
            rows = iod[iod["lsoa_code"] == code]
        elif kind == "district":
            rows = iod[iod["lad_code"] == code]
        elif kind == "county":
            lookup = district_counties()
            rows = iod[iod["lad_code"].isin(lookup.loc[lookup["county_code"] == code, "lad_code"])]
        elif kind == "england":
            rows = iod
        else:
            return f"a {kind} is not an area of the IoD"
        if rows.empty:
            return f"{code} is not a {kind} of the {self.label} geography"
        return rows

    def _compare(self, s: StatedFigure, rule: ClaimRule, lsoas: pd.DataFrame) -> tuple[Verdict, str]:
        assert s.value is not None
        measure = MEASURES[rule.measure]
        col = f"{rule.measure}_decile"
        if lsoas[col].isna().all():
            return "cannot check", f"{measure} deciles are not in the {self.label} data"
        reading = f" (read as: {rule.reading})" if rule.reading else ""
        if rule.statistic == "lsoa_decile":
            if len(lsoas) != 1:
                return "cannot check", "a decile claim needs an LSOA; the area is not one"
            row = lsoas.iloc[0]
            decile = int(row[col])
            text = (
                f"{row['lsoa_code']} {row['lsoa_name']} is in {measure} {self.edition} decile {decile} "
                f"(rank {int(row[f'{rule.measure}_rank']):,} of {len(self.iod):,}; 1 = most deprived){reading}"
            )
            return ("agrees" if decile == s.value else "differs"), text
        assert rule.deciles is not None
        low, high = rule.deciles
        inside = int(lsoas[col].between(low, high).sum())
        total = len(lsoas)
        span = f"decile {low}" if low == high else f"deciles {low}-{high}"
        text = (
            f"{inside} of the area's {total:,} LSOAs ({inside / total:.1%}) are in {measure} {self.edition} {span} "
            f"({self.label}, {edition_of(self.edition).lsoa_vintage}){reading}"
        )
        figure = 100 * inside / total if rule.statistic == "lsoa_share" else inside
        agrees = abs(figure - s.value) <= tolerance(s.printed) + 1e-9
        if rule.out_of is not None and rule.out_of != total:
            text += f"; the document's total of {rule.out_of} LSOAs differs from the data's {total}"
            agrees = False
        elif rule.out_of is not None:
            text += f"; the document's total of {rule.out_of} LSOAs agrees"
        return ("agrees" if agrees else "differs"), text
