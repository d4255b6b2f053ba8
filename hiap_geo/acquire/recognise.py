"""What an official file is, by its headers: every file of the IoD 2019 and 2025 releases (Files 1 to 13, as
published, re-saved in Excel with a 'Notes' sheet, or as CSV) and the ONS lookups and boundaries.

``fetch --from`` converts the files a dataset needs; this names every other file a user put in the folder and
says what HIAP Geo takes from it, or why it is not needed, instead of listing its headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hiap_geo.acquire.sniff import Sniffed

_GEOGRAPHIES = {
    "OA": "output areas", "LSOA": "LSOAs", "MSOA": "MSOAs", "WD": "wards", "LAD": "local authority districts",
    "LTLA": "lower-tier local authorities", "UTLA": "upper-tier local authorities", "CTYUA": "counties and "
    "unitary authorities", "CTY": "counties", "RGN": "regions", "CTRY": "countries", "PCON": "parliamentary "
    "constituencies", "ICB": "integrated care boards", "SICBL": "sub-ICB locations", "CCG": "clinical "
    "commissioning groups", "LEP": "local enterprise partnerships", "BUA": "built-up areas", "PAR": "parishes",
    "NAT": "nations",
}
USED_GEOGRAPHIES = {
    "LSOA11", "LSOA21", "MSOA11", "MSOA21", "WD19", "WD21", "WD24", "LAD19", "LAD21", "LAD23", "LAD24", "LTLA23",
    "UTLA23", "CTYUA24",
}
"""The ONS geographies HIAP Geo reads (boundaries and lookups of the datasets in data/sources.yaml)."""


@dataclass(frozen=True)
class Identified:
    """What a file is (``what``) and what HIAP Geo does with it (``use``)."""

    what: str
    use: str

    def line(self) -> str:
        return f"{self.what}. {self.use}"


def _headers(sniffed: Sniffed) -> set[str]:
    return {cell.strip() for rows in sniffed.tables.values() for row in rows for cell in row if cell.strip()}


def _edition(cells: set[str]) -> str | None:
    text = " ".join(cells)
    if "(2011)" in text or "(2019)" in text or "lsoa11_code" in cells or "mid 2015" in text or "IMD 2019" in text:
        return "2019"
    if "(2021)" in text or "(2024)" in text or "lsoa21_code" in cells or "ltla24_code" in cells or "IMD25" in text:
        return "2025"
    return None


def _has(cells: set[str], *patterns: str) -> bool:
    return all(any(re.search(p, c, re.IGNORECASE) for c in cells) for p in patterns)


def _has_exact(cells: set[str], pattern: str) -> bool:
    return any(re.search(pattern, c) for c in cells)


def identify(sniffed: Sniffed) -> Identified | None:
    """The IoD file or ONS product ``sniffed`` is, with what HIAP Geo takes from it; None when unknown."""
    cells = _headers(sniffed)
    spatial = sniffed.kind == "geojson"
    if _is_geopackage(sniffed):
        cells, spatial = _geopackage_fields(sniffed), True
    elif sniffed.kind == "zip" and not cells:
        cells, spatial = _shapefile_fields(sniffed), True
    if not cells:
        return None
    return _iod(cells) or _ons(cells, spatial)


def _is_geopackage(sniffed: Sniffed) -> bool:
    try:
        with sniffed.path.open("rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _shapefile_fields(sniffed: Sniffed) -> set[str]:
    """The fields of the first shapefile in a zip (ONS boundaries are also offered as zipped shapefiles)."""
    import zipfile

    import pyogrio

    try:
        with zipfile.ZipFile(sniffed.path) as zf:
            shp = next((n for n in zf.namelist() if n.lower().endswith(".shp")), None)
        if shp is None:
            return set()
        return {str(f) for f in pyogrio.read_info(f"/vsizip/{sniffed.path}/{shp}")["fields"]}
    except Exception:  # noqa: BLE001 - any zip or driver error: not a shapefile we can read
        return set()


def _geopackage_fields(sniffed: Sniffed) -> set[str]:
    """The first layer's fields of a GeoPackage (ONS boundaries saved from a GIS)."""
    import pyogrio

    try:
        layer = pyogrio.list_layers(sniffed.path)[0][0]
        return {str(f) for f in pyogrio.read_info(sniffed.path, layer=layer)["fields"]}
    except Exception:  # noqa: BLE001 - any driver error: not a GeoPackage we can read
        return set()


def _iod(cells: set[str]) -> Identified | None:  # noqa: PLR0911, PLR0912 - one rule per published file
    edition = _edition(cells)
    if cells >= {"lsoa", "overall_local_score"}:
        return Identified("mySociety's composite UK IMD (IoD 2019 scores for England, LSOA 2011)",
                          "HIAP Geo takes the IMD, income and employment scores of the English rows "
                          "(iod2019_scores)")
    if edition is None:
        return None
    ioD = f"IoD {edition}"
    district = _has(cells, r"Average (rank|score)") or "ltla24_code" in cells
    if district:
        if _has_exact(cells, r"Upper[- ]Tier|\bUTLA|County Council"):
            return Identified(f"{ioD} File 11: upper-tier local authority summaries",
                              "Not needed: HIAP Geo shows counties from their LSOAs and File 10's districts")
        if _has_exact(cells, r"Local Enterprise Partnership|\bLEP\b"):
            return Identified(f"{ioD} File 12: local enterprise partnership summaries",
                              "Not needed: HIAP Geo does not show local enterprise partnerships")
        if _has_exact(cells, r"Clinical Commissioning|\bCCG\b|Integrated Care|\bICB\b"):
            return Identified(f"{ioD} File 13: health-area (CCG or ICB) summaries",
                              "Not needed: HIAP Geo summarises its own areas from their LSOAs")
        return Identified(f"{ioD} File 10: local authority district summaries (lower tier)",
                          f"HIAP Geo takes MHCLG's own district averages and ranks (iod{edition}_district_summaries)"
                          ", shown beside its population-weighted figures")
    if _has(cells, r"exponentially transformed|transformed score"):
        return Identified(f"{ioD} File 9: transformed domain scores",
                          "Not needed: the exponentially transformed scores only serve to combine the domains into "
                          "the IMD; HIAP Geo shows the published scores, ranks and deciles")
    if _has(cells, r"numerator|indicator") and not _has(cells, r"Rank"):
        if edition == "2025":
            return Identified("IoD 2025 File 8: underlying indicators",
                              "HIAP Geo takes the indicators behind the domains (iod2025_indicators) for the "
                              "Indicators page")
        return Identified("IoD 2019 File 8: underlying indicators",
                          "Not needed: HIAP Geo shows the 2025 indicators (File 8 of IoD 2025)")
    ranks = {c for c in cells if re.search(r"Rank|_rank$", c)}
    scores = {c for c in cells if re.search(r"Score|_score$", c)}
    population = _has(cells, r"population")
    supplementary = _has(cells, r"IDACI")
    domains = _has_exact(cells, r"^(Income|Employment|Crime) (Rank|Decile)|^(income|employment|crime)_(rank|decile)")
    sub_domains = _has(cells, r"Sub-domain|children_and_young_people|geographical_barriers")
    if ranks and scores and population:
        use = ("HIAP Geo takes File 6's population denominators from it (iod2019_population)" if edition == "2019"
               else "HIAP Geo takes all of it: IMD and domain scores, ranks and deciles (iod2025_domains), IDACI and "
               "IDAOPI (iod2025_supplementary) and the file as published (iod2025_file7)")
        return Identified(f"{ioD} File 7: all ranks, scores, deciles and population denominators", use)
    if population and not ranks:
        use = ("HIAP Geo takes the mid-2015 population denominators (iod2019_population)" if edition == "2019"
               else "Not used: HIAP Geo weights IoD 2025 by Census 2021 residents and says so; File 7 carries the "
               "same mid-2022 denominators")
        return Identified(f"{ioD} File 6: population denominators", use)
    if sub_domains and not supplementary:
        return Identified(f"{ioD} File 4: sub-domains (children and young people, adult skills, geographical and "
                          "wider barriers, indoors, outdoors)",
                          "Not needed: HIAP Geo shows the IMD and its seven domains; File 7 has the sub-domains too")
    if scores and not ranks:
        use = ("Not used: HIAP Geo's 2019 IMD, income and employment scores come from mySociety's copy; the other "
               "2019 domain scores are not shown" if edition == "2019"
               else "Not needed: the same scores are in File 7, which HIAP Geo reads with their ranks and deciles")
        return Identified(f"{ioD} File 5: scores for the indices", use)
    if ranks and supplementary and not domains:
        return Identified(f"{ioD} File 3: supplementary indices IDACI and IDAOPI, ranks and deciles",
                          f"HIAP Geo takes the IDACI and IDAOPI ranks and deciles (iod{edition}_supplementary), "
                          "checked against the IMD ranks of the other files")
    if ranks and domains:
        if edition == "2019":
            return Identified("IoD 2019 File 2: IMD and domains, ranks and deciles",
                              "HIAP Geo takes the IMD and domain ranks and deciles (iod2019_domains)")
        if scores:
            return Identified("IoD 2025 IMD and domains, scores, ranks and deciles (File 7's columns)",
                              "HIAP Geo takes them as iod2025_domains")
        return Identified("IoD 2025 File 2: IMD and domains, ranks and deciles",
                          "Not needed: the same ranks and deciles are in File 7, which HIAP Geo reads for its scores")
    if ranks and _has(cells, r"Index of Multiple Deprivation|imd"):
        also = "File 2" if edition == "2019" else "File 7"
        return Identified(f"{ioD} File 1: Index of Multiple Deprivation, ranks and deciles",
                          f"Not needed: File 1 holds IMD ranks and deciles, also in {also}, which HIAP Geo reads "
                          "(with the domains)")
    return None


def _ons(cells: set[str], boundaries: bool) -> Identified | None:
    codes = []
    for cell in cells:
        match = re.fullmatch(r"(?:F_)?([A-Za-z]+?)(\d\d)(CD|_code)", cell, re.IGNORECASE)
        if match and match.group(1).upper() in _GEOGRAPHIES:
            codes.append((match.group(1).upper(), match.group(2)))
    if not codes:
        return None
    codes = sorted(set(codes), key=lambda c: list(_GEOGRAPHIES).index(c[0]))
    named = ", ".join(f"{_GEOGRAPHIES[g]} 20{y}" for g, y in codes)
    used = [f"{g}{y}" for g, y in codes if f"{g}{y}" in USED_GEOGRAPHIES]
    if boundaries:
        what = f"ONS boundaries of {_GEOGRAPHIES[codes[0][0]]} 20{codes[0][1]}"
    else:
        what = f"ONS lookup between {named}" if len(codes) > 1 else f"an ONS table of {named}"
    if used:
        use = (f"HIAP Geo uses {', '.join(used)}, read from the ONS files listed in data/sources.yaml; a file in "
               "another layout or vintage is not taken")
    else:
        use = (f"Not needed: HIAP Geo does not use {', '.join(f'{g}{y}' for g, y in codes)} (its areas are the "
               "LSOAs, MSOAs, wards and districts of the IoD editions)")
    return Identified(what, use)
