"""The delivery flows on the lived firm (tests/push/conftest.py): activate_project and
post_approved_time leave their rules standing nowhere, posting introduces no variance, and a
created record is found again by its natural key (a resend adopts it), with no duplicate.
"""

from __future__ import annotations

from orchestration.push.flows import HANDLERS
from tests.push.conftest import Pushed, validated

FLOWS = ("activate_project", "post_approved_time")
RULES = {"project_not_in_psa", "project_status_mismatch", "approved_time_not_posted"}


def test_delivery_deltas_converge(pushed: Pushed) -> None:
    firm = pushed.firm
    assert any(d.flow == "post_approved_time" for d in pushed.first), "the firm has unposted time"
    assert firm.standing(RULES) == set()
    assert firm.open_findings(RULES) == []
    # Posting exactly hours × cost rate introduces no variance (the firm injects its own).
    assert (
        firm.standing({"posting_amount_variance"})
        <= pushed.standing_before["posting_amount_variance"]
    )
    assert firm.deltas(FLOWS, rebuild=False) == []
    assert firm.control("/truth/duplicates")["count"] == 0


def test_a_created_record_is_found_and_adopted_not_duplicated(pushed: Pushed) -> None:
    # Nothing was found before the first attempt; afterwards the record is found by its natural
    # key, and a resend adopts it rather than writing a second one.
    journals = [d for d in pushed.first if d.flow == "post_approved_time"]
    projects = [d for d in pushed.first if d.flow == "activate_project" and d.operation == "create"]
    assert journals and projects
    applied = pushed.applied()
    delivered = []
    with pushed.firm.clients() as clients:
        for delta in [*journals[:3], *projects[:3]]:
            client = clients[delta.target_instance]
            handler = HANDLERS[(delta.flow, delta.target_system)]
            payload = validated(delta)
            assert pushed.found_before[delta.delta_id] is None, delta
            found = handler.find_existing(client, delta, payload)
            assert found is not None, delta
            delivered.append(pushed.assert_adopted(delta, found, applied))
            assert handler.apply(client, delta, payload) == found
    assert any(delivered)
    assert pushed.firm.control("/truth/duplicates")["count"] == 0


def test_a_created_projects_charge_codes_bill_as_the_project_does(pushed: Pushed) -> None:
    # Harvest makes a task assignment non-billable unless told: a billable project's charge codes
    # must say so, or every hour booked to them would be non-billable.
    projects = [d for d in pushed.first if d.flow == "activate_project" and d.operation == "create"]
    applied = pushed.applied()
    seen: set[bool] = set()
    with pushed.firm.clients() as clients:
        for delta in projects:
            if delta.delta_id not in applied:
                continue
            payload = validated(delta)
            listed = clients[delta.target_instance].request(
                "GET", f"/projects/{applied[delta.delta_id]}/task_assignments"
            )
            billable = {a["task"]["id"]: a["billable"] for a in listed.json()["task_assignments"]}
            assert set(payload.task_ids) <= set(billable), delta
            assert {billable[t] for t in payload.task_ids} <= {payload.is_billable}, delta
            seen.add(payload.is_billable)
    assert True in seen, "no billable project was created"
