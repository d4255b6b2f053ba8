"""A user's own indicator file (CSV or Excel) by area code, validated and turned into the long format.

Nothing is partially accepted: a file either loads whole, or :class:`InvalidUpload` lists every
problem found (unknown codes, mixed area types, text in number columns with their row numbers,
duplicated areas...) so that the user can fix them all in one go. Row numbers are the ones a
spreadsheet shows: the header is row 1. The rows are checked by the long format's own schema
(:func:`hiap_geo.indicators.schema.validate_indicators`), its findings put in the user's words.
Reading the bytes within the limits of ``core.limits`` is :mod:`hiap_geo.indicators.upload_files`;
here, columns, cells and codes. Text from the file is quoted in messages cut short (``shorten``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from hiap_geo.core import limits
from hiap_geo.core.areas import AREA_LEVELS, ENGLAND_CODE
from hiap_geo.core.limits import shorten
from hiap_geo.indicators.schema import (
    CODE_COLUMNS,
    COLUMNS,
    IndicatorSchemaError,
    validate_indicators,
)
from hiap_geo.indicators.upload_files import InvalidUpload, UploadProblem, read_table

__all__ = ["InvalidUpload", "UploadProblem", "UploadResult", "known_codes", "map_columns", "read_upload",
           "rows_label"]

FIELDS: dict[str, tuple[str, ...]] = {
    "area_code": (
        "areacode", "code", "area", "geographycode", "geography", "gsscode", "onscode", "lsoacode", "msoacode",
        "wardcode", "districtcode", "ladcode", "lacode", "ltlacode", "localauthoritycode", "areaid",
    ),
    "value": ("value", "val", "indicatorvalue"),
    "indicator_name": ("indicatorname", "indicator", "measure", "measurename"),
    "period": ("period", "timeperiod", "year", "date", "time"),
    "count": ("count", "numerator"),
    "denominator": ("denominator", "denom"),
    "lower_95": ("lower95", "lowerci95", "lowerci950limit", "lowerci", "lci", "lcl", "lowerlimit", "lower",
                 "lowerconfidencelimit", "lower95ci", "lowercl"),
    "upper_95": ("upper95", "upperci95", "upperci950limit", "upperci", "uci", "ucl", "upperlimit", "upper",
                 "upperconfidencelimit", "upper95ci", "uppercl"),
    "lower_998": ("lower998", "lowerci998", "lowerci998limit", "lower998ci"),
    "upper_998": ("upper998", "upperci998", "upperci998limit", "upper998ci"),
    "unit": ("unit", "units"),
    "polarity": ("polarity",),
}
"""Accepted header spellings for each field, compared case-insensitively without spaces or punctuation.
ONS code column names (LSOA21CD, WD24CD, LAD19CD, MSOA11CD, LTLA23CD...) are accepted for area_code too."""

ONS_CODE_HEADER = re.compile(r"^(lsoa|msoa|wd|ward|lad|ltla|utla|ctyua)\d{2}cd$")

NUMERIC_FIELDS = ("value", "count", "denominator", "lower_95", "upper_95", "lower_998", "upper_998")

POLARITY_WORDS: dict[str, str] = {
    "highisgood": "high_is_good", "higherisbetter": "high_is_good", "raghighisgood": "high_is_good",
    "lowisgood": "low_is_good", "lowerisbetter": "low_is_good", "raglowisgood": "low_is_good",
    "nojudgement": "no_judgement", "notapplicable": "no_judgement", "bobblueorangeblue": "no_judgement",
    "none": "no_judgement", "": "no_judgement",
}

KIND_PATTERNS: dict[str, re.Pattern[str]] = {
    k: AREA_LEVELS[k].pattern for k in ("lsoa", "msoa", "ward", "district", "england")
}


@dataclass(frozen=True)
class UploadResult:
    """A loaded file: the long-format table, the area type and code vintage(s) its codes fit, and notes."""

    data: pd.DataFrame
    area_type: str
    vintages: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())


# --- columns ----------------------------------------------------------------------------------------


def _normalise_header(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


def quoted_list(texts: Iterable[object], limit: int = 12) -> str:
    """"'a', 'b' and 3 more": texts from a file for a message, each cut short and only the first ``limit``,
    so that a header of thousands of giant titles makes a message of a few lines."""
    items = [repr(shorten(str(t).strip(), 60)) for t in texts]
    return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")


def map_columns(header: Sequence[str]) -> tuple[dict[str, int], list[str], list[UploadProblem]]:
    """Which column holds each field, the columns left unused, and problems (missing or doubled fields)."""
    found: dict[str, list[int]] = defaultdict(list)
    unused: list[str] = []
    lookup = {alias: name for name, aliases in FIELDS.items() for alias in aliases}
    for idx, title in enumerate(header):
        key = _normalise_header(title)
        name = lookup.get(key) or ("area_code" if ONS_CODE_HEADER.match(key) else None)
        if name:
            found[name].append(idx)
        elif key:
            unused.append(str(title).strip())
    problems: list[UploadProblem] = []
    for name, columns in found.items():
        if len(columns) > 1:
            titles = quoted_list(header[i] for i in columns)
            problems.append(UploadProblem(
                "columns", f"Columns {titles} all look like {name}; keep one (or rename the others)."
            ))
    missing = [name for name in ("area_code", "value") if name not in found]
    if missing:
        shown = quoted_list(h for h in header if str(h).strip()) or "none"
        hints = {"area_code": "'area_code' (or 'Area Code', 'LSOA21CD', 'WD24CD', 'LAD24CD'...)", "value": "'value'"}
        problems.append(UploadProblem(
            "columns", f"Required column(s) missing: {' and '.join(hints[m] for m in missing)}. The header row has: "
            f"{shown}."
        ))
    return {name: cols[0] for name, cols in found.items()}, unused, problems


# --- cell values ------------------------------------------------------------------------------------


_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")


def _number(cell: object) -> float | None:
    """A cell as a number: NaN when blank, None when it is text that is not a number."""
    if cell is None:
        return np.nan
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int | float):
        return float(cell)
    text = str(cell).strip()
    if not text:
        return np.nan
    if _NUMBER.match(text):
        return float(text)
    if _THOUSANDS.match(text):
        return float(text.replace(",", ""))
    return None


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def rows_label(rows: Iterable[int], limit: int = 15) -> str:
    """'rows 3, 5, 9-12' (runs joined, long lists cut with a count), for messages."""
    numbers = sorted(set(rows))
    runs: list[str] = []
    i = 0
    while i < len(numbers):
        j = i
        while j + 1 < len(numbers) and numbers[j + 1] == numbers[j] + 1:
            j += 1
        runs.append(str(numbers[i]) if i == j else f"{numbers[i]}-{numbers[j]}")
        i = j + 1
    shown = ", ".join(runs[:limit]) + (f" and {len(runs) - limit} more" if len(runs) > limit else "")
    return f"row{'s' if len(numbers) > 1 else ''} {shown}"


# --- area codes -------------------------------------------------------------------------------------


def _kind(code: str) -> str | None:
    for kind, pattern in KIND_PATTERNS.items():
        if pattern.match(code):
            return kind
    return None


@cache
def known_codes() -> dict[str, tuple[str, frozenset[str]]]:
    """Every English area code the project's lookups and boundary files know, by vintage:
    {'LSOA 2021': ('lsoa', codes), 'Ward 2024': ('ward', codes), ...}.

    Ward and district lists come from the boundary files where there is one, because best-fit
    lookups leave out the few wards that hold no LSOA centroid.
    """
    import pyogrio

    from hiap_geo.acquire.registry import dataset_path
    from hiap_geo.core.editions import IOD2019, IOD2025
    from hiap_geo.geo.lookups import district_counties, ward_lookup

    def english(values: Iterable[str]) -> frozenset[str]:
        return frozenset(v for v in values if isinstance(v, str) and v.startswith("E"))

    def boundary_codes(source: object) -> frozenset[str]:
        table = pyogrio.read_dataframe(
            dataset_path(source.dataset), layer=source.layer, columns=[source.code_col], read_geometry=False
        )
        return english(table[source.code_col])

    lk19, lk25 = ward_lookup(IOD2019.year), ward_lookup(IOD2025.year)
    msoa = pd.read_csv(dataset_path("lookup_msoa11_msoa21"), dtype=str, usecols=["MSOA11CD", "MSOA21CD"])
    return {
        "LSOA 2011": ("lsoa", english(lk19["lsoa_code"])),
        "LSOA 2021": ("lsoa", english(lk25["lsoa_code"])),
        "MSOA 2011": ("msoa", english(msoa["MSOA11CD"])),
        "MSOA 2021": ("msoa", english(msoa["MSOA21CD"])),
        "Ward 2019": ("ward", english(lk19["ward_code"])),
        "Ward 2021": ("ward", boundary_codes(IOD2019.ward_boundaries)),
        "Ward 2024": ("ward", boundary_codes(IOD2025.ward_boundaries) | english(lk25["ward_code"])),
        "LAD 2019": ("district", english(lk19["lad_code"])),
        "LAD 2021": ("district", boundary_codes(IOD2019.district_boundaries)),
        "LAD 2023": ("district", english(district_counties()["lad_code"])),
        "LAD 2024": ("district", boundary_codes(IOD2025.district_boundaries) | english(lk25["lad_code"])),
        "England": ("england", frozenset({ENGLAND_CODE})),
    }


def _code_problems(
    codes: pd.Series, rownums: pd.Series, typed: pd.Series
) -> tuple[list[UploadProblem], str | None, list[str]]:
    """Problems with the area codes (normalised in ``codes``, as the user typed them in ``typed``), the
    single area type they share, and the vintages that hold them all."""
    problems: list[UploadProblem] = []
    blank = codes == ""
    if blank.any():
        problems.append(UploadProblem("missing_code", f"No area code on {rows_label(rownums[blank])}."))
    kinds = codes.map(lambda c: _kind(c) if c else None)
    bad = ~blank & kinds.isna()
    if bad.any():
        examples = _examples(typed[bad], rownums[bad])
        problems.append(UploadProblem(
            "not_area_codes",
            f"{codes[bad].nunique()} value(s) are not English LSOA (E01), MSOA (E02), ward (E05), district "
            f"(E06-E09) or England (E92000001) codes: {examples}. Check the column, and that codes have nine "
            "characters (county, region and Welsh codes are not mapped).",
        ))
    present = kinds.dropna()
    by_kind = present.value_counts()
    if len(by_kind) > 1:
        parts = []
        for kind, n in by_kind.items():
            first = present[present == kind].index[0]
            parts.append(f"{n} {AREA_LEVELS[kind].label} (e.g. {codes[first]} on row {rownums[first]})")
        problems.append(UploadProblem(
            "mixed_area_types",
            f"The file mixes area types: {', '.join(parts)}. One file holds one area type; put the others (e.g. "
            "England or district comparators) in files of their own.",
        ))
    vintages_fit: list[str] = []
    table = known_codes()
    for kind in by_kind.index:
        mask = kinds == kind
        these = codes[mask]
        vintages = {label: held for label, (k, held) in table.items() if k == kind}
        known_anywhere = frozenset().union(*vintages.values())
        unknown = ~these.isin(known_anywhere)
        if unknown.any():
            problems.append(UploadProblem(
                "unknown_codes",
                f"{these[unknown].nunique()} {AREA_LEVELS[kind].label} code(s) are not in any "
                f"{'/'.join(vintages)} list: {_examples(these[unknown], rownums[mask][unknown])}.",
            ))
        distinct = set(these[~unknown])
        fit = [label for label, held in vintages.items() if distinct <= held]
        if distinct and not fit:
            parts = []
            for label, held in vintages.items():
                only = sorted(distinct - frozenset().union(*(h for lb, h in vintages.items() if lb != label)))
                only = [c for c in only if c in held]
                if only:
                    parts.append(f"{len(only)} only in {label} (e.g. {', '.join(only[:3])})")
            problems.append(UploadProblem(
                "mixed_vintages",
                f"The {AREA_LEVELS[kind].label} codes do not all belong to one edition of the boundaries: "
                f"{'; '.join(parts) or 'no edition holds them all'}. Use codes of one year throughout.",
            ))
        vintages_fit = fit
    area_type = by_kind.index[0] if len(by_kind) == 1 else None
    return problems, area_type, vintages_fit


def _examples(codes: pd.Series, rownums: pd.Series, limit: int = 10) -> str:
    by_code: dict[str, list[int]] = defaultdict(list)
    for code, row in zip(codes, rownums, strict=True):
        by_code[code].append(int(row))
    items = [f"'{shorten(c, 40)}' ({rows_label(r, 4)})" for c, r in list(by_code.items())[:limit]]
    more = f" and {len(by_code) - limit} more" if len(by_code) > limit else ""
    return ", ".join(items) + more


# --- the whole file ---------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _indicator_ids(names: Iterable[str]) -> dict[str, str]:
    """'upload:smoking-prevalence' for each name; names that slug alike get '-2', '-3'... in order."""
    ids: dict[str, str] = {}
    for name in names:
        base = f"upload:{_slug(name) or 'indicator'}"
        candidate, n = base, 1
        while candidate in ids.values():
            n += 1
            candidate = f"{base}-{n}"
        ids[name] = candidate
    return ids


_SCHEMA_MESSAGES: list[tuple[tuple[str, ...], str, str]] = [
    (("indicator_name",), "missing_values", "No indicator name on {rows}."),
    (("lower_95/value", "value/upper_95"), "limits",
     "On {rows} the value is not between its lower and upper 95% limits; check that the limit columns are not "
     "swapped."),
    (("lower_998/lower_95", "upper_95/upper_998"), "limits",
     "On {rows} the 99.8% limits lie inside the 95% limits; they should be the wider pair."),
    (("count", "denominator"), "counts", "On {rows} a count is negative or a denominator is zero or negative."),
]
"""Schema columns (as :class:`IndicatorSchemaError` names them) -> the upload problem kind and message."""


def _schema_problems(frame: pd.DataFrame, typed_polarity: pd.Series, columns: dict[str, int]) -> list[UploadProblem]:
    """What the long-format schema (:func:`validate_indicators`) finds wrong with the rows, in words a
    user can act on and with spreadsheet row numbers.

    Codes that fit no area type are left out: :func:`_code_problems` has already said more about them
    (mixed types, unknown codes, mixed vintages). A period or unit left blank is allowed in an upload.
    """
    kinds = frame["area_code"].map(lambda c: _kind(c) if c else None)
    checked = frame.assign(area_type=kinds, period=frame["period"].fillna("-"), unit=frame["unit"].fillna(""),
                           vintage=frame["vintage"].fillna("-"))
    key = ["indicator_id", "area_code", "period"]
    doubled = frame[checked.duplicated(key, keep=False)]  # counted here: pandera lists every cell of every row
    try:
        validate_indicators(checked[[*COLUMNS, "origin"]], unique=False)
    except IndicatorSchemaError as exc:
        found = exc.problems
    else:
        found = None
    problems = _row_problems(frame, typed_polarity, found) if found is not None else []
    if not doubled.empty:
        codes = doubled["area_code"].drop_duplicates()  # only the ten named are looked at row by row
        groups = [f"{shorten(code, 40)} on {rows_label(doubled.loc[doubled['area_code'] == code, 'row'], 6)}"
                  for code in codes.iloc[:10]]
        what = " and ".join(w for f, w in (("indicator_name", "indicator"), ("period", "period")) if f in columns)
        problems.append(UploadProblem(
            "duplicates", f"{len(codes)} area(s) appear more than once for the same {what or 'file'}: "
            f"{'; '.join(groups)}{f' and {len(codes) - 10} more' if len(codes) > 10 else ''}. Keep one row "
            "per area (add a period or indicator column if the rows differ in those).",
        ))
    return problems


def _row_problems(frame: pd.DataFrame, typed_polarity: pd.Series, found: pd.DataFrame) -> list[UploadProblem]:
    """The schema's findings (but repeated rows) in a user's words."""
    found = found[~found["column"].isin(["area_code", "area_type", CODE_COLUMNS])]

    def rows(*names: str, check: str | None = None) -> pd.Series:
        hits = found[found["column"].isin(names) & ((found["check"] == check) if check else True)]
        index = sorted(set(hits["index"]) - {"-"})
        return frame.loc[index, "row"]

    problems: list[UploadProblem] = []
    for names, kind, message in _SCHEMA_MESSAGES:
        hits = rows(*names)
        if not hits.empty:
            problems.append(UploadProblem(kind, message.format(rows=rows_label(hits))))
    odd = rows("polarity")
    if not odd.empty:
        problems.append(UploadProblem(
            "polarity", f"Polarity '{shorten(typed_polarity[odd.index[0]], 40)}' on {rows_label(odd)} is not one of: "
            "high is good, low is good, no judgement (or blank).",
        ))
    known = {"polarity", "indicator_id", "area_code", "period", *(n for names, _, _ in _SCHEMA_MESSAGES for n in names)}
    for (column, check), hits in found[~found["column"].isin(known)].groupby(["column", "check"], sort=False):
        index = sorted(set(hits["index"]) - {"-"})
        row = f" on {rows_label(frame.loc[index, 'row'])}" if index else ""
        problems.append(UploadProblem("format", f"Column '{shorten(column, 40)}': {shorten(check, 200)}{row}."))
    return problems


def _long_labels(
    frame: pd.DataFrame, header: Sequence[str], columns: dict[str, int], given_name: str | None
) -> list[UploadProblem]:
    """Names, periods and units longer than ``MAX_NAME_CHARS``: they become picker entries, legends and
    map labels, so a cell of a thousand characters is refused rather than shown."""
    limit = limits.MAX_NAME_CHARS
    problems: list[UploadProblem] = []
    if given_name is not None and len(given_name) > limit:
        problems.append(UploadProblem(
            "text_too_long", f"The indicator name given is {len(given_name):,} characters long; the limit is {limit}."
        ))
    for name in ("indicator_name", "period", "unit"):
        if name not in columns:
            continue
        long = frame[name].str.len() > limit
        if long.any():
            title = shorten(str(header[columns[name]]).strip(), 60)
            problems.append(UploadProblem(
                "text_too_long", f"Column '{title}' ({name}) holds text longer than {limit} characters on "
                f"{rows_label(frame.loc[long, 'row'])}; the limit is {limit} characters (a short label: the full "
                "description belongs in your notes).",
            ))
    return problems


def read_upload(
    content: bytes, filename: str, indicator_name: str | None = None, max_bytes: int = limits.MAX_UPLOAD_BYTES
) -> UploadResult:
    """Validate a user's CSV or xlsx of indicators by area code and return it in the long format.

    Required columns: area code and value; optional: indicator name, period, count, denominator,
    lower/upper 95% (and 99.8%) limits, unit, polarity. Raises :class:`InvalidUpload` with every problem found.
    ``indicator_name`` names the indicator when the file has no indicator column (default: the file name).
    The file is read within the limits of ``core.limits`` (see :mod:`hiap_geo.indicators.upload_files`).
    """
    table = read_table(content, filename, max_bytes)
    if not table.header:
        raise InvalidUpload(filename, [UploadProblem("empty", "The file holds no data: no header row, no areas.")])
    columns, unused, problems = map_columns(table.header)
    if problems:
        raise InvalidUpload(filename, problems)
    if not table.rows:
        raise InvalidUpload(filename, [UploadProblem(
            "empty", "The file has a header row but no rows of data below it."
        )])

    width = len(table.header)
    ragged = [n for n, cells in table.rows if len(cells) > width and any(_text(c) for c in cells[width:])]
    if ragged:
        problems.append(UploadProblem(
            "ragged_rows", f"{rows_label(ragged)} have more cells than the header: a name or number may contain an "
            "unquoted comma (put such values in quotes, or save from Excel as CSV)."
        ))

    def cell(cells: list[object], name: str) -> object:
        idx = columns.get(name)
        return cells[idx] if idx is not None and idx < len(cells) else None

    rownums = pd.Series([n for n, _ in table.rows])
    frame = pd.DataFrame({"row": rownums})
    typed_codes = pd.Series([_text(cell(c, "area_code")) for _, c in table.rows])
    frame["area_code"] = typed_codes.str.upper().str.replace(" ", "")

    for name in NUMERIC_FIELDS:
        if name not in columns:
            frame[name] = np.nan
            continue
        raw = [cell(c, name) for _, c in table.rows]
        parsed = [_number(v) for v in raw]
        bad = [i for i, v in enumerate(parsed) if v is None]
        if bad:
            title = shorten(str(table.header[columns[name]]).strip(), 60)
            examples = ", ".join(f"'{shorten(_text(raw[i]), 40)}'" for i in bad[:5])
            problems.append(UploadProblem(
                "non_numeric", f"Column '{title}' ({name}) holds text where a number belongs on "
                f"{rows_label(rownums[bad])} (e.g. {examples}). Leave suppressed or missing values blank, and write "
                "numbers without % signs or notes.",
            ))
        frame[name] = [np.nan if v is None else v for v in parsed]

    if frame["value"].isna().all() and not any(p.kind == "non_numeric" and "(value)" in p.message for p in problems):
        problems.append(UploadProblem("empty", "The value column is blank on every row: there is nothing to map."))

    for name in ("indicator_name", "period", "unit", "polarity"):
        frame[name] = [_text(cell(c, name)) for _, c in table.rows] if name in columns else ""
    if "indicator_name" not in columns:
        frame["indicator_name"] = indicator_name or shorten(Path(filename).stem, limits.MAX_NAME_CHARS)
    problems += _long_labels(frame, table.header, columns, indicator_name)
    typed_polarity = frame["polarity"]
    frame["polarity"] = typed_polarity.map(lambda p: POLARITY_WORDS.get(_normalise_header(p)))

    code_problems, area_type, vintages = _code_problems(frame["area_code"], frame["row"], typed_codes)
    problems += code_problems

    frame["indicator_id"] = frame["indicator_name"].map(_indicator_ids(frame["indicator_name"].unique()))
    frame["area_type"] = area_type
    for name in ("period", "unit"):
        frame[name] = frame[name].replace("", np.nan)
    frame["source"] = f"Uploaded file {shorten(Path(filename).name)}"
    frame["vintage"] = vintages[-1] if vintages else None
    frame["origin"] = "upload"
    problems += _schema_problems(frame, typed_polarity, columns)
    if problems:
        raise InvalidUpload(filename, problems)

    notes = list(table.notes)
    if unused:
        notes.append(f"Columns not used: {', '.join(shorten(u, 60) for u in unused[:12])}"
                     f"{f' and {len(unused) - 12} more' if len(unused) > 12 else ''}.")
    blanks = frame["value"].isna()
    if blanks.any():
        notes.append(f"{int(blanks.sum())} row(s) have no value (blank) and are kept as missing: "
                     f"{rows_label(frame.loc[blanks, 'row'], 8)}.")
    if len(vintages) > 1:
        notes.append(f"The codes exist in {', '.join(vintages)}; they are labelled {vintages[-1]}.")
    data = frame[[*COLUMNS, "origin"]].reset_index(drop=True)
    return UploadResult(data, area_type or "", tuple(vintages), tuple(notes))
