"""Reading plan-figures files: size limit, UTF-8, YAML with line numbers, and cross-references checked.

Errors name the file, line and field (``PlanFiguresFileError``); ``load_all`` reads the shipped folder
once per process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from hiap_geo.core import settings
from hiap_geo.core._yaml import Loc, YamlProblems, dotted, line_at, parse_strict, schema_problems
from hiap_geo.core.files import read_regular, regular_file_size
from hiap_geo.core.limits import MAX_FIGURES_BYTES
from hiap_geo.plans.figures.schema import FiguresFile, PlanFiguresFileError

FIGURES_DIR: Path = settings.PROJECT_ROOT / "data" / "plan_figures"
"""Where the transcribed figures live."""

@dataclass
class LoadedFigures:
    """A validated figures file, where it came from, and the YAML line of every field."""

    figures: FiguresFile
    source: str
    _root: yaml.Node = field(repr=False)

    def line_of(self, *loc: str | int) -> int | None:
        """The 1-based line of the YAML node at ``loc`` (e.g. ``'sections', 0, 'figures', 2``)."""
        return line_at(self._root, loc)


def figure_files(folder: Path | None = None) -> list[Path]:
    """The figures files in ``data/plan_figures`` (or another folder), sorted by name."""
    return sorted(p for p in (folder or FIGURES_DIR).glob("*.yaml") if p.is_file())


def load_figures(path: str | Path) -> FiguresFile:
    """Read and validate one figures file; errors name the file, line and field."""
    return read_figures(path).figures


def read_figures(path: str | Path) -> LoadedFigures:
    """Like :func:`load_figures`, keeping the YAML line of every field."""
    path = Path(path)
    try:
        size = regular_file_size(path)
        if size > MAX_FIGURES_BYTES:
            raise PlanFiguresFileError(
                str(path), [(None, None, f"the file is {size:,} bytes (limit {MAX_FIGURES_BYTES:,})")]
            )
        raw = read_regular(path, MAX_FIGURES_BYTES)
    except OSError as exc:
        raise PlanFiguresFileError(str(path), [(None, None, f"cannot read the file: {exc.strerror or exc}")]) from exc
    return parse_figures(raw, str(path))


def parse_figures(content: str | bytes, source: str = "<figures>") -> LoadedFigures:
    """Validate figures YAML already in memory (str or UTF-8 bytes)."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PlanFiguresFileError(source, [(None, None, f"not UTF-8 text (byte {exc.start})")]) from exc
    root, data = _parse_yaml(content, source)
    try:
        figures = FiguresFile.model_validate(data)
    except ValidationError as exc:
        raise PlanFiguresFileError(source, schema_problems(exc, root, "data/plan_figures/README.md")) from exc
    problems = [(line_at(root, loc), dotted(root, loc), msg) for loc, msg in _cross_references(figures)]
    if problems:
        raise PlanFiguresFileError(source, problems)
    return LoadedFigures(figures, source, root)


def _parse_yaml(text: str, source: str) -> tuple[yaml.Node, Any]:
    try:
        return parse_strict(text, "document:, areas: ...")
    except YamlProblems as exc:
        raise PlanFiguresFileError(source, exc.problems) from exc


def _cross_references(f: FiguresFile) -> list[tuple[Loc, str]]:
    """Ids unique; every area, indicator and comparator a figure or table names is defined."""
    problems: list[tuple[Loc, str]] = []
    for section in ("areas", "indicators"):
        first: dict[str, int] = {}
        for i, item in enumerate(getattr(f, section)):
            if item.id in first:
                problems.append(
                    ((section, i, "id"), f"id '{item.id}' is used twice in {section} (also item {first[item.id]})")
                )
            first.setdefault(item.id, i)
    areas = {a.id for a in f.areas}
    inds = {i.id for i in f.indicators}
    used_ids: dict[str, Loc] = {}
    tables: set[str] = set()
    for s, section in enumerate(f.sections):
        for j, fig in enumerate(section.figures):
            loc: Loc = ("sections", s, "figures", j)
            if fig.indicator not in inds:
                problems.append(((*loc, "indicator"), f"indicator '{fig.indicator}' is not in indicators"))
            if fig.area not in areas:
                problems.append(((*loc, "area"), f"area '{fig.area}' is not in areas"))
            for k, comp in enumerate(fig.comparisons):
                if comp.against is not None and comp.against not in areas:
                    problems.append(((*loc, "comparisons", k, "against"), f"area '{comp.against}' is not in areas"))
            if fig.id is not None:
                if fig.id in used_ids:
                    problems.append(((*loc, "id"), f"figure id '{fig.id}' is used twice"))
                used_ids.setdefault(fig.id, loc)
        for t, table in enumerate(section.tables):
            loc = ("sections", s, "tables", t)
            if table.id in tables:
                problems.append(((*loc, "id"), f"table id '{table.id}' is used twice"))
            tables.add(table.id)
            if table.comparator is not None and table.comparator not in areas:
                problems.append(((*loc, "comparator"), f"area '{table.comparator}' is not in areas"))
            for c, col in enumerate(table.columns):
                if col.indicator not in inds:
                    problems.append(
                        ((*loc, "columns", c, "indicator"), f"indicator '{col.indicator}' is not in indicators")
                    )
            for r, row in enumerate(table.rows):
                if row.area not in areas:
                    problems.append(((*loc, "rows", r, "area"), f"area '{row.area}' is not in areas"))
    return problems



@cache
def _load_folder(folder: Path) -> tuple[FiguresFile, ...]:
    return tuple(load_figures(p) for p in figure_files(folder))


def load_all(folder: Path | None = None) -> list[FiguresFile]:
    """Every figures file of ``data/plan_figures`` (or another folder), validated (cached per folder)."""
    return list(_load_folder((folder or FIGURES_DIR).resolve()))

