"""Colour is never the only cue, and the classes a plan targets stay apart for colour-blind readers (issue 26).

Deficiencies simulated with Machado et al. (2009) at full severity; differences in CIEDE2000 (hiap_geo.render.
colour_vision), checked against the published test pairs of Sharma, Wu and Dalal (2005).
"""

from __future__ import annotations

import pytest

from hiap_geo.indicators.stats import BENCHMARK_STYLES
from hiap_geo.render.colour_vision import MACHADO_2009, delta_e_2000, lab, seen_difference, simulate
from hiap_geo.render.palette import DECILE_COLOURS
from hiap_geo.views.indicators import comparison_measure

VISION = [None, *MACHADO_2009]
"""Normal vision, protanopia, deuteranopia, tritanopia."""

DECILES_1_2_APART = 10.0
"""CIEDE2000 above which two map colours read as different classes (1 is just noticeable)."""

NEIGHBOURS_APART = 3.0
"""Any two neighbouring deciles: still a visible step (the legend labels each class as well)."""


@pytest.mark.parametrize(("lab1", "lab2", "expected"), [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((2.0776, 0.0795, -1.135), (0.9033, -0.0636, -0.5514), 0.9082),
])
def test_ciede2000_matches_the_published_test_pairs(lab1: tuple, lab2: tuple, expected: float) -> None:
    assert delta_e_2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)


def test_white_is_white_and_grey_stays_grey_for_every_deficiency() -> None:
    assert lab(simulate("#ffffff", None)) == pytest.approx((100.0, 0.0, 0.0), abs=1e-3)
    for deficiency in MACHADO_2009:
        assert seen_difference("#808080", "#808080", deficiency) == pytest.approx(0.0, abs=1e-9)
        assert abs(lab(simulate("#808080", deficiency))[1]) < 2  # a neutral grey is not tinted


@pytest.mark.parametrize("deficiency", VISION)
def test_deciles_1_and_2_stay_distinct_for_colour_blind_readers(deficiency: str | None) -> None:
    difference = seen_difference(DECILE_COLOURS[0], DECILE_COLOURS[1], deficiency)
    assert difference > DECILES_1_2_APART, f"deciles 1 and 2 differ by only {difference:.1f} ({deficiency})"
    steps = [seen_difference(a, b, deficiency) for a, b in zip(DECILE_COLOURS, DECILE_COLOURS[1:], strict=False)]
    assert min(steps) > NEIGHBOURS_APART, f"neighbouring deciles too close for {deficiency}: {steps}"


def test_better_similar_worse_are_said_in_words_not_only_in_colour() -> None:
    """Fingertips' green and amber differ by only 3.5 under protanopia: the words carry the meaning."""
    assert seen_difference(BENCHMARK_STYLES["similar"].colour, BENCHMARK_STYLES["better"].colour,
                           "protanopia") < DECILES_1_2_APART  # why words are needed (measured 3.5)
    labels = [label for label, _ in comparison_measure("Obesity", "low_is_good", "england", "95").categories]
    assert labels == ["Worse (95%)", "Similar", "Better (95%)", "Not compared"]  # the legend's words
