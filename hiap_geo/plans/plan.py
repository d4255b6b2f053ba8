"""Health Inequalities Action Plans as documented YAML files: schema, loading, target resolution, coverage.

A plan file (``data/plans/*.yaml``, format in ``data/plans/README.md``) is a faithful transcription
of a published plan: its priorities, its actions and the areas each action targets, plus the lists
of areas the document names (for example its deprived LSOAs with the deciles it states). Loading
never corrects anything: text is stored as given (no HTML escaping here; whoever renders it escapes
it), and every problem names the line and the field.

Target areas are resolved against the official lookups of the plan's IoD edition (LSOA 2011 and
2019 wards for IoD 2019, LSOA 2021 and 2024 wards for IoD 2025). Rules are evaluated on the data
each time, so a plan that says "IMD deciles 1-4" or "wards significantly worse than England on an
indicator" follows the data when it changes.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from hiap_geo.core import settings
from hiap_geo.core._yaml import Loc, YamlProblems, dotted, line_at, parse_strict, schema_problems
from hiap_geo.core.editions import EDITIONS, IOD2025, edition
from hiap_geo.core.errors import HiapGeoError, UnmatchedCodes
from hiap_geo.geo.deprivation import MEASURES, load_iod, local_deciles
from hiap_geo.geo.lookups import district_counties, ward_lookup

MAX_PLAN_BYTES: int = 1_000_000
"""Largest plan file accepted. Real plans are tens of kilobytes; this stops a runaway or hostile file."""

MAX_TEXT_CHARS: int = 10_000
"""Longest single text field (a title, a 'how' bullet, a note)."""

PLANS_DIR: Path = settings.PROJECT_ROOT / "data" / "plans"
"""Where the transcribed plans live."""

STATUSES: dict[str, str] = {
    "not_started": "Not started",
    "on_track": "On track",
    "at_risk": "At risk",
    "done": "Done",
}
"""Progress status -> the text label shown beside any colour."""

AREA_TYPES = ("lsoa", "ward", "district")
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
        shown = problems[:25]
        lines = []
        for line, path, message in shown:
            where = ", ".join(p for p in (f"line {line}" if line else None, path) if p)
            lines.append(f"  {where + ': ' if where else ''}{message}")
        more = f"\n  ... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"{source} cannot be used as a plan ({len(problems)} {noun}):\n" + "\n".join(lines) + more)


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


# ---------------------------------------------------------------------------------------------
# Schema
# ---------------------------------------------------------------------------------------------

Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_CHARS)]
Slug = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
AreaCode = Annotated[str, StringConstraints(pattern=r"^E0[15]\d{6}$")]
"""An LSOA (E01) or ward (E05) code, upper case, as printed."""
PlanAreaCode = Annotated[str, StringConstraints(pattern=r"^E(0[6789]|1[01])\d{6}$")]
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
"""The IoD edition whose geography the small-area indicators are on: ``hiap_geo.indicators.long_format`` gives LSOA 2021
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
def _catalogue() -> pd.DataFrame:
    from hiap_geo.indicators import (
        long_format as indicators,  # imported here: it loads scipy and pandera, which reading a plan does not need
    )

    return indicators.catalogue().set_index("indicator_id")


def indicator_name(indicator_id: str) -> str:
    """The catalogue's name of an indicator, with its id; the id alone when the catalogue does not have it."""
    table = _catalogue()
    if indicator_id in table.index:
        return f"{table.at[indicator_id, 'indicator_name']} ({indicator_id})"
    return f"'{indicator_id}'"


def comparable_indicators(area_type: str = "lsoa") -> pd.DataFrame:
    """Catalogue rows of the indicators an indicator rule can use at ``area_type``: published for that area
    type, with confidence limits (so a comparison with England can be significant) and a polarity."""
    table = _catalogue()
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


class Action(_Model):
    id: Slug
    printed_id: Text | None = None
    """The number the document prints, when it differs from ``id`` (documents repeat or skip numbers)."""
    priority: Slug
    title: Text
    how: list[Text] = []
    lead: Text | None = None
    partners: list[Text] = []
    indicators: list[Text] = []
    progress_targets: list[Text] = []
    status: Literal[tuple(STATUSES)] | None = None  # type: ignore[valid-type]
    target_areas: list[Target] = Field(min_length=1)
    ref: Text
    notes: list[Text] = []


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


# ---------------------------------------------------------------------------------------------
# Loading: size limit, YAML with line numbers, schema errors naming line and field
# ---------------------------------------------------------------------------------------------


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
        size = path.stat().st_size
    except OSError as exc:
        raise PlanFileError(source, [(None, None, f"cannot read the file: {exc.strerror or exc}")]) from exc
    if size > MAX_PLAN_BYTES:
        raise PlanFileError(source, [(None, None, _too_large(size))])
    try:
        raw = path.read_bytes()
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
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        raise PlanFileError(source, schema_problems(exc, root, "data/plans/README.md")) from exc
    problems = [(line_at(root, loc), dotted(root, loc), msg) for loc, msg in _cross_references(plan)]
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


def _cross_references(plan: Plan) -> list[tuple[Loc, str]]:
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


# ---------------------------------------------------------------------------------------------
# Resolution of target areas
# ---------------------------------------------------------------------------------------------

RESOLVED_COLUMNS = [
    "action_id",
    "priority_id",
    "target_index",
    "target_kind",
    "area_code",
    "area_name",
    "area_type",
    "vintage",
    "specified",
    "how_resolved",
]


def plan_districts(plan: Plan) -> list[str]:
    """District codes the plan covers (its own code, or a county's districts)."""
    code = plan.area.code
    if code.startswith("E1"):
        counties = district_counties()
        members = counties.loc[counties["county_code"] == code, "lad_code"].tolist()
        if not members:
            raise PlanError(f"Plan '{plan.id}': no districts found for county {code}.")
        return sorted(members)
    return [code]


def area_lookup(plan: Plan) -> pd.DataFrame:
    """The LSOA -> ward -> district lookup of the plan's edition, for the plan's districts."""
    lookup = ward_lookup(plan.edition)
    return lookup[lookup["lad_code"].isin(plan_districts(plan))].reset_index(drop=True)


def format_figure(value: float, unit: str = "") -> str:
    """A value with its unit as the page shows it: '21.3%', '21.3% of households', '104.2 per 1,000'."""
    if pd.isna(value):
        return "no value"
    number = f"{value:,.1f}"
    return f"{number}{unit}" if unit.startswith("%") or not unit else f"{number} {unit}"


def indicator_texts(chosen: pd.DataFrame) -> list[str]:
    """Each area's value beside England's with the comparison, e.g. '21.3% vs England 17.3%: Worse (95%)'
    (rows of ``Resolver.indicator_rule``)."""
    return [
        f"{format_figure(v, u)} vs England {format_figure(e, u)}: {label}"
        for v, e, u, label in zip(
            chosen["value"], chosen["england_value"], chosen["unit"], chosen["comparison_label"], strict=True
        )
    ]


def name_key(name: str) -> str:
    """A forgiving match key: case, '&' and 'and', apostrophes, accents and spacing do not matter."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = text.casefold().replace("&", " and ")
    text = re.sub(r"['`]", "", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class ResolvedArea:
    code: str
    name: str
    area_type: str
    how: str
    exact: bool = True
    """False when a name matched only ignoring punctuation, case or '&'/'and' (reported, not hidden)."""


class Resolver:
    """Resolves codes, names and rules for one plan against the lookups of its edition.

    Built once per plan so that a page or a check resolving many targets reads each table once.
    """

    def __init__(self, plan: Plan):
        self.plan = plan
        self.edition = edition(plan.edition)
        self.districts = plan_districts(plan)
        self.england = ward_lookup(plan.edition)
        self.lookup = self.england[self.england["lad_code"].isin(self.districts)].reset_index(drop=True)
        if self.lookup.empty:
            raise PlanError(
                f"Plan '{plan.id}': no {self.edition.lsoa_vintage} LSOAs found for {plan.area.code} "
                f"({plan.area.name}) in the {self.edition.label} lookup."
            )
        self.wards = self.lookup.drop_duplicates("ward_code")
        self.area_label = f"{plan.area.name} ({plan.area.code})"

    def vintage(self, area_type: str) -> str:
        return {
            "lsoa": self.edition.lsoa_vintage,
            "ward": self.edition.ward_vintage,
            "district": self.edition.district_vintage,
        }[area_type]

    # -- codes ----------------------------------------------------------------------------------

    def code(self, code: str) -> ResolvedArea:
        """An LSOA or ward code of the edition's vintage inside the plan's area."""
        kind = "lsoa" if code.startswith("E01") else "ward"
        col = f"{kind}_code"
        here = self.lookup[self.lookup[col] == code]
        if not here.empty:
            return ResolvedArea(code, here.iloc[0][f"{kind}_name"], kind, f"code {code} ({self.vintage(kind)})")
        elsewhere = self.england[self.england[col] == code]
        if not elsewhere.empty:
            row = elsewhere.iloc[0]
            raise TargetError(
                f"{code} ({row[f'{kind}_name']}) is in {row['lad_name']} ({row['lad_code']}), "
                f"not in the plan's area {self.area_label}.",
                kind="outside_area",
            )
        other = [
            ed.label
            for ed in EDITIONS.values()
            if ed.year != self.plan.edition and (ward_lookup(ed.year)[col] == code).any()
        ]
        hint = f" It is a code of the {' and '.join(other)} geography." if other else ""
        raise TargetError(
            f"{code} is not an {kind.upper()} code of {self.vintage(kind)} ({self.edition.label}).{hint}",
            kind="unknown_code",
        )

    # -- names ----------------------------------------------------------------------------------

    def name(self, text: str, area_type: str) -> ResolvedArea:
        """A ward or LSOA name in the plan's area; exact (ignoring case) first, then a forgiving match.

        A forgiving match ('St Marys' for "St Mary's", '&' for 'and') is reported in ``how``, never hidden.
        """
        table = self.wards if area_type == "ward" else self.lookup
        names = table[f"{area_type}_name"]
        exact = table[names.str.casefold() == text.strip().casefold()]
        how = f"{area_type} name '{text}'"
        forgiving = exact.empty
        if exact.empty:
            key = name_key(text)
            exact = table[names.map(name_key) == key]
            if not exact.empty:
                how += f" matched the official name '{exact.iloc[0][f'{area_type}_name']}' ignoring punctuation"
        if len(exact) == 1:
            row = exact.iloc[0]
            return ResolvedArea(
                row[f"{area_type}_code"],
                row[f"{area_type}_name"],
                area_type,
                how + f" ({self.vintage(area_type)})",
                exact=not forgiving,
            )
        if len(exact) > 1:
            candidates = [
                f"{r[f'{area_type}_code']} {r[f'{area_type}_name']} ({r['lad_name']})" for _, r in exact.iterrows()
            ]
            raise TargetError(
                f"The {area_type} name '{text}' is ambiguous in {self.area_label}.",
                kind="ambiguous_name",
                candidates=candidates,
            )
        close = difflib.get_close_matches(text, names.unique().tolist(), n=5, cutoff=0.6)
        elsewhere = self.england.drop_duplicates(f"{area_type}_code")
        elsewhere = elsewhere[elsewhere[f"{area_type}_name"].map(name_key) == name_key(text)]
        where = ""
        if not elsewhere.empty:
            places = sorted({f"{r['lad_name']} ({r[f'{area_type}_code']})" for _, r in elsewhere.iterrows()})
            where = f" A {area_type} of that name exists in: {', '.join(places[:8])}."
        raise TargetError(
            f"No {area_type} named '{text}' in {self.area_label} ({self.vintage(area_type)}).{where}",
            kind="unknown_name",
            suggestions=close,
        )

    # -- rules ----------------------------------------------------------------------------------

    def rule(self, rule: DecileRule) -> pd.DataFrame:
        """LSOAs selected by a rule, evaluated now on the data: lsoa_code, lsoa_name, decile.

        A rule is evaluated on the plan's own edition. A rule that names the other edition is refused
        (TargetError, kind 'no_data'): its deciles belong to LSOAs of the other vintage, and LSOAs that
        were merged or redrawn between 2011 and 2021 have no decile of the other edition to select on.
        """
        year = self.plan.edition
        if rule.edition is not None and rule.edition != year:
            other = edition(rule.edition)
            raise TargetError(
                f"The rule asks for IoD {rule.edition} deciles, but this plan's codes, names and rules are on "
                f"the {self.edition.label} geography ({self.edition.lsoa_vintage}). {other.lsoa_vintage} LSOAs "
                f"are not the same areas (some were split, merged or redrawn), and merged or redrawn ones have "
                f"no IoD {rule.edition} decile, so the rule cannot select {self.edition.lsoa_vintage} areas. "
                f"Remove 'edition: {rule.edition}' from the rule to use IoD {year} deciles, or transcribe the "
                f"plan on the {other.label} geography ('edition: {rule.edition}' at the top of the file).",
                kind="no_data",
            )
        iod = load_iod(year)
        col = f"{rule.measure}_decile"
        if iod[col].isna().all():
            raise TargetError(
                f"{MEASURES[rule.measure]} deciles are not in the IoD {year} data this tool has.", kind="no_data"
            )
        area = iod[iod["lsoa_code"].isin(self.lookup["lsoa_code"])].copy()
        if rule.decile_type == "local":
            local = local_deciles(area)
            area[col] = local[f"{rule.measure}_local_decile"]
        chosen = area[(area[col] >= rule.decile_min) & (area[col] <= rule.decile_max)]
        return pd.DataFrame(
            {"lsoa_code": chosen["lsoa_code"], "lsoa_name": chosen["lsoa_name"], "decile": chosen[col].astype(int)}
        ).reset_index(drop=True)

    def indicator_rule(self, rule: IndicatorRule) -> pd.DataFrame:
        """Areas an indicator rule selects, evaluated now on the data: code, name, area_type, value, lower,
        upper, england_value, comparison, comparison_label, unit, polarity (one row per area, most adverse first).

        The comparison is ``indicators.compare`` with England at the rule's level. Refused (TargetError naming
        the rule's field) when the catalogue has no such indicator, when it is not published for the rule's
        area type or has no confidence limits or polarity, when the data has no limits at the level, and when
        the plan is not on the indicators' geography (LSOA 2021, wards 2024): a significance found for one
        set of areas says nothing about differently drawn ones, so nothing is mapped across.
        """
        from hiap_geo.indicators import long_format as indicators

        table = _catalogue()
        if rule.indicator not in table.index:
            close = difflib.get_close_matches(rule.indicator, table.index.tolist(), n=5, cutoff=0.6)
            raise TargetError(
                f"Rule field 'indicator': '{rule.indicator}' is not an indicator this tool has (the ids are those "
                f"of indicators.catalogue(), e.g. on the Indicators page). Indicators an indicator rule can use for "
                f"{AREA_PLURALS[rule.area_type]}: {', '.join(comparable_indicators(rule.area_type)['indicator_id'])}.",
                kind="unknown_indicator",
                suggestions=close,
                field="indicator",
            )
        row = table.loc[rule.indicator]
        usable = ", ".join(comparable_indicators(rule.area_type)["indicator_id"]) or "none"
        name = indicator_name(rule.indicator)
        if rule.area_type not in row["area_types"].split(", "):
            raise TargetError(
                f"Rule field 'area_type': {name} is published for {row['area_types']} areas, not for "
                f"{AREA_PLURALS[rule.area_type]}; an indicator rule selects LSOAs or wards with their own values. "
                f"Indicators it can use for {AREA_PLURALS[rule.area_type]}: {usable}.",
                kind="no_data",
                field="area_type",
            )
        if row["limits"] == "none":
            raise TargetError(
                f"Rule field 'indicator': {name} has no confidence limits ({row['statistic']}s as published, "
                f"without the counts limits need), so no area can be significantly better or worse than England "
                f"on it. Indicators with limits for {AREA_PLURALS[rule.area_type]}: {usable}.",
                kind="no_data",
                field="indicator",
            )
        if row["polarity"] == "no_judgement":
            raise TargetError(
                f"Rule field 'comparison': {name} has no polarity (neither high nor low is better), so it cannot "
                f"be '{rule.comparison}' than England. Indicators it can use: {usable}.",
                kind="no_data",
                field="comparison",
            )
        if self.plan.edition != INDICATOR_EDITION:
            ours, theirs = self.edition, edition(INDICATOR_EDITION)
            raise TargetError(
                f"Rule field 'indicator': {name} is on the {theirs.label} geography ({theirs.lsoa_vintage}, "
                f"{theirs.ward_vintage}), but this plan's codes, names and rules are on the {ours.label} geography "
                f"({ours.lsoa_vintage}, {ours.ward_vintage}). Those are not the same areas (LSOAs were split, "
                f"merged or redrawn, wards redrawn), and whether one area is significantly worse than England says "
                f"nothing about another, so the rule cannot select {ours.lsoa_vintage} areas or their wards. Use an "
                f"lsoa_decile rule on this plan, or transcribe the plan on the {theirs.label} geography "
                f"('edition: {INDICATOR_EDITION}' at the top of the file, with its codes and names).",
                kind="no_data",
                field="indicator",
            )
        spec = next(s for s in indicators.LSOA_SPECS if s.id == rule.indicator)
        build = indicators.lsoa_indicators if rule.area_type == "lsoa" else indicators.ward_indicators
        try:
            rows = build(self.districts, [spec])
            england = indicators.england_indicators([spec])
        except HiapGeoError as exc:
            raise TargetError(f"{name} cannot be evaluated for {self.area_label}: {exc}", kind="no_data") from exc
        from hiap_geo.indicators.stats import CONFIDENCE_KEYS  # scipy: loaded only for indicator rules

        key = CONFIDENCE_KEYS[rule.level]  # the suffix of the limit columns (lower_95, lower_998)
        if rows.empty or rows[[f"lower_{key}", f"upper_{key}"]].isna().all().all():
            raise TargetError(
                f"Rule field 'level': the data has no {rule.level:g}% limits of {name} for the "
                f"{AREA_PLURALS[rule.area_type]} of {self.area_label}, so nothing can be compared at that level.",
                kind="no_data",
                field="level",
            )
        if rows["period"].nunique() > 1:
            raise TargetError(
                f"{name} has several periods ({', '.join(sorted(rows['period'].unique()))}); an indicator rule "
                f"needs one.",
                kind="no_data",
                field="indicator",
            )
        if england.empty or england["value"].isna().all():
            raise TargetError(f"The data has no England value of {name} to compare with.", kind="no_data")
        compared = indicators.compare(rows, england, level=key)
        names = self.lookup.drop_duplicates(f"{rule.area_type}_code").set_index(f"{rule.area_type}_code")
        names = names[f"{rule.area_type}_name"]
        unknown = sorted(set(compared["area_code"]) - set(names.index))
        if unknown:
            raise UnmatchedCodes(f"{name} for {self.area_label} with the {self.edition.label} lookup", unknown, [])
        chosen = compared[compared["comparison"] == rule.comparison]
        chosen = chosen.sort_values(
            ["value", "area_code"], ascending=[spec.polarity == "high_is_good", True], na_position="last"
        )
        return pd.DataFrame(
            {
                "code": chosen["area_code"],
                "name": chosen["area_code"].map(names),
                "area_type": rule.area_type,
                "value": chosen["value"],
                "lower": chosen[f"lower_{key}"],
                "upper": chosen[f"upper_{key}"],
                "england_value": chosen["comparator_value"],
                "comparison": chosen["comparison"],
                "comparison_label": chosen["comparison_label"],
                "unit": chosen["unit"],
                "polarity": chosen["polarity"],
            }
        ).reset_index(drop=True)

    def select(self, rule: DecileRule | IndicatorRule) -> list[ResolvedArea]:
        """The areas a rule selects now, each with how it was selected (its decile, or its value and England's)."""
        desc = rule.describe(self.plan.edition)
        if isinstance(rule, DecileRule):
            deciles = self.rule(rule)
            return [
                ResolvedArea(r.lsoa_code, r.lsoa_name, "lsoa", f"rule: {desc} (decile {r.decile})")
                for r in deciles.itertuples()
            ]
        chosen = self.indicator_rule(rule)
        return [
            ResolvedArea(r.code, r.name, r.area_type, f"rule: {desc} ({figures})")
            for r, figures in zip(chosen.itertuples(), indicator_texts(chosen), strict=True)
        ]

    # -- targets --------------------------------------------------------------------------------

    def entry(self, entry: AreaEntry) -> ResolvedArea:
        if entry.code is not None:
            return self.code(entry.code)
        return self.name(str(entry.name), entry.kind)

    def district_areas(self) -> list[ResolvedArea]:
        districts = self.lookup.drop_duplicates("lad_code")
        return [ResolvedArea(r["lad_code"], r["lad_name"], "district", "") for _, r in districts.iterrows()]

    def target(self, target: Target) -> Iterator[ResolvedArea]:
        """Every area a target reaches; raises TargetError for the first code or name it cannot resolve."""
        if isinstance(target, CodesTarget):
            for code in target.codes:
                yield self.code(code)
        elif isinstance(target, NamesTarget):
            for name in target.names:
                yield self.name(name, target.area_type)
        elif isinstance(target, RuleTarget):
            yield from self.select(target.rule)
        elif isinstance(target, ListTarget):
            lst = self.plan.area_list(target.list)
            seen: set[str] = set()
            for entry in lst.entries:
                area = self.entry(entry)
                if area.code not in seen:  # a list that names an area twice still reaches it once
                    seen.add(area.code)
                    yield ResolvedArea(area.code, area.name, area.area_type, f"area list '{lst.id}': {area.how}")
        elif isinstance(target, DistrictTarget):
            how = "whole area, as the document says" if target.specified else "whole area: the document names no place"
            for area in self.district_areas():
                yield ResolvedArea(area.code, area.name, "district", how)


def resolve_targets(plan: Plan, strict: bool = True) -> pd.DataFrame:
    """One row per (action, area reached): action_id, priority_id, area_code, area_type, how_resolved...

    ``specified`` is False for actions whose document names no place (whole district by default).
    With ``strict`` an unresolvable target raises PlanResolutionError listing every one; without it
    those targets are skipped (``plan check`` reports them).
    """
    resolver = Resolver(plan)
    rows: list[dict[str, Any]] = []
    errors: list[tuple[str, TargetError]] = []
    for action in plan.actions:
        for i, target in enumerate(action.target_areas):
            try:
                areas = list(resolver.target(target))
            except TargetError as exc:
                errors.append((f"action {action.id}, target {i + 1} ({target.kind})", exc))
                continue
            specified = not (isinstance(target, DistrictTarget) and not target.specified)
            for area in areas:
                rows.append(
                    {
                        "action_id": action.id,
                        "priority_id": action.priority,
                        "target_index": i,
                        "target_kind": target.kind,
                        "area_code": area.code,
                        "area_name": area.name,
                        "area_type": area.area_type,
                        "vintage": resolver.vintage(area.area_type),
                        "specified": specified,
                        "how_resolved": area.how,
                    }
                )
    if errors and strict:
        raise PlanResolutionError(plan.id, errors)
    return pd.DataFrame(rows, columns=RESOLVED_COLUMNS)


def resolve_area_lists(plan: Plan, strict: bool = True) -> pd.DataFrame:
    """One row per entry of every area list the document gives, with the area it resolves to.

    Duplicated entries are kept (the page and ``plan check`` show them as the document has them).
    """
    resolver = Resolver(plan)
    rows: list[dict[str, Any]] = []
    errors: list[tuple[str, TargetError]] = []
    for lst in plan.area_lists:
        for i, entry in enumerate(lst.entries):
            try:
                area = resolver.entry(entry)
            except TargetError as exc:
                errors.append((f"area list {lst.id}, entry {i + 1} ('{entry.text}')", exc))
                continue
            rows.append(
                {
                    "list_id": lst.id,
                    "list_title": lst.title,
                    "entry_index": i,
                    "text": entry.text,
                    "area_code": area.code,
                    "area_name": area.name,
                    "area_type": area.area_type,
                    "vintage": resolver.vintage(area.area_type),
                    "stated_ward": entry.ward,
                    "stated_decile": entry.decile,
                    "stated_value": entry.value,
                    "how_resolved": area.how,
                }
            )
    if errors and strict:
        raise PlanResolutionError(plan.id, errors)
    columns = [
        "list_id",
        "list_title",
        "entry_index",
        "text",
        "area_code",
        "area_name",
        "area_type",
        "vintage",
        "stated_ward",
        "stated_decile",
        "stated_value",
        "how_resolved",
    ]
    return pd.DataFrame(rows, columns=columns)


def lsoa_reach(plan: Plan, resolved: pd.DataFrame | None = None) -> pd.DataFrame:
    """Which LSOAs (of the plan's edition) each action reaches, and how: 'lsoa', 'ward' or 'district'.

    Wards reach their LSOAs through the edition's best-fit lookup; a district-wide action reaches every
    LSOA of the area. Columns: action_id, priority_id, lsoa_code, reach, specified.

    Every resolved area must be in the plan's lookup (``resolve_targets`` only gives such areas); a
    ``resolved`` table holding any other code (another vintage, another area) raises UnmatchedCodes
    naming them, rather than losing those rows.
    """
    resolved = resolve_targets(plan) if resolved is None else resolved
    lookup = area_lookup(plan)
    keys = {"lsoa": "lsoa_code", "ward": "ward_code", "district": "lad_code"}
    known = pd.Series(False, index=resolved.index)
    for area_type, key in keys.items():
        rows = resolved["area_type"] == area_type
        known[rows] = resolved.loc[rows, "area_code"].isin(lookup[key])
    if not known.all():
        unmatched = resolved[~known]
        raise UnmatchedCodes(
            f"the targets of plan '{plan.id}' with the {edition(plan.edition).label} lookup of {plan.area.name}",
            sorted(f"{c} ({t})" for c, t in set(zip(unmatched["area_code"], unmatched["area_type"], strict=True))),
            [],
        )
    parts = []
    for area_type, key in keys.items():
        sub = resolved[resolved["area_type"] == area_type]
        if sub.empty:
            continue
        links = pd.DataFrame({"area_code": lookup[key], "lsoa": lookup["lsoa_code"]})
        joined = sub.merge(links, on="area_code")
        parts.append(
            pd.DataFrame(
                {
                    "action_id": joined["action_id"],
                    "priority_id": joined["priority_id"],
                    "lsoa_code": joined["lsoa"],
                    "reach": area_type,
                    "specified": joined["specified"],
                }
            )
        )
    columns = ["action_id", "priority_id", "lsoa_code", "reach", "specified"]
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True)
    # An action reaching an LSOA several ways keeps the most specific way.
    order = {"lsoa": 0, "ward": 1, "district": 2}
    out = out.assign(_o=out["reach"].map(order)).sort_values(["action_id", "lsoa_code", "_o"])
    return out.drop_duplicates(["action_id", "lsoa_code"]).drop(columns="_o").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Coverage
# ---------------------------------------------------------------------------------------------


@dataclass
class Coverage:
    """Which deprived areas the plan's actions reach.

    - ``deprived``: one row per deprived LSOA (lsoa_code, lsoa_name, ward_code, ward_name, decile,
      criterion = why it counts, in words; targeted_by = actions that name it, its ward or a rule that
      selects it; district_wide = actions that reach it only as part of the whole district; covered =
      targeted_by is not empty). With an indicator threshold ``decile`` is empty and value,
      england_value and comparison_label say how the LSOA compares with England;
    - ``uncovered``: the deprived LSOAs no action targets specifically;
    - ``placeless_actions``: actions whose document names no place at all;
    - ``matrix``: deprived LSOAs by priority, the number of actions of that priority targeting each.
    """

    threshold: str
    deprived: pd.DataFrame
    uncovered: pd.DataFrame
    placeless_actions: pd.DataFrame
    matrix: pd.DataFrame
    basis: Literal["decile", "indicator"] = "decile"
    """What the threshold is on: deciles of the IMD or a domain, or an indicator compared with England."""


def coverage(
    plan: Plan,
    *,
    measure: str = "imd",
    decile_max: int = 2,
    decile_type: str = "national",
    indicator: IndicatorRule | None = None,
    resolved: pd.DataFrame | None = None,
) -> Coverage:
    """Deprived LSOAs (measure decile <= ``decile_max``) against the actions that target them.

    The threshold is the user's: national or within-district deciles of the IMD or any domain, or, with
    ``indicator`` (an LSOA IndicatorRule), the LSOAs that compare with England as it asks (e.g. significantly
    worse), refused like the rule (TargetError) when the indicator cannot be used on the plan's geography.
    District-wide actions are counted apart, so that 'every area is covered' cannot hide behind them.
    """
    resolver = Resolver(plan)
    rule: DecileRule | IndicatorRule
    if indicator is not None:
        if indicator.area_type != "lsoa":
            raise PlanError("Coverage is counted by LSOA: an indicator threshold needs area_type 'lsoa'.")
        rule = indicator
        chosen = resolver.indicator_rule(indicator)
        selected = pd.DataFrame(
            {
                "lsoa_code": chosen["code"],
                "lsoa_name": chosen["name"],
                "decile": pd.array([pd.NA] * len(chosen), dtype="Int64"),
                "criterion": indicator_texts(chosen),
                "value": chosen["value"],
                "england_value": chosen["england_value"],
                "comparison_label": chosen["comparison_label"],
            }
        )
    else:
        rule = DecileRule(
            rule="lsoa_decile", measure=measure, decile_min=1, decile_max=decile_max, decile_type=decile_type
        )
        selected = resolver.rule(rule)
        scope = "national" if decile_type == "national" else "within-district"
        selected["criterion"] = f"{scope} {MEASURES[measure]} {plan.edition} decile " + selected["decile"].astype(str)
    deprived = selected.merge(
        resolver.lookup[["lsoa_code", "ward_code", "ward_name"]], on="lsoa_code", how="left", validate="one_to_one"
    )
    resolved = resolve_targets(plan) if resolved is None else resolved
    reach = lsoa_reach(plan, resolved)
    specific = reach[reach["reach"] != "district"]
    wide = reach[reach["reach"] == "district"]

    def _ids(frame: pd.DataFrame) -> dict[str, str]:
        grouped = frame.groupby("lsoa_code")["action_id"]
        return {code: ";".join(sorted(set(ids), key=natural_key)) for code, ids in grouped}

    targeted, district_wide = _ids(specific), _ids(wide)
    deprived["targeted_by"] = [targeted.get(code, "") for code in deprived["lsoa_code"]]
    deprived["district_wide"] = [district_wide.get(code, "") for code in deprived["lsoa_code"]]
    deprived["covered"] = deprived["targeted_by"] != ""
    if indicator is None:  # an indicator threshold keeps its order: most adverse value first
        deprived = deprived.sort_values(["decile", "lsoa_code"])
    deprived = deprived.reset_index(drop=True)

    actions = actions_frame(plan)[["action_id", "priority_id", "title", "names_a_place"]]
    placeless = actions[~actions["names_a_place"]].drop(columns="names_a_place").reset_index(drop=True)

    priorities = [p.id for p in plan.priorities]
    hits = specific[specific["lsoa_code"].isin(deprived["lsoa_code"])]
    matrix = pd.crosstab(hits["lsoa_code"], hits["priority_id"]).reindex(
        index=deprived["lsoa_code"], columns=priorities, fill_value=0
    )
    matrix = matrix.fillna(0).astype(int)
    matrix.columns.name = "priority"
    matrix.index.name = "lsoa_code"
    matrix = matrix.reset_index()
    matrix.insert(1, "lsoa_name", deprived["lsoa_name"].to_numpy())
    words = rule.describe(plan.edition)
    return Coverage(
        threshold=(words if indicator is not None else words.replace("LSOAs in", "").strip()) + f", {plan.area.name}",
        deprived=deprived,
        uncovered=deprived[~deprived["covered"]].reset_index(drop=True),
        placeless_actions=placeless,
        matrix=matrix,
        basis="decile" if indicator is None else "indicator",
    )


def actions_frame(plan: Plan) -> pd.DataFrame:
    """One row per action for filters and tables: ids, titles, lead and partners, status, targeting.

    ``organisations`` is the lead and partners as a list (filter by partner with ``.apply(lambda o: x in o)``);
    ``names_a_place`` is False for actions whose document names no place. Text is as given: escape it to show it.
    """
    titles = {p.id: p.title for p in plan.priorities}
    rows = []
    for a in plan.actions:
        rows.append(
            {
                "action_id": a.id,
                "printed_id": a.printed_id or a.id,
                "priority_id": a.priority,
                "priority_title": titles[a.priority],
                "title": a.title,
                "lead": a.lead,
                "partners": "; ".join(a.partners),
                "organisations": [o for o in [a.lead, *a.partners] if o],
                "status": a.status,
                "status_label": STATUSES[a.status] if a.status else "No status in the plan",
                "target_kinds": ", ".join(sorted({t.kind for t in a.target_areas})),
                "names_a_place": any(not (isinstance(t, DistrictTarget) and not t.specified) for t in a.target_areas),
                "target_quotes": "; ".join(t.quote for t in a.target_areas if t.quote),
                "ref": a.ref,
            }
        )
    return pd.DataFrame(rows)


def natural_key(text: str) -> tuple[Any, ...]:
    """A sort key that puts action '1.10' after '1.9' (numbers compare as numbers)."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


__all__ = [
    "AREA_TYPES",
    "MAX_PLAN_BYTES",
    "STATUSES",
    "Action",
    "actions_frame",
    "AreaEntry",
    "AreaList",
    "Coverage",
    "DecileRule",
    "INDICATOR_EDITION",
    "IndicatorRule",
    "LoadedPlan",
    "Plan",
    "PlanError",
    "PlanFileError",
    "PlanResolutionError",
    "Resolver",
    "TargetError",
    "comparable_indicators",
    "coverage",
    "indicator_name",
    "load_plan",
    "lsoa_reach",
    "natural_key",
    "parse_plan",
    "plan_files",
    "read_plan",
    "resolve_area_lists",
    "resolve_targets",
]
