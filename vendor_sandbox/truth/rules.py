"""The reconciliation rules of ARCHITECTURE §6: severity, owner, and whether a push can fix them.

docs/drift-rules.md states each rule's exact condition; `detectors.py` implements it over the
sandbox's state and crosswalk's `reconciliation/` models implement it over ingested data.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    rule_id: str
    severity: str  # critical | high | medium | low
    owner: str  # hr | finance | payroll | delivery | it
    auto_fixable: bool
    fix_flow: str | None


RULES: dict[str, Rule] = {
    r.rule_id: r
    for r in (
        Rule("worker_not_provisioned", "high", "it", True, "provision_worker"),
        Rule("worker_status_mismatch", "critical", "hr", True, "offboard_worker"),
        Rule("worker_attribute_mismatch", "medium", "hr", True, "update_worker"),
        Rule("orphan_target_worker", "medium", "it", False, None),
        Rule("booking_after_termination", "high", "delivery", True, "offboard_worker"),
        Rule("booking_during_leave", "medium", "delivery", False, None),
        Rule("project_not_in_psa", "high", "delivery", True, "activate_project"),
        Rule("project_status_mismatch", "medium", "delivery", True, "activate_project"),
        Rule("time_on_inactive_project", "high", "delivery", False, None),
        Rule("assignment_missing_cost_rate", "high", "finance", False, None),
        Rule("approved_time_not_posted", "high", "finance", True, "post_approved_time"),
        Rule("posting_amount_variance", "high", "finance", False, None),
        Rule("payroll_hours_variance", "high", "payroll", False, None),
        Rule("payroll_population_mismatch", "critical", "payroll", False, None),
        Rule("mapping_missing", "high", "finance", False, None),
        Rule("duplicate_identity", "medium", "it", False, None),
    )
}

# Tolerances shared with the reconciliation models (dbt vars of the same names).
PAYROLL_HOURS_TOLERANCE = 0.25
POSTING_AMOUNT_TOLERANCE = 0.01
# Approved time must be posted by 06:00 the day after its approval.
POSTING_SLA_HOURS_AFTER_MIDNIGHT = 6
