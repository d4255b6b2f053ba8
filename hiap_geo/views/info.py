"""What the data says about one area (LSOA, ward or district): ``python -m hiap_geo info`` and the
map explorer's side panel.

The result is a list of titled sections of (label, value) pairs, so the CLI prints it and the
app shows the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from hiap_geo.core.editions import EDITIONS, Edition
from hiap_geo.core.text import counted
from hiap_geo.geo.deprivation import (
    CHANGE_APPROXIMATION,
    DOMAINS,
    LOCAL_DECILE_RULE,
    MEASURES,
    OFFICIAL_SCORE_LABEL,
    SCORE_WEIGHTING,
    compare_editions,
    decile_movement,
    district_summaries,
    load_iod,
    local_decile_text,
    local_deciles,
    summarise,
)
from hiap_geo.geo.lookups import AreaRef, find_area, lsoa_crosswalk, ward_lookup

Section = tuple[str, list[tuple[str, str]]]
LATEST_FIRST = sorted(EDITIONS.values(), key=lambda ed: -ed.year)
"""Editions as panels show them: the latest first, which is the one a reader asks about."""
DEFINITIONS = ("Local deciles", "How local deciles are cut", "How 2019 is approximated")
"""Rows that explain how a figure is worked out: the panel folds them away ("How is this worked out?")."""


def split_definitions(rows: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """A section's figures, and the definitions a panel shows behind a fold."""
    return [r for r in rows if r[0] not in DEFINITIONS], [r for r in rows if r[0] in DEFINITIONS]


@dataclass
class AreaInfo:
    """An area and what the data says about it, as titled sections of (label, value) pairs."""

    area: AreaRef
    sections: list[Section] = field(default_factory=list)

    def as_text(self) -> str:
        """The sections as the CLI prints them, labels aligned."""
        lines = [self.area.label()]
        for title, rows in self.sections:
            lines.append("")
            lines.append(title)
            width = max((len(k) for k, _ in rows), default=0)
            lines += [f"  {k.ljust(width)}  {v}" for k, v in rows]
        return "\n".join(lines)


def area_info(query: str) -> AreaInfo:
    """Everything the loaded data says about the area named by a code or a name."""
    area = find_area(query)
    info = AreaInfo(area)
    if area.kind == "lsoa":
        _lsoa_sections(info)
    else:
        _summary_sections(info)
    return info


def _fmt_rank_decile(row: pd.Series, m: str) -> str:
    if pd.isna(row[f"{m}_decile"]):
        return "not in the data"
    text = f"decile {int(row[f'{m}_decile'])}, rank {int(row[f'{m}_rank']):,}"
    if pd.notna(row[f"{m}_score"]):
        text += f", score {row[f'{m}_score']:.3f}"
    return text


def _lsoa_sections(info: AreaInfo) -> None:
    code = info.area.code
    for ed in LATEST_FIRST:
        lookup = ward_lookup(ed.year)
        match = lookup[lookup["lsoa_code"] == code]
        if match.empty:
            info.sections.append((f"{ed.label} ({ed.lsoa_vintage})", [("Status", f"not an {ed.lsoa_vintage} code")]))
            continue
        place = match.iloc[0]
        iod = load_iod(ed.year)
        row = iod[iod["lsoa_code"] == code].iloc[0]
        rows = [
            ("Name", place["lsoa_name"]),
            ("Ward", f"{place['ward_name']} ({place['ward_code']}, {ed.ward_vintage})"),
            ("District", f"{place['lad_name']} ({place['lad_code']}, {ed.district_vintage})"),
            ("Population", f"{row['population']:,.0f} ({ed.population_note})"),
        ]
        rows += [(MEASURES[m], _fmt_rank_decile(row, m)) for m in ["imd", *DOMAINS, "idaci", "idaopi"]]
        rows += _local_rows(iod, code, place["lad_name"], row["lad_code"])
        info.sections.append((f"{ed.label} ({ed.lsoa_vintage}); decile 1 = most deprived 10% in England", rows))
    info.sections.append(("Change 2011 to 2021", _change_rows(code)))


def _local_rows(iod: pd.DataFrame, code: str, lad_name: str, lad_code: str) -> list[tuple[str, str]]:
    """The LSOA's IMD decile within its district, with how the district is cut."""
    district = iod[iod["lad_code"] == lad_code]
    local = local_deciles(district).loc[district["lsoa_code"] == code, "imd_local_decile"].iat[0]
    value = "none" if pd.isna(local) else f"decile {int(local)} of {lad_name}"
    return [
        ("IMD local decile", f"{value} ({local_decile_text(len(district))})"),
        ("Local deciles", LOCAL_DECILE_RULE),
    ]


def _change_rows(code: str) -> list[tuple[str, str]]:
    crosswalk = lsoa_crosswalk()
    as_2011 = crosswalk[crosswalk["lsoa11_code"] == code]
    rows: list[tuple[str, str]] = []
    if not as_2011.empty:
        kind = as_2011["change"].iat[0]
        kids = ", ".join(sorted(as_2011["lsoa21_code"]))
        fate = {
            "U": "unchanged (same code and boundary)",
            "S": f"split into {kids}",
            "M": f"merged into {kids}",
            "X": f"redrawn into {kids}",
        }[kind]
        rows.append(("2011 to 2021", fate))
    compared = compare_editions()
    match = compared[compared["lsoa21_code"] == code]
    if not match.empty:
        c = match.iloc[0]
        if c["change"] != "U":
            rows.append(("2021 LSOA", f"{c['change_description']}: {c['lsoa11_codes'].replace(';', ', ')}"))
        if c["comparable"]:
            delta = int(c["imd_decile_change"])
            rows.append(
                (
                    "IMD decile 2019 -> 2025",
                    f"{c['imd2019_decile']} -> {c['imd2025_decile']} ({decile_movement(delta)}; "
                    f"{c['comparison_basis']})",
                )
            )
        else:
            rows.append(
                (
                    "IMD decile 2019 -> 2025",
                    f"2011 parents in deciles {c['imd2019_decile_min']}-{c['imd2019_decile_max']} "
                    f"(population-weighted 2019 score {c['imd2019_score']:.3f}) -> {c['imd2025_decile']}; "
                    f"{c['comparison_basis']}",
                )
            )
        rows.append(("How 2019 is approximated", CHANGE_APPROXIMATION))
    return rows or [("2011 to 2021", "no crosswalk row")]


def _summary_sections(info: AreaInfo) -> None:
    area = info.area
    key = "ward_code" if area.kind == "ward" else "lad_code"
    for ed in LATEST_FIRST:
        lookup = ward_lookup(ed.year)
        members = lookup[lookup[key] == area.code]
        if members.empty:
            continue
        lsoas = load_iod(ed.year).merge(members[["lsoa_code", "ward_code"]], on="lsoa_code")
        info.sections.append((f"{ed.label} ({_vintage(ed, area.kind)})",
                              _summary_rows(lsoas, key, members, ed.year)))


def _vintage(ed: Edition, kind: str) -> str:
    return ed.ward_vintage if kind == "ward" else ed.district_vintage


def _official_rows(lad_code: str, key: str, year: int) -> list[tuple[str, str]]:
    """MHCLG's own district figure (File 10) beside HIAP Geo's, for a district."""
    if key != "lad_code":
        return []
    official = district_summaries(year)
    match = official[official["code"] == lad_code]
    if match.empty:
        return [(OFFICIAL_SCORE_LABEL, "not in File 10 for this district")]
    row = match.iloc[0]
    return [(OFFICIAL_SCORE_LABEL, f"{row['average_score']:.3f} (rank {int(row['rank_of_average_score'])} of "
                                   f"{len(official)} districts, 1 = most deprived)")]


def decile_counts_text(counts: list[int]) -> str:
    """LSOAs by decile in words, the deciles with none left out: 'decile 2: 1, decile 9: 2 (3 LSOAs)'."""
    held = [f"decile {d}: {n}" for d, n in enumerate(counts, start=1) if n]
    return f"{', '.join(held)} ({counted(sum(counts), 'LSOA')}; decile 1 = most deprived 10%)"


def _summary_rows(lsoas: pd.DataFrame, key: str, members: pd.DataFrame, year: int) -> list[tuple[str, str]]:
    row = summarise(lsoas, by=key).iloc[0]
    place = members.iloc[0]
    rows = [("Name", place["ward_name"] if key == "ward_code" else place["lad_name"])]
    if key == "ward_code":
        rows.append(("District", f"{place['lad_name']} ({place['lad_code']})"))
    rows += [
        ("LSOAs (best fit)", str(int(row["lsoa_count"]))),
        ("Population", f"{row['population']:,.0f}"),
        ("IMD average score", f"{row['imd_score']:.3f} ({SCORE_WEIGHTING[year]})"),
        *_official_rows(place["lad_code"], key, year),
        ("Population in national deciles 1-2", f"{row['imd_pop_share_decile_1_2']:.1%}"),
        ("LSOAs by national IMD decile", decile_counts_text([int(row[f"imd_decile_{d}_lsoas"]) for d in range(1, 11)])),
    ]
    if key == "lad_code":
        rows += [
            ("Local deciles", local_decile_text(int(row["lsoa_count"]))),
            ("How local deciles are cut", LOCAL_DECILE_RULE),
        ]
    return rows
