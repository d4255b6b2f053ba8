"""``fetch --from DIR``: official files a person downloaded, recognised by content whatever their names.

Council networks often block scripted downloads, and some publishers need an account. The user puts the
files in one folder; each is matched to the datasets it serves by its sheets, headers and codes, converted
and validated like a download, and the datasets still missing are listed with the page to get each from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hiap_geo.acquire.convert import converters
from hiap_geo.acquire.convert.mhclg import agrees_with_accepted
from hiap_geo.acquire.fetch import FetchResult, is_current
from hiap_geo.acquire.manifest import OfficialFile
from hiap_geo.acquire.publishers import convert_files
from hiap_geo.acquire.recognise import identify
from hiap_geo.acquire.registry import Dataset, load_registry, sha256_of
from hiap_geo.acquire.sniff import Sniffed, sniff
from hiap_geo.core.errors import FetchError, HiapGeoError

MAX_FILES = 500
"""A bound on the files looked at: a folder of downloads, not a whole disk."""


@dataclass
class ImportReport:
    """What a hand import did: datasets imported, files refused (with why), files not recognised, and the
    datasets still missing with where to get them."""

    imported: list[FetchResult] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    unrecognised: list[str] = field(default_factory=list)
    recognised: list[str] = field(default_factory=list)
    """Every file named: what it is, and what HIAP Geo takes from it or why it is not needed."""
    missing: list[Dataset] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"  imported   {r.dataset_id} <- {r.note}" for r in self.imported]
        out += [f"  refused    {message}" for message in self.refused]
        out += [f"  recognised {line}" for line in self.recognised]
        out += [f"  not used   {name}" for name in self.unrecognised]
        if self.missing:
            out.append("Still missing (download each from its page, put it in the folder, run again):")
            for ds in self.missing:
                how = f" [{ds.official.note}]" if ds.official and ds.official.note else ""
                optional = " (optional)" if ds.optional else ""
                out.append(f"  {ds.id}{optional}: {ds.title}\n      {ds.page}{how}")
        return out


def _candidates(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise HiapGeoError(f"{folder} is not a folder. Name the folder that holds the downloaded official files.")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    if len(files) > MAX_FILES:
        raise HiapGeoError(f"{folder} holds {len(files)} files; put the official downloads (at most {MAX_FILES}) "
                           "in a folder of their own.")
    return files


def import_folder(folder: Path, registry: dict[str, Dataset] | None = None) -> ImportReport:
    """Import every dataset whose official files are in ``folder``; never stops at one bad file."""
    registry = registry or load_registry()
    sniffed = [sniff(p) for p in _candidates(folder)]
    report = ImportReport()
    used: set[Path] = set()
    taken: dict[Path, list[str]] = {}
    table = converters()
    order = sorted((d for d in registry if d in table), key=lambda d: len(table[d].needs))
    for dataset_id in order:
        converter = table[dataset_id]
        chosen: list[Sniffed] = []
        for part in converter.parts:
            match = next((s for s in sniffed if part.locate(s) is not None), None)
            if match is None:
                break
            chosen.append(match)
        if len(chosen) != len(converter.parts):
            continue
        used.update(s.path for s in chosen)
        records = [OfficialFile(s.path.name, sha256_of(s.path), str(s.path), s.path.stat().st_size) for s in chosen]
        try:
            result = convert_files(registry[dataset_id], [s.path for s in chosen], records, status="imported",
                                   note=", ".join(s.path.name for s in chosen))
        except FetchError as exc:
            report.refused.append(str(exc))
            continue
        report.imported.append(result)
        for s in chosen:
            taken.setdefault(s.path, []).append(dataset_id)
    for s in sniffed:
        known = identify(s)
        if s.path in taken:
            what = known.what if known else "an official file"
            report.recognised.append(f"{s.path.name}: {what}. Taken as {', '.join(taken[s.path])}")
        elif s.path in used:
            report.recognised += [f"{s.path.name}: {known.what}. Refused (above)"] if known else []
        elif known:
            report.recognised.append(f"{s.path.name}: {known.line()}")
            if known.what.startswith("IoD"):
                try:
                    agrees_with_accepted(s, known.what)
                except FetchError as exc:
                    report.refused.append(str(exc))
        else:
            report.unrecognised.append(f"{s.path.name}: {s.headers()}")
    report.missing = [ds for ds in registry.values() if not is_current(ds)]
    return report
