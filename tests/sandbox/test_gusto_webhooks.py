"""Gusto webhooks end to end: subscribe, receive the verification token, verify, get signed events.

A small HTTP server started by the test (127.0.0.1, free port, stopped by the test) plays the
subscriber. Signatures are checked here with the standard library, independently of the sandbox:
`X-Gusto-Signature` must be the hex HMAC-SHA256 of the raw body keyed with the verification token.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from tests.support.gusto import open_session
from tests.support.receiver import Delivery, Receiver
from tests.support.sandbox_process import SandboxProcess

QUIET_SECONDS = 1.5  # several delivery polls (0.2 s each) with nothing arriving


def signature_ok(token: str, delivery: Delivery) -> bool:
    expected = hmac.new(token.encode(), delivery.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, delivery.headers.get("X-Gusto-Signature", ""))


def test_verified_subscription_gets_signed_events(
    fresh_sandbox: SandboxProcess, receiver: Receiver
) -> None:
    gusto = open_session(fresh_sandbox)
    try:
        created = gusto.system.post(
            "/v1/webhook_subscriptions",
            json={"url": receiver.url, "subscription_types": ["Employee"]},
        )
        assert created.status_code == 201
        subscription = created.json()
        assert subscription["status"] == "pending"

        verification = receiver.next()
        handshake = json.loads(verification.body)
        assert handshake["webhook_subscription_uuid"] == subscription["uuid"]
        token = handshake["verification_token"]

        employees = gusto.get(f"/v1/companies/{gusto.company_uuid}/employees", per=5).json()
        employee = next(e for e in employees if e["jobs"])
        renamed = gusto.client.put(
            f"/v1/employees/{employee['uuid']}",
            json={"version": employee["version"], "first_name": "Pending"},
        )
        assert renamed.status_code == 200
        assert receiver.nothing_within(QUIET_SECONDS), "a pending subscription got an event"

        wrong = gusto.system.put(
            f"/v1/webhook_subscriptions/{subscription['uuid']}/verify",
            json={"verification_token": token[::-1]},
        )
        assert wrong.status_code == 422
        assert (
            gusto.system.get(f"/v1/webhook_subscriptions/{subscription['uuid']}").json()["status"]
            == "pending"
        )
        verified = gusto.system.put(
            f"/v1/webhook_subscriptions/{subscription['uuid']}/verify",
            json={"verification_token": token},
        )
        assert verified.status_code == 200 and verified.json()["status"] == "verified"

        job = employee["jobs"][0]
        retitled = gusto.client.put(
            f"/v1/jobs/{job['uuid']}", json={"version": job["version"], "title": "Partner"}
        )
        assert retitled.status_code == 200
        assert receiver.nothing_within(QUIET_SECONDS), "an Employee subscription got a job event"

        updated = gusto.client.put(
            f"/v1/employees/{employee['uuid']}",
            json={"version": renamed.json()["version"], "first_name": "Verified"},
        )
        assert updated.status_code == 200
        delivery = receiver.next()
        event = json.loads(delivery.body)
        assert event["event_type"] == "employee.updated"
        assert event["entity_type"] == "Employee" and event["entity_uuid"] == employee["uuid"]
        assert event["resource_uuid"] == gusto.company_uuid
        feed = gusto.events(limit="100", sort_order="desc").json()
        assert feed[0] == event  # the delivery carries the feed's own event

        assert signature_ok(token, delivery)
        tampered = Delivery(
            delivery.headers, delivery.body.replace(b"Employee", b"Employer"), delivery.answered
        )
        assert tampered.body != delivery.body
        assert not signature_ok(token, tampered)
        assert not signature_ok(token[::-1], delivery)
    finally:
        gusto.close()
