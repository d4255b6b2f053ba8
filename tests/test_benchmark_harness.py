"""The page benchmark's choice of the option to switch to (benchmarks/page_benchmark.py)."""

from __future__ import annotations

import pytest

from benchmarks.page_benchmark import next_choice


@pytest.mark.parametrize(("texts", "shown", "picked"), [
    (["Rank", "Score", "Decile"], "Score", 2),  # a list: the choice after the one shown
    (["Rank", "Score", "Decile"], "Decile", 0),  # the last shown: the first that is not it
    (["Income", "Employment", "Health"], "IMD 2025 score", 0),  # a multiselect's list leaves out its chosen
    (["Income score", "Income"], "Income", 0),  # every other option names the shown one: the first
    (["Income", "Employment"], "", 1),  # nothing shown: the second, as a person moving off the default
    (["Income"], "", 0),
])
def test_the_benchmark_switches_to_another_choice_than_the_one_shown(texts: list[str], shown: str, picked: int) -> None:
    assert next_choice(texts, shown) == picked
