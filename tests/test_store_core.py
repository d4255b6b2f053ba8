"""The store core the review history, the drafts and the export file compose (issue 22): the role is read as
each write begins, after whatever checks ran before it, and a refused write never opens its transaction."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from hiap_geo.core.access import AccessDenied, User, load_access
from hiap_geo.plans import reviews
from hiap_geo.plans.progress import ProgressStore
from hiap_geo.plans.schema import PLANS_DIR, Plan
from hiap_geo.plans.store import StoreCore

TW_FILE = PLANS_DIR / "tunbridge-wells-2023-25.yaml"
TW = "tunbridge-wells-2023-25"
ADMIN, EDITOR = "analyst@council.gov.uk", "chair@council.gov.uk"


@pytest.fixture
def access(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "access.toml"
    path.write_text(f'[roles]\nadmin = ["{ADMIN}"]\neditor = ["{EDITOR}"]\n', encoding="utf-8")
    monkeypatch.setenv("HIAP_ACCESS", str(path))
    return path


def test_a_write_refused_by_role_never_runs_its_work(tmp_path: Path, access: Path) -> None:
    core = StoreCore(f"sqlite:///{tmp_path / 'core.sqlite'}")
    ran: list[Session] = []
    with pytest.raises(AccessDenied, match="may not record reviews"):
        core.write(ran.append, "record", user=User("someone@else.org", "Someone", "editor"), action="review")
    assert ran == []


def test_an_editor_removed_while_their_review_was_checked_is_refused_at_the_write(
        tmp_path: Path, access: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = ProgressStore(f"sqlite:///{tmp_path / 'progress.sqlite'}")
    policy = load_access(access)
    store.register_plan(TW_FILE, user=policy.user(ADMIN, "Ana Lyst"))
    editor = policy.user(EDITOR, "Chair")
    checked = reviews.check_action

    def removed_meanwhile(plan: Plan, action_id: str) -> None:
        access.write_text(f'[roles]\nadmin = ["{ADMIN}"]\n', encoding="utf-8")
        checked(plan, action_id)

    monkeypatch.setattr(reviews, "check_action", removed_meanwhile)
    before = store.counts()
    with pytest.raises(AccessDenied, match="has no role and may not record reviews"):
        store.record_review(TW, "3.4", "done", date(2024, 1, 16), "after removal", user=editor)
    assert store.counts() == before


def test_a_write_retried_on_a_busy_database_is_logged_and_recorded_once(
        tmp_path: Path, access: Path, caplog: pytest.LogCaptureFixture) -> None:
    core = StoreCore(f"sqlite:///{tmp_path / 'core.sqlite'}")
    calls: list[int] = []

    def busy_once(session: Session) -> int:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
        return len(calls)

    admin = load_access(access).user(ADMIN, "Ana Lyst")
    with caplog.at_level("INFO", logger="hiap_geo.plans.store"):
        assert core.write(busy_once, "record", user=admin, action="review") == 2
    assert "Progress database busy or connection dropped (record), attempt 1 of 4: database is locked" in caplog.text
