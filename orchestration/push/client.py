"""HTTP clients of the target tenants: base URL and auth applied, each request paced and guarded.

One `HttpTargetClient` per target tenant (keyed by its source_relation, e.g. `harvest_acme`),
built from the same dlt config and secrets as the sources, so a tenant configured to be read is
configured to be written. A request goes through the tenant's circuit, then its pacer, then the
wire; an answer of 408, 429 or 5xx, one the tenant's `throttled` check reads as a throttle
(NetSuite names its rate limit by error code, whatever the status), a timeout or a broken
connection (a lost reply) raises TransientFailure with the vendor's Retry-After; any other answer
is the handler's to read.
A request that failed so is sent again here (`request_attempts` in all, each through circuit and
pacer) when sending it twice is harmless: the vendor said it did nothing (429, 503, a throttle),
or the method means the same sent twice (GET, PUT, DELETE; a handler vouches for others with
`idempotent=True`). Otherwise, and after the last try, the failure is the engine's, which
retries the whole delta (a create that may have landed is looked up before it is made again).
Errors name the method and path, never a header or a query string.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pybreaker
import requests
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256
from requests_oauthlib import OAuth1
from tenacity import Retrying, retry_if_exception, stop_after_attempt

from dlt_sources.common.config import Instance, MissingSetting, load_instances
from dlt_sources.gusto import settings as gusto_settings
from dlt_sources.gusto.helpers import GustoApiError, GustoAuthError, GustoClient
from dlt_sources.harvest import SECRET_KEYS as HARVEST_SECRET_KEYS
from dlt_sources.harvest.settings import USER_AGENT
from dlt_sources.netsuite.helpers import SigningAdapter, throttle_codes, throttled_by
from dlt_sources.netsuite.settings import SECRET_KEYS as NETSUITE_SECRET_KEYS
from orchestration.push.circuit import circuit_for
from orchestration.push.pacing import Pacer, pacer_for
from orchestration.push.retry import wait_retry_after_or_backoff
from orchestration.push.settings import PushSettings
from orchestration.push.store import ops_store_path
from orchestration.push.types import TRANSIENT_STATUSES, PermanentFailure, TransientFailure

TARGET_SYSTEMS = ("harvest", "netsuite", "gusto")
# Methods whose request means the same when sent twice (RFC 9110 §9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Answers by which the vendor says it did nothing: sending again is harmless whatever the method.
NOT_DONE_STATUSES = frozenset({429, 503})


def retry_after_seconds(response: requests.Response) -> float | None:
    """The vendor's Retry-After (seconds or an HTTP date), or None."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


class HttpTargetClient:
    """A TargetClient over requests (see orchestration/push/types.py)."""

    def __init__(
        self,
        instance: str,
        base_url: str,
        *,
        session: requests.Session,
        headers: Mapping[str, str],
        breaker: pybreaker.CircuitBreaker,
        pacer: Pacer | None,
        settings: PushSettings,
        gusto: GustoClient | None = None,
        throttled: Callable[[requests.Response], bool] | None = None,
    ) -> None:
        self.instance = instance
        self.base_url = base_url.rstrip("/")
        self.breaker = breaker
        self.forecast: HttpTargetClient | None = None
        self.requests_sent = 0
        self.last_status: int | None = None
        self._session = session
        self._headers = dict(headers)
        self._pacer = pacer
        self._settings = settings
        self._timeout = settings.request_timeout_seconds
        self._gusto = gusto
        self._throttled = throttled
        # Built once: tenacity keeps each call's state per thread, so both are reusable.
        self._retry_transient = self._retrying(lambda error: isinstance(error, TransientFailure))
        self._retry_not_done = self._retrying(
            lambda error: (
                isinstance(error, TransientFailure)
                and (error.throttled or error.status in NOT_DONE_STATUSES)
            )
        )

    def accepting(self) -> bool:
        """False while the circuit is open and its cool-down runs: nothing would be sent."""
        if self.breaker.current_state != pybreaker.STATE_OPEN:
            return True
        opened_at = self.breaker._state_storage.opened_at  # pybreaker exposes no getter
        cool_down = timedelta(seconds=self.breaker.reset_timeout)
        return opened_at is None or datetime.now(UTC) >= opened_at + cool_down

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> requests.Response:
        """One request, sent again on a transient failure when that is harmless (module doc).

        `idempotent`: the handler's word that this request means the same sent twice (a POST
        the vendor refuses as a duplicate, say); None goes by the method.
        """
        repeatable = method.upper() in IDEMPOTENT_METHODS if idempotent is None else idempotent
        retrying = self._retry_transient if repeatable else self._retry_not_done
        return retrying(self.breaker.call, self._send, method, path, json, params, headers or {})

    def _retrying(self, harmless_again: Callable[[BaseException], bool]) -> Retrying:
        """Tries of one request while `harmless_again` says a failure may be sent again."""
        return Retrying(
            retry=retry_if_exception(harmless_again),
            stop=stop_after_attempt(self._settings.request_attempts),
            wait=wait_retry_after_or_backoff(self._settings),
            reraise=True,
        )

    def _send(
        self,
        method: str,
        path: str,
        json: Any,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str],
    ) -> requests.Response:
        response = self._wire(method, path, json, params, headers)
        if response.status_code == 401 and self._gusto is not None:
            self._gusto.forget_token()  # expired or revoked mid-run: one refresh, then it stands
            response = self._wire(method, path, json, params, headers)
        status = response.status_code
        throttled = status == 429 or (self._throttled is not None and self._throttled(response))
        if throttled or status in TRANSIENT_STATUSES or status >= 500:
            raise TransientFailure(
                f"{method} {path}: HTTP {status}" + (" (throttled)" if throttled else ""),
                status=status,
                retry_after=retry_after_seconds(response),
                throttled=throttled,
            )
        return response

    def _wire(
        self,
        method: str,
        path: str,
        json: Any,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str],
    ) -> requests.Response:
        if self._pacer is not None:
            self._pacer.acquire()
        self.requests_sent += 1
        try:
            auth = self._gusto_auth()
            response = self._session.request(
                method,
                self.base_url + path,
                json=json,
                params=params,
                headers={**self._headers, **auth, **headers},
                timeout=self._timeout,
            )
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ) as error:
            # Includes a reply cut off mid-answer: the write may have happened (outcome unknown).
            self.last_status = None
            raise TransientFailure(
                f"{method} {path}: no complete reply ({type(error).__name__})"
            ) from None
        self.last_status = response.status_code
        return response

    def _gusto_auth(self) -> dict[str, str]:
        """Gusto's bearer header, refreshing the token when due; a refusal means what it says."""
        if self._gusto is None:
            return {}
        try:
            return self._gusto.auth_headers()
        except GustoApiError as error:  # the token endpoint failed: worth another try or not
            if error.status in TRANSIENT_STATUSES or error.status >= 500:
                raise TransientFailure(str(error), status=error.status) from None
            raise PermanentFailure(str(error), status=error.status) from None
        except GustoAuthError as error:
            raise PermanentFailure(str(error), status=401) from None

    def close(self) -> None:
        self._session.close()
        if self._pacer is not None:
            self._pacer.close()


def _harvest(instance: Instance, settings: PushSettings, store: Path) -> HttpTargetClient:
    account_id = str(instance.settings.get("account_id") or "")
    if not account_id:
        raise MissingSetting(
            f"harvest/{instance.name}: setting sources.harvest.{instance.name}.account_id "
            "is not set"
        )
    token = instance.secrets["access_token"]
    agent = str(instance.settings.get("user_agent") or USER_AGENT)
    relation = instance.source_relation
    breaker = _breaker(relation, settings, store)
    pacer = pacer_for("harvest", relation)
    client = HttpTargetClient(
        relation,
        instance.base_url,
        session=requests.Session(),
        headers={
            "Authorization": f"Bearer {token}",
            "Harvest-Account-Id": account_id,
            "User-Agent": agent,
            "Accept": "application/json",
        },
        breaker=breaker,
        pacer=pacer,
        settings=settings,
    )
    forecast = instance.settings.get("forecast_base_url")
    if forecast:
        # Bookings live in Forecast: same token, tenant, circuit and budget.
        client.forecast = HttpTargetClient(
            relation,
            str(forecast),
            session=requests.Session(),
            headers={
                "Authorization": f"Bearer {token}",
                "Forecast-Account-ID": account_id,
                "User-Agent": agent,
                "Accept": "application/json",
            },
            breaker=breaker,
            pacer=pacer,
            settings=settings,
        )
    return client


def _netsuite(instance: Instance, settings: PushSettings, store: Path) -> HttpTargetClient:
    account = str(instance.settings.get("account") or "")
    if not account:
        raise MissingSetting(
            f"netsuite/{instance.name}: setting sources.netsuite.{instance.name}.account "
            "(the TBA realm) is not set"
        )
    auth = OAuth1(
        client_key=instance.secrets["consumer_key"],
        client_secret=instance.secrets["consumer_secret"],
        resource_owner_key=instance.secrets["token_id"],
        resource_owner_secret=instance.secrets["token_secret"],
        signature_method=SIGNATURE_HMAC_SHA256,
        realm=account,
    )
    session = requests.Session()
    # Signed per attempt (fresh nonce and timestamp), as NetSuite's TBA requires.
    session.mount(instance.base_url.split("://", 1)[0] + "://", SigningAdapter(auth))
    throttled = throttled_by(throttle_codes(instance))  # the source's own reading of a throttle
    return HttpTargetClient(
        instance.source_relation,
        instance.base_url,
        session=session,
        headers={"Accept": "application/json"},
        breaker=_breaker(instance.source_relation, settings, store),
        pacer=pacer_for("netsuite", instance.source_relation),
        settings=settings,
        throttled=lambda response: throttled(response, None),
    )


def _gusto(instance: Instance, settings: PushSettings, store: Path) -> HttpTargetClient:
    session = requests.Session()
    return HttpTargetClient(
        instance.source_relation,
        instance.base_url,
        session=session,
        headers={gusto_settings.VERSION_HEADER: gusto_settings.API_VERSION},
        breaker=_breaker(instance.source_relation, settings, store),
        pacer=pacer_for("gusto", instance.source_relation),
        settings=settings,
        gusto=GustoClient(instance, session=session),
    )


def _breaker(relation: str, settings: PushSettings, store: Path) -> pybreaker.CircuitBreaker:
    return circuit_for(
        relation,
        store,
        fail_max=settings.circuit_fail_max,
        reset_seconds=settings.circuit_reset_seconds,
    )


_BUILDERS = {"harvest": _harvest, "netsuite": _netsuite, "gusto": _gusto}
_SECRET_KEYS = {
    "harvest": HARVEST_SECRET_KEYS,
    "netsuite": NETSUITE_SECRET_KEYS,
    "gusto": gusto_settings.SECRET_KEYS,
}


def target_clients(
    systems: tuple[str, ...] = TARGET_SYSTEMS,
    settings: PushSettings | None = None,
    store: Path | None = None,
) -> dict[str, HttpTargetClient]:
    """A client per configured target tenant, keyed by its source_relation."""
    settings = settings or PushSettings.from_env()
    store = store or ops_store_path()
    store.parent.mkdir(parents=True, exist_ok=True)
    clients = {}
    for system in systems:
        for instance in load_instances(system, _SECRET_KEYS[system]):
            clients[instance.source_relation] = _BUILDERS[system](instance, settings, store)
    return clients


def close_clients(clients: dict[str, HttpTargetClient]) -> None:
    for client in clients.values():
        client.close()
        if client.forecast is not None:
            client.forecast.close()
