"""Where an indicator value stands among areas of the same kind, for indicators with no confidence limits.

Most IoD 2025 underlying indicators are published without counts, so no interval can be tested
against England ("better / similar / worse" would be a guess). What can honestly be said is where
the value falls among all English areas of the same type (its national decile, 1 = worst 10%
for an indicator with a polarity, 1 = highest 10% for one without) and its place among the
district's areas ("3rd worst of 14 wards"). The profile prints that instead of "Not compared".
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import cache

import numpy as np
import pandas as pd

from hiap_geo.indicators.aggregate import district_indicators, long_rows, ward_indicators
from hiap_geo.indicators.catalogue import LSOA_SPECS, QOF_SPECS
from hiap_geo.indicators.readers import dwp_indicators, lsoa_indicators, msoa_census_indicators
from hiap_geo.indicators.tables import qof_msoa_base

UNITS = {"lsoa": "neighbourhoods (LSOAs)", "msoa": "MSOAs", "ward": "wards", "district": "districts"}


@cache
def _sources(level: str) -> list[list[Callable[[], pd.DataFrame]]]:
    """The readers of England's values at a level, one list per source, the cheapest first: a lookup builds the
    sources in this order until one has the indicator, so a QOF estimate's decile (the Indicators map's label of
    every MSOA) reads the QOF MSOAs alone, not England's Census and DWP MSOAs too (about 0.3 s more)."""
    if level in ("lsoa", "ward"):
        build = lsoa_indicators if level == "lsoa" else ward_indicators
        return [[functools.partial(build, None, [spec]) for spec in LSOA_SPECS]]
    if level == "msoa":  # the QOF estimates' MSOA rows only, not their LSOA, ward and district rows
        return [[functools.partial(long_rows, qof_msoa_base(), "msoa_code", "msoa", spec, "") for spec in QOF_SPECS],
                [functools.partial(msoa_census_indicators, None)], [functools.partial(dwp_indicators, None)]]
    return [[functools.partial(reader, None) for reader in (district_indicators, msoa_census_indicators,
                                                            dwp_indicators)]]


@cache
def _england_values(level: str, source: int) -> dict[tuple[str, str], np.ndarray]:
    """Every English area's value of each indicator and period of one source at a level, sorted (a few seconds,
    once).

    The LSOA and ward indicators are built one at a time and only their sorted values kept: all of England's
    long rows at once held about a gigabyte for a moment (a one-LSOA profile peaked at 1.6 GB)."""
    values: dict[tuple[str, str], np.ndarray] = {}
    for read in _sources(level)[source]:
        rows = read()
        rows = rows.loc[(rows["area_type"] == level) & rows["value"].notna(), ["indicator_id", "period", "value"]]
        for (i, p), g in rows.groupby(["indicator_id", "period"], sort=False):
            values[(str(i), str(p))] = np.sort(g["value"].to_numpy(float))
    return values


def england_values(indicator_id: str, period: str, level: str) -> np.ndarray | None:
    """Every English area's value of the indicator and period at a level, sorted; None when none has one."""
    for source in range(len(_sources(level))):
        found = _england_values(level, source).get((indicator_id, period))
        if found is not None:
            return found
    return None


def _worse_share(value: float, others: np.ndarray, polarity: str) -> float:
    """The share of areas that are worse (or, with no polarity, higher) than ``value``."""
    if polarity == "high_is_good":
        return float(np.searchsorted(others, value, side="left")) / len(others)
    return float(len(others) - np.searchsorted(others, value, side="right")) / len(others)


def national_decile(indicator_id: str, period: str, value: float, polarity: str, level: str) -> int | None:
    """The value's decile among all English areas of ``level`` (1 = worst, or highest with no polarity)."""
    if level not in UNITS or value is None or pd.isna(value):
        return None
    others = england_values(indicator_id, period, level)
    if others is None or len(others) < 10:
        return None
    return min(10, int(_worse_share(value, others, polarity) * 10) + 1)


WARD_SIZED_FROM = 3
"""A group of this many LSOAs or more is placed among English wards (about five LSOAs each), a smaller one among
LSOAs: a group is compared with areas of about its size, whose spread of values is like its own."""


def similar_level(lsoa_count: int) -> str:
    """The kind of English area a custom group of ``lsoa_count`` LSOAs is placed among."""
    return "ward" if lsoa_count >= WARD_SIZED_FROM else "lsoa"


def not_placed(level: str) -> str:
    """Why an indicator with no interval has no position either."""
    return f"Not compared: no interval, and no figures for English {UNITS[level]} to place it among"


def decile_text(decile: int, polarity: str, level: str) -> str:
    """A national decile in words ('Decile 4 of English wards'), the ends named ('Worst 10% of English wards');
    the table's note says which end decile 1 is."""
    worst, best = ("highest", "lowest") if polarity == "no_judgement" else ("worst", "best")
    units = UNITS[level]
    if decile == 1:
        return f"{worst.capitalize()} 10% of English {units}"
    if decile == 10:
        return f"{best.capitalize()} 10% of English {units}"
    return f"Decile {decile} of English {units}"


def local_rank_text(value: float, peers: pd.Series, polarity: str, level: str, member: bool = True) -> str:
    """The value's place among the district's areas ('2nd worst of 14 wards', 'Joint worst of 14 wards').

    ``member``: the value is one of ``peers`` (an area among its district's); a custom group is not, so it is
    said against them ('Worse than 11 of 14 wards'), never given a place past the last. A figure the same in
    every area (IoD 2025's homelessness is published for the district and given to each of its LSOAs) has no
    place: 'The same in all 14 wards'. Values within a millionth of each other are equal (ward figures built
    from the same LSOAs differ only by rounding)."""
    peers = peers.dropna().to_numpy(float)
    if value is None or pd.isna(value) or len(peers) < 2:
        return "-"
    count, units = len(peers), UNITS[level]
    level_with = np.isclose(peers, value, rtol=1e-6, atol=1e-9)
    if level_with.all():
        return f"The same in all {count} {units}"
    higher = (peers > value) & ~level_with
    worse = ~higher & ~level_with if polarity == "high_is_good" else higher  # peers worse than the value
    word = "highest" if polarity == "no_judgement" else "worst"
    if not member:
        worse_peers = int(worse.sum())
        better_peers = count - worse_peers - int(level_with.sum())
        more, less = ("Higher", "Lower") if polarity == "no_judgement" else ("Worse", "Better")
        if better_peers == 0:
            return f"{less} than all {count} {units}" if worse_peers == count else \
                f"{less} than or level with all {count} {units}"
        if better_peers == count:
            return f"{more} than all {count} {units}"
        return f"{more} than {better_peers} of {count} {units}"
    place, tied = int(worse.sum()) + 1, int(level_with.sum()) > 1
    which = word if place == 1 else f"{ordinal(place)} {word}"
    return f"{'Joint ' + which if tied else which[0].upper() + which[1:]} of {count} {units}"


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 11th, 22nd..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
