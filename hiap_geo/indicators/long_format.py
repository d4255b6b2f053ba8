"""Small-area health and deprivation indicators in one long format, with ward, district and England values.

Every indicator, whatever its source, comes out as rows of :data:`COLUMNS` (the shape Fingertips
uses): one row per indicator, area and period, with the value, its 95% and 99.8% limits, the
count and denominator behind it, the unit, the polarity, the source and the vintage, plus a
``method`` column that says how the row was made (so the app can show it).

Sources (all fetched through the registry):

- IoD 2025 File 8 underlying indicators, and the income and employment domain rates, per LSOA 2021;
- Census 2021 TS038 disability and TS011 household deprivation per LSOA 2021 (counts: Wilson limits);
- Census 2021 general health and unpaid care per MSOA 2021 (published as percentages only: no
  counts, so no limits);
- DWP children in relative low-income families per MSOA 2011, FYE 2015-2022 (counts; as a
  percentage of children aged 0-15 only for 2020/21, the year the mid-2020 estimates fit);
- ONS Health Index underlying indicators per district (LTLA 2021), 2015-2021 (values only).

Ward, district, county and England values of the LSOA indicators are built from LSOAs with the ONS
best-fit LSOA 2021 -> ward 2024 -> LAD 2024 lookup (districts to counties: ONS LTLA-UTLA 2023):
counts and denominators are summed and the proportion recomputed (with its limits) where counts
exist; otherwise the value is the population-weighted mean of the LSOA values (no limits). A
summed count is missing when any of its LSOAs' counts is missing (suppressed), rather than silently
covering part of the area; a weighted mean uses the LSOAs that have a value and its ``method`` says
how many that was.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np
import pandas as pd
import pandera.pandas as pa

from hiap_geo.acquire.sources import dataset_path, load_registry
from hiap_geo.core.areas import AREA_LEVELS, CODE_PATTERNS, ENGLAND_CODE
from hiap_geo.core.editions import IOD2025
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.geo.deprivation import local_deciles
from hiap_geo.geo.joins import join_on_code
from hiap_geo.geo.lookups import district_counties, ward_lookup
from hiap_geo.indicators import stats
from hiap_geo.indicators.stats import POLARITIES, Polarity

COLUMNS: list[str] = [
    "indicator_id",
    "indicator_name",
    "area_code",
    "area_type",
    "period",
    "value",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "count",
    "denominator",
    "unit",
    "polarity",
    "source",
    "vintage",
]
"""The long format every indicator table has (``method`` may follow as an extra column)."""

AREA_TYPES: tuple[str, ...] = ("lsoa", "msoa", "ward", "district", "county", "england")
"""Area types of the long format; a code must fit its type (E01 LSOA, E02 MSOA, E05 ward, E06-E09 district,
E10/E11 county, E92000001 England)."""

Statistic = Literal["proportion", "rate", "value", "count"]


class IndicatorSchemaError(HiapGeoError):
    """An indicator table that does not have the long format; the message lists what is wrong."""

    def __init__(self, problems: pd.DataFrame):
        self.problems = problems
        lines = [
            f"  column {row.column!r}: {row.check} (row {row.index}: {row.failure_case})"
            for row in problems.head(15).itertuples()
        ]
        more = f"\n  ... and {len(problems) - 15} more" if len(problems) > 15 else ""
        super().__init__(
            f"The indicator table is not in the expected format ({len(problems)} problem(s)):\n"
            + "\n".join(lines)
            + more
        )


# --- Schema ----------------------------------------------------------------------------------


def _codes_match_area_type(df: pd.DataFrame) -> pd.Series:
    ok = pd.Series(False, index=df.index)
    for kind, pattern in ((k, AREA_LEVELS[k].pattern) for k in AREA_TYPES):
        rows = df["area_type"] == kind
        ok[rows] = df.loc[rows, "area_code"].astype(str).str.match(pattern)
    return ok


_CODE_COLS = "area_code/area_type"
_ROW_CHECK_COLUMNS: dict[str, str] = {}
"""Error text of each table-wide (row) check -> the columns it is about, for error messages."""


def _row_check(check, error: str, columns: str) -> pa.Check:
    _ROW_CHECK_COLUMNS[error] = columns
    return pa.Check(check, error=error)


def _ordered(lower: str, upper: str):
    def check(df: pd.DataFrame) -> pd.Series:
        lo, hi = pd.to_numeric(df[lower], errors="coerce"), pd.to_numeric(df[upper], errors="coerce")
        return lo.isna() | hi.isna() | (lo <= hi + 1e-9)

    return _row_check(check, f"{lower} must not exceed {upper}", f"{lower}/{upper}")


_NUM = dict(nullable=True, coerce=True)
SCHEMA = pa.DataFrameSchema(
    {
        "indicator_id": pa.Column(str, pa.Check.str_matches(r"^[A-Za-z0-9_.:-]+$")),
        "indicator_name": pa.Column(str, pa.Check.str_length(min_value=1)),
        "area_code": pa.Column(str),
        "area_type": pa.Column(str, pa.Check.isin(AREA_TYPES)),
        "period": pa.Column(str, pa.Check.str_length(min_value=1)),
        "value": pa.Column(float, **_NUM),
        "lower_95": pa.Column(float, **_NUM),
        "upper_95": pa.Column(float, **_NUM),
        "lower_998": pa.Column(float, **_NUM),
        "upper_998": pa.Column(float, **_NUM),
        "count": pa.Column(float, pa.Check.ge(0), **_NUM),
        "denominator": pa.Column(float, pa.Check.gt(0), **_NUM),
        "unit": pa.Column(str),
        "polarity": pa.Column(str, pa.Check.isin(POLARITIES)),
        "source": pa.Column(str, pa.Check.str_length(min_value=1)),
        "vintage": pa.Column(str, pa.Check.str_length(min_value=1)),
        "method": pa.Column(str, required=False, nullable=True),
    },
    checks=[
        _row_check(_codes_match_area_type, "area_code does not fit area_type (E01 lsoa, E02 msoa...)", _CODE_COLS),
        _ordered("lower_95", "value"),
        _ordered("value", "upper_95"),
        _ordered("lower_998", "lower_95"),
        _ordered("upper_95", "upper_998"),
    ],
    unique=["indicator_id", "area_code", "period"],
    strict=False,
    ordered=False,
)


def validate_indicators(frame: pd.DataFrame) -> pd.DataFrame:
    """Check a table against the long format; returns it with numeric columns as floats.

    Raises :class:`IndicatorSchemaError` listing every bad column and row (missing columns,
    codes that do not fit their area type, limits out of order, duplicated rows...).
    """
    try:
        return SCHEMA.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.astype(object)
        missing = cases["check"] == "column_in_dataframe"
        cases.loc[missing, "column"] = cases.loc[missing, "failure_case"]
        cases.loc[missing, "check"] = "required column is missing"
        row_checks = cases["check"].isin(list(_ROW_CHECK_COLUMNS))
        cases.loc[row_checks, "column"] = cases.loc[row_checks, "check"].map(_ROW_CHECK_COLUMNS)
        cases.loc[row_checks, "failure_case"] = [
            ", ".join(f"{c}={frame.at[i, c]}" for c in cols.split("/")) if i in frame.index else ""
            for cols, i in zip(cases.loc[row_checks, "column"], cases.loc[row_checks, "index"], strict=True)
        ]
        cases = cases.drop_duplicates(["column", "check", "index"])
        cases = cases.assign(column=cases["column"].fillna("(table)"), index=cases["index"].fillna("-"))
        raise IndicatorSchemaError(cases[["column", "check", "index", "failure_case"]]) from None


# --- Indicator definitions -------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorSpec:
    """What an indicator is and how its value, limits and aggregates are made.

    ``statistic``: ``proportion`` (count/denominator, Wilson limits), ``rate`` (count/denominator,
    Byar's limits), ``value`` (a published value; aggregated as a weighted mean, no limits) or
    ``count`` (summed, no limits). ``count``/``denominator``/``value``/``weight`` name columns of
    the source's wide table; ``multiplier`` scales proportions (100 for %).
    """

    id: str
    name: str
    unit: str
    polarity: Polarity
    statistic: Statistic
    dataset: str
    period: str
    count: str | None = None
    denominator: str | None = None
    value: str | None = None
    weight: str | None = None
    multiplier: float = 1.0
    note: str = ""


_WEIGHT_LABELS = {"population": "Census 2021 usual residents", "households": "Census 2021 households"}

_F8 = "iod2025_indicators"
_DOM = "iod2025_domains"


def _f8(
    id_: str,
    name: str,
    column: str,
    unit: str,
    polarity: Polarity = "low_is_good",
    weight: str = "population",
    multiplier: float = 1.0,
    note: str = "",
) -> IndicatorSpec:
    return IndicatorSpec(
        id_,
        name,
        unit,
        polarity,
        "value",
        _F8,
        "IoD 2025",
        value=column,
        weight=weight,
        multiplier=multiplier,
        note=note,
    )


def _f8_count(id_: str, name: str, column: str, unit: str) -> IndicatorSpec:
    return IndicatorSpec(
        id_,
        name,
        unit,
        "no_judgement",
        "count",
        _F8,
        "IoD 2025",
        count=column,
        note="Published rounded to the nearest 5 and suppressed below 10; a ward or district total is missing "
        "when any of its LSOAs is suppressed.",
    )


_PER_1000_POP = "per 1,000 at-risk population"
LSOA_SPECS: list[IndicatorSpec] = [
    IndicatorSpec("iod25_income_rate", "Income deprivation (IoD 2025 income domain rate)", "%", "low_is_good",
                  "value", _DOM, "IoD 2025", value="income_score", count="income_domain_numerator",
                  weight="population", multiplier=100,
                  note="Share of the population income deprived; the count is MHCLG's rounded numerator."),
    IndicatorSpec("iod25_employment_rate", "Employment deprivation (IoD 2025 employment domain rate)", "%",
                  "low_is_good", "value", _DOM, "IoD 2025", value="employment_score",
                  count="employment_domain_numerator", weight="population", multiplier=100,
                  note="Share of working-age people employment deprived; aggregates weighted by all residents."),
    _f8_count("iod25_income_people", "People in income deprivation (IoD 2025 numerator)", "income_domain_numerator",
              "people"),
    _f8_count("iod25_idaci_children", "Children in income-deprived families (IoD 2025 IDACI numerator)",
              "income_deprivation_affecting_children_index_idaci_numerator", "children aged 0-15"),
    _f8_count("iod25_idaopi_people", "Older people in income deprivation (IoD 2025 IDAOPI numerator)",
              "income_deprivation_affecting_older_people_index_idaopi_numerator", "people aged 60+"),
    _f8_count("iod25_employment_people", "People in employment deprivation (IoD 2025 numerator)",
              "employment_domain_numerator", "people of working age"),
    _f8("iod25_adult_skills", "Adults with low or no qualifications or limited English (IoD 2025 adult skills)",
        "adult_skills_and_english_language_proficiency_indicator", "%", multiplier=100),
    _f8("iod25_entry_to_he", "Entry to higher education indicator (IoD 2025; higher = fewer young people entering)",
        "entry_to_higher_education_indicator", "modelled proportion (0-1)",
        note="IoD measure of young people under 21 not entering higher education."),
    _f8("iod25_cidr", "Comparative illness and disability ratio (IoD 2025)",
        "comparative_illness_and_disability_ratio_indicator", "standardised ratio (100 = England)"),
    _f8("iod25_acute_morbidity", "Acute morbidity: emergency admissions (IoD 2025)", "acute_morbidity_indicator",
        "standardised ratio (100 = England)"),
    _f8("iod25_mental_health", "Mood and anxiety disorders (IoD 2025 mental health indicator)",
        "mental_health_indicator", "composite score (0 = England)"),
    _f8("iod25_ypll", "Years of potential life lost (IoD 2025)", "years_of_potential_life_lost_indicator",
        "age and sex standardised rate"),
    _f8("iod25_violence_injury", "Violence with injury (IoD 2025)",
        "violence_with_injury_rate_per_1_000_at_risk_population", _PER_1000_POP),
    _f8("iod25_violence_no_injury", "Violence without injury (IoD 2025)",
        "violence_without_injury_rate_per_1_000_at_risk_population", _PER_1000_POP),
    _f8("iod25_stalking", "Stalking and harassment (IoD 2025)",
        "stalking_and_harassment_rate_per_1_000_at_risk_population", _PER_1000_POP),
    _f8("iod25_burglary", "Burglary (IoD 2025)", "burglary_rate_per_1_000_at_risk_properties",
        "per 1,000 at-risk properties", weight="households"),
    _f8("iod25_theft", "Theft (IoD 2025)", "theft_rate_per_1_000_at_risk_population", _PER_1000_POP),
    _f8("iod25_criminal_damage", "Criminal damage (IoD 2025)", "criminal_damage_rate_per_1_000_at_risk_population",
        _PER_1000_POP),
    _f8("iod25_public_order", "Public order and possession of weapons (IoD 2025)",
        "public_order_and_possession_of_weapons_rate_per_1_000_at_risk_population", _PER_1000_POP),
    _f8("iod25_antisocial", "Anti-social behaviour (IoD 2025)",
        "anti_social_behaviour_rate_per_1_000_at_risk_population", _PER_1000_POP),
    _f8("iod25_connectivity", "Connectivity to key services (IoD 2025 connectivity score)", "connectivity_score",
        "score (higher = better connected)", polarity="high_is_good"),
    _f8("iod25_owner_affordability", "Households unable to afford to buy (IoD 2025 affordability component)",
        "owner_occupation_affordability_component_of_housing_affordability_indicator", "%", weight="households",
        multiplier=100),
    _f8("iod25_rental_affordability", "Households unable to afford to rent privately (IoD 2025 component)",
        "private_rental_affordability_component_of_housing_affordability_indicator", "%", weight="households",
        multiplier=100),
    _f8("iod25_housing_affordability", "Housing affordability indicator (IoD 2025)",
        "housing_affordability_indicator", "score (0 = England; higher = less affordable)", weight="households"),
    _f8("iod25_digital_connectivity", "Digital connectivity: broadband speeds (IoD 2025)",
        "digital_connectivity_broadband_download_and_upload_speeds", "score (0 = England; higher = slower)",
        weight="households"),
    _f8("iod25_core_homelessness", "Core homelessness (IoD 2025)", "core_homelessness_rate_percent_of_households",
        "% of households", weight="households"),
    _f8("iod25_patients_per_gp", "Patients per GP (IoD 2025)", "patient_to_gp_ratio", "patients per GP"),
    _f8("iod25_homelessness", "Homelessness (IoD 2025)", "homelessness_indicator_rate_per_1_000_households",
        "per 1,000 households", weight="households"),
    _f8("iod25_overcrowding_rooms", "Overcrowded households, rooms (IoD 2025)",
        "household_overcrowding_indicator_rooms", "%", weight="households", multiplier=100),
    _f8("iod25_overcrowding_bedrooms", "Overcrowded households, bedrooms (IoD 2025)",
        "household_overcrowding_indicator_bedrooms", "%", weight="households", multiplier=100),
    IndicatorSpec("census21_disability", "Disabled under the Equality Act (Census 2021)", "%", "low_is_good",
                  "proportion", "census2021_residents", "2021", count="disabled", denominator="population",
                  multiplier=100),
    IndicatorSpec("census21_hh_deprived_1plus", "Households deprived in one or more dimensions (Census 2021)",
                  "% of households", "low_is_good", "proportion", "census2021_household_deprivation", "2021",
                  count="hh_deprived_1plus", denominator="households", multiplier=100),
    IndicatorSpec("census21_hh_deprived_2plus", "Households deprived in two or more dimensions (Census 2021)",
                  "% of households", "low_is_good", "proportion", "census2021_household_deprivation", "2021",
                  count="hh_deprived_2plus", denominator="households", multiplier=100),
]  # fmt: skip

MSOA_CENSUS_SPECS: list[IndicatorSpec] = [
    IndicatorSpec("census21_bad_health", "Bad or very bad general health (Census 2021)", "% of usual residents",
                  "low_is_good", "value", "census2021_msoa_health_pct", "2021", value="bad_health",
                  weight="population",
                  note="Published as percentages (1 dp) only: no counts, so no confidence limits."),
    IndicatorSpec("census21_unpaid_care_50h", "Provides 50 or more hours unpaid care a week (Census 2021)",
                  "% of usual residents aged 5+", "no_judgement", "value", "census2021_msoa_health_pct", "2021",
                  value="unpaid_care_50h", weight="population",
                  note="Published as percentages (1 dp) only: no counts, so no confidence limits. District and "
                  "England values weight MSOAs by all usual residents (the base is residents aged 5+)."),
]  # fmt: skip

DWP_YEARS = ["2014/15", "2015/16", "2016/17", "2017/18", "2018/19", "2019/20", "2020/21", "2021/22 (p)"]
DWP_DENOMINATOR_YEAR = "2020/21"
"""The one financial year (April 2020 - March 2021) that the mid-2020 population estimates fit."""

DWP_COUNT = IndicatorSpec(
    "dwp_children_low_income_count",
    "Children in relative low-income families (DWP), number",
    "children aged 0-15",
    "no_judgement",
    "count",
    "dwp_children_low_income_msoa11",
    "",
    count="children",
    note="DWP/HMRC counts of under-16s; 2021/22 is provisional.",
)
DWP_PCT = IndicatorSpec(
    "dwp_children_low_income_pct",
    "Children in relative low-income families (DWP), % of children aged 0-15",
    "%",
    "low_is_good",
    "proportion",
    "dwp_children_low_income_msoa11",
    DWP_DENOMINATOR_YEAR,
    count="children",
    denominator="children_0_15",
    multiplier=100,
    note="Denominator: ONS mid-2020 MSOA estimates of children aged 0-15, so only FYE 2021 (2020/21) has a "
    "percentage; the other years are counts only.",
)

# ONS Health Index 2021 release, raw underlying values. Polarity follows the ONS index (each
# indicator's sign in its subdomain score, checked against the subdomain scores).
_HI: dict[str, tuple[Polarity, str]] = {
    "Activities in life are worthwhile": ("high_is_good", "mean score (0-10)"),
    "Air pollution": ("low_is_good", "PM2.5 (µg/m³)"),
    "Alcohol misuse": ("low_is_good", "admissions per 100,000"),
    "Avoidable mortality": ("low_is_good", "deaths per 100,000"),
    "Cancer": ("low_is_good", "% of patients (prevalence)"),
    "Cancer screening attendance": ("high_is_good", "%"),
    "Cardiovascular conditions": ("low_is_good", "% of patients (prevalence)"),
    "Child poverty": ("low_is_good", "% of children"),
    "Child vaccination coverage": ("high_is_good", "%"),
    "Children's social, emotional and mental health": ("low_is_good", "% of pupils"),
    "Dementia": ("low_is_good", "% of patients (prevalence)"),
    "Diabetes": ("low_is_good", "% of patients (prevalence)"),
    "Disability": ("low_is_good", "%"),
    "Distance to GP services": ("low_is_good", "km"),
    "Distance to pharmacies": ("low_is_good", "km"),
    "Distance to sports or leisure facilities": ("low_is_good", "km"),
    "Drug misuse": ("low_is_good", "deaths per 100,000"),
    "Early years development": ("high_is_good", "%"),
    "Feelings of anxiety": ("low_is_good", "mean score (0-10)"),
    "Frailty": ("low_is_good", "admissions per 100,000"),
    "Happiness": ("high_is_good", "mean score (0-10)"),
    "Healthy eating": ("high_is_good", "% of adults"),
    "High blood pressure": ("low_is_good", "% of patients (prevalence)"),
    "Household overcrowding": ("low_is_good", "% of households"),
    "Infant mortality": ("low_is_good", "deaths per 1,000 live births"),
    "Internet access": ("low_is_good", "% of premises without decent broadband"),
    "Job-related training": ("high_is_good", "%"),
    "Kidney and liver disease": ("low_is_good", "% of patients (prevalence)"),
    "Life expectancy": ("high_is_good", "years"),
    "Life satisfaction": ("high_is_good", "mean score (0-10)"),
    "Low birth weight": ("low_is_good", "% of live births"),
    "Low-level crime": ("low_is_good", "per 1,000 population"),
    "Mental health conditions": ("low_is_good", "% of patients (prevalence)"),
    "Mortality from all causes": ("low_is_good", "deaths per 100,000"),
    "Musculoskeletal conditions": ("low_is_good", "% of patients (prevalence)"),
    "Noise complaints": ("low_is_good", "per 1,000 population"),
    "Overweight and obesity in adults": ("low_is_good", "% of adults"),
    "Overweight and obesity in children": ("low_is_good", "% of children"),
    "Patients offered acceptable GP practice appointments": ("low_is_good", "ONS raw value (higher = worse)"),
    "Personal crime": ("low_is_good", "per 1,000 population"),
    "Physical activity": ("high_is_good", "% of adults"),
    "Private outdoor space": ("high_is_good", "% of addresses"),
    "Pupil absences": ("low_is_good", "% of sessions"),
    "Pupil attainment": ("high_is_good", "%"),
    "Respiratory conditions": ("low_is_good", "% of patients (prevalence)"),
    "Road safety": ("low_is_good", "casualties (ONS raw value)"),
    "Rough sleeping": ("low_is_good", "per 100,000 (ONS raw value)"),
    "Sedentary behaviour": ("low_is_good", "% of adults"),
    "Self-harm": ("low_is_good", "admissions per 100,000"),
    "Sexually transmitted infections": ("low_is_good", "per 1,000 population"),
    "Smoking": ("low_is_good", "% of adults"),
    "Suicides": ("low_is_good", "deaths per 100,000"),
    "Teenage pregnancy": ("low_is_good", "conceptions per 1,000 women aged 15-17"),
    "Unemployment": ("low_is_good", "%"),
    "Workplace safety": ("low_is_good", "injuries (ONS raw value)"),
    "Young people in education, employment and apprenticeships": ("high_is_good", "% of young people"),
}
HEALTH_INDEX_NOTE = (
    "ONS Health Index raw underlying value, as published per district; no England value or confidence "
    "limits in the source. Several indicators repeat the latest available year in later years."
)


def _hi_id(name: str) -> str:
    slug = "".join(ch if ch.isalnum() else "_" for ch in name.lower())
    return "hi_" + "_".join(part for part in slug.split("_") if part)


# --- Source tables (wide, one row per area) --------------------------------------------------


@cache
def _dataset_titles() -> dict[str, tuple[str, str]]:
    return {ds.id: (ds.title, ds.vintage) for ds in load_registry().values()}


@cache
def lsoa_base() -> pd.DataFrame:
    """One row per English LSOA 2021 with every column the LSOA indicators and their weights use.

    Cached: copy before changing it. Joins report (and refuse) any code on one side only.
    """
    census = pd.read_csv(dataset_path("census2021_residents"), dtype={"LSOA21CD": str})
    census = census[census["LSOA21CD"].str.startswith("E01")]
    base = pd.DataFrame(
        {
            "lsoa_code": census["LSOA21CD"],
            "lsoa_name": census["LSOA21NM"],
            "population": census["Disability: Total: All usual residents"].astype(float),
            "disabled": census["Disability: Disabled under the Equality Act"].astype(float),
        }
    )
    hh = pd.read_csv(dataset_path("census2021_household_deprivation"), dtype={"LSOA21CD": str})
    hh = hh[hh["LSOA21CD"].str.startswith("E01")]
    total = hh["Household deprivation: Total: All households"].astype(float)
    none = hh["Household deprivation: Household is not deprived in any dimension"].astype(float)
    one = hh["Household deprivation: Household is deprived in one dimension"].astype(float)
    hh = pd.DataFrame(
        {
            "lsoa_code": hh["LSOA21CD"],
            "households": total,
            "hh_deprived_1plus": total - none,
            "hh_deprived_2plus": total - none - one,
        }
    )
    base, _ = join_on_code(base, hh, "lsoa_code", "Census 2021 TS038 with TS011 (LSOA 2021)")

    f8 = pd.read_csv(dataset_path(_F8), dtype={"lsoa21_code": str}).rename(columns={"lsoa21_code": "lsoa_code"})
    base, _ = join_on_code(base, f8, "lsoa_code", "Census 2021 LSOAs with IoD 2025 File 8")

    domains = pd.read_csv(dataset_path(_DOM), dtype={"LSOA code (2021)": str})
    domains = pd.DataFrame(
        {
            "lsoa_code": domains["LSOA code (2021)"],
            "income_score": domains["Income Score (rate)"],
            "employment_score": domains["Employment Score (rate)"],
            "imd_rank": domains["Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"],
            "imd_decile": domains["Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"],
        }
    )
    base, _ = join_on_code(base, domains, "lsoa_code", "Census 2021 LSOAs with IoD 2025 domains")

    lookup = ward_lookup(IOD2025.year)[["lsoa_code", "ward_code", "ward_name", "lad_code", "lad_name"]]
    base, _ = join_on_code(base, lookup, "lsoa_code", "LSOA 2021 indicators with the LSOA21-WD24-LAD24 lookup")
    return base.sort_values("lsoa_code").reset_index(drop=True)


def _msoa21_of_lsoa(lsoa: pd.DataFrame) -> pd.Series:
    """MSOA 2021 name of each LSOA: ONS names an LSOA after its MSOA plus a letter ('Tunbridge Wells 005A')."""
    return lsoa["lsoa_name"].str.slice(stop=-1)


@cache
def msoa_base() -> pd.DataFrame:
    """One row per English MSOA 2021: Census percentages, residents (summed from LSOAs) and district."""
    raw = pd.read_csv(dataset_path("census2021_msoa_health_pct"), dtype={"MSOA21CD": str})
    raw = raw[raw["MSOA21CD"].str.startswith("E02")]
    pct = pd.DataFrame(
        {
            "msoa_code": raw["MSOA21CD"],
            "msoa_name": raw["MSOA21NM"],
            "bad_health": raw["General health: Bad or very bad health (%) [health_in_general_4a-003]"],
            "unpaid_care_50h": raw["Unpaid care: Provides 50 or more hours unpaid care a week (%) [is_carer_5a-004]"],
        }
    )
    lsoa = lsoa_base().assign(msoa_name=lambda t: _msoa21_of_lsoa(t))
    # A few MSOAs straddle 2024 district boundaries (e.g. one LSOA of West Northamptonshire 048
    # is best-fitted to Cherwell): such an MSOA counts in the district holding most of its residents.
    by_lad = lsoa.groupby(["msoa_name", "lad_code"], as_index=False)["population"].sum()
    main_lad = by_lad.sort_values("population", ascending=False).drop_duplicates("msoa_name")
    per_msoa = lsoa.groupby("msoa_name", as_index=False)["population"].sum()
    per_msoa = per_msoa.merge(main_lad[["msoa_name", "lad_code"]], on="msoa_name", validate="one_to_one")
    base, _ = join_on_code(pct, per_msoa, "msoa_name", "MSOA 2021 percentages with their LSOAs (by ONS name)")
    return base.sort_values("msoa_code").reset_index(drop=True)


@cache
def dwp_base() -> pd.DataFrame:
    """DWP children in relative low income per English MSOA 2011, long by year, with children 0-15 (mid-2020)."""
    raw = pd.read_csv(dataset_path("dwp_children_low_income_msoa11"), dtype=str)
    code_col = "MSOA11CD [added: matched on MSOA11NM]"
    raw = raw[raw[code_col].fillna("").str.startswith("E02")]
    long = raw.melt(id_vars=[code_col], value_vars=DWP_YEARS, var_name="period", value_name="children")
    long = long.rename(columns={code_col: "msoa_code"})
    long["children"] = pd.to_numeric(long["children"].str.replace(",", ""), errors="coerce")

    sape = pd.read_csv(dataset_path("sape_mid2020_msoa11"), dtype={"MSOA Code": str})
    sape = sape[sape["MSOA Code"].str.startswith("E02")]
    children = sape[[str(age) for age in range(16)]].astype(float).sum(axis=1)
    pop = pd.DataFrame({"msoa_code": sape["MSOA Code"], "children_0_15": children})

    lookup = pd.read_csv(dataset_path("lookup_msoa11_msoa21"), dtype=str)
    msoa21_lad = msoa_base()[["msoa_code", "lad_code"]].rename(columns={"msoa_code": "MSOA21CD"})
    links = lookup.merge(msoa21_lad, on="MSOA21CD", how="inner").groupby("MSOA11CD")["lad_code"]
    if (links.nunique() > 1).any():
        raise HiapGeoError("An MSOA 2011 maps to MSOA 2021s in more than one district.")
    lad = links.first().rename_axis("msoa_code").reset_index()

    pop, _ = join_on_code(pop, lad, "msoa_code", "SAPE mid-2020 MSOA 2011 with districts (via MSOA 2021)")
    counts = long.pivot(index="msoa_code", columns="period", values="children").reset_index()
    pop, report = join_on_code(pop, counts, "msoa_code", "SAPE mid-2020 MSOA 2011 with DWP counts", strict=False)
    if report.left_only or report.right_only:
        raise HiapGeoError(report.summary())
    return pop.melt(
        id_vars=["msoa_code", "children_0_15", "lad_code"],
        value_vars=DWP_YEARS,
        var_name="period",
        value_name="children",
    )


# --- Building long rows ----------------------------------------------------------------------


def _long_rows(
    wide: pd.DataFrame, code_col: str, area_type: str, spec: IndicatorSpec, method: str | pd.Series
) -> pd.DataFrame:
    """Rows of the long format for one indicator from a wide table (one area per row)."""
    nan = np.full(len(wide), np.nan)
    count = wide[spec.count].astype(float).to_numpy() if spec.count else nan
    denom = wide[spec.denominator].astype(float).to_numpy() if spec.denominator else nan
    if spec.statistic == "proportion":
        figures = stats.proportion(count, denom, spec.multiplier)
    elif spec.statistic == "rate":
        figures = stats.rate(count, denom, spec.multiplier)
    else:
        base = count if spec.statistic == "count" else wide[spec.value].astype(float).to_numpy() * spec.multiplier
        figures = pd.DataFrame(
            {"value": base, "lower_95": nan, "upper_95": nan, "lower_998": nan, "upper_998": nan, "ci_method": ""}
        )
    title, vintage = _dataset_titles()[spec.dataset]
    period = wide["period"].to_numpy() if "period" in wide and not spec.period else spec.period
    ci = figures["ci_method"].to_numpy()
    method_text = np.asarray(method if isinstance(method, str) else method.to_numpy(), dtype=object)
    full_method = np.where(ci == "", method_text, method_text + "; limits: " + ci.astype(object))
    out = pd.DataFrame(
        {
            "indicator_id": spec.id,
            "indicator_name": spec.name,
            "area_code": wide[code_col].to_numpy(),
            "area_type": area_type,
            "period": period,
            "value": figures["value"].to_numpy(),
            "lower_95": figures["lower_95"].to_numpy(),
            "upper_95": figures["upper_95"].to_numpy(),
            "lower_998": figures["lower_998"].to_numpy(),
            "upper_998": figures["upper_998"].to_numpy(),
            "count": count,
            "denominator": denom,
            "unit": spec.unit,
            "polarity": spec.polarity,
            "source": title,
            "vintage": vintage,
            "method": full_method,
        }
    )
    return out


def _columns_of(spec: IndicatorSpec) -> list[str]:
    return [c for c in (spec.count, spec.denominator, spec.value, spec.weight) if c]


def aggregate(
    wide: pd.DataFrame, groups: pd.Series, specs: Iterable[IndicatorSpec], unit_label: str = "LSOAs"
) -> pd.DataFrame:
    """Aggregate a wide per-area table into groups (wards, districts, England, deciles...).

    Counts and denominators are summed, and a group's sum is missing when any member's is;
    published values become weighted means (weight named by each spec) of the members that
    have a value, and the method text says when that is not all of them.
    Returns one row per group with the spec columns, ``members`` and an ``_agg_<id>`` method text
    per indicator.
    """
    specs = list(specs)
    keys = groups.rename("group_code")
    grouped = wide.groupby(keys, sort=True)
    out = pd.DataFrame({"members": grouped.size()})
    summed: set[str] = set()
    for spec in specs:
        for col in (spec.count, spec.denominator):
            if col and col not in summed:
                gaps = wide[col].isna().groupby(keys).any()
                out[col] = grouped[col].sum().where(~gaps)
                summed.add(col)
        if spec.weight and spec.weight not in summed:
            out[spec.weight] = grouped[spec.weight].sum().where(~wide[spec.weight].isna().groupby(keys).any())
            summed.add(spec.weight)
    for spec in specs:
        n = out["members"].astype(str)
        if spec.statistic == "value":
            assert spec.value and spec.weight
            v, w = wide[spec.value].astype(float), wide[spec.weight].astype(float)
            present = v.notna() & w.notna()
            used = present.groupby(keys).sum()
            vw = (v * w).where(present)
            out[spec.value] = (vw.groupby(keys).sum() / w.where(present).groupby(keys).sum()).where(used > 0)
            label = _WEIGHT_LABELS.get(spec.weight, spec.weight)
            of = np.where(used < out["members"], used.astype(str) + " of ", "")
            out[f"_agg_{spec.id}"] = "mean of " + of + n + f" {unit_label} weighted by {label}"
            if (used < out["members"]).any():
                out.loc[used < out["members"], f"_agg_{spec.id}"] += " (the others have no published value)"
        else:
            out[f"_agg_{spec.id}"] = (
                "counts summed over "
                + n
                + f" {unit_label}"
                + ("; value recomputed from the sums" if spec.statistic in ("proportion", "rate") else "")
            )
    return out.reset_index()


def _filter(frame: pd.DataFrame, column: str, districts: Sequence[str] | None) -> pd.DataFrame:
    if districts is None:
        return frame
    districts = [d.strip().upper() for d in districts]
    unknown = sorted(set(districts) - set(frame[column]))
    if unknown:
        raise HiapGeoError(f"No indicator data for district code(s) {', '.join(unknown)}.")
    return frame[frame[column].isin(districts)]


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=[*COLUMNS, "method"])
    return pd.concat(frames, ignore_index=True)


def lsoa_indicators(
    districts: Sequence[str] | None = None, specs: Sequence[IndicatorSpec] | None = None
) -> pd.DataFrame:
    """LSOA 2021 rows of every LSOA indicator (all of England when ``districts`` is None)."""
    base = _filter(lsoa_base(), "lad_code", districts)
    frames = [_long_rows(base, "lsoa_code", "lsoa", spec, "as published for the LSOA") for spec in specs or LSOA_SPECS]
    return _concat(frames)


def _counties_of(base: pd.DataFrame) -> pd.Series:
    """The county (E10/E11) of each row's district (``lad_code``), from the ONS LTLA-UTLA 2023 lookup.

    Missing for unitary, metropolitan and London districts, which are their own upper tier. A district
    the lookup does not have raises, naming it.
    """
    lookup = district_counties()
    unknown = sorted(set(base["lad_code"]) - set(lookup["lad_code"]))
    if unknown:
        raise HiapGeoError(f"District(s) not in the ONS district-to-county lookup: {', '.join(unknown)}.")
    two_tier = lookup[lookup["county_code"].str.match(CODE_PATTERNS["county"].pattern)]
    return base["lad_code"].map(dict(zip(two_tier["lad_code"], two_tier["county_code"], strict=True)))


def _aggregated(
    level: Literal["ward", "district", "county", "england"],
    districts: Sequence[str] | None,
    specs: Sequence[IndicatorSpec] | None,
) -> pd.DataFrame:
    base = lsoa_base()
    specs = list(specs or LSOA_SPECS)
    if level == "england":
        groups = pd.Series(ENGLAND_CODE, index=base.index)
    elif level == "county":
        counties = _counties_of(base)
        chosen = counties.loc[_filter(base, "lad_code", districts).index].dropna()
        base = base[counties.isin(chosen)]
        if base.empty:
            return _concat([])
        groups = counties.loc[base.index]
    else:
        base = _filter(base, "lad_code", districts)
        groups = base["ward_code" if level == "ward" else "lad_code"]
    wide = aggregate(base, groups, specs)
    return _concat([_long_rows(wide, "group_code", level, s, wide[f"_agg_{s.id}"]) for s in specs])


def ward_indicators(
    districts: Sequence[str] | None = None, specs: Sequence[IndicatorSpec] | None = None
) -> pd.DataFrame:
    """Ward (2024) rows of the LSOA indicators, built from each ward's LSOAs (best-fit lookup)."""
    return _aggregated("ward", districts, specs)


def district_indicators(
    districts: Sequence[str] | None = None, specs: Sequence[IndicatorSpec] | None = None
) -> pd.DataFrame:
    """District (LAD 2024) rows of the LSOA indicators, built from the district's LSOAs."""
    return _aggregated("district", districts, specs)


def county_indicators(
    districts: Sequence[str] | None = None, specs: Sequence[IndicatorSpec] | None = None
) -> pd.DataFrame:
    """County (E10, upper tier 2023) rows of the LSOA indicators, built from all of the county's LSOAs.

    For the counties the districts lie in (every county when ``districts`` is None); unitary,
    metropolitan and London districts have no county above them, so none for them.
    """
    return _aggregated("county", districts, specs)


def england_indicators(specs: Sequence[IndicatorSpec] | None = None) -> pd.DataFrame:
    """England rows of the LSOA indicators, built from all English LSOAs the same way as wards.

    Built once per process (from all 33,755 LSOAs) and shared by the pages and the profiles; each call
    returns its own copy of the few rows.
    """
    return _england_indicators(tuple(specs or LSOA_SPECS)).copy()


@cache
def _england_indicators(specs: tuple[IndicatorSpec, ...]) -> pd.DataFrame:
    return _aggregated("england", None, specs)


def indicators_for_lsoas(
    codes: Iterable[str], area_code: str = "group", specs: Sequence[IndicatorSpec] | None = None
) -> pd.DataFrame:
    """The LSOA indicators of one chosen group of LSOAs 2021 (e.g. a bid's own area), built as wards' are.

    The rows have ``area_code`` as given and ``area_type`` 'group': a chosen group has no official
    code, so they are for showing and for :func:`compare`, not for :func:`validate_indicators`.
    Codes that are not LSOAs 2021 with indicator data raise, naming them.
    """
    wanted = set(codes)
    base = lsoa_base()
    unknown = sorted(wanted - set(base["lsoa_code"]))
    if unknown:
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise HiapGeoError(f"Not LSOA 2021 codes with indicator data: {', '.join(unknown[:10])}{more}.")
    if not wanted:
        raise HiapGeoError("No LSOAs given: a group needs at least one LSOA 2021 code.")
    members = base[base["lsoa_code"].isin(wanted)]
    specs = list(specs or LSOA_SPECS)
    wide = aggregate(members, pd.Series(area_code, index=members.index), specs)
    return _concat([_long_rows(wide, "group_code", "group", s, wide[f"_agg_{s.id}"]) for s in specs])


def msoa_census_indicators(districts: Sequence[str] | None = None, with_comparators: bool = True) -> pd.DataFrame:
    """Census 2021 MSOA percentages (bad health, 50+ hours unpaid care), with district and England values.

    District and England values are MSOA percentages weighted by Census 2021 usual residents:
    the source has no counts, so none of these rows has limits or counts.
    """
    base = msoa_base()
    local = _filter(base, "lad_code", districts)
    frames = [_long_rows(local, "msoa_code", "msoa", s, "as published (percentage, 1 dp)") for s in MSOA_CENSUS_SPECS]
    if with_comparators:
        lad = aggregate(local, local["lad_code"], MSOA_CENSUS_SPECS, "MSOAs")
        eng = aggregate(base, pd.Series(ENGLAND_CODE, index=base.index), MSOA_CENSUS_SPECS, "MSOAs")
        for s in MSOA_CENSUS_SPECS:
            frames.append(_long_rows(lad, "group_code", "district", s, lad[f"_agg_{s.id}"]))
            frames.append(_long_rows(eng, "group_code", "england", s, eng[f"_agg_{s.id}"]))
    return _concat(frames)


def dwp_indicators(districts: Sequence[str] | None = None, with_comparators: bool = True) -> pd.DataFrame:
    """DWP children in relative low income per MSOA 2011: counts for every year, % for 2020/21.

    District and England rows sum the MSOA counts (children not allocated to an MSOA by DWP, the
    'Unknown' row, are not in any area and so not in England either).
    """
    base = dwp_base()
    local = _filter(base, "lad_code", districts)
    levels: list[tuple[str, pd.DataFrame]] = [("msoa", local.rename(columns={"msoa_code": "group_code"}))]
    if with_comparators:
        for level, frame, key in (("district", local, "lad_code"), ("england", base, None)):
            groups = frame[key] if key else pd.Series(ENGLAND_CODE, index=frame.index)
            parts = []
            for period, rows in frame.groupby("period"):
                agg = aggregate(rows, groups.loc[rows.index], [DWP_COUNT, DWP_PCT], "MSOAs")
                parts.append(agg.assign(period=period))
            levels.append((level, pd.concat(parts, ignore_index=True)))
    frames = []
    for level, wide in levels:
        method = "as published for the MSOA" if level == "msoa" else wide[f"_agg_{DWP_COUNT.id}"]
        frames.append(_long_rows(wide, "group_code", level, DWP_COUNT, method))
        year = wide[wide["period"] == DWP_DENOMINATOR_YEAR]
        pct_method = "as published for the MSOA" if level == "msoa" else year[f"_agg_{DWP_PCT.id}"]
        frames.append(_long_rows(year, "group_code", level, DWP_PCT, pct_method))
    out = _concat(frames)
    return out


def health_index_indicators(districts: Sequence[str] | None = None) -> pd.DataFrame:
    """ONS Health Index underlying indicators per district (LTLA 2021), one row per year, values only."""
    raw = pd.read_csv(dataset_path("health_index_indicators"), dtype={"ltla21_code": str})
    unknown = sorted(set(raw["indicator"]) - set(_HI))
    if unknown:
        raise HiapGeoError(f"Health Index indicators with no polarity defined: {', '.join(unknown)}")
    raw = _filter(raw, "ltla21_code", districts)
    title, vintage = _dataset_titles()["health_index_indicators"]
    polarity = raw["indicator"].map(lambda n: _HI[n][0])
    unit = raw["indicator"].map(lambda n: _HI[n][1])
    nan = np.nan
    return pd.DataFrame(
        {
            "indicator_id": raw["indicator"].map(_hi_id),
            "indicator_name": raw["indicator"] + " (ONS Health Index)",
            "area_code": raw["ltla21_code"],
            "area_type": "district",
            "period": raw["year"].astype(str),
            "value": raw["value"].astype(float),
            "lower_95": nan,
            "upper_95": nan,
            "lower_998": nan,
            "upper_998": nan,
            "count": nan,
            "denominator": nan,
            "unit": unit,
            "polarity": polarity,
            "source": title,
            "vintage": vintage,
            "method": HEALTH_INDEX_NOTE,
        }
    ).reset_index(drop=True)


def load_indicators(districts: Sequence[str], include_england: bool = True) -> pd.DataFrame:
    """Every indicator for the districts at every area type, plus England comparators; validated.

    This is what the app loads: LSOA, ward, district and county rows of the LSOA indicators (county:
    for districts in one), MSOA rows of the Census and DWP indicators (with district and England
    values), the Health Index per district, and England rows wherever they can be computed.
    """
    frames = [
        lsoa_indicators(districts),
        ward_indicators(districts),
        district_indicators(districts),
        county_indicators(districts),
    ]
    if include_england:
        frames.append(england_indicators())
    frames += [
        msoa_census_indicators(districts, with_comparators=include_england),
        dwp_indicators(districts, with_comparators=include_england),
        health_index_indicators(districts),
    ]
    return validate_indicators(_concat(frames))


# --- Catalogue and comparisons ---------------------------------------------------------------


def catalogue() -> pd.DataFrame:
    """One row per indicator: id, name, unit, polarity, statistic, area types, source and notes."""
    rows = []
    titles = _dataset_titles()
    for spec in LSOA_SPECS:
        aggregation = (
            "counts summed, value recomputed"
            if spec.statistic in ("proportion", "rate")
            else "counts summed"
            if spec.statistic == "count"
            else f"weighted mean ({_WEIGHT_LABELS[spec.weight or 'population']})"
        )
        rows.append((spec, "lsoa, ward, district, county, england", aggregation))
    for spec in MSOA_CENSUS_SPECS:
        rows.append((spec, "msoa, district, england", "weighted mean (Census 2021 usual residents)"))
    rows += [
        (DWP_COUNT, "msoa, district, england", "counts summed"),
        (DWP_PCT, "msoa, district, england", "counts summed, value recomputed"),
    ]
    table = pd.DataFrame(
        [
            {
                "indicator_id": s.id,
                "indicator_name": s.name,
                "unit": s.unit,
                "polarity": s.polarity,
                "statistic": s.statistic,
                "limits": "Wilson score"
                if s.statistic == "proportion"
                else "Byar's"
                if s.statistic == "rate"
                else "none",
                "area_types": types,
                "aggregation": agg,
                "source": titles[s.dataset][0],
                "note": s.note,
            }
            for s, types, agg in rows
        ]
    )
    hi = pd.DataFrame(
        [
            {
                "indicator_id": _hi_id(name),
                "indicator_name": f"{name} (ONS Health Index)",
                "unit": unit,
                "polarity": pol,
                "statistic": "value",
                "limits": "none",
                "area_types": "district",
                "aggregation": "none (published per district)",
                "source": titles["health_index_indicators"][0],
                "note": HEALTH_INDEX_NOTE,
            }
            for name, (pol, unit) in _HI.items()
        ]
    )
    return pd.concat([table, hi], ignore_index=True)


def compare(
    frame: pd.DataFrame, comparators: pd.DataFrame, comparator_code: str | pd.Series = ENGLAND_CODE, level: str = "95"
) -> pd.DataFrame:
    """Add Fingertips' comparison of each row with a comparator area's value.

    ``comparator_code`` is one code (England by default) or a Series aligned with ``frame``
    (e.g. each ward's district). Adds ``comparator_value``, ``comparison`` (better / similar /
    worse / higher / lower / not compared), ``comparison_label`` and ``comparison_colour``.
    """
    if level not in stats.CONFIDENCE_LEVELS:
        raise HiapGeoError(f"Level must be one of {', '.join(stats.CONFIDENCE_LEVELS)} (95% or 99.8%).")
    keyed = comparators.set_index(["indicator_id", "period", "area_code"])["value"]
    if keyed.index.has_duplicates:
        raise HiapGeoError("The comparator table has more than one value per indicator, period and area.")
    codes = comparator_code if isinstance(comparator_code, pd.Series) else pd.Series(comparator_code, index=frame.index)
    index = pd.MultiIndex.from_arrays([frame["indicator_id"], frame["period"], codes.reindex(frame.index)])
    comp = keyed.reindex(index).to_numpy()
    result = stats.compare_with_benchmark(
        frame[f"lower_{level}"].reset_index(drop=True),
        frame[f"upper_{level}"].reset_index(drop=True),
        comp,
        frame["polarity"].to_numpy(),
    )
    result.index = frame.index
    out = frame.assign(comparator_value=comp, comparison=result)
    out["comparison_label"] = stats.benchmark_labels(out["comparison"], level)
    out["comparison_colour"] = out["comparison"].map(lambda c: stats.BENCHMARK_STYLES[c].colour)
    return out


def slope_index(indicator_id: str, district: str, repetitions: int = 100_000, seed: int | None = 1) -> stats.SIIResult:
    """Slope index of inequality of an LSOA indicator across a district's local IMD 2025 deciles.

    Deciles are within-district (so each holds about a tenth of the district's LSOAs; decile 1
    is the most deprived), the indicator is aggregated to deciles exactly as to wards, and the
    SII is ``phe_sii``'s: the gap between the least and most deprived ends of the fitted line.
    Value-only indicators get the SII without confidence limits.
    """
    specs = {s.id: s for s in LSOA_SPECS}
    if indicator_id not in specs:
        raise HiapGeoError(f"'{indicator_id}' is not an LSOA indicator; the SII needs LSOA values.")
    spec = specs[indicator_id]
    if spec.statistic == "count":
        raise HiapGeoError(f"'{spec.name}' is a count; the SII needs a rate, proportion or score.")
    base = _filter(lsoa_base(), "lad_code", [district])
    deciles = local_deciles(base)["imd_local_decile"].astype(int)
    wide = aggregate(base, deciles, [spec], "LSOAs")
    rows = _long_rows(wide, "group_code", "district", spec, "by local decile")
    population = wide[spec.denominator if spec.statistic in ("proportion", "rate") else spec.weight]
    value_type: stats.ValueType = "normal"
    value = rows["value"]
    lower, upper = rows["lower_95"], rows["upper_95"]
    if spec.statistic == "proportion":
        value_type = "proportion"
        value, lower, upper = value / spec.multiplier, lower / spec.multiplier, upper / spec.multiplier
    elif spec.statistic == "rate":
        value_type = "rate"
    has_limits = bool(lower.notna().all() and upper.notna().all())
    result = stats.slope_index_of_inequality(
        wide["group_code"],
        population,
        value,
        lower if has_limits else None,
        upper if has_limits else None,
        value_type=value_type,
        multiplier=spec.multiplier if value_type == "proportion" else 1.0,
        repetitions=repetitions,
        seed=seed,
    )
    return result
