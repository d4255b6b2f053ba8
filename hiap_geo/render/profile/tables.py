"""A profile laid out as titled tables: the one presentation that every export and the app render.

``profile_tables`` turns a ``Profile`` into ``ProfileTable``s in reading order (the area, key
figures, deciles, domains, change 2019 to 2025, member LSOAs, indicators, plan actions, sources);
the PDF, Word, Excel and CSV files and the app's page only lay these out, so a number is the same
everywhere. Nothing here reads data files: every figure comes from the ``Profile``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from hiap_geo.core.text import agreeing, counted
from hiap_geo.geo.deprivation import (
    CHANGE_APPROXIMATION,
    LOCAL_DECILE_MIN_LSOAS,
    MEASURES,
    decile_movement,
    load_iod,
    local_decile_text,
)
from hiap_geo.render.profile.glossary import glossary_table
from hiap_geo.render.profile.model import (
    MAIN_YEAR,
    OTHER_YEAR,
    Cell,
    ChangeFigures,
    EditionFigures,
    Num,
    NumberFormat,
    Profile,
    ProfileTable,
    member_label,
)
from hiap_geo.render.profile.summary import summary_table


def _decile_label(d: int) -> str:
    return {1: "1 (most deprived 10%)", 10: "10 (least deprived 10%)"}.get(d, str(d))


POPULATION_FOOTNOTE = (
    "IoD 2025 population figures are Census 2021 usual residents: MHCLG's IoD 2025 population denominators are "
    "not in the files HIAP Geo reads, so shares of population and population-weighted scores count Census 2021 "
    "residents (counts of LSOAs do not depend on population)."
)
"""Said once, in the key figures, rather than beside every Census 2021 population."""


def population_basis(e: EditionFigures) -> str:
    """Whose population an edition's figures count, in a few words (the why is ``POPULATION_FOOTNOTE``)."""
    return "Census 2021 usual residents" if e.year == MAIN_YEAR else e.edition.population_note


def local_decile_words(e: EditionFigures) -> str:
    """How the 'decile in district' is cut, in words, with the district's own numbers when there is one."""
    text = (
        "Decile in district: the district's LSOAs are put in order of their national IMD rank, most deprived "
        "first, and split into ten groups as equal as the count allows; the most deprived tenth is decile 1. "
        "When the count does not divide by ten, the groups that take one extra LSOA are spread evenly through "
        "the list, starting with decile 1 (with 3 extra LSOAs: deciles 1, 4 and 7). Districts with fewer than "
        f"{LOCAL_DECILE_MIN_LSOAS} LSOAs (Isles of Scilly, City of London) have no deciles in district."
    )
    districts = e.lsoas["lad_code"].unique() if not e.lsoas.empty else []
    if len(districts) == 1:
        iod = load_iod(e.year)
        name = str(e.lsoas["lad_name"].iat[0])
        text += f" {_possessive(name)} {local_decile_text(int((iod['lad_code'] == districts[0]).sum()))}."
    return text


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def profile_tables(p: Profile) -> list[ProfileTable]:
    """Every figure of the profile as titled tables, in reading order: the plain-English summary first."""
    tables = [summary_table(p), _area_table(p), _key_figures(p)]
    if p.area.kind != "lsoa":
        tables.append(_imd_distribution(p))
    tables.append(_domains(p))
    if p.area.kind != "lsoa":
        tables += [_domain_distribution(e) for e in (p.main, p.beside) if e.available]
    tables += _change_tables(p)
    if p.area.kind != "lsoa":
        tables += [_members(e, p) for e in (p.main, p.beside) if e.available]
    for key, section in (("indicators", p.indicators), ("actions", p.actions)):
        tables += section.tables or [ProfileTable(key, section.title, ["Status"], [[section.note]], message=True)]
    tables.append(glossary_table(tables))  # the words used above, in plain English
    tables.append(_sources_table(p))
    return tables


def _area_table(p: Profile) -> ProfileTable:
    a = p.area
    rows: list[list[Cell]] = [
        ["Area", a.name],
        ["Type", a.kind_label()],
        ["Code" if not a.is_group else "Member codes", a.code],
        ["District", ", ".join(a.districts)],
        ["Main figures", p.main.header],
        ["Shown beside them", p.beside.header if p.beside.available else
         f"none: {p.beside.edition.label} figures are not available for this area (see Key figures)"],
        ["Generated", p.generated_text()],
    ]
    if a.is_group:
        rows.insert(3, ["Members", "; ".join(member_label(m) for m in a.members)])
    return ProfileTable("area", "The area", ["Item", "Value"], rows)


def _key_figures(p: Profile) -> ProfileTable:
    eds = [e for e in (p.main, p.beside) if e.available]
    single = p.area.kind == "lsoa"

    def row(label: str, get: Callable[[EditionFigures], Cell]) -> list[Cell]:
        return [label] + [get(e) for e in eds]

    def lsoa_value(measure: str, kind: str, fmt: NumberFormat) -> Callable[[EditionFigures], Cell]:
        def get(e: EditionFigures) -> Cell:
            value = e.lsoas[f"{measure}_{kind}"].iat[0]
            return Num(None if pd.isna(value) else (float(value) if fmt == "score" else int(value)), fmt)

        return get

    rows = [
        row("Geography (vintage)", lambda e: e.geography),
        row("Population", lambda e: Num(e.population, "int")),
        row("Population basis", population_basis),
    ]
    if single:
        rows += [
            row("IMD score", lsoa_value("imd", "score", "score")),
            row("IMD rank (1 = most deprived)", lsoa_value("imd", "rank", "rank")),
            row("LSOAs ranked in England", lambda e: Num(len(load_iod(e.year)), "int")),
            row("IMD national decile (1 = most deprived 10%)", lsoa_value("imd", "decile", "decile")),
            row("IMD decile within its district (1 = most deprived 10%)", lsoa_value("imd", "local_decile", "decile")),
        ]
    else:
        rows += [
            row("LSOAs (best fit)", lambda e: Num(e.lsoa_count, "count")),
            row("IMD score, population-weighted", lambda e: Num(e.imd_score, "score")),
            row("Population in national IMD deciles 1-2", lambda e: Num(e.imd_pop_share_decile_1_2, "share")),
            row("LSOAs in national IMD decile 1 (most deprived 10%)", lambda e: Num(e.decile_counts()[0], "count")),
        ]
    if p.area.kind == "district":
        def official(attr: str, fmt: NumberFormat) -> Callable[[EditionFigures], Cell]:
            return lambda e: Num(getattr(e.district_rank, attr), fmt) if e.district_rank else "not published"

        rows += [
            row("Official average IMD score (File 10)", official("average_score", "score")),
            row("Rank of average score among districts (1 = most deprived)", official("rank_of_average_score", "rank")),
            row("Districts ranked", official("districts_ranked", "int")),
            row("LSOAs in the most deprived 10% nationally (File 10)", official("share_lsoas_most_deprived_10pct",
                                                                                  "share")),
        ]
    note = "Decile 1 = most deprived 10% of LSOAs in England, 10 = least deprived."
    if p.beside.available:
        note += f" The {p.beside.header} figures are shown beside the {p.main.edition.label} ones."
    if single:
        note += f" {local_decile_words(p.main)}"
    if not single:
        note += (
            " Area scores are the population-weighted average of their LSOAs' scores (the method of OHID's "
            "Fingertips tool); an area of several LSOAs has no national decile of its own."
        )
    if any(e.year == MAIN_YEAR for e in eds):
        note += f" {POPULATION_FOOTNOTE}"
    if p.area.kind == "district":
        note += (
            " File 10 figures are MHCLG's own district summaries; its 2025 average uses the IoD 2025 "
            "population denominators, so it can differ slightly from the Census-weighted score above."
        )
    if not p.beside.available:
        note += f" {p.beside.note}"
    if p.main.overlap:
        overlap = p.main.overlap
        note += (f" Members overlap: {counted(overlap, 'LSOA')} {agreeing(overlap, 'lies', 'lie')} in more than one "
                 f"member and {agreeing(overlap, 'is', 'are')} counted once.")
    return ProfileTable("key_figures", "Key figures", ["Figure"] + [e.header for e in eds], rows, note)


def _imd_distribution(p: Profile) -> ProfileTable:
    eds = [e for e in (p.main, p.beside) if e.available]
    columns = ["IMD national decile"]
    for e in eds:
        label = e.edition.label
        columns += [f"LSOAs, {label}", f"Population, {label}", f"Share of population, {label}"]
    rows: list[list[Cell]] = []
    for d in range(1, 11):
        row: list[Cell] = [_decile_label(d)]
        for e in eds:
            pop = e.decile_population()[d - 1]
            row += [Num(e.decile_counts()[d - 1], "count"), Num(pop, "int"), Num(pop / e.population, "share")]
        rows.append(row)
    total: list[Cell] = ["All"]
    for e in eds:
        total += [Num(e.lsoa_count, "count"), Num(e.population, "int"), Num(1.0, "share")]
    rows.append(total)
    note = "; ".join(f"{e.edition.label}: LSOAs of {e.geography}, population of {population_basis(e)}" for e in eds)
    return ProfileTable("imd_deciles", "LSOAs and population by national IMD decile", columns, rows, note + ".")


def _domains(p: Profile) -> ProfileTable:
    eds = [e for e in (p.main, p.beside) if e.available]
    measures = list(dict.fromkeys(m for e in eds for m in e.measures()))
    rows: list[list[Cell]] = []
    if p.area.kind == "lsoa":
        columns = ["Measure"]
        for e in eds:
            columns += [f"Score, {e.edition.label}", f"Rank, {e.edition.label}", f"Decile, {e.edition.label}"]
        for m in measures:
            row: list[Cell] = [MEASURES[m]]
            for e in eds:
                r = e.lsoas.iloc[0]
                score, rank, decile = r[f"{m}_score"], r[f"{m}_rank"], r[f"{m}_decile"]
                row += [
                    Num(None if pd.isna(score) else float(score), "score"),
                    Num(None if pd.isna(rank) else int(rank), "rank"),
                    Num(None if pd.isna(decile) else int(decile), "decile"),
                ]
            rows.append(row)
        title = "Domains of deprivation: score, rank and national decile"
    else:
        columns = ["Measure"]
        for e in eds:
            columns += [f"Score (pop.-weighted), {e.edition.label}", f"Population in deciles 1-2, {e.edition.label}"]
        for m in measures:
            row = [MEASURES[m]]
            for e in eds:
                if m not in e.measures():
                    row += [Num(None, "score"), Num(None, "share")]
                else:
                    row += [Num(e.weighted_score(m), "score"), Num(e.pop_share_decile_1_2(m), "share")]
            rows.append(row)
        title = "Domains of deprivation: population-weighted score and share of population in national deciles 1-2"
    note = (
        "Rank 1 and decile 1 = most deprived in England. Scores are on different scales for each domain "
        "(income and employment are rates)."
    )
    if any(isinstance(c, Num) and c.value is None for r in rows for c in r):
        note += (" '-' = not published in the files used: IoD 2019 scores of the domains other than income and "
                 "employment, and the income deprivation affecting children and older people indices for IoD 2025.")
    return ProfileTable("domains", title, columns, rows, note)


def _domain_distribution(e: EditionFigures) -> ProfileTable:
    columns = ["Measure"] + [_decile_label(d) for d in range(1, 11)]
    rows: list[list[Cell]] = []
    for m in e.measures():
        rows.append([MEASURES[m]] + [Num(n, "count") for n in e.decile_counts(m)])
    return ProfileTable(
        f"deciles_{e.year}",
        f"LSOAs per national decile of each domain, {e.header}",
        columns,
        rows,
        f"Counts of the area's {e.lsoa_count} best-fit LSOAs of {e.edition.lsoa_vintage}.",
    )


def _change_tables(p: Profile) -> list[ProfileTable]:
    ch = p.change.lsoas
    tables: list[ProfileTable] = []
    if p.area.kind == "lsoa" and p.main.year == MAIN_YEAR and len(ch) == 1:
        c = ch.iloc[0]
        rows: list[list[Cell]] = [
            ["2011 to 2021 boundary change", str(c["change_description"])],
            ["LSOA 2011 parent(s)", str(c["lsoa11_codes"]).replace(";", ", ")],
            ["IMD score, IoD 2019 (parents, population-weighted)", Num(float(c["imd2019_score"]), "score")],
            ["IMD score, IoD 2025", Num(float(c["imd2025_score"]), "score")],
        ]
        if c["comparable"]:
            delta = int(c["imd_decile_change"])
            rows += [
                ["IMD decile, IoD 2019 (LSOA 2011)", Num(int(c["imd2019_decile"]), "decile")],
                ["IMD decile, IoD 2025 (LSOA 2021)", Num(int(c["imd2025_decile"]), "decile")],
                ["Change in decile (negative = more deprived)", Num(delta, "change")],
                ["Movement", decile_movement(delta)],
            ]
        else:
            rows += [
                ["IMD deciles of the 2011 parents",
                 f"{int(c['imd2019_decile_min'])} to {int(c['imd2019_decile_max'])}"],
                ["IMD decile, IoD 2025 (LSOA 2021)", Num(int(c["imd2025_decile"]), "decile")],
                ["Movement", "not directly comparable (merged or redrawn LSOA)"],
            ]
        tables.append(
            ProfileTable("change", "Change from IMD 2019 to IMD 2025", ["Figure", "Value"], rows, _CHANGE_NOTE)
        )
        return tables

    m, b = p.editions[OTHER_YEAR], p.editions[MAIN_YEAR]
    if m.available and b.available:
        rows = [
            ["IMD score, population-weighted", Num(m.imd_score, "score"), Num(b.imd_score, "score"),
             Num(b.imd_score - m.imd_score, "score")],  # type: ignore[operator]
            ["Population in national IMD deciles 1-2", Num(m.imd_pop_share_decile_1_2, "share"),
             Num(b.imd_pop_share_decile_1_2, "share"),
             Num(b.imd_pop_share_decile_1_2 - m.imd_pop_share_decile_1_2, "share")],  # type: ignore[operator]
            ["LSOAs in national IMD decile 1", Num(m.decile_counts()[0], "count"), Num(b.decile_counts()[0], "count"),
             Num(b.decile_counts()[0] - m.decile_counts()[0], "change")],
        ]
        tables.append(
            ProfileTable("change", "Change from IMD 2019 to IMD 2025", ["Figure", m.header, b.header, "Change"], rows,
                  _CHANGE_NOTE + " A higher score means more deprived.")
        )
    if p.change.note and not ch.empty:
        tables.append(_successors(p.change))
    if not ch.empty:
        counts = p.change.movement_counts()
        rows = [[k.capitalize(), Num(v, "count")] for k, v in counts.items()]
        note = (
            "Each LSOA 2021 against its 2011 parent: unchanged and split LSOAs compare directly; merged and "
            "redrawn ones have several parents and no single 2019 decile."
        )

        tables.append(ProfileTable("change_lsoas", "LSOAs by change in IMD decile, 2019 to 2025", ["Movement", "LSOAs"],
                            rows, note))
    return tables


_CHANGE_NOTE = (
    "IoD 2019 is on LSOA 2011 with mid-2015 populations; IoD 2025 on LSOA 2021 with Census 2021 residents. "
    "IMD scores and deciles are relative to England at each edition: a lower decile means more deprived "
    "relative to other areas, not necessarily worse in absolute terms. " + CHANGE_APPROXIMATION
)


def _successors(change: ChangeFigures) -> ProfileTable:
    rows: list[list[Cell]] = []
    for c in change.lsoas.sort_values("lsoa21_code").itertuples(index=False):
        rows.append([
            c.lsoa21_code, c.lsoa_name, c.lsoa11_codes.replace(";", ", "), str(c.change_description),
            Num(int(c.imd2019_decile), "decile") if c.comparable else
            f"{int(c.imd2019_decile_min)}-{int(c.imd2019_decile_max)} (parents)",
            Num(int(c.imd2025_decile), "decile"),
            Num(int(c.imd_decile_change), "change") if c.comparable else "not comparable",
        ])
    return ProfileTable(
        "successors", "LSOAs 2021 that the area's LSOAs 2011 became",
        ["LSOA 2021 code", "LSOA 2021 name", "LSOA 2011 parent(s)", "2011 to 2021", "IMD decile 2019",
         "IMD decile 2025", "Change in decile"],
        rows, change.note,
    )


def _members(e: EditionFigures, p: Profile) -> ProfileTable:
    lsoas = e.lsoas.sort_values("imd_rank")
    columns = ["LSOA code", "LSOA name", "Population", "IMD score", "IMD rank", "IMD decile", "Decile in district"]
    if e.year == MAIN_YEAR:
        columns += ["IMD decile 2019 (2011 parent)", "Change in decile", "2011 to 2021"]
        change = p.change.lsoas.set_index("lsoa21_code")
    rows: list[list[Cell]] = []
    for r in lsoas.itertuples(index=False):
        row: list[Cell] = [
            r.lsoa_code, r.lsoa_name, Num(float(r.population), "int"), Num(float(r.imd_score), "score"),
            Num(int(r.imd_rank), "rank"), Num(int(r.imd_decile), "decile"),
            Num(None if pd.isna(r.imd_local_decile) else int(r.imd_local_decile), "decile"),
        ]
        if e.year == MAIN_YEAR:
            c = change.loc[r.lsoa_code]
            row += [
                Num(int(c["imd2019_decile"]), "decile") if c["comparable"] else
                f"{int(c['imd2019_decile_min'])}-{int(c['imd2019_decile_max'])} (parents)",
                Num(int(c["imd_decile_change"]), "change") if c["comparable"] else "not comparable",
                str(c["change_description"]),
            ]
        rows.append(row)
    return ProfileTable(
        f"lsoas_{e.year}",
        f"Member LSOAs, {e.edition.label} ({e.edition.lsoa_vintage}), most deprived first",
        columns,
        rows,
        f"The area's neighbourhoods (LSOAs), matched to {e.geography}. Population: "
        f"{population_basis(e)}. {local_decile_words(e)}",
    )


def _plain_title(title: str) -> str:
    """A dataset's title as a reader cites it: "File 7 columns: ..." (how the registry names a file with
    File 7's columns) reads "File 7: ..."."""
    return re.sub(r"\b(File \d+) columns:", r"\1:", title)


def _sources_table(p: Profile) -> ProfileTable:
    rows: list[list[Cell]] = [[_plain_title(d.title), d.publisher, d.vintage, d.licence, d.page] for d in p.sources]
    note = f"{p.attribution} Generated {p.generated_text()} by HIAP Geo."
    return ProfileTable("sources", "Sources", ["Dataset", "Publisher", "Vintage", "Licence", "Web page"], rows, note)
