"""MHCLG's English Indices of Deprivation files (gov.uk assets) into the canonical IoD tables.

IoD 2019 Files 2, 3 and 6 are workbooks (File 7, the all-in-one CSV, carries the same columns and is
accepted in their place); IoD 2025 File 7 is a CSV; Files 8 and 10 are workbooks whose headers become
the snake_case names the mirror's tables use.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from hiap_geo.acquire.convert.base import Converter, Part, clean_name, write_csv_gz
from hiap_geo.acquire.registry import Dataset
from hiap_geo.acquire.sniff import Sniffed
from hiap_geo.acquire.validate import (
    SEVENOAKS,
    SHERWOOD_LSOA,
    TUNBRIDGE_WELLS,
    InvalidOfficialFile,
    TableCheck,
    check_agreement,
    check_table,
)

LSOA11, LSOA21 = "LSOA code (2011)", "LSOA code (2021)"
LAD19, LAD24 = "Local Authority District code (2019)", "Local Authority District code (2024)"
LSOAS_2019, LSOAS_2025 = 32_844, 33_755
RANK, DECILE = " Rank (where 1 is most deprived)", " Decile (where 1 is most deprived 10% of LSOAs)"
STEMS = ["Index of Multiple Deprivation (IMD)", "Income", "Employment", "Education, Skills and Training",
         "Health Deprivation and Disability", "Crime", "Barriers to Housing and Services", "Living Environment"]
IDACI = "Income Deprivation Affecting Children Index (IDACI)"
IDAOPI = "Income Deprivation Affecting Older People (IDAOPI)"
BASE_2019 = [LSOA11, "LSOA name (2011)", LAD19, "Local Authority District name (2019)"]
FILE2 = BASE_2019 + [s + k for s in STEMS for k in (RANK, DECILE)]
FILE3 = BASE_2019 + [s + k for s in (STEMS[0], IDACI, IDAOPI) for k in (RANK, DECILE)]
FILE6 = BASE_2019 + [
    "Total population: mid 2015 (excluding prisoners)",
    "Dependent Children aged 0-15: mid 2015 (excluding prisoners)",
    "Population aged 16-59: mid 2015 (excluding prisoners)",
    "Older population aged 60 and over: mid 2015 (excluding prisoners)",
    "Working age population 18-59/64: for use with Employment Deprivation Domain (excluding prisoners)",
]
SCORES_2025 = ["Index of Multiple Deprivation (IMD) Score", "Income Score (rate)", "Employment Score (rate)",
               "Education, Skills and Training Score", "Health Deprivation and Disability Score", "Crime Score",
               "Barriers to Housing and Services Score", "Living Environment Score"]
FROM_LOOKUP = {
    "LSOA name (2021)": "LSOA name (2021) [from ONS LSOA21-WD24-LAD24 lookup]",
    LAD24: "Local Authority District code (2024) [from ONS lookup]",
    "Local Authority District name (2024)": "Local Authority District name (2024) [from ONS lookup]",
}
"""The mirror's IoD 2025 table took names and districts from the ONS lookup; File 7 publishes the same."""
DOMAINS_2025 = ([LSOA21, *FROM_LOOKUP.values()] + [s + DECILE for s in STEMS] + [s + RANK for s in STEMS]
                + SCORES_2025)
POPULATION_2025 = "Total population: mid 2022"


def _deciles_and_ranks(columns: list[str]) -> tuple[dict[str, tuple[float, float]], tuple[str, ...]]:
    deciles = {c: (1.0, 10.0) for c in columns if "Decile (where 1 is most deprived" in c}
    ranks = tuple(c for c in columns if c.endswith(RANK))
    return deciles, ranks


def _lsoa_check(what: str, code: str, lad: str | None, rows: int, columns: list[str]) -> TableCheck:
    deciles, ranks = _deciles_and_ranks(columns)
    known = {code: (SHERWOOD_LSOA,)}
    if lad:
        known[lad] = (TUNBRIDGE_WELLS, SEVENOAKS)
    return TableCheck(what, code, r"E01\d{6}", rows, tuple(columns), known, deciles, ranks)


def _every_rank(check: TableCheck, frame: pd.DataFrame) -> TableCheck:
    """The check widened to every measure the file ranks (File 7 carries all of them, File 2 only some)."""
    deciles, ranks = _deciles_and_ranks([str(c) for c in frame.columns])
    return replace(check, ranges={**deciles, **check.ranges}, rank_columns=ranks)


ACCEPTED_RANKS = {
    LSOA11: {"iod2019_domains": "IoD 2019 File 2", "iod2019_supplementary": "IoD 2019 File 3"},
    LSOA21: {"iod2025_domains": "IoD 2025 File 7 (IMD and domains)", "iod2025_supplementary": "IoD 2025 File 3",
             "iod2025_file7": "IoD 2025 File 7"},
}
"""The accepted datasets holding published ranks, by edition (code column): a new file must agree with them."""


def _accepted(dataset: Dataset) -> bool:
    """In the cache and accepted: the mirror copy (registry checksum) or a converted file the manifest records
    (as ``fetch.is_current``, which a converter may not import: fetch reaches the converters)."""
    from hiap_geo.acquire import manifest
    from hiap_geo.acquire.registry import local_path, sha256_of

    path = local_path(dataset)
    if not path.is_file():
        return False
    digest = sha256_of(path)
    record = manifest.accepted(dataset.id)
    return digest == dataset.sha256 or (record is not None and record.converted_sha256 == digest)


def _accepted_ranks(code: str, dataset: str) -> dict[str, pd.DataFrame]:
    """Code and rank columns of every dataset of the edition already in the cache and current, this one's
    accepted copy included: a new download of the same edition must not change its ranks."""
    from hiap_geo.acquire import manifest
    from hiap_geo.acquire.registry import load_registry, local_path
    from hiap_geo.acquire.sniff import read_table, sniff

    registry = load_registry()
    out = {}
    for other, label in ACCEPTED_RANKS[code].items():
        if other not in registry or not _accepted(registry[other]):
            continue
        path = local_path(registry[other])
        if path.suffix == ".xlsx":
            sniffed = sniff(path)
            where = sniffed.find({code})
            if where is None:
                continue
            frame = read_table(sniffed, where[0], where[1], (code,))
        else:
            frame = pd.read_csv(path, dtype={code: str}, usecols=lambda c: c == code or c.endswith(RANK))
        record = manifest.accepted(other)
        source = record.files[0].name if record and record.files else path.name
        out[f"{label} (accepted from {source})"] = frame[[c for c in frame.columns if c == code or c.endswith(RANK)]]
    return out


def agrees_with_accepted(file: Sniffed, what: str) -> None:
    """A file HIAP Geo does not take (File 1, a File 2 of 2025...) still has to tell the same story: its ranks
    must equal those of the accepted files of its edition, LSOA by LSOA (raises InvalidOfficialFile)."""
    from hiap_geo.acquire.sniff import read_table

    for code in (LSOA21, LSOA11):
        where = file.find({code})
        if where is None:
            continue
        frame = read_table(file, where[0], where[1], (code,))
        # IoD 2019 File 1 heads its rank 'Index of Multiple Deprivation (IMD) Rank', without '(where 1 is ...)'.
        frame.columns = [f"{c}{RANK.removeprefix(' Rank')}" if str(c).endswith(" Rank") else c for c in frame.columns]
        if not any(str(c).endswith(RANK) for c in frame.columns):
            return
        frame = frame.dropna(subset=[code]).drop_duplicates(code)
        check_agreement(frame, code, _accepted_ranks(code, ""), file.path, "a cross-check, not imported", what)
        return


def _checked(frame: pd.DataFrame, check: TableCheck, file: Sniffed, dataset: str) -> pd.DataFrame:
    """The IoD content checks (rows, codes, ranks, deciles, scores) and agreement with accepted files."""
    frame = check_table(frame, _every_rank(check, frame), file.path, dataset)
    check_agreement(frame, check.code_column, _accepted_ranks(check.code_column, dataset), file.path, dataset,
                    check.what)
    return frame


def _select(columns: list[str], check: TableCheck, label: str) -> Converter:
    part = Part(label, frozenset(columns), columns[0])

    def build(files: Sequence[Sniffed], out: Path, dataset: str) -> None:
        frame = part.read(files[0], dataset, tuple(c for c in columns if "code" in c))
        frame = _checked(frame, check, files[0], dataset)
        write_csv_gz(frame[columns], out)

    return Converter((part,), build)


def _file7_2025_check(columns: list[str]) -> TableCheck:
    check = _lsoa_check("IoD 2025 File 7 (33,755 LSOAs 2021)", LSOA21, LAD24, LSOAS_2025, columns)
    ranges = dict(check.ranges)
    ranges[POPULATION_2025] = (0.0, 1e6)
    return TableCheck(check.what, check.code_column, check.code_pattern, check.rows, check.columns,
                      check.known_codes, ranges, check.rank_columns)


FILE7_2025_PART = Part("IoD 2025 File 7 (CSV)", frozenset([LSOA21, *FROM_LOOKUP, *SCORES_2025, POPULATION_2025,
                                                           IDACI + RANK]), LSOA21)


def _build_domains_2025(files: Sequence[Sniffed], out: Path, dataset: str) -> None:
    frame = FILE7_2025_PART.read(files[0], dataset, (LAD24,))
    frame = _checked(frame, _file7_2025_check([LSOA21, *FROM_LOOKUP, *SCORES_2025]), files[0], dataset)
    write_csv_gz(frame.rename(columns=FROM_LOOKUP)[DOMAINS_2025], out)


def _build_file7_2025(files: Sequence[Sniffed], out: Path, dataset: str) -> None:
    """Kept as published (after the content check): it is the official record the app may cite."""
    frame = FILE7_2025_PART.read(files[0], dataset, (LAD24,))
    _checked(frame, _file7_2025_check(list(frame.columns)), files[0], dataset)
    shutil.copyfile(files[0].path, out)


FILE3_2025 = [LSOA21, "LSOA name (2021)", LAD24, "Local Authority District name (2024)"] + [
    s + k for s in (STEMS[0], IDACI, IDAOPI) for k in (RANK, DECILE)]
FILE3_2025_SHEET = "IoD2025 IDACI & IDAOPI"
FILE3_2025_PART = Part("IoD 2025 File 3 (xlsx, IDACI and IDAOPI), or File 7 (CSV)", frozenset(FILE3_2025), LSOA21)


def _build_file3_2025(files: Sequence[Sniffed], out: Path, dataset: str) -> None:
    """The workbook is kept as it came (after its checks), as the mirror holds it; from File 7, which carries
    the same columns, the workbook is written with File 3's sheet and headers."""
    frame = FILE3_2025_PART.read(files[0], dataset, (LAD24,))
    check = _lsoa_check("IoD 2025 File 3 (33,755 LSOAs 2021)", LSOA21, LAD24, LSOAS_2025, FILE3_2025)
    frame = _checked(frame, check, files[0], dataset)
    if files[0].kind == "xlsx":
        shutil.copyfile(files[0].path, out)
        return
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        pd.DataFrame({"Notes": ["English Indices of Deprivation 2025, File 3 columns, taken from File 7"]}).to_excel(
            writer, sheet_name="Notes", index=False)
        frame[FILE3_2025].to_excel(writer, sheet_name=FILE3_2025_SHEET, index=False)


FILE10_2019_PART = Part("IoD 2019 File 10 (xlsx, sheet 'IMD')",
                        frozenset([LAD19, "IMD - Average score", "IMD - Rank of average score"]), LAD19)


def _build_file10_2019(files: Sequence[Sniffed], out: Path, dataset: str) -> None:
    """The workbook is what the profile reads (sheet 'IMD'); the mirror holds it byte for byte."""
    where = FILE10_2019_PART.locate(files[0])
    if where is None or where[0] != "IMD":
        FILE10_2019_PART.read(files[0], dataset)  # raises, naming the sheets found
        raise InvalidOfficialFile(files[0].path, dataset, "the district summaries on a sheet named 'IMD'",
                                  f"them on sheet {where[0]!r}" if where else "no such sheet")
    frame = FILE10_2019_PART.read(files[0], dataset)
    what = "IoD 2019 File 10 (317 districts 2019)"
    check_table(frame, TableCheck(what, LAD19, r"E0[6789]\d{6}", 317, known_codes={LAD19: (TUNBRIDGE_WELLS, SEVENOAKS)},
                                  ranges={"IMD - Average score": (0, 100)}), files[0].path, dataset)
    _agrees_with_lsoas_2019(frame, files[0].path, dataset, what)
    shutil.copyfile(files[0].path, out)


FILE10_TOLERANCE = 0.002
"""File 10's average scores (3 decimals) against the mean HIAP Geo makes from the LSOA figures: measured on the
real IoD 2019 files, 305 of 317 districts equal at 3 decimals and none more than 0.001 apart."""


def _agrees_with_lsoas_2019(frame: pd.DataFrame, file: Path, dataset: str, what: str) -> None:
    """File 10 2019's IMD average scores equal the mid-2015-population-weighted mean of its districts' LSOA scores
    (as MHCLG derives them) within rounding, when the LSOA tables are already accepted."""
    from hiap_geo.acquire.registry import load_registry, local_path

    registry = load_registry()
    needed = ("iod2019_domains", "iod2019_population", "iod2019_scores")
    if not all(d in registry and _accepted(registry[d]) for d in needed):
        return
    domains = pd.read_csv(local_path(registry["iod2019_domains"]), usecols=[LSOA11, LAD19], dtype=str)
    population = pd.read_csv(local_path(registry["iod2019_population"]), usecols=[LSOA11, FILE6[4]],
                             dtype={LSOA11: str})
    scores = pd.read_csv(local_path(registry["iod2019_scores"]), usecols=["lsoa", "overall_local_score"],
                         dtype={"lsoa": str}).rename(columns={"lsoa": LSOA11})
    lsoas = domains.merge(population, on=LSOA11).merge(scores, on=LSOA11)
    weight = lsoas[FILE6[4]].astype(float)
    weighted = (lsoas["overall_local_score"] * weight).groupby(lsoas[LAD19]).sum() / weight.groupby(lsoas[LAD19]).sum()
    published = pd.to_numeric(frame.set_index(LAD19)["IMD - Average score"], errors="coerce")
    ours = weighted.reindex(published.index)
    apart = (published - ours).abs()
    bad = apart[~(apart <= FILE10_TOLERANCE)]
    if len(bad):
        shown = "; ".join(f"{code} ({published[code]:g} here, {ours[code]:.3f} from the LSOAs)"
                          for code in bad.index[:3])
        raise InvalidOfficialFile(file, dataset, f"{what}: IMD average scores equal, within {FILE10_TOLERANCE:g}, to "
                                  "the mid-2015-population-weighted mean of each district's LSOA scores in the "
                                  "accepted IoD 2019 files", f"{len(bad):,} of {len(published):,} districts that "
                                  f"do not, e.g. {shown}")


MEASURES_2025 = ["IMD", "Income", "Employment", "Education, Skills and Training", "Health Deprivation and Disability",
                 "Crime", "Barriers to Housing and Services", "Living Environment"]
SUMMARY_STATS = ["Average rank", "Rank of average rank", "Average score", "Rank of average score",
                 "Proportion of LSOAs in most deprived 10% nationally",
                 "Rank of proportion of LSOAs in most deprived 10% nationally"]


def file10_2025_columns() -> list[str]:
    """The mirror's File 10 (2025) columns, in order: each published header through :func:`clean_name`."""
    columns = ["ltla24_code", "ltla24_name"]
    for measure in MEASURES_2025:
        columns += [clean_name(f"{measure} - {stat}") for stat in SUMMARY_STATS]
        if measure == "IMD":
            columns += ["imd25_extent", "imd25_rank_of_extent", "imd25_local_concentration",
                        "imd25_rank_of_local_concentration"]
        if measure in ("Income", "Employment"):
            columns += [f"{measure.lower()}_scale", f"rank_of_{measure.lower()}_scale"]
    return columns


def _joined_sheets(file: Sniffed, code: str, name: str, dataset: str, label: str) -> pd.DataFrame:
    """Every sheet that has ``code`` as a column, joined on it, headers through clean_name."""
    from hiap_geo.acquire.sniff import read_table

    frames = []
    for sheet, rows in file.tables.items():
        header = next((i for i, r in enumerate(rows) if code in [c.strip() for c in r]), None)
        if header is None:
            continue
        frame = read_table(file, sheet, header, (code,)).dropna(subset=[code])
        frame = frame.set_index(code).drop(columns=[name], errors="ignore")
        frame.columns = [clean_name(c) for c in frame.columns]
        frames.append(frame.loc[:, ~frame.columns.str.startswith("unnamed")])
    if not frames:
        raise InvalidOfficialFile(file.path, dataset, f"{label} with a column {code!r}", file.headers())
    joined = frames[0]
    for frame in frames[1:]:
        joined = joined.join(frame.loc[:, ~frame.columns.isin(joined.columns)], how="outer")
    return joined.reset_index()


def _build_file10_2025(files: Sequence[Sniffed], out: Path, dataset: str) -> None:
    frame = _joined_sheets(files[0], LAD24, "Local Authority District name (2024)", dataset, "IoD 2025 File 10")
    names = FILE10_2025_PART.read(files[0], dataset)[[LAD24, "Local Authority District name (2024)"]]
    frame = frame.merge(names.drop_duplicates(LAD24), on=LAD24, how="left")
    frame = frame.rename(columns={LAD24: "ltla24_code", "Local Authority District name (2024)": "ltla24_name"})
    columns = file10_2025_columns()
    check_table(frame, TableCheck("IoD 2025 File 10 (296 districts 2024)", "ltla24_code", r"E0[6789]\d{6}", 296,
                                  tuple(columns), {"ltla24_code": (TUNBRIDGE_WELLS, SEVENOAKS)},
                                  {"imd_average_score": (0, 100)}), files[0].path, dataset)
    write_csv_gz(frame[columns], out)


FILE10_2025_PART = Part("IoD 2025 File 10 (xlsx)", frozenset([LAD24, "Local Authority District name (2024)",
                                                              "IMD - Average score"]), LAD24)

FILE8_2025_LABELS = [
    "Income Domain numerator", "Income Deprivation Affecting Children Index (IDACI) numerator",
    "Income Deprivation Affecting Older People Index (IDAOPI) numerator", "Employment Domain numerator",
    "Adult skills and English language proficiency indicator", "Entry to higher education indicator",
    "Acute morbidity indicator", "Comparative illness and disability ratio indicator", "Mental health indicator",
    "Years of potential life lost indicator", "Violence with injury, rate per 1,000 'at-risk population'",
    "Violence without injury, rate per 1,000 'at-risk population'",
    "Stalking and harassment, rate per 1,000 'at-risk population'", "Burglary, rate per 1,000 'at-risk properties'",
    "Theft, rate per 1,000 'at-risk population'", "Criminal damage, rate per 1,000 'at-risk population'",
    "Public order and Possession of weapons, rate per 1,000 'at-risk population'",
    "Anti-Social Behaviour, rate per 1,000 'at-risk population'", "Connectivity Score",
    "Owner-occupation affordability (component of housing affordability indicator)",
    "Private rental affordability (component of housing affordability indicator)",
    "Housing affordability indicator", "Digital Connectivity (Broadband download and upload speeds)",
    "Core homelessness rate (% of households)", "Patient-to-GP Ratio",
    "Homelessness indicator (rate per 1,000 households)", "Household overcrowding indicator (rooms)",
    "Household overcrowding indicator (bedrooms)",
]
"""IoD 2025 File 8 headers as the humaniverse/IMD documentation transcribes them (the workbook itself was not
available here); the converter matches them through clean_name, so spacing and punctuation may differ."""
FILE8_2025_PART = Part("IoD 2025 File 8 (xlsx)", frozenset([LSOA21, FILE8_2025_LABELS[0]]), LSOA21)


def _build_file8_2025(files: Sequence[Sniffed], out: Path, dataset: str) -> None:
    frame = _joined_sheets(files[0], LSOA21, "LSOA name (2021)", dataset, "IoD 2025 File 8")
    frame = frame.rename(columns={LSOA21: "lsoa21_code"})
    frame = frame.drop(columns=[c for c in frame.columns if c.startswith("local_authority_district")])
    columns = ["lsoa21_code", *[clean_name(label) for label in FILE8_2025_LABELS]]
    check_table(frame, TableCheck("IoD 2025 File 8 (33,755 LSOAs 2021)", "lsoa21_code", r"E01\d{6}", LSOAS_2025,
                                  tuple(columns), {"lsoa21_code": (SHERWOOD_LSOA,)}), files[0].path, dataset)
    write_csv_gz(frame[columns], out)


MYSOCIETY = ["nation", "lsoa", "overall_local_score", "income_score", "employment_score"]
MYSOCIETY_PART = Part("mySociety composite UK IMD, UK_IMD_E.csv", frozenset(MYSOCIETY), "lsoa")


def _build_mysociety(files: Sequence[Sniffed], out: Path, dataset: str) -> None:
    frame = MYSOCIETY_PART.read(files[0], dataset, ("nation",))
    england = frame[frame["nation"] == "E"]
    check_table(england, TableCheck("IMD 2019 scores, England rows (32,844 LSOAs 2011)", "lsoa", r"E01\d{6}",
                                    LSOAS_2019, tuple(MYSOCIETY), {"lsoa": (SHERWOOD_LSOA,)},
                                    {"overall_local_score": (0, 100)}), files[0].path, dataset)
    write_csv_gz(england[MYSOCIETY[1:]], out)


def converters() -> dict[str, Converter]:
    file2 = _lsoa_check("IoD 2019 File 2 (32,844 LSOAs 2011)", LSOA11, LAD19, LSOAS_2019, FILE2)
    file3 = _lsoa_check("IoD 2019 File 3 (32,844 LSOAs 2011)", LSOA11, LAD19, LSOAS_2019, FILE3)
    file6 = _lsoa_check("IoD 2019 File 6 (32,844 LSOAs 2011)", LSOA11, LAD19, LSOAS_2019, FILE6)
    file6 = TableCheck(file6.what, file6.code_column, file6.code_pattern, file6.rows, file6.columns,
                       file6.known_codes, {FILE6[4]: (0, 1e6)})
    return {
        "iod2019_domains": _select(FILE2, file2, "IoD 2019 File 2 (xlsx, sheet 'IoD2019 Domains')"),
        "iod2019_supplementary": _select(FILE3, file3, "IoD 2019 File 3 (xlsx, IDACI and IDAOPI)"),
        "iod2019_population": _select(FILE6, file6, "IoD 2019 File 6 (xlsx, population denominators)"),
        "iod2019_scores": Converter((MYSOCIETY_PART,), _build_mysociety),
        "iod2019_district_summaries": Converter((FILE10_2019_PART,), _build_file10_2019, suffix=".xlsx"),
        "iod2025_domains": Converter((FILE7_2025_PART,), _build_domains_2025),
        "iod2025_file7": Converter((FILE7_2025_PART,), _build_file7_2025, suffix=".csv"),
        "iod2025_supplementary": Converter((FILE3_2025_PART,), _build_file3_2025, suffix=".xlsx"),
        "iod2025_district_summaries": Converter((FILE10_2025_PART,), _build_file10_2025),
        "iod2025_indicators": Converter((FILE8_2025_PART,), _build_file8_2025),
    }
