"""The Plan editor page's model: what the page shows beside a plan being written, computed without Streamlit.

The plan being edited is a frozen ``Plan``; every edit is a call of ``plans.editor`` that returns a new one, so the
page holds one value and this module says, for that value: how it was opened and how it is saved, each action's
reach and its problems at the field, the deprived areas no action reaches at the user's threshold, the
area-by-priority matrix and the ``plan check`` findings. Sibling modules: ``plan_editor_edits`` (what each form
does), ``plan_editor_words`` (codes named, plans by title), ``plan_editor_map`` (the picking map).

Text is kept as given; whatever is meant as Markdown here is escaped (``core.text.escape_markdown``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import pandas as pd

from hiap_geo.core import settings
from hiap_geo.core.access import User
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.text import escape_markdown
from hiap_geo.geo.lookups import district_counties, ward_lookup
from hiap_geo.plans import editor
from hiap_geo.plans.coverage import Coverage
from hiap_geo.plans.drafts import Draft, PlanChangedSinceOpened, SaveResult
from hiap_geo.plans.editor.moving import move_to_edition
from hiap_geo.plans.load import LoadedPlan, parse_plan
from hiap_geo.plans.progress import ProgressStore
from hiap_geo.plans.schema import MAX_PLAN_BYTES, CodesTarget, DistrictTarget, Plan, PlanFileError, Target
from hiap_geo.views import plan as plan_view
from hiap_geo.views import plan_editor_words as words

PICK_LEVELS: dict[str, str] = {"lsoa": "LSOAs (neighbourhoods)", "ward": "Wards"}
"""Where areas can be picked on the map: the codes a plan's ``codes`` target can hold."""
PICKED_WORDS: dict[str, str] = {"lsoa": "LSOAs picked for this action", "ward": "Wards picked for this action"}
CODE_PREFIX: dict[str, str] = {"lsoa": "E01", "ward": "E05"}


# ---------------------------------------------------------------------------------------------
# Starting: a new plan, the next period's draft of a plan, or a plan (or draft) opened for editing
# ---------------------------------------------------------------------------------------------


PRIORITY_FORMS: int = 12
"""Priorities shown each with its form; a plan with more has one form and a list to choose the priority."""


SHIPPED = "the plans that come with HIAP Geo"
"""Where a shipped plan (a file in data/plans) was opened from, as the page's caption says it."""


class EditorPageError(HiapGeoError):
    """The editor cannot open or start what was asked (an unknown choice, a plan id already taken)."""


@dataclass(frozen=True)
class Editing:
    """A plan being edited: the plan as it stands, the file it was opened from (so an unchanged plan is written
    back byte for byte, and an edited one keeps the layout of what the edits did not touch), the stored version
    it was opened from (``base_sha``: a save is refused when someone saved since) and where it came from."""

    plan: Plan
    original: LoadedPlan | None
    base_sha: str | None
    opened_from: str
    changes: tuple[str, ...] = ()
    """What moving the plan to another edition changed (``editor.moving``), for the writer to read before saving."""

    def yaml(self) -> str:
        """The plan's YAML as it stands (``editor.plan_yaml``)."""
        return editor.plan_yaml(self.plan, original=self.original)

    def edited(self, plan: Plan) -> Editing:
        """The same editing session with the plan after one more edit; PlanError when the edited plan cannot be
        written as YAML (so a session never holds a plan that every rerun would fail to write)."""
        editing = replace(self, plan=plan)
        editing.yaml()
        return editing


def plan_areas(edition: int) -> dict[str, str]:
    """Areas a plan can cover on an edition's geography, code -> 'Name (code)': its districts, then the
    counties (a county plan covers its districts)."""
    lookup = ward_lookup(edition).drop_duplicates("lad_code").sort_values("lad_name")
    areas = {c: f"{n} ({c})" for c, n in zip(lookup["lad_code"], lookup["lad_name"], strict=True)}
    counties = district_counties()
    counties = counties[counties["county_code"].str.match(r"^E1[01]")].drop_duplicates("county_code")
    areas |= {c: f"{n} (county, {c})" for c, n in zip(counties["county_code"], counties["county_name"], strict=True)}
    return areas


def area_name(edition: int, code: str) -> str:
    """The name of a plan area code, as ``plan_areas`` lists it (without the code)."""
    label = plan_areas(edition).get(code)
    if label is None:
        raise EditorPageError(f"{code} is not a district or county of the IoD {edition} geography.")
    return label.rsplit(" (", 1)[0]


def start_new(plan_id: str, title: str, area_code: str, period: str, edition: int, user: User,
              store: ProgressStore | None = None, publisher: str | None = None) -> Editing:
    """A new plan (one placeholder priority and action, from ``editor.new_plan``); refused when the id is taken.
    ``publisher`` is the council the document names ('... sets out how <publisher> and its partners ...'): the
    area's council when not given, never the signed-in person's label."""
    _id_free(plan_id, store)
    name = area_name(edition, area_code)
    plan = editor.new_plan(plan_id, title, area_code, name, period, edition, author=user.label,
                           publisher=(publisher or "").strip() or f"{name} Council")
    return Editing(plan, None, None, "a new plan")


def start_next_period(source: Plan, new_id: str, period: str, user: User, store: ProgressStore | None = None,
                      title: str | None = None, edition: int | None = None) -> Editing:
    """The next period's draft of a plan: its priorities and actions carried over, statuses reset, each action
    linked to the one it continues (``editor.next_period_draft``); on ``edition``'s areas when given (codes
    through the ONS lookup, area lists re-derived: ``editor.moving``), with what that changed."""
    _id_free(new_id, store)
    plan = editor.next_period_draft(source, new_id, period, author=user.label, title=title or None)
    moved = move_to_edition(plan, edition) if edition and edition != plan.edition else None
    where = f" on IoD {edition} areas" if moved else ""
    return Editing(moved.plan if moved else plan, None, None,
                   f"a draft for {period}{where} continuing '{source.title}' ({source.period})",
                   moved.changes if moved else ())


def next_period_editions(source_edition: int) -> list[int]:
    """Editions a next period's draft can be on, newest (the default) first: a plan moves forward, never back."""
    return [e for e in (2025, 2019) if e >= source_edition]


def _id_free(plan_id: str, store: ProgressStore | None) -> None:
    shipped = {c.plan_id for c in plan_view.plan_choices() if c.plan_id}
    stored = set(store.plan_ids()) if store is not None else set()
    if plan_id in shipped | stored:
        raise EditorPageError(f"A plan with the id '{plan_id}' exists already: open it to edit it, or choose "
                              "another id.")


def open_default(options: Mapping[str, str], districts: Sequence[str]) -> str | None:
    """What the list of plans opens on: the user's latest draft, else the plan of a district chosen in the sidebar
    (the default district when none is, as on a first visit straight to this page), as the Plan page opens on it,
    else the first."""
    if not options:
        return None
    drafts = [key for key in options if key.startswith("draft:")]
    if drafts:
        return drafts[0]
    key = plan_view.choice_for(plan_view.plan_choices(), None, districts or (settings.DEFAULT_DISTRICT,))
    return key if key in options else next(iter(options))


def open_choices(store: ProgressStore | None, user: User, may_edit: bool = True) -> dict[str, str]:
    """What can be opened, key -> label (plain text): the user's drafts first, then the shipped and stored plans,
    each by its place, title and period, and when it was last saved (never by its id)."""
    stored_ids = list(store.plan_ids()) if store is not None else []
    stored = plan_view.stored_plans(store, stored_ids) if store is not None else {}
    options: dict[str, str] = {}
    drafts = store.drafts(user=user) if store is not None and may_edit else None
    for row in ([] if drafts is None else drafts.itertuples()):
        saved = f", saved {words.when(row.saved_at)}{words.counted_problems(int(row.problems))}"
        draft = store.draft(row.plan_id, user=user) if store is not None else None
        try:
            plan = parse_plan(draft.yaml_text).plan if draft is not None else stored.get(row.plan_id)
        except PlanFileError:
            plan = stored.get(row.plan_id)
        label = words.plan_label(plan) if plan is not None else "A plan whose draft no longer reads as a plan"
        options[f"draft:{row.plan_id}"] = f"Your draft of {label}{saved}"
    for choice in plan_view.plan_choices(stored_ids, stored):
        if choice.key == plan_view.UPLOAD:
            continue
        plan = stored.get(choice.plan_id or "")
        if choice.key.startswith("stored:") and plan is not None and store is not None:
            options[choice.key] = words.plan_label(plan, last_saved(store, plan.id))
        else:
            options[choice.key] = choice.label.replace(" (saved in the progress database)", "")
    return options


def last_saved(store: ProgressStore, plan_id: str) -> str:
    """', last saved 6 Dec 2026 at 21:30 UTC' for a stored plan ('' when the database cannot say)."""
    try:
        saves = store.registrations(plan_id)
    except HiapGeoError:
        return ""
    return f", last saved {words.when(saves['registered_at'].iat[-1])}" if len(saves) else ""


def open_plan(choice: str, store: ProgressStore | None, user: User) -> Editing:
    """A plan opened for editing: the user's draft of it when there is one, else the plan's current stored
    version, else its shipped file. A shipped file whose plan is stored opens the stored version (saves are
    versions of that), so nobody overwrites a version they never saw."""
    if choice.startswith("draft:"):
        try:
            return resume(store, choice[6:], user) or open_plan(f"stored:{choice[6:]}", store, user)
        except PlanFileError:  # a draft that no longer reads (the format changed): its stored version, if any
            if store is None or choice[6:] not in store.plan_ids():
                raise
            return open_plan(f"stored:{choice[6:]}", store, user)
    if choice.startswith("file:"):
        text, source = plan_view.plan_text(choice, store)
        loaded = parse_plan(text, source)
        plan_id = loaded.plan.id
        if store is not None and plan_id in store.plan_ids():
            return open_plan(f"stored:{plan_id}", store, user)
        return Editing(loaded.plan, loaded, None, SHIPPED)  # in words: the file's path is machine text
    if choice.startswith("stored:"):
        if store is None:
            raise EditorPageError("The progress database is not available, so stored plans cannot be opened.")
        plan_id = choice[7:]
        note = ""
        try:
            draft = resume(store, plan_id, user)
        except PlanFileError as exc:  # without this, an unreadable draft would lock its user out of the plan
            draft = None
            first = exc.problems[0][2] if exc.problems else str(exc)
            note = (f" (your draft of it no longer reads as a plan: {first[:200]}; your first change replaces it)")
        if draft is not None:
            return draft
        loaded = store.current_version(plan_id)
        return Editing(loaded.plan, loaded, store.current_sha(plan_id),
                       f"the current version{last_saved(store, plan_id)}{note}")
    raise EditorPageError(f"Unknown plan choice '{choice}'.")


def reopen_choice(plan_id: str, store: ProgressStore | None, user: User, may_edit: bool) -> str | None:
    """What a refresh of the page with ``?plan=<id>`` opens: the user's draft, else the stored plan, else the
    shipped file; None for an id that is none of these (a hostile or stale link opens the start page)."""
    if len(plan_id) > 64:  # longer than any plan id
        return None
    if store is not None and may_edit and store.draft(plan_id, user=user) is not None:
        return f"draft:{plan_id}"
    if store is not None and plan_id in store.plan_ids():
        return f"stored:{plan_id}"
    return next((c.key for c in plan_view.plan_choices() if c.plan_id == plan_id), None)


def resume(store: ProgressStore | None, plan_id: str, user: User) -> Editing | None:
    """The user's draft of a plan, as they left it (a browser refresh or a lost connection loses nothing);
    None when there is none. A draft whose text no longer reads as a plan raises PlanFileError with its problems."""
    if store is None:
        return None
    draft: Draft | None = store.draft(plan_id, user=user)
    if draft is None:
        return None
    loaded = parse_plan(draft.yaml_text, f"your draft of '{plan_id}'")
    saved = words.when(draft.saved_at)
    return Editing(loaded.plan, loaded, draft.base_sha, f"your draft, saved {saved}")


def autosave(store: ProgressStore, editing: Editing, user: User, problems: list[editor.Problem]) -> Draft:
    """Keep the plan as it stands as the user's draft (done on every change, so a refresh loses nothing)."""
    return store.save_draft(editing.plan.id, editing.yaml(), user=user, base_sha=editing.base_sha,
                            problems=problems)


def save_version(store: ProgressStore, editing: Editing, user: User) -> tuple[Editing, SaveResult]:
    """Save the plan as its new current version (refused with PlanNotFinal or PlanChangedSinceOpened, storing
    nothing); afterwards the editing session is based on the saved version and the draft is removed."""
    text = editing.yaml()
    loaded = parse_plan(text, "plan editor")
    result = store.save_plan(loaded, user=user, base_sha=editing.base_sha)
    store.discard_draft(editing.plan.id, user=user)
    return Editing(loaded.plan, loaded, result.sha256, f"the version you saved at {words.when(result.saved_at)}"
                   if result.saved_at else "the current version"), result


def saved_message(result: SaveResult, title: str, edition: int) -> str:
    """What a save did, in Markdown (escaped): who, when, and what changed against the version opened."""
    if not result.saved:
        return "Nothing to save: this is the plan's current version already."
    when = f" on {words.when(result.saved_at)}" if result.saved_at else ""
    names = words.AreaNames(edition)
    changes = "\n".join(f"- {escape_markdown(names.named(words.first_version(c)))}" for c in result.changes[:40])
    more = f"\n- ... and {len(result.changes) - 40} more" if len(result.changes) > 40 else ""
    return (f"Saved a version of **{escape_markdown(title)}** by {escape_markdown(result.saved_by or 'you')}"
            f"{when}. What changed:\n\n{changes}{more}")


def changed_message(exc: PlanChangedSinceOpened, title: str, edition: int) -> str:
    """The second save of two people editing one plan, in Markdown (escaped): who saved meanwhile, when, and
    what they changed; nothing was stored, the work is kept as a draft."""
    when = f" on {words.when(exc.saved_at)}" if isinstance(exc.saved_at, datetime) else ""
    names = words.AreaNames(edition)
    changes = "\n".join(f"- {escape_markdown(names.named(c))}" for c in exc.changes[:40]) or "- the text changed"
    return (f"**Not saved: {escape_markdown(exc.saved_by or 'someone')} saved "
            f"'{escape_markdown(title)}'{when}, after you opened it.** Saving now would overwrite what they "
            f"changed:\n\n{changes}\n\nYour work is kept as your draft. Open the current version (below), make "
            "your changes to it, and save again.")


# ---------------------------------------------------------------------------------------------
# Editing priorities, actions and targets
# ---------------------------------------------------------------------------------------------


def lines(text: str) -> list[str]:
    """A text box of one item per line (partners, outcome measures, progress targets...) as a list; a box longer
    than a whole plan may be is refused before it is split."""
    if len(text or "") > MAX_PLAN_BYTES:
        raise EditorPageError(f"The box holds {len(text):,} characters; a whole plan is limited to "
                              f"{MAX_PLAN_BYTES:,} bytes.")
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def add_target(plan: Plan, action_id: str, target: Target) -> Plan:
    """The plan with a target added to an action; it replaces the placeholder 'names no place'."""
    kept = [t for t in plan.action(action_id).target_areas
            if not (isinstance(t, DistrictTarget) and not t.specified)]
    return editor.set_targets(plan, action_id, [*kept, target])


def remove_target(plan: Plan, action_id: str, index: int) -> Plan:
    """The plan without one target of an action; an action left with none names no place (whole district)."""
    targets = list(plan.action(action_id).target_areas)
    if not 0 <= index < len(targets):
        raise EditorPageError(f"Action '{action_id}' has no target {index + 1}.")
    del targets[index]
    return editor.set_targets(plan, action_id, targets or [editor.district_target(False)])


def set_picked(plan: Plan, action_id: str, level: str, codes: Sequence[str],
               shown: Collection[str] | None = None) -> Plan:
    """The plan with an action's picked codes of ``level`` made ``codes`` (the list beside the map): each code
    added or removed is a ``toggle_code``, as a click on the map is. Codes not ``shown`` in the list (another
    vintage's, or outside the area: problems at the field) are kept, never dropped silently."""
    before = picked_codes(plan, action_id, level)
    if shown is not None:
        before = before & set(shown)
    for code in [c for c in codes if c not in before] + sorted(before - set(codes)):
        plan = editor.toggle_code(plan, action_id, code)
    return plan


def target_lines(plan: Plan, action_id: str) -> list[str]:
    """Each target of an action in words (unescaped), in order, its areas by name and ward: what the remove
    buttons name."""
    names = words.AreaNames(plan.edition)
    return [words.target_words(t, plan, names) for t in plan.action(action_id).target_areas]


# ---------------------------------------------------------------------------------------------
# Problems at the field, and an action's reach
# ---------------------------------------------------------------------------------------------

_FIELD_ROOT = re.compile(r"^(target_areas\[\d+\]|[a-z_]+)")


def field_key(field: str | None) -> str:
    """The field a problem is shown at: 'target_areas[0]' for anything inside that target, else the field's
    name ('title', 'lead'), '' for the action as a whole."""
    found = _FIELD_ROOT.match(field or "")
    return found.group(1) if found else ""


def action_problems(problems: Iterable[editor.Problem], action_id: str) -> dict[str, list[editor.Problem]]:
    """The problems of one action by the field they are shown at (``field_key``)."""
    found: dict[str, list[editor.Problem]] = {}
    for problem in problems:
        if problem.action_id == action_id:
            found.setdefault(field_key(problem.field), []).append(problem)
    return found


def problem_counts(problems: Iterable[editor.Problem]) -> dict[str, int]:
    """Blocking problems per action id (for the action picker's warning marks)."""
    counts: dict[str, int] = {}
    for problem in problems:
        if problem.action_id and problem.blocking:
            counts[problem.action_id] = counts.get(problem.action_id, 0) + 1
    return counts


def problem_text(problem: editor.Problem, edition: int = 2025) -> str:
    """A problem as Markdown (escaped), marked when it does not stop the plan being saved as a version."""
    note = "" if problem.blocking else " (a note: it does not stop a save)"
    return escape_markdown(words.AreaNames(edition).named(problem.message)) + note


def stopping_words(count: int) -> str:
    """'1 problem stops' / '3 problems stop'."""
    return f"{count} problem stops" if count == 1 else f"{count} problems stop"


_TARGET_FIELD = re.compile(r"^target_areas\[(\d+)\]")


def problem_where(problem: editor.Problem) -> str:
    """What a problem concerns in an officer's words: 'Action 1.1, target 2', 'Priority 3, title'; '' for the
    plan as a whole."""
    field = problem.field or ""
    found = _TARGET_FIELD.match(field)
    words = f"target {int(found.group(1)) + 1}" if found else field.replace("_", " ").split(".")[0]
    owner = (f"Action {problem.action_id}" if problem.action_id
             else f"Priority {problem.priority_id}" if problem.priority_id else "")
    return ", ".join(p for p in (owner, words) if p)


PROBLEMS_SHOWN: int = 40
"""Problems listed in one place on the page (a target of 5,000 mistyped codes has 5,000); the rest are counted."""


def first_problems(problems: Iterable[editor.Problem], limit: int = PROBLEMS_SHOWN) -> tuple[list[editor.Problem], int]:
    """The first ``limit`` problems, and how many more there are (a page of thousands of errors is unusable)."""
    found = list(problems)
    return found[:limit], max(0, len(found) - limit)


def more_line(more: int) -> str:
    """The line that counts the problems not listed ('' when none)."""
    return (f"... and {more:,} more problem{'s' if more != 1 else ''} (`python -m hiap_geo plan check` on the "
            "downloaded YAML lists them all)") if more else ""


def plan_problem_lines(problems: Iterable[editor.Problem], limit: int = PROBLEMS_SHOWN) -> list[str]:
    """The problems as Markdown lines (escaped), led by the action, priority and field each concerns; at most
    ``limit``, then a line counting the rest."""
    shown, more = first_problems(problems, limit)
    out = []
    for p in shown:
        where = problem_where(p)
        out.append((f"**{escape_markdown(where)}**: " if where else "") + problem_text(p))
    return out + ([more_line(more)] if more else [])


def reach_lines(reach: editor.Reach) -> list[str]:
    """An action's reach in Markdown (escaped): areas, wards and people, the deciles of its LSOAs, and what each
    target resolves to today."""
    scope = " (the whole district)" if reach.district_wide else ""
    head = (f"**Reaches {reach.n_lsoas} LSOA{'s' if reach.n_lsoas != 1 else ''} in {reach.n_wards} "
            f"ward{'s' if reach.n_wards != 1 else ''}, {reach.people:,.0f} people{scope}**")
    deciles = ", ".join(f"decile {d}: {n}" for d, n in reach.deciles.items() if n)
    out = [head, f"IMD national deciles of its LSOAs: {deciles}" if deciles else "No LSOA reached."]
    return out + [escape_markdown(t) for t in reach.targets]


REACH_COLUMNS: dict[str, str] = {"lsoa_code": "LSOA", "lsoa_name": "name", "ward_name": "ward",
                                 "imd_decile": "IMD decile", "population": "people", "reach": "named as"}


def reach_table(reach: editor.Reach) -> pd.DataFrame:
    """The LSOAs an action reaches, for the table beside it: code, name, ward, IMD decile, people, how named."""
    table = reach.lsoas[list(REACH_COLUMNS)].rename(columns=REACH_COLUMNS)
    table["named as"] = table["named as"].map({"lsoa": "LSOA", "ward": "its ward", "district": "whole district"})
    table["IMD decile"] = table["IMD decile"].astype("Int64")
    return table


# ---------------------------------------------------------------------------------------------
# Choosing what to edit
# ---------------------------------------------------------------------------------------------


def action_label(plan: Plan, action_id: str, problems: int = 0, limit: int = 70) -> str:
    """'3.4: Target stop smoking work... (2 problems)': one line for the action picker (unescaped)."""
    action = plan.action(action_id)
    flag = f" ⚠ {problems} problem{'s' if problems != 1 else ''}" if problems else ""
    return f"{action.id}: {plan_view.shorten(action.title, limit)}{flag}"


def picked_codes(plan: Plan, action_id: str, level: str) -> frozenset[str]:
    """The codes of ``level`` an action lists in its ``codes`` targets: what clicking on the map adds or removes."""
    prefix = CODE_PREFIX[level]
    action = plan.action(action_id)
    return frozenset(c for t in action.target_areas if isinstance(t, CodesTarget) for c in t.codes
                     if c.startswith(prefix))


# ---------------------------------------------------------------------------------------------
# The plan's reach while it is written
# ---------------------------------------------------------------------------------------------


def plan_gaps(plan: Plan, threshold: plan_view.CoverageThreshold, reach: plan_view.PlanReach | None = None) -> Coverage:
    """Deprived LSOAs at the user's threshold against every action of the plan (the Plan page's coverage):
    ``uncovered`` are the gaps, ``matrix`` the area-by-priority matrix. Raises the plan's TargetError when an
    indicator threshold cannot be used on the plan's geography."""
    reach = reach or plan_view.plan_reach(plan)
    return plan_view.plan_coverage(reach, [a.id for a in plan.actions], threshold)


def gap_line(cover: Coverage, edition: int) -> str:
    """The coverage in one Markdown line (escaped), as the Plan page words it."""
    return plan_view.coverage_summary(cover, edition)




@dataclass(frozen=True)
class CheckFindings:
    """``plan check`` on the plan as it stands: the report table, or the problems that stop it being read."""

    report: pd.DataFrame | None
    unreadable: tuple[str, ...] = ()

    @property
    def discrepancies(self) -> int:
        return 0 if self.report is None else int((self.report["severity"] == "discrepancy").sum())


def check_findings(text: str, source: str = "the plan being edited") -> CheckFindings:
    """The same report as ``python -m hiap_geo plan check`` on the plan's YAML text (line numbers included)."""
    from hiap_geo.plans.check import check_plan, discrepancies_frame  # here: the checks bring pandera (0.4 s)

    try:
        loaded = parse_plan(text, source)
    except PlanFileError as exc:
        return CheckFindings(None, tuple(plan_view.problem_lines(exc)))
    return CheckFindings(discrepancies_frame(check_plan(loaded)))


def check_lines(findings: CheckFindings, plan: Plan, limit: int = 30) -> list[str]:
    """The findings as Markdown paragraphs (escaped), each led by the action or list it concerns."""
    if findings.report is None:
        return [escape_markdown(p) for p in findings.unreadable]
    return plan_view.check_items(findings.report, plan, limit)
