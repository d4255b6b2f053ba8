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

MAX_PLAN_ACTIONS: int = 500
"""Actions in one plan: a district's plan has tens (Tunbridge Wells 37). A draft of 10,000 actions (within the byte
limit) took 30 s and 500 MB to open in the plan editor, slowing everyone's sessions; it is refused, naming this."""

MAX_FIGURES_BYTES: int = 2_000_000
"""A file of the figures a plan document states (YAML)."""

MAX_BUNDLE_BYTES: int = 20_000_000
"""A progress export bundle (JSON)."""

MAX_WRITE_WAIT_S: float = 20.0
"""How long a write to a shared PostgreSQL progress database waits for another writer (a large import) before
the person is told the database is busy and nothing was recorded; SQLite waits its busy timeout per attempt."""

# --- Shape of what is inside ----------------------------------------------------------------------
MAX_NESTING: int = 64
"""Nesting depth of a YAML or JSON document (plans nest about 8 deep; deeper is an attack or a mistake)."""

MAX_ROWS: int = 500_000
"""Rows of an uploaded table (England's 33,755 LSOAs for a dozen periods fit)."""

MAX_CELLS: int = 5_000_000
"""Cells of an uploaded table, counted as the sheet is read."""

MAX_CELL_CHARS: int = 1_000
"""Characters in one cell of an uploaded table (names, codes, numbers: never a page of text). Keep it below
Python's csv field limit (131,072), which the CSV reader reports as this limit."""

MAX_TEXT_CHARS: int = 10_000
"""A free text a person writes: a plan's title, an action, a review note."""

MAX_NAME_CHARS: int = 200
"""A short name: a reviewer, a group of areas, an uploaded indicator's name."""

MAX_SHOWN_CHARS: int = 120
"""How much of a user-supplied text is echoed back in a message about it."""


def shorten(text: object, limit: int = MAX_SHOWN_CHARS) -> str:
    """A user-supplied text cut to ``limit`` characters for a message, so a giant cell is never echoed whole."""
    value = str(text)
    return value if len(value) <= limit else value[: limit - 1] + "…"
