"""Figures the plan documents themselves state, transcribed into ``data/plan_figures/*.yaml``.

The plans give numbers about their areas ("Sevenoaks has the highest percentage of young people
NEETS ... in the county at 9.7%"), comparisons ("significantly worse than the England average"),
ranks ("the second lowest ... in the County") and whole tables (the Kent 2012-15 "local profile"
significance tables). Each file (format in ``data/plan_figures/README.md``) transcribes one
document: the areas it names, resolved to official codes where a lookup has them; the indicators
as it words them; and every figure with its exact quote, section heading and line.

This module reads and validates those files (errors name the file, line and field), expands tables
into one figure per cell, and gives:

- :func:`figures_frame`: one row per figure, with quote and reference, for every area named;
- :func:`to_indicators`: the project's long format (:data:`hiap_geo.indicators.long_format.COLUMNS`, plus the
  quote, reference and comparison as extra columns) for the areas the long format has types for,
  with ``source`` "as stated in the plan: <document>" and ``vintage`` the document's period;
- :func:`figures_for_area`: the figures stated about one area code;
- :func:`check_area_codes` and :func:`check_quotes`: the checks against the official lookups and
  against the documents' text.

Nothing here is recomputed or corrected: a figure is what the document says, with its words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from hiap_geo.core import settings
from hiap_geo.core._yaml import Loc, YamlProblems, dotted, line_at, parse_strict, schema_problems
from hiap_geo.core.areas import CODE_PATTERNS, ENGLAND_CODE
from hiap_geo.core.editions import IOD2019, IOD2025
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.geo.lookups import district_counties, ward_lookup
from hiap_geo.indicators import long_format as indicators
from hiap_geo.indicators.stats import Polarity
from hiap_geo.plans.plan import Transcription

FIGURES_DIR: Path = settings.PROJECT_ROOT / "data" / "plan_figures"
"""Where the transcribed figures live."""

DOCUMENTS_DIR: Path = settings.PROJECT_ROOT.parent / "shared" / "plan-documents"
"""The text copies of the plan documents that the quotes are checked against."""

MAX_FILE_BYTES: int = 2_000_000
"""Largest figures file accepted; the real ones are tens of kilobytes."""

SOURCE_PREFIX = "as stated in the plan: "
"""How the ``source`` column of :func:`to_indicators` starts, so a page can label these rows."""

METHOD = "As stated in the plan document (transcribed, not recomputed)"

AreaType = Literal["lsoa", "msoa", "ward", "district", "county", "england", "region", "nation", "health_area", "other"]
"""Kinds of area a document names. Only the first six can carry a code (the lookups that check codes
have no regions, nations or NHS areas); ``other`` is for an area the document describes but does not
name ("the most deprived wards") or one that is not a geography in the lookups."""

CODED_TYPES: tuple[str, ...] = ("lsoa", "msoa", "ward", "district", "county", "england")

COUNTY_VINTAGE = "UTLA 2023"
VINTAGES: dict[str, tuple[str, int | None]] = {
    IOD2019.lsoa_vintage: ("lsoa", IOD2019.year),
    IOD2025.lsoa_vintage: ("lsoa", IOD2025.year),
    IOD2019.ward_vintage: ("ward", IOD2019.year),
    IOD2025.ward_vintage: ("ward", IOD2025.year),
    IOD2019.district_vintage: ("district", IOD2019.year),
    IOD2025.district_vintage: ("district", IOD2025.year),
    COUNTY_VINTAGE: ("county", None),
}
"""Lookup vintage -> (area type, IoD edition whose lookup holds it). Counties are checked in the ONS
LTLA-UTLA 2023 lookup."""

Result = Literal["better", "similar", "worse", "higher", "lower"]
"""What a comparison says: better/similar/worse where the document judges, higher/lower where it only
compares magnitude."""

FIGURES_COLUMNS: list[str] = [
    "document",
    "document_title",
    "document_period",
    "figure_id",
    "indicator_id",
    "indicator_name",
    "area_id",
    "area_name",
    "area_type",
    "area_code",
    "code_vintage",
    "lookup_name",
    "period",
    "value",
    "printed",
    "unit",
    "polarity",
    "comparison",
    "comparators",
    "rank",
    "data_source",
    "quote",
    "context",
    "section",
    "line",
    "reference",
    "note",
]
"""Columns of :func:`figures_frame`."""

EXTRA_COLUMNS: list[str] = [
    "method",
    "area_name",
    "comparison",
    "rank",
    "quote",
    "reference",
    "note",
    "figure_ids",
    "code_vintage",
]
"""Columns :func:`to_indicators` adds after :data:`hiap_geo.indicators.long_format.COLUMNS`."""


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class PlanFiguresError(HiapGeoError):
    """Plan figures that cannot be used as they stand."""


class PlanFiguresFileError(PlanFiguresError):
    """A figures file that cannot be read: missing, too large, bad YAML or wrong schema.

    ``problems`` holds one ``(line, field, message)`` per problem (line and field may be None).
    """

    def __init__(self, source: str, problems: list[tuple[int | None, str | None, str]]):
        self.source = source
        self.problems = problems
        shown = problems[:25]
        lines = []
        for line, path, message in shown:
            where = ", ".join(p for p in (f"line {line}" if line else None, path) if p)
            lines.append(f"  {where + ': ' if where else ''}{message}")
        more = f"\n  ... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(
            f"{source} cannot be used as plan figures ({len(problems)} {noun}; the format is in "
            f"data/plan_figures/README.md):\n" + "\n".join(lines) + more
        )


class ConflictingFigures(PlanFiguresError):
    """Two figures give different values for the same indicator, area and period."""


# ---------------------------------------------------------------------------------------------
# Schema
# ---------------------------------------------------------------------------------------------

Text = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Line = Annotated[int, Field(ge=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Document(_Model):
    """The document transcribed."""

    id: Slug
    title: Text
    file: Text
    """The text copy's file name in ``shared/plan-documents``."""
    period: Text
    """The period the plan covers, as printed."""
    publisher: Text
    status: Text | None = None
    note: Text | None = None


class Area(_Model):
    """An area the document names, with the official code it resolves to (or null and a note why not)."""

    id: Slug
    name: Text
    """The document's words for the area."""
    type: AreaType
    code: str | None = None
    vintage: Literal[tuple(VINTAGES)] | None = None  # type: ignore[valid-type]
    """The lookup vintage the code was found in."""
    lookup_name: Text | None = None
    """The lookup's name for the code (to show a reader what the code is)."""
    note: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Area:
        if self.code is None:
            if self.vintage is not None or self.lookup_name is not None:
                raise ValueError("vintage and lookup_name go with a code; this area has none")
            if self.note is None:
                raise ValueError("an area without a code needs a note saying why it has none")
            return self
        if self.type not in CODED_TYPES:
            raise ValueError(f"a {self.type} area cannot carry a code (only {', '.join(CODED_TYPES)})")
        if self.type == "england":
            if self.code != ENGLAND_CODE:
                raise ValueError(f"England's code is {ENGLAND_CODE}, not {self.code}")
            return self
        if not CODE_PATTERNS[self.type].match(self.code):
            raise ValueError(f"'{self.code}' is not a {self.type} code")
        if self.vintage is None or self.lookup_name is None:
            raise ValueError("a coded area needs the vintage of the lookup it was found in, and the lookup_name")
        kind = VINTAGES[self.vintage][0]
        if kind != self.type:
            raise ValueError(f"vintage '{self.vintage}' is a {kind} vintage but the area is a {self.type}")
        names_differ = name_key(self.name) != name_key(self.lookup_name) and self.code not in self.name
        if names_differ and self.note is None:
            raise ValueError(
                f"the document's name '{self.name}' is not the lookup's '{self.lookup_name}': "
                "add a note saying why the code is right"
            )
        return self


class Indicator(_Model):
    """An indicator as the document words it."""

    id: Slug
    name: Text
    unit: Text | None = None
    polarity: Polarity = "no_judgement"
    note: Text | None = None


class Comparison(_Model):
    """A comparison the document states, with its words."""

    against: Slug | None = None
    """The comparator's area id, when the comparator is an area of ``areas``."""
    text: Text
    """The document's words for the comparison ("significantly higher than the Kent average")."""
    result: Result
    significant: bool | None = None
    """True or False only where the document says so ("significantly", "not significantly different")."""


class Rank(_Model):
    """A rank the document states ("the second lowest ... in the County")."""

    position: Annotated[int, Field(ge=1)]
    order: Literal["highest", "lowest"]
    among: Text
    """The set ranked, in the document's words ("in the County", "of all wards in the KCC area")."""
    out_of: Annotated[int, Field(ge=1)] | None = None
    text: Text
    """The document's words for the rank."""


class Figure(_Model):
    """One figure the document states about one area."""

    id: Slug | None = None
    indicator: Slug
    area: Slug
    period: Text | None = None
    """The time the document gives for the figure, as printed; null when it gives none."""
    value: float | None = None
    printed: Text | None = None
    """The value as printed ("9.7%", "almost 55%", "nine year")."""
    comparisons: list[Comparison] = []
    rank: Rank | None = None
    data_source: Text | None = None
    """The source the document names for the figure."""
    quote: Text
    line: Line
    """The line of the text copy the quote is on."""
    area_from_context: Text | None = None
    """Set when the quoted sentence does not name the area: says how the surrounding text does."""
    note: Text | None = None

    @model_validator(mode="after")
    def _has_a_figure(self) -> Figure:
        if self.value is None and self.printed is None and not self.comparisons and self.rank is None:
            raise ValueError("a figure needs a value, a printed value, a comparison or a rank")
        if self.value is not None and self.printed is None:
            raise ValueError("a value needs 'printed': the value as the document prints it")
        flat = _flat(self.quote)
        for what, text in (
            ("printed", self.printed),
            ("rank.text", self.rank.text if self.rank else None),
            *(("comparisons.text", c.text) for c in self.comparisons),
        ):
            if text is not None and _flat(text) not in flat:
                raise ValueError(f"{what} '{text}' is not in the quote")
        if self.value is not None and self.printed is not None:
            numbers = [float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", self.printed)]
            if numbers and abs(self.value) not in numbers:
                raise ValueError(f"value {self.value:g} is not the number printed in '{self.printed}'")
        return self


class Marker(_Model):
    """What one symbol of a significance table means, in the key's words."""

    result: Result
    significant: bool | None = None
    text: Text


class Column(_Model):
    indicator: Slug
    period: Text | None = None
    """Set when the column is a period of the indicator (a time series table)."""


class Row(_Model):
    area: Slug
    label: Text | None = None
    """The row's label as printed, when it differs from the area's ``name``."""
    line: Line
    cells: list[Text | None]
    """Each cell as printed (a number or a key symbol); null for a cell that is empty in the text copy."""


class Table(_Model):
    """A table of the document: rows are areas, columns indicators (or periods of one indicator)."""

    id: Slug
    title: Text | None = None
    title_line: Line | None = None
    header: list[Text]
    """The header line(s) as printed."""
    header_lines: list[Line]
    period: Text | None = None
    data_source: Text | None = None
    comparator: Slug | None = None
    """The area every cell is compared with (significance tables)."""
    comparator_text: Text | None = None
    key: dict[str, Marker] | None = None
    """Symbol -> meaning, for significance tables. Cells of a table with a key are symbols; without, numbers."""
    key_quote: list[Text] = []
    key_lines: list[Line] = []
    columns: list[Column] = Field(min_length=1)
    rows: list[Row] = Field(min_length=1)
    notes: list[Text] = []

    @model_validator(mode="after")
    def _shape(self) -> Table:
        if len(self.header) != len(self.header_lines):
            raise ValueError("header and header_lines need one line number per header line")
        if len(self.key_quote) != len(self.key_lines):
            raise ValueError("key_quote and key_lines need one line number per key line")
        if self.key is not None and self.comparator_text is None:
            raise ValueError("a significance table (with a key) needs comparator_text: what it compares with")
        for i, row in enumerate(self.rows):
            if len(row.cells) != len(self.columns):
                raise ValueError(f"row {i} ({row.area}) has {len(row.cells)} cells for {len(self.columns)} columns")
            for cell in row.cells:
                if cell is None:
                    continue
                if self.key is not None and cell not in self.key:
                    raise ValueError(f"row {i} ({row.area}): '{cell}' is not a symbol of the key")
                if self.key is None and _number(cell) is None:
                    raise ValueError(f"row {i} ({row.area}): '{cell}' is not a number")
        return self


class Section(_Model):
    """A part of the document under one heading, with the figures and tables it gives."""

    heading: Text
    """The heading as printed."""
    line: Line
    figures: list[Figure] = []
    tables: list[Table] = []


class FiguresFile(_Model):
    """Every figure one plan document states about areas."""

    schema_version: Literal[1]
    document: Document
    transcription: Transcription
    areas: list[Area] = Field(min_length=1)
    indicators: list[Indicator] = Field(min_length=1)
    sections: list[Section] = Field(min_length=1)
    left_out: list[Text] = []
    """Numbers in the document that are deliberately not transcribed, and why."""
    notes: list[Text] = []

    def area(self, area_id: str) -> Area:
        for a in self.areas:
            if a.id == area_id:
                return a
        raise PlanFiguresError(f"{self.document.id}: no area '{area_id}'")

    def indicator(self, indicator_id: str) -> Indicator:
        for i in self.indicators:
            if i.id == indicator_id:
                return i
        raise PlanFiguresError(f"{self.document.id}: no indicator '{indicator_id}'")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def name_key(name: str) -> str:
    """A forgiving match key for names: case, '&'/'and', apostrophes and punctuation do not matter."""
    text = name.casefold().replace("&", " and ")
    text = re.sub(r"['`’]", "", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


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
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise PlanFiguresFileError(
                str(path), [(None, None, f"the file is {size:,} bytes (limit {MAX_FILE_BYTES:,})")]
            )
        raw = path.read_bytes()
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


# ---------------------------------------------------------------------------------------------
# Expansion: one record per figure (table cells included)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatedFigure:
    """One figure as the document states it, with everything a page needs to show and cite it."""

    document: Document
    figure_id: str
    indicator: Indicator
    area: Area
    period: str | None
    value: float | None
    printed: str | None
    comparisons: tuple[Comparison, ...]
    rank: Rank | None
    data_source: str | None
    quote: str
    """The document's words (for a table cell: the table row as printed)."""
    context: str | None
    """For a table cell: the header and key lines it is read with."""
    section: str
    line: int
    note: str | None

    @property
    def reference(self) -> str:
        return f'{self.document.file}, section "{self.section}", line {self.line}'

    def comparison_text(self) -> str:
        """The comparisons as one line: 'worse (significantly worse than the England average, significant)'."""
        parts = []
        for c in self.comparisons:
            sig = {True: ", significant", False: ", not significant", None: ""}[c.significant]
            parts.append(f"{c.result} ({c.text}{sig})")
        return "; ".join(parts)


def expand(f: FiguresFile) -> list[StatedFigure]:
    """Every figure of a file, table cells included, in document order, with unique ids."""
    out: list[StatedFigure] = []
    taken: dict[str, int] = {}

    def unique(base: str) -> str:
        taken[base] = taken.get(base, 0) + 1
        return base if taken[base] == 1 else f"{base}#{taken[base]}"

    inds = {i.id: i for i in f.indicators}
    areas = {a.id: a for a in f.areas}
    for section in f.sections:
        for fig in section.figures:
            out.append(
                StatedFigure(
                    document=f.document,
                    figure_id=fig.id or unique(f"{fig.indicator}@{fig.area}"),
                    indicator=inds[fig.indicator],
                    area=areas[fig.area],
                    period=fig.period,
                    value=fig.value,
                    printed=fig.printed,
                    comparisons=tuple(fig.comparisons),
                    rank=fig.rank,
                    data_source=fig.data_source,
                    quote=fig.quote,
                    context=None,
                    section=section.heading,
                    line=fig.line,
                    note=_join_notes(
                        fig.note, f"Area from context: {fig.area_from_context}" if fig.area_from_context else None
                    ),
                )
            )
        for table in section.tables:
            context = " / ".join([*table.header, *table.key_quote])
            table_note = " ".join(table.notes) or None
            for row in table.rows:
                area = areas[row.area]
                label = row.label or area.name
                quote = " ".join([label, *(c for c in row.cells if c is not None)])
                for col, cell in zip(table.columns, row.cells, strict=True):
                    if cell is None:
                        continue
                    comparisons: tuple[Comparison, ...] = ()
                    value = printed = None
                    if table.key is not None:
                        marker = table.key[cell]
                        comparisons = (
                            Comparison(
                                against=table.comparator,
                                text=f"{cell}: {marker.text}",
                                result=marker.result,
                                significant=marker.significant,
                            ),
                        )
                    else:
                        value, printed = _number(cell), cell
                    base = f"{table.id}:{col.indicator}@{row.area}" + (f"/{col.period}" if col.period else "")
                    out.append(
                        StatedFigure(
                            document=f.document,
                            figure_id=unique(base),
                            indicator=inds[col.indicator],
                            area=area,
                            period=col.period or table.period,
                            value=value,
                            printed=printed,
                            comparisons=comparisons,
                            rank=None,
                            data_source=table.data_source,
                            quote=quote,
                            context=context,
                            section=section.heading,
                            line=row.line,
                            note=table_note,
                        )
                    )
    return out


def _join_notes(*notes: str | None) -> str | None:
    kept = [n for n in notes if n]
    return " ".join(kept) if kept else None


# ---------------------------------------------------------------------------------------------
# Frames
# ---------------------------------------------------------------------------------------------


@cache
def _load_folder(folder: Path) -> tuple[FiguresFile, ...]:
    return tuple(load_figures(p) for p in figure_files(folder))


def load_all(folder: Path | None = None) -> list[FiguresFile]:
    """Every figures file of ``data/plan_figures`` (or another folder), validated (cached per folder)."""
    return list(_load_folder((folder or FIGURES_DIR).resolve()))


def _files(files: Iterable[FiguresFile] | None) -> list[FiguresFile]:
    return load_all() if files is None else list(files)


def figures_frame(files: Iterable[FiguresFile] | None = None) -> pd.DataFrame:
    """One row per stated figure (table cells included) of the given files (default: all shipped).

    Every area is kept, coded or not; ``quote``, ``context`` and ``reference`` say where it is.
    """
    rows = []
    for f in _files(files):
        areas = {a.id: a for a in f.areas}
        for s in expand(f):
            rows.append(
                {
                    "document": f.document.id,
                    "document_title": f.document.title,
                    "document_period": f.document.period,
                    "figure_id": s.figure_id,
                    "indicator_id": _indicator_id(f, s.indicator),
                    "indicator_name": s.indicator.name,
                    "area_id": s.area.id,
                    "area_name": s.area.name,
                    "area_type": s.area.type,
                    "area_code": s.area.code,
                    "code_vintage": s.area.vintage,
                    "lookup_name": s.area.lookup_name,
                    "period": s.period,
                    "value": s.value,
                    "printed": s.printed,
                    "unit": s.indicator.unit,
                    "polarity": s.indicator.polarity,
                    "comparison": s.comparison_text() or None,
                    "comparators": "; ".join(
                        _area_label(areas[c.against]) for c in s.comparisons if c.against is not None
                    )
                    or None,
                    "rank": _rank_text(s.rank),
                    "data_source": s.data_source,
                    "quote": s.quote,
                    "context": s.context,
                    "section": s.section,
                    "line": s.line,
                    "reference": s.reference,
                    "note": _join_notes(s.note, s.area.note if s.area.code is None else None),
                }
            )
    frame = pd.DataFrame(rows, columns=FIGURES_COLUMNS)
    frame["value"] = frame["value"].astype(float)
    frame["line"] = frame["line"].astype(int)
    return frame


def _area_label(area: Area) -> str:
    return f"{area.name} ({area.code})" if area.code else area.name


def _indicator_id(f: FiguresFile, indicator: Indicator) -> str:
    return f"plan.{f.document.id}.{indicator.id}"


def _rank_text(rank: Rank | None) -> str | None:
    if rank is None:
        return None
    of = f" of {rank.out_of}" if rank.out_of else ""
    return f'{rank.position}{of} ({rank.order} first) {rank.among}: "{rank.text}"'


def figures_for_area(code: str, files: Iterable[FiguresFile] | None = None) -> pd.DataFrame:
    """The figures the plan documents state about the area with this code (any type), in document order."""
    frame = figures_frame(files)
    return frame[frame["area_code"] == code.strip().upper()].reset_index(drop=True)


def to_indicators(files: Iterable[FiguresFile] | None = None) -> pd.DataFrame:
    """The stated figures in the project's long format, for areas the long format has a type for.

    Columns: :data:`hiap_geo.indicators.long_format.COLUMNS` then :data:`EXTRA_COLUMNS`. ``source`` is
    "as stated in the plan: <document title>", ``vintage`` the document's period. A figure
    without a period gets "not stated (plan <period>)"; one without a unit gets "". Figures the
    document states twice (same indicator, area and period) become one row when they agree (their
    quotes and references are joined) and raise :class:`ConflictingFigures` when they do not.
    Figures of areas without a code, or of types the long format lacks (region, nation, NHS area...),
    are left out: :func:`figures_frame` has them all. Counties (Kent, E10000016) are kept.
    """
    kept = set(indicators.AREA_TYPES)
    records: dict[tuple[str, str, str], dict[str, Any]] = {}
    for f in _files(files):
        for s in expand(f):
            if s.area.code is None or s.area.type not in kept:
                continue
            period = s.period or f"not stated (plan {f.document.period})"
            key = (_indicator_id(f, s.indicator), s.area.code, period)
            record = records.get(key)
            if record is None:
                records[key] = {
                    "indicator_id": key[0],
                    "indicator_name": s.indicator.name,
                    "area_code": s.area.code,
                    "area_type": s.area.type,
                    "period": period,
                    "value": s.value,
                    "unit": s.indicator.unit or "",
                    "polarity": s.indicator.polarity,
                    "source": SOURCE_PREFIX + f.document.title,
                    "vintage": f.document.period,
                    "method": METHOD,
                    "area_name": s.area.name,
                    "comparison": s.comparison_text() or None,
                    "rank": _rank_text(s.rank),
                    "quote": s.quote,
                    "reference": s.reference,
                    "note": s.note,
                    "figure_ids": s.figure_id,
                    "code_vintage": s.area.vintage or "",
                }
                continue
            if s.value is not None and record["value"] is not None and s.value != record["value"]:
                raise ConflictingFigures(
                    f"{f.document.file} states {record['value']:g} ({record['reference']}) and {s.value:g} "
                    f"({s.reference}) for '{s.indicator.name}' in {s.area.name} ({s.area.code}), period "
                    f"'{period}': give one of them a different indicator or period, with a note."
                )
            record["value"] = record["value"] if record["value"] is not None else s.value
            for col, extra in (
                ("comparison", s.comparison_text() or None),
                ("rank", _rank_text(s.rank)),
                ("quote", s.quote),
                ("reference", s.reference),
                ("note", s.note),
                ("figure_ids", s.figure_id),
            ):
                sep = ", " if col == "figure_ids" else " | "
                if extra and extra not in (record[col] or "").split(sep):
                    record[col] = f"{record[col]}{sep}{extra}" if record[col] else extra
    columns = indicators.COLUMNS + EXTRA_COLUMNS
    frame = pd.DataFrame(list(records.values()), columns=columns)
    texts = [c for c in indicators.COLUMNS if c not in _NUMERIC]  # never empty, so str is safe
    return frame.astype({**{c: float for c in _NUMERIC}, **{c: str for c in [*texts, "method"]}})


_NUMERIC = ("value", "lower_95", "upper_95", "lower_998", "upper_998", "count", "denominator")


# ---------------------------------------------------------------------------------------------
# Checks against the official lookups and the documents
# ---------------------------------------------------------------------------------------------


def check_area_codes(f: FiguresFile) -> list[str]:
    """Problems with the file's codes: a code missing from the lookup of its vintage, or a lookup_name
    that is not the lookup's name for it. Needs the lookups fetched (``python -m hiap_geo fetch``)."""
    problems = []
    for area in f.areas:
        if area.code is None or area.type == "england" or area.vintage is None:
            continue
        kind, year = VINTAGES[area.vintage]
        if kind == "county":
            table = district_counties()
            names = dict(zip(table["county_code"], table["county_name"], strict=True))
        else:
            table = ward_lookup(year)
            col = {"lsoa": "lsoa", "ward": "ward", "district": "lad"}[kind]
            names = dict(zip(table[f"{col}_code"], table[f"{col}_name"], strict=True))
        if area.code not in names:
            problems.append(f"{f.document.id}: area '{area.id}' code {area.code} is not in the {area.vintage} lookup")
        elif names[area.code] != area.lookup_name:
            problems.append(
                f"{f.document.id}: area '{area.id}' code {area.code} is '{names[area.code]}' in the {area.vintage} "
                f"lookup, not '{area.lookup_name}'"
            )
    return problems


def check_quotes(f: FiguresFile, documents: Path | None = None) -> list[str]:
    """Problems with the file's words: a quote, header, key or section heading not found verbatim (spacing
    aside) on its line of the document's text copy, or a table row whose tab-separated cells differ."""
    path = (documents or DOCUMENTS_DIR) / f.document.file
    if not path.is_file():
        return [f"{f.document.id}: the document's text copy {path} is missing"]
    lines = path.read_text(encoding="utf-8").split("\n")
    problems = []

    def at(line: int, text: str, what: str) -> None:
        if not 1 <= line <= len(lines):
            problems.append(f"{f.document.id}: {what} is on line {line}, past the end of {f.document.file}")
        elif _flat(text) not in _flat(lines[line - 1]):
            problems.append(f"{f.document.id}: {what} '{text}' is not on line {line} of {f.document.file}")

    for section in f.sections:
        at(section.line, section.heading, "section heading")
        for fig in section.figures:
            at(fig.line, fig.quote, f"quote of {fig.indicator}@{fig.area}")
        for table in section.tables:
            if table.title and table.title_line:
                at(table.title_line, table.title, f"title of table {table.id}")
            for text, line in zip(table.header, table.header_lines, strict=True):
                at(line, text, f"header of table {table.id}")
            for text, line in zip(table.key_quote, table.key_lines, strict=True):
                at(line, text, f"key of table {table.id}")
            for row in table.rows:
                label = row.label or f.area(row.area).name
                if not 1 <= row.line <= len(lines):
                    problems.append(f"{f.document.id}: table {table.id} row {label} is past the end of the file")
                    continue
                cells = [c.strip() for c in lines[row.line - 1].rstrip("\r").split("\t")]
                expected = [label, *("" if c is None else c for c in row.cells)]
                if cells[: len(expected)] != expected or any(cells[len(expected) :]):
                    problems.append(
                        f"{f.document.id}: table {table.id} line {row.line} reads {cells}, transcribed as {expected}"
                    )
    return problems
