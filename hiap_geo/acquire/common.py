"""What every step of getting a dataset shares: the outcome of one fetch and its status.

The bottom module of ``acquire``: ``fetch`` (mirror, cache, exact downloads), ``publishers`` (official files
converted) and ``importer`` (files downloaded by hand) all return a ``FetchResult``, and none imports another for
it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Status = Literal["present", "copied", "downloaded", "converted", "imported", "manual", "absent"]


@dataclass(frozen=True)
class FetchResult:
    """What became of one dataset: its id, what happened (``status``), where its file is, and a note for the user."""

    dataset_id: str
    status: Status
    path: Path
    note: str = ""
