"""DWP Stat-Xplore exports: children in low income families by MSOA 2011.

Stat-Xplore needs an account (or an API key) to export, so this table is imported by hand. The export
names MSOAs but gives no codes; codes are matched on the ONS MSOA 2011 names, as in the mirror.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from hiap_geo.acquire.convert.base import Converter, Part, write_csv_gz
from hiap_geo.acquire.sniff import Sniffed
from hiap_geo.acquire.validate import InvalidOfficialFile

CODE_COLUMN = "MSOA11CD [added: matched on MSOA11NM]"
YEARS = ["2014/15", "2015/16", "2016/17", "2017/18", "2018/19", "2019/20", "2020/21", "2021/22 (p)"]
COLUMNS = ["Year", *[c for y in YEARS for c in (y, f"{y.removesuffix(' (p)')} - Annotations")]]
PART = Part("DWP Stat-Xplore export: relative low income children under 16 by MSOA 2011, FYE 2015-2022 (CSV)",
            frozenset(["Year", *YEARS]), "Year")
MSOAS_2011 = 7_201


def _build(files: Sequence[Sniffed], out: Path, dataset: str) -> None:
    from hiap_geo.acquire.registry import dataset_path

    frame = PART.read(files[0], dataset, tuple(COLUMNS))
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidOfficialFile(files[0].path, dataset, f"the export's columns including {missing[0]!r}",
                                  f"columns {', '.join(frame.columns[:5])}")
    lookup = pd.read_csv(dataset_path("lookup_msoa11_msoa21"), dtype=str, usecols=["MSOA11NM", "MSOA11CD"])
    codes = lookup.drop_duplicates("MSOA11CD").set_index("MSOA11NM")["MSOA11CD"]
    frame.insert(0, CODE_COLUMN, frame["Year"].map(codes))
    matched = frame[CODE_COLUMN].dropna()
    if matched.nunique() != MSOAS_2011 or matched.duplicated().any():
        raise InvalidOfficialFile(files[0].path, dataset, f"every one of the {MSOAS_2011:,} MSOAs 2011 of England "
                                  "and Wales once, by name", f"{matched.nunique():,} matched, "
                                  f"{int(matched.duplicated().sum())} more than once (truncated or another query?)")
    write_csv_gz(frame[[CODE_COLUMN, *COLUMNS]], out)


def converters() -> dict[str, Converter]:
    return {"dwp_children_low_income_msoa11": Converter((PART,), _build, needs=("lookup_msoa11_msoa21",))}
