"""A plan as YAML in the format of ``data/plans/README.md`` and what changed between two plans, in words.

Given the file the plan was loaded from, only the parts that changed are rewritten (``plans.yaml_splice``), so an
unchanged plan is written back byte for byte."""

from __future__ import annotations

from pydantic import BaseModel, ValidationError

from hiap_geo.core._yaml import YamlProblems, parse_strict
from hiap_geo.plans.editor.edits import plan_data, target_summary
from hiap_geo.plans.load import LoadedPlan
from hiap_geo.plans.schema import (
    STATUSES,
    Plan,
    PlanError,
)
from hiap_geo.plans.status import plan_change
from hiap_geo.plans.yaml_splice import dump_plan_data, splice_yaml

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
        old, new = plan_data(original.plan), plan_data(plan)
        spliced = splice_yaml(original.text, original._root, old, new)
        if spliced is not None and _reads_back(spliced, plan):
            return spliced
    text = dump_plan_data(plan_data(plan))
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
    for name in ("area", "source", "transcription", "objectives", "area_lists", "indicators", "notes"):
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
