"""The Plan page's Progress (HAT) tab: record a review, confirm it in a dialog (the question and its button in
view wherever the form was), correct an earlier one, and the status, history, meeting pack, export and import.

Laid out for a chair on a 1366x768 projector: the review form in two columns right under the tab, so its button
is in view when the tab opens; the tables follow. What is shown is computed by ``hiap_geo.views.plan_reviews``.
"""

from __future__ import annotations

import uuid
from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from app.access import current_user
from app.plan_pack import pack_section
from app.plan_widgets import bullet_list, csv_button, show_table
from app.widget_state import held_index
from hiap_geo.views import plan_reviews as reviews
from hiap_geo.views.plan_page import (
    STATUSES,
    HiapGeoError,
    ImportRejected,
    LoadedPlan,
    ProgressStore,
    User,
    escape_markdown,
)

KEPT_REVIEW = "plan_review_kept"
"""Session key of a review that could not be recorded (its note and choices), shown and offered again."""
MESSAGE = "plan_progress_message"


def ask_to_record(names: dict[str, str]) -> None:
    """The form's callback: nothing is recorded yet; a dialog asks "Record <status> for action X at <date>?"
    with Confirm and Cancel. The values are kept as they were submitted."""
    user = current_user()  # now, not as the page was drawn: a callback runs before the gate
    state = st.session_state
    corrects = state.get("plan_review_corrects")
    reason = (state.get("plan_review_reason") or "").strip() if corrects else ""
    if corrects and not reason:
        state.pop("plan_review_pending", None)
        state[MESSAGE] = ("error", "A correction needs a reason: say what was wrong with the review it corrects. "
                                   "Nothing was recorded.")
        return
    typed = None if user.signed_in else (state.get("plan_review_reviewer") or "").strip() or None
    state["plan_review_pending"] = {
        "action": state["plan_review_action"], "status": state["plan_review_status"],
        "date": state["plan_review_date"], "note": state.get("plan_review_note") or "", "reviewer": typed,
        "corrects": corrects, "reason": reason or None, "corrected": names.get(corrects) if corrects else None}


def cancel_record() -> None:
    st.session_state.pop("plan_review_pending", None)
    st.session_state[MESSAGE] = ("info", "Nothing was recorded.")


def record(store: ProgressStore, loaded: LoadedPlan) -> None:
    """Confirm callback: runs before the page, so the tables below already show the new review.

    The review's id is made when the form is shown and kept until the save succeeds, so pressing the button
    again after a dropped connection records the review once."""
    user = current_user()
    state = st.session_state
    pending = state.pop("plan_review_pending", None)
    if pending is None:
        return
    try:
        reviews.record_review(store, loaded, pending["action"], pending["status"], pending["date"],
                              pending["note"], pending["reviewer"], user=user,
                              review_id=state.setdefault("plan_review_uuid", str(uuid.uuid4())),
                              corrects=pending["corrects"], reason=pending["reason"])
    except (HiapGeoError, ValueError) as exc:
        state[MESSAGE] = ("error", "The review was not recorded: "
                                   + escape_markdown(reviews.without_address(exc, store.describe())))
        state[KEPT_REVIEW] = pending  # kept until it is recorded: the form may not be drawn while the database is down
        return
    state.pop(KEPT_REVIEW, None)
    state["plan_review_uuid"] = str(uuid.uuid4())
    state[MESSAGE] = ("success", reviews.review_message(pending["action"], pending["status"], pending["date"],
                                                        pending.get("corrected")))
    state["plan_review_note"] = ""
    state["plan_review_corrects"] = None
    state["plan_review_reason"] = ""


@st.dialog("Record this review?")
def confirm_review(store: ProgressStore, loaded: LoadedPlan) -> None:
    """The question and its Confirm / Cancel in a dialog: in view wherever the form's button was (1366x768)."""
    pending = st.session_state.get("plan_review_pending")
    if pending is None:  # Confirm or Cancel ran (a callback): the whole page shows what happened
        st.rerun()
    st.warning(reviews.review_question(pending["action"], pending["status"], pending["date"],
                                       pending.get("corrected"), pending["reason"] or ""))
    yes, no = st.columns(2)
    yes.button("Confirm", key="plan_review_confirm", type="primary", width="stretch", on_click=record,
               args=(store, loaded))
    no.button("Cancel", key="plan_review_cancel", width="stretch", on_click=cancel_record)


def start_correction(history: pd.DataFrame, action_ids: list[str]) -> None:
    """A review to correct was chosen: the form starts from its action, status and date."""
    state = st.session_state
    state.pop("plan_review_pending", None)
    wanted = history[history["review_id"] == state.get("plan_review_corrects")]
    if wanted.empty:
        return
    row = wanted.iloc[0]
    if row["action_id"] in action_ids:
        state["plan_review_action"] = row["action_id"]
    state["plan_review_status"] = row["status"]
    state["plan_review_date"] = row["review_date"]


def confirm_version(store: ProgressStore, loaded: LoadedPlan) -> None:
    """Confirm callback: make the file shown the plan's current version (an admin, after reading the changes)."""
    state = st.session_state
    try:
        store.register_plan(loaded, user=current_user(), confirm=True)
    except HiapGeoError as exc:
        state[MESSAGE] = ("error", f"The plan was not stored: {escape_markdown(exc)}")
        return
    state[MESSAGE] = ("success", f"{escape_markdown(loaded.source)} is now the current version of "
                                 f"'{escape_markdown(loaded.plan.title)}'.")


def import_history(store: ProgressStore, current_id: str) -> None:
    """Import callback: all or nothing (the store checks everything before writing)."""
    state = st.session_state
    upload = state.get("plan_import_file")
    if upload is None:
        state[MESSAGE] = ("error", "Choose an export file (JSON) to import first.")
        return
    try:
        report = store.import_bundle(upload.getvalue(), upload.name, user=current_user(),
                                     confirm=bool(state.get("plan_import_confirm")))
    except ImportRejected as exc:
        state[MESSAGE] = ("error", f"Nothing was imported from {escape_markdown(upload.name)}; the database is "
                                   "unchanged:\n\n" + bullet_list(exc.problems))
        return
    except HiapGeoError as exc:
        state[MESSAGE] = ("error", f"Nothing was imported: {escape_markdown(exc)}")
        return
    state[MESSAGE] = ("success", reviews.import_message(report, current_id, store))


def show_message() -> None:
    message = st.session_state.pop(MESSAGE, None)
    if message:
        {"success": st.success, "info": st.info}.get(message[0], st.error)(message[1])
        if message[0] != "error":  # also where the chair is looking, whatever the page's scroll
            st.toast(message[1], icon="✅" if message[0] == "success" else "ℹ️")


def offer_kept_review(titles: dict[str, str]) -> None:
    """A review that could not be recorded: in the form again, once."""
    state = st.session_state
    kept = state.get(KEPT_REVIEW)
    if kept and not kept.get("offered"):
        # Set, not only kept: a widget drawn again after a run without it shows what the page sets.
        state["plan_review_note"] = state.get("plan_review_note") or kept["note"]
        if kept["action"] in titles:
            state["plan_review_action"] = kept["action"]
        state["plan_review_status"] = kept["status"]
        state[KEPT_REVIEW] = {**kept, "offered": True}
        st.info("A review that could not be recorded is in the form again: check it and record it.")


def review_form(store: ProgressStore, loaded: LoadedPlan, history: pd.DataFrame, user: User) -> None:
    """Correct-or-new, then the form in two columns (what and when | the note and the button)."""
    titles = {a.id: a.title for a in loaded.plan.actions}
    state = st.session_state
    correctable = reviews.correctable_reviews(history)
    if state.get("plan_review_corrects") not in (None, *correctable):
        state["plan_review_corrects"] = None
    if not correctable:
        st.caption(reviews.NOTHING_TO_CORRECT)
    else:
        st.selectbox("Correct an earlier review", [None, *correctable], key="plan_review_corrects",
                     placeholder="No: record a new review",
                     format_func=lambda r: "No: record a new review" if r is None else correctable[r],
                     on_change=start_correction, args=(history, list(titles)),
                     help="A wrong review is never changed or deleted: a correction is a new review that names it "
                          "and says why. Both stay in the history; the status uses the correction.")
    correcting = state.get("plan_review_corrects")
    state.setdefault("plan_review_date", date.today())
    offer_kept_review(titles)
    with st.form("plan_review_form"):
        what, words = st.columns([3, 2])
        what.markdown("**Record a correction**" if correcting else "**Record a review**")
        if correcting:
            what.caption(f"Corrects: {escape_markdown(correctable[correcting])}")
        what.selectbox("Action", list(titles), index=held_index(list(titles), "plan_review_action"),
                       key="plan_review_action", format_func=lambda a: f"{a}: {titles[a]}")
        what.radio("Status", list(STATUSES), format_func=reviews.status_text, horizontal=True,
                   key="plan_review_status")
        what.date_input("Review date", max_value=date.today(), key="plan_review_date", format="DD/MM/YYYY")
        words.text_area("Note", key="plan_review_note", height=90,
                        placeholder="What the meeting said, e.g. 'Clinics booked'")
        if correcting:
            words.text_input("Reason for the correction", key="plan_review_reason",
                             placeholder="e.g. 'Recorded against the wrong action'")
        if user.signed_in:
            words.caption(f"Recorded as {escape_markdown(user.label)}")
        else:
            words.text_input("Reviewer (optional)", key="plan_review_reviewer")
        words.form_submit_button("Record correction" if correcting else "Record review", on_click=ask_to_record,
                                 args=(reviews.review_names(history),), type="primary")
    if state.get("plan_review_pending") is not None:
        confirm_review(store, loaded)


def version_notice(store: ProgressStore, loaded: LoadedPlan, change: reviews.PlanChange, user: User) -> None:
    """A file with a stored plan's id but other text is never made current silently; a new plan needs an admin."""
    if change.kind == "changed":
        st.warning(escape_markdown(change.summary()))
        if user.may("register_plan"):
            st.button("Make this file the current version of the plan", key="plan_confirm_version",
                      on_click=confirm_version, args=(store, loaded))
            st.caption("Reviews are recorded against the current version; reviews of actions this file drops stay "
                       "in the history, marked as belonging to an earlier version.")
        else:
            st.info("Reviews are recorded against the plan's current stored version: choose it in the plan list. "
                    "Only an admin can make this file the current version.")
    elif change.kind == "new" and user.may("review") and not user.may("register_plan"):
        st.info("This plan is not in the progress database yet: an admin registers it before reviews are recorded.")


def progress_panel(store: ProgressStore, loaded: LoadedPlan, history: pd.DataFrame, shown: pd.DataFrame) -> None:
    """The whole Progress (HAT) tab for a database that opened."""
    plan = loaded.plan
    show_message()
    titles = {a.id: a.title for a in plan.actions}
    user = current_user()
    try:
        change = store.plan_change(loaded)
    except HiapGeoError as exc:
        st.error("The progress database cannot be read: "
                 + escape_markdown(reviews.without_address(exc, store.describe())))
        return
    version_notice(store, loaded, change, user)
    if st.session_state.get("plan_review_action") not in titles:
        st.session_state["plan_review_action"] = reviews.default_review_action(
            plan, st.session_state.get("plan_highlight"))
    if reviews.review_offered(change, user):
        review_form(store, loaded, history, user)
    st.caption("Reviews are kept in the progress database. Each review is a new record; earlier ones are never "
               "changed.")
    st.subheader("Status of each action")
    status_table = reviews.status_export(shown)
    show_table(status_table, column_config={"last note": st.column_config.TextColumn(width="medium"),
                                            "title": st.column_config.TextColumn(width="large")})
    csv_button("Download status (CSV)", status_table, f"{plan.id}-status.csv", "plan_csv_status")
    earlier = reviews.earlier_actions(store, plan, history)
    if len(earlier):
        st.markdown(f"**Reviewed actions of an earlier version of the plan** ({len(earlier)}): the current version "
                    "no longer has them; their reviews are kept.")
        show_table(earlier)
    st.subheader("Review history")
    which = st.selectbox("History of", [None, *titles], key="plan_history_action",
                         format_func=lambda a: "All actions" if a is None else f"{a}: {titles[a]}")
    past = reviews.history_export(history, plan, which)
    if past.empty:
        st.caption("No reviews recorded yet.")
    show_table(past, column_config={"note": st.column_config.TextColumn(width="large")})
    csv_button("Download history (CSV)", past, f"{plan.id}-history.csv", "plan_csv_history")
    pack_section(plan, history)  # app/plan_pack.py: progress against baseline and the meeting pack
    if user.may("export"):  # export and import are an admin's: not offered to others
        export_import(store, loaded, change.kind != "changed", user)


def export_import(store: ProgressStore, loaded: LoadedPlan, exportable: bool, user: User) -> None:
    plan = loaded.plan
    st.subheader("Export and import")
    left, right = st.columns(2)
    if exportable:
        left.download_button("Download the plan with its history (JSON)",
                             partial(reviews.export_bytes, store, loaded, user),
                             file_name=f"{plan.id}-progress.json", mime="application/json", key="plan_export",
                             on_click="ignore")
    else:
        left.caption("This file is not the plan's current stored version: confirm it above, or choose the stored "
                     "plan, to export.")
    left.caption("Every stored version of the plan's text and every review: import it into another copy of HIAP "
                 "Geo without loss.")
    right.file_uploader("Import a plan with its history (JSON)", type=["json"], key="plan_import_file")
    right.checkbox("Make the file's plan the current version", key="plan_import_confirm",
                   help="Only when the file's last plan version is a text this database has never had: importing "
                        "without this tick says what it would change and imports nothing.")
    right.button("Import", key="plan_import", on_click=import_history, args=(store, plan.id))
    right.caption("Checked in full first: a file with any problem changes nothing. Reviews already present are "
                  "skipped, so importing a file twice adds nothing.")
