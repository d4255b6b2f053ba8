"""Write an area profile as PDF, Word, Excel, CSV or GeoJSON: the formats and the one way in.

Every format renders the same ``tables.profile_tables``, so a figure is the same number everywhere:
the spreadsheet and the CSV keep exact values (with a number format), the PDF and Word files print
them with ``Num.text()``. ``export(profile, fmt)`` returns bytes (what a download button needs);
``write_profile`` writes several formats to a folder, all or nothing. The document formats each
have a module (``pdf``, ``word``, ``excel``); the two data formats, CSV and GeoJSON, are short and
live here.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from hiap_geo.core.cells import text_cell
from hiap_geo.core.files import atomic_path
from hiap_geo.render.profile.excel import to_xlsx
from hiap_geo.render.profile.model import Num, Profile, ProfileError, cell_text
from hiap_geo.render.profile.pdf import to_pdf
from hiap_geo.render.profile.tables import profile_tables
from hiap_geo.render.profile.word import to_docx

FORMATS: tuple[str, ...] = ("pdf", "docx", "xlsx", "csv", "geojson")
MEDIA_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "geojson": "application/geo+json",
}


def file_name(profile: Profile, fmt: str) -> str:
    """The file name for a format: the area, its code(s) and the generation date."""
    _check_format(fmt)
    return f"{profile.file_stem()}.{fmt}"


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ProfileError(f"Unknown profile format '{fmt}'; choose from {', '.join(FORMATS)}.")


def export(profile: Profile, fmt: str) -> bytes:
    """The profile in one format, as bytes."""
    _check_format(fmt)
    writers: dict[str, Callable[[Profile], bytes]] = {
        "pdf": to_pdf,
        "docx": to_docx,
        "xlsx": to_xlsx,
        "csv": to_csv,
        "geojson": to_geojson,
    }
    return writers[fmt](profile)


def write_profile(profile: Profile, formats: Iterable[str], out_dir: Path) -> list[Path]:
    """Write the profile in each format into ``out_dir``, all or nothing: every file is made in memory,
    then written beside its final name, and only when all are written are they renamed into place."""
    formats = list(dict.fromkeys(formats))
    for fmt in formats:
        _check_format(fmt)
    contents = {fmt: export(profile, fmt) for fmt in formats}
    out_dir.mkdir(parents=True, exist_ok=True)
    targets = [out_dir / file_name(profile, fmt) for fmt in contents]
    with ExitStack() as stack:
        for target, data in zip(targets, contents.values(), strict=True):
            stack.enter_context(atomic_path(target)).write_bytes(data)
    return targets


def to_csv(profile: Profile) -> bytes:
    """Every figure in one long table: table, row number, row label, column, exact value.

    UTF-8 with a byte-order mark so that Excel opens it with the right characters.
    """
    out = io.StringIO()
    writer = _SafeWriter(csv.writer(out, lineterminator="\n"))
    writer.writerow(["table", "row number", "row", "column", "value"])
    for table in profile_tables(profile):
        for number, row in enumerate(table.rows, start=1):
            label = cell_text(row[0])
            for column, value in zip(table.columns[1:], row[1:], strict=True):
                exact = value.value if isinstance(value, Num) else value
                writer.writerow([table.title, number, label, column, "" if exact is None else exact])
            if len(table.columns) == 1:  # a section that only says why it has no figures
                writer.writerow([table.title, number, label, table.columns[0], label])
        if table.note:
            writer.writerow([table.title, "", "Note", "", table.note])
    writer.writerow(["About", "", "Generated", "", profile.generated_text()])
    writer.writerow(["About", "", "Attribution", "", profile.attribution])
    return out.getvalue().encode("utf-8-sig")


class _SafeWriter:
    """A csv writer whose text cells cannot become spreadsheet formulas (group names and plan notes are
    user text)."""

    def __init__(self, writer: Any):
        self._writer = writer

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([text_cell(value) for value in row])


def to_geojson(profile: Profile) -> bytes:
    """The area's boundaries (one feature per area or group member) with its headline figures."""
    gdf = profile.boundaries.copy()
    gdf["profile"] = profile.area.name
    gdf["generated"] = profile.generated.isoformat()
    gdf["attribution"] = profile.attribution
    data = json.loads(gdf.to_json(drop_id=True, na="null"))
    data["name"] = f"Area profile: {profile.area.title()}"
    return json.dumps(data, ensure_ascii=False).encode("utf-8")
