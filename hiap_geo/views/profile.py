"""The area profile page's model: what its inputs ask for, and what it shows and offers for download.

Streamlit-free, so the page only draws widgets and these steps are tested on their own. Building
and exporting the profile stay in ``hiap_geo.render.profile`` (the page caches those calls).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from hiap_geo.render.profile.assemble import parse_area_query
from hiap_geo.render.profile.export import FORMATS, MEDIA_TYPES, file_name
from hiap_geo.render.profile.model import Profile
from hiap_geo.render.profile.tables import profile_tables

FORMAT_LABELS: dict[str, str] = {"pdf": "PDF", "docx": "Word", "xlsx": "Excel", "csv": "CSV", "geojson": "GeoJSON"}
MAP_CAPTION = "The area in its surroundings (IMD decile; 1 = most deprived 10%)"


@dataclass(frozen=True)
class ProfileRequest:
    """What the page's inputs ask for: the codes (or one name) and the group's name, if given."""

    codes: tuple[str, ...]
    name: str | None


def read_request(query: str, group_name: str) -> ProfileRequest | None:
    """The request the inputs make; None while the area box is empty.

    Raises UnknownArea for input that names nothing; the area itself is looked up when the profile is built.
    """
    if not query.strip():
        return None
    return ProfileRequest(tuple(parse_area_query(query)), group_name.strip() or None)


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
        caption=f"{profile.area.kind_label()}; generated {profile.generated:%d %B %Y}",
        downloads=[Download(fmt, f"Download {FORMAT_LABELS[fmt]}", file_name(profile, fmt), MEDIA_TYPES[fmt])
                   for fmt in FORMATS],
        tables=tables,
        attribution=profile.attribution,
    )
