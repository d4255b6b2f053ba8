"""Reading plan files: size limit, UTF-8, YAML with line numbers, schema errors that name the line and field.

Loading never corrects anything: a plan that cannot be used raises ``PlanFileError`` listing every
problem with its line and field, and a valid plan keeps its text and the YAML line of every field
(``plan check`` and the progress store need both).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from hiap_geo.core._yaml import Loc, YamlProblems, dotted, line_at, parse_strict, schema_problems
from hiap_geo.core.files import read_regular, regular_file_size
from hiap_geo.core.limits import MAX_PLAN_ACTIONS
from hiap_geo.plans.schema import MAX_PLAN_BYTES, PLANS_DIR, ListTarget, Plan, PlanFileError


@dataclass
class LoadedPlan:
    """A validated plan with where it came from and the YAML line of every field (for reports)."""

    plan: Plan
    source: str
    text: str
    _root: yaml.Node = field(repr=False)

    def line_of(self, *loc: str | int) -> int | None:
        """The 1-based line of the YAML node at ``loc`` (e.g. ``'actions', 3, 'title'``)."""
        return line_at(self._root, loc)


def load_plan(path: str | Path) -> Plan:
    """Read and validate a plan file; errors name the line and field."""
    return read_plan(path).plan


def read_plan(path: str | Path) -> LoadedPlan:
    """Like ``load_plan`` but keeps the text and line numbers (``plan check`` reports lines)."""
    path = Path(path)
    source = str(path)
    try:
        size = regular_file_size(path)
    except OSError as exc:
        raise PlanFileError(source, [(None, None, f"cannot read the file: {exc.strerror or exc}")]) from exc
    if size > MAX_PLAN_BYTES:
        raise PlanFileError(source, [(None, None, _too_large(size))])
    try:
        raw = read_regular(path, MAX_PLAN_BYTES)
    except OSError as exc:
        raise PlanFileError(source, [(None, None, f"cannot read the file: {exc.strerror or exc}")]) from exc
    return parse_plan(raw, source)


def parse_plan(content: str | bytes, source: str = "<plan>") -> LoadedPlan:
    """Validate plan text (str or UTF-8 bytes) already in memory, e.g. from an upload."""
    if isinstance(content, bytes):
        if len(content) > MAX_PLAN_BYTES:
            raise PlanFileError(source, [(None, None, _too_large(len(content)))])
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = content[: exc.start].count(b"\n") + 1
            raise PlanFileError(source, [(line, None, f"not UTF-8 text (byte {exc.start}); save it as UTF-8")]) from exc
    else:
        text = content
        if len(text.encode("utf-8")) > MAX_PLAN_BYTES:
            raise PlanFileError(source, [(None, None, _too_large(len(text.encode("utf-8"))))])
    root, data = _parse_yaml(text, source)
    actions = data.get("actions") if isinstance(data, dict) else None
    if isinstance(actions, list) and len(actions) > MAX_PLAN_ACTIONS:
        raise PlanFileError(source, [(None, "actions", f"the plan has {len(actions):,} actions; plans are limited to "
                                                       f"{MAX_PLAN_ACTIONS:,} (split it into several plans)")])
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        raise PlanFileError(source, schema_problems(exc, root, "data/plans/README.md")) from exc
    problems = [(line_at(root, loc), dotted(root, loc), msg) for loc, msg in cross_references(plan)]
    if problems:
        raise PlanFileError(source, problems)
    return LoadedPlan(plan, source, text, root)


def _too_large(size: int) -> str:
    return f"the file is {size:,} bytes; plans are limited to {MAX_PLAN_BYTES:,} bytes (split or shorten it)"


def _parse_yaml(text: str, source: str) -> tuple[yaml.Node, Any]:
    try:
        return parse_strict(text, "title:, actions: ...")
    except YamlProblems as exc:
        raise PlanFileError(source, exc.problems) from exc


def cross_references(plan: Plan) -> list[tuple[Loc, str]]:
    """Ids unique, and every reference (priority, objective, area list) names something that exists."""
    problems: list[tuple[Loc, str]] = []
    for section in ("objectives", "priorities", "area_lists", "actions"):
        first: dict[str, int] = {}
        for i, item in enumerate(getattr(plan, section)):
            if item.id in first:
                problems.append(
                    ((section, i, "id"), f"id '{item.id}' is used twice in {section} (also item {first[item.id]})")
                )
            else:
                first[item.id] = i
    objectives = {o.id for o in plan.objectives}
    priorities = {p.id for p in plan.priorities}
    lists = {lst.id for lst in plan.area_lists}
    for i, p in enumerate(plan.priorities):
        if p.objective is not None and p.objective not in objectives:
            problems.append((("priorities", i, "objective"), f"objective '{p.objective}' is not in objectives"))
    for i, a in enumerate(plan.actions):
        if a.priority not in priorities:
            problems.append((("actions", i, "priority"), f"priority '{a.priority}' is not in priorities"))
        for j, t in enumerate(a.target_areas):
            if isinstance(t, ListTarget) and t.list not in lists:
                problems.append(
                    (("actions", i, "target_areas", j, "list"), f"area list '{t.list}' is not in area_lists")
                )
    return problems


def plan_files(folder: Path | None = None) -> list[Path]:
    """The plan files shipped in ``data/plans`` (or another folder), sorted by name."""
    folder = folder or PLANS_DIR
    return sorted(p for p in folder.glob("*.yaml") if p.is_file())

