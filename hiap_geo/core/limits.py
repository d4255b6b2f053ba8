"""Limits on what a user can hand HIAP Geo, in one place: checked before anything is parsed.

The app serves a whole meeting from one process, so one file must not be able to exhaust it.
Every limit is generous for real data (an England-wide LSOA file of many indicators fits) and
is named in the message that refuses a file, so the user knows what to change. The README
lists them. The app, the command line and imports all use these.
"""

from __future__ import annotations

# --- Files, by size on disk or upload -------------------------------------------------------------
MAX_UPLOAD_BYTES: int = 10 * 1024 * 1024
"""An indicator file (CSV or xlsx) as uploaded."""

MAX_XLSX_UNPACKED_BYTES: int = 60 * 1024 * 1024
"""An xlsx is a zip: the sum of its members' sizes once unpacked (a zip bomb is refused before reading)."""

MAX_XLSX_ELEMENTS: int = 2_000_000
"""XML elements in one part of an xlsx, counted on its bytes before parsing: the XML parser keeps an object
(about 100 bytes) for each element while its parent lives, so a sheet of millions of tiny elements would
hold gigabytes, and each costs openpyxl microseconds. About 600,000 filled cells fit."""

MAX_XLSX_STRINGS: int = 300_000
"""Different texts in an xlsx (its shared strings table, read whole before any row): each costs openpyxl
several microseconds. England's LSOA codes and names take 70,000."""

MAX_PLAN_BYTES: int = 1_000_000
"""A plan file (YAML)."""

MAX_PLAN_ACTIONS: int = 2_000
"""Actions in one plan: a district's plan has tens (Tunbridge Wells 37); a plan at MAX_PLAN_BYTES of real actions has
about 1,200. A draft of 10,000 short actions (within the byte limit) took 30 s and 500 MB to open in the plan
editor, slowing everyone's sessions; it is refused, naming this."""

MAX_FIGURES_BYTES: int = 2_000_000
"""A file of the figures a plan document states (YAML)."""

MAX_BUNDLE_BYTES: int = 20_000_000
"""A progress export bundle (JSON)."""

MAX_WRITE_WAIT_S: float = 20.0
"""How long a write to a shared PostgreSQL progress database waits for another writer (a large import) before
the person is told the database is busy and nothing was recorded; SQLite waits its busy timeout per attempt."""

MAX_EMAIL_CHARS: int = 254
"""The longest e-mail address (RFC 5321 path limit); a longer one in the access file or a sign-in is refused."""

MAX_ACCESS_BYTES: int = 200_000
"""An access file lists people and domains: a few kilobytes. Larger is a mistake."""

# --- Shape of what is inside ----------------------------------------------------------------------
MAX_NESTING: int = 64
"""Nesting depth of a YAML or JSON document (plans nest about 8 deep; deeper is an attack or a mistake)."""

MAX_ROWS: int = 200_000
"""Rows of an uploaded table: England's 33,755 LSOAs for five periods or indicators, a district's for hundreds.
Every row is held and checked (about 1.5 KB each while checking), so 200,000 rows are checked within seconds
and a few hundred MB; 500,000 took minutes and 2 GB."""

MAX_CELLS: int = 2_000_000
"""Cells of an uploaded table, counted as the sheet is read (200,000 rows of ten columns)."""

MAX_CELL_CHARS: int = 1_000
"""Characters in one cell of an uploaded table (names, codes, numbers: never a page of text). Keep it below
Python's csv field limit (131,072), which the CSV reader reports as this limit."""

MAX_TEXT_CHARS: int = 10_000
"""A free text a person writes: a plan's title, an action, a review note."""

MAX_NAME_CHARS: int = 200
"""A short name: a reviewer, a group of areas, an uploaded indicator's name."""

MAX_NOTE_CHARS: int = MAX_TEXT_CHARS
"""The note (or correction reason) of a progress review."""

MAX_REVIEWER_CHARS: int = 200
"""A reviewer's name or e-mail address, as stored with a review, a registration or a draft."""

MAX_SHOWN_CHARS: int = 120
"""How much of a user-supplied text is echoed back in a message about it."""


# --- Work a request may ask for ---------------------------------------------------------------------

MAX_GROUP_AREAS: int = 200
"""LSOAs and wards in one custom group (an area profile on the page, a ``?area=`` link or the command line),
counted once each: a group costs work for every member, and a bid's neighbourhoods are tens, not thousands."""

MAX_LINK_DISTRICTS: int = 400
"""District codes in a ``?area=`` link, counted once each (England has 296)."""

MAX_DRAFTS_PER_USER: int = 200
"""Drafts one user may keep at once (each up to MAX_PLAN_BYTES): a draft is one plan being written."""

MAX_STORED_PROBLEMS: int = 500
"""Problems kept with a draft, those that stop a save first (a target of thousands of wrong codes has thousands);
the draft's text holds them all and its check finds them again."""

MAX_AREAS_LISTED: int = 60
"""A plan document's target areas listed in its cell; a rule selecting more names the count and the first ones."""

MAX_MAPS: int = 30
"""Priority maps a plan document draws at most (about half a second each; the seed plans have up to 8
priorities): a plan of thousands of priorities must not keep the server drawing for an hour."""

MAX_FEATURE_PAGES: int = 500
"""Pages of an ONS FeatureServer query (a million features), so a server that never says 'done' cannot loop
forever."""

MAX_IMPORT_FILES: int = 500
"""Files looked at by ``fetch --from``: a folder of downloads, not a whole disk."""

MAX_IMPORT_FILE_BYTES: int = 1024**3
"""Any file in a ``fetch --from`` folder (1 GB; the largest official file is tens of MB): larger is not read."""

MAX_OFFICIAL_FILE_BYTES: int = 256 * 1024**2
"""A file recognised as a dataset's official file is converted only up to the larger of this (256 MB) and
``OFFICIAL_FILE_RATIO`` times the size of the dataset's checked copy (``size_bytes`` in data/sources.yaml)."""

OFFICIAL_FILE_RATIO: int = 40
"""How many times larger than its checked copy a dataset's official file may be (xlsx and GeoJSON are larger
than the compressed copies: a few times, never forty)."""

MAX_SNIFF_BYTES: int = 1024**2
"""Bytes read from a file (or a zip member) to recognise it: the head holds the title rows and the header."""


def official_file_cap(size_bytes: int | None) -> int:
    """The largest official file accepted for a dataset whose checked copy is ``size_bytes`` long."""
    return min(MAX_IMPORT_FILE_BYTES, max(MAX_OFFICIAL_FILE_BYTES, OFFICIAL_FILE_RATIO * (size_bytes or 0)))


def shorten(text: object, limit: int = MAX_SHOWN_CHARS) -> str:
    """A user-supplied text cut to ``limit`` characters for a message, so a giant cell is never echoed whole."""
    value = str(text)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def size_label(n: int) -> str:
    """'11.4 MB', '12 KB', '100 bytes': file sizes in messages."""
    if n >= 1048576:
        return f"{n / 1048576:.1f}".removesuffix(".0") + " MB"
    return f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} bytes"
