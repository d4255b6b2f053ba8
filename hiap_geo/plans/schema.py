"""The vocabulary of Health Inequalities Action Plans: errors, limits, statuses and the plan-file models.

A plan file (``data/plans/*.yaml``, format in ``data/plans/README.md``) is a faithful transcription of a
published plan: its priorities, its actions and the areas each action targets, plus the lists of areas
the document names. The pydantic models here are that format (a typo in a field or a rule kind is a
schema error, not an empty map); ``plans.load`` reads files into them, ``plans.resolve`` places their
targets on the official lookups. Text is stored as given: whoever renders it escapes it.

The errors of the whole package live here too, so that every plans module (and the progress store)
raises the same classes without importing one another.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hiap_geo.core import settings
from hiap_geo.core._yaml import problem_lines
from hiap_geo.core.editions import EDITIONS, IOD2025
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.limits import (  # noqa: F401 - re-exported for the plans package
    MAX_NOTE_CHARS,
    MAX_PLAN_BYTES,
    MAX_REVIEWER_CHARS,
    MAX_TEXT_CHARS,
)
from hiap_geo.geo.deprivation import MEASURES

PLANS_DIR: Path = settings.PROJECT_ROOT / "data" / "plans"
"""Where the transcribed plans live."""

STATUSES: dict[str, str] = {
    "not_started": "Not started",
    "on_track": "On track",
    "at_risk": "At risk",
    "done": "Done",
}
"""Progress status -> the text label shown beside any colour."""

AREA_PLURALS: dict[str, str] = {"lsoa": "LSOAs", "ward": "wards", "district": "districts"}


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class PlanError(HiapGeoError):
    """A plan cannot be used as it stands."""


class PlanFileError(PlanError):
    """The file cannot be read as a plan: missing, too large, not UTF-8, bad YAML or wrong schema.

    ``problems`` holds one ``(line, field, message)`` per problem found (line and field may be None).
    """

    def __init__(self, source: str, problems: list[tuple[int | None, str | None, str]]):
        self.source = source
        self.problems = problems
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"{source} cannot be used as a plan ({len(problems)} {noun}):\n" + problem_lines(problems))


class TargetError(PlanError):
    """A target area cannot be resolved: unknown or ambiguous name, unknown code, or an area outside the plan.

    ``kind`` is one of KINDS (``plan check`` reports it); ``candidates`` lists the areas an ambiguous
    name could mean; ``suggestions`` close spellings; ``field`` the field of the rule at fault, when one
    is (``plan check`` gives that field's line).
    """

    KINDS = ("unknown_code", "outside_area", "unknown_name", "ambiguous_name", "unknown_indicator", "no_data")

    def __init__(
        self,
        message: str,
        kind: str,
        candidates: list[str] | None = None,
        suggestions: list[str] | None = None,
        field: str | None = None,
    ):
        if kind not in self.KINDS:
            raise ValueError(f"unknown TargetError kind {kind!r}")
        self.kind = kind
        self.field = field
        self.message = message
        self.candidates = candidates or []
        self.suggestions = suggestions or []
        text = message
        if self.candidates:
            text += " Candidates:\n  " + "\n  ".join(self.candidates)
        if self.suggestions:
            text += f" Did you mean: {'; '.join(self.suggestions)}?"
        super().__init__(text)


class PlanResolutionError(PlanError):
    """Some targets of a plan could not be resolved; ``errors`` has one TargetError per target."""

    def __init__(self, plan_id: str, errors: list[tuple[str, TargetError]]):
        self.errors = errors
        listing = "\n".join(f"  {where}: {err}" for where, err in errors)
        super().__init__(
            f"Plan '{plan_id}': {len(errors)} target(s) cannot be resolved "
            f"(run `python -m hiap_geo plan check <file>` for the full report):\n{listing}"
        )


class ProgressError(HiapGeoError):
    """The progress database cannot do what was asked (unknown plan or action, bad status, bad URL...).

    ``plain`` is the same news for a meeting's screen where the message holds the server's own words (host,
    port, database name): the CLI and the log keep the details, a page shows ``plain``."""

    def __init__(self, message: str, plain: str | None = None) -> None:
        super().__init__(message)
        self.plain = plain or message


MIN_REVIEW_DATE = date(2000, 1, 1)
"""Earliest review date accepted (``plan review`` and imports alike): plans reviewed here start in the 2020s,
so an older date is a typo."""


class ImportRejected(ProgressError):
    """An export file cannot be imported; nothing was written. ``problems`` lists every reason found."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        shown = "\n  ".join(problems[:25])
        more = f"\n  ... and {len(problems) - 25} more" if len(problems) > 25 else ""
        super().__init__(f"Nothing was imported from {source}:\n  {shown}{more}")


# ---------------------------------------------------------------------------------------------
# The plan file's models
# ---------------------------------------------------------------------------------------------

Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_CHARS)]
Slug = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
AreaCode = Annotated[str, StringConstraints(pattern=r"^E0[15][0-9]{6}$")]
"""An LSOA (E01) or ward (E05) code, upper case, as printed."""
PlanAreaCode = Annotated[str, StringConstraints(pattern=r"^E(0[6789]|1[01])[0-9]{6}$")]
Decile = Annotated[int, Field(ge=1, le=10)]
Measure = Literal[tuple(MEASURES)]  # type: ignore[valid-type]
EditionYear = Literal[tuple(EDITIONS)]  # type: ignore[valid-type]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class PlanArea(_Model):
    """The area the plan covers: a district (E06-E09) or a county (E10/E11)."""

    code: PlanAreaCode
    name: Text


class Source(_Model):
    """The published document the plan transcribes."""

    title: Text
    publisher: Text
    published: Text | None = None
    file: Text | None = None
    url: Text | None = None
    note: Text | None = None


class Transcription(_Model):
    """Who transcribed the document, when, and what a reader of the YAML should know about it."""

    by: Text
    date: date
    notes: list[Text] = []


class DecileRule(_Model):
    """LSOAs of the plan's area whose national (or within-district) decile of a measure is in a range.

    Rule kinds (this and IndicatorRule) are a closed set so a typo is a schema error, not an empty map.
    """

    rule: Literal["lsoa_decile"]
    measure: Measure = "imd"
    decile_min: Decile = 1
    decile_max: Decile
    decile_type: Literal["national", "local"] = "national"
    edition: EditionYear | None = None

    @model_validator(mode="after")
    def _range(self) -> DecileRule:
        if self.decile_min > self.decile_max:
            raise ValueError(f"decile_min ({self.decile_min}) is greater than decile_max ({self.decile_max})")
        return self

    def describe(self, plan_edition: int) -> str:
        year = self.edition or plan_edition
        scope = "national" if self.decile_type == "national" else "within-district"
        span = (
            f"decile {self.decile_min}"
            if self.decile_min == self.decile_max
            else f"deciles {self.decile_min}-{self.decile_max}"
        )
        return f"LSOAs in {scope} {MEASURES[self.measure]} {year} {span}"


INDICATOR_EDITION: int = IOD2025.year
"""The IoD edition whose geography the small-area indicators are on: ``hiap_geo.indicators.readers`` gives LSOA 2021
rows and ward 2024 rows built with the IoD 2025 (LSOA 2021 -> ward 2024) best-fit lookup."""

IndicatorId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,100}$")]


class IndicatorRule(_Model):
    """LSOAs or wards of the plan's area that compare with England on an indicator as asked (Fingertips'
    comparison, ``indicators.compare``: the 95% or 99.8% limits against England's value, using the polarity).

    ``indicator`` is an id of ``indicators.catalogue()``; whether it exists, has limits and is on the plan's
    geography is checked against the data when the rule is evaluated (a TargetError naming the field).
    """

    rule: Literal["indicator_vs_england"]
    indicator: IndicatorId
    area_type: Literal["lsoa", "ward"] = "lsoa"
    comparison: Literal["worse", "similar", "better"] = "worse"
    level: Literal[95, 99.8] = 95
    """Confidence level of the comparison, in percent."""

    def describe(self, plan_edition: int | None = None) -> str:
        areas = AREA_PLURALS[self.area_type]
        how = "similar to" if self.comparison == "similar" else f"significantly {self.comparison} than"
        return f"{areas} {how} England ({self.level:g}%) on {indicator_name(self.indicator)}"


Rule = Annotated[DecileRule | IndicatorRule, Field(discriminator="rule")]
"""The closed set of rule kinds a target can use."""


@cache
def indicator_catalogue() -> pd.DataFrame:
    """``indicators.catalogue()`` indexed by indicator_id, read once: what indicator rules are checked against."""
    # Imported here: the indicators package loads scipy and pandera, which reading a plan does not need.
    from hiap_geo.indicators.catalogue import catalogue

    return catalogue().set_index("indicator_id")


def indicator_name(indicator_id: str) -> str:
    """The catalogue's name of an indicator, with its id; the id alone when the catalogue does not have it."""
    table = indicator_catalogue()
    if indicator_id in table.index:
        return f"{table.at[indicator_id, 'indicator_name']} ({indicator_id})"
    return f"'{indicator_id}'"


def comparable_indicators(area_type: str = "lsoa") -> pd.DataFrame:
    """Catalogue rows of the indicators an indicator rule can use at ``area_type``: published for that area
    type, with confidence limits (so a comparison with England can be significant) and a polarity."""
    table = indicator_catalogue()
    usable = (
        table["area_types"].str.split(", ").map(lambda types: area_type in types)
        & (table["limits"] != "none")
        & (table["polarity"] != "no_judgement")
    )
    return table[usable].reset_index()


class _TargetBase(_Model):
    quote: Text | None = None
    """The document's own words for this target, when it has any."""
    ref: Text | None = None
    note: Text | None = None


class CodesTarget(_TargetBase):
    kind: Literal["codes"]
    codes: list[AreaCode] = Field(min_length=1)


class NamesTarget(_TargetBase):
    kind: Literal["names"]
    area_type: Literal["lsoa", "ward"]
    names: list[Text] = Field(min_length=1)


class RuleTarget(_TargetBase):
    kind: Literal["rule"]
    rule: Rule


class ListTarget(_TargetBase):
    kind: Literal["list"]
    list: Slug
    """The id of one of the plan's ``area_lists``."""


class DistrictTarget(_TargetBase):
    kind: Literal["district"]
    specified: bool
    """True when the document says the whole area ('across the district'); False when it names no place."""


Target = Annotated[
    CodesTarget | NamesTarget | RuleTarget | ListTarget | DistrictTarget,
    Field(discriminator="kind"),
]


class AreaEntry(_Model):
    """One area as a document lists it, with what the document claims about it."""

    text: Text
    """The document's words for the entry, exactly as printed."""
    code: AreaCode | None = None
    name: Text | None = None
    area_type: Literal["lsoa", "ward"] | None = None
    ward: Text | None = None
    """The ward the document places the area in."""
    decile: Decile | None = None
    """The IMD decile (of the plan's edition) the document states."""
    value: Text | None = None
    """Any other figure the document states for the area (not checked: no such data yet)."""

    @model_validator(mode="after")
    def _identified(self) -> AreaEntry:
        if not self.code and not self.name:
            raise ValueError("an entry needs a code or a name")
        if self.code is None and self.area_type is None:
            raise ValueError("an entry given by name needs area_type (lsoa or ward)")
        if self.code is not None:
            kind = "lsoa" if self.code.startswith("E01") else "ward"
            if self.area_type is not None and self.area_type != kind:
                raise ValueError(f"area_type is '{self.area_type}' but {self.code} is a {kind} code")
        return self

    @property
    def kind(self) -> str:
        if self.code is not None:
            return "lsoa" if self.code.startswith("E01") else "ward"
        return str(self.area_type)


class AreaList(_Model):
    """A list of areas the document names (deprived LSOAs, wards with the highest smoking...)."""

    id: Slug
    title: Text
    topic: Text | None = None
    ref: Text
    quote: Text | None = None
    claim: DecileRule | None = None
    """What the document says the list is, when it says it in terms the data can check."""
    entries: list[AreaEntry] = Field(min_length=1)


class Objective(_Model):
    id: Slug
    title: Text
    ref: Text | None = None
    key_priorities: list[Text] = []
    delivered_through: Text | None = None
    notes: list[Text] = []


class Priority(_Model):
    id: Slug
    title: Text
    objective: Slug | None = None
    high_priority: bool | None = None
    aims: list[Text] = []
    ref: Text | None = None
    notes: list[Text] = []


class CarriedFrom(_Model):
    """Where an action of a next-period draft came from: the earlier plan's id and that plan's action id."""

    plan: Slug
    action: Slug


class Action(_Model):
    id: Slug
    printed_id: Text | None = None
    """The number the document prints, when it differs from ``id`` (documents repeat or skip numbers)."""
    priority: Slug
    title: Text
    how: list[Text] = []
    lead: Text | None = None
    partners: list[Text] = []
    timescale: Text | None = None
    """When the action is due or runs, as the plan words it ('By March 2026', 'Ongoing'): documents print
    phrases, not dates."""
    indicators: list[Text] = []
    progress_targets: list[Text] = []
    status: Literal[tuple(STATUSES)] | None = None  # type: ignore[valid-type]
    target_areas: list[Target] = Field(min_length=1)
    ref: Text | None = None
    """Where the document prints the action. Every transcription gives it; a plan written in the plan editor
    has no document to refer to yet, so it may be left out."""
    carried_from: CarriedFrom | None = None
    """The earlier plan's action this one continues (``plans.editor.next_period_draft``)."""
    notes: list[Text] = []


class IndicatorLink(_Model):
    """An outcome measure an action names, linked to the indicator of the data that measures it, so that a
    meeting pack can show that indicator at baseline and latest (``plans.baseline``).

    ``measure`` is the words that name it as printed (an outcome measure, or the action's own words when the
    document prints none); ``actions`` the ids of the actions that name it; ``indicator`` an id of
    ``indicators.catalogue()`` (an id the data does not have is reported in the pack, not refused, so that a
    Fingertips id can be written before it is fetched).
    """

    measure: Text
    indicator: IndicatorId
    actions: list[Slug] = Field(min_length=1)
    note: Text | None = None


class Plan(_Model):
    """A Health Inequalities Action Plan, as transcribed from its published document."""

    schema_version: Literal[1]
    id: Slug
    title: Text
    area: PlanArea
    period: Text
    edition: EditionYear
    """The IoD edition whose geography (LSOA and ward vintage) names, codes and rules refer to."""
    source: Source
    transcription: Transcription
    objectives: list[Objective] = []
    priorities: list[Priority] = Field(min_length=1)
    area_lists: list[AreaList] = []
    actions: list[Action] = Field(min_length=1)
    indicators: list[IndicatorLink] = []
    """Optional: the outcome measures the actions name, each linked to an indicator of the data."""
    notes: list[Text] = []

    def action(self, action_id: str) -> Action:
        for a in self.actions:
            if a.id == action_id:
                return a
        raise PlanError(f"Plan '{self.id}' has no action '{action_id}'.")

    def area_list(self, list_id: str) -> AreaList:
        for lst in self.area_lists:
            if lst.id == list_id:
                return lst
        raise PlanError(f"Plan '{self.id}' has no area list '{list_id}'.")

