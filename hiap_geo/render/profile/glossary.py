"""The words a profile uses, in plain English, at its end: for a funder or a councillor, not a statistician.

Only the terms the profile's own tables use are listed, each found by a pattern in their text.
"""

from __future__ import annotations

import re

from hiap_geo.render.profile.model import ProfileTable

TERMS: tuple[tuple[str, str, str], ...] = (
    ("LSOA (neighbourhood)", r"\bLSOAs?\b",
     "A lower layer super output area: a small neighbourhood of about 1,500 residents (400 to 1,200 households) "
     "drawn by the Office for National Statistics. Deprivation is published for these."),
    ("LSOA 2011, LSOA 2021", r"LSOAs? (Dec )?20(11|21)",
     "The neighbourhoods as drawn after the 2011 and the 2021 censuses. IoD 2019 uses the 2011 ones, IoD 2025 "
     "the 2021 ones; most are the same, some were split, merged or redrawn."),
    ("MSOA", r"\bMSOAs?\b", "A middle layer super output area: about 8,000 residents, four or five LSOAs."),
    ("Best fit", r"best[- ]fit",
     "Wards do not follow neighbourhood edges exactly; each neighbourhood is counted in the ward that holds most "
     "of its residents, so a ward's figures are those of the neighbourhoods that mostly lie in it."),
    ("IMD, IoD", r"\bIMD\b|\bIoD\b",
     "The English Indices of Deprivation (IoD), published by government; the Index of Multiple Deprivation (IMD) "
     "combines seven domains (income, employment, education, health, crime, housing and services, living "
     "environment) into one score for each neighbourhood."),
    ("Decile", r"\bdeciles?\b",
     "One tenth of England's neighbourhoods ranked from most to least deprived: decile 1 is the most deprived "
     "10%, decile 10 the least."),
    ("Rank", r"\brank", "A place in the list of all English areas of the kind, 1 being the most deprived."),
    ("Population-weighted", r"population[- ]weighted",
     "An average in which each neighbourhood counts in proportion to the people living there."),
    ("Domain", r"\bdomains?\b", "One of the seven themes the IMD combines, such as income or health."),
    ("95% interval (lower and upper 95%)", r"95%",
     "The range the true value most likely lies in, given that a small area's figure is affected by chance; "
     "'better' or 'worse' than England means the whole range is above or below England's value."),
    ("Modelled proportion", r"modelled proportion",
     "An estimate from a statistical model rather than a count, given as a share from 0 (none) to 1 (all)."),
    ("Standardised ratio", r"standardised ratio",
     "A comparison with what would be expected if the area had England's rates for its age mix: 100 is as "
     "expected, above 100 more than expected. 'Not a standardised ratio' means the figure has no such "
     "adjustment."),
    ("Fingertips", r"Fingertips",
     "The public health data website of the Office for Health Improvement and Disparities (OHID); its way of "
     "judging better, similar or worse is used here."),
    ("Ward, district", r"\bwards?\b|\bdistricts?\b",
     "A ward is the area a local councillor is elected for; a district is the council's whole area."),
)


def glossary_table(tables: list[ProfileTable]) -> ProfileTable:
    """The terms used in ``tables``, each with what it means."""
    text = "\n".join([t.note or "" for t in tables] + [t.title for t in tables]
                     + [t.as_text_frame().to_string() for t in tables])
    rows = [[term, meaning] for term, pattern, meaning in TERMS if re.search(pattern, text, flags=re.IGNORECASE)]
    return ProfileTable("glossary", "Words used in this profile", ["Term", "What it means"], rows)
