"""What stops a plan being final, tied to the action and field it concerns so the page shows it at the field:
the checks ``parse_plan`` and ``plan check`` make."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hiap_geo.core._yaml import YamlProblems, parse_strict
from hiap_geo.plans.editor.edits import plan_data
from hiap_geo.plans.editor.writing import plan_yaml
from hiap_geo.plans.load import LoadedPlan, parse_plan
from hiap_geo.plans.schema import (
    ListTarget,
    Plan,
    PlanError,
    PlanFileError,
)

# ---------------------------------------------------------------------------------------------
# Problems: what stops a plan being final, at the field
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a plan, where it is: the action (or priority) and its field.

    ``field`` is the field within the action or priority (``title``, ``target_areas[0].codes``) or, for the
    plan's own fields, the dotted path (``area.code``, ``area_lists[0].entries[6]``); ``value`` is the code,
    name or rule at fault when one is. ``blocking`` problems stop the plan being saved as a version: the plan
    cannot be read, an action's target is wrong, or an entry of a list an action targets names no area. The
    others (what a document claims about its areas, spellings) are reported and do not block.
    """

    message: str
    kind: str
    field: str | None = None
    action_id: str | None = None
    priority_id: str | None = None
    value: str | None = None
    line: int | None = None
    blocking: bool = True

    def as_text(self) -> str:
        where = ", ".join(p for p in (
            f"action {self.action_id}" if self.action_id else None,
            f"priority {self.priority_id}" if self.priority_id else None,
            self.field, f"line {self.line}" if self.line else None) if p)
        return f"{where}: {self.message}" if where else self.message


BLOCKING_KINDS = frozenset({"schema", "reference", "area", "unknown_code", "outside_area", "unknown_name",
                            "ambiguous_name", "unknown_indicator", "no_data", "empty_rule"})
"""Problems that stop a plan being saved as a version: it cannot be read, or an action's target is wrong. A code
listed twice in one target ('duplicate_target') is reported, not blocking: a transcription keeps the document's."""

_UNRESOLVED = frozenset({"unknown_code", "outside_area", "unknown_name", "ambiguous_name"})
_ENTRY = re.compile(r"^area list '(?P<id>.+)', entry (?P<n>\d+)$")
_ITEM = re.compile(r"^(actions|priorities)\[(\d+)\](?:\.(.+))?$")
_WHERE = re.compile(r"^action (?P<id>.+), target (?P<n>\d+) \((?P<kind>\w+)\)$")


def _file_problems(exc: PlanFileError, data: Any) -> list[Problem]:
    """``parse_plan``'s problems (schema, cross references, size) tied to the action or priority they concern."""
    found = []
    for line, path, message in exc.problems:
        action_id = priority_id = None
        sub = path
        m = _ITEM.match(path or "")
        if m:
            section, index, sub = m.group(1), int(m.group(2)), m.group(3)
            try:
                item_id = str(data[section][index]["id"])
            except (KeyError, IndexError, TypeError):
                item_id = None
            if section == "actions":
                action_id = item_id
            else:
                priority_id = item_id
        kind = "reference" if " is not in " in message or "is used twice" in message else "schema"
        found.append(Problem(message, kind, sub, action_id, priority_id, None, line))
    return found


def text_problems(text: str | bytes, source: str = "<draft>", *, data_checks: bool = True) -> list[Problem]:
    """Every problem of a plan's YAML text (e.g. a draft): what ``parse_plan`` refuses, or, when it reads,
    ``plan_problems`` of the plan (``data_checks`` as there)."""
    try:
        loaded = parse_plan(text, source)
    except PlanFileError as exc:
        try:
            _, data = parse_strict(text.decode("utf-8") if isinstance(text, bytes) else text, "")
        except (YamlProblems, UnicodeDecodeError):
            data = None
        return _file_problems(exc, data)
    return plan_problems(loaded, data_checks=data_checks)


def plan_problems(plan: Plan | LoadedPlan, *, data_checks: bool = True) -> list[Problem]:
    """Everything that would stop the plan being final, each at its field, in plan order.

    The checks are those of ``parse_plan`` (schema, size, ids and references: the plan is written with
    ``plan_yaml`` and read back) and of ``plan check`` (codes that do not exist or are of the other
    edition's vintage, areas outside the plan's area, names, indicator rules, rules that select nothing,
    what the document's lists claim). Target problems block; a document's own claims and spellings do not.
    ``data_checks=False`` skips the checks that need the official data.
    """
    from hiap_geo.plans.check import check_plan  # loads the official data's readers

    loaded = plan if isinstance(plan, LoadedPlan) else None
    model = plan.plan if isinstance(plan, LoadedPlan) else plan
    if loaded is None:
        text = plan_yaml(model)
        try:
            loaded = parse_plan(text, f"plan '{model.id}'")
        except PlanFileError as exc:
            found = _file_problems(exc, plan_data(model))
            if not data_checks or any(p.kind == "schema" for p in found):
                return found
            root, _ = parse_strict(text, "")
            loaded = LoadedPlan(model, f"plan '{model.id}'", text, root)
            return found + _data_problems(loaded, check_plan)
    return _data_problems(loaded, check_plan) if data_checks else []


def _data_problems(loaded: LoadedPlan, check: Any) -> list[Problem]:
    found = []
    try:
        discrepancies = check(loaded)
    except PlanError as exc:  # e.g. an area code the edition's lookup does not have: nothing can be placed
        return [Problem(str(exc), "area", "area.code", value=loaded.plan.area.code)]
    plan = loaded.plan
    targeted = {t.list for a in plan.actions for t in a.target_areas if isinstance(t, ListTarget)}
    lists = {lst.id: i for i, lst in enumerate(plan.area_lists)}
    for d in discrepancies:
        action_id = field_ = value = None
        m, entry = _WHERE.match(d.where), _ENTRY.match(d.where)
        if m:
            action_id = m.group("id")
            field_ = f"target_areas[{int(m.group('n')) - 1}]"
            value = d.document
        elif entry and entry.group("id") in lists:
            field_ = f"area_lists[{lists[entry.group('id')]}].entries[{int(entry.group('n')) - 1}]"
            value = d.document
        kind = "duplicate_target" if d.kind == "duplicate" and action_id else d.kind
        # an action's target that is wrong blocks; so does a list entry naming no area, when an action targets
        # the list (the action would lose it). What a document claims about its areas is reported, not blocking.
        in_list = d.where.startswith("area list ")
        unresolved = entry is not None and entry.group("id") in targeted and kind in _UNRESOLVED
        blocking = d.severity == "discrepancy" and kind in BLOCKING_KINDS and (not in_list or unresolved)
        message = d.data if action_id else f"{d.where}: {d.document} - {d.data}"
        found.append(Problem(message, kind, field_, action_id, None, value, d.line, blocking))
    return found


def blocking(problems: Iterable[Problem]) -> list[Problem]:
    """The problems that stop a plan being saved as a version."""
    return [p for p in problems if p.blocking]
