"""The progress store: append-only review history, lossless export/import, all-or-nothing imports.

Each test uses its own SQLite file in tmp_path. Plans are the shipped transcriptions (parsing only:
no official data is needed).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from hiap_geo.cli import main
from hiap_geo.plans.progress import DB_ENV, ProgressStore, database_url
from hiap_geo.plans.schema import PLANS_DIR, ImportRejected, ProgressError

TW_FILE = PLANS_DIR / "tunbridge-wells-2023-25.yaml"
TW = "tunbridge-wells-2023-25"


def _store(tmp_path: Path, name: str = "progress.sqlite") -> ProgressStore:
    return ProgressStore(f"sqlite:///{tmp_path / name}")


@pytest.fixture
def store(tmp_path: Path) -> ProgressStore:
    s = _store(tmp_path)
    assert s.register_plan(TW_FILE) is True
    return s


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


def test_history_cannot_be_rewritten_in_the_database(store: ProgressStore, tmp_path: Path) -> None:
    _reviews(store)
    with sqlite3.connect(tmp_path / "progress.sqlite") as raw:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw.execute("UPDATE reviews SET status = 'done'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw.execute("DELETE FROM reviews")
        with pytest.raises(sqlite3.IntegrityError):
            raw.execute(
                "INSERT INTO reviews (review_id, plan_id, action_id, status, review_date, note, recorded_at) "
                "VALUES ('x', ?, '1.1', 'finished', '2024-01-01', '', '2024-01-01 00:00:00')",
                (TW,),
            )
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


def test_unknown_plan_says_how_to_register(tmp_path: Path) -> None:
    with pytest.raises(ProgressError, match="plan register"):
        _store(tmp_path).record_review("no-such-plan", "1.1", "done")


def test_plan_versions_are_kept(store: ProgressStore, tmp_path: Path) -> None:
    assert store.register_plan(TW_FILE) is False  # same text: nothing new
    edited = tmp_path / "tw-edited.yaml"
    edited.write_text(
        TW_FILE.read_text(encoding="utf-8").replace(
            "title: Health Inequalities Action Plan 2023-25\n", "title: Edited\n", 1
        ),
        encoding="utf-8",
    )
    assert store.register_plan(edited) is True
    assert store.plan(TW).title == "Edited"
    assert store.counts()["plan_versions"] == 2
    assert len(store.export_bundle(TW)["plan_versions"]) == 2


def test_export_and_import_round_trip_without_loss(store: ProgressStore, tmp_path: Path) -> None:
    _reviews(store)
    exported = store.export_file(TW, tmp_path / "tw.json")
    original = json.loads(exported.read_text(encoding="utf-8"))
    assert original["plan_versions"][0]["yaml"] == TW_FILE.read_text(encoding="utf-8")

    other = _store(tmp_path, "other.sqlite")
    report = other.import_file(exported)
    assert (report.plan_versions_added, report.reviews_added, report.reviews_already_present) == (1, 4, 0)
    again = other.export_bundle(TW)
    assert _without_time_of_export(again) == _without_time_of_export(original)
    assert other.history(TW).equals(store.history(TW))
    # Importing the same file twice adds nothing.
    assert other.import_file(exported).reviews_added == 0
    assert other.counts() == store.counts()


def test_failed_import_changes_nothing(store: ProgressStore, tmp_path: Path) -> None:
    _reviews(store)
    bundle = store.export_bundle(TW)
    other = _store(tmp_path, "other.sqlite")
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
        other.import_bundle(hostile)
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
def test_invalid_bundles_are_rejected_before_writing(store: ProgressStore, tmp_path: Path, mutate, message) -> None:  # noqa: ANN001
    _reviews(store)
    bundle = store.export_bundle(TW)
    mutate(bundle)
    other = _store(tmp_path, "other.sqlite")
    with pytest.raises(ImportRejected, match=message):
        other.import_bundle(bundle)
    assert other.counts() == {"plans": 0, "plan_versions": 0, "reviews": 0}


def test_unreadable_import_files(tmp_path: Path) -> None:
    s = _store(tmp_path)
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


def test_cli_review_history_export_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
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
    other = f"sqlite:///{tmp_path / 'cli-other.sqlite'}"
    assert main(["plan", "import", str(export), "--db", other]) == 0
    assert "2 new review(s)" in capsys.readouterr().out
    assert main(["plan", "status", TW, "--db", other]) == 0
    assert "Done" in capsys.readouterr().out
