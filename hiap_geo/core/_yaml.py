"""Strict YAML reading for plan files and plan-figure files, and where a problem is: line and dotted field.

The plan files (``hiap_geo.plans.load``) and the plan-figures files (``hiap_geo.plans.figures.load``) are read
the same way: the YAML node tree is kept beside the validated model, and every schema or
cross-reference problem becomes ``(line, field, message)`` found by following the error's location
through that tree.
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import ValidationError

from hiap_geo.core.limits import MAX_NESTING, shorten

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


def problem_lines(problems: list[Problem], limit: int = 25) -> str:
    """Problems as indented lines ('  line 12, actions[3].title: ...'), the first ``limit`` and a count of the rest:
    how plan files and plan-figure files report what is wrong with them."""
    lines = []
    for line, path, message in problems[:limit]:
        where = ", ".join(p for p in (f"line {line}" if line else None, path) if p)
        lines.append(f"  {where + ': ' if where else ''}{message}")
    more = f"\n  ... and {len(problems) - limit} more" if len(problems) > limit else ""
    return "\n".join(lines) + more


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


__all__ = ["Loc", "Problem", "dotted", "line_at", "node_at", "problem_lines", "schema_problems"]


class YamlProblems(Exception):  # noqa: N818 - carries problems to the caller's own named error
    """Problems found while reading a YAML file, each with its line; callers raise their own error."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(message for _, _, message in problems))
        self.problems = problems


_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it (about 7x faster), with the same nodes and line marks."""


def parse_strict(text: str, top_level: str) -> tuple[yaml.Node, Any]:
    """One YAML mapping, with its node tree kept for line numbers.

    Repeated keys (PyYAML silently keeps the last), anchors, aliases and merge keys (which hide copies
    and can blow up in size) are problems; ``top_level`` names the expected fields for the message.
    """
    _check_nesting(text)
    loader = _SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise YamlProblems([(None, None, "the file is empty")])
        problems = _aliases_and_duplicates(root)
        if problems:
            raise YamlProblems(problems)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise YamlProblems([(mark.line + 1 if mark else None, None, f"bad YAML: {problem}")]) from exc
    except yaml.YAMLError as exc:
        raise YamlProblems([(None, None, f"bad YAML: {exc}")]) from exc
    except (ValueError, OverflowError) as exc:  # e.g. a 5,001-digit integer, past Python's conversion limit
        raise YamlProblems([(None, None, f"a value cannot be read ({shorten(exc, 60)}); numbers of thousands "
                                         "of digits are not figures a plan states")]) from exc
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise YamlProblems([(1, None, f"the top level must be a mapping of fields ({top_level})")])
    return root, data


def _check_nesting(text: str) -> None:
    """Refuse a document nested deeper than MAX_NESTING before building its node tree.

    libyaml's composer recurses once per level and crashes the whole process (not a Python error) on
    tens of thousands of nested ``[``; its event parser keeps an explicit stack, so counting events is safe.
    """
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    line = event.start_mark.line + 1 if event.start_mark else None
                    raise YamlProblems([(line, None, f"the document is nested more than {MAX_NESTING} levels deep "
                                                     "(lists in lists or fields in fields); flatten it")])
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError:
        return  # reported with its line by the full parse that follows
    except yaml.YAMLError:
        return


def _aliases_and_duplicates(root: yaml.Node) -> list[Problem]:
    seen: set[int] = set()
    problems: list[Problem] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            problems.append((node.start_mark.line + 1, None, "YAML anchors and aliases (&, *) are not allowed"))
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: dict[Any, int] = {}
            for key, value in node.value:
                if key.value in keys:
                    problems.append((key.start_mark.line + 1, str(key.value),
                                     f"the field '{key.value}' appears twice in this mapping "
                                     f"(first on line {keys[key.value]})"))
                else:
                    keys[key.value] = key.start_mark.line + 1
                if key.tag == "tag:yaml.org,2002:merge":
                    problems.append((key.start_mark.line + 1, None, "YAML merge keys (<<) are not allowed"))
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return sorted(problems, key=lambda p: p[0] or 0)
