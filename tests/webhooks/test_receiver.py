"""`crosswalk webhooks` against the sandbox: real signed deliveries, and the ones it must refuse.

A sandbox and a receiver process (`crosswalk webhooks --register`, on free loopback ports,
stopped by their pids) share one firm; registration subscribes the receiver to the sandbox's
BambooHR (private key from the API) and Gusto (handshake, then verify). Each refusal test asserts
what the inbox kept (nothing new) and what `webhook_refusal` recorded.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import pytest

from crosswalk_cli.chaos.measures import webhook_account
from crosswalk_cli.local_stack import start_receiver
from orchestration.webhooks.registration import Registration, register_all
from tests.support.crosswalk import run_env
from tests.support.gusto import open_session
from tests.support.sandbox_process import SandboxProcess, start_sandbox

BAMBOOHR_KEY = ("sandbox-key", "x")
ARRIVAL_SECONDS = 15.0


@dataclass
class Hooked:
    sandbox: SandboxProcess
    url: str
    ops_db: Path
    process: subprocess.Popen[bytes]
    env: dict[str, str]

    def inbox(self, where: str = "true") -> list[sqlite3.Row]:
        with sqlite3.connect(self.ops_db) as conn:
            conn.row_factory = sqlite3.Row
            return conn.execute(
                f"select * from webhook_inbox where {where} order by inbox_id"
            ).fetchall()

    def refusals(self) -> list[tuple[str, int, str]]:
        with sqlite3.connect(self.ops_db) as conn:
            return conn.execute(
                "select system, status, reason from webhook_refusal order by refusal_id"
            ).fetchall()

    def secrets(self, system: str) -> dict[str, str]:
        """Verified secrets by subscription."""
        with sqlite3.connect(self.ops_db) as conn:
            return dict(
                conn.execute(
                    "select subscription_id, secret from webhook_secret "
                    "where system = ? and status = 'verified'",
                    (system,),
                ).fetchall()
            )

    def secret(self, system: str) -> str:
        return min(self.secrets(system).items())[1]

    def wait_for(self, where: str) -> sqlite3.Row:
        deadline = time.monotonic() + ARRIVAL_SECONDS
        while time.monotonic() < deadline:
            if rows := self.inbox(where):
                return rows[-1]
            time.sleep(0.2)
        raise AssertionError(f"no inbox row where {where} within {ARRIVAL_SECONDS} s")


@pytest.fixture(scope="module")
def hooked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hooked]:
    workdir = tmp_path_factory.mktemp("webhooks")
    sandbox = start_sandbox(workdir / "sandbox", rate_limits=False)
    env = run_env(sandbox, workdir)
    try:
        receiver = start_receiver(workdir, env=env)
    except BaseException:
        sandbox.stop()
        raise
    try:
        # One BambooHR tenant; one Gusto subscription carries all three companies' events.
        assert receiver.ready_line == "receiver ready: 2 subscriptions"
        yield Hooked(sandbox, receiver.url, Path(env["CROSSWALK_OPS_DB"]), receiver.process, env)
    finally:
        receiver.stop()
        sandbox.stop()


def key_names(registrations: list[Registration]) -> set[str]:
    """The names the inbox keeps the registrations' keys under (BambooHR's: instance:id)."""
    return {
        f"{r.instance}:{r.subscription_id}" if r.system == "bamboohr" else r.subscription_id
        for r in registrations
    }


def bamboohr_headers(key: str, body: bytes, sent_at: float) -> dict[str, str]:
    stamp = str(int(sent_at))
    signature = hmac.new(key.encode(), body + stamp.encode(), hashlib.sha256).hexdigest()
    return {"X-BambooHR-Timestamp": stamp, "X-BambooHR-Signature": signature}


def post(hooked: Hooked, system: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(
        f"{hooked.url}/webhooks/{system}",
        content=body,
        headers={"Content-Type": "application/json", **headers},
        timeout=10,
    )


def test_a_hire_in_the_hcm_reaches_the_inbox_once(hooked: Hooked) -> None:
    created = httpx.post(
        hooked.sandbox.base("bamboohr") + "/employees",
        auth=BAMBOOHR_KEY,
        json={"firstName": "Ada", "lastName": "Inbox", "department": "Strategy"},
        timeout=30,
    )
    assert created.status_code == 201
    employee_id = created.headers["Location"].rsplit("/", 1)[1]
    row = hooked.wait_for(f"system = 'bamboohr' and subject_ids like '%\"{employee_id}\"%'")
    assert row["event_type"] == "employee.created"
    assert orjson.loads(row["subject_ids"]) == [employee_id]

    # The vendor's retry of that delivery (a new timestamp, the same body) adds nothing.
    body = row["body"].encode()
    again = post(
        hooked, "bamboohr", body, bamboohr_headers(hooked.secret("bamboohr"), body, time.time())
    )
    assert again.json() == {"status": "duplicate"}
    assert len(hooked.inbox(f"subject_ids like '%\"{employee_id}\"%'")) == 1


def test_a_payroll_change_reaches_the_inbox_from_a_verified_gusto_subscription(
    hooked: Hooked,
) -> None:
    gusto = open_session(hooked.sandbox)
    try:
        employee = gusto.get(f"/v1/companies/{gusto.company_uuid}/employees", per=1).json()[0]
        renamed = gusto.client.put(
            f"/v1/employees/{employee['uuid']}",
            json={"version": employee["version"], "first_name": "Hooked"},
        )
        assert renamed.status_code == 200
    finally:
        gusto.close()
    row = hooked.wait_for(f"system = 'gusto' and subject_ids = '[\"{employee['uuid']}\"]'")
    assert row["event_type"] == "employee.updated"
    assert row["delivery_key"] == f"gusto:{orjson.loads(row['body'])['uuid']}"


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("unsigned", "unsigned"),
        ("forged", "signature does not match"),
        ("stale", "stale"),
        ("tampered", "signature does not match"),
    ],
)
def test_unsigned_forged_stale_and_tampered_bamboohr_deliveries_are_refused(
    hooked: Hooked, case: str, reason: str
) -> None:
    body = orjson.dumps(
        {"employees": [{"id": "999", "action": "Created", "timestamp": f"{case}-2026"}]}
    )
    key = hooked.secret("bamboohr")
    headers = {
        "unsigned": {},
        "forged": bamboohr_headers("not-the-key", body, time.time()),
        "stale": bamboohr_headers(key, body, time.time() - 600),
        "tampered": bamboohr_headers(key, body.replace(b"999", b"998"), time.time()),
    }[case]
    inbox_before, refusals_before = len(hooked.inbox()), len(hooked.refusals())

    answer = post(hooked, "bamboohr", body, headers)

    assert answer.status_code == 401 and reason in answer.json()["error"]
    assert len(hooked.inbox()) == inbox_before  # nothing kept
    refusals = hooked.refusals()
    assert len(refusals) == refusals_before + 1
    assert refusals[-1][:2] == ("bamboohr", 401) and reason in refusals[-1][2]


def test_a_signed_bamboohr_delivery_out_of_order_is_kept_once_each(hooked: Hooked) -> None:
    key = hooked.secret("bamboohr")
    older, newer = (
        orjson.dumps({"employees": [{"id": "41", "action": "Updated", "timestamp": stamp}]})
        for stamp in ("2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z")
    )
    answers = [
        post(hooked, "bamboohr", body, bamboohr_headers(key, body, time.time()))
        for body in (newer, older, newer, older)
    ]
    assert [a.json()["status"] for a in answers] == [
        "accepted",
        "accepted",
        "duplicate",
        "duplicate",
    ]
    assert len(hooked.inbox("subject_ids = '[\"41\"]'")) == 2


def test_a_signed_body_that_is_not_the_vendors_shape_is_refused(hooked: Hooked) -> None:
    body = b'{"people": []}'
    inbox_before = len(hooked.inbox())
    answer = post(
        hooked, "bamboohr", body, bamboohr_headers(hooked.secret("bamboohr"), body, time.time())
    )
    assert answer.status_code == 400 and "employees" in answer.json()["error"]
    assert len(hooked.inbox()) == inbox_before
    assert hooked.refusals()[-1][:2] == ("bamboohr", 400)


def test_gusto_events_must_carry_a_verified_token_and_a_handshake_cannot_displace_one(
    hooked: Hooked,
) -> None:
    token = hooked.secret("gusto")
    event = orjson.dumps(
        {"uuid": "forged-event", "event_type": "employee.created", "entity_uuid": "e-1"}
    )
    inbox_before = len(hooked.inbox())
    unsigned = post(hooked, "gusto", event, {})
    forged = post(
        hooked,
        "gusto",
        event,
        {"X-Gusto-Signature": hmac.new(b"guess", event, hashlib.sha256).hexdigest()},
    )
    assert unsigned.status_code == 401 and forged.status_code == 401
    assert len(hooked.inbox()) == inbox_before

    # A handshake naming a verified subscription, with the attacker's token: kept nowhere.
    before = hooked.secrets("gusto")
    subscription = min(before)
    handshake = orjson.dumps(
        {"verification_token": "attacker", "webhook_subscription_uuid": subscription}
    )
    assert post(hooked, "gusto", handshake, {}).json() == {"status": "pending_verification"}
    assert hooked.secrets("gusto") == before and before[subscription] == token
    signed = post(
        hooked,
        "gusto",
        event,
        {"X-Gusto-Signature": hmac.new(b"attacker", event, hashlib.sha256).hexdigest()},
    )
    assert signed.status_code == 401


def test_a_body_over_one_mebibyte_is_refused_unread(hooked: Hooked) -> None:
    inbox_before = len(hooked.inbox())
    answer = post(hooked, "bamboohr", b"x" * (1024 * 1024 + 1), {})
    assert answer.status_code == 413
    assert len(hooked.inbox()) == inbox_before
    assert hooked.refusals()[-1][:2] == ("bamboohr", 413)


def test_registering_again_keeps_the_subscriptions_it_holds_the_keys_of(
    hooked: Hooked, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in hooked.env.items():
        monkeypatch.setenv(name, value)
    before = {**hooked.secrets("bamboohr"), **hooked.secrets("gusto")}

    again = register_all(hooked.url, hooked.ops_db)

    assert all(r.reused for r in again) and len(again) == 2
    assert key_names(again) == set(before)
    listed = httpx.get(
        hooked.sandbox.base("bamboohr") + "/webhooks",
        auth=BAMBOOHR_KEY,
        headers={"Accept": "application/json"},
        timeout=10,
    ).json()["webhooks"]
    assert [w["id"] for w in listed] == [r.subscription_id for r in again if r.system == "bamboohr"]


def test_registering_rides_out_a_vendor_that_fails_for_a_while(
    hooked: Hooked, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in hooked.env.items():
        monkeypatch.setenv(name, value)
    faults = hooked.sandbox.base("control") + "/faults"
    before = {**hooked.secrets("bamboohr"), **hooked.secrets("gusto")}
    outage = {"profile": "none", "overrides": {"fail_all": ["bamboohr", "gusto"]}}
    httpx.post(faults, json=outage, timeout=10).raise_for_status()
    recovery = threading.Timer(
        2.0, lambda: httpx.post(faults, json={"profile": "none"}, timeout=10)
    )
    recovery.start()
    try:
        again = register_all(hooked.url, hooked.ops_db)
    finally:
        recovery.join()
        httpx.post(faults, json={"profile": "none"}, timeout=10)

    injected = httpx.get(faults, timeout=10).json()["injected"]
    assert injected["bamboohr"]["error"] >= 1  # it did meet the outage, and tried again
    # Kept: the same two subscriptions; nothing created twice during the outage.
    assert key_names(again) == set(before) and all(r.reused for r in again)


def test_the_chaos_report_names_a_delivery_the_inbox_does_not_hold(
    hooked: Hooked, tmp_path: Path
) -> None:
    # `crosswalk chaos` counts a delivery the vendor made and the inbox lacks as a lost change
    # (crosswalk_cli/chaos/measures.py); here one is taken out of a copy of the inbox.
    created = httpx.post(
        hooked.sandbox.base("bamboohr") + "/employees",
        auth=BAMBOOHR_KEY,
        json={"firstName": "Ada", "lastName": "Lost", "department": "Strategy"},
        timeout=30,
    )
    employee_id = created.raise_for_status().headers["Location"].rsplit("/", 1)[1]
    row = hooked.wait_for(f"system = 'bamboohr' and subject_ids like '%\"{employee_id}\"%'")
    deadline = time.monotonic() + ARRIVAL_SECONDS
    while (account := webhook_account(hooked.sandbox.url, hooked.ops_db)).still_pending:
        assert time.monotonic() < deadline, account  # the vendor has its acknowledgement
        time.sleep(0.2)
    assert account.lost == [] and account.delivered > 0
    copy = tmp_path / "ops.sqlite"
    with sqlite3.connect(hooked.ops_db) as live, sqlite3.connect(copy) as kept:
        live.backup(kept)
    with closing(sqlite3.connect(copy)) as conn, conn:
        conn.execute("delete from webhook_inbox where delivery_key = ?", (row["delivery_key"],))

    planted = webhook_account(hooked.sandbox.url, copy)

    assert planted.lost == [row["delivery_key"]]
    assert (planted.delivered, planted.accepted) == (account.delivered, account.accepted - 1)


def test_a_second_bamboohr_company_keeps_its_own_webhook_key(
    hooked: Hooked, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Last in this module: it leaves a second instance's key in the inbox. A second BambooHR
    # company numbers its webhooks from 1 too, as acme's did.
    globex = start_sandbox(tmp_path / "globex", rate_limits=False)
    try:
        for name, value in hooked.env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("SOURCES__BAMBOOHR__INSTANCES", '["acme", "globex"]')
        monkeypatch.setenv("SOURCES__BAMBOOHR__GLOBEX__BASE_URL", globex.base("bamboohr"))
        monkeypatch.setenv("SOURCES__BAMBOOHR__GLOBEX__API_KEY", "sandbox-key")
        acme_key = hooked.secrets("bamboohr")

        registered = register_all(hooked.url, hooked.ops_db)

        bamboohr = {r.instance: r for r in registered if r.system == "bamboohr"}
        assert bamboohr["acme"].reused and not bamboohr["globex"].reused
        assert bamboohr["globex"].subscription_id == bamboohr["acme"].subscription_id
        keys = hooked.secrets("bamboohr")
        assert set(keys) == key_names(list(bamboohr.values()))
        assert {k: keys[k] for k in acme_key} == acme_key  # acme's key kept, not replaced

        # Both companies' deliveries are accepted, each signed with its own key.
        for name in ("acme", "globex"):
            body = orjson.dumps({"employees": [{"id": f"{name}-1", "action": "Updated"}]})
            key = keys[f"{name}:{bamboohr[name].subscription_id}"]
            answer = post(hooked, "bamboohr", body, bamboohr_headers(key, body, time.time()))
            assert answer.status_code == 200, (name, answer.text)

        # Registering again keeps both.
        again = register_all(hooked.url, hooked.ops_db)
        assert all(r.reused for r in again) and key_names(again) == set(keys) | set(
            hooked.secrets("gusto")
        )
    finally:
        globex.stop()
