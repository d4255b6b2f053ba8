"""Where obesity, smoking, NEET and long-term conditions figures come from, at which geographies, and what HIAP
Geo shows of them.

These are the indicators plan commissioners ask for by ward. Child obesity is published below district (NCMP, by
ward and MSOA, online through Fingertips or as a download to upload); adult obesity and smoking come from surveys
(district, county) and GP registers (GP practice); NEET is counted by the upper-tier council. Offline, HIAP Geo has
the ONS Health Index per district and, by LSOA, MSOA and ward, the House of Commons Library's modelled estimates of
seven conditions on GP registers (QOF about 2018/19), obesity among them: a register count, not survey obesity.
:data:`AVAILABILITY` says, per topic, who publishes it, where, why some are not published by ward, what HIAP Geo has
offline and can fetch online, and what to download and upload to have the rest offline.
"""

from __future__ import annotations

from dataclasses import dataclass

from hiap_geo.core.errors import HiapGeoError
from hiap_geo.indicators.catalogue import QOF_LABEL


@dataclass(frozen=True)
class Availability:
    """One topic: its official source, the geographies it is published at, and how to get it into HIAP Geo."""

    topic: str
    measure: str
    source: str
    geographies: str
    offline: str
    online: str
    download: str
    """What to download and how to upload it, to have the figures without a connection."""
    by_ward: str = ""
    """Why the topic is, or is not, published by ward (a survey too small, a count kept by the county...)."""


_UPLOAD = (
    "Save the rows of your district as a CSV with the columns area_code, value, period and, where the file "
    "gives them, count, denominator, lower_95 and upper_95; check it with `python -m hiap_geo upload check "
    "FILE --name '{name}'` and add it on the Indicators page ('Add your own indicator (CSV or Excel)'). "
    "Codes the lookups do not have are listed by the check, so a ward file of another vintage is caught."
)

AVAILABILITY: dict[str, Availability] = {
    "child_obesity": Availability(
        topic="Child obesity",
        measure="Prevalence of obesity (including severe obesity) in Reception (age 4-5) and Year 6 (age 10-11), "
        "National Child Measurement Programme (NCMP)",
        source="NHS England (NCMP annual statistics, district and county); OHID small-area NCMP data (ward and "
        "MSOA, 3 years combined); OHID Fingertips",
        geographies="ward, MSOA (3 years combined); district, county, England (yearly)",
        offline="district only: 'Overweight and obesity in children' (ONS Health Index, 2015-2021); no ward or "
        "MSOA values",
        online="Fingertips Local Health (profile 143), ward or MSOA: Year 6 obesity, 3 years combined "
        "(indicator 93108), with counts and 95% / 99.8% limits: `python -m hiap_geo fingertips data --indicator "
        "93108 --area-type ward --parent <district code>` or the Indicators page's Fingertips panel",
        download="OHID 'NCMP: child obesity and excess weight, small area level data' "
        "(https://www.gov.uk/government/statistics/child-obesity-and-excess-weight-small-area-level-data), the "
        "ward sheet: ward code, % obese (value), number obese (count), number measured (denominator), the 95% "
        "limits and the years combined (period). " + _UPLOAD.format(name="Year 6 obesity"),
        by_ward="it is published by ward and MSOA (three years combined, so that counts are large enough), but no "
        "copy is in HIAP Geo's data: it needs Fingertips online or the download above",
    ),
    "adult_obesity": Availability(
        topic="Adult obesity",
        measure="Adults (18+) overweight or obese (Active Lives Adult Survey); obesity on GP registers (QOF: adults "
        "with a BMI of 30 or more recorded)",
        source="OHID from Sport England's Active Lives Adult Survey (district, county); NHS England Quality and "
        "Outcomes Framework (GP practice), modelled for MSOAs by the House of Commons Library; both surveys and QOF "
        "in OHID Fingertips",
        geographies="district, county, England (survey); GP practice (QOF register); MSOA (House of Commons "
        "Library's modelled QOF estimates, QOF about 2018/19). Not published by ward: ward and LSOA figures in HIAP "
        "Geo are their MSOAs' estimates",
        offline=f"by LSOA, MSOA and ward: 'Obesity on GP registers' ({QOF_LABEL}; a register count, far below survey "
        "obesity: England about 10% against about a quarter of adults in surveys); by district: 'Overweight and "
        "obesity in adults' (ONS Health Index, 2015-2021)",
        online="Fingertips district figures (Obesity Profile, Public Health Outcomes Framework) with "
        "`python -m hiap_geo fingertips data --area-type district`; GP practice figures are not mapped",
        download="No survey figure exists by ward. For survey obesity use the district value; for a more recent "
        "register figure, NHS England's QOF prevalence by GP practice (not mapped: a practice has no boundary).",
        by_ward="the Active Lives survey interviews too few people per ward for an estimate; GP registers are "
        "counted per practice, whose patients live across many wards, so the Library apportions them to MSOAs by "
        "where patients live (a modelled estimate)",
    ),
    "smoking": Availability(
        topic="Smoking",
        measure="Smoking prevalence in adults (18+), current smokers (Annual Population Survey); smoking "
        "prevalence on GP registers (QOF)",
        source="ONS Annual Population Survey, in OHID Fingertips (Local Tobacco Control Profiles, indicator "
        "92443); NHS England QOF (GP practice)",
        geographies="district, county, England; GP practice (QOF). Not published by ward or MSOA",
        offline="district only: 'Smoking' (ONS Health Index, 2015-2021); the House of Commons Library's MSOA "
        "estimates do not include smoking",
        online="Fingertips district figures with limits: `python -m hiap_geo fingertips data --indicator 92443 "
        "--area-type district --parent <county code or E92000001>`",
        download="No official ward figure exists. For offline use, download the district rows of indicator 92443 "
        "from Fingertips (Local Tobacco Control Profiles, 'Export data') and upload them. "
        + _UPLOAD.format(name="Adult smoking"),
        by_ward="the Annual Population Survey interviews several hundred people per district, too few for a ward "
        "figure; QOF smoking status is recorded per GP practice and no official body apportions it to wards",
    ),
    "neet": Availability(
        topic="NEET",
        measure="16-17 year olds not in education, employment or training (NEET) or whose activity is not known",
        source="Department for Education, 'Participation in education, training and NEET age 16 to 17 by local "
        "authority' (upper-tier councils), in OHID Fingertips (Public Health Outcomes Framework); district figures "
        "only where the county council publishes them (Kent County Council does)",
        geographies="county or unitary council, England; district where the county publishes it. Not by ward",
        offline="district only, the other way round: 'Young people in education, employment and apprenticeships' "
        "(ONS Health Index, 2015-2021)",
        online="Fingertips county figures with `python -m hiap_geo fingertips data --area-type district` "
        "(unitary councils) or the county as parent",
        download="DfE's NEET and participation tables (explore-education-statistics.service.gov.uk) for counties, "
        "or the county council's district tables. " + _UPLOAD.format(name="NEET 16-17"),
        by_ward="the count is kept by the upper-tier council, which tracks its 16-17 year olds; a ward holds a few "
        "dozen of them, so ward figures would be small, suppressed numbers and are not published",
    ),
    "long_term_conditions": Availability(
        topic="Long-term conditions",
        measure="Asthma, COPD, chronic kidney disease, coronary heart disease, diabetes and high blood pressure on "
        "GP registers (QOF)",
        source="NHS England Quality and Outcomes Framework (GP practice), modelled for MSOAs by the House of "
        "Commons Library ('Constituency data: how healthy is your area?'); QOF prevalence in OHID Fingertips",
        geographies="GP practice, district, England (QOF); MSOA (the Library's modelled estimates, QOF about "
        "2018/19)",
        offline=f"by LSOA, MSOA, ward and district: the six conditions ({QOF_LABEL}); by district: the ONS Health "
        "Index's cardiovascular, respiratory, diabetes, kidney and liver, and high blood pressure prevalences",
        online="Fingertips QOF prevalence by GP practice and district (not mapped by practice)",
        download="For a later year, NHS England's QOF prevalence by GP practice; no official MSOA or ward update.",
        by_ward="registers are counted per GP practice; the Library's MSOA estimates are the smallest areas "
        "published, so a ward or LSOA has its MSOAs' estimates",
    ),
}
"""Topic -> where its figures come from and how HIAP Geo shows them."""

TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "child_obesity": ("child obesity", "childhood obesity", "year 6", "reception", "ncmp"),
    "adult_obesity": ("adult obesity", "obesity", "overweight"),
    "smoking": ("smoking", "smokers", "tobacco"),
    "neet": ("neet", "not in education"),
    "long_term_conditions": ("long-term condition", "long term condition", "asthma", "copd", "kidney", "diabetes",
                             "heart disease", "blood pressure", "hypertension"),
}
"""Words a user may ask with, per topic (checked in order; 'obesity' alone means adults unless 'child' is said)."""


def availability_markdown() -> str:
    """The table as Markdown paragraphs, one per topic (the Indicators page; the texts are the project's own)."""
    return "\n\n".join(
        f"**{a.topic}**: {a.measure}.  \nPublished by: {a.source}.  \nGeographies: {a.geographies}.  \n"
        f"Offline in HIAP Geo: {a.offline}.  \nOnline: {a.online}.  \nTo have it offline: {a.download}"
        + (f"  \nWhy not by ward: {a.by_ward}." if a.by_ward else "")
        for a in AVAILABILITY.values()
    )


def where_to_get(topic: str, area_type: str = "ward") -> str:
    """What a user asking for ``topic`` at ``area_type`` without a connection is told: what HIAP Geo has
    offline, what to download and how to upload it. Raises for a topic it does not know."""
    folded = " ".join(topic.lower().replace("_", " ").split())
    key = next((k for k, words in TOPIC_WORDS.items() if any(w in folded for w in words)), None)
    if key is None:
        raise HiapGeoError(f"No guidance for '{topic}'; topics: {', '.join(a.topic for a in AVAILABILITY.values())}.")
    a = AVAILABILITY[key]
    return (
        f"{a.topic} ({a.measure}) is published at: {a.geographies}. Offline, HIAP Geo has {a.offline}. "
        f"Online: {a.online}. To have {area_type} figures offline: {a.download}"
        + (f" Why not by ward: {a.by_ward}." if a.by_ward else "")
    )
