"""Plan figures about obesity and long-term conditions, read against the GP register estimates HIAP Geo holds.

HIAP Geo's figures for obesity, asthma, COPD, chronic kidney disease, coronary heart disease, diabetes and high
blood pressure are the House of Commons Library's modelled estimates of patients on GP registers (QOF about
2018/19), by MSOA and built up to wards and districts. A plan's figure is compared with them only where it is the
same measure (a share on GP registers) for the same period; otherwise ``plan check`` says ``cannot check`` and
which of the two differs, because a survey's obesity (about a quarter of adults) and a register's (about a tenth)
are not the same thing, nor are deaths, diagnosis rates or costs.
"""

from __future__ import annotations

import re
from typing import Literal

from hiap_geo.indicators.catalogue import QOF_CONDITIONS, QOF_LABEL, QOF_PERIOD
from hiap_geo.indicators.readers import qof_indicators
from hiap_geo.indicators.tables import qof_lsoa_base
from hiap_geo.plans.figures.frames import StatedFigure

Verdict = Literal["agrees", "differs", "cannot check"]
"""What ``plan check`` says of a stated figure (here, because claims import this module)."""

CONDITION_WORDS: dict[str, tuple[str, ...]] = {
    "qof_obesity": ("obes",),
    "qof_diabetes": ("diabet",),
    "qof_asthma": ("asthma",),
    "qof_copd": ("copd", "chronic obstructive"),
    "qof_ckd": ("kidney",),
    "qof_chd": ("coronary", "heart disease"),
    "qof_hypertension": ("blood pressure", "hypertension"),
}
"""Words in an indicator's name that make a figure about one of the conditions (checked in order)."""

OTHER_MEASURES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("year 6", "yr 6", "reception", "child"), "child obesity (children measured by the NCMP)"),
    (("overweight",), "overweight and obesity together"),
    (("death", "mortality", "attributable", "early death"), "deaths"),
    (("diagnosis rate",), "a diagnosis rate (people diagnosed against those expected)"),
    (("cost",), "a cost"),
    (("admission", "hospital"), "hospital admissions"),
    (("stroke",), "heart disease and stroke together"),
    (("two or more", "multimorbid"), "people with several conditions"),
)
"""Words of an indicator's name that show another measure than a share of patients on a GP register."""

REGISTER_WORDS = ("qof", "register", "diagnosed", "recorded")
"""Words that show a figure is a count of patients on GP registers (QOF)."""

PERIOD = re.compile(r"2018\s*[/-]\s*(?:20)?19")
"""The period of the estimates as a plan would print it: 2018/19, 2018-19, 2018/2019."""

_NAMES = {ids[0]: ids[1] for ids in QOF_CONDITIONS.values()}


def tolerance(printed: str | None) -> float:
    """Half a unit of the last digit printed: '70%' -> 0.5, '20.5%' -> 0.05, '6' -> 0.5."""
    match = re.search(r"\d[\d,]*(?:\.(\d+))?", printed or "")
    decimals = len(match.group(1)) if match and match.group(1) else 0
    return 0.5 * 10.0**-decimals


def condition_of(s: StatedFigure) -> str | None:
    """The QOF indicator a stated figure is about (by its indicator's name), or None."""
    name = s.indicator.name.lower()
    return next((i for i, words in CONDITION_WORDS.items() if any(w in name for w in words)), None)


def register_verdict(s: StatedFigure) -> tuple[Verdict, str] | None:
    """('agrees' | 'differs' | 'cannot check', what the data says) for a figure about obesity or a long-term
    condition, or None for a figure about something else."""
    indicator = condition_of(s)
    if indicator is None:
        return None
    ours = f"HIAP Geo's figure is '{_NAMES[indicator]}', the {QOF_LABEL}"
    name = s.indicator.name.lower()
    other = next((what for words, what in OTHER_MEASURES if any(w in name for w in words)), None)
    if other is not None:
        return "cannot check", f"a different measure: the document's figure is {other}; {ours}"
    stated = " ".join(t for t in (s.indicator.name, s.quote, s.data_source or "", s.period or "") if t).lower()
    if not any(w in stated for w in REGISTER_WORDS):
        return "cannot check", (f"a different measure: the document does not state a count of patients on GP "
                                f"registers (a survey or modelled estimate, or not said); {ours}. A register counts "
                                "what practices record: obesity on registers is far below survey obesity")
    when = " ".join(t for t in (s.period or "", s.data_source or "", s.quote) if t)
    if not PERIOD.search(when):
        return "cannot check", (f"the same measure (patients on GP registers) for another period: the document's is "
                                f"{s.period or 'not stated'}, the data's {QOF_PERIOD}; {ours}")
    if s.area.code is None or s.value is None:
        why = "has no official code" if s.area.code is None else "gives no number (a comparison or rank only)"
        return "cannot check", f"the same measure and period, but the document's figure {why}"
    return _compare(s, indicator, ours)


def _compare(s: StatedFigure, indicator: str, ours: str) -> tuple[Verdict, str]:
    """The stated share against the estimate for the same area (district, ward, MSOA or England)."""
    code, kind = str(s.area.code), s.area.type
    if kind not in ("msoa", "ward", "district", "england"):
        return "cannot check", f"the same measure and period, but the estimates are not built for a {kind}"
    lsoas = qof_lsoa_base()
    column = {"msoa": "msoa21_code", "ward": "ward_code", "district": "lad_code"}.get(kind)
    districts = sorted(set(lsoas.loc[lsoas[column] == code, "lad_code"])) if column else [lsoas["lad_code"].iat[0]]
    if not districts:
        return "cannot check", f"the same measure and period, but {code} is not a {kind} of the estimates' geography"
    rows = qof_indicators(districts)
    rows = rows[(rows["indicator_id"] == indicator) & (rows["area_code"] == code) & (rows["area_type"] == kind)]
    if rows.empty:
        return "cannot check", f"the same measure and period, but {code} is not a {kind} of the estimates' geography"
    value = float(rows["value"].iat[0])
    agrees = abs(value - float(s.value or 0)) <= tolerance(s.printed) + 1e-9
    return ("agrees" if agrees else "differs"), f"{value:.1f}%: {ours}; {rows['method'].iat[0]}"
