"""The delivery flows against a real sandbox: applied activate_project and post_approved_time
deltas leave those rules standing nowhere after the next ingest + build, posting introduces no
variance, and a lost reply is recovered (`find_existing`; a resend adopts), with no duplicate.

The firm and the one round of applied deltas are tests/push/conftest.py's (`pushed`).
"""

from __future__ import annotations

from orchestration.push.flows import HANDLERS
from tests.push.conftest import Pushed, validated

FLOWS = ("activate_project", "post_approved_time")
RULES = {"project_not_in_psa", "project_status_mismatch", "approved_time_not_posted"}


def test_applied_deltas_converge(pushed: Pushed) -> None:
    firm = pushed.firm
    assert any(d.flow == "post_approved_time" for d in pushed.first), "the firm has unposted time"
    assert firm.standing(RULES) == set()
    assert firm.open_findings(RULES) == []
    # Posting exactly hours × cost rate introduces no variance (the firm injects its own).
    assert (
        firm.standing({"posting_amount_variance"})
        <= pushed.standing_before["posting_amount_variance"]
    )
    assert firm.deltas(FLOWS) == []
    assert firm.control("/truth/duplicates")["count"] == 0


def test_a_lost_reply_is_adopted_not_duplicated(pushed: Pushed) -> None:
    # Nothing was found before the first attempt; after it the record is found by its natural
    # key, and a resend adopts it rather than writing a second one.
    journals = [d for d in pushed.first if d.flow == "post_approved_time"]
    projects = [d for d in pushed.first if d.flow == "activate_project" and d.operation == "create"]
    assert journals
    for delta in [*journals[:3], *projects[:3]]:
        client = pushed.clients[delta.target_instance]
        handler = HANDLERS[(delta.flow, delta.target_system)]
        payload = validated(delta)
        assert pushed.found_before[delta.delta_id] is None, delta
        first = pushed.applied[delta.delta_id]
        assert first is not None
        assert handler.find_existing(client, delta, payload) == first
        assert handler.apply(client, delta, payload) == first
    assert pushed.firm.control("/truth/duplicates")["count"] == 0
