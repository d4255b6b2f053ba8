"""The Targeting page's model: the chosen districts' wards or LSOAs with their deprivation and chosen
indicators, scored by :func:`hiap_geo.indicators.need.need_score`, filtered by thresholds, ranked,
and the slope index of inequality in words.

Streamlit-free so the page stays widgets in, these calls, widgets out, and each step is tested on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd

from hiap_geo.core.attribution import full_attribution
from hiap_geo.core.cells import csv_bytes as csv_bytes
from hiap_geo.core.editions import IOD2025
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.text import escape_markdown as escape_markdown
from hiap_geo.geo.deprivation import DOMAINS, MEASURES, SCORE_WEIGHTING
from hiap_geo.geo.measures import MapMeasure
from hiap_geo.indicators import stats
from hiap_geo.indicators.catalogue import catalogue
from hiap_geo.indicators.compare import slope_index as slope_index
from hiap_geo.indicators.need import METHODS, NeedScore, NeedThreshold, apply_thresholds
from hiap_geo.indicators.need import MISSING_RULES as MISSING_RULES
from hiap_geo.indicators.need import Component as Component
from hiap_geo.indicators.need import need_score as need_score
from hiap_geo.indicators.schema import COLUMNS as INDICATOR_COLUMNS
from hiap_geo.indicators.stats import CONFIDENCE_LABELS as CONFIDENCE_LABELS
from hiap_geo.indicators.stats import SIIResult as SIIResult
from hiap_geo.render.map_component import MapView, map_view
from hiap_geo.render.maps import area_at as area_at
from hiap_geo.render.maps import classify
from hiap_geo.render.png_download import map_download as map_download
from hiap_geo.render.png_download import map_file_name as map_file_name
from hiap_geo.views.indicators import LEVELS, area_values, as_categories, district_outlines, selection_label
from hiap_geo.views.tables import as_quoted

TARGET_LEVELS: tuple[str, ...] = ("ward", "lsoa")
"""Levels the need score ranks: the neighbourhoods plans name."""

NEED = MapMeasure("need_score", "Need score (higher = more need)", "score", True, ends=("most need", "least need"))
"""How the need score is coloured: darkest = most need."""


class TargetingError(HiapGeoError):
    """A targeting table that cannot be made from what was asked (the message says why)."""


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
        options["imd_score"] = (f"IMD 2025 score (average of LSOAs, {SCORE_WEIGHTING[2025]})", True)
        options["imd_pop_share_decile_1_2"] = ("Population in national IMD deciles 1-2 (share)", True)
        for key in DOMAINS:
            options[f"{key}_score"] = (f"{MEASURES[key]} score (IoD 2025, {SCORE_WEIGHTING[2025]})", True)
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


def catalogue_target_indicators(level: str) -> pd.DataFrame:
    """The indicators published (or built) at a level, from the catalogue alone: id, name, polarity and
    whether they have confidence limits; as :func:`target_indicators` gives them from the data, without reading
    any (a first visit read every indicator only to list them)."""
    table = catalogue()
    rows = table[table["area_types"].str.split(", ").map(lambda types: level in types)]
    rows = rows.assign(has_limits=rows["limits"].ne("none"))
    columns = ["indicator_id", "indicator_name", "polarity", "has_limits"]  # no unit: a ward's is its LSOAs' mean
    return rows[columns].sort_values("indicator_name").reset_index(drop=True)


def no_indicator_data() -> pd.DataFrame:
    """No indicator rows (the indicators' columns): what the need score reads when no indicator is chosen."""
    return pd.DataFrame(columns=INDICATOR_COLUMNS)


def targeting_frame(areas: gpd.GeoDataFrame, data: pd.DataFrame, level: str, indicator_ids: Sequence[str],
                    confidence: str = "95") -> pd.DataFrame:
    """The areas (standard columns and their deprivation measures, without their geometry, keeping their index)
    with each chosen indicator's latest value as a column named by its id, and ``<id>__vs_england`` (better /
    similar / worse ...). Without geometry, as the score and the table need: each rerun's column work is faster on
    a plain table; the map takes the areas' geometry by index (:func:`need_map_frame`).

    For wards, ``imd_lowest_decile`` is the most deprived national decile any of its LSOAs is in,
    so a ward passes 'IMD decile 1-4' when it holds at least one LSOA in deciles 1-4.
    """
    if level not in TARGET_LEVELS:
        raise TargetingError(f"The need score ranks wards or LSOAs, not {LEVELS.get(level, level)}s.")
    out = pd.DataFrame(areas.drop(columns=areas.geometry.name))
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


RANK_OF_ALL = "need rank of all scored"
"""The column keeping an area's rank among every scored area, when thresholds leave some out."""


WEIGHT_SHARE = "weight share"
"""A component's weight as a share of the area's total (0.25 of four equal weights): what the score multiplies by,
named apart from the weight the page's slider sets (1)."""


def ranked_table(frame: pd.DataFrame, score: NeedScore, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The Targeting table for the areas of ``frame`` (a subset of the scored areas): area, need rank and
    score, each component's value, standardised value, weight share and contribution (named by the
    component label), then the threshold columns; most need first.

    'need rank' numbers the rows of this table 1, 2, 3... (after thresholds, with no gaps); 'need rank of all
    scored' keeps each area's rank among every scored area of the districts."""
    labels = dict(labels or {})
    scores = score.table.loc[frame.index]
    columns = {name: frame[name] for name in ("code", "name", "ward", "district")}
    if (frame["ward"].fillna("") == frame["name"]).all():
        del columns["ward"]
    rank = scores["need_rank"]
    columns |= {"need rank": rank, RANK_OF_ALL: rank, "need score": scores["need_score"],
                "components used": scores["components_used"]}
    for c in score.components:
        label = labels.get(c.key, c.label)
        columns |= {f"{label}: {shown}": scores[f"{c.key}__{step}"] for step, shown in (
            ("value", "value"), ("standardised", "standardised"), ("weight", WEIGHT_SHARE),
            ("contribution", "contribution"))}
    yes_no = {True: "yes", False: "no"}  # words, as the page and the CSV show them (not True and False)
    columns |= {("meets every threshold" if c == "meets_all" else c): frame[c].map(yes_no)
                for c in frame.columns if c.startswith("meets")}
    # Most need first, unscored last, ties by code; one table made and reordered once (the page does it per change).
    order = np.lexsort((frame["code"].to_numpy(), rank.to_numpy(dtype=float, na_value=np.inf)))
    table = pd.DataFrame(columns).take(order).reset_index(drop=True)
    table["need rank"] = pd.Series(range(1, len(table) + 1), dtype="Int64").where(table[RANK_OF_ALL].notna())
    return table


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


SII_CONVENTION = "least deprived end minus most deprived end"
"""The sign of the slope index (``phe_sii``'s): negative when the value is higher at the most deprived end. The
headline figure and the sentence under it both use it, and both say so."""
SII_LABEL = f"Slope index of inequality ({SII_CONVENTION})"


def sii_headline(result: stats.SIIResult) -> str:
    """The slope index as the headline shows it: signed, in :data:`SII_CONVENTION`."""
    return f"{result.sii:+,.2f}" if np.isfinite(result.sii) and result.sii != 0 else f"{0:,.2f}"


def sii_sentence(result: stats.SIIResult, name: str, unit: str, district: str, polarity: str) -> str:
    """The slope index of inequality in words: the modelled gap between the most and least deprived ends, with the
    signed SII in the same convention as the headline figure."""
    gap = abs(result.sii)
    if not np.isfinite(result.sii) or gap == 0:
        return f"The fitted line for {name} in {district} is flat: no gap between its most and least deprived LSOAs."
    end = "higher" if result.sii < 0 else "lower"
    worse = ((polarity == "low_is_good" and result.sii < 0) or (polarity == "high_is_good" and result.sii > 0))
    judgement = "" if polarity == "no_judgement" else (
        " — worse where deprivation is greatest." if worse else " — better where deprivation is greatest.")
    if np.isfinite(result.sii_lower_95) and np.isfinite(result.sii_upper_95):
        limits = f", 95% confidence interval {result.sii_lower_95:,.2f} to {result.sii_upper_95:,.2f}"
    else:
        limits = "; no confidence interval: the values have no limits"
    unit_text = " percentage points" if unit == "%" else (f" ({unit})" if unit else "")
    sign = "negative" if result.sii < 0 else "positive"
    return (f"Across the local IMD deciles of {district}, {name} is {gap:,.2f}{unit_text} {end} at the most deprived "
            f"end than at the least deprived end (SII {sii_headline(result)}: {SII_CONVENTION}, so {sign} means "
            f"{end} at the most deprived end{limits}){judgement}")


def chosen_thresholds(decile_key: str, deciles: tuple[int, int], worse: Sequence[str],
                      indicator_names: Mapping[str, str], confidence: str) -> list[NeedThreshold]:
    """The thresholds the page's widgets chose: an IMD decile range (none when it is 1-10) and, per indicator,
    'significantly worse than England' at the confidence chosen."""
    chosen = []
    if tuple(deciles) != (1, 10):
        chosen.append(NeedThreshold(decile_key, f"IMD decile {deciles[0]}-{deciles[1]}", *deciles))
    for indicator_id in worse:
        chosen.append(NeedThreshold(f"{indicator_id}__vs_england", f"{indicator_names[indicator_id]}: worse than "
                                    f"England ({stats.CONFIDENCE_LABELS[confidence]})", allowed=frozenset({"worse"})))
    return chosen


def scored_areas(frame: pd.DataFrame, score: NeedScore, chosen: Sequence[NeedThreshold]
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every area with its need score, rank and a column per threshold; and the areas that have a score
    and meet every threshold."""
    scored = apply_thresholds(frame.join(score.table[["need_score", "need_rank"]]), chosen)
    return scored, scored[scored["meets_all"] & scored["need_score"].notna()]


def need_colouring(selected: pd.DataFrame, method: str) -> tuple[MapMeasure, pd.Series]:
    """The need score's map measure (titled with the standardisation used) and each area's class of it."""
    measure = MapMeasure(NEED.column, f"Need score ({METHODS[method].split(' (')[0].lower()})", "score", True,
                         ends=NEED.ends)
    return as_categories(measure, classify(selected["need_score"].reset_index(drop=True), measure))


def indicator_choices(available: pd.DataFrame) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """From :func:`target_indicators`: id -> name, id -> polarity, and the ids with confidence limits (the
    ones a 'significantly worse than England' threshold can test)."""
    names = dict(zip(available["indicator_id"], available["indicator_name"], strict=True))
    polarities = dict(zip(available["indicator_id"], available["polarity"], strict=True))
    return names, polarities, list(available.loc[available["has_limits"], "indicator_id"])


def layer_vintage(level: str) -> str:
    """The boundaries the need score is ranked on: IoD 2025's LSOAs (2021) or wards (2024)."""
    return IOD2025.lsoa_vintage if level == "lsoa" else IOD2025.ward_vintage


NOT_SELECTED = "Not meeting every threshold (or not scored)"
"""How the map's legend names the areas the thresholds leave out: they stay on the map, grey."""


def need_map_values(scored: pd.DataFrame, selected: pd.DataFrame, classes: pd.Series) -> pd.Series:
    """Every area's need class, for the map: the areas meeting every threshold coloured by their class, the rest
    missing (grey). All areas stay on the map, so a new threshold or weight recolours it and sends no geometry."""
    values = pd.Series(None, index=scored.index, dtype=object)
    values.loc[selected.index] = classes.to_numpy()
    return values.reset_index(drop=True)


def map_tooltips(scored: pd.DataFrame) -> list[str]:
    """Each area's rank among all scored areas and its score, and whether it meets every threshold."""
    last = int(scored["need_rank"].max()) if scored["need_rank"].notna().any() else 0
    texts = []
    for rank, value, meets in zip(scored["need_rank"], scored["need_score"], scored["meets_all"], strict=True):
        if pd.isna(value):
            texts.append("Not scored (no value for a component)")
            continue
        text = f"rank {int(rank)} of {last} · score {value:.2f}"
        texts.append(text if meets else f"{text} · does not meet every threshold")
    return texts


def targeting_map(scored: pd.DataFrame, selected: pd.DataFrame, measure: MapMeasure, classes: pd.Series, *,
                  geometry: gpd.GeoSeries, district_lines: gpd.GeoSeries, chosen: str | None, basemap: str | None,
                  presentation: bool, geometry_json: str, height: int) -> MapView:
    """The need map for the recolouring map component: every area of the level (one areas file, so a weight or
    threshold change sends colours only), those left out by the thresholds grey, the districts outlined and the
    area clicked outlined and named in the legend. ``geometry``: the areas' (by index), ``geometry_json`` its
    cached encoding."""
    label = selection_label(scored, chosen)
    frame = need_map_frame(scored, need_map_values(scored, selected, classes), geometry)
    return map_view(frame, replace(measure, missing_label=NOT_SELECTED), outlines=district_outlines(district_lines),
                    selected=chosen if label else None, selected_label=label, basemap=basemap,
                    presentation=presentation, geometry_json=geometry_json, tooltip_values=map_tooltips(scored),
                    height=height, fit_window=True)


def area_summary(scored: pd.DataFrame, code: str) -> str:
    """The clicked area in one sentence: its rank and score, and whether it meets every threshold."""
    row = scored.set_index("code").loc[code]
    if pd.isna(row["need_score"]):
        return f"{row['name']} ({code}): not scored (it has no value for a component)."
    meets = "meets every threshold" if row["meets_all"] else "does not meet every threshold"
    return (f"{row['name']} ({code}): rank {int(row['need_rank'])} of {int(scored['need_rank'].max())}, "
            f"need score {row['need_score']:.2f}; it {meets}.")


def sii_interval(result: stats.SIIResult) -> str:
    """The slope index's 95% interval as the page shows it."""
    if not (np.isfinite(result.sii_lower_95) and np.isfinite(result.sii_upper_95)):
        return "not available"
    return f"{result.sii_lower_95:,.2f} to {result.sii_upper_95:,.2f}"


def need_values(selected: pd.DataFrame) -> pd.DataFrame:
    """The areas meeting every threshold with their need score as ``value``: what the map in words reads."""
    return selected[["code", "name", "ward", "district", "need_score"]].rename(columns={"need_score": "value"})


def need_map_download(scored: pd.DataFrame, selected: pd.DataFrame, measure: MapMeasure, classes: pd.Series, *,
                      geometry: gpd.GeoSeries, district_lines: gpd.GeoSeries, kinds: str,
                      thresholds: bool) -> Callable[[], bytes]:
    """The need map as a slide's PNG, as the page draws it: every area, those the thresholds leave out grey, the
    districts outlined and framed whole (drawn on click)."""
    frame = need_map_frame(scored, need_map_values(scored, selected, classes), geometry)
    shown = f"{len(selected)} of {len(scored)} {kinds} " + ("meet every threshold" if thresholds else "ranked")
    return map_download(frame, replace(measure, missing_label=NOT_SELECTED), f"Need score: {shown}",
                        outlines=district_outlines(district_lines))


def need_map_frame(selected: pd.DataFrame, classes: pd.Series, geometry: gpd.GeoSeries) -> gpd.GeoDataFrame:
    """The areas meeting every threshold as the map draws them, coloured by their need class, on their geometry
    (the areas' ``geometry``, matched by index)."""
    return gpd.GeoDataFrame(selected[["code", "name", "ward", "district"]].assign(value=classes.to_numpy()),
                            geometry=geometry.loc[selected.index].values)


def ranking_export_table(table: pd.DataFrame, score: NeedScore, chosen: Sequence[NeedThreshold], data: pd.DataFrame,
                         indicator_ids: Sequence[str], level: str) -> pd.DataFrame:
    """The ranked table as downloaded: with the method, thresholds, sources, geography and attribution on
    every row; figures to four decimals and ranks whole, as a reader quotes them (not 0.9779411764705882)."""
    sources = sorted(set(data.loc[data["indicator_id"].isin(indicator_ids), "source"]))
    table = as_quoted(table, whole=(RANK_OF_ALL,))
    return table.assign(method=score.describe(),
                        thresholds="; ".join(t.label for t in chosen) or "none",
                        sources="English Indices of Deprivation 2025 (MHCLG); " + "; ".join(sources),
                        geography=f"{LEVELS[level]} ({IOD2025.ward_vintage if level == 'ward' else 'LSOA 2021'})",
                        attribution=full_attribution())


def sii_indicators() -> pd.DataFrame:
    """Catalogue rows, by indicator id, of the indicators a slope index can be fitted to: published per LSOA,
    not counts."""
    table = catalogue()
    return table[table["area_types"].str.startswith("lsoa") & (table["statistic"] != "count")].set_index(
        "indicator_id")
