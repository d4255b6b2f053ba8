"""The meeting pack of the Tunbridge Wells plan with one review recorded, as a chair would open it: the Word file
read back with python-docx, the PDF rendered page by page with pdftoppm (and its text with pdftotext).

Integration: the plan is resolved on the real lookups, the maps drawn from the built Kent layers.
"""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from docx import Document

from hiap_geo.cli import main
from hiap_geo.plans.progress import ProgressStore
from hiap_geo.plans.schema import PLANS_DIR, Plan
from hiap_geo.views.plan_pack import PackFiles, meeting_pack, plan_lsoas, progress_tables

TUNBRIDGE_WELLS = PLANS_DIR / "tunbridge-wells-2023-25.yaml"
PLAN_ID = "tunbridge-wells-2023-25"
WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MACHINE_TEXT = re.compile(r"\b[Nn]a[Nn]\b|\bNone\b|\bNaT\b|<NA>|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}")
"""What no cell may show: missing values as Python prints them, or a review's id (a UUID)."""


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('pack') / 'progress.sqlite'}"


@pytest.fixture(scope="module")
def store(db_url: str, kent: str) -> ProgressStore:
    store = ProgressStore(db_url)
    store.register_plan(TUNBRIDGE_WELLS)
    store.record_review(PLAN_ID, "2.1", "not_started", date(2026, 6, 1), "Before the last meeting", "Sam Earlier")
    first = store.record_review(PLAN_ID, "3.4", "at_risk", date(2026, 10, 5), "Venue lost", "Ann Other")
    store.record_review(PLAN_ID, "3.4", "on_track", date(2026, 11, 2), "Clinics booked in Sherwood", "Jo Bloggs",
                        corrects=first, reason="The venue was found again")
    return store


@pytest.fixture(scope="module")
def pack(store: ProgressStore) -> tuple[Plan, PackFiles]:
    plan = store.plan(PLAN_ID)
    lsoas = plan_lsoas(plan)
    assert lsoas is not None and len(lsoas) == 68  # Tunbridge Wells' LSOAs 2011 in the built Kent layer
    return plan, meeting_pack(plan, store.history(PLAN_ID), meeting=date(2026, 12, 10), since=date(2026, 9, 1),
                              lsoas=lsoas)


def word(data: bytes) -> tuple[list[str], list[list[list[str]]], object]:
    document = Document(io.BytesIO(data))
    paragraphs = [p.text for p in document.paragraphs]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    return paragraphs, tables, document


def test_word_pack_is_a_council_paper_with_every_section_and_header_rows(pack: tuple[Plan, PackFiles]) -> None:
    plan, files = pack
    paragraphs, tables, document = word(files.docx)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    for expected in ("1. Actions by status", "2. Reviews recorded since 1 September 2026",
                     "3. Actions not reviewed since 1 September 2026", "4. Areas the actions reach, by priority",
                     "5. Coverage gaps", "6. Progress against baseline", "Priority 3. Addictions"):
        assert expected in headings
    cover = dict((row[0], row[1]) for row in tables[0])
    assert cover["Plan"] == f"{plan.title} (Tunbridge Wells)"
    assert cover["Period"] == "2023-25" and cover["Meeting"] == "10 December 2026"
    status = next(t for t in tables if t[0] == ["Status", "Actions"])
    counts = {row[0]: row[1] for row in status[1:]}
    assert counts == {"Not started": "1", "On track": "1", "No status": "35", "All actions": "37"}
    for table in tables[1:]:  # every table but the cover has a header row, repeated on each page
        assert table[0][0] and table[0][0] not in {row[0] for row in table[1:]} or len(table) == 1
    header_rows = document.element.body.findall(f".//{{{WORD_NS}}}tblHeader")
    assert len(header_rows) == len(tables) - 1


def test_reviews_since_the_date_name_who_when_and_the_correction(pack: tuple[Plan, PackFiles]) -> None:
    _, tables = word(pack[1].docx)[:2]
    reviews = next(t for t in tables if t[0][:4] == ["Date", "Action", "Status", "Who"])
    body = reviews[1:]
    assert [r[0] for r in body] == ["5 October 2026", "2 November 2026"]  # the June review is before the date
    corrected, correction = body
    assert corrected[3] == "Ann Other" and corrected[4] == "Venue lost"
    assert corrected[5] == "Corrected later (2 November 2026 by Jo Bloggs)"
    assert correction[1].startswith("3.4 Target stop smoking work")
    assert (correction[2], correction[3], correction[4]) == ("On track", "Jo Bloggs", "Clinics booked in Sherwood")
    assert correction[5] == "Corrects the review of 5 October 2026 by Ann Other: The venue was found again"
    waiting = next(t for t in tables if t[0] == ["Priority", "Action", "Title", "Last review"])
    ids = [r[1] for r in waiting[1:]]
    assert "3.4" not in ids and "2.1" in ids and len(ids) == 36
    assert next(r for r in waiting[1:] if r[1] == "2.1")[3] == "1 June 2026"


def test_maps_have_alt_text_and_the_progress_table_its_groups(pack: tuple[Plan, PackFiles]) -> None:
    paragraphs, tables, document = word(pack[1].docx)
    pictures = document.inline_shapes
    assert len(pictures) == 1  # only priority 3 names places (action 3.4's list)
    alt = pictures[0]._inline.docPr.get("descr")
    assert "5 LSOAs that priority 3 (Addictions) names" in alt and "E01024840 Tunbridge Wells 005A" in alt
    progress = next(t for t in tables if t[0][0] == "Measure")
    assert progress[0][1:] == ["Areas the plan targets", "Rest of the district",
                               "Matched areas elsewhere in the region"]
    rows = {r[0]: r[1:] for r in progress[1:]}
    assert rows["LSOAs compared"][:2] == ["5", "64"]
    assert rows["Mean IMD decile, 2019"][0] == "3.6"
    sii = next(t for t in tables if t[0][0] == "Edition")
    assert [r[0] for r in sii[1:]] == ["IoD 2019", "IoD 2025"]
    indicators = next(t for t in tables if t[0][0] == "Outcome measure")
    assert indicators[1][0] == "stop smoking (action 3.4)" and "(2015)" in indicators[1][2]
    gaps = next(t for t in tables if t[0][0] == "LSOA" and "Decile" in t[0])
    assert [r[0] for r in gaps[1:]] == ["E01024795"]  # as the Plan page: deciles 1-4, the document's own threshold
    text = "\n".join(paragraphs)
    assert "a plan begun in or after 2023 cannot show in them" in text


def test_no_machine_text_in_either_file(pack: tuple[Plan, PackFiles], tmp_path: Path) -> None:
    paragraphs, tables, _ = word(pack[1].docx)
    every = "\n".join(paragraphs + [c for t in tables for row in t for c in row])
    assert not MACHINE_TEXT.search(every), MACHINE_TEXT.search(every)
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(pack[1].pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Jo Bloggs" in text and "Progress against baseline" in text
    assert not MACHINE_TEXT.search(text), MACHINE_TEXT.search(text)


def test_pdf_pages_render(pack: tuple[Plan, PackFiles], tmp_path: Path) -> None:
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(pack[1].pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert 5 <= len(pages) <= 10
    assert all(p.stat().st_size > 5_000 for p in pages)  # not blank


def test_progress_tables_for_the_page_are_the_packs(pack: tuple[Plan, PackFiles]) -> None:
    from hiap_geo.plans.baseline import progress_against_baseline

    shown = progress_tables(progress_against_baseline(pack[0]))
    tables = [t for _, t, _ in shown if not isinstance(t, str)]
    assert [list(t.columns)[0] for t in tables] == ["Measure", "Edition", "Outcome measure"]


def test_cli_writes_word_and_pdf(store: ProgressStore, db_url: str, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    args = ["plan", "pack", PLAN_ID, "--out", str(tmp_path / "out"), "--since", "2026-09-01",
            "--meeting", "2026-12-10", "--action", "3.4"]
    assert main([*args, "--db", db_url]) == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [f"{PLAN_ID}-meeting-pack-2026-12-10.docx", f"{PLAN_ID}-meeting-pack-2026-12-10.pdf"]
    assert "Wrote" in capsys.readouterr().out
    assert main(["plan", "pack", PLAN_ID, "--out", str(tmp_path / "x"), "--priority", "9",
                 "--db", db_url]) == 2


def test_plan_page_shows_progress_and_makes_the_pack(kent: str, db_url: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    from hiap_geo.core import settings

    monkeypatch.setenv("HIAP_PROGRESS_DB", db_url)
    at = AppTest.from_file(str(settings.PROJECT_ROOT / "app.py"), default_timeout=240)
    at.session_state["plan_tab"] = "Progress (HAT)"  # only the open tab runs
    at.run()
    at.switch_page("app/pages/plan.py").run()
    assert not at.exception, at.exception
    assert "Meeting pack and progress against baseline" in [s.value for s in at.subheader]
    at.selectbox(key="plan_pack_selection").set_value("Action 3.4: Target stop smoking work for areas of "
                                                      "deprivation and GP surgeries.").run()
    at.toggle(key="plan_pack_show").set_value(True).run()
    assert not at.exception, at.exception
    shown = [d.value for d in at.dataframe]
    progress = next(f for f in shown if "Measure" in f.columns)
    assert progress.iloc[0].tolist()[:2] == ["LSOAs compared", "5"]
    at.button(key="plan_pack_make").click().run()
    assert not at.exception, at.exception
    labels = [b.label for b in at.get("download_button")]
    assert "Download the pack (Word)" in labels and "Download the pack (PDF)" in labels


def test_a_plan_that_names_no_place_compares_only_the_district_and_says_so(kent: str) -> None:
    from hiap_geo.plans.load import load_plan

    plan = load_plan(PLANS_DIR / "sevenoaks-2019-22.yaml")
    files = meeting_pack(plan, meeting=date(2026, 12, 10))  # not registered: no reviews; no layer: no maps
    paragraphs, tables, document = word(files.docx)
    progress = next(t for t in tables if t[0][0] == "Measure")
    assert progress[0] == ["Measure", "The district (no area targeted)"]
    text = "\n".join(paragraphs)
    assert "name no LSOA, ward or rule" in text and "No review was recorded so far" in text
    assert "Matched areas are" not in text
    sii = next(t for t in tables if t[0][0] == "Edition")
    assert sii[2][3] == "not meaningful (the fitted line falls below zero)"  # Sevenoaks' 2025 fitted end is below 0
    every = "\n".join(paragraphs + [c for t in tables for row in t for c in row])
    assert not MACHINE_TEXT.search(every)
    assert not document.inline_shapes


def test_hostile_text_is_written_as_text_in_both_files(tmp_path: Path) -> None:
    from hiap_geo.render.meeting_pack import Heading, MeetingPack, Table, Text, pack_docx, pack_pdf

    hostile = "<b>bold</b> & <script>alert('x')</script> **md** =HYPERLINK(\"a\") \x00 end"
    pack = MeetingPack(hostile, [("Plan", hostile)], [Heading(hostile), Text(hostile, note=True),
                                                    Table(("Who", "Note"), ((hostile, hostile),))], hostile)
    paragraphs, tables, _ = word(pack_docx(pack))
    assert "<script>alert('x')</script>" in paragraphs[0] and "\ufffd end" in paragraphs[0]
    assert tables[1][1][1].startswith("<b>bold</b> &")
    pdf = tmp_path / "hostile.pdf"
    pdf.write_bytes(pack_pdf(pack))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "<script>alert('x')</script>" in text and "<b>bold</b>" in text
