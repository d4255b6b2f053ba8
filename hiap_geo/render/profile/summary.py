"""The profile's plain-English summary: one paragraph a bid writer can paste, written from the figures.

Every number in it comes from the ``Profile`` (the same figures the tables print), so the words can
never disagree with the tables: population, the share of residents and neighbourhoods in England's
most deprived 10% and 20%, the area's rank within its district, the domains where it is most
deprived, and the change since IoD 2019 where it can be compared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from hiap_geo.geo.deprivation import DOMAINS, MEASURES, load_iod
from hiap_geo.geo.lookups import ward_lookup
from hiap_geo.render.profile.model import (
    MAIN_YEAR,
    OTHER_YEAR,
    DistrictPosition,
    EditionFigures,
    Profile,
    ProfileTable,
)
from hiap_geo.render.profile.positions import ordinal

SHORT_NAMES = {"education": "education", "health": "health"}
"""Domains named in the summary's lists by their everyday name: 'Education, Skills and Training' inside
'income, employment and ...' would read as three domains."""

TOP_DOMAINS = 3
"""This many domains are named as driving the area's deprivation, more when the last of them ties with others."""


@dataclass(frozen=True)
class DomainFigure:
    """One domain as the summary names it: for an LSOA its national decile, for larger areas the share of
    residents in its national deciles 1-2."""

    key: str
    label: str
    decile: int | None
    share_1_2: float | None
    percentile: float
    """Population-weighted average of the LSOAs' national rank as a share of England (0 = most deprived)."""


@dataclass(frozen=True)
class ProfileSummary:
    """The figures the summary paragraph states, kept so that tests can check each against the library."""

    name: str
    kind: str
    year: int
    districts: str
    population: float
    people_10: float
    people_20: float
    lsoas: int
    share_10: float
    share_20: float
    lsoas_10: int
    lsoas_20: int
    lsoa_decile: int | None
    position: DistrictPosition | None
    domains: list[DomainFigure]
    change: str
    wards: tuple[str, ...] = ()
    """The wards a group's LSOAs lie in (best fit), so a reader knows where it is."""

    def text(self) -> str:
        """The paragraph."""
        return " ".join(s for s in (self._people(), self._deprivation(), self._rank(), self._domains(),
                                    self.change) if s)

    def _people(self) -> str:
        counted = f"{self.population:,.0f} residents ({'Census 2021' if self.year == MAIN_YEAR else 'mid-2015'})"
        if self.kind == "group":
            where = f" in {self.districts}" if self.districts else ""
            if self.wards:
                where += f" ({_join(list(self.wards))} ward{'s' if len(self.wards) > 1 else ''})"
            return f"{self.name} is a group of {self.lsoas} neighbourhoods (LSOAs){where} with {counted}."
        what = {"lsoa": "a neighbourhood (LSOA)", "ward": "a ward", "district": "a local authority district"}
        where = "" if self.kind == "district" else f" in {self.districts}"
        return f"{self.name} is {what[self.kind]}{where} with {counted}."

    def _deprivation(self) -> str:
        index = f"the English Index of Multiple Deprivation {self.year} (IMD)"
        if self.lsoa_decile is not None:
            band = _decile_band(self.lsoa_decile)
            return f"On {index} it is in national decile {self.lsoa_decile} of 10: {band}."
        lsoas = f"{self.lsoas} neighbourhood{'s' if self.lsoas != 1 else ''}"
        if self.share_20 == 0:
            return (f"On {index}, none of its residents live in England's most deprived 20% of neighbourhoods "
                    f"(none of its {lsoas} is in that band).")
        ten = ("none of its residents live in England's most deprived 10% of neighbourhoods" if not self.share_10
               else f"{_pct(self.share_10)} of its residents ({self.people_10:,.0f} people) live in England's most "
                    "deprived 10% of neighbourhoods")
        return (
            f"On {index}, {ten}, and {_pct(self.share_20)} ({self.people_20:,.0f} people) in the most deprived 20%: "
            f"{self.lsoas_20} of its {lsoas}."
        )

    def _rank(self) -> str:
        p = self.position
        if p is None:
            return ""
        which = "most deprived" if p.rank == 1 else f"{ordinal(p.rank)} most deprived"
        if p.among == "England":
            return f"It is the {which} of England's {p.of} districts by {p.measure}."
        return f"It is the {which} of {_possessive(p.among)} {p.of} {p.units} by {p.measure}."

    def _domains(self) -> str:
        if not self.domains:
            return ""
        if self.lsoa_decile is not None:
            parts = _tied_parts(self.domains, lambda d: f"decile {d.decile}")
            return f"It is most deprived on {_join_groups(parts)}."
        shown = [d for d in self.domains if d.share_1_2]
        if not shown:
            return f"Relative to England it is most deprived on {_join(_tied_parts(self.domains[:1], None))}."
        parts = _tied_parts(shown, lambda d: _pct(d.share_1_2))
        return (f"The domains where it is most deprived are {_join_groups(parts)}: the share of its residents in "
                "England's most deprived 20% of neighbourhoods on each domain.")


def _join_groups(parts: list[str]) -> str:
    """Groups of domains joined so that a tie's own 'and' is not read as the list's: 'a and b (each 1), and c'."""
    if any(" (each " in p for p in parts[:-1]):
        return ", ".join(parts[:-1]) + ", and " + parts[-1]
    return _join(parts)


def _tied_parts(domains: list[DomainFigure], figure: Callable[[DomainFigure], str] | None) -> list[str]:
    """Domains named with their figure as printed; domains that print the same figure are named together
    ("income and employment (each 17.6%)"), so no tie is hidden behind an order the reader cannot see."""
    if figure is None:
        return [d.label for d in domains]
    groups: dict[str, list[str]] = {}
    for d in domains:
        groups.setdefault(figure(d), []).append(d.label)
    return [f"{_join(names)} ({'each ' if len(names) > 1 else ''}{shown})" for shown, names in groups.items()]


def profile_summary(p: Profile) -> ProfileSummary:
    """The summary's figures, all taken from the profile."""
    e = p.main
    population = e.population or 0.0
    pop = e.decile_population()
    counts = e.decile_counts()
    single = p.area.kind == "lsoa"
    decile = int(e.lsoas["imd_decile"].iat[0]) if single else None
    default_name = p.area.is_group and p.area.name == p.area.kind_label()
    return ProfileSummary(
        name="This group" if default_name else p.area.name,
        kind=p.area.kind,
        year=e.year,
        districts=", ".join(p.area.districts),
        population=population,
        people_10=pop[0],
        people_20=pop[0] + pop[1],
        lsoas=e.lsoa_count or 0,
        share_10=pop[0] / population if population else 0.0,
        share_20=(pop[0] + pop[1]) / population if population else 0.0,
        lsoas_10=counts[0],
        lsoas_20=counts[0] + counts[1],
        lsoa_decile=decile,
        position=p.position,
        domains=driving_domains(e, single),
        change=_change_sentence(p),
        wards=_wards_of(e) if p.area.is_group else (),
    )


def _wards_of(e: EditionFigures) -> tuple[str, ...]:
    """The wards (best fit) of the edition that the LSOAs lie in, by name."""
    lookup = ward_lookup(e.year)
    return tuple(sorted(set(lookup.loc[lookup["lsoa_code"].isin(e.lsoas["lsoa_code"]), "ward_name"])))


def summary_table(p: Profile) -> ProfileTable:
    """The summary as the first of the profile's tables (a one-cell message table every format writes)."""
    return ProfileTable("summary", "Summary", ["Summary"], [[profile_summary(p).text()]], message=True)


def driving_domains(e: EditionFigures, single: bool) -> list[DomainFigure]:
    """The domains where the area is most deprived, most deprived first (``TOP_DOMAINS``, more on a tie).

    Ordered by the share of residents in national deciles 1-2 as printed (an LSOA: its decile), then by the
    population-weighted national rank; only domains more deprived than England's middle are named, and
    every domain that prints the same figure as the last one named is named with it.
    """
    lsoas = e.lsoas
    n = float(len(load_iod(e.year)))
    weight = lsoas["population"] / lsoas["population"].sum()
    figures = []
    for key in DOMAINS:
        if f"{key}_rank" not in lsoas or lsoas[f"{key}_rank"].isna().all():
            continue
        percentile = float((lsoas[f"{key}_rank"] / n * weight).sum())
        decile = int(lsoas[f"{key}_decile"].iat[0]) if single else None
        share = None if single else e.pop_share_decile_1_2(key)
        label = SHORT_NAMES.get(key, MEASURES[key].lower())
        figures.append(DomainFigure(key, label, decile, share, percentile))

    def shown(d: DomainFigure) -> tuple[float, ...]:
        """What the summary prints for a domain, at the precision it prints (ties are judged on this)."""
        return (float(d.decile or 0),) if single else (-float(_pct(d.share_1_2 or 0.0).rstrip("%")),)

    figures.sort(key=lambda d: (*shown(d), d.percentile))
    named = [d for d in figures if d.percentile < 0.5][:TOP_DOMAINS]
    if not named or not (single or named[-1].share_1_2):
        return named  # no residents in deciles 1-2 is not a figure the summary prints: no tie to honour
    # A domain that prints the same figure as the last one named is named too: a cut-off must not split a tie.
    last = shown(named[-1])
    tied = [d for d in figures if shown(d) == last and d not in named]
    return sorted(named + tied, key=lambda d: (*shown(d), d.percentile))


def _change_sentence(p: Profile) -> str:
    """The change since IoD 2019 in words, or why it cannot be said."""
    ch = p.change.lsoas
    if ch.empty:
        return ""
    if p.area.kind == "lsoa" and len(ch) == 1 and p.main.year == MAIN_YEAR:
        c = ch.iloc[0]
        if not c["comparable"]:
            return (f"Its boundary changed in 2021, so its 2019 decile cannot be compared directly (the 2011 "
                    f"neighbourhoods it came from were in deciles {int(c['imd2019_decile_min'])} to "
                    f"{int(c['imd2019_decile_max'])}).")
        before, after = int(c["imd2019_decile"]), int(c["imd2025_decile"])
        if before == after:
            return f"It was in the same national decile ({before}) in IoD 2019."
        way = "more" if after < before else "less"
        return f"Since IoD 2019 it has moved from decile {before} to {after}: {way} deprived relative to England."
    counts = p.change.movement_counts()
    total = sum(counts.values())
    parts = [f"{_count(counts['more deprived'])} moved to a more deprived national decile",
             f"{_count(counts['same decile'])} stayed in the same decile",
             f"{_count(counts['less deprived'])} moved to a less deprived one"]
    sentence = f"Since IoD 2019, of its {total} neighbourhoods {_join(parts)}"
    if counts["not directly comparable"]:
        sentence += (f"; {counts['not directly comparable']} cannot be compared directly because their boundaries "
                     "changed in 2021")
    old, new = p.editions[OTHER_YEAR], p.editions[MAIN_YEAR]
    if old.available and new.available:
        sentence += (f". The share of residents in the most deprived 20% was {_pct(old.imd_pop_share_decile_1_2)} "
                     f"in 2019 and {_pct(new.imd_pop_share_decile_1_2)} in {new.year}")
    return sentence + " (deciles are relative to the rest of England at each edition)."


def _decile_band(decile: int) -> str:
    if decile <= 5:
        return f"among the {decile * 10}% most deprived neighbourhoods in England"
    return f"among the {(11 - decile) * 10}% least deprived neighbourhoods in England"


def _pct(share: float | None) -> str:
    if share is None or pd.isna(share):
        return "an unknown share"
    return "0%" if share == 0 else f"{share:.1%}"


def _count(n: int) -> str:
    return "none" if n == 0 else str(n)


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]
