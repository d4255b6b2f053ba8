"""No machine text where a person reads (issue 23): no "nan" or "None", no review ids (uuid-like hex), no
database address on the Plan page, in its CSVs, in the review question and message, or in `plan history`'s
words about corrections."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from hiap_geo.cli import main
from hiap_geo.core.cells import csv_bytes
from hiap_geo.core.text import counted
from hiap_geo.plans.load import read_plan
from hiap_geo.plans.progress import ProgressStore
from hiap_geo.plans.schema import PLANS_DIR
from hiap_geo.views import plan as pm
from hiap_geo.views import plan_reviews as rv
from tests.test_plan_page import frames, plan_page, record_and_confirm, texts

TW_PLAN = PLANS_DIR / "tunbridge-wells-2023-25.yaml"
TW = "tunbridge-wells-2023-25"
MACHINE = re.compile(r"\b(?:nan|NaN|None|NaT)\b|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-|\b[0-9a-fA-F]{16,}\b|sqlite:|postgresql")


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'progress.sqlite'}"
    monkeypatch.setenv("HIAP_PROGRESS_DB", url)
    return url


def machine_text(text: str, *addresses: str) -> list[str]:
    """Every piece of machine text in ``text``: nan/None, id-like hex, a database URL or the given addresses."""
    found = [m.group(0) for m in MACHINE.finditer(text)]
    return found + [a for a in addresses if a and a in text]


def test_the_detector_finds_what_a_reader_must_never_see() -> None:
    assert machine_text("corrected by nan") == ["nan"]
    assert machine_text("corrects review ec17e3a2-1b2c-4d5e-8f90-0123456789ab") == ["ec17e3a2-1b2c-"]
    assert machine_text("kept in sqlite:///tmp/x.sqlite") == ["sqlite:"]
    assert machine_text("the review of 3 March 2024 by Sam (On track, action 3.4); 1 LSOA; Nancy; none") == []
    assert counted(1, "LSOA") == "1 LSOA" and counted(2, "LSOA") == "2 LSOAs" and counted(0, "ward") == "0 wards"


def corrected_history(tmp_path: Path) -> tuple[ProgressStore, pd.DataFrame]:
    loaded = read_plan(TW_PLAN)
    store = ProgressStore(f"sqlite:///{tmp_path / 'p.sqlite'}")
    wrong = rv.record_review(store, loaded, "3.4", "done", date(2024, 3, 3), "Done, by mistake", "Sam Jones")
    rv.record_review(store, loaded, "3.4", "at_risk", date(2024, 3, 3), "", None, corrects=wrong,
                     reason="The meeting said at risk")
    rv.record_review(store, loaded, "1.1", "on_track", date(2024, 4, 16))
    return store, store.history(TW)


def test_corrections_name_the_review_by_date_and_reviewer_never_nan_or_id(tmp_path: Path) -> None:
    store, history = corrected_history(tmp_path)
    plan = read_plan(TW_PLAN).plan
    exported = rv.history_export(history, plan)
    assert exported.at[0, "corrected"].startswith("corrected by the review of 3 March 2024")
    assert exported.at[1, "corrects"] == "corrects the review of 3 March 2024 by Sam Jones (Done, action 3.4)"
    assert exported.at[2, "corrected"] is None and exported.at[2, "corrects"] is None
    assert "review id" not in exported.columns
    assert machine_text(csv_bytes(exported).decode("utf-8"), store.url) == []
    # a history read back from a CSV or an older export holds NaN, not None: still never "corrected by nan"
    legacy = history.assign(corrected_by=[history.at[1, "review_id"], float("nan"), float("nan")],
                            corrects=[float("nan"), history.at[0, "review_id"], float("nan")],
                            reviewer=["Sam Jones", float("nan"), float("nan")])
    assert machine_text(csv_bytes(rv.history_export(legacy, plan)).decode("utf-8")) == []
    labels = rv.correctable_reviews(history)
    assert all(machine_text(label) == [] for label in labels.values())
    words = rv.review_names(history)[history.at[0, "review_id"]]
    for said in (rv.review_question("3.4", "at_risk", date(2024, 3, 3), words, "wrong"),
                 rv.review_message("3.4", "at_risk", date(2024, 3, 3), words)):
        assert "the review of 3 March 2024 by Sam Jones" in said and machine_text(said) == []
    assert rv.without_address(f"The progress database {store.describe()} failed (reading): locked.",
                              store.describe()) == "The progress database failed (reading): locked."


def test_plan_history_says_who_corrected_what_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store, history = corrected_history(tmp_path)
    assert main(["plan", "history", TW, "--db", store.url]) == 0
    out = capsys.readouterr().out
    assert "corrected by the review of 3 March 2024" in out and "corrects the review of 3 March 2024 by Sam" in out
    words = [w for line in out.splitlines() for w in line.split()]
    assert "nan" not in words and "None" not in words and "NaT" not in words
    for review_id in history["review_id"]:  # ids stay in their own column (for --corrects), once per review
        assert out.count(review_id) == 1


def test_a_stored_plan_is_listed_by_its_place_and_title(tmp_path: Path) -> None:
    loaded = read_plan(TW_PLAN)
    plan = loaded.plan.model_copy(update={"id": "tw-imported", "title": "An imported plan"})
    choices = pm.plan_choices(["tw-imported"], {"tw-imported": plan})
    label = next(c.label for c in choices if c.plan_id == "tw-imported")
    assert label == "Tunbridge Wells: An imported plan (saved in the progress database)"


def test_the_plan_page_shows_no_machine_text_after_a_correction(kent: str, db: str) -> None:
    at = plan_page(plan_tab="Progress (HAT)", plan_highlight="action:3.4")
    assert "No review to correct yet" in texts(at)  # not an empty picker saying "Choose an option"
    at.radio(key="plan_review_status").set_value("done")
    at.text_input(key="plan_review_reviewer").input("Sam Jones")
    record_and_confirm(at)
    wrong = ProgressStore(db).history(TW)["review_id"].iloc[0]
    at.selectbox(key="plan_review_corrects").set_value(wrong).run()
    at.radio(key="plan_review_status").set_value("at_risk")
    at.text_input(key="plan_review_reason").input("The meeting said at risk")
    record_and_confirm(at)
    shown = texts(at)
    assert "It corrects the review of" in shown and "by Sam Jones" in shown
    option_labels = [o for k in ("plan_review_corrects", "plan_choice") for o in at.selectbox(key=k).options]
    table_text = "\n".join(f.astype(str).where(f.notna(), "").to_csv(index=False) for f in frames(at))
    assert machine_text("\n".join([shown, *option_labels, table_text]), db, db.removeprefix("sqlite:///")) == []
