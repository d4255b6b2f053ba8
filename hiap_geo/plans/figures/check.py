"""Checks of the plan-figures files against the official lookups and against the documents' own text.

Run by the test suite on the shipped files (``check_area_codes`` needs the lookups fetched; ``check_quotes``
needs the text copies in ``shared/plan-documents``), and usable on a new transcription before it is shipped.
"""

from __future__ import annotations

from pathlib import Path

from hiap_geo.core import settings
from hiap_geo.geo.lookups import district_counties, ward_lookup
from hiap_geo.plans.figures.schema import VINTAGES, FiguresFile, flat_text

DOCUMENTS_DIR: Path = settings.PROJECT_ROOT.parent / "shared" / "plan-documents"
"""The text copies of the plan documents that the quotes are checked against."""


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
        elif flat_text(text) not in flat_text(lines[line - 1]):
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
