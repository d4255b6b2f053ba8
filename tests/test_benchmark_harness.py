"""The page benchmark's choice of the option to switch to (benchmarks/page_benchmark.py), and which requests the
browser tests and benchmarks abort."""

from __future__ import annotations

import pytest

from benchmarks.browser_benchmark import LEAVES_THE_MACHINE as BENCHMARK_BLOCKS
from benchmarks.page_benchmark import next_choice
from tests.browser_support import LEAVES_THE_MACHINE


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


@pytest.mark.parametrize(("url", "leaves"), [
    ("http://127.0.0.1:8501/static/js/index.js", False),
    ("ws://127.0.0.1:8501/_stcore/stream", False),
    ("http://localhost:8501/app/static/leaflet.js", False),
    ("data:image/png;base64,iVBOR", False),
    ("blob:http://127.0.0.1:8501/5d1c", False),
    ("https://tile.openstreetmap.org/10/511/340.png", True),
    ("http://127.0.0.1.example.com/", True),  # a name that starts like this machine's address is another machine
    ("https://example.com/?next=http://127.0.0.1", True),
    ("http://localhostile.example/", True),
])
def test_only_requests_that_leave_the_machine_are_aborted(url: str, leaves: bool) -> None:
    """Playwright matches this pattern in its driver (as JavaScript, whose lookaheads read as Python's here); the
    browser test with a basemap (tests/test_map_speed_browser.py) checks that its tile requests are caught."""
    assert bool(LEAVES_THE_MACHINE.search(url)) is leaves
    assert LEAVES_THE_MACHINE.pattern == BENCHMARK_BLOCKS.pattern
