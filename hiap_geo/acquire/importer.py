"""``fetch --from DIR``: official files a person downloaded, recognised by content whatever their names.

Council networks often block scripted downloads, and some publishers need an account. The user puts the
files in one folder; each is matched to the datasets it serves by its sheets, headers and codes, converted
and validated like a download, and the datasets still missing are listed with the page to get each from.

Only regular files inside the folder are read (a link out of it, a pipe or a device is listed as not read),
none larger than ``MAX_IMPORT_FILE_BYTES``, and a recognised file only up to its dataset's cap
(``core.limits.official_file_cap``).
"""

from __future__ import annotations

import os
import stat
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
from hiap_geo.core.limits import MAX_IMPORT_FILE_BYTES, MAX_IMPORT_FILES, official_file_cap, shorten, size_label


@dataclass
class ImportReport:
    """What a hand import did: datasets imported, files refused (with why), files not recognised, and the
    datasets still missing with where to get them."""

    imported: list[FetchResult] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    unrecognised: list[str] = field(default_factory=list)
    recognised: list[str] = field(default_factory=list)
    """Every file named: what it is, and what HIAP Geo takes from it or why it is not needed."""
    not_read: list[str] = field(default_factory=list)
    """Entries of the folder not read: links out of it, pipes, devices, files larger than any official one."""
    missing: list[Dataset] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"  imported   {r.dataset_id} <- {r.note}" for r in self.imported]
        out += [f"  refused    {message}" for message in self.refused]
        out += [f"  recognised {line}" for line in self.recognised]
        out += [f"  not used   {name}" for name in self.unrecognised]
        out += [f"  not read   {entry}" for entry in self.not_read]
        if self.missing:
            out.append("Still missing (download each from its page, put it in the folder, run again):")
            for ds in self.missing:
                how = f" [{ds.official.note}]" if ds.official and ds.official.note else ""
                optional = " (optional)" if ds.optional else ""
                out.append(f"  {ds.id}{optional}: {ds.title}\n      {ds.page}{how}")
        return out


def _candidates(folder: Path) -> tuple[list[Path], list[str]]:
    """The regular files inside ``folder`` (hidden ones left out), and why each other entry was not read:
    a link out of the folder (it could name a private file), a pipe or device (reading could hang or never
    end), a file larger than any official download."""
    if not folder.is_dir():
        raise HiapGeoError(f"{shorten(folder)} is not a folder. Name the folder that holds the downloaded official "
                           "files.")
    root = folder.resolve()
    files: list[Path] = []
    not_read: list[str] = []
    for directory, subfolders, names in os.walk(root):  # links to folders are listed, never followed
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(n for n in names if not n.startswith(".")):
            path = Path(directory) / name
            why = _not_readable(path, root)
            if why:
                not_read.append(f"{shorten(path.relative_to(root), 80)}: {why}")
            else:
                files.append(path)
            if len(files) + len(not_read) > MAX_IMPORT_FILES:
                raise HiapGeoError(f"{shorten(folder)} holds more than {MAX_IMPORT_FILES} files; put the official "
                                   f"downloads (at most {MAX_IMPORT_FILES}) in a folder of their own.")
    return files, not_read


def _not_readable(path: Path, root: Path) -> str | None:
    """Why ``path`` (an entry of the folder ``root``) is not read, or None for a regular file inside it."""
    try:
        target = path.resolve(strict=True)
        info = os.stat(target)
    except (OSError, RuntimeError):
        return "a broken link or an entry that cannot be read"
    if not target.is_relative_to(root):
        return "a link to a file outside the folder; copy the file itself into the folder"
    if not stat.S_ISREG(info.st_mode):
        return "not a file (a pipe, device or socket)"
    if info.st_size > MAX_IMPORT_FILE_BYTES:
        return (f"{size_label(info.st_size)}, larger than any official file (the limit is "
                f"{size_label(MAX_IMPORT_FILE_BYTES)})")
    return None


def _too_large_for(dataset: Dataset | None, chosen: list[Sniffed]) -> str | None:
    """A message when a file recognised as ``dataset``'s (None: any dataset's) is larger than its cap, else None."""
    cap = official_file_cap(dataset.size_bytes if dataset else None)
    for s in chosen:
        size = s.path.stat().st_size
        if size > cap:
            return (f"{dataset.id if dataset else 'IoD'}: {shorten(s.path.name, 80)} looks like an official file "
                    f"but is {size_label(size)}; the official file is far smaller (limit {size_label(cap)}). "
                    "Download it again from its page.")
    return None


def import_folder(folder: Path, registry: dict[str, Dataset] | None = None) -> ImportReport:
    """Import every dataset whose official files are in ``folder``; never stops at one bad file."""
    registry = registry or load_registry()
    files, not_read = _candidates(folder)
    sniffed = [sniff(p) for p in files]
    report = ImportReport(not_read=not_read)
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
        too_large = _too_large_for(registry[dataset_id], chosen)
        if too_large:
            report.refused.append(too_large)
            continue
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
        name = shorten(s.path.name, 80)
        if s.path in taken:
            what = known.what if known else "an official file"
            report.recognised.append(f"{name}: {what}. Taken as {', '.join(taken[s.path])}")
        elif s.path in used:
            report.recognised += [f"{name}: {known.what}. Refused (above)"] if known else []
        elif known:
            report.recognised.append(f"{name}: {known.line()}")
            if known.what.startswith("IoD"):
                too_large = _too_large_for(None, [s])  # compared whole: only a file of an official size
                try:
                    if too_large:
                        raise FetchError(too_large)
                    agrees_with_accepted(s, known.what)
                except FetchError as exc:
                    report.refused.append(str(exc))
        else:
            report.unrecognised.append(f"{name}: {s.headers()}")
    report.missing = [ds for ds in registry.values() if not is_current(ds)]
    return report
