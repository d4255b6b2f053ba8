"""Joins on area codes that never drop rows silently.

Every join says which codes were only on one side; callers either raise (strict) or keep
the report and show it, e.g. in the build report or the app.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from hiap_geo.core.errors import UnmatchedCodes


@dataclass
class JoinReport:
    what: str
    left_only: list[str] = field(default_factory=list)
    right_only: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.left_only and not self.right_only

    def summary(self) -> str:
        if self.complete:
            return f"{self.what}: every code matched"
        return (
            f"{self.what}: {len(self.left_only)} codes only on the left "
            f"({', '.join(self.left_only[:5])}{'...' if len(self.left_only) > 5 else ''}), "
            f"{len(self.right_only)} only on the right "
            f"({', '.join(self.right_only[:5])}{'...' if len(self.right_only) > 5 else ''})"
        )


def join_on_code(
    left: pd.DataFrame,
    right: pd.DataFrame,
    on: str,
    what: str,
    right_on: str | None = None,
    strict: bool = True,
) -> tuple[pd.DataFrame, JoinReport]:
    """One-to-one left join on a code column; report (or, if strict, raise on) unmatched codes.

    The result keeps every left row; right rows with no partner are named in the report.
    """
    right_on = right_on or on
    left_codes = pd.Index(left[on].dropna().unique())
    right_codes = pd.Index(right[right_on].dropna().unique())
    report = JoinReport(
        what,
        left_only=sorted(left_codes.difference(right_codes).tolist()),
        right_only=sorted(right_codes.difference(left_codes).tolist()),
    )
    if strict and not report.complete:
        raise UnmatchedCodes(what, report.left_only, report.right_only)
    merged = left.merge(right, how="left", left_on=on, right_on=right_on, validate="one_to_one")
    if right_on != on:
        merged = merged.drop(columns=right_on)
    return merged, report
