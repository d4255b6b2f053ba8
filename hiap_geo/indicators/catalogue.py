"""What each indicator is: its definition (:class:`IndicatorSpec`), the lists of them by source, and the catalogue.

Sources (all fetched through the registry):

- IoD 2025 File 8 underlying indicators, and the income and employment domain rates, per LSOA 2021;
- Census 2021 TS038 disability and TS011 household deprivation per LSOA 2021 (counts: Wilson limits);
- Census 2021 general health and unpaid care per MSOA 2021 (published as percentages only: no
  counts, so no limits);
- DWP children in relative low-income families per MSOA 2011, FYE 2015-2022 (counts; as a
  percentage of children aged 0-15 only for 2020/21, the year the mid-2020 estimates fit);
- ONS Health Index underlying indicators per district (LTLA 2021), 2015-2021 (values only);
- House of Commons Library modelled prevalence of seven conditions on GP registers (QOF about 2018/19) per
  MSOA 2011, moved to MSOA 2021 and given to each LSOA and ward from its MSOAs (values only).

Over 300 lines, most of them the definitions themselves (one per indicator), kept together so that
the whole list can be read and checked in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

import pandas as pd

from hiap_geo.acquire.registry import load_registry
from hiap_geo.indicators.stats import Polarity

Statistic = Literal["proportion", "rate", "value", "count"]
Standardised = Literal["", "ratio", "rate", "score"]
"""What kind of standardised measure a value is: ``ratio`` (indirectly standardised, England = 100),
``rate`` (age and sex standardised) or ``score`` (standardised so that England's LSOAs average 0)."""


@dataclass(frozen=True)
class IndicatorSpec:
    """What an indicator is and how its value, limits and aggregates are made.

    ``statistic``: ``proportion`` (count/denominator, Wilson limits), ``rate`` (count/denominator,
    Byar's limits), ``value`` (a published value; aggregated as a weighted mean, no limits) or
    ``count`` (summed, no limits). ``count``/``denominator``/``value``/``weight`` name columns of
    the source's wide table; ``multiplier`` scales proportions (100 for %). ``standardised`` marks a
    standardised measure, whose mean over LSOAs is not the measure of the larger area
    (:func:`hiap_geo.indicators.aggregate.long_rows` labels it so); ``england_reference`` is England's
    value by definition (100 for a ratio to England, 0 for a score centred on England), if it has one.
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
    standardised: Standardised = ""
    england_reference: float | None = None


WEIGHT_LABELS: dict[str, str] = {"population": "Census 2021 usual residents", "households": "Census 2021 households"}
"""How the weight of a weighted mean is named in method texts and the catalogue."""

IOD_INDICATORS_DATASET = "iod2025_indicators"
"""IoD 2025 File 8, the underlying indicators per LSOA 2021."""
IOD_DOMAINS_DATASET = "iod2025_domains"
"""IoD 2025 domain scores (rates), ranks and deciles per LSOA 2021."""


def _f8(
    id_: str,
    name: str,
    column: str,
    unit: str,
    polarity: Polarity = "low_is_good",
    weight: str = "population",
    multiplier: float = 1.0,
    note: str = "",
    standardised: Standardised = "",
    england_reference: float | None = None,
) -> IndicatorSpec:
    return IndicatorSpec(
        id_,
        name,
        unit,
        polarity,
        "value",
        IOD_INDICATORS_DATASET,
        "IoD 2025",
        value=column,
        weight=weight,
        multiplier=multiplier,
        note=note,
        standardised=standardised,
        england_reference=england_reference,
    )


_RATIO_NOTE = (
    "Indirectly standardised ratio (observed / expected x 100, England = 100). File 8 gives no expected "
    "counts, so a ward, district or county figure is the population-weighted mean of its LSOA ratios, shown "
    "as such and not as a standardised ratio; England is 100 by definition."
)
_SCORE_NOTE = (
    "Standardised score: England's LSOAs average 0 (measured: |mean| < 0.0001). Above LSOA the figure is the "
    "weighted mean of the LSOA scores, shown as such; England is 0 by definition."
)


def _f8_count(id_: str, name: str, column: str, unit: str) -> IndicatorSpec:
    return IndicatorSpec(
        id_,
        name,
        unit,
        "no_judgement",
        "count",
        IOD_INDICATORS_DATASET,
        "IoD 2025",
        count=column,
        note="Published rounded to the nearest 5 and suppressed below 10; a ward or district total is missing "
        "when any of its LSOAs is suppressed.",
    )


_PER_1000_POP = "per 1,000 at-risk population"
LSOA_SPECS: list[IndicatorSpec] = [
    IndicatorSpec("iod25_income_rate", "Income deprivation (IoD 2025 income domain rate)", "%", "low_is_good",
                  "value", IOD_DOMAINS_DATASET, "IoD 2025", value="income_score", count="income_domain_numerator",
                  weight="population", multiplier=100,
                  note="Share of the population income deprived; the count is MHCLG's rounded numerator."),
    IndicatorSpec("iod25_employment_rate", "Employment deprivation (IoD 2025 employment domain rate)", "%",
                  "low_is_good", "value", IOD_DOMAINS_DATASET, "IoD 2025", value="employment_score",
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
        "comparative_illness_and_disability_ratio_indicator", "standardised ratio (100 = England)",
        note=_RATIO_NOTE, standardised="ratio", england_reference=100.0),
    _f8("iod25_acute_morbidity", "Acute morbidity: emergency admissions (IoD 2025)", "acute_morbidity_indicator",
        "standardised ratio (100 = England)", note=_RATIO_NOTE, standardised="ratio", england_reference=100.0),
    _f8("iod25_mental_health", "Mood and anxiety disorders (IoD 2025 mental health indicator)",
        "mental_health_indicator", "composite score (0 = England)", note=_SCORE_NOTE, standardised="score",
        england_reference=0.0),
    _f8("iod25_ypll", "Years of potential life lost (IoD 2025)", "years_of_potential_life_lost_indicator",
        "age and sex standardised rate", standardised="rate",
        note="Age and sex standardised rate. Above LSOA the figure is the population-weighted mean of the LSOA "
        "rates, shown as such; File 8 does not give England's standardised rate, so there is no England value."),
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
        "housing_affordability_indicator", "score (0 = England; higher = less affordable)", weight="households",
        note=_SCORE_NOTE, standardised="score", england_reference=0.0),
    _f8("iod25_digital_connectivity", "Digital connectivity: broadband speeds (IoD 2025)",
        "digital_connectivity_broadband_download_and_upload_speeds", "score (0 = England; higher = slower)",
        weight="households", note=_SCORE_NOTE, standardised="score", england_reference=0.0),
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
HEALTH_INDEX_INDICATORS: dict[str, tuple[Polarity, str]] = {
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


STANDARDISED_NOUNS: dict[str, tuple[str, str]] = {
    "ratio": ("standardised ratio", "ratios"),
    "rate": ("standardised rate", "rates"),
    "score": ("standardised score", "scores"),
}
"""Standardised kind -> (what the measure is, the plural of an LSOA value) for labels."""


def standardised_unit(spec: IndicatorSpec) -> str:
    """The unit of a standardised measure above LSOA: what the figure is, not what it is not taken for."""
    noun, plural = STANDARDISED_NOUNS[spec.standardised]
    weight = "population" if spec.weight in (None, "population") else "household"
    return f"{weight}-weighted mean of LSOA {plural} (not a {noun})"


def standardised_aggregation(spec: IndicatorSpec) -> str:
    """How a standardised measure is shown above LSOA and for England, for the catalogue."""
    reference = (
        f"England = {spec.england_reference:g} by definition"
        if spec.england_reference is not None
        else "no England value (not in the source)"
    )
    return f"{standardised_unit(spec)}; {reference}"


def health_index_id(name: str) -> str:
    """The indicator id of an ONS Health Index indicator: 'Life expectancy' -> 'hi_life_expectancy'."""
    slug = "".join(ch if ch.isalnum() else "_" for ch in name.lower())
    return "hi_" + "_".join(part for part in slug.split("_") if part)


@cache
def dataset_titles() -> dict[str, tuple[str, str]]:
    """Dataset id -> (title, vintage) from the registry: the ``source`` and ``vintage`` of every row."""
    return {ds.id: (ds.title, ds.vintage) for ds in load_registry().values()}


@cache
def catalogue() -> pd.DataFrame:
    """One row per indicator: id, name, unit, polarity, statistic, area types, source and notes. Made from the specs
    and the registry alone (about 40 ms), once per process: callers must not modify it."""
    rows = []
    titles = dataset_titles()
    for spec in LSOA_SPECS:
        aggregation = (
            "counts summed, value recomputed"
            if spec.statistic in ("proportion", "rate")
            else "counts summed"
            if spec.statistic == "count"
            else f"weighted mean ({WEIGHT_LABELS[spec.weight or 'population']})"
        )
        if spec.standardised:
            aggregation = standardised_aggregation(spec)
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
                "indicator_id": health_index_id(name),
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
            for name, (pol, unit) in HEALTH_INDEX_INDICATORS.items()
        ]
    )
    return pd.concat([table, hi, qof_catalogue_rows()], ignore_index=True)


# House of Commons Library: modelled prevalence of seven conditions on GP registers (QOF) by MSOA 2011.
QOF_DATASET = "hoc_qof_prevalence_msoa11"
QOF_PERIOD = "QOF about 2018/19"
QOF_LABEL = "modelled estimate for the MSOA (House of Commons Library, QOF about 2018/19)"
"""What every QOF register figure is, wherever it is shown: LSOA and ward values are their MSOAs' estimates."""
QOF_CONDITIONS: dict[str, tuple[str, str, str]] = {
    "Asthma": ("qof_asthma", "Asthma on GP registers (QOF)", "% of registered patients"),
    "COPD": ("qof_copd", "COPD on GP registers (QOF)", "% of registered patients"),
    "Chronic Kidney Disease": ("qof_ckd", "Chronic kidney disease on GP registers (QOF)",
                               "% of registered patients aged 18+"),
    "Coronary Heart Disease": ("qof_chd", "Coronary heart disease on GP registers (QOF)", "% of registered patients"),
    "Diabetes": ("qof_diabetes", "Diabetes on GP registers (QOF)", "% of registered patients aged 17+"),
    "High Blood Pressure": ("qof_hypertension", "High blood pressure on GP registers (QOF)",
                            "% of registered patients"),
    "Obesity": ("qof_obesity", "Obesity on GP registers: BMI 30+ recorded, adults (QOF register, not survey obesity)",
                "% of registered patients aged 18+"),
}
"""Published column -> (indicator id, name, unit before the label). The obesity name carries the register caveat."""
QOF_NOTE = (
    "Patients on a GP practice's QOF register (a recorded diagnosis, or for obesity a recorded BMI of 30 or more "
    "in adults) as a share of its registered patients in the register's age group, apportioned by the House of "
    "Commons Library to MSOAs 2011 by where each practice's patients live. A modelled estimate: no counts, "
    "denominators or confidence limits, so it is placed by national decile of English MSOAs, not judged better "
    "or worse. A register counts what practices record: obesity on the register (England about 10%) is far "
    "below survey obesity (about a quarter of adults), and higher recorded prevalence can mean better case "
    "finding as well as more illness. The period is not in the file (QOF about 2018/19). LSOA and ward values "
    "are those of the MSOAs they lie in (a ward spanning several MSOAs: their estimates weighted by Census 2021 "
    "residents). MSOAs 2011 are moved to MSOAs 2021 through the ONS LSOA crosswalk: unchanged and split MSOAs "
    "take their one 2011 parent's estimate; merged and redrawn MSOAs the mean of their 2011 parents weighted by "
    "mid-2020 residents (redrawn: approximate, the parents are only partly inside)."
)
QOF_SPECS: list[IndicatorSpec] = [
    IndicatorSpec(id_, name, f"{unit}, {QOF_LABEL}", "no_judgement", "value", QOF_DATASET, QOF_PERIOD, value=id_,
                  weight="population", multiplier=100, note=QOF_NOTE)
    for id_, name, unit in QOF_CONDITIONS.values()
]
"""The seven conditions, one value column each (named by the indicator id) in the QOF tables."""
QOF_IDS = frozenset(s.id for s in QOF_SPECS)
"""The QOF register estimates: modelled for MSOAs, so placed among English MSOAs whatever the area."""
QOF_AGGREGATION = "the MSOA's estimate; above MSOA, MSOA estimates weighted by Census 2021 usual residents"


def qof_catalogue_rows() -> pd.DataFrame:
    """The catalogue's rows for the QOF register estimates (kept apart so that other sources' rows stay as they are)."""
    title = dataset_titles()[QOF_DATASET][0]
    return pd.DataFrame([{"indicator_id": s.id, "indicator_name": s.name, "unit": s.unit, "polarity": s.polarity,
                          "statistic": s.statistic, "limits": "none",
                          "area_types": "lsoa, msoa, ward, district, england",
                          "aggregation": QOF_AGGREGATION, "source": title, "note": s.note} for s in QOF_SPECS])
