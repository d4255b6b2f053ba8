"""Pure edits of the frozen ``Plan``: new plans, next-period drafts, priorities, actions and their targets.

Every edit returns a new, validated ``Plan`` (the schema's own rules: an edit that would break them raises
``InvalidEdit`` naming the field) and refers to priorities and actions by id (an unknown id raises
``UnknownItem`` listing the known ones)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from hiap_geo.core.text import counted
from hiap_geo.plans.load import cross_references
from hiap_geo.plans.schema import (
    AREA_PLURALS,
    MAX_PLAN_BYTES,
    Action,
    CodesTarget,
    DistrictTarget,
    ListTarget,
    NamesTarget,
    Plan,
    PlanError,
    Priority,
    RuleTarget,
    Target,
)

EDITOR_NOTE = "Written in HIAP Geo's plan editor, not transcribed from a published document."
"""The note a plan written in the app carries (source and transcription), so no reader takes it for a transcription."""

ACTION_FIELDS: tuple[str, ...] = tuple(Action.model_fields)
"""The fields of an action an edit may set (``update_action``)."""

PRIORITY_FIELDS: tuple[str, ...] = tuple(Priority.model_fields)

PLAN_FIELDS: tuple[str, ...] = ("title", "period", "area", "edition", "source", "transcription", "notes",
                                "objectives", "area_lists", "indicators")
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


def plan_data(plan: Plan) -> dict[str, Any]:
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
    data = plan_data(plan)
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
    data = plan_data(plan)
    _set_fields(data, changes, PLAN_FIELDS, "plan")
    return _validated(data, "change the plan")


# -- priorities ---------------------------------------------------------------------------------


def item_index(plan: Plan, kind: Literal["priority", "action"], item_id: str) -> int:
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
    data = plan_data(plan)
    item: dict[str, Any] = {"id": priority_id, "title": title}
    _set_fields(item, fields, PRIORITY_FIELDS, "priority")
    where = None if after is None else item_index(plan, "priority", after) + 1
    _insert_at(data["priorities"], where, item)
    return _validated(data, f"add priority '{priority_id}'")


def update_priority(plan: Plan, priority_id: str, **changes: Any) -> Plan:
    """The plan with a priority's fields changed; a new ``id`` renames it and moves its actions with it."""
    i = item_index(plan, "priority", priority_id)
    data = plan_data(plan)
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
    i = item_index(plan, "priority", priority_id)
    if len(plan.priorities) == 1:
        raise PlanEditError(f"Priority '{priority_id}' is the plan's only priority: a plan needs at least one. "
                            "Add another priority first.")
    own = [a.id for a in plan.actions if a.priority == priority_id]
    data = plan_data(plan)
    if own:
        if move_actions_to is not None:
            item_index(plan, "priority", move_actions_to)
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
    item_index(plan, "priority", priority)
    data = plan_data(plan)
    item: dict[str, Any] = {"id": action_id, "priority": priority, "title": title,
                            "target_areas": _plain(list(targets)) if targets else [district_target(False)]}
    _set_fields(item, fields, ACTION_FIELDS, "action")
    if after is not None:
        where: int | None = item_index(plan, "action", after) + 1
    else:
        same = [i for i, a in enumerate(plan.actions) if a.priority == priority]
        where = same[-1] + 1 if same else None
    _insert_at(data["actions"], where, item)
    return _validated(data, f"add action '{action_id}'")


def update_action(plan: Plan, action_id: str, **changes: Any) -> Plan:
    """The plan with an action's fields changed (any Action field; a new ``id`` renames it).

    None or an empty list clears an optional field. ``target_areas`` takes Targets or their plain data.
    """
    i = item_index(plan, "action", action_id)
    if "id" in changes and changes["id"] != action_id:
        _free(plan, "action", changes["id"])
    if "priority" in changes:
        item_index(plan, "priority", changes["priority"])
    if "target_areas" in changes and not changes["target_areas"]:
        raise InvalidEdit(f"change action '{action_id}'",
                          [("target_areas", "an action needs at least one target; use the whole district "
                                            "(specified false) for an action that names no place")])
    data = plan_data(plan)
    _set_fields(data["actions"][i], changes, ACTION_FIELDS, "action")
    return _validated(data, f"change action '{action_id}'", ("actions", i))


def remove_action(plan: Plan, action_id: str) -> Plan:
    """The plan without an action. The last action cannot be removed (a plan needs one)."""
    i = item_index(plan, "action", action_id)
    if len(plan.actions) == 1:
        raise PlanEditError(f"Action '{action_id}' is the plan's only action: a plan needs at least one. "
                            "Add another action first.")
    data = plan_data(plan)
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
    action = plan.actions[item_index(plan, "action", action_id)]
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
    """A target in a few words, for diffs and lists: '2 LSOAs picked: E01024840, E01024841', 'wards named:
    Sherwood', 'the whole area'... (codes as the plan holds them: a page names them with its lookups)."""
    if isinstance(target, CodesTarget):
        kinds = sorted({"ward" if c.startswith("E05") else "LSOA" for c in target.codes})
        noun = kinds[0] if len(kinds) == 1 else "area"
        shown = ", ".join(target.codes[:8]) + (f" and {len(target.codes) - 8} more" if len(target.codes) > 8 else "")
        return f"{counted(len(target.codes), noun)} picked: {shown}"
    if isinstance(target, NamesTarget):
        return f"{AREA_PLURALS[target.area_type]} named: " + ", ".join(target.names[:8]) + (
            f" and {len(target.names) - 8} more" if len(target.names) > 8 else "")
    if isinstance(target, RuleTarget):
        return f"rule: {target.rule.describe(edition)}"
    if isinstance(target, ListTarget):
        return f"the plan's list '{target.list}'"
    return "the whole area" + ("" if target.specified else " (names no place)")
