"""The stated figures as tables: one record per figure (table cells expanded), for pages and the long format.

- :func:`figures_frame`: one row per figure, with quote and reference, for every area named;
- :func:`to_indicators`: the project's long format (:data:`hiap_geo.indicators.schema.COLUMNS`, plus
  the quote, reference and comparison as extra columns) for the areas the long format has types for,
  with ``source`` "as stated in the plan: <document>" and ``vintage`` the document's period;
- :func:`figures_for_area`: the figures stated about one area code.

Nothing here is recomputed or corrected: a figure is what the document says, with its words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hiap_geo.indicators import schema as indicators
from hiap_geo.plans.figures.load import load_all
from hiap_geo.plans.figures.schema import (
    Area,
    Comparison,
    ConflictingFigures,
    Document,
    FiguresFile,
    Indicator,
    Rank,
    parse_number,
)

SOURCE_PREFIX = "as stated in the plan: "
"""How the ``source`` column of :func:`to_indicators` starts, so a page can label these rows."""

METHOD = "As stated in the plan document (transcribed, not recomputed)"

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
"""Columns :func:`to_indicators` adds after :data:`hiap_geo.indicators.schema.COLUMNS`."""



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
                        value, printed = parse_number(cell), cell
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

    Columns: :data:`hiap_geo.indicators.schema.COLUMNS` then :data:`EXTRA_COLUMNS`. ``source`` is
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
                    "origin": "plan",
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
