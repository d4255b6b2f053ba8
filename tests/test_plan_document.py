"""The plan as a Word document (render.plan_document), read back with python-docx as Word would read it.

Integration: targets are resolved on the real lookups and IoD files, the maps drawn from the built Kent layers.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx import Document

from hiap_geo.geo.layers import load_layer
from hiap_geo.plans.load import load_plan, plan_files
from hiap_geo.plans.resolve import Resolver, plan_districts
from hiap_geo.plans.schema import PLANS_DIR, CodesTarget, Plan, RuleTarget
from hiap_geo.render.plan_document import docx_text, plan_docx
from hiap_geo.views.explorer import areas_of

TUNBRIDGE_WELLS = PLANS_DIR / "tunbridge-wells-2023-25.yaml"
HOSTILE = "<script>alert('x')</script> **bold** [link](http://evil.example) $x^2$ =HYPERLINK(\"a\")"


def cells(data: bytes) -> list[list[str]]:
    """Every table row of a Word file, as the cells' text."""
    return [[c.text for c in row.cells] for t in Document(io.BytesIO(data)).tables for row in t.rows]


def body_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    return "\n".join([p.text for p in document.paragraphs] + [c for row in cells(data) for c in row])


def lsoas_of(plan: Plan, slug: str) -> object:
    return areas_of(load_layer(slug, "lsoa", plan.edition), "lsoa", plan.edition, tuple(plan_districts(plan)))


@pytest.fixture(scope="module")
def tunbridge_wells(kent: str) -> tuple[Plan, bytes]:
    plan = load_plan(TUNBRIDGE_WELLS)
    return plan, plan_docx(plan, lsoas_of(plan, kent))


def test_every_action_is_in_its_priority_table_with_its_lead_and_status(tunbridge_wells: tuple[Plan, bytes]) -> None:
    plan, data = tunbridge_wells
    rows = cells(data)
    by_id = {row[0]: row for row in rows if row[0] != "No."}
    assert set(by_id) == {a.printed_id or a.id for a in plan.actions}
    for action in plan.actions:
        row = by_id[action.printed_id or action.id]
        assert row[1].startswith(action.title)
        assert row[2] == (action.lead or "Not named")
        assert row[5] in ("No status", "Not started", "On track", "At risk", "Done")
    headings = [p.text for p in Document(io.BytesIO(data)).paragraphs if p.style.name == "Heading 1"]
    for priority in plan.priorities:
        assert f"{priority.id}. {priority.title}" in headings


def test_target_areas_are_given_by_code_and_name_as_resolved(tunbridge_wells: tuple[Plan, bytes]) -> None:
    plan, data = tunbridge_wells
    resolver = Resolver(plan)
    rows = {row[0]: row for row in cells(data)}
    for action in plan.actions:
        reached = [area for target in action.target_areas for area in resolver.target(target)]
        cell = rows[action.printed_id or action.id][4]
        for area in reached:
            assert f"{area.code} {area.name}" in cell, (action.id, area.code)
    # 3.4 targets the document's list of deprived LSOAs: each code with its official name
    assert "E01024840" in rows["3.4"][4] and "Areas the plan lists" in rows["3.4"][4]


def test_one_map_per_priority_as_an_image(tunbridge_wells: tuple[Plan, bytes]) -> None:
    plan, data = tunbridge_wells
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        images = [n for n in archive.namelist() if n.startswith("word/media/") and n.endswith(".png")]
        assert len(images) == len(plan.priorities)
        assert all(archive.read(n)[:8] == b"\x89PNG\r\n\x1a\n" for n in images)


def hostile_plan(plan: Plan) -> Plan:
    """The plan with markup and a NUL in every kind of text the document prints, and targets that fail."""
    first = plan.actions[0]
    bad_codes = CodesTarget(kind="codes", codes=["E01999999", "E01024840"])
    empty_rule = RuleTarget.model_validate({"kind": "rule", "rule": {"rule": "lsoa_decile", "decile_min": 1,
                                                                      "decile_max": 1}})
    action = first.model_copy(update={
        "title": HOSTILE, "lead": "<b>Lead</b>\x00", "partners": ["*Partner*", "<i>two</i>"],
        "progress_targets": ["# 50% by 2027"], "indicators": ["`code`"],
        "target_areas": [bad_codes, empty_rule]})
    priority = plan.priorities[0].model_copy(update={"title": "$\\frac{1}{2}$ <h1>Priority</h1>"})
    return plan.model_copy(update={"title": HOSTILE, "actions": [action, *plan.actions[1:]],
                                   "priorities": [priority, *plan.priorities[1:]]})


def test_markup_and_control_characters_stay_literal_text(kent: str) -> None:
    plan = hostile_plan(load_plan(TUNBRIDGE_WELLS))
    data = plan_docx(plan, lsoas_of(plan, kent))  # the priority's map title has '$...$': not typeset
    text = body_text(data)
    assert HOSTILE in text
    assert "<b>Lead</b>\ufffd" in text and "*Partner*" in text and "<i>two</i>" in text
    assert "# 50% by 2027" in text and "`code`" in text
    assert "$\\frac{1}{2}$ <h1>Priority</h1>" in text
    assert Document(io.BytesIO(data)).core_properties.title == HOSTILE


def test_targets_that_cannot_be_placed_are_explained_in_their_cell(real_data: Path) -> None:
    plan = hostile_plan(load_plan(TUNBRIDGE_WELLS))
    row = next(r for r in cells(plan_docx(plan)) if r[0] == plan.actions[0].id)
    assert "Cannot be placed" in row[4] and "E01999999" in row[4]
    assert "Selects no area with today's data." in row[4]  # Tunbridge Wells has no LSOA in IMD 2019 decile 1


def test_without_map_layers_each_priority_says_why_there_is_no_map(real_data: Path) -> None:
    plan = load_plan(TUNBRIDGE_WELLS)
    data = plan_docx(plan)
    assert body_text(data).count("No map: the map layers") == len(plan.priorities)


@pytest.mark.parametrize("path", plan_files(), ids=lambda p: p.stem)
def test_every_transcribed_plan_exports(path: Path, real_data: Path) -> None:
    plan = load_plan(path)
    rows = cells(plan_docx(plan))
    assert {r[0] for r in rows} - {"No."} == {a.printed_id or a.id for a in plan.actions}


def test_docx_text_replaces_only_what_xml_cannot_hold() -> None:
    assert docx_text("a\x00b\x0bc\td\ne") == "a\ufffdb\ufffdc\td\ne"
    assert docx_text("<&>é😀") == "<&>é😀"


def test_the_document_reads_well_with_a_screen_reader(tunbridge_wells: tuple[Plan, bytes]) -> None:
    """Headings are Word heading styles in order, each priority's map has alt text saying what it shows, and each
    table's header row is marked (issue 26)."""
    from tests.word_access import word_accessibility_problems

    plan, data = tunbridge_wells
    assert word_accessibility_problems(data) == []
    described = [s._inline.docPr.get("descr") for s in Document(io.BytesIO(data)).inline_shapes]
    assert len(described) == len(plan.priorities)
    assert all(d.startswith(f"Map of {plan.area.name} by IMD national decile") for d in described)
