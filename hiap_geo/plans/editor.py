"""Writing a plan: pure edits of the frozen ``Plan``, what stops it being final, an action's reach, its YAML.

The Plan editor page and ``plan new`` / ``plan next-period`` work through these functions; nothing here
touches a database (drafts and saved versions are ``plans.drafts``). Every edit returns a new, validated
``Plan`` (the schema's own rules: an edit that would break them raises ``InvalidEdit`` naming the field),
and refers to priorities and actions by id (an unknown id raises ``UnknownItem`` listing the known ones).

Whether a plan may become a version is ``plan_problems``: the checks ``parse_plan`` and ``plan check`` make,
each tied to the action and field it concerns so the page shows it at the field. ``plan_yaml`` writes the
format of ``data/plans/README.md``; given the file the plan was loaded from it changes only the parts that
changed (``plans.yaml_splice``), so an unchanged plan is written back byte for byte.

Over 500 lines because the edits, the problems they leave, an action's reach and the YAML written are one
contract with the page (each problem names the field an edit sets); ``yaml_splice`` and ``drafts`` are apart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ValidationError

from hiap_geo.core._yaml import YamlProblems, parse_strict
from hiap_geo.plans.load import LoadedPlan, cross_references, parse_plan
from hiap_geo.plans.schema import (
    MAX_PLAN_BYTES,
    STATUSES,
    Action,
    CodesTarget,
    DistrictTarget,
    ListTarget,
    NamesTarget,
    Plan,
    PlanError,
    PlanFileError,
    Priority,
    RuleTarget,
    Target,
    TargetError,
)
from hiap_geo.plans.status import plan_change
from hiap_geo.plans.yaml_splice import dump_plan_data, splice_yaml

EDITOR_NOTE = "Written in HIAP Geo's plan editor, not transcribed from a published document."
"""The note a plan written in the app carries (source and transcription), so no reader takes it for a transcription."""

ACTION_FIELDS: tuple[str, ...] = tuple(Action.model_fields)
"""The fields of an action an edit may set (``update_action``)."""

PRIORITY_FIELDS: tuple[str, ...] = tuple(Priority.model_fields)

PLAN_FIELDS: tuple[str, ...] = ("title", "period", "area", "edition", "source", "transcription", "notes",
                                "objectives", "area_lists")
"""Top-level fields ``update_plan`` may set (priorities and actions have their own edits)."""


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class PlanEditError(PlanError):
    """An edit cannot be made; the plan it was asked of is unchanged (plans are immutable)."""


class UnknownItem(PlanEditError):
    """An edit names a priority or action the plan does not have; ``kind`` is 'priority' or 'action'."""

    def __init__(self, plan: Plan, kind: Literal["priority", "action"], item_id: str):
        self.kind = kind
        self.item_id = item_id
        known = [p.id for p in plan.priorities] if kind == "priority" else [a.id for a in plan.actions]
        shown = ", ".join(known[:40]) + (f" ... ({len(known)} in all)" if len(known) > 40 else "")
        super().__init__(f"Plan '{plan.id}' has no {kind} '{item_id}'. Its {kind} ids are: {shown or 'none'}.")


class DuplicateId(PlanEditError):
    """An added or renamed priority or action would take an id the plan already uses."""


class InvalidEdit(PlanEditError):
    """The edit would break the plan format's rules; ``problems`` holds ``(field, message)`` for each."""

    def __init__(self, what: str, problems: list[tuple[str, str]]):
        self.problems = problems
        listing = "; ".join(f"{f}: {m}" if f else m for f, m in problems[:10])
        more = f" ... and {len(problems) - 10} more" if len(problems) > 10 else ""
        super().__init__(f"Cannot {what}: {listing}{more}.")


# ---------------------------------------------------------------------------------------------
# Building plans
# ---------------------------------------------------------------------------------------------


def _validated(data: dict[str, Any], what: str, prefix: tuple[str | int, ...] = ()) -> Plan:
    """A Plan from plain data, or InvalidEdit naming each field at fault (``actions[3].title``)."""
    def local(loc: tuple[Any, ...], tags: bool = True) -> str:
        return _dotted(loc[len(prefix):] if loc[: len(prefix)] == prefix else loc, tags)

    size = len(json.dumps(data, default=str, ensure_ascii=False))
    if size > MAX_PLAN_BYTES:  # before validating and writing YAML, which take seconds per megabyte
        raise InvalidEdit(what, [("", f"the plan would be about {size:,} characters; plans are limited to "
                                      f"{MAX_PLAN_BYTES:,} bytes. Shorten the longest texts or lists")])
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        problems = [(local(tuple(err["loc"])), err["msg"].removeprefix("Value error, "))
                    for err in exc.errors(include_url=False)]
        raise InvalidEdit(what, problems) from exc
    references = cross_references(plan)  # as parse_plan checks them: an edited plan always reads back
    if references:
        raise InvalidEdit(what, [(local(tuple(loc), tags=False), message) for loc, message in references])
    return plan


_TARGET_TAGS = {"codes", "names", "rule", "list", "district"}
_RULE_TAGS = {"lsoa_decile", "indicator_vs_england"}


def _dotted(loc: tuple[Any, ...], tags: bool = True) -> str:
    """A location as a field path (``target_areas[0].codes[1]``); ``tags``: it is pydantic's, whose locations
    name the tag of a tagged union (``target_areas, 0, 'codes', 'codes', 1``), left out here."""
    out = ""
    previous: Any = None
    for part in loc:
        tag = tags and ((isinstance(previous, int) and part in _TARGET_TAGS)
                        or (previous == "rule" and part in _RULE_TAGS))
        if isinstance(part, int):
            out += f"[{part}]"
        elif not tag:
            out += f".{part}" if out else str(part)
        previous = None if tag else part
    return out


def _data(plan: Plan) -> dict[str, Any]:
    """The plan as plain data with only the fields its file (or its edits) set: what its YAML holds."""
    return plan.model_dump(mode="python", exclude_unset=True)


def _plain(value: Any) -> Any:
    """Models (a Target, a Priority...) as plain data, lists of them too; other values as they are."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="python", exclude_unset=True)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _set_fields(item: dict[str, Any], changes: dict[str, Any], allowed: Sequence[str], kind: str) -> None:
    """Apply ``changes`` to a plain item: None or an empty list removes an optional field (the YAML stays clean)."""
    unknown = [k for k in changes if k not in allowed]
    if unknown:
        raise PlanEditError(f"Unknown {kind} field(s): {', '.join(unknown)}. Fields: {', '.join(allowed)}.")
    for key, value in changes.items():
        value = _plain(value)
        if value is None or (isinstance(value, list) and not value):
            item.pop(key, None)
        else:
            item[key] = list(value) if isinstance(value, tuple) else value


def new_plan(
    plan_id: str,
    title: str,
    area_code: str,
    area_name: str,
    period: str,
    edition: int,
    *,
    author: str,
    publisher: str | None = None,
    today: date | None = None,
) -> Plan:
    """A new plan for a district or county: one priority and one action reaching the whole district.

    The schema needs at least one priority and one action (a plan file with none is a mistake), so a new
    plan starts with placeholders the author renames; ``specified: false`` says the action names no place
    yet. ``publisher`` is the council the author names (default: the author); the source and transcription
    say the plan was written in HIAP Geo, by ``author``, on ``today``.
    """
    when = today or date.today()
    data = {
        "schema_version": 1,
        "id": plan_id,
        "title": title,
        "area": {"code": area_code, "name": area_name},
        "period": period,
        "edition": edition,
        "source": {"title": title, "publisher": publisher or author, "note": EDITOR_NOTE},
        "transcription": {"by": author, "date": when, "notes": [EDITOR_NOTE]},
        "priorities": [{"id": "1", "title": "First priority"}],
        "actions": [{"id": "1.1", "priority": "1", "title": "First action",
                     "target_areas": [{"kind": "district", "specified": False}]}],
    }
    return _validated(data, "start the plan")


def next_period_draft(plan: Plan, new_id: str, period: str, *, author: str, title: str | None = None,
                      edition: int | None = None, today: date | None = None) -> Plan:
    """A draft of the next plan: the same area, objectives, priorities, area lists and actions, for ``period``;
    each action without a status (the new plan starts fresh) and linked to the action it continues
    (``carried_from``). Printed ids, references and notes belong to the earlier document and are dropped.

    ``edition`` moves the draft to another IoD edition's geography; codes and names carried over are then of
    the old one's, and ``plan_problems`` names each that the new geography does not have, at its field.
    """
    data = _data(plan)
    if edition is not None:
        data["edition"] = edition
    when = today or date.today()
    data["id"] = new_id
    data["period"] = period
    data["title"] = title or _retitled(plan.title, plan.period, period)
    data["source"] = {"title": data["title"], "publisher": plan.source.publisher,
                      "note": f"Draft for {period}, continuing '{plan.title}' ({plan.id}). {EDITOR_NOTE}"}
    data["transcription"] = {"by": author, "date": when,
                             "notes": [f"Priorities and actions carried over from plan '{plan.id}' ({plan.period}); "
                                       "statuses reset. " + EDITOR_NOTE]}
    data.pop("notes", None)
    actions = []
    for action, item in zip(plan.actions, data["actions"], strict=True):
        for dropped in ("status", "printed_id", "ref", "notes"):
            item.pop(dropped, None)
        item["carried_from"] = {"plan": plan.id, "action": action.id}
        actions.append(item)
    data["actions"] = actions
    for priority in data["priorities"]:
        priority.pop("ref", None)
        priority.pop("notes", None)
    return _validated(data, "start the next period's draft")


def _retitled(title: str, old_period: str, new_period: str) -> str:
    if old_period and old_period in title:
        return title.replace(old_period, new_period)
    return f"{title} ({new_period})"


def update_plan(plan: Plan, **changes: Any) -> Plan:
    """The plan with top-level fields changed (title, period, area, edition, source, transcription, notes...)."""
    data = _data(plan)
    _set_fields(data, changes, PLAN_FIELDS, "plan")
    return _validated(data, "change the plan")


# -- priorities ---------------------------------------------------------------------------------


def _index(plan: Plan, kind: Literal["priority", "action"], item_id: str) -> int:
    items = plan.priorities if kind == "priority" else plan.actions
    for i, item in enumerate(items):
        if item.id == item_id:
            return i
    raise UnknownItem(plan, kind, item_id)


def _free(plan: Plan, kind: Literal["priority", "action"], new_id: str) -> None:
    items = plan.priorities if kind == "priority" else plan.actions
    if any(item.id == new_id for item in items):
        raise DuplicateId(f"Plan '{plan.id}' already has {'a' if kind == 'priority' else 'an'} {kind} '{new_id}': "
                          f"choose another id.")


def _insert_at(items: list[Any], index: int | None, item: Any) -> None:
    items.insert(len(items) if index is None else index, item)


def next_priority_id(plan: Plan) -> str:
    """A free id for a new priority: one more than the highest numbered priority ('4' after '1'-'3')."""
    ids = {p.id for p in plan.priorities}
    new_id = str(max((int(i) for i in ids if i.isascii() and i.isdigit()), default=0) + 1)
    while new_id in ids:  # pragma: no cover - a number above every numbered id is free
        new_id += "a"
    return new_id


def add_priority(plan: Plan, priority_id: str, title: str, *, after: str | None = None, **fields: Any) -> Plan:
    """The plan with a new priority (after ``after``, else last); ``fields`` are further Priority fields."""
    _free(plan, "priority", priority_id)
    data = _data(plan)
    item: dict[str, Any] = {"id": priority_id, "title": title}
    _set_fields(item, fields, PRIORITY_FIELDS, "priority")
    where = None if after is None else _index(plan, "priority", after) + 1
    _insert_at(data["priorities"], where, item)
    return _validated(data, f"add priority '{priority_id}'")


def update_priority(plan: Plan, priority_id: str, **changes: Any) -> Plan:
    """The plan with a priority's fields changed; a new ``id`` renames it and moves its actions with it."""
    i = _index(plan, "priority", priority_id)
    data = _data(plan)
    new_id = changes.get("id", priority_id)
    if new_id != priority_id:
        _free(plan, "priority", new_id)
        for action in data["actions"]:
            if action["priority"] == priority_id:
                action["priority"] = new_id
    _set_fields(data["priorities"][i], changes, PRIORITY_FIELDS, "priority")
    return _validated(data, f"change priority '{priority_id}'", ("priorities", i))


def remove_priority(plan: Plan, priority_id: str, *, move_actions_to: str | None = None,
                    remove_actions: bool = False) -> Plan:
    """The plan without a priority. Its actions move to ``move_actions_to`` or, with ``remove_actions``, go
    with it; otherwise a priority that still has actions is refused (naming them)."""
    i = _index(plan, "priority", priority_id)
    if len(plan.priorities) == 1:
        raise PlanEditError(f"Priority '{priority_id}' is the plan's only priority: a plan needs at least one. "
                            "Add another priority first.")
    own = [a.id for a in plan.actions if a.priority == priority_id]
    data = _data(plan)
    if own:
        if move_actions_to is not None:
            _index(plan, "priority", move_actions_to)
            if move_actions_to == priority_id:
                raise PlanEditError(f"Cannot move the actions of priority '{priority_id}' to itself.")
            for action in data["actions"]:
                if action["priority"] == priority_id:
                    action["priority"] = move_actions_to
        elif remove_actions:
            if len(own) == len(plan.actions):
                raise PlanEditError(f"Removing priority '{priority_id}' with its actions would leave the plan with "
                                    "no action: a plan needs at least one.")
            data["actions"] = [a for a in data["actions"] if a["priority"] != priority_id]
        else:
            raise PlanEditError(f"Priority '{priority_id}' still has {len(own)} action(s): {', '.join(own)}. Move "
                                "them to another priority or remove them with it.")
    del data["priorities"][i]
    return _validated(data, f"remove priority '{priority_id}'")


# -- actions --------------------------------------------------------------------------------------


def next_action_id(plan: Plan, priority_id: str) -> str:
    """A free action id for a new action of a priority: '<priority>.<n>' after the priority's highest number."""
    numbers = [int(m.group(1)) for a in plan.actions
               if (m := re.fullmatch(re.escape(priority_id) + r"\.(\d+)", a.id))]
    n = max(numbers, default=0) + 1
    taken = {a.id for a in plan.actions}
    while f"{priority_id}.{n}" in taken:
        n += 1
    return f"{priority_id}.{n}"


def add_action(
    plan: Plan,
    action_id: str,
    priority: str,
    title: str,
    *,
    targets: Sequence[Target | dict[str, Any]] | None = None,
    after: str | None = None,
    **fields: Any,
) -> Plan:
    """The plan with a new action of ``priority`` (after ``after``, else after that priority's last action).

    ``targets`` default to the whole district with ``specified: false`` (the action names no place yet);
    ``fields`` are further Action fields (lead, partners, timescale, indicators, progress_targets...).
    """
    _free(plan, "action", action_id)
    _index(plan, "priority", priority)
    data = _data(plan)
    item: dict[str, Any] = {"id": action_id, "priority": priority, "title": title,
                            "target_areas": _plain(list(targets)) if targets else [district_target(False)]}
    _set_fields(item, fields, ACTION_FIELDS, "action")
    if after is not None:
        where: int | None = _index(plan, "action", after) + 1
    else:
        same = [i for i, a in enumerate(plan.actions) if a.priority == priority]
        where = same[-1] + 1 if same else None
    _insert_at(data["actions"], where, item)
    return _validated(data, f"add action '{action_id}'")


def update_action(plan: Plan, action_id: str, **changes: Any) -> Plan:
    """The plan with an action's fields changed (any Action field; a new ``id`` renames it).

    None or an empty list clears an optional field. ``target_areas`` takes Targets or their plain data.
    """
    i = _index(plan, "action", action_id)
    if "id" in changes and changes["id"] != action_id:
        _free(plan, "action", changes["id"])
    if "priority" in changes:
        _index(plan, "priority", changes["priority"])
    if "target_areas" in changes and not changes["target_areas"]:
        raise InvalidEdit(f"change action '{action_id}'",
                          [("target_areas", "an action needs at least one target; use the whole district "
                                            "(specified false) for an action that names no place")])
    data = _data(plan)
    _set_fields(data["actions"][i], changes, ACTION_FIELDS, "action")
    return _validated(data, f"change action '{action_id}'", ("actions", i))


def remove_action(plan: Plan, action_id: str) -> Plan:
    """The plan without an action. The last action cannot be removed (a plan needs one)."""
    i = _index(plan, "action", action_id)
    if len(plan.actions) == 1:
        raise PlanEditError(f"Action '{action_id}' is the plan's only action: a plan needs at least one. "
                            "Add another action first.")
    data = _data(plan)
    del data["actions"][i]
    return _validated(data, f"remove action '{action_id}'")


# -- targets --------------------------------------------------------------------------------------


_CODE = re.compile(r"E0[15][0-9]{6}")  # ASCII digits: "\d" also takes "٠" and "０"


def _code(code: str) -> str:
    """A code as the format has it (stripped, upper case), or PlanEditError saying what a code looks like."""
    cleaned = str(code).strip().upper()
    if not _CODE.fullmatch(cleaned):
        raise PlanEditError(f"'{str(code)[:40]}' is not an LSOA or ward code: a target's codes are E01 (LSOA) or "
                            "E05 (ward) and six digits, e.g. E01024840.")
    return cleaned


def codes_target(codes: Iterable[str], *, quote: str | None = None) -> CodesTarget:
    """LSOAs and wards by code (a map's clicks); codes are upper-cased and stripped, order kept."""
    cleaned = [_code(c) for c in codes]
    return CodesTarget.model_validate({"kind": "codes", "codes": cleaned, **({"quote": quote} if quote else {})})


def names_target(area_type: Literal["lsoa", "ward"], names: Iterable[str], *, quote: str | None = None) -> NamesTarget:
    return NamesTarget.model_validate({"kind": "names", "area_type": area_type, "names": list(names),
                                       **({"quote": quote} if quote else {})})


def decile_target(decile_max: int, *, decile_min: int = 1, measure: str = "imd",
                  decile_type: Literal["national", "local"] = "national", quote: str | None = None) -> RuleTarget:
    """'LSOAs in national IMD deciles 1-2 of the district', and the like for any domain or local deciles."""
    rule = {"rule": "lsoa_decile", "measure": measure, "decile_min": decile_min, "decile_max": decile_max,
            "decile_type": decile_type}
    return RuleTarget.model_validate({"kind": "rule", "rule": rule, **({"quote": quote} if quote else {})})


def indicator_target(indicator: str, *, area_type: Literal["lsoa", "ward"] = "lsoa",
                     comparison: Literal["worse", "similar", "better"] = "worse", level: float = 95,
                     quote: str | None = None) -> RuleTarget:
    """'Wards significantly worse than England on indicator X at 99.8%', and the like."""
    rule = {"rule": "indicator_vs_england", "indicator": indicator, "area_type": area_type,
            "comparison": comparison, "level": level}
    return RuleTarget.model_validate({"kind": "rule", "rule": rule, **({"quote": quote} if quote else {})})


def district_target(specified: bool = True, *, quote: str | None = None) -> DistrictTarget:
    """The whole area: ``specified`` True when the plan says so, False when the action names no place."""
    return DistrictTarget.model_validate({"kind": "district", "specified": specified,
                                          **({"quote": quote} if quote else {})})


def set_targets(plan: Plan, action_id: str, targets: Sequence[Target | dict[str, Any]]) -> Plan:
    """The plan with an action's targets replaced (codes, names, a rule, a list, the whole district)."""
    return update_action(plan, action_id, target_areas=list(targets))


def toggle_code(plan: Plan, action_id: str, code: str) -> Plan:
    """A map click: add ``code`` to the action's codes target, or remove it when it is there.

    The first codes target takes the click (one is added when there is none, replacing a whole-district
    placeholder that names no place). Removing the last code removes that target; an action left with no
    target reaches the whole district with ``specified: false``, as a plan that names no place does.
    """
    action = plan.actions[_index(plan, "action", action_id)]
    code = _code(code)
    targets: list[Any] = list(action.target_areas)
    at = next((i for i, t in enumerate(targets) if isinstance(t, CodesTarget)), None)
    if at is None:
        targets = [t for t in targets if not (isinstance(t, DistrictTarget) and not t.specified)]
        targets.append(codes_target([code]))
    else:
        current: CodesTarget = targets[at]
        codes = [c for c in current.codes if c != code] if code in current.codes else [*current.codes, code]
        if codes:
            targets[at] = CodesTarget.model_validate({**_plain(current), "codes": codes})
        else:
            del targets[at]
    if not targets:
        targets = [district_target(False)]
    return update_action(plan, action_id, target_areas=targets)


def target_summary(target: Target, edition: int) -> str:
    """A target in a few words, for diffs and lists: 'codes E01024840, E01024841', 'the whole area'..."""
    if isinstance(target, CodesTarget):
        shown = ", ".join(target.codes[:8]) + (f" and {len(target.codes) - 8} more" if len(target.codes) > 8 else "")
        return f"{len(target.codes)} code(s): {shown}"
    if isinstance(target, NamesTarget):
        return f"{target.area_type} names: " + ", ".join(target.names[:8])
    if isinstance(target, RuleTarget):
        return f"rule: {target.rule.describe(edition)}"
    if isinstance(target, ListTarget):
        return f"area list '{target.list}'"
    return "the whole area" + ("" if target.specified else " (names no place)")


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
            found = _file_problems(exc, _data(model))
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


# ---------------------------------------------------------------------------------------------
# Reach of one action
# ---------------------------------------------------------------------------------------------


@dataclass
class Reach:
    """What one action reaches now: its LSOAs (with ward, IMD decile and population), wards and people.

    ``lsoas`` columns: lsoa_code, lsoa_name, ward_code, ward_name, imd_decile, population, reach ('lsoa',
    'ward' or 'district': how the action reaches it). ``deciles`` counts the LSOAs per national IMD decile
    (1-10, zeros kept). ``targets`` has one line per target saying what it resolves to today; ``problems``
    the targets that cannot be resolved (they reach nothing). ``district_wide`` is True when a target is the
    whole area, so the counts are the whole district's.
    """

    action_id: str
    lsoas: pd.DataFrame
    wards: pd.DataFrame
    people: float
    deciles: dict[int, int]
    targets: list[str]
    problems: list[Problem] = field(default_factory=list)
    district_wide: bool = False

    @property
    def n_lsoas(self) -> int:
        return len(self.lsoas)

    @property
    def n_wards(self) -> int:
        return len(self.wards)


def action_reach(plan: Plan, action_id: str) -> Reach:
    """How many LSOAs, wards and people an action reaches, their IMD deciles, and what each target resolves
    to today (rules are evaluated on the data now). Wards reach their LSOAs through the edition's best-fit
    lookup, as on the Plan page; population is the IoD edition's."""
    from hiap_geo.geo.deprivation import load_iod
    from hiap_geo.plans.resolve import Resolver, area_lookup, lsoa_reach, resolve_targets

    action = plan.actions[_index(plan, "action", action_id)]
    resolver = Resolver(plan.model_copy(update={"actions": [action]}))
    lines: list[str] = []
    problems: list[Problem] = []
    usable: list[Target] = []
    for i, target in enumerate(action.target_areas):
        where = f"target_areas[{i}]"
        summary = target_summary(target, plan.edition)
        words = (target.quote or target.rule.describe(plan.edition)) if isinstance(target, RuleTarget) else summary
        areas = []
        if isinstance(target, CodesTarget | NamesTarget):  # each code or name on its own: one typo hides no other
            kept = []
            values = target.codes if isinstance(target, CodesTarget) else target.names
            for value in values:
                try:
                    areas.append(resolver.code(value) if isinstance(target, CodesTarget)
                                 else resolver.name(value, target.area_type))
                    kept.append(value)
                except TargetError as exc:
                    problems.append(Problem(str(exc), exc.kind, where, action_id, value=value))
            if kept:
                key = "codes" if isinstance(target, CodesTarget) else "names"
                usable.append(target.model_copy(update={key: kept}))
        else:
            try:
                areas = list(resolver.target(target))
                usable.append(target)
            except (TargetError, PlanError) as exc:
                kind = exc.kind if isinstance(exc, TargetError) else "reference"
                problems.append(Problem(str(exc), kind, where, action_id, value=words))
                lines.append(f"{summary}: cannot be resolved ({exc})")
                continue
        if isinstance(target, DistrictTarget):
            lines.append(f"{summary}: all of {plan.area.name}")
        elif not areas:
            lines.append(f"{summary}: no area today")
            if isinstance(target, RuleTarget):
                problems.append(Problem(f"{summary} selects no area of {plan.area.name}: the target reaches nothing.",
                                        "empty_rule", where, action_id, value=words))
        else:
            shown = ", ".join(f"{a.code} {a.name}" for a in areas[:12])
            more = f" and {len(areas) - 12} more" if len(areas) > 12 else ""
            lines.append(f"{summary}: {len(areas)} {'area' if len(areas) == 1 else 'areas'} ({shown}{more})")
    one = plan.model_copy(update={"actions": [action.model_copy(update={"target_areas": usable})]})
    resolved = resolve_targets(one, strict=False)
    reach = lsoa_reach(one, resolved)
    lookup = area_lookup(plan)
    iod = load_iod(plan.edition)[["lsoa_code", "imd_decile", "population"]]
    lsoas = (reach[["lsoa_code", "reach"]]
             .merge(lookup[["lsoa_code", "lsoa_name", "ward_code", "ward_name"]], on="lsoa_code", how="left")
             .merge(iod, on="lsoa_code", how="left"))
    lsoas = lsoas[["lsoa_code", "lsoa_name", "ward_code", "ward_name", "imd_decile", "population", "reach"]]
    lsoas = lsoas.sort_values("lsoa_code").reset_index(drop=True)
    wards = (lsoas.groupby(["ward_code", "ward_name"], as_index=False)
             .agg(lsoas=("lsoa_code", "size"), population=("population", "sum")))
    counts = lsoas["imd_decile"].dropna().astype(int).value_counts()
    deciles = {d: int(counts.get(d, 0)) for d in range(1, 11)}
    return Reach(action_id, lsoas, wards, float(lsoas["population"].sum()), deciles, lines, problems,
                 any(isinstance(t, DistrictTarget) for t in action.target_areas))


# ---------------------------------------------------------------------------------------------
# YAML and differences
# ---------------------------------------------------------------------------------------------


def plan_yaml(plan: Plan, *, original: LoadedPlan | None = None) -> str:
    """The plan as YAML in the format of ``data/plans/README.md``, reading back (``parse_plan``) to an equal plan.

    With ``original`` (the file the plan was loaded from) an unchanged plan is that file byte for byte, and an
    edited one keeps the comments, quoting and layout of every part the edits did not touch.
    """
    if original is not None:
        if original.plan == plan:  # equal plans, even where an edit dropped an explicit default ('how: []')
            return original.text
        old, new = _data(original.plan), _data(plan)
        spliced = splice_yaml(original.text, original._root, old, new)
        if spliced is not None and _reads_back(spliced, plan):
            return spliced
    text = dump_plan_data(_data(plan))
    if not _reads_back(text, plan):
        raise PlanError(f"Plan '{plan.id}' cannot be written as YAML that reads back the same; please report this.")
    return text


def _reads_back(text: str, plan: Plan) -> bool:
    try:
        _, data = parse_strict(text, "")
        return Plan.model_validate(data) == plan
    except (YamlProblems, ValidationError):
        return False


def plan_diff(old: Plan, new: Plan) -> list[str]:
    """What changed from ``old`` to ``new``, one plain-English line each (plain text: escape it to show it)."""
    lines: list[str] = []
    for name in ("id", "title", "period", "edition"):
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            lines.append(f"Plan {name} changed from '{a}' to '{b}'.")
    for name in ("area", "source", "transcription", "objectives", "area_lists", "notes"):
        if getattr(old, name) != getattr(new, name):
            lines.append(f"Plan {name.replace('_', ' ')} changed.")
    before = {p.id: p for p in old.priorities}
    after = {p.id: p for p in new.priorities}
    for pid, p in after.items():
        if pid not in before:
            lines.append(f"Priority {pid} '{p.title}' added.")
        elif before[pid] != p:
            if before[pid].title != p.title:
                lines.append(f"Priority {pid} retitled from '{before[pid].title}' to '{p.title}'.")
            rest = _changed_fields(before[pid], p, {"title"})
            if rest:
                lines.append(f"Priority {pid}: {', '.join(rest)} changed.")
    lines += [f"Priority {pid} '{p.title}' removed." for pid, p in before.items() if pid not in after]
    change = plan_change(old, new)
    lines += [f"Action {i} '{t}' added." for i, t in change.added]
    lines += [f"Action {i} '{t}' removed." for i, t in change.removed]
    lines += [f"Action {a} renamed to {b} ('{t}')." for a, b, t in change.renamed]
    lines += [f"Action {i} retitled from '{a}' to '{b}'." for i, a, b in change.retitled]
    was = {a.id: a for a in old.actions}
    renamed = {b: a for a, b, _ in change.renamed}
    for action in new.actions:
        earlier = was.get(action.id) or was.get(renamed.get(action.id, ""))
        if earlier is None or earlier == action:
            continue
        if earlier.priority != action.priority:
            lines.append(f"Action {action.id} moved from priority {earlier.priority} to {action.priority}.")
        if earlier.target_areas != action.target_areas:
            lines.append(f"Action {action.id} targets changed from "
                         f"{'; '.join(target_summary(t, old.edition) for t in earlier.target_areas)} to "
                         f"{'; '.join(target_summary(t, new.edition) for t in action.target_areas)}.")
        if earlier.status != action.status:
            lines.append(f"Action {action.id} status changed from {_status(earlier.status)} to "
                         f"{_status(action.status)}.")
        rest = _changed_fields(earlier, action, {"id", "title", "priority", "target_areas", "status"})
        if rest:
            lines.append(f"Action {action.id}: {', '.join(rest)} changed.")
    if [a.id for a in old.actions if a.id in {b.id for b in new.actions}] != \
            [a.id for a in new.actions if a.id in {b.id for b in old.actions}]:
        lines.append("The order of the actions changed.")
    return lines


def _status(status: str | None) -> str:
    return STATUSES[status] if status else "none"


def _changed_fields(a: BaseModel, b: BaseModel, skip: set[str]) -> list[str]:
    return [name.replace("_", " ") for name in type(a).model_fields
            if name not in skip and getattr(a, name) != getattr(b, name)]
