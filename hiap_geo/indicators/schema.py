"""The long format every indicator table has, and its pandera schema.

Every indicator, whatever its source, comes out as rows of :data:`COLUMNS` (the shape Fingertips
uses): one row per indicator, area and period, with the value, its 95% and 99.8% limits, the
count and denominator behind it, the unit, the polarity, the source and the vintage. Two optional
columns may follow: ``method`` (how the row was made, for the app to show) and ``origin`` (which
kind of reader made it, :data:`ORIGINS`, so a page never guesses it from the source text).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pandera.pandas as pa

from hiap_geo.core.areas import AREA_LEVELS
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.indicators.stats import POLARITIES

COLUMNS: list[str] = [
    "indicator_id",
    "indicator_name",
    "area_code",
    "area_type",
    "period",
    "value",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "count",
    "denominator",
    "unit",
    "polarity",
    "source",
    "vintage",
]
"""The long format every indicator table has (``method`` and ``origin`` may follow as extra columns)."""

AREA_TYPES: tuple[str, ...] = ("lsoa", "msoa", "ward", "district", "county", "england")
"""Area types of the long format; a code must fit its type (E01 LSOA, E02 MSOA, E05 ward, E06-E09 district,
E10/E11 county, E92000001 England)."""

ORIGINS: dict[str, str] = {
    "official": "official open data read by this project",
    "upload": "a file the user uploaded",
    "fingertips": "the OHID Fingertips API",
    "plan": "a figure as stated in a plan document",
}
"""Values of the optional ``origin`` column: which kind of reader made a row."""

DEFAULT_ORIGIN = "official"
"""The origin of rows whose table has no ``origin`` column (the project's own readers made the format)."""


class IndicatorSchemaError(HiapGeoError):
    """An indicator table that does not have the long format; the message lists what is wrong.

    ``problems`` has one row per problem: ``column`` (or columns joined by '/'), ``check``, ``index``
    (the frame's row label, '-' for the whole table) and ``failure_case``.
    """

    def __init__(self, problems: pd.DataFrame):
        self.problems = problems
        lines = [
            f"  column {row.column!r}: {row.check} (row {row.index}: {row.failure_case})"
            for row in problems.head(15).itertuples()
        ]
        more = f"\n  ... and {len(problems) - 15} more" if len(problems) > 15 else ""
        super().__init__(
            f"The indicator table is not in the expected format ({len(problems)} problem(s)):\n"
            + "\n".join(lines)
            + more
        )


def _codes_match_area_type(df: pd.DataFrame) -> pd.Series:
    ok = pd.Series(False, index=df.index)
    for kind, pattern in ((k, AREA_LEVELS[k].pattern) for k in AREA_TYPES):
        rows = df["area_type"] == kind
        ok[rows] = df.loc[rows, "area_code"].astype(str).str.match(pattern)
    return ok


CODE_COLUMNS = "area_code/area_type"
"""The ``column`` of a problem where a code does not fit its area type."""

UNIQUENESS_CHECK = "multiple_fields_uniqueness"
"""The ``check`` of a problem where indicator, area and period repeat."""

_ROW_CHECK_COLUMNS: dict[str, str] = {}
"""Error text of each table-wide (row) check -> the columns it is about, for error messages."""


def _row_check(check: Callable[[pd.DataFrame], pd.Series], error: str, columns: str) -> pa.Check:
    _ROW_CHECK_COLUMNS[error] = columns
    return pa.Check(check, error=error)


def _ordered(lower: str, upper: str) -> pa.Check:
    def check(df: pd.DataFrame) -> pd.Series:
        lo, hi = pd.to_numeric(df[lower], errors="coerce"), pd.to_numeric(df[upper], errors="coerce")
        return lo.isna() | hi.isna() | (lo <= hi + 1e-9)

    return _row_check(check, f"{lower} must not exceed {upper}", f"{lower}/{upper}")


_NUM = dict(nullable=True, coerce=True)
SCHEMA = pa.DataFrameSchema(
    {
        "indicator_id": pa.Column(str, pa.Check.str_matches(r"^[A-Za-z0-9_.:-]+$")),
        "indicator_name": pa.Column(str, pa.Check.str_length(min_value=1)),
        "area_code": pa.Column(str),
        "area_type": pa.Column(str, pa.Check.isin(AREA_TYPES)),
        "period": pa.Column(str, pa.Check.str_length(min_value=1)),
        "value": pa.Column(float, **_NUM),
        "lower_95": pa.Column(float, **_NUM),
        "upper_95": pa.Column(float, **_NUM),
        "lower_998": pa.Column(float, **_NUM),
        "upper_998": pa.Column(float, **_NUM),
        "count": pa.Column(float, pa.Check.ge(0), **_NUM),
        "denominator": pa.Column(float, pa.Check.gt(0), **_NUM),
        "unit": pa.Column(str),
        "polarity": pa.Column(str, pa.Check.isin(POLARITIES)),
        "source": pa.Column(str, pa.Check.str_length(min_value=1)),
        "vintage": pa.Column(str, pa.Check.str_length(min_value=1)),
        "method": pa.Column(str, required=False, nullable=True),
        "origin": pa.Column(str, pa.Check.isin(list(ORIGINS)), required=False, default=DEFAULT_ORIGIN),
    },
    checks=[
        _row_check(_codes_match_area_type, "area_code does not fit area_type (E01 lsoa, E02 msoa...)", CODE_COLUMNS),
        _ordered("lower_95", "value"),
        _ordered("value", "upper_95"),
        _ordered("lower_998", "lower_95"),
        _ordered("upper_95", "upper_998"),
    ],
    unique=["indicator_id", "area_code", "period"],
    strict=False,
    ordered=False,
)


_SCHEMA_ROWS = pa.DataFrameSchema(SCHEMA.columns, checks=SCHEMA.checks, strict=False, ordered=False)
"""The schema without its uniqueness check, for a caller that checks repeated rows itself: pandera lists
every repeated cell one by one, minutes for an upload of hundreds of thousands of repeated rows."""


def validate_indicators(frame: pd.DataFrame, *, unique: bool = True) -> pd.DataFrame:
    """Check a table against the long format; returns it with numeric columns as floats and an ``origin``
    on every row (:data:`DEFAULT_ORIGIN` where the table has none).

    Raises :class:`IndicatorSchemaError` listing every bad column and row (missing columns,
    codes that do not fit their area type, limits out of order, duplicated rows...). ``unique=False`` leaves
    repeated indicator, area and period to the caller (``frame.duplicated``).
    """
    if "origin" not in frame:
        frame = frame.assign(origin=DEFAULT_ORIGIN)
    try:
        return (SCHEMA if unique else _SCHEMA_ROWS).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.astype(object)
        missing = cases["check"] == "column_in_dataframe"
        cases.loc[missing, "column"] = cases.loc[missing, "failure_case"]
        cases.loc[missing, "check"] = "required column is missing"
        row_checks = cases["check"].isin(list(_ROW_CHECK_COLUMNS))
        cases.loc[row_checks, "column"] = cases.loc[row_checks, "check"].map(_ROW_CHECK_COLUMNS)
        cases.loc[row_checks, "failure_case"] = [
            ", ".join(f"{c}={frame.at[i, c]}" for c in cols.split("/")) if i in frame.index else ""
            for cols, i in zip(cases.loc[row_checks, "column"], cases.loc[row_checks, "index"], strict=True)
        ]
        cases = cases.drop_duplicates(["column", "check", "index"])
        cases = cases.assign(column=cases["column"].fillna("(table)"), index=cases["index"].fillna("-"))
        raise IndicatorSchemaError(cases[["column", "check", "index", "failure_case"]]) from None


def concat_indicators(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Long-format frames one under the other, leaving out empty ones; an empty table when all are empty."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=[*COLUMNS, "method", "origin"])
    return pd.concat(frames, ignore_index=True)
