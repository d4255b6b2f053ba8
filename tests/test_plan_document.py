"""The plan as a Word document (render.plan_document), read back with python-docx as Word would read it.

Integration: targets are resolved on the real lookups and IoD files, the maps drawn from the built Kent layers.
"""

from __future__ import annotations

import io
import re
import subprocess
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
from tests.browser_support import ARTIFACTS

TUNBRIDGE_WELLS = PLANS_DIR / "tunbridge-wells-2023-25.yaml"
HOSTILE = "<script>alert('x')</script> **bold** [link](http://evil.example) $x^2$ =HYPERLINK(\"a\")"


def cells(data: bytes) -> list[list[str]]:
    """Every table row of a Word file, as the cells' text."""
    return [[c.text for c in row.cells] for t in Document(io.BytesIO(data)).tables for row in t.rows]


def rows_by_header(data: bytes) -> dict[str, dict[str, str]]:
    """Every action row of a Word file: its number -> column header -> cell text."""
    out: dict[str, dict[str, str]] = {}
    for table in Document(io.BytesIO(data)).tables:
        header = [c.text for c in table.rows[0].cells]
        for row in table.rows[1:]:
            texts = [c.text for c in row.cells]
            out[texts[0]] = dict(zip(header, texts, strict=True))
    return out


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
    by_id = rows_by_header(data)
    assert set(by_id) == {a.printed_id or a.id for a in plan.actions}
    for action in plan.actions:
        row = by_id[action.printed_id or action.id]
        assert row["Action"].startswith(action.title)
        assert row.get("Lead", "") == (action.lead or "")  # an empty field stays empty: never "Not named"
        assert row.get("Status", "") in ("", "Not started", "On track", "At risk", "Done")
    headings = [p.text for p in Document(io.BytesIO(data)).paragraphs if p.style.name == "Heading 1"]
    for priority in plan.priorities:
        assert f"Priority {priority.id}. {priority.title}" in headings
    assert "Not named" not in body_text(data) and "None named" not in body_text(data)


def test_target_areas_are_given_by_name_and_ward_as_resolved(tunbridge_wells: tuple[Plan, bytes]) -> None:
    plan, data = tunbridge_wells
    resolver = Resolver(plan)
    rows = rows_by_header(data)
    for action in plan.actions:
        cell = rows[action.printed_id or action.id]["Target areas"]
        for target in action.target_areas:
            if target.kind == "district":
                assert f"The whole of {plan.area.name}" in cell
                continue
            for area in resolver.target(target):
                assert area.name in cell, (action.id, area.code)
    # 3.4 targets the document's list of deprived LSOAs: each by its official name and its ward, no code
    assert "Areas the plan lists" in rows["3.4"]["Target areas"] and "E01" not in rows["3.4"]["Target areas"]
    assert re.search(r"Tunbridge Wells \d{3}[A-Z] \(.+ ward\)", rows["3.4"]["Target areas"])


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
    row = rows_by_header(plan_docx(plan))[plan.actions[0].id]["Target areas"]
    assert "Cannot be placed" in row and "E01999999" in row
    assert "Selects no area with today's data." in row  # Tunbridge Wells has no LSOA in IMD 2019 decile 1


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


def test_the_2026_28_draft_reads_as_a_council_plan_in_word_and_pdf(kent: str, tmp_path: Path) -> None:
    """Issue 23: the next period's draft (IoD 2025) as a council publishes it: title page, contents,
    introduction and objectives, per priority its aims, a map and the actions with lead, partners, timescale,
    outcome measures and target areas by name and ward; the PDF says the same."""
    from hiap_geo.plans.editor import next_period_draft
    from hiap_geo.plans.editor.moving import move_to_edition
    from hiap_geo.render.plan_document import plan_pdf

    old = load_plan(TUNBRIDGE_WELLS)
    # as the Plan editor and `plan next --edition 2025` make it: the codes moved through the ONS lookup
    draft = move_to_edition(next_period_draft(old, "tunbridge-wells-2026-28", "2026-28", author="Plan officer"),
                            2025).plan
    first = draft.actions[0].model_copy(update={"timescale": "By March 2027", "lead": "KCC Public Health",
                                                "indicators": ["Smoking prevalence, routine and manual workers"]})
    draft = draft.model_copy(update={"actions": [first, *draft.actions[1:]]})
    lsoas = lsoas_of(draft, kent)
    data = plan_docx(draft, lsoas)
    document = Document(io.BytesIO(data))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs.index("Contents") < paragraphs.index("Introduction")
    if draft.objectives:
        assert paragraphs.index("Introduction") < paragraphs.index("Objectives")
    assert draft.title in paragraphs[:8] and "2026-28" in paragraphs[:10]
    assert any(p.startswith("This plan sets out how") for p in paragraphs)
    assert all(f"Priority {p.id}. {p.title}" in paragraphs for p in draft.priorities)
    header = [c.text for c in document.tables[0].rows[0].cells]
    assert header[:2] == ["No.", "Action"] and {"Lead", "Partners", "Timescale", "Outcome measures",
                                                "Target areas"} <= set(header)
    rows = rows_by_header(data)
    assert rows[first.printed_id or first.id]["Timescale"] == "By March 2027"
    text = body_text(data)
    assert "Not named" not in text and "Lsoas" not in text and "None" not in text.split()
    assert "are³" not in text and "Sherwood 4th" not in text  # the area list re-derived from its description
    pdf = plan_pdf(draft, lsoas)
    assert pdf[:5] == b"%PDF-"
    out = ARTIFACTS / "plan-document"
    out.mkdir(parents=True, exist_ok=True)
    (out / "tunbridge-wells-2026-28.docx").write_bytes(data)
    (out / "tunbridge-wells-2026-28.pdf").write_bytes(pdf)
    pages = subprocess.run(["pdftotext", "-layout", str(out / "tunbridge-wells-2026-28.pdf"), "-"],
                           capture_output=True, text=True, check=True).stdout
    assert "Contents" in pages and "Introduction" in pages and f"Priority {draft.priorities[0].id}." in pages
    assert "By March 2027" in pages and "Not named" not in pages


@pytest.mark.parametrize("year", [2019, 2025])
def test_the_maps_and_the_document_credit_the_edition_they_are_drawn_on(
        kent: str, year: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan on IoD 2025 is mapped with IoD 2025 deciles: its credit names that edition, not the IMD 2019 scores
    (mySociety's) that no map of the document uses; a plan on IoD 2019 names IoD 2019."""
    from hiap_geo.plans.editor.moving import move_to_edition
    from hiap_geo.render import plan_document

    plan = load_plan(TUNBRIDGE_WELLS)
    if year == 2025:
        plan = move_to_edition(plan, 2025).plan
    drawn: list[object] = []
    monkeypatch.setattr(plan_document, "figure_png", lambda fig, dpi: drawn.append(fig) or b"")
    plan_document.priority_map_png(plan, plan.priorities[0], lsoas_of(plan, kent), set())
    credit = " ".join(t.get_text() for t in drawn[0].texts).replace("\n", " ")
    for text in (credit, body_text(plan_docx(plan))):
        assert f"English Indices of Deprivation {year}" in text
        assert "mySociety" not in text and ("IMD 2019 scores" not in text)
        assert "Open Government Licence" in text and "Office for National Statistics" in text
