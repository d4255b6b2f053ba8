"""Team mode you can trust (issue 29), in the library: the role read at the moment of every write, and a plan
history no progress bundle can forge (imported versions never current unconfirmed, claims kept as claims, the
database's own order, corrections checked against the database, the dates `plan review` accepts).

Tests that take ``new_db`` run on SQLite and on a real PostgreSQL server (those runs are ``integration``).
"""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from hiap_geo.cli import main
from hiap_geo.core.access import AccessDenied, load_access
from hiap_geo.plans.progress import ImportNeedsConfirmation, ProgressStore
from hiap_geo.plans.schema import PLANS_DIR, ImportRejected

TW_FILE = PLANS_DIR / "tunbridge-wells-2023-25.yaml"
TW = "tunbridge-wells-2023-25"
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)]
ADMIN, EDITOR = "analyst@council.gov.uk", "chair@council.gov.uk"
ACCESS = f"""
[roles]
admin = ["{ADMIN}"]
editor = ["@council.gov.uk"]
"""


@pytest.fixture(params=ENGINES)
def new_db(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    if request.param == "sqlite":
        numbers = itertools.count()
        return lambda: f"sqlite:///{tmp_path / f'trust-{next(numbers)}.sqlite'}"
    return request.getfixturevalue("postgres").new_database


@pytest.fixture
def access(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "access.toml"
    path.write_text(ACCESS, encoding="utf-8")
    monkeypatch.setenv("HIAP_ACCESS", str(path))
    return path


@pytest.fixture
def store(new_db: Callable[[], str], access: Path) -> ProgressStore:
    s = ProgressStore(new_db())
    s.register_plan(TW_FILE, user=load_access(access).user(ADMIN, "Ana Lyst"))
    return s


def other_text(yaml: str, marker: str) -> str:
    return yaml.replace("\ntitle: Health Inequalities Action Plan 2023-25", f"\ntitle: {marker}", 1)


def version_entry(yaml: str, registered_at: datetime, registered_by: str | None) -> dict:
    return {"sha256": hashlib.sha256(yaml.encode("utf-8")).hexdigest(), "source_name": "forged.yaml",
            "registered_at": registered_at.isoformat(), "yaml": yaml, "registered_by": registered_by}


# -- roles at the moment of the write ---------------------------------------------------------------------------

def test_a_user_removed_or_demoted_after_the_page_was_drawn_is_refused_every_write(
        store: ProgressStore, access: Path) -> None:
    policy = load_access(access)
    admin, editor = policy.user(ADMIN, "Ana Lyst"), policy.user(EDITOR, "Chair")  # as the page was drawn
    store.record_review(TW, "3.4", "on_track", date(2024, 1, 15), "before", user=editor)
    bundle = store.export_bundle(TW, user=admin)
    base = store.current_sha(TW)
    yaml = store.version_text(TW)

    access.write_text(f'[roles]\nadmin = ["{ADMIN}"]\n', encoding="utf-8")  # the editor is removed
    before = store.counts()
    with pytest.raises(AccessDenied, match="has no role and may not record reviews"):
        store.record_review(TW, "3.4", "done", date(2024, 1, 16), "after removal", user=editor)
    with pytest.raises(AccessDenied, match="has no role"):
        store.save_draft(TW, yaml, user=editor)
    assert store.counts() == before and store.draft(TW, user=editor) is None

    access.write_text(f'[roles]\neditor = ["{ADMIN}"]\n', encoding="utf-8")  # the admin is demoted to editor
    for write in (lambda: store.register_plan(TW_FILE, user=admin, confirm=True),
                  lambda: store.save_plan(other_text(yaml, "Demoted"), user=admin, base_sha=base, check_data=False),
                  lambda: store.import_bundle(bundle, user=admin),
                  lambda: store.export_bundle(TW, user=admin)):
        with pytest.raises(AccessDenied, match="has the role 'editor'"):
            write()
    assert store.counts() == before and store.current_sha(TW) == base
    store.record_review(TW, "3.4", "done", date(2024, 1, 16), "as an editor now", user=admin)  # what they still may


# -- a history no import can forge ------------------------------------------------------------------------------

def test_an_imported_version_never_becomes_current_without_confirmation(store: ProgressStore, access: Path) -> None:
    admin = load_access(access).user(ADMIN, "Ana Lyst")
    bundle = store.export_bundle(TW, user=admin)
    forged_yaml = other_text(bundle["plan_versions"][0]["yaml"], "Forged plan")
    soon = datetime.now(UTC) + timedelta(minutes=5)  # inside the clock-skew allowance
    bundle["plan_versions"].append(version_entry(forged_yaml, soon, "The Director <director@council.gov.uk>"))
    before = store.counts()
    with pytest.raises(ImportNeedsConfirmation, match="differs from the current stored version.*Nothing was imported"):
        store.import_bundle(bundle, "forged.json", user=admin)
    assert store.counts() == before and store.plan(TW).title == "Health Inequalities Action Plan 2023-25"

    store.import_bundle(bundle, "forged.json", user=admin, confirm=True)  # confirmed: current, marked as a claim
    assert store.plan(TW).title == "Forged plan"
    versions = store.versions(TW)
    assert versions["saved_by"].iloc[-1].startswith("claimed: The Director <director@council.gov.uk> on ")
    assert "(imported by Ana Lyst <analyst@council.gov.uk>" in versions["saved_by"].iloc[-1]
    registrations = store.registrations(TW)
    imported = registrations.iloc[-1]
    assert pd.isna(imported["registered_by"]) and imported["imported_by"] == "Ana Lyst <analyst@council.gov.uk>"
    assert imported["registered_at"] < soon.replace(tzinfo=None)  # the database's time, not the file's

    # A real save a minute later becomes current (the forged date 'five minutes ahead' no longer wins).
    assert store.register_plan(TW_FILE, user=admin, confirm=True)
    assert store.plan(TW).title == "Health Inequalities Action Plan 2023-25"
    assert store.versions(TW)["saved_by"].iloc[-1] == "Ana Lyst <analyst@council.gov.uk>"


def test_a_version_dated_1999_is_not_version_1(store: ProgressStore, access: Path) -> None:
    admin = load_access(access).user(ADMIN, "Ana Lyst")
    bundle = store.export_bundle(TW, user=admin)
    old_yaml = other_text(bundle["plan_versions"][0]["yaml"], "An older plan")
    bundle["plan_versions"].insert(0, version_entry(old_yaml, datetime(1999, 1, 1, tzinfo=UTC), "Someone"))
    report = store.import_bundle(bundle, "old.json", user=admin)  # the file's last version is stored: no change
    assert report.plan_versions_added == 1
    versions = store.versions(TW)
    assert versions["version"].tolist() == [1, 2]
    assert versions["saved_by"].tolist()[0] == "Ana Lyst <analyst@council.gov.uk>"  # recorded first, version 1
    assert versions["saved_by"].tolist()[1].startswith("claimed: Someone on 1999-01-01")
    assert "kept as history, not made current" in versions["saved_by"].tolist()[1]
    assert versions["made_current"].tolist() == [True, False]
    assert store.plan(TW).title == "Health Inequalities Action Plan 2023-25"
    exported = store.export_bundle(TW, user=admin)  # the current version stays last in an export
    assert exported["plan_versions"][-1]["sha256"] == store.current_sha(TW)


def test_a_new_plan_imported_keeps_its_order_and_its_claims(store: ProgressStore, access: Path,
                                                           new_db: Callable[[], str]) -> None:
    admin = load_access(access).user(ADMIN, "Ana Lyst")
    first = store.current_sha(TW)
    edited = other_text(store.version_text(TW), "Second version")
    store.save_plan(edited, user=admin, base_sha=first, check_data=False)
    other = ProgressStore(new_db())
    report = other.import_bundle(store.export_bundle(TW, user=admin), "team.json", user=admin)
    assert report.plan_versions_added == 2 and other.plan(TW).title == "Second version"
    assert other.registrations(TW)["claimed_by"].tolist() == ["Ana Lyst <analyst@council.gov.uk>"] * 2


def test_a_review_cannot_be_corrected_twice_through_an_import(store: ProgressStore, access: Path) -> None:
    policy = load_access(access)
    admin, editor = policy.user(ADMIN, "Ana Lyst"), policy.user(EDITOR, "Chair")
    first = store.record_review(TW, "3.4", "on_track", date(2024, 1, 15), "first", user=editor)
    bundle = store.export_bundle(TW, user=admin)  # the review, not yet corrected
    store.record_review(TW, "3.4", "at_risk", corrects=first, reason="wrong status", user=editor)
    second = {**bundle["reviews"][0], "review_id": str(uuid.uuid4()), "status": "done", "note": "a second correction",
              "corrects": first, "correction_reason": "another story"}
    bundle["reviews"].append(second)
    before = store.counts()
    with pytest.raises(ImportRejected, match=f"corrects review {first}, which review .* already corrects"):
        store.import_bundle(bundle, "twice.json", user=admin)
    assert store.counts() == before


@pytest.mark.parametrize("when", ["1900-01-01", "1999-12-31"])
def test_an_import_applies_the_review_dates_plan_review_accepts(store: ProgressStore, access: Path,
                                                                 when: str) -> None:
    admin = load_access(access).user(ADMIN, "Ana Lyst")
    store.record_review(TW, "3.4", "on_track", date(2024, 1, 15), "real", user=admin)
    bundle = store.export_bundle(TW, user=admin)
    bundle["reviews"][0] = {**bundle["reviews"][0], "review_id": str(uuid.uuid4()), "review_date": when}
    with pytest.raises(ImportRejected, match=f"review_date {when} is before 2000"):
        store.import_bundle(bundle, "old.json", user=admin)


def test_cli_import_asks_for_confirm(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HIAP_ACCESS", raising=False)
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    store = ProgressStore(db)
    store.register_plan(TW_FILE)
    bundle = store.export_bundle(TW)
    bundle["plan_versions"].append(version_entry(other_text(bundle["plan_versions"][0]["yaml"], "Changed"),
                                                 datetime.now(UTC), None))
    path = tmp_path / "changed.json"
    import json

    path.write_text(json.dumps(bundle), encoding="utf-8")
    assert main(["plan", "import", str(path), "--db", db]) != 0
    assert "plan import --confirm" in capsys.readouterr().err
    assert main(["plan", "import", str(path), "--db", db, "--confirm"]) == 0
    assert store.plan(TW).title == "Changed"


# -- availability: an import is a few statements per thousand reviews; a waiting writer is told -----------------

def many_reviews(bundle: dict, n: int) -> dict:
    template = {**bundle["reviews"][0], "corrects": None, "correction_reason": None}
    return {**bundle, "reviews": [{**template, "review_id": str(uuid.uuid4()), "note": f"n{i}"} for i in range(n)]}


def test_an_import_of_many_reviews_takes_a_few_statements_per_thousand(store: ProgressStore, access: Path,
                                                                       new_db: Callable[[], str]) -> None:
    from sqlalchemy import event

    admin = load_access(access).user(ADMIN, "Ana Lyst")
    store.record_review(TW, "3.4", "on_track", date(2024, 1, 15), "real", user=admin)
    bundle = many_reviews(store.export_bundle(TW, user=admin), 5_000)
    other = ProgressStore(new_db())
    statements: list[str] = []
    event.listen(other.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    assert other.import_bundle(bundle, user=admin).reviews_added == 5_000
    assert len(statements) < 40, len(statements)  # was two per review (a lookup and an insert): 10,000
    statements.clear()
    assert other.import_bundle(bundle, user=admin).reviews_already_present == 5_000
    assert len(statements) < 40, len(statements)


@pytest.mark.integration
def test_a_writer_waiting_behind_a_long_import_is_told_not_kept_waiting(pg_url: str, postgres: object,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from sqlalchemy import create_engine, text

    from hiap_geo.core import limits
    from hiap_geo.plans.progress_tables import LOCK_KEY
    from hiap_geo.plans.schema import ProgressError

    monkeypatch.delenv("HIAP_ACCESS", raising=False)
    monkeypatch.setattr(limits, "MAX_WRITE_WAIT_S", 1.0)
    store = ProgressStore(pg_url)
    store.register_plan(TW_FILE)
    holder = create_engine(pg_url)
    try:
        with holder.begin() as conn:  # another writer (an import) holds the write lock
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            started = time.monotonic()
            with pytest.raises(ProgressError, match="busy with another change.*waited 1 s: nothing was recorded"):
                store.record_review(TW, "3.4", "done", date(2024, 1, 15), "waiting")
            assert time.monotonic() - started < 10
    finally:
        holder.dispose()
    assert store.record_review(TW, "3.4", "done", date(2024, 1, 15), "after the import")  # then it goes through


def test_a_plan_of_more_actions_than_the_limit_is_refused_naming_it() -> None:
    import copy

    import yaml

    from hiap_geo.core.limits import MAX_PLAN_ACTIONS
    from hiap_geo.plans.editor import text_problems
    from hiap_geo.plans.load import parse_plan
    from hiap_geo.plans.schema import PlanFileError

    data = yaml.safe_load(TW_FILE.read_text(encoding="utf-8"))
    data["actions"] = [copy.deepcopy({**data["actions"][0], "id": f"9.{i}"}) for i in range(MAX_PLAN_ACTIONS + 1)]
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    limit = f"the plan has {MAX_PLAN_ACTIONS + 1:,} actions; plans are limited to {MAX_PLAN_ACTIONS:,}"
    with pytest.raises(PlanFileError, match=limit):
        parse_plan(text, "huge draft")
    assert len(text_problems(text, "huge draft", data_checks=False)) == 1  # one problem, not one per action
