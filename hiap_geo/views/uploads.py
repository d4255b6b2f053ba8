"""What the Indicators page and ``python -m hiap_geo upload check`` say about an indicator file.

One place, so that an analyst checking a file before a meeting reads exactly the words the page will
show. Texts from the file (names, periods, the file name) are cut short here (``core.limits.shorten``);
the page escapes them for Markdown, the command line strips terminal control characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hiap_geo.core.areas import AREA_LEVELS
from hiap_geo.core.limits import shorten
from hiap_geo.core.text import natural_key
from hiap_geo.indicators.upload_files import read_file_bytes
from hiap_geo.indicators.uploads import UploadResult, read_upload

MAPPABLE_LEVELS = ("lsoa", "msoa", "ward", "district")
"""Area types an uploaded file can be mapped at (an England-only file has nothing to map)."""


def _some(items: Sequence[str], noun: str, limit: int = 5) -> str:
    """'Smoking' for one item; '3 indicators (A, B, C)'; long lists end '... and 7 more'."""
    if len(items) == 1:
        return shorten(items[0], 60)
    shown = ", ".join(shorten(i, 60) for i in items[:limit])
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return f"{len(items):,} {noun}s ({shown}{more})"


def upload_summary(result: UploadResult) -> str:
    """One line for a loaded file: rows, its indicators, its level and code editions, areas and periods."""
    data = result.data
    names = list(dict.fromkeys(data["indicator_name"]))
    periods = sorted(data["period"].dropna().astype(str).unique(), key=natural_key)
    level = AREA_LEVELS.get(result.area_type, AREA_LEVELS["england"])
    areas = data["area_code"].nunique()
    editions = f" ({', '.join(result.vintages)})" if result.vintages else ""
    when = ("1 period, " + shorten(periods[0], 60) if len(periods) == 1 else _some(periods, "period")) if periods \
        else "period not stated"
    return (f"Loaded {len(data):,} rows of {_some(names, 'indicator')} at {level.label[:1].upper()}{level.label[1:]} "
            f"level{editions}: {areas:,} {level.label if areas == 1 else level.plural}, {when}.")


def unmappable_message(result: UploadResult, filename: str) -> str | None:
    """Why a loaded file gives the page nothing to map (England values only), or None."""
    if result.area_type in MAPPABLE_LEVELS:
        return None
    return (f"'{shorten(filename)}' holds only England values: there are no areas to map. Upload the LSOA, MSOA, "
            "ward or district values.")


def check_upload_file(path: Path, indicator_name: str | None = None) -> UploadResult:
    """Read and validate a file from disk as the page validates an upload (same reader, messages and limits);
    raises :class:`~hiap_geo.indicators.upload_files.InvalidUpload`. A file over the size limit is not read."""
    return read_upload(read_file_bytes(path), path.name, indicator_name=indicator_name)
