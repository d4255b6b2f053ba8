"""The progress store: append-only review history, lossless export/import, all-or-nothing imports.

Every test that takes ``new_db`` runs twice: on SQLite files in tmp_path, and on a real PostgreSQL server
(tests/postgres_support.py; those runs are ``integration``). Plans are the shipped transcriptions (parsing
only: no official data is needed). The team's concerns (roles, concurrency, dropped connections, plan
identity, hostile bundles) are in tests/test_team_store.py.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from hiap_geo.cli import main
from hiap_geo.plans.progress import DB_ENV, ProgressStore, database_url
from hiap_geo.plans.schema import PLANS_DIR, ImportRejected, ProgressError

TW_FILE = PLANS_DIR / "tunbridge-wells-2023-25.yaml"
TW = "tunbridge-wells-2023-25"


ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)]


@pytest.fixture(params=ENGINES)
def new_db(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    """Makes fresh, empty databases on one engine: SQLite files, or databases on the session's PostgreSQL."""
    if request.param == "sqlite":
        numbers = itertools.count()
        return lambda: f"sqlite:///{tmp_path / f'progress-{next(numbers)}.sqlite'}"
    return request.getfixturevalue("postgres").new_database


@pytest.fixture
def store(new_db: Callable[[], str]) -> ProgressStore:
    s = ProgressStore(new_db())
    assert s.register_plan(TW_FILE) is True
    return s


def raw(url: str, sql: str) -> None:
    """Run SQL through a plain engine, as another tool than HIAP Geo would."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def _reviews(s: ProgressStore) -> None:
    s.record_review(TW, "3.4", "not_started", date(2024, 1, 15), "Agreed at the January HAT", "HAT chair")
    s.record_review(TW, "1.1", "on_track", date(2024, 1, 15), "")
    s.record_review(TW, "3.4", "on_track", date(2024, 4, 16), "Clinics booked in <b>Sherwood</b> & Rusthall")
    s.record_review(TW, "3.4", "at_risk", date(2024, 7, 9), "Funding 'not confirmed'", None)


def _without_time_of_export(bundle: dict) -> dict:
    return {k: v for k, v in bundle.items() if k != "exported_at"}


def test_each_review_is_a_new_record(store: ProgressStore) -> None:
    _reviews(store)
    history = store.history(TW, "3.4")
    assert history["status"].tolist() == ["not_started", "on_track", "at_risk"]
    assert history["status_label"].tolist() == ["Not started", "On track", "At risk"]
    assert history["note"].iloc[1] == "Clinics booked in <b>Sherwood</b> & Rusthall"  # text as given
    assert history["review_id"].is_unique
    assert store.counts()["reviews"] == 4


def test_latest_status_follows_the_review_date_not_the_typing_order(store: ProgressStore) -> None:
    store.record_review(TW, "2.1", "done", date(2024, 6, 1), "finished")
    store.record_review(TW, "2.1", "on_track", date(2024, 3, 1), "entered late, for the March meeting")
    latest = store.latest_status(TW).set_index("action_id")
    assert latest.loc["2.1", "status"] == "done" and latest.loc["2.1", "reviews"] == 2
    assert latest.loc["1.2", "status_label"] == "No status" and latest.loc["1.2", "reviews"] == 0
    assert len(latest) == 37


def test_the_plan_page_and_the_cli_give_the_same_status_in_the_same_words(store: ProgressStore) -> None:
    from hiap_geo.views import plan_reviews as pm

    _reviews(store)
    cli = store.latest_status(TW).set_index("action_id")
    page = pm.current_status(store.plan(TW), store.history(TW)).set_index("action_id")
    assert page.index.equals(cli.index)
    assert page["status"].fillna("-").equals(cli["status"].fillna("-"))
    assert all(text.endswith(" " + label) for text, label in zip(page["status_text"], cli["status_label"], strict=True))
    assert (cli.at["1.2", "status_label"], page.at["1.2", "status_text"]) == ("No status", "— No status")
    assert (cli.at["3.4", "status_label"], page.at["3.4", "status_text"]) == ("At risk", "🟠 At risk")
    unreviewed = pm.current_status(store.plan(TW), pm.empty_history())
    assert (unreviewed["reviews"] == 0).all() and len(unreviewed) == 37


def test_history_cannot_be_rewritten_in_the_database(store: ProgressStore) -> None:
    _reviews(store)
    for sql in ("UPDATE reviews SET status = 'done'", "DELETE FROM reviews", "UPDATE plan_versions SET yaml_text = ''",
                "DELETE FROM plan_registrations"):
        with pytest.raises(DBAPIError, match="append-only"):
            raw(store.url, sql)
    if store.dialect == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"):
            raw(store.url, "TRUNCATE reviews")
    with pytest.raises(DBAPIError):
        raw(store.url, "INSERT INTO reviews (review_id, plan_id, action_id, status, review_date, note, recorded_at) "
                       f"VALUES ('x', '{TW}', '1.1', 'finished', '2024-01-01', '', '2024-01-01 00:00:00')")
    assert store.history(TW)["status"].tolist() == ["not_started", "on_track", "on_track", "at_risk"]


@pytest.mark.parametrize(
    ("action", "status", "when", "message"),
    [
        ("3.4", "finished", None, "Unknown status 'finished'"),
        ("9.9", "done", None, "has no action '9.9'"),
        ("3.4", "done", date.today() + timedelta(days=2), "in the future"),
    ],
)
def test_bad_reviews_are_refused_and_change_nothing(
    store: ProgressStore, action: str, status: str, when: date | None, message: str
) -> None:
    _reviews(store)
    before = store.counts()
    with pytest.raises(ProgressError, match=message):
        store.record_review(TW, action, status, when)
    assert store.counts() == before


def test_unknown_plan_says_how_to_register(new_db: Callable[[], str]) -> None:
    with pytest.raises(ProgressError, match="plan register"):
        ProgressStore(new_db()).record_review("no-such-plan", "1.1", "done")


def test_plan_versions_are_kept(store: ProgressStore, tmp_path: Path) -> None:
    assert store.register_plan(TW_FILE) is False  # same text: nothing new
    edited = tmp_path / "tw-edited.yaml"
    edited.write_text(
        TW_FILE.read_text(encoding="utf-8").replace(
            "title: Health Inequalities Action Plan 2023-25\n", "title: Edited\n", 1
        ),
        encoding="utf-8",
    )
    assert store.register_plan(edited, confirm=True) is True  # another text of a stored plan: confirmed
    assert store.plan(TW).title == "Edited"
    assert store.counts()["plan_versions"] == 2
    assert len(store.export_bundle(TW)["plan_versions"]) == 2


def test_export_and_import_round_trip_without_loss(store: ProgressStore, tmp_path: Path,
                                                  new_db: Callable[[], str]) -> None:
    _reviews(store)
    exported = store.export_file(TW, tmp_path / "tw.json")
    original = json.loads(exported.read_text(encoding="utf-8"))
    assert original["plan_versions"][0]["yaml"] == TW_FILE.read_text(encoding="utf-8")

    other = ProgressStore(new_db())
    report = other.import_file(exported)
    assert (report.plan_versions_added, report.reviews_added, report.reviews_already_present) == (1, 4, 0)
    again = other.export_bundle(TW)
    imported_by = {r["imported_by"] for r in again["reviews"]}
    assert imported_by == {"local user"}  # each review says who imported it; nothing else changed
    for review in again["reviews"]:
        review["imported_by"] = None
    assert _without_time_of_export(again) == _without_time_of_export(original)
    mine, theirs = store.history(TW), other.history(TW)
    assert theirs.drop(columns="imported_by").equals(mine.drop(columns="imported_by"))
    # Importing the same file twice adds nothing.
    assert other.import_file(exported).reviews_added == 0
    assert other.counts() == store.counts()


def test_failed_import_changes_nothing(store: ProgressStore, new_db: Callable[[], str]) -> None:
    _reviews(store)
    bundle = store.export_bundle(TW)
    other = ProgressStore(new_db())
    other.import_bundle(bundle)
    other.record_review(TW, "5.6", "on_track", date(2024, 2, 1), "only in the other database")
    before_counts, before_history = other.counts(), other.history(TW)

    # A bundle that would add a new plan version and a new review, then hits a review whose id is already
    # stored with different content: the first writes happen inside the transaction and must be undone.
    changed_yaml = bundle["plan_versions"][0]["yaml"].replace("Health Inequalities Action Plan 2023-25", "Changed", 1)
    new_version = {
        **bundle["plan_versions"][0],
        "yaml": changed_yaml,
        "sha256": hashlib.sha256(changed_yaml.encode("utf-8")).hexdigest(),
    }
    new_review = {**bundle["reviews"][0], "review_id": "00000000-0000-4000-8000-000000000001", "note": "new"}
    conflicting = {**bundle["reviews"][1], "note": "rewritten history"}
    hostile = {**bundle, "plan_versions": [*bundle["plan_versions"], new_version], "reviews": [new_review, conflicting]}
    with pytest.raises(ImportRejected, match="already stored with different content"):
        other.import_bundle(hostile, confirm=True)
    assert other.counts() == before_counts
    assert other.history(TW).equals(before_history)
    assert other.plan(TW).title == "Health Inequalities Action Plan 2023-25"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b["plan_versions"][0].update(yaml=b["plan_versions"][0]["yaml"] + "# edited\n"), "sha256"),
        (lambda b: b["reviews"][0].update(action_id="9.9"), "action '9.9' is in no version"),
        (lambda b: b["reviews"][0].update(status="finished"), "reviews.0.status"),
        (lambda b: b.update(colour="red"), "colour"),
        (lambda b: b["reviews"].append(dict(b["reviews"][0])), "appears twice"),
    ],
)
def test_invalid_bundles_are_rejected_before_writing(store: ProgressStore, new_db: Callable[[], str], mutate,  # noqa: ANN001
                                                     message) -> None:  # noqa: ANN001
    _reviews(store)
    bundle = store.export_bundle(TW)
    mutate(bundle)
    other = ProgressStore(new_db())
    with pytest.raises(ImportRejected, match=message):
        other.import_bundle(bundle)
    assert other.counts() == {"plans": 0, "plan_versions": 0, "reviews": 0}


def test_unreadable_import_files(tmp_path: Path, new_db: Callable[[], str]) -> None:
    s = ProgressStore(new_db())
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "hiap-geo-plan-export",\n "version": 1,,}', encoding="utf-8")
    with pytest.raises(ImportRejected, match="line 2"):
        s.import_file(broken)
    other = tmp_path / "other.json"
    other.write_text('{"datasets": []}', encoding="utf-8")
    with pytest.raises(ImportRejected, match="not a HIAP Geo plan export"):
        s.import_file(other)
    assert s.counts() == {"plans": 0, "plan_versions": 0, "reviews": 0}


def test_database_url_is_configurable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'from-env.sqlite'}"
    monkeypatch.setenv(DB_ENV, url)
    assert database_url() == url
    assert ProgressStore().url == url
    monkeypatch.delenv(DB_ENV)
    assert database_url().startswith("sqlite:///") and database_url().endswith("progress.sqlite")
    with pytest.raises(ProgressError, match="Cannot use the progress database URL"):
        ProgressStore("nonsense://")


def test_cli_review_history_export_import(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          new_db: Callable[[], str]) -> None:
    db = new_db()
    assert main(["plan", "register", str(TW_FILE), "--db", db]) == 0
    assert (
        main(["plan", "review", TW, "3.4", "on_track", "--note", "clinics booked", "--date", "2024-04-16", "--db", db])
        == 0
    )
    assert main(["plan", "review", TW, "3.4", "done", "--date", "2024-09-01", "--db", db]) == 0
    assert main(["plan", "review", TW, "9.9", "done", "--db", db]) == 2
    capsys.readouterr()
    assert main(["plan", "history", TW, "--db", db]) == 0
    out = capsys.readouterr().out
    assert out.index("On track") < out.index("Done") and "clinics booked" in out
    export = tmp_path / "tw.json"
    assert main(["plan", "export", TW, "-o", str(export), "--db", db]) == 0
    other = new_db()
    assert main(["plan", "import", str(export), "--db", other]) == 0
    assert "2 new review(s)" in capsys.readouterr().out
    assert main(["plan", "status", TW, "--db", other]) == 0
    assert "Done" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# Corrections (issue 13): a new review names the one it corrects and why; both stay in the history
# ---------------------------------------------------------------------------------------------


def test_a_correction_keeps_both_reviews_and_the_status_uses_it(store: ProgressStore, tmp_path: Path,
                                                                 new_db: Callable[[], str],
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    wrong = store.record_review(TW, "3.4", "done", date(2024, 1, 15), "clicked Done by mistake", "HAT chair")
    store.record_review(TW, "1.1", "on_track", date(2024, 1, 15))
    assert store.latest_status(TW).set_index("action_id").at["3.4", "status"] == "done"
    fix = store.record_review(TW, "3.4", "at_risk", note="Venue lost", corrects=wrong,
                              reason="The meeting said at risk, not done")
    history = store.history(TW, "3.4").set_index("review_id")
    assert history.index.tolist() == [wrong, fix]  # append-only: the wrong review is still there
    assert history.at[wrong, "corrected_by"] == fix and history.at[wrong, "note"] == "clicked Done by mistake"
    assert history.at[fix, "corrects"] == wrong and pd_isna(history.at[fix, "corrected_by"])
    assert history.at[fix, "correction_reason"] == "The meeting said at risk, not done"
    assert history.at[fix, "review_date"] == date(2024, 1, 15)  # a correction takes the corrected review's date
    status = store.latest_status(TW).set_index("action_id")
    assert status.at["3.4", "status"] == "at_risk" and status.at["3.4", "reviews"] == 1
    assert store.counts()["reviews"] == 3

    for kwargs, message in [
        ({"corrects": wrong, "reason": "again"}, f"already corrected by review {fix}"),
        ({"corrects": fix, "reason": " "}, "needs a reason"),
        ({"corrects": "00000000-0000-4000-8000-000000000009", "reason": "x"}, "has no review"),
        ({"corrects": "not-a-uuid", "reason": "x"}, "not a review id"),
        ({"reason": "a reason alone"}, "only with the review it corrects"),
    ]:
        with pytest.raises(ProgressError, match=message):
            store.record_review(TW, "3.4", "done", date(2024, 2, 1), **kwargs)
    assert store.counts()["reviews"] == 3
    again = store.record_review(TW, "3.4", "on_track", date(2024, 1, 15), corrects=fix, reason="Venue found")
    assert store.latest_status(TW).set_index("action_id").at["3.4", "status"] == "on_track"
    assert store.history(TW).set_index("review_id").at[fix, "corrected_by"] == again

    # the export file carries corrections, and another database reads the same status from it
    other = ProgressStore(new_db())
    other.import_file(store.export_file(TW, tmp_path / "tw.json"))
    assert other.history(TW).drop(columns="imported_by").equals(store.history(TW).drop(columns="imported_by"))
    assert other.latest_status(TW).equals(store.latest_status(TW))

    # the CLI: plan review ... --corrects REVIEW_ID --reason TEXT; plan history shows both
    assert main(["plan", "review", TW, "1.1", "done", "--corrects", again, "--db", store.url]) == 2
    assert "needs a reason" in capsys.readouterr().err
    assert main(["plan", "review", TW, "1.1", "done", "--corrects", again, "--reason", "wrong action",
                 "--db", store.url]) == 0
    assert f"correcting review {again}" in capsys.readouterr().out
    assert main(["plan", "history", TW, "--db", store.url]) == 0
    out = capsys.readouterr().out
    assert "corrected by the review of 15 January 2024" in out and "wrong action" in out
    assert f"corrected by {fix}" not in out and "nan" not in out.split() and "None" not in out.split()
    status = store.latest_status(TW).set_index("action_id")  # every review of 3.4 is corrected now: it has none
    assert status.at["3.4", "reviews"] == 0 and status.at["3.4", "status_label"] == "No status"
    assert status.at["1.1", "status"] == "done" and status.at["1.1", "reviews"] == 2


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b["reviews"][1].update(corrects="00000000-0000-4000-8000-000000000009"), "not in the file"),
        (lambda b: b["reviews"][1].update(correction_reason=None), "without a reason"),
        (lambda b: b["reviews"][0].update(correction_reason="why"), "without the review it corrects"),
        (lambda b: b["reviews"].append({**b["reviews"][1], "review_id": "00000000-0000-4000-8000-000000000008"}),
         "corrected more than once"),
    ],
)
def test_bundles_with_broken_corrections_are_rejected(store: ProgressStore, new_db: Callable[[], str], mutate,  # noqa: ANN001
                                                      message) -> None:  # noqa: ANN001
    first = store.record_review(TW, "3.4", "done", date(2024, 1, 15))
    store.record_review(TW, "3.4", "at_risk", corrects=first, reason="wrong status")
    bundle = store.export_bundle(TW)
    assert bundle["version"] == 3
    mutate(bundle)
    other = ProgressStore(new_db())
    with pytest.raises(ImportRejected, match=message):
        other.import_bundle(bundle)
    assert other.counts() == {"plans": 0, "plan_versions": 0, "reviews": 0}


def pd_isna(value: object) -> bool:
    return value is None or value != value  # None, or NaN
