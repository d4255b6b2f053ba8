"""House of Commons Library workbooks: modelled prevalence of health conditions by MSOA 2011.

The Library's 'Health conditions' workbook (HealthDiseasePrevalence.xlsx, from its page 'Constituency data: how
healthy is your area?') has one sheet per geography; the MSOA sheet (the fourth) has a header row 'Row Labels'
(the MSOA 2011 code), 'MSOA', 'LA' and one column per condition, proportions 0-1, then blank or total rows. The
canonical table keeps the code and the seven conditions, as the mirror does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hiap_geo.acquire.convert.base import Converter, Part, write_csv_gz
from hiap_geo.acquire.sniff import Sniffed
from hiap_geo.acquire.validate import TableCheck, check_table

DATASET = "hoc_qof_prevalence_msoa11"
CONDITIONS = ("Asthma", "COPD", "Chronic Kidney Disease", "Coronary Heart Disease", "Diabetes",
              "High Blood Pressure", "Obesity")
CODE_COLUMN = "Row Labels"
PART = Part("House of Commons Library HealthDiseasePrevalence workbook, MSOA sheet (modelled QOF prevalence)",
            frozenset([CODE_COLUMN, *CONDITIONS]), CODE_COLUMN, code_prefixes=("E02",))
CHECK = TableCheck("modelled QOF prevalence by MSOA 2011 (every English MSOA once)", "msoa11cd", r"E02\d{6}",
                   rows=6_791, columns=CONDITIONS,
                   known_codes={"msoa11cd": ("E02005162", "E02005087")},
                   ranges=dict.fromkeys(CONDITIONS, (0.0, 1.0)))
"""Every English MSOA 2011 once (6,791, as in the ONS lookup), proportions 0-1, Tunbridge Wells 001 and
Sevenoaks 001 present: another edition's layout, a truncated sheet or percentages 0-100 are refused."""


def _build(files: Sequence[Sniffed], out: Path, dataset: str) -> None:
    frame = PART.read(files[0], dataset)
    codes = frame[CODE_COLUMN].astype("string").str.strip()
    frame = frame[codes.str.fullmatch(r"E02\d{6}").fillna(False).to_numpy(bool)]  # blank and 'Grand Total' rows
    frame = frame.rename(columns={CODE_COLUMN: "msoa11cd"})[["msoa11cd", *CONDITIONS]]
    write_csv_gz(check_table(frame, CHECK, files[0].path, dataset), out)


def converters() -> dict[str, Converter]:
    return {DATASET: Converter((PART,), _build)}
