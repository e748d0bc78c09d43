"""Subscribe the receiver to every configured BambooHR and Gusto instance.

- BambooHR: `POST /webhooks` (the sources' API key) watching the fields the worker flows read;
  the answer carries the webhook's private key, kept in the ops store as verified.
- Gusto: `POST /v1/webhook_subscriptions` for Employee and job/compensation events (one
  subscription for the application: it carries every company's events); Gusto posts
  the verification token to the receiver (kept there as pending), and `PUT .../verify` with that
  token, made here with the company's OAuth token, confirms it: only then does the receiver
  trust it. The receiver must be listening before Gusto is registered.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from dlt_sources.bamboohr import settings as bamboohr_settings
from dlt_sources.common.config import Instance, load_instances
from dlt_sources.gusto import settings as gusto_settings
from dlt_sources.gusto.helpers import GustoClient
from orchestration.webhooks.inbox import WebhookInbox

# What the worker flows read (docs/write-back.md): a change to any of them may need a push.
BAMBOOHR_MONITOR_FIELDS = (
    "firstName",
    "lastName",
    "workEmail",
    "jobTitle",
    "department",
    "division",
    "location",
    "supervisorEId",
    "hireDate",
    "terminationDate",
    "status",
    "customLegalEntity",
    "customCostCenter",
    "customLaborCategory",
    "customBillable",
)
GUSTO_SUBSCRIPTION_TYPES = ("Employee", "EmployeeJobCompensation")
HANDSHAKE_WAIT_SECONDS = 30.0
TIMEOUT_SECONDS = 30.0
REGISTRATION_ATTEMPTS = 6


class RegistrationError(RuntimeError):
    """A vendor refused the subscription, or its handshake never reached the receiver."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def transient(self) -> bool:
        """A vendor's bad minute (429, 5xx), worth another try; not a refusal."""
        return self.status is not None and (self.status == 429 or self.status >= 500)


def _worth_retrying(exc: BaseException) -> bool:
    return isinstance(exc, requests.RequestException) or (
        isinstance(exc, RegistrationError) and exc.transient
    )


@dataclass(frozen=True)
class Registration:
    system: str
    instance: str
    subscription_id: str
    url: str
    reused: bool = False


def _reusable(
    existing: list[tuple[str, str]], url: str, known: set[str]
) -> tuple[str | None, list[str]]:
    """Of the vendor's (id, url) subscriptions: one to `url` we hold the key of, and stale ones.

    A subscription to our URL whose key we do not hold (an earlier ops store, a lost handshake)
    can only produce refused deliveries: it is deleted.
    """
    ours = [sid for sid, target in existing if target == url]
    keep = next((sid for sid in ours if sid in known), None)
    return keep, [sid for sid in ours if sid != keep]


def bamboohr_key_name(instance: Instance, webhook_id: str) -> str:
    """The name a BambooHR webhook's key is kept under in the inbox: instance and webhook id.

    BambooHR numbers each company's webhooks from 1, so two instances' webhooks share ids; kept
    by the bare id, one instance's key replaced the other's, whose deliveries were then refused
    (401) for good.
    """
    return f"{instance.name}:{webhook_id}"


def register_bamboohr(instance: Instance, url: str, inbox: WebhookInbox) -> Registration:
    def call(method: str, path: str, **kwargs: object) -> requests.Response:
        return requests.request(
            method,
            f"{instance.base_url}{path}",
            auth=(instance.secrets["api_key"], "x"),
            headers={"Accept": "application/json"},
            timeout=TIMEOUT_SECONDS,
            **kwargs,
        )

    listed = call("GET", "/webhooks")
    if listed.status_code != 200:
        raise RegistrationError(
            f"bamboohr {instance.name}: {listed.status_code} {listed.text}",
            status=listed.status_code,
        )
    existing = [(str(w["id"]), w["url"]) for w in listed.json()["webhooks"]]
    held = set(inbox.verified_subscriptions("bamboohr"))
    known = {sid for sid, _ in existing if bamboohr_key_name(instance, sid) in held}
    keep, stale = _reusable(existing, url, known)
    for webhook_id in stale:
        call("DELETE", f"/webhooks/{webhook_id}")
    if keep is not None:
        return Registration("bamboohr", instance.name, keep, url, reused=True)
    response = call(
        "POST",
        "/webhooks",
        json={
            "name": f"crosswalk-{uuid.uuid4().hex[:8]}",
            "url": url,
            "format": "json",
            "monitorFields": list(BAMBOOHR_MONITOR_FIELDS),
            "postFields": {field: field for field in BAMBOOHR_MONITOR_FIELDS},
        },
    )
    if response.status_code != 201:
        raise RegistrationError(
            f"bamboohr {instance.name}: {response.status_code} {response.text}",
            status=response.status_code,
        )
    webhook = response.json()
    key_name = bamboohr_key_name(instance, str(webhook["id"]))
    inbox.add_verified_secret("bamboohr", key_name, webhook["privateKey"])
    return Registration("bamboohr", instance.name, str(webhook["id"]), url)


def register_gusto(
    instance: Instance,
    url: str,
    inbox: WebhookInbox,
    wait_seconds: float = HANDSHAKE_WAIT_SECONDS,
) -> Registration:
    """Gusto's subscriptions belong to the application and carry every company's events."""
    session = requests.Session()
    gusto = GustoClient(instance, session=session)

    def call(method: str, path: str, body: dict[str, object] | None = None) -> requests.Response:
        headers = {
            # Subscriptions are the application's: Gusto takes only its system token here.
            **gusto.auth_headers(system=True),
            gusto_settings.VERSION_HEADER: gusto_settings.API_VERSION,
        }
        return session.request(
            method, instance.base_url + path, json=body, headers=headers, timeout=TIMEOUT_SECONDS
        )

    listed = call("GET", "/v1/webhook_subscriptions")
    if listed.status_code != 200:
        raise RegistrationError(
            f"gusto {instance.name}: {listed.status_code} {listed.text}",
            status=listed.status_code,
        )
    existing = [(s["uuid"], s["url"]) for s in listed.json()]
    keep, stale = _reusable(existing, url, set(inbox.verified_subscriptions("gusto")))
    for subscription in stale:
        call("DELETE", f"/v1/webhook_subscriptions/{subscription}")
    if keep is not None:
        return Registration("gusto", instance.name, keep, url, reused=True)

    created = call(
        "POST",
        "/v1/webhook_subscriptions",
        {"url": url, "subscription_types": list(GUSTO_SUBSCRIPTION_TYPES)},
    )
    if created.status_code != 201:
        raise RegistrationError(
            f"gusto {instance.name}: {created.status_code} {created.text}",
            status=created.status_code,
        )
    subscription = created.json()["uuid"]
    deadline = time.monotonic() + wait_seconds
    while (token := inbox.pending_secret("gusto", subscription)) is None:
        if time.monotonic() > deadline:
            raise RegistrationError(
                f"gusto {instance.name}: no handshake for subscription {subscription} reached "
                f"{url} within {wait_seconds:.0f} s (is `crosswalk webhooks` listening there?)"
            )
        time.sleep(0.2)
    verified = call(
        "PUT", f"/v1/webhook_subscriptions/{subscription}/verify", {"verification_token": token}
    )
    if verified.status_code != 200:
        raise RegistrationError(
            f"gusto {instance.name}: verify answered {verified.status_code}",
            status=verified.status_code,
        )
    inbox.mark_verified("gusto", subscription)
    return Registration("gusto", instance.name, subscription, url)


@retry(
    retry=retry_if_exception(_worth_retrying),
    stop=stop_after_attempt(REGISTRATION_ATTEMPTS),
    wait=wait_exponential(multiplier=0.5, max=10),
    reraise=True,
)
def register_all(receiver_url: str, ops_db: Path | None = None) -> list[Registration]:
    """Subscribe `receiver_url` (e.g. http://127.0.0.1:8710) to BambooHR and Gusto.

    Once per BambooHR instance, and once for Gusto (with the first company's credentials: its
    subscriptions belong to the application). Run again, it keeps the subscriptions it holds the
    keys of and replaces the others, which is why a vendor's 429 or 5xx or a broken connection
    is met by running the whole registration again.
    """
    base = receiver_url.rstrip("/")
    done = []
    with WebhookInbox.open(ops_db) as inbox:
        for instance in load_instances("bamboohr", bamboohr_settings.SECRET_KEYS):
            done.append(register_bamboohr(instance, f"{base}/webhooks/bamboohr", inbox))
        companies = load_instances("gusto", gusto_settings.SECRET_KEYS)
        if companies:
            done.append(register_gusto(companies[0], f"{base}/webhooks/gusto", inbox))
    return done
