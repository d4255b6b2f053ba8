"""Writing plans in the app, stored: drafts that survive a refresh, and versions saved without overwriting.

A draft is one plan's YAML text as one user left it in the plan editor, kept in the progress database (so a
browser refresh or a lost connection loses nothing), with the problems that stop it being final; it may be
invalid. Saving a *version* is the existing versioning (``ProgressStore.register_plan``'s tables) with who
saved it, under two guards: the plan must have no blocking problem (``editor.plan_problems``), and the
plan's current version must still be the one the editor opened (``base_sha``): if someone saved meanwhile,
``PlanChangedSinceOpened`` says who, when and what they changed, and nothing is stored.

Roles (``core.access``): a draft needs the editor role (it changes nothing anyone else sees); a version
needs the admin role, as registering a plan file does, since reviews are recorded against the current
version. ``PlanDrafts`` composes the store core (``store.StoreCore``: the same engine, transactions, locks,
retries and role check as the review history); ``ProgressStore`` offers its methods under the same names.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hiap_geo.core.access import LOCAL_USER, User, require
from hiap_geo.core.limits import MAX_DRAFTS_PER_USER, MAX_STORED_PROBLEMS
from hiap_geo.plans.bundle import text_sha256
from hiap_geo.plans.editor import Problem, blocking, plan_diff, plan_problems, text_problems
from hiap_geo.plans.load import LoadedPlan, parse_plan
from hiap_geo.plans.progress_tables import DraftRow, PlanVersionRow, RegistrationRow, aware, now_utc
from hiap_geo.plans.schema import MAX_PLAN_BYTES, MAX_REVIEWER_CHARS, PlanFileError, ProgressError
from hiap_geo.plans.store import StoreCore

VERSION_COLUMNS = ["version", "sha256", "saved_at", "saved_by", "source_name", "actions", "changes", "made_current"]


class PlanChangedSinceOpened(ProgressError):
    """Someone saved a version of the plan after the editor opened it: nothing was stored.

    ``saved_by`` and ``saved_at`` name the version now current; ``changes`` are the ``plan_diff`` lines from
    the version the editor opened to the current one (what the other person changed).
    """

    def __init__(self, plan_id: str, saved_by: str | None, saved_at: datetime | None, changes: list[str],
                 current_sha: str | None):
        self.plan_id = plan_id
        self.saved_by = saved_by
        self.saved_at = saved_at
        self.changes = changes
        self.current_sha = current_sha
        who = saved_by or "someone"
        when = f" at {saved_at:%Y-%m-%d %H:%M} UTC" if saved_at else ""
        listed = "; ".join(c.rstrip(".") for c in changes[:10])
        listed += f"; ... and {len(changes) - 10} more" if len(changes) > 10 else ""
        super().__init__(f"Plan '{plan_id}' was saved by {who}{when} after you opened it, so your save would "
                         f"overwrite their changes: {listed or 'the text changed'}. Nothing was saved: keep your work "
                         "as a draft, open the current version, apply your changes to it and save again.")


class PlanNotFinal(ProgressError):
    """The plan has problems that stop it being saved as a version (it can be saved as a draft)."""

    def __init__(self, plan_id: str, problems: list[Problem]):
        self.problems = problems
        listed = "\n  ".join(p.as_text() for p in problems[:25])
        more = f"\n  ... and {len(problems) - 25} more" if len(problems) > 25 else ""
        super().__init__(f"Plan '{plan_id}' cannot be saved as a version until {len(problems)} problem(s) are "
                         f"put right (it can be saved as a draft):\n  {listed}{more}")


@dataclass(frozen=True)
class Draft:
    """A user's draft of a plan: the YAML text as left, the version it was opened from, its problems."""

    plan_id: str
    user: str
    yaml_text: str
    base_sha: str | None
    saved_at: datetime
    problems: list[Problem] = field(default_factory=list)

    @property
    def final(self) -> bool:
        """True when nothing stops the draft being saved as a version (as far as it was checked)."""
        return not blocking(self.problems)


@dataclass(frozen=True)
class SaveResult:
    """A save of a version: ``saved`` False when the text was already the current version (nothing stored)."""

    plan_id: str
    sha256: str
    saved: bool
    saved_at: datetime | None
    saved_by: str | None
    changes: list[str]
    """What this version changes against the one the editor opened (``plan_diff``; all new for a new plan)."""


def _user_key(user: User) -> str:
    return (user.email or user.name or LOCAL_USER.name).strip().lower()[:MAX_REVIEWER_CHARS]


def _kept(problems: list[Problem]) -> list[Problem]:
    """The problems stored with a draft: all, or the first MAX_STORED_PROBLEMS, blocking ones first."""
    if len(problems) <= MAX_STORED_PROBLEMS:
        return list(problems)
    return sorted(problems, key=lambda p: not p.blocking)[:MAX_STORED_PROBLEMS]


def _problems_json(problems: list[Problem]) -> str:
    return json.dumps([asdict(p) for p in problems], ensure_ascii=False)


def _problems_from(text: str) -> list[Problem]:
    try:
        return [Problem(**item) for item in json.loads(text)]
    except (ValueError, TypeError):
        return [Problem("The problems stored with this draft cannot be read; check the draft again.", "schema")]


class PlanDrafts:
    """The plan editor's operations on a progress database: drafts, and versions saved with a concurrency check."""

    def __init__(self, core: StoreCore):
        self.core = core

    # -- drafts -----------------------------------------------------------------------------------

    def save_draft(self, plan_id: str, yaml_text: str, *, user: User = LOCAL_USER,
                   base_sha: str | None = None, problems: list[Problem] | None = None) -> Draft:
        """Keep ``yaml_text`` as ``user``'s draft of the plan (replacing their earlier draft); it may be invalid.

        ``problems`` are what the page found (``editor.plan_problems``, with the data); without them the draft
        is checked as ``parse_plan`` checks a file (no official data needed). Needs the editor role.
        """
        require(user, "draft_plan")  # at once, before the checks; the core checks again as it writes
        _check_plan_id(plan_id)
        size = len(yaml_text.encode("utf-8", errors="replace"))
        if size > MAX_PLAN_BYTES:
            raise ProgressError(f"The draft is {size:,} bytes; plans are limited to {MAX_PLAN_BYTES:,} bytes. "
                                "Shorten it before saving.")
        found = _kept(problems if problems is not None else text_problems(yaml_text, f"draft of '{plan_id}'",
                                                                          data_checks=False))
        key, label, now = _user_key(user), (user.label or LOCAL_USER.label)[:MAX_REVIEWER_CHARS], now_utc()

        def work(session: Session) -> None:
            row = session.scalars(select(DraftRow).where(DraftRow.plan_id == plan_id,
                                                         DraftRow.user_key == key)).first()
            if row is None:
                held = session.scalars(select(DraftRow.plan_id).where(DraftRow.user_key == key)).all()
                if len(held) >= MAX_DRAFTS_PER_USER:
                    raise ProgressError(f"You keep {len(held)} drafts, the most one person may: discard drafts "
                                        "you no longer need (Plan editor, Open) before starting another.")
                session.add(DraftRow(plan_id=plan_id, user_key=key, user_label=label, yaml_text=yaml_text,
                                     base_sha=base_sha, saved_at=now, problems=_problems_json(found)))
            else:
                row.yaml_text, row.base_sha, row.saved_at = yaml_text, base_sha, now
                row.user_label, row.problems = label, _problems_json(found)

        self.core.write(work, "draft", user=user, action="draft_plan")
        return Draft(plan_id, label, yaml_text, base_sha, aware(now), found)

    def draft(self, plan_id: str, *, user: User = LOCAL_USER) -> Draft | None:
        """``user``'s draft of the plan, or None."""
        key = _user_key(user)

        def work(session: Session) -> Draft | None:
            row = session.scalars(select(DraftRow).where(DraftRow.plan_id == plan_id,
                                                         DraftRow.user_key == key)).first()
            if row is None:
                return None
            return Draft(row.plan_id, row.user_label or key, row.yaml_text, row.base_sha, aware(row.saved_at),
                         _problems_from(row.problems))

        return self.core.read(work)

    def drafts(self, *, user: User = LOCAL_USER) -> pd.DataFrame:
        """The plans ``user`` has drafts of: plan_id, saved_at, base_sha, problems (count of blocking ones)."""
        key = _user_key(user)

        def work(session: Session) -> list[dict[str, Any]]:
            rows = session.scalars(select(DraftRow).where(DraftRow.user_key == key).order_by(DraftRow.plan_id))
            return [{"plan_id": r.plan_id, "saved_at": aware(r.saved_at), "base_sha": r.base_sha,
                     "problems": len(blocking(_problems_from(r.problems)))} for r in rows]

        return pd.DataFrame(self.core.read(work), columns=["plan_id", "saved_at", "base_sha", "problems"])

    def discard_draft(self, plan_id: str, *, user: User = LOCAL_USER) -> bool:
        """Remove ``user``'s draft of the plan; True if there was one."""
        key = _user_key(user)

        def work(session: Session) -> bool:
            result = session.execute(delete(DraftRow).where(DraftRow.plan_id == plan_id, DraftRow.user_key == key))
            return bool(result.rowcount)

        return self.core.write(work, "draft", user=user, action="draft_plan")

    # -- versions ---------------------------------------------------------------------------------

    def current_sha(self, plan_id: str) -> str | None:
        """The checksum of the plan's current version (what an editor passes back as ``base_sha``), or None."""
        def work(session: Session) -> str | None:
            current = self.core.current_row(session, plan_id)
            return None if current is None else current[0].sha256

        return self.core.read(work)

    def save_plan(self, plan: LoadedPlan | str, *, user: User = LOCAL_USER, base_sha: str | None,
                  check_data: bool = True, source: str = "plan editor") -> SaveResult:
        """Save a plan's text as its new current version, by ``user``, unless someone saved since ``base_sha``.

        ``base_sha`` is the checksum of the version the editor opened (``current_sha``; None for a new plan).
        Refused, storing nothing: a plan with blocking problems (``PlanNotFinal``, listing them; ``check_data``
        False skips the checks that need the official data), and a plan whose current version is no longer
        ``base_sha`` (``PlanChangedSinceOpened``, with who saved, when and what changed). Needs the admin role.
        """
        require(user, "register_plan")  # at once, before the checks; the core checks again as it writes
        if isinstance(plan, LoadedPlan):
            loaded = plan
        else:
            try:
                loaded = parse_plan(plan, source)
            except PlanFileError as exc:
                raise PlanNotFinal(_id_of(plan), text_problems(plan, source, data_checks=False)) from exc
        found = blocking(plan_problems(loaded, data_checks=check_data))
        if found:
            raise PlanNotFinal(loaded.plan.id, found)
        sha = text_sha256(loaded.text)
        plan_id = loaded.plan.id

        def work(session: Session) -> SaveResult:
            current = self.core.current_row(session, plan_id)  # under the write lock: no save can interleave
            current_sha = None if current is None else current[0].sha256
            base = self.core.version_row(session, plan_id, base_sha) if base_sha else None
            if current_sha != base_sha:
                now_plan = self.core.parse(current[0]).plan if current is not None else None
                if now_plan is None:
                    changes = [f"Plan '{plan_id}' has no stored version any more."]
                elif base is not None:
                    changes = plan_diff(self.core.parse(base).plan, now_plan)
                else:
                    changes = [f"Plan '{plan_id}' was created."] + plan_diff(loaded.plan, now_plan)
                raise PlanChangedSinceOpened(plan_id, current[1].registered_by if current else None,
                                             aware(current[1].registered_at) if current else None, changes,
                                             current_sha)
            changes = plan_diff(self.core.parse(base).plan, loaded.plan) if base is not None else \
                [f"Plan '{plan_id}' added with {len(loaded.plan.actions)} action(s)."]
            if current_sha == sha:
                return SaveResult(plan_id, sha, False, None, None, [])
            now = now_utc()
            self.core.store_version(session, loaded, user, now)
            return SaveResult(plan_id, sha, True, aware(now), user.label or None, changes)

        return self.core.write(work, "save", user=user, action="register_plan")

    def version_text(self, plan_id: str, sha: str | None = None) -> str:
        """The YAML text of a stored version (default: the current one), exactly as saved."""
        if sha is None:
            return self.core.current_version(plan_id).text
        return self.core.read(lambda session: self.core.version_row(session, plan_id, sha).yaml_text)

    def versions(self, plan_id: str) -> pd.DataFrame:
        """Every save of the plan, oldest first: version number, checksum, when, who, the number of actions
        and what it changed against the version before (``plan_diff`` lines; re-saving an earlier text is a
        version too, changing back)."""
        def work(session: Session) -> list[tuple[RegistrationRow, PlanVersionRow]]:
            return [(r, v) for r, v in session.execute(
                select(RegistrationRow, PlanVersionRow)
                .join(PlanVersionRow, RegistrationRow.version_id == PlanVersionRow.id)
                .where(RegistrationRow.plan_id == plan_id)
                .order_by(RegistrationRow.id))]  # the order the database recorded them, never a file's date

        rows = []
        previous = None
        for n, (registration, version) in enumerate(self.core.read(work), start=1):
            plan = self.core.parse(version).plan
            changes = plan_diff(previous, plan) if previous is not None else ["First version."]
            rows.append({"version": n, "sha256": version.sha256, "saved_at": aware(registration.registered_at),
                         "saved_by": _saved_by(registration), "source_name": version.source_name,
                         "actions": len(plan.actions), "changes": changes,
                         "made_current": not registration.history_only})
            if not registration.history_only:
                previous = plan
        return pd.DataFrame(rows, columns=VERSION_COLUMNS)


def _saved_by(registration: RegistrationRow) -> str | None:
    """Who saved a version; for an imported one, who the file claims, marked as a claim, and who imported it."""
    if registration.imported_by is None:
        return registration.registered_by
    claimed = registration.claimed_by or "no one named"
    when = f" on {registration.claimed_at:%Y-%m-%d}" if registration.claimed_at else ""
    kept = "" if not registration.history_only else "; kept as history, not made current"
    return f"claimed: {claimed}{when} (imported by {registration.imported_by}{kept})"


def _check_plan_id(plan_id: str) -> None:
    if not isinstance(plan_id, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", plan_id):
        raise ProgressError(f"'{str(plan_id)[:70]}' is not a plan id: letters, digits, '.', '_' and '-', "
                            "at most 64.")


def _id_of(text: str) -> str:
    """The plan id a text that does not parse names, for messages ('(no id)' when it names none)."""
    for line in text.splitlines()[:200]:
        if line.startswith("id:"):
            return line[3:].strip().strip("'\"")[:64] or "(no id)"
    return "(no id)"
