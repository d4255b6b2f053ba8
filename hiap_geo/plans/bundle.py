"""The plan export file: a plan with every stored version of its text and every review, as JSON.

``plan export`` and the Plan page write it; ``plan import`` and the page read it back into another
database without loss. This module is the format (versioned pydantic models) and its validation, which
checks everything before the store writes anything; ``bundle_io`` does the reading and writing in the store.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hiap_geo.core.limits import MAX_BUNDLE_BYTES, MAX_NESTING
from hiap_geo.plans.load import parse_plan
from hiap_geo.plans.schema import (
    MAX_NOTE_CHARS,
    MAX_REVIEWER_CHARS,
    MIN_REVIEW_DATE,
    ImportRejected,
    PlanFileError,
)

__all__ = ["BUNDLE_FORMAT", "BUNDLE_VERSION", "MAX_BUNDLE_BYTES", "ExportBundle", "ExportedPlanVersion",
           "ExportedReview", "ImportReport", "text_sha256", "validate_bundle"]

BUNDLE_FORMAT = "hiap-geo-plan-export"
BUNDLE_VERSION = 3
"""2 added who registered each plan version and who recorded (and imported) each review; 3 added the review
a review corrects and why (``corrects``, ``correction_reason``). Versions 1 and 2 are still read."""

CLOCK_SKEW = timedelta(minutes=10)
"""How far past this machine's clock a timestamp in a bundle may be (another machine's clock may run fast)."""

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

Status = Literal["not_started", "on_track", "at_risk", "done"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExportedPlanVersion(_Strict):
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    source_name: str = Field(max_length=1000)
    registered_at: datetime
    yaml: str
    registered_by: str | None = Field(default=None, max_length=MAX_REVIEWER_CHARS)


class ExportedReview(_Strict):
    review_id: str = Field(pattern=UUID_PATTERN)
    action_id: str = Field(min_length=1, max_length=64)
    status: Status
    review_date: date
    note: str = Field(max_length=MAX_NOTE_CHARS)
    reviewer: str | None = Field(default=None, max_length=MAX_REVIEWER_CHARS)
    recorded_at: datetime
    reviewer_email: str | None = Field(default=None, max_length=MAX_REVIEWER_CHARS)
    imported_by: str | None = Field(default=None, max_length=MAX_REVIEWER_CHARS)
    corrects: str | None = Field(default=None, pattern=UUID_PATTERN)
    correction_reason: str | None = Field(default=None, max_length=MAX_NOTE_CHARS)


class ExportBundle(_Strict):
    """A plan with every version of its text and every review: what ``plan export`` writes."""

    format: Literal["hiap-geo-plan-export"]
    version: Literal[1, 2, 3]
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
        except RecursionError:
            raise ImportRejected(source, [f"the JSON is nested more than {MAX_NESTING} levels deep"]) from None
    else:
        data = content
    if _depth(data) > MAX_NESTING:
        raise ImportRejected(source, [f"the JSON is nested more than {MAX_NESTING} levels deep"])
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
    now = datetime.now(UTC)
    for i, version in enumerate(bundle.plan_versions):
        if _aware(version.registered_at) > now + CLOCK_SKEW:
            problems.append(f"plan_versions.{i}: registered_at {version.registered_at.isoformat()} is in the future")
    seen: set[str] = set()
    for i, review in enumerate(bundle.reviews):
        if review.review_date > date.today():
            problems.append(f"reviews.{i}: review_date {review.review_date.isoformat()} is in the future "
                            "(a review records a meeting that has happened)")
        if review.review_date < MIN_REVIEW_DATE:
            problems.append(f"reviews.{i}: review_date {review.review_date.isoformat()} is before "
                            f"{MIN_REVIEW_DATE.year} (`plan review` refuses it too: check the year)")
        if _aware(review.recorded_at) > now + CLOCK_SKEW:
            problems.append(f"reviews.{i}: recorded_at {review.recorded_at.isoformat()} is in the future")
        if review.review_id in seen:
            problems.append(f"reviews.{i}: review_id {review.review_id} appears twice")
        seen.add(review.review_id)
        if action_ids and review.action_id not in action_ids:
            problems.append(f"reviews.{i}: action '{review.action_id}' is in no version of the plan")
    problems += _correction_problems(bundle)
    if problems:
        raise ImportRejected(source, problems)
    return bundle


def _correction_problems(bundle: ExportBundle) -> list[str]:
    """A correction names a review of the same file, gives a reason, and no review is corrected twice."""
    problems: list[str] = []
    ids = {r.review_id for r in bundle.reviews}
    corrected: set[str] = set()
    for i, review in enumerate(bundle.reviews):
        if review.corrects is None:
            if review.correction_reason:
                problems.append(f"reviews.{i}: a correction_reason without the review it corrects")
            continue
        if review.corrects == review.review_id:
            problems.append(f"reviews.{i}: the review corrects itself")
        elif review.corrects not in ids:
            problems.append(f"reviews.{i}: corrects review {review.corrects}, which is not in the file")
        if not (review.correction_reason or "").strip():
            problems.append(f"reviews.{i}: a correction without a reason")
        if review.corrects in corrected:
            problems.append(f"reviews.{i}: review {review.corrects} is corrected more than once")
        corrected.add(review.corrects)
    return problems


def _aware(value: datetime) -> datetime:
    """A bundle's timestamp as an aware UTC time (a naive one is taken as UTC, as the store writes them)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _depth(data: Any) -> int:
    """Nesting depth of parsed JSON, without recursion (a hostile file must not exhaust the stack)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            if deepest > MAX_NESTING:
                return deepest
            stack.extend((child, level + 1) for child in (value.values() if isinstance(value, dict) else value))
    return deepest
