"""The next period on IoD 2025 (issue 23): a plan's LSOA codes moved through the ONS 2011 -> 2021 lookup (split
to the children, merged to the merged code, redrawn flagged), area lists re-derived from their own description,
duplicates removed, and every change said in words before saving."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiap_geo.cli import main
from hiap_geo.geo.lookups import lsoa_crosswalk
from hiap_geo.plans.editor import next_period_draft, plan_problems
from hiap_geo.plans.editor.moving import move_codes, move_to_edition
from hiap_geo.plans.load import load_plan, read_plan
from hiap_geo.plans.resolve import Resolver
from hiap_geo.plans.schema import PLANS_DIR, CodesTarget

TW_PLAN = PLANS_DIR / "tunbridge-wells-2023-25.yaml"


def test_codes_follow_the_ons_lookup_and_duplicates_go() -> None:
    successors = {"E01000001": ("U", ["E01000001"]), "E01000002": ("S", ["E01100001", "E01100002"]),
                  "E01000003": ("M", ["E01100003"]), "E01000004": ("M", ["E01100003"]),
                  "E01000005": ("X", ["E01100005", "E01100006"])}
    changes: list[str] = []
    flagged: list[str] = []
    moved = move_codes(["E01000001", "E01000002", "E01000003", "E01000004", "E01000005", "E05000001",
                        "E01000001"], successors, "Action 1.1", changes, flagged)
    assert moved == ["E01000001", "E01100001", "E01100002", "E01100003", "E01100005", "E01100006", "E05000001"]
    assert "Action 1.1: E01000002 was split; now E01100001, E01100002." in changes
    assert "Action 1.1: E01000004 was merged; now E01100003." in changes
    assert "Action 1.1: E01000005 was redrawn; now E01100005, E01100006." in changes
    assert changes[-1] == "Action 1.1: 2 duplicate codes removed." and flagged == ["E01100005", "E01100006"]


def test_the_tunbridge_wells_draft_moves_to_iod_2025(real_data: Path) -> None:
    old = load_plan(TW_PLAN)
    draft = next_period_draft(old, "tunbridge-wells-2026-28", "2026-28", author="Plan officer")
    split = lsoa_crosswalk().query("change == 'S'").iloc[0]
    codes_action = draft.actions[0].model_copy(update={"target_areas": [
        CodesTarget(kind="codes", codes=["E01024840", split["lsoa11_code"], "E01024840"])]})
    draft = draft.model_copy(update={"actions": [codes_action, *draft.actions[1:]]})
    move = move_to_edition(draft, 2025)
    plan = move.plan
    assert plan.edition == 2025 and move.changes[0].startswith("Areas moved from IoD 2019")
    children = set(lsoa_crosswalk().query("lsoa11_code == @split.lsoa11_code")["lsoa21_code"])
    moved_codes = plan.actions[0].target_areas[0].codes
    assert children <= set(moved_codes) and len(moved_codes) == len(set(moved_codes))
    assert any("was split" in c for c in move.changes) and any("duplicate code" in c for c in move.changes)
    # the document's list of deprived LSOAs is its claim (IMD deciles 1-4) evaluated on IoD 2025
    listed = plan.area_lists[0]
    rule = Resolver(plan)
    assert [e.code for e in listed.entries] == sorted({e.code for e in listed.entries}, key=[
        e.code for e in listed.entries].index)  # no duplicate (the 2023 list had E01024841 twice)
    assert all(e.ward and e.text.endswith(" ward)") for e in listed.entries)
    assert "³" not in (listed.quote or "") and (listed.quote or "").endswith("(LSOA) are:")
    assert any(c.startswith("Area list 'Areas of deprivation") and "re-derived" in c for c in move.changes)
    assert {e.code for e in listed.entries} <= set(rule.lookup["lsoa_code"])
    unknown = [p for p in plan_problems(plan) if "E01" in p.message and p.kind != "outside_area"]
    assert unknown == [], [p.message for p in unknown]
    with pytest.raises(ValueError, match="from IoD 2019 to IoD 2025"):
        move_to_edition(plan, 2019)


def test_cli_next_period_on_2025_lists_what_changed(real_data: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "draft.yaml"
    assert main(["plan", "next-period", str(TW_PLAN), "--id", "tw-2026-28", "--period", "2026-28",
                 "--edition", "2025", "--author", "Officer", "-o", str(out)]) == 0
    said = capsys.readouterr().out
    assert "Areas moved from IoD 2019" in said and "re-derived" in said
    assert read_plan(out).plan.edition == 2025


def test_the_editor_starts_the_next_period_on_iod_2025_with_what_changed(real_data: Path, tmp_path: Path) -> None:
    from hiap_geo.core.access import LOCAL_USER
    from hiap_geo.plans.progress import ProgressStore
    from hiap_geo.views import plan_editor as pe

    store = ProgressStore(f"sqlite:///{tmp_path / 'p.sqlite'}")
    editing = pe.start_next_period(load_plan(TW_PLAN), "tw-2026-28", "2026-28", LOCAL_USER, store, edition=2025)
    assert editing.plan.edition == 2025 and "on IoD 2025 areas" in editing.opened_from
    assert any("re-derived" in c for c in editing.changes)
    assert editing.edited(editing.plan).changes == editing.changes  # kept while editing, until saved or closed
    assert pe.next_period_editions(2019) == [2025, 2019] and pe.next_period_editions(2025) == [2025]
