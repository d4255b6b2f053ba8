"""The plan-figures file format: its errors, area types and lookup vintages, and the pydantic models.

A figures file (``data/plan_figures/*.yaml``, format in ``data/plan_figures/README.md``) transcribes
one plan document: the areas it names, the indicators as it words them, and every figure and table
with its exact quote and line. The models check what can be checked without data: a coded area's code
pattern and vintage, a printed value that is in the quote, a table's cells against its columns and key.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hiap_geo.core._yaml import problem_lines
from hiap_geo.core.areas import CODE_PATTERNS, ENGLAND_CODE
from hiap_geo.core.editions import IOD2019, IOD2025
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.text import name_key
from hiap_geo.indicators.stats import Polarity
from hiap_geo.plans.schema import Transcription

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
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(
            f"{source} cannot be used as plan figures ({len(problems)} {noun}; the format is in "
            f"data/plan_figures/README.md):\n" + problem_lines(problems)
        )


class ConflictingFigures(PlanFiguresError):
    """Two figures give different values for the same indicator, area and period."""

# ---------------------------------------------------------------------------------------------
# The models
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


ClaimStatistic = Literal["lsoa_decile", "lsoa_share", "lsoa_count"]
"""What a stated figure is, read against the IoD: an LSOA's decile, the percentage or the number of an
area's LSOAs in a range of deciles."""

MEASURE_KEYS: tuple[str, ...] = (
    "imd", "income", "employment", "education", "health", "crime", "barriers", "living_environment", "idaci",
    "idaopi",
)
"""The IoD measures a claim can name (the keys of ``hiap_geo.geo.deprivation.MEASURES``)."""


class ClaimRule(_Model):
    """How the figures of an indicator read against the IoD of the plan's edition, for ``plan check``.

    ``deciles`` (a range, 1 = most deprived) is needed for shares and counts; ``out_of`` is a total of
    LSOAs the document states with a count ("six out of the 74"), checked too; ``reading`` says how the
    document's words were read where they are not the IoD's own ("more deprived than the UK average":
    in the more deprived half of England's LSOAs).
    """

    statistic: ClaimStatistic
    measure: Literal[MEASURE_KEYS] = "imd"  # type: ignore[valid-type]
    deciles: tuple[Annotated[int, Field(ge=1, le=10)], Annotated[int, Field(ge=1, le=10)]] | None = None
    out_of: Annotated[int, Field(ge=1)] | None = None
    reading: Text | None = None

    @model_validator(mode="after")
    def _deciles(self) -> ClaimRule:
        if self.statistic != "lsoa_decile" and self.deciles is None:
            raise ValueError(f"a {self.statistic} claim needs 'deciles': the range of deciles it counts, e.g. [1, 2]")
        if self.deciles is not None and self.deciles[0] > self.deciles[1]:
            raise ValueError(f"deciles {list(self.deciles)} run backwards: give the lower decile first")
        return self


class Indicator(_Model):
    """An indicator as the document words it, and how its figures read against the IoD (if they do)."""

    id: Slug
    name: Text
    unit: Text | None = None
    polarity: Polarity = "no_judgement"
    note: Text | None = None
    check: ClaimRule | None = None
    """How ``plan check`` checks the indicator's figures against the IoD; none: they cannot be checked."""


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
        flat = flat_text(self.quote)
        for what, text in (
            ("printed", self.printed),
            ("rank.text", self.rank.text if self.rank else None),
            *(("comparisons.text", c.text) for c in self.comparisons),
        ):
            if text is not None and flat_text(text) not in flat:
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
                if self.key is None and parse_number(cell) is None:
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


def flat_text(text: str) -> str:
    """Text with every run of spaces, tabs and line breaks as one space: how quotes are compared."""
    return " ".join(text.split())


def parse_number(text: str) -> float | None:
    """A printed number ('1,234.5') as a float; None for anything else (a key symbol, words)."""
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None
