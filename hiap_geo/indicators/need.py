"""Which areas need action: indicator values by area with their comparisons, and a transparent need score.

Two pages use this module. The Indicators page maps one indicator for the chosen districts and
compares each area with England and with its district; the Targeting page ranks wards or LSOAs by
a need score that combines deprivation and chosen indicators, with weights the user sets.

The need score (:func:`need_score`) is deliberately simple, so that every figure can be checked
by hand:

1. each component (e.g. IMD score, an indicator) is *oriented* so that higher means more need:
   a "low is good" value is used as it is, a "high is good" value (or an IMD decile, where 1 is
   most deprived) is negated;
2. it is *standardised* across the areas being ranked, either as a rank scaled 0-1 (0 = least
   need, 1 = most need; ties share their average rank) or as a z-score (mean 0, standard
   deviation 1, population formula);
3. each standardised value is multiplied by its weight's share of the total weight: that is its
   *contribution*, and the need score is the sum of the contributions.

An area missing a component is either scored on the components it has, with their weights
rescaled to sum to 1 (``missing="rescale"``), or left unscored (``missing="exclude"``); the table
says which was done and how many components each score used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from hiap_geo.acquire.sources import dataset_path
from hiap_geo.core.areas import ENGLAND_CODE
from hiap_geo.core.attribution import full_attribution
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.geo.deprivation import DOMAINS, MEASURES
from hiap_geo.geo.measures import MapMeasure
from hiap_geo.indicators import long_format as ind
from hiap_geo.indicators import stats
from hiap_geo.render.maps import Classes

LEVELS: dict[str, str] = {"lsoa": "LSOA", "msoa": "MSOA", "ward": "Ward", "district": "District"}
"""Area types an indicator can be mapped at, finest first, with the label users see."""

TARGET_LEVELS: tuple[str, ...] = ("ward", "lsoa")
"""Levels the need score ranks: the neighbourhoods plans name."""

COMPARATORS: dict[str, str] = {"england": "England", "district": "its district"}
AREA_COLUMNS = ["code", "name", "ward", "district", "district_code"]

Method = Literal["rank", "zscore"]
METHODS: dict[str, str] = {
    "rank": "Rank scaled 0-1 (0 = least need, 1 = most need among these areas)",
    "zscore": "z-score (standard deviations above the mean of these areas; positive = more need)",
}
Missing = Literal["rescale", "exclude"]
MISSING_RULES: dict[str, str] = {
    "rescale": "Score on the components the area has (weights rescaled to sum to 1)",
    "exclude": "Leave the area unscored",
}


class TargetingError(HiapGeoError):
    """A need score or an indicator table that cannot be made from what was asked (the message says why)."""


# --- areas -------------------------------------------------------------------------------------


def standard_areas(layer: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """A built (or MSOA) layer as ``code, name, ward, district, district_code, geometry`` plus its other
    columns (deprivation measures), so every level is handled alike."""
    if level == "lsoa":
        frame = layer.rename(columns={"lsoa_code": "code", "lsoa_name": "name", "ward_name": "ward"})
        frame = frame.assign(district=layer["lad_name"], district_code=layer["lad_code"])
    elif level == "ward":
        frame = layer.assign(ward=layer["name"], district=layer["lad_name"], district_code=layer["lad_code"])
    elif level == "district":
        frame = layer.assign(ward="", district=layer["name"], district_code=layer["code"])
    else:
        raise TargetingError(f"Unknown area level '{level}'; use one of {', '.join(LEVELS)}.")
    rest = [c for c in frame.columns if c not in AREA_COLUMNS and c != "geometry"]
    return gpd.GeoDataFrame(frame[AREA_COLUMNS + rest], geometry=layer.geometry.values, crs=layer.crs)


def _msoa_names() -> pd.DataFrame:
    return pd.read_csv(dataset_path("lookup_msoa11_msoa21"), dtype=str,
                       usecols=["MSOA11CD", "MSOA11NM", "MSOA21CD", "MSOA21NM"])


def msoa_areas(lsoas: gpd.GeoDataFrame, year: Literal[2011, 2021], current: pd.DataFrame | None = None
               ) -> gpd.GeoDataFrame:
    """MSOA polygons made by dissolving their LSOAs (``standard_areas`` of an LSOA layer of that year).

    LSOAs nest exactly in MSOAs and ONS names each LSOA after its MSOA plus a letter ('Tunbridge
    Wells 005A' is in 'Tunbridge Wells 005'), so the union of an MSOA's LSOAs is its boundary at the
    LSOAs' generalisation. Each MSOA takes the district holding most of its LSOAs' residents. For
    MSOA 2011, ``current`` (the MSOA 2021 areas: code, district_code, district) gives today's
    districts through the ONS MSOA 2011-2021 lookup, the way the DWP figures are assigned.
    """
    names = _msoa_names()
    suffix = str(year)[2:]
    codes = names.drop_duplicates(f"MSOA{suffix}NM").set_index(f"MSOA{suffix}NM")[f"MSOA{suffix}CD"]
    work = lsoas.assign(msoa_name=lsoas["name"].str.slice(stop=-1))
    weight = work["population"] if "population" in work else pd.Series(1.0, index=work.index)
    by_lad = work.assign(_w=weight).groupby(["msoa_name", "district_code", "district"], as_index=False)["_w"].sum()
    main = by_lad.sort_values("_w", ascending=False).drop_duplicates("msoa_name").set_index("msoa_name")
    shapes = work[["msoa_name", "geometry"]].dissolve(by="msoa_name")
    unknown = sorted(set(shapes.index) - set(codes.index))
    if unknown:
        raise TargetingError(f"No MSOA {year} code for {len(unknown)} name(s) in the ONS lookup: "
                             f"{', '.join(unknown[:5])}.")
    out = pd.DataFrame({"code": codes.reindex(shapes.index).to_numpy(), "name": shapes.index, "ward": "",
                        "district": main["district"].reindex(shapes.index).to_numpy(),
                        "district_code": main["district_code"].reindex(shapes.index).to_numpy()})
    if year == 2011 and current is not None:
        link = names.merge(current[["code", "district_code", "district"]], left_on="MSOA21CD", right_on="code")
        link = link.drop_duplicates("MSOA11CD").set_index("MSOA11CD")
        for col in ("district_code", "district"):
            out[col] = out["code"].map(link[col]).fillna(out[col])
    result = gpd.GeoDataFrame(out, geometry=shapes.geometry.values, crs=lsoas.crs)
    return result.sort_values("code").reset_index(drop=True)


def best_layer(codes: Iterable[str], candidates: Mapping[str, Callable[[], gpd.GeoDataFrame]]
               ) -> tuple[str, gpd.GeoDataFrame]:
    """The candidate layer (e.g. {'LSOA 2021': loader, 'LSOA 2011': loader}) holding most of ``codes``.

    Indicators come on several vintages (DWP on MSOA 2011, uploads on any). Candidates are loaded
    in order and the search stops at one that holds every code, so list the newest first: it wins
    ties, and older layers are only read when needed.
    """
    wanted = set(codes)
    best: tuple[int, str, gpd.GeoDataFrame] | None = None
    for name, load in candidates.items():
        layer = load()
        held = len(wanted & set(layer["code"]))
        if best is None or held > best[0]:
            best = (held, name, layer)
        if held == len(wanted):
            break
    if best is None:
        raise TargetingError("No map layer is available for this level.")
    return best[1], best[2]


# --- indicator values by area -----------------------------------------------------------------------


NO_PERIOD = "period not stated"


def with_periods(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows from an upload (or an API) without a period get 'period not stated', so that they can be chosen."""
    return frame.assign(period=frame["period"].astype(object).where(frame["period"].notna(), NO_PERIOD))


def levels_of(data: pd.DataFrame, indicator_id: str) -> list[str]:
    """Area levels (finest first) at which an indicator has at least one value."""
    rows = data[(data["indicator_id"] == indicator_id) & data["value"].notna()]
    present = set(rows["area_type"])
    return [level for level in LEVELS if level in present]


def periods_of(data: pd.DataFrame, indicator_id: str, level: str) -> list[str]:
    """The periods an indicator has at a level, oldest first (so the last is the latest)."""
    rows = data[(data["indicator_id"] == indicator_id) & (data["area_type"] == level)]
    return sorted(rows["period"].dropna().astype(str).unique())


def indicator_measure(name: str, unit: str | None, polarity: str) -> MapMeasure:
    """How to colour an indicator's values: darkest = worst (or highest, when there is no polarity)."""
    label = f"{name} ({unit})" if unit and isinstance(unit, str) else name
    if polarity == "no_judgement":
        return MapMeasure("value", label, "score", True, ends=("highest", "lowest"))
    return MapMeasure("value", label, "score", polarity != "high_is_good", ends=("worst", "best"))


def as_categories(measure: MapMeasure, classes: Classes) -> tuple[MapMeasure, pd.Series]:
    """A classified measure as a category measure with the same legend, and each area's class label.

    Classifying scores by natural breaks costs seconds for a thousand areas without numba; a page
    can cache :func:`hiap_geo.render.maps.classify` and draw the map from its result with this.
    """
    labels = pd.Series([classes.labels[k] if k >= 0 else None for k in classes.index], dtype=object)
    categories = tuple(zip(classes.labels, classes.colours, strict=True))
    return replace(measure, column="class", kind="category", categories=categories), labels


def comparison_categories(polarity: str) -> list[str]:
    """The comparison categories an indicator can take, in legend order."""
    if polarity == "no_judgement":
        return ["higher", "similar", "lower", "not compared"]
    return ["worse", "similar", "better", "not compared"]


def comparison_measure(label: str, polarity: str, comparator: str, confidence: str) -> MapMeasure:
    """Colours for a better / similar / worse map, in Fingertips' colours, each with its text label."""
    cats = comparison_categories(polarity)
    labels = stats.benchmark_labels(pd.Series(cats), confidence)
    title = f"{label}: compared with {COMPARATORS[comparator]} ({stats.CONFIDENCE_LABELS[confidence]} confidence)"
    return MapMeasure("comparison", title, "category", False,
                      categories=tuple((lab, stats.BENCHMARK_STYLES[c].colour) for c, lab in zip(cats, labels,
                                                                                                 strict=True)))


def area_values(data: pd.DataFrame, indicator_id: str, level: str, period: str, areas: pd.DataFrame,
                confidence: str = "95") -> pd.DataFrame:
    """One row per area of ``areas`` (code, district_code...) with the indicator's value, limits at the
    chosen confidence, count and denominator, and its comparison with England and with its district.

    Comparisons follow Fingertips: significantly different when the comparator lies outside the
    area's interval, better or worse by polarity. Rows without limits (published values with no
    counts) or without a comparator value are 'not compared', and the text says so.
    """
    if confidence not in stats.CONFIDENCE_LABELS:
        raise TargetingError(f"Confidence must be one of {', '.join(stats.CONFIDENCE_LABELS)} (95% or 99.8%).")
    rows = data[(data["indicator_id"] == indicator_id) & (data["area_type"] == level)
                & (data["period"].astype(str) == str(period))]
    if rows.empty:
        raise TargetingError(f"Indicator '{indicator_id}' has no {LEVELS.get(level, level)} values for {period}.")
    rows = rows.drop_duplicates("area_code")
    base = pd.DataFrame(areas[AREA_COLUMNS]).reset_index(drop=True)
    merged = base.merge(rows.drop(columns=["area_type"]), left_on="code", right_on="area_code", how="left",
                        validate="one_to_one")
    first = rows.iloc[0]
    for col in ("indicator_id", "indicator_name", "period", "unit", "polarity", "source", "vintage"):
        merged[col] = merged[col].fillna(first[col]) if col in merged else first[col]
    comparators = data[data["area_type"].isin(["england", "district"])].drop_duplicates(
        ["indicator_id", "period", "area_code"])
    merged = merged.assign(area_code=merged["code"])
    out = merged.copy()
    for key, codes in (("england", ENGLAND_CODE), ("district", merged["district_code"])):
        compared = ind.compare(merged, comparators, codes, confidence)
        out[f"{key}_value"] = compared["comparator_value"]
        out[f"vs_{key}"] = compared["comparison"]
        out[f"vs_{key}_label"] = compared["comparison_label"]
    out["lower"] = merged[f"lower_{confidence}"]
    out["upper"] = merged[f"upper_{confidence}"]
    out["confidence"] = stats.CONFIDENCE_LABELS[confidence]
    return out.drop(columns=["area_code"])


def has_limits(values: pd.DataFrame) -> bool:
    """True when any area has confidence limits, so that a comparison can be significant."""
    return bool(values["lower"].notna().any() and values["upper"].notna().any())


def format_value(value: float, unit: str | None = None) -> str:
    """A value as tables and tooltips show it: 3 significant figures below 10, else one decimal."""
    if pd.isna(value):
        return "No data"
    text = f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"
    return f"{text}%" if unit == "%" else text


def tooltip_texts(values: pd.DataFrame) -> list[str]:
    """Each area's tooltip value: the value with its limits, and both comparisons in words."""
    texts = []
    for row in values.itertuples():
        if pd.isna(row.value):
            texts.append("No data")
            continue
        parts = [format_value(row.value, row.unit)]
        if pd.notna(row.lower) and pd.notna(row.upper):
            parts.append(f"({format_value(row.lower)} to {format_value(row.upper)})")
        parts.append(f"· England: {row.vs_england_label}")
        if row.code != row.district_code:
            parts.append(f"· district: {row.vs_district_label}")
        texts.append(" ".join(parts))
    return texts


WRAPPING_TOOLTIPS = "<style>.leaflet-tooltip{white-space:normal;width:max-content;max-width:360px}</style>"


def wrap_tooltips(fmap: folium.Map) -> folium.Map:
    """Let long tooltips (an indicator's name, value, limits and two comparisons) wrap instead of running
    off the side of the map."""
    fmap.get_root().header.add_child(folium.Element(WRAPPING_TOOLTIPS), name="hiap_wrapping_tooltips")
    return fmap


def export_table(values: pd.DataFrame, level: str, layer_vintage: str) -> pd.DataFrame:
    """The indicator table as users see and download it: every figure with its source and vintage."""
    table = pd.DataFrame({
        "code": values["code"], "name": values["name"], "ward": values["ward"], "district": values["district"],
        "indicator": values["indicator_name"], "period": values["period"], "value": values["value"],
        "lower limit": values["lower"], "upper limit": values["upper"],
        "compared with England": values["vs_england_label"], "compared with district": values["vs_district_label"],
        "count": values["count"], "denominator": values["denominator"], "unit": values["unit"],
        "England value": values["england_value"], "district value": values["district_value"],
        "confidence": values["confidence"],
        "polarity": values["polarity"].map({"high_is_good": "high is good", "low_is_good": "low is good",
                                            "no_judgement": "no judgement"}),
        "method": values.get("method", ""),
        "source": values["source"], "vintage": values["vintage"],
        "geography": f"{LEVELS.get(level, level)} ({layer_vintage})",
        "attribution": full_attribution(),
    })
    if level == "district" or (table["ward"] == "").all():
        table = table.drop(columns=["ward"])
    if level == "district":
        table = table.drop(columns=["district", "district value", "compared with district"])
    return table


# --- need score ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    """One input of the need score: a column of the areas table, its label, weight and direction."""

    key: str
    label: str
    weight: float
    higher_is_more_need: bool


@dataclass(frozen=True)
class NeedScore:
    """A need score for each area and every component behind it.

    ``table`` has, per area, ``need_score``, ``need_rank`` (1 = most need), ``components_used``,
    and per component ``<key>__value``, ``__standardised``, ``__weight`` (the share of the weight
    used for that area) and ``__contribution``; the score is the sum of the contributions.
    """

    table: pd.DataFrame
    components: tuple[Component, ...]
    method: str
    missing: str
    notes: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        """The method in words, for the page and the CSV."""
        parts = ", ".join(
            f"{c.label} (weight {c.weight:g}, {'higher' if c.higher_is_more_need else 'lower'} = more need)"
            for c in self.components
        )
        return (f"Need score = sum of weight share x standardised value. Standardised: {METHODS[self.method]}. "
                f"Missing values: {MISSING_RULES[self.missing].lower()}. Components: {parts}.")


def standardise(values: pd.Series, method: Method, higher_is_more_need: bool) -> pd.Series:
    """Orient a component so that higher = more need, then scale it across the areas that have it.

    ``rank``: (rank - 1) / (n - 1), ties at their average rank; a single area, or areas that are
    all equal, get 0.5. ``zscore``: (x - mean) / sd with the population sd; no spread gives 0.
    """
    numeric = pd.to_numeric(values, errors="coerce").astype(float)
    oriented = numeric if higher_is_more_need else -numeric
    present = oriented.dropna()
    out = pd.Series(np.nan, index=values.index, dtype=float)
    if present.empty:
        return out
    if method == "rank":
        n = len(present)
        out[present.index] = 0.5 if n == 1 else (present.rank(method="average") - 1) / (n - 1)
    elif method == "zscore":
        sd = present.std(ddof=0)
        out[present.index] = 0.0 if not sd > 0 else (present - present.mean()) / sd
    else:
        raise TargetingError(f"Unknown method '{method}'; use one of {', '.join(METHODS)}.")
    return out


def need_score(frame: pd.DataFrame, components: Sequence[Component], method: Method = "rank",
               missing: Missing = "rescale") -> NeedScore:
    """Rank areas by a weighted sum of standardised, need-oriented components (see the module text)."""
    if not components:
        raise TargetingError("Choose at least one component (a deprivation measure or an indicator) to score.")
    keys = [c.key for c in components]
    if len(set(keys)) != len(keys):
        raise TargetingError("A component is chosen twice; each measure can be used once.")
    absent = [c.label for c in components if c.key not in frame]
    if absent:
        raise TargetingError(f"Not in the areas table: {', '.join(absent)}.")
    if any(not np.isfinite(c.weight) or c.weight < 0 for c in components):
        raise TargetingError("Weights must be zero or more.")
    if sum(c.weight for c in components) <= 0:
        raise TargetingError("At least one weight must be above zero.")
    if missing not in MISSING_RULES:
        raise TargetingError(f"Unknown rule for missing values '{missing}'; use one of {', '.join(MISSING_RULES)}.")

    table = pd.DataFrame(index=frame.index)
    std = pd.DataFrame(index=frame.index)
    for c in components:
        table[f"{c.key}__value"] = frame[c.key]
        std[c.key] = standardise(frame[c.key], method, c.higher_is_more_need)
    weights = pd.Series({c.key: float(c.weight) for c in components})
    present = std.notna()
    used_weight = present.mul(weights, axis=1)
    if missing == "exclude":
        complete = present.all(axis=1)
        used_weight = used_weight.where(complete, 0.0)
    total = used_weight.sum(axis=1)
    share = used_weight.div(total.where(total > 0), axis=0)
    contribution = std * share
    notes: list[str] = []
    for c in components:
        table[f"{c.key}__standardised"] = std[c.key]
        table[f"{c.key}__weight"] = share[c.key].where(present[c.key])
        table[f"{c.key}__contribution"] = contribution[c.key]
        gaps = int((~present[c.key]).sum())
        if gaps:
            notes.append(f"{c.label}: no value for {gaps} of {len(frame)} areas.")
    scored = total > 0
    table["need_score"] = contribution.sum(axis=1, min_count=1).where(scored)
    table["components_used"] = present.where(used_weight > 0, False).sum(axis=1).astype(int)
    table["need_rank"] = table["need_score"].rank(ascending=False, method="min").astype("Int64")
    unscored = int((~scored).sum())
    if unscored:
        notes.append(f"{unscored} area(s) have no score ({'a component is missing' if missing == 'exclude' else 'no component has a value'}).")  # noqa: E501
    front = ["need_rank", "need_score", "components_used"]
    table = table[front + [c for c in table.columns if c not in front]]
    return NeedScore(table, tuple(components), method, missing, tuple(notes))


# --- thresholds -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    """A filter on one column: a numeric range (inclusive) or a set of allowed texts.

    An area with no value fails the threshold: a filter asks for evidence, and missing data is
    not evidence.
    """

    key: str
    label: str
    minimum: float | None = None
    maximum: float | None = None
    allowed: frozenset[str] = frozenset()

    def test(self, frame: pd.DataFrame) -> pd.Series:
        if self.key not in frame:
            raise TargetingError(f"Cannot filter on '{self.label}': it is not in the areas table.")
        column = frame[self.key]
        if self.allowed:
            return column.isin(self.allowed).fillna(False).astype(bool)
        numeric = pd.to_numeric(column, errors="coerce")
        passed = numeric.notna()
        if self.minimum is not None:
            passed &= numeric >= self.minimum
        if self.maximum is not None:
            passed &= numeric <= self.maximum
        return passed.astype(bool)


def apply_thresholds(frame: pd.DataFrame, thresholds: Sequence[Threshold]) -> pd.DataFrame:
    """Add a column per threshold ('meets: <label>') and ``meets_all`` (True with no thresholds)."""
    out = frame.copy()
    passed = pd.Series(True, index=frame.index)
    for t in thresholds:
        ok = t.test(frame)
        out[f"meets: {t.label}"] = ok
        passed &= ok
    out["meets_all"] = passed
    return out


# --- the Targeting page's table -------------------------------------------------------------------


def deprivation_components(areas: pd.DataFrame, level: str) -> dict[str, tuple[str, bool]]:
    """Deprivation columns of a built IoD 2025 layer that can enter a need score:
    key -> (label, higher is more need). Only columns with values are offered."""
    options: dict[str, tuple[str, bool]] = {}
    if level == "lsoa":
        options["imd_score"] = ("IMD 2025 score", True)
        options["imd_decile"] = ("IMD 2025 national decile (1 = most deprived)", False)
        for key in [*DOMAINS, "idaci", "idaopi"]:
            options[f"{key}_score"] = (f"{MEASURES[key]} score (IoD 2025)", True)
    else:
        options["imd_score"] = ("IMD 2025 score (population-weighted average of LSOAs)", True)
        options["imd_pop_share_decile_1_2"] = ("Population in national IMD deciles 1-2 (share)", True)
        for key in DOMAINS:
            options[f"{key}_score"] = (f"{MEASURES[key]} score (population-weighted, IoD 2025)", True)
    return {k: v for k, v in options.items() if k in areas and pd.to_numeric(areas[k], errors="coerce").notna().any()}


def decile_column(level: str) -> tuple[str, str]:
    """The column an IMD decile threshold tests, and how the page words it."""
    if level == "lsoa":
        return "imd_decile", "IMD 2025 national decile"
    return "imd_lowest_decile", "most deprived IMD 2025 decile among the ward's LSOAs"


def target_indicators(data: pd.DataFrame, level: str) -> pd.DataFrame:
    """Indicators with values at a level (latest period of each): id, name, unit, polarity, period,
    and whether they have confidence limits (so 'worse than England' can be tested)."""
    rows = data[(data["area_type"] == level) & data["value"].notna()]
    if rows.empty:
        return pd.DataFrame(columns=["indicator_id", "indicator_name", "unit", "polarity", "period", "has_limits"])
    latest = rows.groupby("indicator_id")["period"].max().rename("period").reset_index()
    rows = rows.merge(latest, on=["indicator_id", "period"])
    has = rows["lower_95"].notna().groupby(rows["indicator_id"]).any()
    table = rows.drop_duplicates("indicator_id")[["indicator_id", "indicator_name", "unit", "polarity", "period"]]
    table = table.assign(has_limits=table["indicator_id"].map(has).astype(bool))
    return table.sort_values("indicator_name").reset_index(drop=True)


def targeting_frame(areas: gpd.GeoDataFrame, data: pd.DataFrame, level: str, indicator_ids: Sequence[str],
                    confidence: str = "95") -> gpd.GeoDataFrame:
    """The areas (standard columns and their deprivation measures) with each chosen indicator's latest
    value as a column named by its id, and ``<id>__vs_england`` (better / similar / worse ...).

    For wards, ``imd_lowest_decile`` is the most deprived national decile any of its LSOAs is in,
    so a ward passes 'IMD decile 1-4' when it holds at least one LSOA in deciles 1-4.
    """
    if level not in TARGET_LEVELS:
        raise TargetingError(f"The need score ranks wards or LSOAs, not {LEVELS.get(level, level)}s.")
    out = areas.copy()
    if level == "ward":
        counts = [f"imd_decile_{d}_lsoas" for d in range(1, 11)]
        if all(c in out for c in counts):
            has = out[counts].fillna(0).to_numpy() > 0
            out["imd_lowest_decile"] = np.where(has.any(axis=1), has.argmax(axis=1) + 1, np.nan)
    available = target_indicators(data, level).set_index("indicator_id")
    for indicator_id in indicator_ids:
        if indicator_id not in available.index:
            raise TargetingError(f"Indicator '{indicator_id}' has no {LEVELS[level]} values for these districts.")
        values = area_values(data, indicator_id, level, available.at[indicator_id, "period"], out, confidence)
        out[indicator_id] = values["value"].to_numpy()
        out[f"{indicator_id}__vs_england"] = values["vs_england"].to_numpy()
    return out


def ranked_table(frame: pd.DataFrame, score: NeedScore, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The Targeting table for the areas of ``frame`` (a subset of the scored areas): area, need rank and
    score, each component's value, standardised value, weight share and contribution (named by the
    component label), then the threshold columns; most need first."""
    labels = dict(labels or {})
    scores = score.table.loc[frame.index]
    base = pd.DataFrame(frame[["code", "name", "ward", "district"]])
    if (base["ward"].fillna("") == base["name"]).all():
        base = base.drop(columns=["ward"])
    parts = [base, scores[["need_rank", "need_score", "components_used"]]]
    for c in score.components:
        label = labels.get(c.key, c.label)
        part = scores[[f"{c.key}__{s}" for s in ("value", "standardised", "weight", "contribution")]]
        part.columns = [f"{label}: {s}" for s in ("value", "standardised", "weight", "contribution")]
        parts.append(part)
    meets = [c for c in frame.columns if c.startswith("meets")]
    if meets:
        parts.append(pd.DataFrame(frame[meets]))
    table = pd.concat(parts, axis=1).sort_values(["need_rank", "code"], na_position="last").reset_index(drop=True)
    return table.rename(columns={"need_rank": "need rank", "need_score": "need score",
                                 "components_used": "components used"})


METHOD_MARKDOWN = """
**How the need score is made** (every step is in the table, so any figure can be checked by hand):

1. **Orient** each component so that a higher value means more need: 'low is good' indicators and
   deprivation scores as they are; 'high is good' indicators and IMD deciles (1 = most deprived) negated.
   Indicators with no polarity take the direction you choose.
2. **Standardise** it across the areas being ranked (the chosen districts' wards or LSOAs):
   *rank 0-1* puts the area with least need at 0 and most need at 1 (ties share their average rank), so
   no single extreme value dominates; *z-score* keeps the distances (mean 0, standard deviation 1).
3. **Weight**: each weight's share of the total weight, times the standardised value, is the component's
   *contribution*; the **need score is the sum of the contributions**, and rank 1 has the most need.
4. **Missing values**: an area without a value for a component is scored on the components it has, with
   their weights rescaled to sum to 1, or left unscored, as you choose; 'components used' says which.

**Thresholds** then filter the ranked areas: an IMD decile range (for a ward, the most deprived decile of
any of its LSOAs) and indicators *significantly* worse than England (confidence interval entirely on the
worse side of England's value). An area with no value fails a threshold: missing data is not evidence.
"""


def sii_sentence(result: stats.SIIResult, name: str, unit: str, district: str, polarity: str) -> str:
    """The slope index of inequality in words: the modelled gap between the most and least deprived ends."""
    gap = abs(result.sii)
    if not np.isfinite(result.sii) or gap == 0:
        return f"The fitted line for {name} in {district} is flat: no gap between its most and least deprived LSOAs."
    end = "higher" if result.sii < 0 else "lower"
    worse = ((polarity == "low_is_good" and result.sii < 0) or (polarity == "high_is_good" and result.sii > 0))
    judgement = "" if polarity == "no_judgement" else (
        " — worse where deprivation is greatest." if worse else " — better where deprivation is greatest.")
    if np.isfinite(result.sii_lower_95) and np.isfinite(result.sii_upper_95):
        limits = (f" (SII {result.sii:,.2f}, 95% confidence interval {result.sii_lower_95:,.2f} to "
                  f"{result.sii_upper_95:,.2f})")
    else:
        limits = f" (SII {result.sii:,.2f}; no confidence interval: the values have no limits)"
    unit_text = " percentage points" if unit == "%" else (f" ({unit})" if unit else "")
    return (f"Across the local IMD deciles of {district}, {name} is {gap:,.2f}{unit_text} {end} at the most deprived "
            f"end than at the least deprived end{limits}{judgement}")
