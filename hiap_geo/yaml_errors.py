"""Where a problem is in a YAML file: the line and the dotted field of a pydantic error location.

The plan files (``hiap_geo.plan``) and the plan-figures files (``hiap_geo.plan_figures``) are read
the same way: the YAML node tree is kept beside the validated model, and every schema or
cross-reference problem becomes ``(line, field, message)`` found by following the error's location
through that tree.
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import ValidationError

Loc = tuple[str | int, ...]
"""A location in a document, as pydantic gives it: keys and list indexes (``'actions', 3, 'title'``)."""

Problem = tuple[int | None, str | None, str]
"""One problem: 1-based line (or None), dotted field (or None), message."""


def node_at(root: yaml.Node, loc: Loc) -> tuple[yaml.Node | None, list[str | int]]:
    """Follow a pydantic location through the YAML node tree; returns the node and the parts matched.

    Parts that are not keys (the tag of a tagged union) are skipped; an unknown key's location is the
    key itself, so 'unknown field' errors point at the offending line.
    """
    node: yaml.Node | None = root
    matched: list[str | int] = []
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, yaml.MappingNode):
            hit = next(((k, v) for k, v in node.value if k.value == part), None)
            if hit is None:
                continue
            key, value = hit
            if not last and isinstance(value, yaml.ScalarNode):
                continue  # a union tag that happens to equal a key: stay on the mapping
            node = key if last else value
            matched.append(part)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            matched.append(part)
    return node, matched


def line_at(root: yaml.Node, loc: Loc) -> int | None:
    """The 1-based line of the node at ``loc`` (or of the nearest enclosing node the file has)."""
    node, _ = node_at(root, loc)
    return node.start_mark.line + 1 if node is not None else None


def dotted(root: yaml.Node, loc: Loc) -> str:
    """The matched part of ``loc`` as a field path, e.g. ``actions[3].title``; '(top level)' for none."""
    _, matched = node_at(root, loc)
    out = ""
    for part in matched:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def schema_problems(exc: ValidationError, root: yaml.Node, fields_doc: str) -> list[Problem]:
    """Every error of a pydantic validation as ``(line, field, message)``; ``fields_doc`` names the format's README."""
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc: Loc = tuple(err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            path = dotted(root, loc)
            message = f"unknown field '{loc[-1]}' (check the spelling; {fields_doc} lists the fields)"
        elif kind == "missing":
            parent = dotted(root, loc[:-1])
            path = f"{parent}.{loc[-1]}" if parent != "(top level)" else str(loc[-1])
            message = f"missing required field '{loc[-1]}'"
        else:
            path = dotted(root, loc)
            message = err["msg"].removeprefix("Value error, ")
            value = err.get("input")
            if kind == "string_type" and isinstance(value, int | float):
                message += f" (YAML read {value!r} as a number: put it in quotes, e.g. '{value}')"
            elif kind in ("literal_error", "union_tag_invalid") or kind.startswith("string_pattern"):
                message += f" (got {_short(value)})"
        problems.append((line_at(root, loc), path, message))
    return problems


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


__all__ = ["Loc", "Problem", "dotted", "line_at", "node_at", "schema_problems"]
