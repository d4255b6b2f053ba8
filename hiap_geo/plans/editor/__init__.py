"""Writing a plan: pure edits of the frozen ``Plan``, what stops it being final, an action's reach, its YAML.

The Plan editor page and ``plan new`` / ``plan next-period`` work through these functions; nothing here touches a
database (drafts and saved versions are ``plans.drafts``). One module a concern, in the order a plan is written:
``edits`` (new plans, next-period drafts, priorities, actions, targets) -> ``problems`` (what stops a version, at
the field) -> ``reach`` (what an action reaches today: the only part that reads data) -> ``writing`` (YAML spliced
into the original file, and differences in words).
"""

from hiap_geo.plans.editor.edits import (
    ACTION_FIELDS,
    EDITOR_NOTE,
    PLAN_FIELDS,
    PRIORITY_FIELDS,
    DuplicateId,
    InvalidEdit,
    PlanEditError,
    UnknownItem,
    add_action,
    add_priority,
    codes_target,
    decile_target,
    district_target,
    indicator_target,
    names_target,
    new_plan,
    next_action_id,
    next_period_draft,
    next_priority_id,
    remove_action,
    remove_priority,
    set_targets,
    target_summary,
    toggle_code,
    update_action,
    update_plan,
    update_priority,
)
from hiap_geo.plans.editor.problems import BLOCKING_KINDS, Problem, blocking, plan_problems, text_problems
from hiap_geo.plans.editor.reach import Reach, action_reach
from hiap_geo.plans.editor.writing import plan_diff, plan_yaml

__all__ = [
    "ACTION_FIELDS", "BLOCKING_KINDS", "EDITOR_NOTE", "PLAN_FIELDS", "PRIORITY_FIELDS", "DuplicateId", "InvalidEdit",
    "PlanEditError", "Problem", "Reach", "UnknownItem", "action_reach", "add_action", "add_priority", "blocking",
    "codes_target", "decile_target", "district_target", "indicator_target", "names_target", "new_plan",
    "next_action_id", "next_period_draft", "next_priority_id", "plan_diff", "plan_problems", "plan_yaml",
    "remove_action", "remove_priority", "set_targets", "target_summary", "text_problems", "toggle_code",
    "update_action", "update_plan", "update_priority",
]
