"""The worker flows on the lived firm (tests/push/conftest.py): the firm converges, a lost reply
is recovered by `find_existing`, resends are harmless, and a bad payload never passes.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from canonical_models.sync import PAYLOAD_MODELS
from canonical_models.sync.workers import ErpEmployeeUpsert, PsaUserCreate
from orchestration.push.flows import HANDLERS
from orchestration.push.types import PermanentFailure
from tests.push.conftest import Pushed, validated
from tests.support.deltas import delta as a_delta

WORKER_FLOWS = ("provision_worker", "update_worker", "offboard_worker")
WORKER_RULES = {
    "worker_not_provisioned",
    "worker_status_mismatch",
    "worker_attribute_mismatch",
    "booking_after_termination",
}


class NoNetwork:
    """A TargetClient that fails the test if a request is made."""

    instance = "netsuite_sandbox"

    def request(self, method: str, path: str, **_: Any) -> Any:
        raise AssertionError(f"no request was expected, got {method} {path}")


def test_worker_deltas_converge(pushed: Pushed) -> None:
    firm = pushed.firm
    assert any(d.flow in WORKER_FLOWS for d in pushed.first), "the firm has worker drift"
    left = firm.deltas(WORKER_FLOWS, rebuild=False)
    assert not left, [(d.flow, d.target_instance, d.entity_id, dict(d.payload)) for d in left]
    assert firm.standing(WORKER_RULES) == set()
    assert firm.open_findings(WORKER_RULES) == []
    assert firm.control("/truth/duplicates")["count"] == 0


def test_find_existing_adopts_what_a_create_made(pushed: Pushed) -> None:
    creates = [d for d in pushed.first if d.flow in WORKER_FLOWS and d.operation == "create"]
    assert {d.target_system for d in creates} >= {"harvest", "netsuite"}
    applied = pushed.applied()
    delivered = []
    with pushed.firm.clients() as clients:
        for delta in creates:
            handler = HANDLERS[(delta.flow, delta.target_system)]
            client = clients[delta.target_instance]
            payload = validated(delta)
            assert pushed.found_before[delta.delta_id] is None, delta
            found = handler.find_existing(client, delta, payload)
            assert found is not None, delta
            # Delivered by the engine to that record (or superseded after an unknown outcome).
            delivered.append(pushed.assert_adopted(delta, found, applied))
            # A resend without the engine's lookup still makes no duplicate.
            assert handler.apply(client, delta, payload) == found
    assert sum(delivered) > len(creates) // 2, "most creates are delivered, not superseded"
    assert pushed.firm.control("/truth/duplicates")["count"] == 0


def test_resent_updates_are_harmless(pushed: Pushed) -> None:
    with pushed.firm.clients() as clients:
        for delta in pushed.first:
            if delta.flow in WORKER_FLOWS and delta.operation != "create":
                HANDLERS[(delta.flow, delta.target_system)].apply(
                    clients[delta.target_instance], delta, validated(delta)
                )
    assert pushed.firm.control("/truth/duplicates")["count"] == 0
    assert pushed.firm.standing(WORKER_RULES) == set()


def test_an_invalid_payload_fails_validation_with_a_reason() -> None:
    with pytest.raises(ValidationError) as bad_user:
        PsaUserCreate.model_validate({"first_name": " ", "last_name": "Lee", "email": "not-mail"})
    reasons = str(bad_user.value)
    assert "first_name" in reasons and "email" in reasons
    with pytest.raises(ValidationError, match="subsidiary_id"):
        ErpEmployeeUpsert.model_validate(
            {"hcm_employee_id": "7", "first_name": "A", "last_name": "B", "email": None}
        )
    with pytest.raises(ValidationError, match="erp_external_id"):  # it goes into a URL path
        ErpEmployeeUpsert.model_validate(
            {
                "hcm_employee_id": "7",
                "erp_external_id": "globex/7",
                "first_name": "A",
                "last_name": "B",
                "email": None,
                "subsidiary_id": 1,
            }
        )
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        PAYLOAD_MODELS[("offboard_worker", "netsuite")].model_validate(
            {"termination_date": "2026-03-01", "isInactive": True}
        )


def test_an_update_without_a_target_record_is_refused_before_any_request() -> None:
    delta = a_delta("x", "update_worker", "netsuite", "worker", "7", "7", {}, operation="update")
    payload = PAYLOAD_MODELS[("update_worker", "netsuite")].model_validate(
        {
            "first_name": "A",
            "last_name": "B",
            "email": None,
            "subsidiary_id": 1,
            "department_id": None,
            "class_id": None,
            "supervisor_erp_external_id": None,
            "is_active": True,
        }
    )
    with pytest.raises(PermanentFailure, match="target record"):
        HANDLERS[("update_worker", "netsuite")].apply(NoNetwork(), delta, payload)
