"""The Indicators page's model: one indicator for the chosen districts, by area, compared with England
and with each area's district, ready to map, tabulate, download and chart.

Streamlit-free so the page stays widgets in, these calls, widgets out, and each step is tested on its
own. Comparisons follow Fingertips (:func:`hiap_geo.indicators.compare.compare`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd

from hiap_geo.core.areas import ENGLAND_CODE
from hiap_geo.core.attribution import full_attribution
from hiap_geo.core.cells import csv_bytes as csv_bytes
from hiap_geo.core.editions import IOD2019, IOD2025
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.text import counted as counted
from hiap_geo.core.text import escape_markdown as escape_markdown
from hiap_geo.geo.measures import MapMeasure
from hiap_geo.indicators import stats
from hiap_geo.indicators.catalogue import QOF_IDS
from hiap_geo.indicators.compare import compare
from hiap_geo.indicators.schema import DEFAULT_ORIGIN
from hiap_geo.indicators.stats import CONFIDENCE_LABELS as CONFIDENCE_LABELS
from hiap_geo.render.charts import format_indicator_value
from hiap_geo.render.map_component import MapView, map_view
from hiap_geo.render.maps import Classes, Outline, classify
from hiap_geo.render.maps import area_at as area_at
from hiap_geo.render.maps import map_file_name as map_file_name
from hiap_geo.render.profile.positions import decile_text, national_decile
from hiap_geo.views.explorer import codes_in_districts
from hiap_geo.views.map_text import LEVEL_LABELS
from hiap_geo.views.tables import as_quoted

LEVELS: dict[str, str] = LEVEL_LABELS
"""Area types an indicator can be mapped at, finest first, with the label users see."""

COMPARATORS: dict[str, str] = {"england": "England", "district": "its district"}
AREA_COLUMNS = ["code", "name", "ward", "district", "district_code"]

ORIGIN_TAGS: dict[str, str] = {"upload": " — your upload", "fingertips": " — Fingertips"}
"""How an indicator's name is marked, by the ``origin`` of its rows, where users choose it."""

TREND_DEFAULTS = ["hi_overweight_and_obesity_in_adults", "hi_overweight_and_obesity_in_children", "hi_smoking",
                  "hi_young_people_in_education_employment_and_apprenticeships", "hi_life_expectancy"]
"""The Health Index trends shown first."""

STATED_COLUMNS = ["area_name", "indicator_name", "printed", "period", "comparison", "comparators", "rank",
                  "document_title", "quote", "reference"]
"""Columns of the plan documents' stated figures that the page shows."""

HIDDEN_TABLE_COLUMNS = ["indicator", "period", "unit", "polarity", "method", "source", "vintage", "geography",
                        "confidence", "attribution"]
"""Columns of :func:`indicator_export_table` the page states once above the table instead of on every row."""


class IndicatorViewError(HiapGeoError):
    """An indicator map or table that cannot be made from what was asked (the message says why)."""


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
        raise IndicatorViewError(f"Unknown area level '{level}'; use one of {', '.join(LEVELS)}.")
    rest = [c for c in frame.columns if c not in AREA_COLUMNS and c != "geometry"]
    return gpd.GeoDataFrame(frame[AREA_COLUMNS + rest], geometry=layer.geometry.values, crs=layer.crs)


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
        raise IndicatorViewError("No map layer is available for this level.")
    return best[1], best[2]


def vintages(level: str) -> list[str]:
    """Map vintages of a level, newest first (so :func:`best_layer` prefers the newest)."""
    if level == "msoa":
        return ["MSOA 2021", "MSOA 2011"]
    attr = {"lsoa": "lsoa_vintage", "ward": "ward_vintage", "district": "district_vintage"}[level]
    return [getattr(IOD2025, attr), getattr(IOD2019, attr)]


def edition_year(vintage: str) -> int:
    """The IoD edition whose built layers have an LSOA, ward or district vintage ('Ward 2024' -> 2025)."""
    return next(ed.year for ed in (IOD2025, IOD2019)
                if vintage in (ed.lsoa_vintage, ed.ward_vintage, ed.district_vintage))


# --- indicator values by area -----------------------------------------------------------------------


DEFAULT_INDICATOR = "census21_disability"
"""The indicator the page opens on (when the catalogue has it): Census 2021 disability, on every level."""
NO_PERIOD = "period not stated"


def with_periods(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows from an upload (or an API) without a period get 'period not stated', so that they can be chosen."""
    return frame.assign(period=frame["period"].astype(object).where(frame["period"].notna(), NO_PERIOD))


def with_extras(local: pd.DataFrame, extras: Iterable[pd.DataFrame | None]) -> pd.DataFrame:
    """The districts' indicators with the user's own (an upload, Fingertips rows), every row with a period."""
    added = [with_periods(frame) for frame in extras if frame is not None]
    return pd.concat([local, *added], ignore_index=True) if added else local


def option_labels(data: pd.DataFrame) -> dict[str, str]:
    """Indicator id -> the name users pick, marked with where uploads and Fingertips rows come from."""
    first = data.drop_duplicates("indicator_id").set_index("indicator_id")
    origins = first["origin"] if "origin" in first else pd.Series(DEFAULT_ORIGIN, index=first.index)
    return {i: f"{row['indicator_name']}{ORIGIN_TAGS.get(origins[i], '')}" for i, row in first.iterrows()}


def uploaded_indicators(data: pd.DataFrame) -> list[str]:
    """Ids of the indicators that came from the user's upload, in the order they came."""
    if "origin" not in data:
        return []
    return list(dict.fromkeys(data.loc[data["origin"] == "upload", "indicator_id"]))


def indicator_order(data: pd.DataFrame, labels: Mapping[str, str]) -> list[str]:
    """The indicators that can be mapped, as the page lists them: uploads first, then by name."""
    mappable = [i for i in labels if levels_of(data, i)]
    uploaded = [i for i in uploaded_indicators(data) if i in mappable]
    return uploaded + sorted((i for i in mappable if i not in uploaded), key=lambda i: labels[i].casefold())


def levels_of(data: pd.DataFrame, indicator_id: str) -> list[str]:
    """Area levels (finest first) at which an indicator has at least one value."""
    rows = data[(data["indicator_id"] == indicator_id) & data["value"].notna()]
    present = set(rows["area_type"])
    return [level for level in LEVELS if level in present]


def periods_of(data: pd.DataFrame, indicator_id: str, level: str) -> list[str]:
    """The periods an indicator has at a level, oldest first (so the last is the latest)."""
    rows = data[(data["indicator_id"] == indicator_id) & (data["area_type"] == level)]
    return sorted(rows["period"].dropna().astype(str).unique())


def codes_of(data: pd.DataFrame, indicator_id: str, level: str, period: str) -> set[str]:
    """The area codes an indicator has rows for at a level and period."""
    rows = data[(data["indicator_id"] == indicator_id) & (data["area_type"] == level)
                & (data["period"].astype(str) == str(period))]
    return set(rows["area_code"])


def indicator_measure(name: str, unit: str | None, polarity: str) -> MapMeasure:
    """How to colour an indicator's values: darkest = worst (or highest, when there is no polarity)."""
    label = f"{name} ({unit})" if unit and isinstance(unit, str) else name
    if polarity == "no_judgement":
        return MapMeasure("value", label, "score", True, ends=("highest", "lowest"))
    return MapMeasure("value", label, "score", polarity != "high_is_good", ends=("worst", "best"))


def as_categories(measure: MapMeasure, classes: Classes) -> tuple[MapMeasure, pd.Series]:
    """A classified measure as a category measure with the same legend, and each area's class label.

    A page can cache :func:`hiap_geo.render.maps.classify` and draw the map from its result with this.
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
        raise IndicatorViewError(f"Confidence must be one of {', '.join(stats.CONFIDENCE_LABELS)} (95% or 99.8%).")
    rows = data[(data["indicator_id"] == indicator_id) & (data["area_type"] == level)
                & (data["period"].astype(str) == str(period))]
    if rows.empty:
        raise IndicatorViewError(f"Indicator '{indicator_id}' has no {LEVELS.get(level, level)} values for {period}.")
    rows = rows.drop_duplicates("area_code")
    base = pd.DataFrame(areas[AREA_COLUMNS]).reset_index(drop=True)
    merged = base.merge(rows.drop(columns=["area_type"]), left_on="code", right_on="area_code", how="left",
                        validate="one_to_one")
    first = rows.iloc[0]
    for col in ("indicator_id", "indicator_name", "period", "unit", "polarity", "source", "vintage"):
        merged[col] = merged[col].fillna(first[col]) if col in merged else first[col]
    # this indicator's comparator rows alone: a source such as the Health Index holds every indicator and year
    comparators = data[(data["indicator_id"] == indicator_id) & data["area_type"].isin(["england", "district"])
                       ].drop_duplicates(["indicator_id", "period", "area_code"])
    merged = merged.assign(area_code=merged["code"])
    out = merged.copy()
    for key, codes in (("england", ENGLAND_CODE), ("district", merged["district_code"])):
        compared = compare(merged, comparators, codes, confidence)
        out[f"{key}_value"] = compared["comparator_value"]
        out[f"vs_{key}"] = compared["comparison"]
        out[f"vs_{key}_label"] = compared["comparison_label"]
    if indicator_id in QOF_IDS:  # modelled for MSOAs, no interval: placed among English MSOAs instead
        out["vs_england_label"] = [msoa_decile_label(indicator_id, str(period), v, str(first["polarity"]))
                                   for v in out["value"]]
    out["lower"] = merged[f"lower_{confidence}"]
    out["upper"] = merged[f"upper_{confidence}"]
    out["confidence"] = stats.CONFIDENCE_LABELS[confidence]
    return out.drop(columns=["area_code"])


def msoa_decile_label(indicator_id: str, period: str, value: float, polarity: str) -> str:
    """Where a QOF register estimate falls among English MSOAs ('Decile 3 of English MSOAs'), or 'Not compared'."""
    decile = national_decile(indicator_id, period, value, polarity, "msoa")
    return decile_text(decile, polarity, "msoa") if decile else "Not compared (no interval)"


def first_value(values: pd.DataFrame) -> pd.Series:
    """The first area with a value: what the indicator is (name, unit, polarity, source, vintage, method).
    Raises IndexError when no area has one."""
    return values.iloc[np.flatnonzero(values["value"].notna().to_numpy())[0]]


def method_text(first: pd.Series) -> str:
    """How the supplier computed the figures, or 'as supplied' (a blank method arrives as NaN, not '')."""
    method = first.get("method")
    return method.strip() if isinstance(method, str) and method.strip() else "as supplied"


def outside_codes(codes: Iterable[str], areas: pd.DataFrame) -> list[str]:
    """Codes with a value that are not among the mapped areas (other districts, or another vintage)."""
    return sorted(set(codes) - set(areas["code"]))


def map_colouring(values: pd.DataFrame, colour_by: str, confidence: str) -> tuple[MapMeasure, pd.Series]:
    """The map's measure and each area's value for it: the value in natural-breaks classes, or the
    comparison with England or the district (``colour_by`` 'value', 'england' or 'district')."""
    first = first_value(values)
    measure = indicator_measure(str(first["indicator_name"]), first["unit"], str(first["polarity"]))
    if colour_by == "value":
        return as_categories(measure, classify(values["value"], measure))
    return (comparison_measure(measure.label, str(first["polarity"]), colour_by, confidence),
            values[f"vs_{colour_by}_label"])


def map_frame(areas: gpd.GeoDataFrame, map_values: pd.Series) -> gpd.GeoDataFrame:
    """The areas as the map draws them: code, name, ward, district and the value (or class) to colour."""
    return gpd.GeoDataFrame(areas[["code", "name", "ward", "district"]].assign(value=map_values.to_numpy()),
                            geometry=areas.geometry.values, crs=areas.crs)


def map_download(areas: gpd.GeoDataFrame, chosen: MapMeasure, title: str, *, outlines: Sequence[Outline] = ()
                 ) -> Callable[[], bytes]:
    """The "Download map (PNG)" button's content, drawn when it is clicked: the static map module (matplotlib, most
    of a second to import) is imported then too, not on a first visit."""
    def draw() -> bytes:
        from hiap_geo.render.static_map import map_download as static_download

        return static_download(areas, chosen, title, outlines=outlines)()

    return draw


def has_limits(values: pd.DataFrame) -> bool:
    """True when any area has confidence limits, so that a comparison can be significant."""
    return bool(values["lower"].notna().any() and values["upper"].notna().any())


def tooltip_texts(values: pd.DataFrame) -> list[str]:
    """Each area's tooltip value: the value with its limits, and both comparisons in words."""
    texts = []
    # Only the columns a tooltip reads: itertuples over all thirty made a Python object of every cell (3 ms a rerun).
    for row in values[["code", "district_code", "value", "unit", "lower", "upper", "vs_england_label",
                       "vs_district_label"]].itertuples():
        if pd.isna(row.value):
            texts.append("No data")
            continue
        parts = [format_indicator_value(row.value, row.unit)]
        if pd.notna(row.lower) and pd.notna(row.upper):
            parts.append(f"({format_indicator_value(row.lower)} to {format_indicator_value(row.upper)})")
        parts.append(f"· England: {row.vs_england_label}")
        if row.code != row.district_code:
            parts.append(f"· district: {row.vs_district_label}")
        texts.append(" ".join(parts))
    return texts


WRAPPING_TOOLTIPS = "<style>.leaflet-tooltip{white-space:normal;width:max-content;max-width:360px}</style>"
"""Long tooltips (an indicator's name, value, limits and two comparisons) wrap instead of running off the map."""
DISTRICT_LINE = ("#000000", 2.5)
"""How the districts' boundaries are drawn over an indicator's areas."""


def district_outlines(district_lines: gpd.GeoSeries | None) -> list[Outline]:
    """The districts' boundaries over their areas (none on a map of districts)."""
    return [] if district_lines is None else [Outline(district_lines, *DISTRICT_LINE)]


def selection_label(areas: pd.DataFrame, code: str | None) -> str | None:
    """How the legend names the selected area ('Selected: E01024840 Tunbridge Wells 009B'), or None."""
    names = dict(zip(areas["code"], areas["name"], strict=True))
    return f"Selected: {code} {names[code]}" if code in names else None


def indicator_map(frame: gpd.GeoDataFrame, measure: MapMeasure, values: pd.DataFrame, *,
                  district_lines: gpd.GeoSeries | None, selected: str | None, basemap: str | None,
                  presentation: bool, geometry_json: str, height: int) -> MapView:
    """The indicator's map (``frame`` from :func:`map_frame`) for the recolouring map component: the same areas file
    for every indicator of a level and vintage (so a switch sends colours and tooltips, no geometry), the districts
    outlined, the selected area outlined and named in the legend, fitted to the window."""
    label = selection_label(frame, selected)
    return map_view(frame, measure, outlines=district_outlines(district_lines),
                    selected=selected if label else None,
                    selected_label=label, basemap=basemap, presentation=presentation, geometry_json=geometry_json,
                    tooltip_values=tooltip_texts(values), height=height, fit_window=True)


def indicator_export_table(values: pd.DataFrame, level: str, layer_vintage: str) -> pd.DataFrame:
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
    return as_quoted(table, whole=("count", "denominator"))



def comparison_css(label: object) -> str:
    """The cell style of a comparison label in the table: Fingertips' colour, with text that stays readable."""
    style = _LABEL_STYLES.get(str(label))
    if style is None:
        return ""
    text = "#fff" if style.label in ("Worse", "Lower") else "#000"
    return f"background-color: {style.colour}; color: {text}"


_LABEL_STYLES = {f"{s.label}{suffix}": s for s in stats.BENCHMARK_STYLES.values()
                 for suffix in ("", " (95%)", " (99.8%)")}


def stated_figures(districts: Sequence[str]) -> pd.DataFrame:
    """What the plan documents say about the districts and their wards (2019 and 2024 wards)."""
    chosen = tuple(districts)
    codes = set(chosen) | codes_in_districts("ward", 2019, chosen) | codes_in_districts("ward", 2025, chosen)
    from hiap_geo.plans.figures.frames import figures_frame  # the plans' figures: only when their tab is open

    figures = figures_frame()
    return figures.loc[figures["area_code"].isin(codes), STATED_COLUMNS].reset_index(drop=True)


# --- spine chart and trends ------------------------------------------------------------------------


def spine_areas(areas: pd.DataFrame, level: str, districts: Sequence[str], district_names: Mapping[str, str]
                ) -> tuple[list[str], dict[str, str]]:
    """The areas a spine chart can show (the mapped areas, then, below district level, the districts
    themselves) and the label of each (a district is marked as one)."""
    options = list(areas["code"]) + [d for d in districts if level != "district"]
    labels = dict(zip(areas["code"], areas["name"], strict=True)) | {
        d: f"{district_names.get(d, d)} (district)" for d in districts}
    return options, labels


def district_of(areas: pd.DataFrame, code: str) -> str:
    """The district code of a mapped area (a district is its own)."""
    return dict(zip(areas["code"], areas["district_code"], strict=True)).get(code, code)


def spine_level(code: str, level: str, districts: Sequence[str]) -> str:
    """The area type of a spine chart's area: a district chosen below district level is a district."""
    return "district" if code in districts and level != "district" else level


def trend_options(labels: Mapping[str, str]) -> list[str]:
    """The Health Index indicators a trend can show: the usual ones first, then the rest by name."""
    return [i for i in TREND_DEFAULTS if i in labels] + sorted(
        (i for i in labels if i.startswith("hi_") and i not in TREND_DEFAULTS), key=lambda i: labels[i])



# --- the catalogue, and one source's rows: what a first visit of the Indicators page loads -----------------------


def catalogue_names() -> dict[str, tuple[str, str]]:
    """Every built-in indicator: id -> (name as its rows carry it, the source group its rows are read with).

    From the catalogue alone (no data read), so the page offers every indicator and reads only the chosen one's
    source (:func:`source_rows`), not every source (:func:`hiap_geo.indicators.readers.load_indicators`)."""
    from hiap_geo.indicators import catalogue as cat

    names = {s.id: (s.name, "lsoa") for s in cat.LSOA_SPECS}
    names |= {s.id: (s.name, "msoa_census") for s in cat.MSOA_CENSUS_SPECS}
    names |= {s.id: (s.name, "dwp") for s in (cat.DWP_COUNT, cat.DWP_PCT)}
    names |= {cat.health_index_id(n): (f"{n} (ONS Health Index)", "health_index") for n in cat.HEALTH_INDEX_INDICATORS}
    names |= {s.id: (s.name, "qof") for s in cat.QOF_SPECS}
    return names


def source_rows(districts: Sequence[str], group: str, indicator_id: str | None = None) -> pd.DataFrame:
    """The rows of one source group for the districts, with their comparators: the same validated rows
    :func:`hiap_geo.indicators.readers.load_indicators` gives for those indicators.

    With ``indicator_id``, an LSOA indicator's rows alone (LSOA, ward, district and England), what its map and table
    show: one of 38 indicators' aggregates instead of every one's, and no county rows (no page level shows them).
    These few rows are not put through the schema again: its checks cost about 45 ms whatever the number of rows,
    half of a first read, paid on each indicator a user first chose, and the rows are built by the same code as
    :func:`~hiap_geo.indicators.readers.load_indicators`' validated ones (tested equal for every LSOA indicator of
    every Kent and Medway district)."""
    from hiap_geo.indicators import aggregate, readers
    from hiap_geo.indicators.catalogue import LSOA_SPECS
    from hiap_geo.indicators.schema import concat_indicators, validate_indicators

    chosen = list(districts)
    others = {"msoa_census": readers.msoa_census_indicators, "dwp": readers.dwp_indicators,
              "health_index": readers.health_index_indicators, "qof": readers.qof_indicators}
    if group == "lsoa":
        specs = [s for s in LSOA_SPECS if s.id == indicator_id] or None  # None: every LSOA indicator
        frames = [readers.lsoa_indicators(chosen, specs), aggregate.ward_indicators(chosen, specs),
                  aggregate.district_indicators(chosen, specs), aggregate.england_indicators(specs)]
        if specs is not None:
            return concat_indicators(frames)
        frames.insert(3, aggregate.county_indicators(chosen))
    elif group in others:
        frames = [others[group](chosen)]
    else:
        raise IndicatorViewError(f"Unknown indicator source '{group}'.")
    return validate_indicators(concat_indicators(frames))


def catalogue_order(labels: Mapping[str, str], uploaded: Sequence[str]) -> list[str]:
    """The indicators as the page lists them: the user's uploads first, then every other one by name."""
    first = [i for i in uploaded if i in labels]
    return first + sorted((i for i in labels if i not in first), key=lambda i: labels[i].casefold())
