"""One forgiving name key for the whole project: a name that matches when a plan's targets are resolved also
matches when a plan-figures file is validated (accents, '&'/'and', straight or curly apostrophes).

No official data is needed: the resolver is given a two-ward lookup.
"""

from __future__ import annotations

import pandas as pd
import pytest

from hiap_geo.core.text import name_key, natural_key
from hiap_geo.plans import resolve
from hiap_geo.plans.figures.schema import Area
from hiap_geo.plans.load import parse_plan

PLAN = """\
schema_version: 1
id: test-plan
title: A test plan
area: {code: E07000116, name: Tunbridge Wells}
period: 2023-25
edition: 2019
source: {title: Test document, publisher: Test publisher}
transcription: {by: a test, date: 2026-01-01}
priorities:
  - {id: "1", title: Mental Health}
actions:
  - id: "1.1"
    priority: "1"
    title: Bring providers together
    ref: test
    target_areas: [{kind: district, specified: false}]
"""


def test_name_key_ignores_case_accents_ampersands_and_apostrophes() -> None:
    assert name_key("Pémbury & St Mary’s") == name_key("PEMBURY and St Mary's") == "pembury and st marys"
    assert name_key("  Rusthall\tand  Speldhurst ") == "rusthall and speldhurst"
    assert sorted(["1.10", "1.9", "1.2.1"], key=natural_key) == ["1.2.1", "1.9", "1.10"]


def test_an_accented_name_matches_in_plan_targets(monkeypatch: pytest.MonkeyPatch) -> None:
    lookup = pd.DataFrame(
        {
            "lsoa_code": ["E01024780", "E01024781"],
            "lsoa_name": ["Tunbridge Wells 001A", "Tunbridge Wells 001B"],
            "ward_code": ["E05005161", "E05005162"],
            "ward_name": ["Pembury", "St James'"],
            "lad_code": ["E07000116", "E07000116"],
            "lad_name": ["Tunbridge Wells", "Tunbridge Wells"],
        }
    )
    monkeypatch.setattr(resolve, "ward_lookup", lambda year: lookup)
    resolver = resolve.Resolver(parse_plan(PLAN).plan)
    area = resolver.name("Pémbury", "ward")
    assert (area.code, area.name, area.exact) == ("E05005161", "Pembury", False)
    assert "ignoring punctuation" in area.how
    assert resolver.name("St James’", "ward").code == "E05005162"


def test_an_accented_name_matches_in_plan_figures() -> None:
    # Names that differ only by accents or apostrophes need no note saying why the code is right.
    area = Area(id="pembury", name="Pémbury", type="ward", code="E05005161", vintage="Ward 2019 (best fit)",
                lookup_name="Pembury")
    assert area.lookup_name == "Pembury"
    with pytest.raises(ValueError, match="add a note"):
        Area(id="other", name="Paddock Wood", type="ward", code="E05005161", vintage="Ward 2019 (best fit)",
             lookup_name="Pembury")
