"""The area profile page's model: what its inputs ask for, and what it shows and offers for download.

Streamlit-free, so the page only draws widgets and these steps are tested on their own. Building
and exporting the profile stay in ``hiap_geo.render.profile``; ``build`` and ``export_file`` call them for the
page (which caches them), and what else the page needs of the library is re-exported here, so the page imports
the views only.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date
from functools import cache

import pandas as pd

from hiap_geo.core.areas import looks_like_code
from hiap_geo.core.editions import IOD2025
from hiap_geo.core.errors import HiapGeoError as HiapGeoError
from hiap_geo.core.limits import shorten
from hiap_geo.core.text import escape_markdown as escape_markdown
from hiap_geo.core.text import name_key
from hiap_geo.geo.lookups import AreaRef, find_area, gazetteer
from hiap_geo.render.profile.assemble import Progress as Progress
from hiap_geo.render.profile.assemble import build_profile, check_group_size, parse_area_query
from hiap_geo.render.profile.export import FORMATS, MEDIA_TYPES, export, file_name
from hiap_geo.render.profile.model import KIND_WORDS
from hiap_geo.render.profile.model import Profile as Profile
from hiap_geo.render.profile.tables import profile_tables
from hiap_geo.views.explorer import search

FORMAT_LABELS: dict[str, str] = {"pdf": "PDF", "docx": "Word", "xlsx": "Excel", "csv": "CSV", "geojson": "GeoJSON"}
MAP_CAPTION = "The area in its surroundings (IMD decile; 1 = most deprived 10%)"


def map_alt_text(profile: Profile) -> str:
    """The profile map's text alternative (WCAG 1.1.1): what it shows, and where its figures are in words."""
    return (f"Map of {profile.area.title()} and its surroundings, each neighbourhood (LSOA) coloured by its national "
            "IMD decile. The tables beside it give the area's deciles in figures.")


@dataclass(frozen=True)
class Place:
    """One area a name may mean, as the picker offers it."""

    code: str
    label: str


@dataclass(frozen=True)
class ProfileRequest:
    """What the page's inputs ask for: the codes (one area, or a group), or the places a name may mean (the page
    offers them as a choice), and the group's name, if given."""

    codes: tuple[str, ...]
    name: str | None
    candidates: tuple[Place, ...] = ()
    note: str = ""
    """Said under the profile, e.g. that an older ward of the same name has its own code."""

    def choose(self, code: str) -> ProfileRequest:
        """The request once a place is picked from the candidates."""
        return replace(self, codes=(code,), candidates=())


class AreaListError(HiapGeoError):
    """A list of area codes with entries that are not codes, or codes no lookup knows; the message names them."""


@cache
def places() -> pd.DataFrame:
    """Every named area of both editions, as :func:`hiap_geo.views.explorer.search` reads them (keys made once),
    with the newest vintage of each place first."""
    table = gazetteer()
    newest = table["vintage"].isin([IOD2025.lsoa_vintage, IOD2025.ward_vintage, IOD2025.district_vintage])
    table = table.assign(ward="", name_key=table["name"].map(name_key), ward_key="", newest=newest)
    return table.sort_values("newest", ascending=False, kind="stable")


LISTED = 10
"""Entries of a list named in a message at most; the rest are counted."""


def _listed(codes: list[str]) -> str:
    return ", ".join(codes[:LISTED]) + (f" and {len(codes) - LISTED} more" if len(codes) > LISTED else "")


def read_request(query: str, group_name: str, near: Collection[str] = ()) -> ProfileRequest | None:
    """The request the inputs make; None while the area box is empty.

    A code, or several (one a line, or separated by commas or spaces), is taken as it is; every entry of a list
    that is not a code, or a code no lookup knows, is named in one AreaListError. Anything else is a name,
    found as the map explorer finds it ('Sherwood', 'Sherwood ward', 'Sherwood, Tunbridge Wells', part of a
    name): one place gives its profile (by its current code when its code changed between the editions; the
    note names the older one), several places are offered as a choice of every code: those in the districts
    ``near`` (by name: the sidebar's) first, then the current ones. Raises UnknownArea for a name that matches
    nothing (with close names, if any).
    """
    text = query.strip()
    if not text:
        return None
    name = group_name.strip() or None
    tokens = list(dict.fromkeys(t for t in re.split(r"[\s,;]+", text) if t))  # each entry once
    if len(tokens) == 1 and looks_like_code(tokens[0]):  # one code, however often repeated
        text = tokens[0]
    if len(tokens) > 1 and any(looks_like_code(t) for t in tokens):  # a list of codes, perhaps with a slip
        check_group_size(len({t.upper() for t in tokens}))
        not_codes = [t for t in tokens if not looks_like_code(t)]
        known = set(places()["code"])
        unknown = [t.upper() for t in tokens if looks_like_code(t) and t.upper() not in known]
        if not_codes or unknown:
            good = [t.upper() for t in tokens if looks_like_code(t) and t.upper() in known]
            problems = [f"'{shorten(t, 40)}' is not an area code (a code is a letter and 8 digits, e.g. E01024840)"
                        for t in not_codes]
            problems += [f"{c} is not a code of any LSOA, ward or district of IoD 2019 or 2025" for c in unknown]
            shown = "; ".join(problems[:LISTED]) + (f"; and {len(problems) - LISTED} more" if len(problems) > LISTED
                                                    else "")
            fine = f" The other entries ({_listed(good)}) are fine." if good else ""
            raise AreaListError(shown + "." + fine + " Correct or remove "
                                + ("it" if len(problems) == 1 else "them") + ", one code a line.")
        return ProfileRequest(tuple(parse_area_query(text)), name)
    if looks_like_code(text):
        return ProfileRequest((text.upper(),), name)
    found = search(places(), text)
    if found.empty:
        return ProfileRequest((find_area(text).code,), name)  # raises UnknownArea with close names
    found = found.assign(near=found["district"].isin(list(near))).sort_values(["near", "newest"], ascending=False,
                                                                              kind="stable")
    current = found.drop_duplicates(["name", "kind", "district"])  # one code per place: the newest
    older = found[~found["code"].isin(current["code"])].drop_duplicates("code")
    note = "; ".join(f"{r.name} ({r.kind}, {r.district}) of {r.vintage} has its own code, {r.code}: enter it "
                     "for that one" for r in older.itertuples()) if len(current) == 1 else ""
    if len(current) == 1:
        return ProfileRequest((current["code"].iat[0],), name, note=note)
    every = found.drop_duplicates("code")  # several places: each code is offered, the current ones first
    refs = [AreaRef(row.code, row.name, row.kind, tuple(found.loc[found["code"] == row.code, "vintage"].unique()),
                    row.district) for row in every.itertuples()]
    return ProfileRequest((), name, tuple(Place(ref.code, place_label(ref)) for ref in refs))


def place_label(ref: AreaRef) -> str:
    """One place a name may mean, as the picker offers it: 'Sherwood, ward in Tunbridge Wells: E05015813 (Ward
    2024 best-fit boundaries)'."""
    where = "" if ref.kind == "district" else f" in {ref.district}"
    vintages = " and ".join(v.replace(" (best fit)", " best-fit") for v in ref.vintages)
    return f"{ref.name}, {KIND_WORDS.get(ref.kind, ref.kind)}{where}: {ref.code} ({vintages} boundaries)"


def pick_prompt(query: str, count: int) -> str:
    """The question over the places a name may mean (the name as typed, shortened and escaped for Markdown)."""
    return f"{count} places are called '{escape_markdown(shorten(query.strip()))}': choose one"


def pick_key(query: str) -> str:
    """The picker's widget key: it follows the name typed, so a new name asks afresh."""
    return f"profile_pick_{name_key(query)}"


def build(codes: tuple[str, ...], name: str | None, today: date, progress: Progress | None = None) -> Profile:
    """The profile of ``codes`` (one area, or a group named ``name``) as of ``today``; ``progress`` is told how
    far the work has got (``render.profile.build_profile``)."""
    return build_profile(list(codes), name=name, today=today, progress=progress)


def export_file(profile: Profile, fmt: str) -> bytes:
    """The profile as one download (``fmt`` one of the ``Download`` formats)."""
    return export(profile, fmt)


@dataclass(frozen=True)
class Download:
    """One download button: the format, its label, the file's name and media type."""

    fmt: str
    label: str
    file_name: str
    media_type: str


@dataclass(frozen=True)
class ScreenTable:
    """One of the profile's tables as the page shows it: formatted figures, or a message saying why none."""

    title: str
    frame: pd.DataFrame | None
    message: str
    note: str


@dataclass(frozen=True)
class ProfileScreen:
    """Everything the page shows of a built profile, in order."""

    title: str
    caption: str
    downloads: list[Download]
    tables: list[ScreenTable]
    attribution: str


def profile_screen(profile: Profile) -> ProfileScreen:
    """The page's content for a profile: the same tables as every export, with figures as printed."""
    tables = [
        ScreenTable(t.title, None, t.message_text(), "") if t.message
        else ScreenTable(t.title, t.as_text_frame(), "", t.note)
        for t in profile_tables(profile)
    ]
    return ProfileScreen(
        title=profile.area.title(),
        caption=f"{profile.area.kind_label()}; generated {profile.generated_text()}",
        downloads=[Download(fmt, f"Download {FORMAT_LABELS[fmt]}", file_name(profile, fmt), MEDIA_TYPES[fmt])
                   for fmt in FORMATS],
        tables=tables,
        attribution=profile.attribution,
    )
