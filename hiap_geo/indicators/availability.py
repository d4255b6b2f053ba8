"""Where obesity, smoking and NEET figures come from, at which geographies, and what HIAP Geo shows of them.

These are the indicators plan commissioners ask for by ward. Only child obesity is published below
district (NCMP, by ward and MSOA); adult obesity and smoking come from surveys and GP registers (district,
county, GP practice); NEET is counted by the upper-tier council. :data:`AVAILABILITY` says, per topic, who
publishes it, where, what HIAP Geo has offline (the ONS Health Index, per district) and what it can fetch
from OHID Fingertips when online, and what to download and upload to have it offline.
"""

from __future__ import annotations

from dataclasses import dataclass

from hiap_geo.core.errors import HiapGeoError


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
    ),
    "adult_obesity": Availability(
        topic="Adult obesity",
        measure="Adults (18+) overweight or obese (Active Lives Adult Survey); obesity register prevalence "
        "(QOF, GP practices)",
        source="OHID from Sport England's Active Lives Adult Survey (district, county); NHS England Quality and "
        "Outcomes Framework (GP practice); both in OHID Fingertips",
        geographies="district, county, England; GP practice (QOF register). Not published by ward or MSOA",
        offline="district only: 'Overweight and obesity in adults' (ONS Health Index, 2015-2021)",
        online="Fingertips district figures (Obesity Profile, Public Health Outcomes Framework) with "
        "`python -m hiap_geo fingertips data --area-type district`; GP practice figures are not mapped",
        download="No official ward figure exists; a ward estimate would be modelled, not measured. Use the district "
        "value, or the GP practices' QOF prevalence as a list.",
    ),
    "smoking": Availability(
        topic="Smoking",
        measure="Smoking prevalence in adults (18+), current smokers (Annual Population Survey); smoking "
        "prevalence on GP registers (QOF)",
        source="ONS Annual Population Survey, in OHID Fingertips (Local Tobacco Control Profiles, indicator "
        "92443); NHS England QOF (GP practice)",
        geographies="district, county, England; GP practice (QOF). Not published by ward or MSOA",
        offline="district only: 'Smoking' (ONS Health Index, 2015-2021)",
        online="Fingertips district figures with limits: `python -m hiap_geo fingertips data --indicator 92443 "
        "--area-type district --parent <county code or E92000001>`",
        download="No official ward figure exists. For offline use, download the district rows of indicator 92443 "
        "from Fingertips (Local Tobacco Control Profiles, 'Export data') and upload them. "
        + _UPLOAD.format(name="Adult smoking"),
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
    ),
}
"""Topic -> where its figures come from and how HIAP Geo shows them."""

TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "child_obesity": ("child obesity", "childhood obesity", "year 6", "reception", "ncmp"),
    "adult_obesity": ("adult obesity", "obesity", "overweight"),
    "smoking": ("smoking", "smokers", "tobacco"),
    "neet": ("neet", "not in education"),
}
"""Words a user may ask with, per topic (checked in order; 'obesity' alone means adults unless 'child' is said)."""


def availability_markdown() -> str:
    """The table as Markdown paragraphs, one per topic (the Indicators page; the texts are the project's own)."""
    return "\n\n".join(
        f"**{a.topic}**: {a.measure}.  \nPublished by: {a.source}.  \nGeographies: {a.geographies}.  \n"
        f"Offline in HIAP Geo: {a.offline}.  \nOnline: {a.online}.  \nTo have it offline: {a.download}"
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
    )
