"""The plan export file: a plan with every stored version of its text and every review, as JSON.

``plan export`` and the Plan page write it; ``plan import`` and the page read it back into another
database without loss. This module is the format (versioned pydantic models) and its validation, which
checks everything before the store writes anything; the store (``plans.progress``) does the writing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hiap_geo.plans.load import parse_plan
from hiap_geo.plans.schema import MAX_NOTE_CHARS, MAX_REVIEWER_CHARS, ImportRejected, PlanFileError

BUNDLE_FORMAT = "hiap-geo-plan-export"
BUNDLE_VERSION = 1
MAX_BUNDLE_BYTES = 20_000_000
"""Largest export file accepted for import (a plan is ~100 kB; years of reviews are a few MB)."""

Status = Literal["not_started", "on_track", "at_risk", "done"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExportedPlanVersion(_Strict):
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    source_name: str = Field(max_length=1000)
    registered_at: datetime
    yaml: str


class ExportedReview(_Strict):
    review_id: str = Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    action_id: str = Field(min_length=1, max_length=64)
    status: Status
    review_date: date
    note: str = Field(max_length=MAX_NOTE_CHARS)
    reviewer: str | None = Field(default=None, max_length=MAX_REVIEWER_CHARS)
    recorded_at: datetime


class ExportBundle(_Strict):
    """A plan with every version of its text and every review: what ``plan export`` writes."""

    format: Literal["hiap-geo-plan-export"]
    version: Literal[1]
    plan_id: str = Field(min_length=1, max_length=64)
    exported_at: datetime
    plan_versions: list[ExportedPlanVersion] = Field(min_length=1)
    reviews: list[ExportedReview]


@dataclass(frozen=True)
class ImportReport:
    """What an import added, and how many reviews were already present (importing twice adds nothing)."""

    plan_id: str
    plan_versions_added: int
    reviews_added: int
    reviews_already_present: int

    def as_text(self) -> str:
        return (
            f"Imported plan '{self.plan_id}': {self.plan_versions_added} new plan version(s), "
            f"{self.reviews_added} new review(s), {self.reviews_already_present} already present."
        )


def text_sha256(text: str) -> str:
    """The SHA-256 of a plan text (UTF-8): how a stored or exported plan version is identified and checked."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def validate_bundle(content: bytes | str | dict[str, Any], source: str = "<export>") -> ExportBundle:
    """An export checked in full, before anything is written: size, JSON, format and schema, every plan
    version parses and matches its checksum, every review id is unique and names an action of the plan.

    Raises ImportRejected listing every problem found.
    """
    if isinstance(content, bytes | str):
        size = len(content.encode("utf-8") if isinstance(content, str) else content)
        if size > MAX_BUNDLE_BYTES:
            raise ImportRejected(source, [f"the file is {size:,} bytes; the limit is {MAX_BUNDLE_BYTES:,}"])
        try:
            data = json.loads(content)
        except UnicodeDecodeError as exc:
            raise ImportRejected(source, [f"not UTF-8 text (byte {exc.start})"]) from exc
        except json.JSONDecodeError as exc:
            raise ImportRejected(
                source, [f"line {exc.lineno}, column {exc.colno}: not valid JSON: {exc.msg}"]
            ) from exc
    else:
        data = content
    if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
        raise ImportRejected(
            source, [f'not a HIAP Geo plan export (expected "format": "{BUNDLE_FORMAT}" at the top level)']
        )
    try:
        bundle = ExportBundle.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors(include_url=False)
        ]
        raise ImportRejected(source, problems) from exc
    problems: list[str] = []
    action_ids: set[str] = set()
    for i, version in enumerate(bundle.plan_versions):
        if text_sha256(version.yaml) != version.sha256:
            problems.append(f"plan_versions.{i}: the text does not match its sha256 (edited after export?)")
            continue
        try:
            plan = parse_plan(version.yaml, f"plan_versions.{i}").plan
        except PlanFileError as exc:
            problems.append(f"plan_versions.{i}: {exc}")
            continue
        if plan.id != bundle.plan_id:
            problems.append(f"plan_versions.{i}: the plan's id is '{plan.id}', not '{bundle.plan_id}'")
        action_ids |= {a.id for a in plan.actions}
    seen: set[str] = set()
    for i, review in enumerate(bundle.reviews):
        if review.review_id in seen:
            problems.append(f"reviews.{i}: review_id {review.review_id} appears twice")
        seen.add(review.review_id)
        if action_ids and review.action_id not in action_ids:
            problems.append(f"reviews.{i}: action '{review.action_id}' is in no version of the plan")
    if problems:
        raise ImportRejected(source, problems)
    return bundle
