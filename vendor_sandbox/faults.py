"""Injected faults: 5xx, throttling, slow answers, timeouts, lost replies, webhook disorder.

A lost reply applies the write and then drops the connection before the answer is complete, the
case that makes a client unable to tell whether its create happened. A timeout holds the request
longer than a client waits (`timeout_seconds`, set above the client's timeout) and then serves it:
a write the client gave up on has still happened. Webhook faults act in the deliverer
(vendor_sandbox/webhooks.py): a delivery sent twice, as a vendor does when it missed the
acknowledgement, and a delivery held back so later ones overtake it.
"""

from __future__ import annotations

import asyncio
import fnmatch
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel, Field
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vendor_sandbox.bamboohr import errors as bamboohr_errors
from vendor_sandbox.gusto import errors as gusto_errors
from vendor_sandbox.harvest import errors as harvest_errors
from vendor_sandbox.netsuite import errors as netsuite_errors

SYSTEMS = ("bamboohr", "netsuite", "harvest", "gusto")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class FaultProfile(BaseModel):
    """Probabilities per request, and requests that always fail (the vendor's 5xx).

    `fail_all` names systems whose every request fails; `fail_paths` shell patterns (`fnmatch`)
    on the request path. `fail_next` and `throttle_next` fail only the next N requests matching
    `"<METHOD> <path pattern>"` (a 5xx, or a throttle with Retry-After), then let them through:
    a vendor's passing bad minute, deterministically. `lose_next` does the same with lost
    replies (the write applied, the answer dropped); it applies to write methods only.
    `netsuite_throttle_status`: the status of NetSuite's throttle answers, injected ones and its
    concurrency limit's (the error code stays CONCURRENCY_LIMIT_EXCEEDED); CONVENTIONS.md marks
    429 unverified, so clients must not rest on it.
    """

    name: str = "custom"
    error_rate: float = Field(default=0.0, ge=0, le=1)
    throttle_rate: float = Field(default=0.0, ge=0, le=1)
    slow_rate: float = Field(default=0.0, ge=0, le=1)
    slow_seconds: float = Field(default=1.5, ge=0, le=30)
    lost_reply_rate: float = Field(default=0.0, ge=0, le=1)
    timeout_rate: float = Field(default=0.0, ge=0, le=1)
    timeout_seconds: float = Field(default=10.0, ge=0, le=120)
    webhook_duplicate_rate: float = Field(default=0.0, ge=0, le=1)
    webhook_reorder_rate: float = Field(default=0.0, ge=0, le=1)
    webhook_reorder_seconds: float = Field(default=2.0, ge=0, le=60)
    retry_after_seconds: int = Field(default=1, ge=0, le=120)
    netsuite_throttle_status: int = Field(default=429, ge=400, le=599)
    systems: list[str] = Field(default_factory=lambda: list(SYSTEMS))
    fail_all: list[str] = Field(default_factory=list)
    fail_paths: list[str] = Field(default_factory=list)
    fail_next: dict[str, int] = Field(default_factory=dict)
    throttle_next: dict[str, int] = Field(default_factory=dict)
    lose_next: dict[str, int] = Field(default_factory=dict)


PROFILES: dict[str, FaultProfile] = {
    "none": FaultProfile(name="none"),
    "default": FaultProfile(
        name="default", error_rate=0.10, throttle_rate=0.05, slow_rate=0.02, lost_reply_rate=0.02
    ),
    "heavy": FaultProfile(
        name="heavy", error_rate=0.25, throttle_rate=0.10, slow_rate=0.05, lost_reply_rate=0.10
    ),
    # The reliability scenario of `crosswalk chaos` (issue 6): 10% 5xx, 5% throttling, 2%
    # timeouts, lost replies, and duplicate and out-of-order webhooks.
    "chaos": FaultProfile(
        name="chaos",
        error_rate=0.10,
        throttle_rate=0.05,
        timeout_rate=0.02,
        lost_reply_rate=0.02,
        webhook_duplicate_rate=0.10,
        webhook_reorder_rate=0.10,
    ),
}


def _netsuite_throttled(retry_after: int, profile: FaultProfile) -> Response:
    return netsuite_errors.throttled(retry_after, status=profile.netsuite_throttle_status)


# Each system's 5xx, and its throttle (Retry-After seconds, the active profile).
_RENDER: dict[str, tuple[Callable[[], Response], Callable[[int, FaultProfile], Response]]] = {
    "bamboohr": (bamboohr_errors.server_error, lambda after, _: bamboohr_errors.throttled(after)),
    "netsuite": (netsuite_errors.server_error, _netsuite_throttled),
    "harvest": (harvest_errors.server_error, lambda after, _: harvest_errors.throttled(after)),
    "gusto": (gusto_errors.server_error, lambda after, _: gusto_errors.throttled(after)),
}


def system_of_path(path: str) -> str | None:
    """Which emulated system a request path belongs to (the Forecast API is the PSA's)."""
    head = path.lstrip("/").split("/", 1)[0]
    if head == "forecast":
        return "harvest"
    return head if head in SYSTEMS else None


@dataclass
class FaultCounters:
    """How many faults of each kind were injected, per system (shown by /_sandbox/faults)."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, system: str, kind: str) -> None:
        per = self.counts.setdefault(system, {})
        per[kind] = per.get(kind, 0) + 1


class FaultInjector:
    """Holds the active profile and decides, per request, which fault (if any) to inject."""

    def __init__(self, profile: FaultProfile, seed: int = 0) -> None:
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.counters = FaultCounters()
        self.set_profile(profile)

    def set_profile(self, profile: FaultProfile) -> None:
        with self._lock:
            self.profile = profile
            # (fault, method, path pattern) -> how many more matching requests get it
            self._next: dict[tuple[str, str, str], int] = {}
            plans = (
                ("error", profile.fail_next),
                ("throttle", profile.throttle_next),
                ("lost_reply", profile.lose_next),
            )
            for fault, planned in plans:
                for key, times in planned.items():
                    method, _, pattern = key.partition(" ")
                    if fault == "lost_reply" and method.upper() not in WRITE_METHODS:
                        continue  # only a write has a reply worth losing
                    self._next[(fault, method.upper(), pattern)] = times

    def _next_planned(self, method: str, path: str) -> str | None:
        """The fault planned for this request (`fail_next`, `throttle_next`, `lose_next`)."""
        for (fault, planned_method, pattern), left in self._next.items():
            if left > 0 and method == planned_method and fnmatch.fnmatchcase(path, pattern):
                self._next[(fault, planned_method, pattern)] = left - 1
                return fault
        return None

    def decide(self, system: str, method: str, path: str = "") -> str | None:
        """One of 'error', 'throttle', 'slow', 'timeout', 'lost_reply' or None."""
        with self._lock:
            profile = self.profile
            planned = self._next_planned(method, path)
            if planned is not None:
                return planned
            if system in profile.fail_all:
                return "error"
            if any(fnmatch.fnmatchcase(path, pattern) for pattern in profile.fail_paths):
                return "error"
            if system not in profile.systems:
                return None
            roll = self._rng.random()
        if roll < profile.error_rate:
            return "error"
        roll -= profile.error_rate
        if roll < profile.throttle_rate:
            return "throttle"
        roll -= profile.throttle_rate
        if roll < profile.slow_rate:
            return "slow"
        roll -= profile.slow_rate
        if roll < profile.timeout_rate:
            return "timeout"
        roll -= profile.timeout_rate
        if method in WRITE_METHODS and roll < profile.lost_reply_rate:
            return "lost_reply"
        return None

    def webhook_fault(self, system: str) -> str | None:
        """For one webhook delivery: 'duplicate', 'reorder' or None."""
        with self._lock:
            profile = self.profile
            if system not in profile.systems:
                return None
            roll = self._rng.random()
        if roll < profile.webhook_duplicate_rate:
            return "duplicate"
        if roll < profile.webhook_duplicate_rate + profile.webhook_reorder_rate:
            return "reorder"
        return None


class LostReply(Exception):
    """Raised after a write was applied, so the server drops the connection mid-answer."""


class FaultMiddleware:
    """ASGI middleware applying the injector's decisions to vendor requests."""

    def __init__(self, app: ASGIApp, injector: FaultInjector) -> None:
        self.app = app
        self.injector = injector

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        system = system_of_path(scope["path"])
        if system is None:
            await self.app(scope, receive, send)
            return
        fault = self.injector.decide(system, scope["method"], scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
            return
        self.injector.counters.add(system, fault)
        server_error, throttled = _RENDER[system]
        profile = self.injector.profile
        if fault == "error":
            await server_error()(scope, receive, send)
        elif fault == "throttle":
            await throttled(profile.retry_after_seconds, profile)(scope, receive, send)
        elif fault == "slow":
            await asyncio.sleep(profile.slow_seconds)
            await self.app(scope, receive, send)
        elif fault == "timeout":
            await self._answer_late(scope, receive, send)
        else:
            await self._lose_reply(scope, receive, send)

    async def _answer_late(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Do the work now and answer only after the client has given up: the write happened.
        answer: list[Message] = []

        async def hold(message: Message) -> None:
            answer.append(message)

        await self.app(scope, receive, hold)
        await asyncio.sleep(self.injector.profile.timeout_seconds)
        for message in answer:
            await send(message)

    async def _lose_reply(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Let the write happen, start the answer, then fail: uvicorn closes the connection because
        # the response started but never finished, so the client sees no complete reply.
        started: list[Message] = []

        async def swallow(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.append(message)

        await self.app(scope, receive, swallow)
        if started:
            await send(started[0])
        raise LostReply(f"lost reply injected for {scope['method']} {scope['path']}")
