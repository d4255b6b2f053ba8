"""A transparent need score: which areas need action most, from deprivation and chosen indicators.

The score (:func:`need_score`) is deliberately simple, so that every figure can be checked by hand:

1. each component (e.g. IMD score, an indicator) is *oriented* so that higher means more need:
   a "low is good" value is used as it is, a "high is good" value (or an IMD decile, where 1 is
   most deprived) is negated;
2. it is *standardised* across the areas being ranked, either as a rank scaled 0-1 (0 = least
   need, 1 = most need; ties share their average rank) or as a z-score (mean 0, standard
   deviation 1, population formula);
3. each standardised value is multiplied by its weight's share of the total weight: that is its
   *contribution*, and the need score is the sum of the contributions.

An area missing a component is either scored on the components it has, with their weights
rescaled to sum to 1 (``missing="rescale"``), or left unscored (``missing="exclude"``); the table
says which was done and how many components each score used. Thresholds (:class:`NeedThreshold`)
then filter the ranked areas. The Targeting page's model is :mod:`hiap_geo.views.targeting`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from hiap_geo.core.errors import HiapGeoError

Method = Literal["rank", "zscore"]
METHODS: dict[str, str] = {
    "rank": "Rank scaled 0-1 (0 = least need, 1 = most need among these areas)",
    "zscore": "z-score (standard deviations above the mean of these areas; positive = more need)",
}
Missing = Literal["rescale", "exclude"]
MISSING_RULES: dict[str, str] = {
    "rescale": "Score on the components the area has (weights rescaled to sum to 1)",
    "exclude": "Leave the area unscored",
}


class NeedScoreError(HiapGeoError):
    """A need score or threshold that cannot be made from what was asked (the message says why)."""


@dataclass(frozen=True)
class Component:
    """One input of the need score: a column of the areas table, its label, weight and direction."""

    key: str
    label: str
    weight: float
    higher_is_more_need: bool


@dataclass(frozen=True)
class NeedScore:
    """A need score for each area and every component behind it.

    ``table`` has, per area, ``need_score``, ``need_rank`` (1 = most need), ``components_used``,
    and per component ``<key>__value``, ``__standardised``, ``__weight`` (the share of the weight
    used for that area) and ``__contribution``; the score is the sum of the contributions.
    """

    table: pd.DataFrame
    components: tuple[Component, ...]
    method: str
    missing: str
    notes: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        """The method in words, for the page and the CSV."""
        parts = ", ".join(
            f"{c.label} (weight {c.weight:g}, {'higher' if c.higher_is_more_need else 'lower'} = more need)"
            for c in self.components
        )
        return (f"Need score = sum of weight share x standardised value. Standardised: {METHODS[self.method]}. "
                f"Missing values: {MISSING_RULES[self.missing].lower()}. Components: {parts}.")


def standardise(values: pd.Series, method: Method, higher_is_more_need: bool) -> pd.Series:
    """Orient a component so that higher = more need, then scale it across the areas that have it.

    ``rank``: (rank - 1) / (n - 1), ties at their average rank; a single area, or areas that are
    all equal, get 0.5. ``zscore``: (x - mean) / sd with the population sd; no spread gives 0.
    """
    numeric = pd.to_numeric(values, errors="coerce").astype(float)
    oriented = numeric if higher_is_more_need else -numeric
    n = int(oriented.notna().sum())
    if n == 0:
        return pd.Series(np.nan, index=values.index, dtype=float)
    if method == "rank":  # rank() leaves a missing value missing
        return oriented * 0.0 + 0.5 if n == 1 else (oriented.rank(method="average") - 1) / (n - 1)
    if method == "zscore":
        sd = oriented.std(ddof=0)
        return oriented * 0.0 if not sd > 0 else (oriented - oriented.mean()) / sd
    raise NeedScoreError(f"Unknown method '{method}'; use one of {', '.join(METHODS)}.")


def need_score(frame: pd.DataFrame, components: Sequence[Component], method: Method = "rank",
               missing: Missing = "rescale") -> NeedScore:
    """Rank areas by a weighted sum of standardised, need-oriented components (see the module text)."""
    if not components:
        raise NeedScoreError("Choose at least one component (a deprivation measure or an indicator) to score.")
    keys = [c.key for c in components]
    if len(set(keys)) != len(keys):
        raise NeedScoreError("A component is chosen twice; each measure can be used once.")
    absent = [c.label for c in components if c.key not in frame]
    if absent:
        raise NeedScoreError(f"Not in the areas table: {', '.join(absent)}.")
    if any(not np.isfinite(c.weight) or c.weight < 0 for c in components):
        raise NeedScoreError("Weights must be zero or more.")
    if sum(c.weight for c in components) <= 0:
        raise NeedScoreError("At least one weight must be above zero.")
    if missing not in MISSING_RULES:
        raise NeedScoreError(f"Unknown rule for missing values '{missing}'; use one of {', '.join(MISSING_RULES)}.")

    # Whole columns at once: the page scores on every change of a weight or measure.
    std = np.column_stack([standardise(frame[c.key], method, c.higher_is_more_need).to_numpy() for c in components])
    present = ~np.isnan(std)
    used_weight = present * np.array([float(c.weight) for c in components])
    if missing == "exclude":
        used_weight = np.where(present.all(axis=1, keepdims=True), used_weight, 0.0)
    total = used_weight.sum(axis=1)
    scored = total > 0
    share = np.divide(used_weight, total[:, None], out=np.full_like(used_weight, np.nan), where=scored[:, None])
    contribution = std * share
    score = np.where(scored, np.nansum(contribution, axis=1), np.nan)  # a scored area has a weighted component
    columns: dict[str, object] = {
        "need_score": score,
        "components_used": (present & (used_weight > 0)).sum(axis=1).astype(int),
    }
    columns |= {f"{c.key}__value": frame[c.key] for c in components}
    notes: list[str] = []
    for i, c in enumerate(components):
        columns[f"{c.key}__standardised"] = std[:, i]
        columns[f"{c.key}__weight"] = np.where(present[:, i], share[:, i], np.nan)
        columns[f"{c.key}__contribution"] = contribution[:, i]
        gaps = int((~present[:, i]).sum())
        if gaps:
            notes.append(f"{c.label}: no value for {gaps} of {len(frame)} areas.")
    table = pd.DataFrame(columns, index=frame.index)
    table.insert(0, "need_rank", table["need_score"].rank(ascending=False, method="min").astype("Int64"))
    unscored = int((~scored).sum())
    if unscored:
        notes.append(f"{unscored} area(s) have no score ({'a component is missing' if missing == 'exclude' else 'no component has a value'}).")  # noqa: E501
    return NeedScore(table, tuple(components), method, missing, tuple(notes))


@dataclass(frozen=True)
class NeedThreshold:
    """A filter on one column: a numeric range (inclusive) or a set of allowed texts.

    An area with no value fails the threshold: a filter asks for evidence, and missing data is
    not evidence.
    """

    key: str
    label: str
    minimum: float | None = None
    maximum: float | None = None
    allowed: frozenset[str] = frozenset()

    def test(self, frame: pd.DataFrame) -> pd.Series:
        """Whether each row of ``frame`` passes (False where it has no value)."""
        if self.key not in frame:
            raise NeedScoreError(f"Cannot filter on '{self.label}': it is not in the areas table.")
        column = frame[self.key]
        if self.allowed:
            return column.isin(self.allowed).fillna(False).astype(bool)
        numeric = pd.to_numeric(column, errors="coerce")
        passed = numeric.notna()
        if self.minimum is not None:
            passed &= numeric >= self.minimum
        if self.maximum is not None:
            passed &= numeric <= self.maximum
        return passed.astype(bool)


def apply_thresholds(frame: pd.DataFrame, thresholds: Sequence[NeedThreshold]) -> pd.DataFrame:
    """Add a column per threshold ('meets: <label>') and ``meets_all`` (True with no thresholds)."""
    out = frame.copy()
    passed = pd.Series(True, index=frame.index)
    for t in thresholds:
        ok = t.test(frame)
        out[f"meets: {t.label}"] = ok
        passed &= ok
    out["meets_all"] = passed
    return out
