"""Writing plan YAML: a whole plan in the house layout, or an edited plan spliced into the file it came from.

Why not a round-trip YAML library: plan files are read by PyYAML (YAML 1.1, ``core._yaml``), and a writer on
YAML 1.2 (ruamel.yaml) leaves ``yes``, ``on`` or ``1:20`` unquoted, which PyYAML then reads as a boolean or a
number. Here every new or changed part is emitted by PyYAML's own emitter (its quoting matches its reader),
and every part the edit did not touch is copied from the original text, byte for byte, comments included:
the node tree of the loaded file gives each mapping entry's and list item's position, and a changed entry is
rebuilt from its unchanged neighbours. List items with ``id`` are matched by id, so adding, removing or
reordering actions keeps the others as they were. The caller (``plans.editor.plan_yaml``) reads the result
back and falls back on a whole fresh dump should a splice not read back to the same plan.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

WIDTH = 110
"""Longest line the emitter aims for (the transcribed plans' own width)."""

FLOW_WIDTH = 100
"""A list or mapping is written in flow style (``[a, b]``, ``{kind: district, ...}``) when it fits this width."""


class _Flow(list):  # type: ignore[type-arg]
    """A list to write in flow style."""


class _FlowMap(dict):  # type: ignore[type-arg]
    """A mapping to write in flow style."""


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper with lists indented under their key (``key:\\n  - item``), as the plan files have."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


_BREAKS = "\x85\u2028\u2029"
"""Line breaks to YAML that PyYAML writes raw in other styles and then reads back as spaces (NEL, in a quoted
or block scalar): double quotes escape them (``\\N``)."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """Quote in double quotes what YAML would read as another type ('1.10', 'yes', '2024-01-01'); write long
    one-line text folded (``>-``) like the transcriptions, and text with line breaks as a literal block."""
    tag = "tag:yaml.org,2002:str"
    style = None
    if dumper.resolve(yaml.ScalarNode, value, (True, False)) != tag or any(c in value for c in _BREAKS):
        style = '"'
    elif "\n" in value and value == value.strip() and "\t" not in value:
        style = "|"
    elif len(value) > WIDTH - 20 and "\n" not in value and value == value.strip() and "  " not in value:
        style = ">"
    return dumper.represent_scalar(tag, value, style=style)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))
_Dumper.add_representer(_FlowMap, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(),
                                                                   flow_style=True))


def _dump(value: Any) -> str:
    return yaml.dump(value, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=WIDTH,
                     default_flow_style=False)


def _flow_text(value: Any) -> str:
    return yaml.dump(value, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10**6,
                     default_flow_style=True).rstrip("\n").removesuffix("\n...")


def _styled(value: Any, key: str | None = None, flow: bool | None = None) -> Any:
    """Mark the lists and mappings to write in flow style: short lists of scalars, short target lists and the
    entries of area lists, as the transcriptions are written; ``flow`` forces a choice for the outer value."""
    if isinstance(value, dict):
        inner = {k: _styled(v, k) for k, v in value.items()}
        if "kind" in inner:  # a target reads from its kind: {kind: codes, codes: [...], quote: ...}
            inner = {"kind": inner["kind"], **{k: v for k, v in inner.items() if k != "kind"}}
        if flow is None:
            limit = FLOW_WIDTH + 40 if key == "entry" else FLOW_WIDTH
            flow = key in ("entry", "rule", "carried_from") and len(_flow_text(inner)) <= limit
        return _FlowMap(inner) if flow else inner
    if isinstance(value, list):
        items = [_styled(v, "entry") for v in value] if key == "entries" else [_styled(v) for v in value]
        if flow is None:
            simple = all(not isinstance(v, dict | list) for v in value)
            eligible = (simple and key in ("codes", "names", "key_priorities")) or key == "target_areas"
            flow = not value or (eligible and len(_flow_text(value)) <= FLOW_WIDTH)
        return _Flow(items) if flow else items
    return value


def _indent(text: str, column: int) -> str:
    """Indent every line but the first by ``column`` (the first goes where the caller places it); empty lines
    stay empty (no trailing spaces; an empty line in a block scalar needs no indentation)."""
    return re.sub(r"\n(?=[^\n])", "\n" + " " * column, text) if column else text


def _entry(key: str, value: Any, column: int, flow: bool | None = None) -> str:
    return _indent(_dump({key: _styled(value, key, flow)}).rstrip("\n"), column)


def _item(value: Any, column: int, key: str | None = None) -> str:
    """A list item's text from its dash: '- id: x\\n  title: y', placed with the dash at ``column``."""
    return _indent(_dump([_styled(value, "entry" if key == "entries" else None)]).rstrip("\n"), column)


def dump_plan_data(data: dict[str, Any]) -> str:
    """A whole plan (plain data, fields in the model's order) as YAML: a header comment, then each top-level
    field, with a blank line before each list of priorities, lists and actions."""
    head = "# A Health Inequalities Action Plan written in HIAP Geo's plan editor.\n# Format: data/plans/README.md.\n"
    parts = []
    for key, value in data.items():
        gap = "\n" if isinstance(value, list) and value and isinstance(value[0], dict) else ""
        parts.append(gap + _entry(key, value, 0) + "\n")
    return head + "".join(parts)


# ---------------------------------------------------------------------------------------------
# Splicing
# ---------------------------------------------------------------------------------------------


class _Splicer:
    def __init__(self, text: str):
        self.text = text

    def end(self, node: yaml.Node) -> int:
        """Where a node's own text ends: block collections end with their last value (not with the comments
        and blank lines after it), scalars without the line breaks a block scalar consumes."""
        if isinstance(node, yaml.ScalarNode):
            start, stop = node.start_mark.index, node.end_mark.index
            while stop > start and self.text[stop - 1] in " \t\r\n":
                stop -= 1
            return stop
        if node.flow_style or not node.value:
            return node.end_mark.index
        last = node.value[-1]
        return self.end(last[1] if isinstance(node, yaml.MappingNode) else last)

    def flow(self, node: yaml.Node, value: Any, column: int) -> bool | None:
        """Write a changed value in flow style when the file had it so and it still fits the line."""
        if isinstance(node, yaml.CollectionNode) and node.flow_style:
            return column + len(_flow_text(value)) <= WIDTH or None
        return None

    def render(self, node: yaml.Node, old: Any, new: Any, key: str | None = None) -> str | None:
        """The text of ``node``'s value changed from ``old`` to ``new``; None when it must be written afresh."""
        if type(old) is type(new) and old == new:
            return self.text[node.start_mark.index: self.end(node)]
        if isinstance(node, yaml.MappingNode) and not node.flow_style and isinstance(old, dict) \
                and isinstance(new, dict) and new:
            return self.mapping(node, old, new)
        if isinstance(node, yaml.SequenceNode) and not node.flow_style and isinstance(old, list) \
                and isinstance(new, list) and new:
            return self.sequence(node, old, new, key)
        return None

    def mapping(self, node: yaml.MappingNode, old: dict[str, Any], new: dict[str, Any]) -> str | None:
        keys = [k.value for k, _ in node.value]
        if keys != list(old) and (set(keys) != set(old) or len(keys) != len(old)):
            return None
        column = node.value[0][0].start_mark.column
        at = {k.value: i for i, (k, _) in enumerate(node.value)}
        order = [k for k in keys if k in new]
        wanted = list(new)
        for n, key in enumerate(wanted):  # a new field goes after the field before it in the model's order
            if key not in at:
                anchor = max((order.index(k) for k in wanted[:n] if k in order), default=-1)
                order.insert(anchor + 1, key)
        pieces = []
        for n, key in enumerate(order):
            lead = None
            if key in at:
                i = at[key]
                k, v = node.value[i]
                body = self.render(v, old[key], new[key], key)
                if body is None:
                    body = _entry(key, new[key], column, self.flow(v, new[key], column + len(key) + 2))
                else:
                    body = self.text[k.start_mark.index: v.start_mark.index] + body
                if i > 0:
                    lead = self.text[self.end(node.value[i - 1][1]): k.start_mark.index]
            else:
                body = _entry(key, new[key], column)
            if n > 0:
                pieces.append(lead if lead is not None else "\n" + " " * column)
            pieces.append(body)
        return "".join(pieces)

    def sequence(self, node: yaml.SequenceNode, old: list[Any], new: list[Any], key: str | None) -> str | None:
        if len(node.value) != len(old) or not all(isinstance(v, dict) for v in [*old, *new]):
            return None  # lists of scalars (codes, partners) are short: written afresh
        dash = node.start_mark.column
        match = _match(old, new)
        starts = [self.text.rindex("-", 0, item.start_mark.index) for item in node.value]
        pieces = []
        previous: int | None = None
        for n, item in enumerate(new):
            j = match[n]
            lead = None
            if j is None:
                body = _item(item, dash, key)
            else:
                child = node.value[j]
                column = child.start_mark.column
                rendered = self.render(child, old[j], item)
                if rendered is None:
                    styled = _styled(item, "entry" if key == "entries" else None, self.flow(child, item, column))
                    rendered = _indent(_dump(styled).rstrip("\n"), column)
                body = self.text[starts[j]: child.start_mark.index] + rendered
                if j > 0:
                    lead = self.text[self.end(node.value[j - 1]): starts[j]]
                    if previous is not None and j > previous + 1 and _blank_line(self.text[
                            self.end(node.value[previous]): starts[previous + 1]]) and not _blank_line(lead):
                        lead = "\n" + lead  # the removed items' blank line before them (e.g. a new priority's)
            previous = j
            if n > 0:
                pieces.append(lead if lead is not None else "\n" + " " * dash)
            pieces.append(body)
        return "".join(pieces)


def _match(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[int | None]:
    """For each new item, the old item it continues (None: a new item). Items with ids (actions, priorities)
    are matched by id; others (a list's entries) by equality first, then an edited item by its position."""
    ids_old = [item.get("id") for item in old]
    ids_new = [item.get("id") for item in new]
    if None not in ids_old and None not in ids_new and len(set(ids_old)) == len(old) \
            and len(set(ids_new)) == len(new):
        return [ids_old.index(i) if i in ids_old else None for i in ids_new]
    match: list[int | None] = [None] * len(new)
    free = set(range(len(old)))
    for n, item in enumerate(new):
        j = next((j for j in sorted(free) if old[j] == item), None)
        if j is not None:
            match[n] = j
            free.discard(j)
    for n in range(len(new)):
        if match[n] is None and n in free:
            match[n] = n
            free.discard(n)
    return match


def _blank_line(gap: str) -> bool:
    return "\n\n" in gap.replace(" ", "").replace("\t", "")


def splice_yaml(text: str, root: yaml.Node, old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """``text`` (whose node tree is ``root`` and data ``old``) changed to hold ``new``, touching only what
    changed; None when the document's shape does not allow it (the caller writes the plan afresh)."""
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        return None
    splicer = _Splicer(text)
    body = splicer.render(root, old, new)
    if body is None:
        return None
    out = text[: root.start_mark.index] + body + text[splicer.end(root):]
    if "\r\n" in text:  # a file saved on Windows keeps its line ends (the emitter writes '\n'; it escapes '\r')
        out = out.replace("\r\n", "\n").replace("\n", "\r\n")
    return out
