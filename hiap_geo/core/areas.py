"""The area levels HIAP Geo knows and their GSS codes: one table for every module.

Codes are strings validated by pattern here; whether a code exists in a vintage is a question
for the lookups (``hiap_geo.geo.lookups``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hiap_geo.core.errors import InvalidAreaCode
from hiap_geo.core.limits import shorten

ENGLAND_CODE = "E92000001"
"""GSS code of England, the comparator of every benchmark."""


@dataclass(frozen=True)
class AreaLevel:
    """One level of English statistical geography and the words used for it."""

    key: str
    label: str
    plural: str
    article: str
    pattern: re.Pattern[str]


AREA_LEVELS: dict[str, AreaLevel] = {
    level.key: level
    for level in (
        AreaLevel("lsoa", "LSOA", "LSOAs", "an LSOA", re.compile(r"^E01\d{6}$")),
        AreaLevel("msoa", "MSOA", "MSOAs", "an MSOA", re.compile(r"^E02\d{6}$")),
        AreaLevel("ward", "ward", "wards", "a ward", re.compile(r"^E05\d{6}$")),
        AreaLevel("district", "district", "districts", "a district", re.compile(r"^E0[6789]\d{6}$")),
        AreaLevel("county", "county", "counties", "a county", re.compile(r"^E1[01]\d{6}$")),
        AreaLevel("england", "England", "England", "England", re.compile(rf"^{ENGLAND_CODE}$")),
    )
}
"""Every level, smallest first: E01 LSOA, E02 MSOA, E05 ward, E06-E09 district, E10/E11 county, England."""

CODE_PATTERNS: dict[str, re.Pattern[str]] = {k: v.pattern for k, v in AREA_LEVELS.items() if k != "england"}
"""Patterns of the sub-national levels, the ones a user names by code."""


def area_kind(code: str) -> str:
    """The level of an English GSS code ('lsoa', 'ward', 'district'...), or InvalidAreaCode."""
    code = code.strip().upper()
    for kind, pattern in CODE_PATTERNS.items():
        if pattern.match(code):
            return kind
    raise InvalidAreaCode(
        f"'{shorten(code)}' is not an English area code this tool knows: expected E01 (LSOA), E02 (MSOA), "
        "E05 (ward), E06/E07/E08/E09 (district) or E10/E11 (county) followed by six digits."
    )


def looks_like_code(text: str) -> bool:
    """Whether a text has the shape of a GSS code of any UK nation (so it is not read as a name)."""
    return bool(re.match(r"^[EWSN]\d{8}$", text.strip().upper()))
