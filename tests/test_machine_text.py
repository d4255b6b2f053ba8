"""The machine-text check itself (tests/machine_text.py): what it must find, and the plain English it must pass."""

from __future__ import annotations

import pytest

from tests.machine_text import machine_text

FOUND = [
    "Status: done, corrected by nan",
    "Lead: None",
    "None",
    "corrects review ec17e3a2-... of 3 March",
    "review 3f2b6a1e-4c2d-4e8f-9a1b-0c3d5e7f9a2b",
    "Saved in sqlite:////tmp/hiap/progress.sqlite",
    "postgresql+psycopg://hiap@dbhost/hiap",
    "1 LSOAs in decile 1",
    "reaches 1 wards",
    "Score: NaN",
    "Correct an earlier review\nChoose an option",
]
PASSED = [
    "None of the areas is in deciles 1 and 2",
    "Population in IMD decile 1 areas",
    "21 LSOAs, 1 LSOA outside the band",
    "Priority 1 actions",
    "Nancy Smith, Finance and Nandos",
    "The review of 3 March 2026 by Chair",
    "E01024840 Tunbridge Wells 005A",
    "2023-25 plan, IoD 2019",
]


@pytest.mark.parametrize("text", FOUND)
def test_machine_text_is_found(text: str) -> None:
    assert machine_text(text, "page"), text


@pytest.mark.parametrize("text", PASSED)
def test_plain_english_passes(text: str) -> None:
    assert machine_text(text, "page") == []


def test_a_backup_made_for_a_program_may_keep_its_ids_not_its_addresses() -> None:
    backup = '{"id": "3f2b6a1e-4c2d-4e8f-9a1b-0c3d5e7f9a2b", "db": "sqlite:///x"}'
    assert len(machine_text(backup, "json")) == 2
    found = machine_text(backup, "json", ids_allowed=True)
    assert len(found) == 1 and found[0].startswith("json: 'sqlite:///'")
