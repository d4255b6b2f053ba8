"""Assembling an area profile from the data: what the user asked for, each edition's figures, the
change 2019 to 2025, the boundaries for the map, and the sources used.

``build_profile`` is the one entry point (the CLI and the app call it); the sections other modules
feed (health indicators, plan actions) come from ``sections``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from functools import cache

import geopandas as gpd
import pandas as pd

from hiap_geo.acquire.registry import load_registry
from hiap_geo.core.areas import looks_like_code
from hiap_geo.core.attribution import full_attribution
from hiap_geo.core.editions import EDITIONS, IOD2019, IOD2025, BoundarySource, Edition
from hiap_geo.core.errors import UnknownArea
from hiap_geo.core.limits import MAX_GROUP_AREAS
from hiap_geo.geo.boundaries import WGS84, BoundaryReport, read_boundaries, with_dissolved_gaps
from hiap_geo.geo.deprivation import compare_editions, district_summaries, load_iod, local_deciles, summarise
from hiap_geo.geo.lookups import AreaRef, find_area, ward_lookup
from hiap_geo.render.profile.model import (
    KIND_WORDS,
    MAIN_YEAR,
    OTHER_YEAR,
    ChangeFigures,
    DistrictPosition,
    DistrictRank,
    EditionFigures,
    Profile,
    ProfileArea,
    ProfileError,
    member_label,
)
from hiap_geo.render.profile.sections import actions_section, indicator_section

# --------------------------------------------------------------------------------------------------
# Resolving what the user asked for


def parse_area_query(query: str | Sequence[str]) -> list[str]:
    """Split what a user typed or pasted into one name or a list of codes.

    Several codes (separated by commas, semicolons, spaces or new lines) make a group; anything
    else is one code or one name ("Tunbridge Wells 005A").
    """
    parts = [query] if isinstance(query, str) else list(query)
    tokens = [t for p in parts for t in re.split(r"[\s,;]+", p.strip()) if t]
    if len(tokens) > 1 and all(looks_like_code(t) for t in tokens):
        codes = list(dict.fromkeys(t.upper() for t in tokens))  # each area once, then the limit
        check_group_size(len(codes))
        return codes
    text = " ".join(p.strip() for p in parts if p.strip())
    if not text:
        raise UnknownArea(text)
    return [text]


def check_group_size(count: int) -> None:
    """ProfileError when a group has more different areas than ``MAX_GROUP_AREAS``."""
    if count > MAX_GROUP_AREAS:
        raise ProfileError(f"The group lists {count:,} different areas; a group profile takes at most "
                           f"{MAX_GROUP_AREAS:,} LSOAs or wards. Profile the district, or a ward, instead, or split "
                           "the group.")


def resolve_area(query: str | Sequence[str], name: str | None = None) -> ProfileArea:
    """The area a profile is of; several codes make a custom group of LSOAs and wards.

    Raises UnknownArea / AmbiguousAreaName (with candidates) before anything is computed.
    """
    items = parse_area_query(query)
    refs = [find_area(item) for item in items]
    if len(refs) == 1:
        ref = refs[0]
        return ProfileArea(name or ref.name, ref.kind, (ref,), (ref.district,))  # type: ignore[arg-type]
    bad = [r for r in refs if r.kind not in ("lsoa", "ward")]
    if bad:
        raise ProfileError(
            "A custom group is made of LSOA and ward codes; "
            + ", ".join(f"{r.code} is a {r.kind}" for r in bad)
            + ". Make a separate profile for each district."
        )
    districts = tuple(dict.fromkeys(r.district for r in refs))
    group = ProfileArea("", "group", tuple(refs), districts)
    return replace(group, name=name or group.kind_label())


def wards_of_district(query: str) -> list[str]:
    """Codes of every ward (2024 best-fit vintage, else 2019) in a district named by code or name."""
    ref = find_area(query)
    if ref.kind != "district":
        raise ProfileError(f"'{query}' is a {ref.kind} ({ref.code} {ref.name}); --all-wards-of needs a district.")
    for year in (MAIN_YEAR, OTHER_YEAR):
        lookup = ward_lookup(year)
        wards = lookup[lookup["lad_code"] == ref.code].drop_duplicates("ward_code").sort_values("ward_name")
        if not wards.empty:
            return wards["ward_code"].tolist()
    raise UnknownArea(query)


# --------------------------------------------------------------------------------------------------
# Assembly


@cache
def _iod_with_local(year: int) -> pd.DataFrame:
    """The edition's LSOA table with within-district deciles; cached, never modified."""
    table = load_iod(year)
    return pd.concat([table, local_deciles(table)], axis=1)


@cache
def _comparison() -> pd.DataFrame:
    """compare_editions(), computed once per process (about a second); never modified."""
    return compare_editions()


def _district_summaries(year: int) -> pd.DataFrame:
    """IoD File 10 (official district summaries): code, average score, rank of average score, share in 10%."""
    return district_summaries(year)


def _geography(ed: Edition, area: ProfileArea) -> str:
    if area.kind == "lsoa":
        return ed.lsoa_vintage
    if area.kind == "ward":
        return ed.ward_vintage
    if area.kind == "district":
        return ed.district_vintage
    kinds = sorted({m.kind for m in area.members})
    return " and ".join(ed.lsoa_vintage if k == "lsoa" else ed.ward_vintage for k in kinds)


def _members_lsoas(ed: Edition, ref: AreaRef) -> list[str] | None:
    """The LSOA codes of the edition's vintage that make up one area, or None if it is not in that vintage."""
    column = {"lsoa": "lsoa_code", "ward": "ward_code", "district": "lad_code"}[ref.kind]
    rows, lsoas = _lookup_rows(ed.year, column)
    found = rows.get(ref.code)
    return None if found is None else sorted(lsoas[found])


@cache
def _lookup_rows(year: int, column: str) -> tuple[dict[str, object], object]:
    """The edition's lookup rows of each code of ``column``, and its LSOA codes as an array: a group's members
    are found without a scan of the lookup each."""
    lookup = ward_lookup(year)
    return lookup.groupby(column, sort=False).indices, lookup["lsoa_code"].to_numpy(dtype=object)


def _not_in_edition(ed: Edition, area: ProfileArea, missing: list[str]) -> str:
    """Why an edition has no figures for the area, in a bid writer's words (said once, in the key figures)."""
    later = ed.year == OTHER_YEAR  # the area's boundaries are newer than the edition's
    if area.is_group:
        what = "is" if len(missing) == 1 else "are"
        return (f"{', '.join(missing)} {what} not on the boundaries {ed.label} uses, so the group has no "
                f"{ed.label} figures; the change since 2019 is shown for its neighbourhoods (LSOAs).")
    kind = KIND_WORDS[area.kind]
    if later:
        return (f"This {kind} did not exist with its present boundaries when {ed.label} was published, so there "
                f"are no {ed.label} figures for it; the change since 2019 is shown for its neighbourhoods "
                "(LSOAs) instead.")
    return (f"This {kind}'s boundaries were replaced before {ed.label} was published, so there are no "
            f"{ed.label} figures for it; profile the {kind}s that replaced it for current figures.")


def _edition_figures(ed: Edition, area: ProfileArea) -> EditionFigures:
    geography = _geography(ed, area)
    iod = _iod_with_local(ed.year)
    codes: set[str] = set()
    missing: list[str] = []
    listed = 0
    for ref in area.members:
        lsoas = _members_lsoas(ed, ref)
        if lsoas is None:
            missing.append(member_label(ref))
        else:
            codes.update(lsoas)
            listed += len(lsoas)
    if missing:
        return EditionFigures(ed, geography, False, _not_in_edition(ed, area, missing), iod.iloc[0:0].copy())
    lsoas = iod[iod["lsoa_code"].isin(codes)].reset_index(drop=True)
    summary = summarise(lsoas.assign(_area="area"), by="_area").iloc[0]
    note = "" if area.kind == "lsoa" else "Population-weighted from the area's best-fit LSOAs."
    rank = None
    if area.kind == "district":
        official = _district_summaries(ed.year)
        row = official[official["code"] == area.members[0].code]
        if not row.empty:
            r = row.iloc[0]
            rank = DistrictRank(
                float(r["average_score"]), int(r["rank_of_average_score"]), len(official), float(r["share_10pct"])
            )
    return EditionFigures(ed, geography, True, note, lsoas, summary, rank, overlap=listed - len(codes))


def _district_position(area: ProfileArea, main: EditionFigures) -> DistrictPosition | None:
    """The area's IMD rank among its district's wards or LSOAs, or (a district) among England's districts.

    Wards are ranked by population-weighted IMD score, computed for every ward of the district as the
    area's own score is, so the sentence "the 3rd most deprived of ... wards" matches the figures.
    """
    if area.is_group or not main.available:
        return None
    if area.kind == "district":
        official = main.district_rank
        if official is None:
            return None
        return DistrictPosition(official.rank_of_average_score, official.districts_ranked, "England", "districts",
                                "average IMD score (MHCLG's ranking)")
    code = area.members[0].code
    iod = _iod_with_local(main.year)
    if area.kind == "lsoa":
        own = iod[iod["lsoa_code"] == code].iloc[0]
        peers = iod[iod["lad_code"] == own["lad_code"]]
        rank = int((peers["imd_rank"] < own["imd_rank"]).sum()) + 1
        return DistrictPosition(rank, len(peers), str(own["lad_name"]), "neighbourhoods (LSOAs)", "IMD score")
    lookup = ward_lookup(main.year)
    column = "ward_code"
    district = lookup.loc[lookup[column] == code, ["lad_code", "lad_name"]].iloc[0]
    members = lookup.loc[lookup["lad_code"] == district["lad_code"], ["lsoa_code", column]]
    lsoas = iod.drop(columns=["lad_code", "lad_name"]).merge(members, on="lsoa_code", validate="one_to_one")
    scores = summarise(lsoas, by=column).set_index(column)["imd_score"]
    rank = int((scores > scores[code]).sum()) + 1
    return DistrictPosition(rank, len(scores), str(district["lad_name"]), "wards", "population-weighted IMD score")


def _change_figures(area: ProfileArea, main: EditionFigures) -> ChangeFigures:
    compared = _comparison()
    if main.year == MAIN_YEAR and main.available:
        rows = compared[compared["lsoa21_code"].isin(main.lsoas["lsoa_code"])]
        return ChangeFigures(rows.reset_index(drop=True))
    # The area exists only in the 2011 / 2019 geography: follow its LSOAs 2011 to their 2021 successors.
    old = set(main.lsoas["lsoa_code"])
    successors = compared[compared["lsoa11_codes"].str.split(";").map(lambda parents: bool(old & set(parents)))]
    note = (
        f"The area is not in the {IOD2025.lsoa_vintage} geography; these are the LSOAs 2021 that its "
        f"{IOD2019.lsoa_vintage} LSOAs became (they may cover more or less than the area)."
    )
    return ChangeFigures(successors.reset_index(drop=True), note)


Progress = Callable[[float, str], None]
"""Told how far a profile has got (0 to 1) and what it is doing: the app shows it, and a session that has
ended stops the work there (Streamlit raises in the script's thread at its next message)."""


Reader = Callable[[BoundarySource, list[str]], tuple[gpd.GeoDataFrame, BoundaryReport]]


def _layer_reader() -> Reader:
    """``read_boundaries`` reading each boundary layer once, for a group: its members share the layer."""
    layers: dict[tuple[str, str], tuple[gpd.GeoDataFrame, BoundaryReport, dict]] = {}

    def read(source: BoundarySource, codes: list[str]) -> tuple[gpd.GeoDataFrame, BoundaryReport]:
        key = (source.dataset, source.layer)
        if key not in layers:
            whole, report = read_boundaries(source)
            layers[key] = whole, report, whole.groupby("code", sort=False).indices
        whole, report, rows = layers[key]
        wanted = [c for c in dict.fromkeys(codes) if c in rows]
        positions = sorted(p for c in wanted for p in rows[c])
        return (whole.iloc[positions].reset_index(drop=True),
                BoundaryReport(report.layer, [c for c in report.repaired if c in set(wanted)]))

    return read


def _unit_boundaries(ref: AreaRef, used: set[str], read: Reader = read_boundaries) -> gpd.GeoDataFrame:
    """One area's polygon in the main vintage it exists in: an LSOA's own, a ward's or district's dissolved
    from its LSOAs (so the outline follows the LSOA fills of the map round it)."""
    for year in (MAIN_YEAR, OTHER_YEAR):
        ed = EDITIONS[year]
        member_lsoas = _members_lsoas(ed, ref)
        if member_lsoas is None:
            continue
        lsoa_polys, report = read(ed.lsoa_boundaries, member_lsoas)
        used.add(ed.lsoa_boundaries.dataset)
        if ref.kind == "lsoa":
            layer, vintage = lsoa_polys.assign(boundary_source="official"), ed.lsoa_boundaries.vintage
        else:
            membership = pd.DataFrame({"lsoa_code": member_lsoas, "code": ref.code})
            layer = with_dissolved_gaps(
                lsoa_polys.iloc[0:0], pd.DataFrame({"code": [ref.code], "name": [ref.name]}), lsoa_polys,
                membership, BoundaryReport(report.layer),
            )
            vintage = f"{ed.lsoa_boundaries.vintage} (dissolved)"
        layer = layer[["code", "geometry", "boundary_source"]].assign(
            name=ref.name, kind=ref.kind, boundary_vintage=vintage, iod_edition=ed.label
        )
        return layer
    raise UnknownArea(ref.code)


def _member_figures(ed: Edition, members: Sequence[AreaRef]) -> list[dict[str, object]]:
    """Each member's figures of the edition, from one summary of all their LSOAs (a group of two hundred
    members is summarised as fast as one)."""
    lookup = ward_lookup(ed.year)
    parts = []
    for kind, column in (("lsoa", "lsoa_code"), ("ward", "ward_code")):
        codes = {m.code for m in members if m.kind == kind}
        rows = lookup[lookup[column].isin(codes)]
        parts.append(pd.DataFrame({"_member": rows[column].to_numpy(), "lsoa_code": rows["lsoa_code"].to_numpy()}))
    membership = pd.concat(parts, ignore_index=True).drop_duplicates()
    iod = _iod_with_local(ed.year)
    summary = summarise(membership.merge(iod, on="lsoa_code", how="inner"), by="_member").set_index("_member")
    deciles = iod.set_index("lsoa_code")["imd_decile"]
    figures = []
    for ref in members:
        row = summary.loc[ref.code] if ref.code in summary.index else None
        vintage = ed.lsoa_vintage if ref.kind == "lsoa" else ed.ward_vintage
        figures.append({
            "code": ref.code,
            "population": None if row is None else float(row["population"]),
            "imd_score": None if row is None else float(row["imd_score"]),
            "imd_decile": int(deciles[ref.code]) if ref.kind == "lsoa" and row is not None else None,
            "imd_pop_share_decile_1_2": None if row is None else float(row["imd_pop_share_decile_1_2"]),
            "figures_from": f"{ed.label}, {vintage}",
        })
    return figures


def _area_boundaries(area: ProfileArea, editions: dict[int, EditionFigures], used: set[str],
                     progress: Progress = lambda _f, _t: None) -> gpd.GeoDataFrame:
    read = _layer_reader() if area.is_group else read_boundaries
    frames = []
    for done, ref in enumerate(area.members):
        if done % 20 == 0:
            progress(0.3 + 0.5 * done / len(area.members), f"Drawing the boundaries ({done} of {len(area.members)})")
        frames.append(_unit_boundaries(ref, used, read))
    gdf = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=WGS84)
    main = editions[MAIN_YEAR] if editions[MAIN_YEAR].available else editions[OTHER_YEAR]
    figures = _member_figures(main.edition, area.members) if area.is_group else []
    for ref in area.members if not figures else ():
        unit = _edition_figures(main.edition, ProfileArea(ref.name, ref.kind, (ref,), (ref.district,)))  # type: ignore[arg-type]
        figures.append(
            {
                "code": ref.code,
                "population": unit.population,
                "imd_score": unit.imd_score,
                "imd_decile": int(unit.lsoas["imd_decile"].iat[0]) if ref.kind == "lsoa" and unit.available else None,
                "imd_pop_share_decile_1_2": unit.imd_pop_share_decile_1_2,
                "figures_from": unit.header,
            }
        )
    gdf = gdf.merge(pd.DataFrame(figures), on="code", how="left", validate="one_to_one")
    cols = ["code", "name", "kind", "boundary_vintage", "boundary_source", "figures_from", "population",
            "imd_score", "imd_decile", "imd_pop_share_decile_1_2", "geometry"]
    return gpd.GeoDataFrame(gdf[cols], geometry="geometry", crs=WGS84)




# --------------------------------------------------------------------------------------------------
# The profile


_ALWAYS_USED = [
    "iod2025_domains",
    "iod2025_supplementary",
    "census2021_residents",
    "iod2019_domains",
    "iod2019_supplementary",
    "iod2019_population",
    "iod2019_scores",
    "lookup_lsoa21_ward24",
    "lookup_lsoa11_ward19",
    "lookup_lsoa11_lsoa21",
    "districts2024_boundaries",  # the map's district lines
]


def build_profile(query: str | Sequence[str], name: str | None = None, today: date | None = None,
                  progress: Progress | None = None) -> Profile:
    """The profile of an LSOA, ward or district (code or name), or of a group of LSOA and ward codes.

    ``name`` names a custom group; ``today`` fixes the generation date (tests, reproducible exports);
    ``progress`` is told how far the work has got.
    """
    progress = progress or (lambda _f, _t: None)
    progress(0.0, "Finding the areas")
    area = resolve_area(query, name)
    progress(0.1, "Computing the figures of both editions")
    editions = {year: _edition_figures(EDITIONS[year], area) for year in (MAIN_YEAR, OTHER_YEAR)}
    if not any(e.available for e in editions.values()):
        raise UnknownArea(area.code)
    main = editions[MAIN_YEAR] if editions[MAIN_YEAR].available else editions[OTHER_YEAR]
    used = set(_ALWAYS_USED) | {main.edition.lsoa_boundaries.dataset,  # the map's LSOAs
                                main.edition.ward_boundaries.dataset}  # and its ward names
    if area.kind == "district":
        used |= {"iod2019_district_summaries", "iod2025_district_summaries"}
    boundaries = _area_boundaries(area, editions, used, progress)
    progress(0.8, "Gathering the indicators")
    indicators = indicator_section(area, main, used)  # adds the datasets it uses to ``used``
    registry = load_registry()
    return Profile(
        area=area,
        generated=today or date.today(),
        editions=editions,
        change=_change_figures(area, main),
        indicators=indicators,
        actions=actions_section(editions, area.kind),
        sources=[registry[d] for d in registry if d in used],
        attribution=full_attribution(),
        boundaries=boundaries,
        position=_district_position(area, main),
    )
