"""Named exceptions, each with a message a user can act on."""

from __future__ import annotations

from collections.abc import Iterable

from hiap_geo.core.limits import shorten


class HiapGeoError(Exception):
    """Base class: the CLI and the app show these messages to users as they are."""


class FetchError(HiapGeoError):
    """A dataset could not be obtained (network, mirror or checksum)."""


class DatasetMissing(HiapGeoError):
    """A dataset the code needs has not been fetched yet."""

    def __init__(self, dataset_id: str):
        super().__init__(
            f"Dataset '{dataset_id}' has not been fetched. Run `python -m hiap_geo fetch` "
            "(set HIAP_DATA_MIRROR=<folder> to copy from a local mirror)."
        )
        self.dataset_id = dataset_id


class LayerNotBuilt(HiapGeoError):
    """A built layer is missing from the cache."""


class InvalidAreaCode(HiapGeoError):
    """A string that is not a GSS code of a kind this tool knows."""


class UnknownArea(HiapGeoError):
    """A code or name that no lookup of the vintage knows."""

    def __init__(self, query: str, suggestions: Iterable[str] = ()):
        suggestions = list(suggestions)
        hint = f" Did you mean: {'; '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"No area matches '{shorten(query)}'.{hint}")
        self.query = query
        self.suggestions = suggestions


class AmbiguousAreaName(HiapGeoError):
    """A name that matches more than one area; the candidates are listed."""

    def __init__(self, query: str, candidates: Iterable[str]):
        self.candidates = list(candidates)
        listing = "\n  ".join(self.candidates)
        super().__init__(f"'{shorten(query)}' matches {len(self.candidates)} areas; use a code:\n  {listing}")
        self.query = query


class UnmatchedCodes(HiapGeoError):
    """A join found codes on one side that are not on the other."""

    def __init__(self, what: str, left_only: list[str], right_only: list[str]):
        self.left_only = left_only
        self.right_only = right_only
        parts = []
        if left_only:
            parts.append(f"{len(left_only)} only on the left: {', '.join(left_only[:10])}")
        if right_only:
            parts.append(f"{len(right_only)} only on the right: {', '.join(right_only[:10])}")
        super().__init__(f"Joining {what}: " + "; ".join(parts))


class SettingsError(HiapGeoError):
    """An ``HIAP_*`` setting holds a value the app cannot use; the message names the setting and what it takes."""
