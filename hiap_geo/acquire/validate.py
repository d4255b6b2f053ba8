"""Content checks on official files: the right table, whole, of the right edition.

A checksum only says a file is the one we saw before; a publisher's new upload, a truncated download,
the wrong sheet or an HTML error page all need a look at the content. Each check names the file, what
was expected and what was found, so the user knows which download to redo.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hiap_geo.core.errors import FetchError

Refuse = Callable[[str, str], "InvalidOfficialFile"]

TUNBRIDGE_WELLS = "E07000116"
SEVENOAKS = "E07000111"
SHERWOOD_LSOA = "E01024840"
"""Tunbridge Wells 005A: the same code in LSOA 2011 and 2021, so every LSOA table must have it."""

EDITION_MARKERS = {
    "LSOA code (2011)": "IoD 2019 (LSOA 2011)",
    "LSOA code (2021)": "IoD 2025 (LSOA 2021)",
    "Local Authority District code (2019)": "IoD 2019 (LAD 2019)",
    "Local Authority District code (2024)": "IoD 2025 (LAD 2024)",
}


class InvalidOfficialFile(FetchError):
    """An official file that is not what the dataset needs; nothing was written into the cache."""

    def __init__(self, file: Path | str, dataset: str, expected: str, found: str):
        name = file.name if isinstance(file, Path) else file
        super().__init__(
            f"Refused {name} for '{dataset}': expected {expected}; found {found}. Nothing was saved."
        )
        self.file = name
        self.dataset = dataset


@dataclass(frozen=True)
class TableCheck:
    """What a table must look like. ``rows`` is exact: official releases are fixed, so another count means a
    truncated download or another edition."""

    what: str
    code_column: str
    code_pattern: str
    rows: int | None = None
    columns: tuple[str, ...] = ()
    known_codes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    rank_columns: tuple[str, ...] = ()
    unique: bool = True
    row_filter: str | None = None
    """Only rows whose code starts with this prefix count (e.g. 'E' for England rows of a GB file)."""


def edition_of(columns: list[str]) -> str | None:
    """The IoD edition named by a file's code columns, if any."""
    return next((label for col, label in EDITION_MARKERS.items() if col in columns), None)


def check_table(frame: pd.DataFrame, check: TableCheck, file: Path | str, dataset: str) -> pd.DataFrame:
    """Raise InvalidOfficialFile on the first problem; return the rows that count."""

    def refuse(expected: str, found: str) -> InvalidOfficialFile:
        return InvalidOfficialFile(file, dataset, f"{check.what}: {expected}", found)

    missing = [c for c in (check.code_column, *check.columns) if c not in frame.columns]
    if missing:
        edition = edition_of(list(frame.columns))
        wanted = edition_of([check.code_column, *check.columns])
        if edition and wanted and edition != wanted:
            raise refuse(f"the {wanted} edition", f"a file of {edition} (wrong edition)")
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise refuse(f"columns including {shown}", f"columns {', '.join(map(str, frame.columns[:6]))}...")
    codes = frame[check.code_column].astype("string").str.strip()
    if check.row_filter is not None:
        keep = codes.str.startswith(check.row_filter).fillna(False).to_numpy(bool)
        frame, codes = frame[keep], codes[keep]
    if check.rows is not None and len(frame) != check.rows:
        hint = " (truncated?)" if len(frame) < check.rows else ""
        raise refuse(f"{check.rows:,} rows", f"{len(frame):,} rows{hint}")
    bad = codes[~codes.str.fullmatch(check.code_pattern).fillna(False).to_numpy(bool)]
    if len(bad):
        raise refuse(f"{check.code_column} codes matching {check.code_pattern}",
                     f"{len(bad):,} that do not, e.g. {bad.iloc[0]!r}")
    if check.unique and codes.duplicated().any():
        dupes = codes[codes.duplicated()].unique()
        raise refuse(f"each {check.code_column} once", f"{len(dupes):,} duplicated, e.g. {dupes[0]}")
    for column, wanted in check.known_codes.items():
        present = set(frame[column].astype("string").str.strip())
        absent = [c for c in wanted if c not in present]
        if absent:
            raise refuse(f"{', '.join(wanted)} in {column}", f"no {', '.join(absent)}")
    for column, (lo, hi) in check.ranges.items():
        _check_range(frame, column, lo, hi, refuse)
    for column in check.rank_columns:
        _check_range(frame, column, 1, len(frame), refuse)
    if check.rank_columns:
        check_ranks(frame, check.code_column, check.rank_columns, refuse)
    return frame


def _check_range(frame: pd.DataFrame, column: str, lo: float, hi: float, refuse: Refuse) -> None:
    values = pd.to_numeric(frame[column], errors="coerce")
    outside = values[(values < lo) | (values > hi) | values.isna()]
    if len(outside):
        found = ("empty or non-numeric values" if outside.isna().all()
                 else f"values from {values.min()} to {values.max()}")
        raise refuse(f"{column} between {lo:g} and {hi:g}", found)


RANK_SUFFIX = " Rank (where 1 is most deprived)"
DECILE_SUFFIX = " Decile (where 1 is most deprived 10% of LSOAs)"
SCORE_SUFFIXES = (" Score (rate)", " Score")
EXAMPLES = 3
"""Rows quoted in a refusal: enough to find them in the file, few enough to read."""

RANK_RULES = (
    "Checked in every IoD file HIAP Geo accepts, for each measure with ranks: (1) ranks run from 1 to N, the "
    "number of rows, each held once, except that LSOAs whose scores tie share the higher place and the next "
    "rank is skipped (1, 2, 2, 4), as in MHCLG's files; (2) each decile is the official cut of its rank: "
    "decile d holds ranks in ((d-1)N/10, dN/10], i.e. decile = ceiling(10 x rank / N); (3) a higher score "
    "never has a higher (less deprived) rank: in IMD, every domain, IDACI, IDAOPI and the sub-domains a higher "
    "score means more deprived; (4) files of the same edition agree: IMD, IDACI and IDAOPI ranks in Files 1, "
    "2, 3 and 7 are equal for the same LSOA, in the new file and in what was accepted before."
)
"""What :func:`check_ranks` and :func:`check_agreement` enforce, in words for the README and messages.
Measured on the real files: IoD 2019 (32,844 LSOAs) and 2025 (33,755), every measure: 0 rows break (1)-(3)."""


def _examples(codes: np.ndarray, rows: np.ndarray, texts: list[str]) -> str:
    """'N of M rows that do not, e.g. CODE (what is wrong); ...' for the first three ``rows``."""
    shown = "; ".join(f"{codes[i]} ({text})" for i, text in zip(rows[:EXAMPLES], texts, strict=False))
    return f"{len(rows):,} of {len(codes):,} rows that do not, e.g. {shown}"


def check_ranks(frame: pd.DataFrame, code_column: str, rank_columns: tuple[str, ...], refuse: Refuse) -> None:
    """Ranks, deciles and scores of each measure consistent with one another (:data:`RANK_RULES` 1-3).

    Vectorised: a sort and a search per measure, milliseconds for 33,755 rows. Raises ``refuse(expected,
    found)`` with three example rows.
    """
    n = len(frame)
    if n == 0:
        return
    codes = frame[code_column].astype("string").fillna("").to_numpy(str)
    for column in rank_columns:
        if column not in frame:
            continue
        stem = column.removesuffix(RANK_SUFFIX)
        rank = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
        ordered = np.sort(rank)
        below = np.searchsorted(ordered, rank, side="left")
        bad = np.flatnonzero(below != rank - 1)
        if len(bad):
            lost = "; rank 1 is missing" if not (rank == 1).any() else ""
            raise refuse(f"{column} running 1 to {n:,}, each held once (ties share a place: 1, 2, 2, 4)",
                         _examples(codes, bad, [f"rank {rank[i]:g} with {int(below[i]):,} rows ranked before it, "
                                                   f"not {rank[i] - 1:,.0f}" for i in bad[:EXAMPLES]]) + lost)
        decile_column = stem + DECILE_SUFFIX
        if decile_column in frame:
            decile = pd.to_numeric(frame[decile_column], errors="coerce").to_numpy(float)
            cut = (rank.astype(np.int64) * 10 + n - 1) // n
            bad = np.flatnonzero(decile != cut)
            if len(bad):
                raise refuse(f"{decile_column} equal to the official cut of the rank (ceiling(10 x rank / {n:,}))",
                             _examples(codes, bad, [f"rank {rank[i]:g}, decile {decile[i]:g}; the cut gives {cut[i]}"
                                                       for i in bad[:EXAMPLES]]))
        score_column = next((stem + s for s in SCORE_SUFFIXES if stem + s in frame), None)
        if score_column is not None:
            score = pd.to_numeric(frame[score_column], errors="coerce").to_numpy(float)
            order = np.argsort(rank, kind="stable")
            by_rank = score[order]
            rises = np.flatnonzero(~(np.diff(by_rank) <= 1e-9)) + 1
            if len(rises):
                bad = order[rises]
                pairs = [(order[r], order[r - 1]) for r in rises[:EXAMPLES]]
                raise refuse(f"{score_column} never higher (more deprived) at a higher rank",
                             _examples(codes, bad, [f"rank {rank[i]:g} score {score[i]:g}, above {codes[j]} at "
                                                    f"rank {rank[j]:g} with {score[j]:g}" for i, j in pairs]))


def check_agreement(frame: pd.DataFrame, code_column: str, others: Mapping[str, pd.DataFrame], file: Path | str,
                    dataset: str, what: str) -> None:
    """Ranks equal, LSOA by LSOA, to those of the same measures in the ``others`` frames (label -> a frame
    with ``code_column`` and published rank headers): files of one edition must tell one story."""
    ranks = [c for c in frame.columns if str(c).endswith(RANK_SUFFIX)]
    mine = frame[[code_column, *ranks]].set_index(code_column)
    for label, other in others.items():
        shared = [c for c in ranks if c in other.columns]
        if not shared:
            continue
        theirs = other[[code_column, *shared]].set_index(code_column)
        here, there = mine[shared].align(theirs, join="inner")
        a = here.apply(pd.to_numeric, errors="coerce").to_numpy(float)
        b = there.apply(pd.to_numeric, errors="coerce").to_numpy(float)
        differ = a != b
        rows = np.flatnonzero(differ.any(axis=1))
        if len(rows) == 0 and len(here) == len(mine):
            continue
        codes = here.index.astype(str).to_numpy()
        if len(rows) == 0:
            absent = mine.index.difference(theirs.index)
            raise InvalidOfficialFile(file, dataset, f"{what}: the same LSOAs as {label}",
                                      f"{len(absent):,} LSOAs it lacks, e.g. {', '.join(map(str, absent[:EXAMPLES]))}")
        first = [(i, int(np.flatnonzero(differ[i])[0])) for i in rows[:EXAMPLES]]
        texts = [f"{shared[j].removesuffix(RANK_SUFFIX)} rank {a[i, j]:g} here, {b[i, j]:g} there"
                 for i, j in first]
        raise InvalidOfficialFile(file, dataset, f"{what}: ranks equal to {label} for the same LSOA",
                                  _examples(codes, rows, texts))

