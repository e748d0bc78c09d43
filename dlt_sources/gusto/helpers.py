"""Gusto client (OAuth refresh, page/per paging, the events feed) and the per-run change sets.

Vendor quirks handled here:
- Auth is OAuth 2: a company's refresh token is exchanged at `POST /oauth/token` for a two-hour
  access token and a new refresh token (the old one retires: `token_store`); `GET
  /v1/token_info` names the company the token belongs to. A 401 mid-run (expiry) refreshes once
  and retries.
- Lists answer a bare JSON array; the page's place travels in `X-Total-Pages` headers.
- The change feed (`/v1/events`) takes the application's system token (`grant_type=
  system_access`) and serves every company's events unless `resource_uuid` names one; it pages
  by cursor (`starting_after_uuid`) and answers `X-Has-Next-Page` (the sandbox does; the spec
  does not say, so a full page also means more); an unknown (or expired)
  cursor answers 422.
- Payroll lists take windows of at most a year and end dates at most three months ahead (the
  spec documents the limit, not its answer); business "today" is not served as data, so the
  walk ends at the `Date` of Gusto's answers + PAYROLL_HORIZON_DAYS, inside that limit.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import orjson
import requests

from dlt_sources.common.config import Instance
from dlt_sources.common.http import retrying_session
from dlt_sources.gusto import settings
from dlt_sources.gusto.token_store import RefreshTokenStore, token_store_path


class GustoAuthError(RuntimeError):
    """Gusto refused an instance's credentials (the message names the settings, never values)."""


class GustoApiError(RuntimeError):
    """Gusto answered a request with a final (non-retryable) error."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class CursorExpired(RuntimeError):
    """The feed no longer knows the stored cursor (older than its 30-day retention)."""


@dataclass
class _AccessToken:
    """An access token and when to refresh it (before Gusto's two hours are up)."""

    value: str | None = None
    refresh_at: float = 0.0

    def keep(self, answer: dict[str, Any]) -> None:
        self.value = answer["access_token"]
        expires_in = float(answer.get("expires_in") or 7200)
        self.refresh_at = time.monotonic() + expires_in - settings.TOKEN_REFRESH_MARGIN_SECONDS

    def valid(self) -> bool:
        return self.value is not None and time.monotonic() < self.refresh_at

    def forget(self) -> None:
        self.value = None


class GustoClient:
    """One instance's (company's) authenticated session; tokens are fetched lazily."""

    def __init__(
        self,
        instance: Instance,
        session: requests.Session | None = None,
        token_store: RefreshTokenStore | None = None,
    ) -> None:
        self.instance = instance
        self.session = session or retrying_session()
        self.token_store = token_store or RefreshTokenStore(token_store_path())
        self._company_token = _AccessToken()
        self._system_token = _AccessToken()
        self._company: str | None = None

    # -- auth ------------------------------------------------------------------------------

    def _refresh(self) -> None:
        """A new company access token, from the company's newest refresh token (Gusto rotates)."""
        company = f"{self.instance.base_url} {self.instance.name}"
        configured = self.instance.secrets["refresh_token"]
        # The access token is kept only once the answered refresh token is stored.
        self._company_token.keep(self.token_store.exchange(company, configured, self._exchange))

    def _exchange(self, refresh_token: str) -> dict[str, Any]:
        """Gusto's answer to exchanging `refresh_token` (access and new refresh token)."""
        return self._token_answer(
            {"grant_type": "refresh_token", "refresh_token": refresh_token},
            "client_id, client_secret and refresh_token (Gusto rotates refresh tokens: the "
            f"newest is kept in {self.token_store.path}, and a newly configured refresh_token "
            "replaces it)",
        )

    def _refresh_system(self) -> None:
        """A system access token of the application (the events feed and webhook subscriptions)."""
        answer = self._token_answer({"grant_type": "system_access"}, "client_id and client_secret")
        self._system_token.keep(answer)

    def _token_answer(self, grant: dict[str, str], settings_named: str) -> dict[str, Any]:
        name = self.instance.name
        body = {
            "client_id": self.instance.secrets["client_id"],
            "client_secret": self.instance.secrets["client_secret"],
            **grant,
        }
        response = self.session.post(
            self.instance.base_url + settings.TOKEN_PATH,
            json=body,
            headers={settings.VERSION_HEADER: settings.API_VERSION},
        )
        if response.status_code in (400, 401, 403):
            try:
                reason = response.json().get("error", "refused")
            except ValueError:
                reason = "refused"
            raise GustoAuthError(
                f"gusto/{name}: the token endpoint refused the credentials ({reason}); check "
                f"sources.gusto.{name}.{settings_named}"
            )
        if response.status_code != 200:
            raise GustoApiError(
                f"gusto/{name}: token endpoint answered {response.status_code}",
                response.status_code,
            )
        return response.json()

    def auth_headers(self, *, system: bool = False) -> dict[str, str]:
        """Headers that authenticate a request now (refreshing the token when it is due).

        `system`: with the application's system token, which the events feed and webhook
        subscriptions require (company tokens are refused there).
        """
        token = self._system_token if system else self._company_token
        if not token.valid():
            if system:
                self._refresh_system()
            else:
                self._refresh()
        return {
            "Authorization": f"Bearer {token.value}",
            settings.VERSION_HEADER: settings.API_VERSION,
            "Accept": "application/json",
        }

    def forget_token(self, *, system: bool = False) -> None:
        """Drop an access token (a 401: expired or revoked); the next call refreshes it."""
        (self._system_token if system else self._company_token).forget()

    def get(
        self, path: str, params: dict[str, Any] | None = None, *, system: bool = False
    ) -> requests.Response:
        """GET `path`; refreshes the token once on 401; raises on any other final error."""
        url = self.instance.base_url + path
        response = self.session.get(url, params=params, headers=self.auth_headers(system=system))
        if response.status_code == 401:
            # Expired or revoked: one refresh, then the answer stands.
            self.forget_token(system=system)
            response = self.session.get(
                url, params=params, headers=self.auth_headers(system=system)
            )
        if response.status_code >= 400:
            raise GustoApiError(
                f"gusto/{self.instance.name}: GET {path} answered {response.status_code}: "
                f"{response.text[:300]}",
                response.status_code,
            )
        return response

    @property
    def company(self) -> str:
        """The company uuid of this instance's token."""
        if self._company is None:
            info = self.get(settings.TOKEN_INFO_PATH).json()
            resource = info.get("resource") or {}
            if not resource.get("uuid"):
                raise GustoAuthError(
                    f"gusto/{self.instance.name}: the token names no company (token_info "
                    f"resource {resource.get('type')!r}); use a company's refresh token"
                )
            self._company = resource["uuid"]
        return self._company

    # -- reading ---------------------------------------------------------------------------

    def paged(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every record of a page/per collection, reading `X-Total-Pages`."""
        page = 1
        while True:
            response = self.get(path, {**(params or {}), "page": page, "per": settings.PER_PAGE})
            rows = orjson.loads(response.content)
            yield from rows
            if not rows or not _has_next_page(response, page, len(rows)):
                return
            page += 1

    def latest_event(self) -> dict[str, Any] | None:
        """The newest event of the company's feed (the starting cursor of a full load)."""
        params = {"resource_uuid": self.company, "sort_order": "desc", "limit": 1}
        rows = self.get(settings.EVENTS_PATH, params, system=True).json()
        return rows[0] if rows else None

    def events_after(self, cursor: str) -> list[dict[str, Any]]:
        """Every event after `cursor`, oldest first.

        Raises:
            CursorExpired: the feed answers 422 (a cursor it no longer knows).
        """
        events: list[dict[str, Any]] = []
        while True:
            try:
                response = self.get(
                    settings.EVENTS_PATH,
                    {
                        "resource_uuid": self.company,
                        "starting_after_uuid": cursor,
                        "sort_order": "asc",
                        "limit": settings.EVENTS_LIMIT,
                    },
                    system=True,
                )
            except GustoApiError as exc:
                if exc.status == 422:
                    raise CursorExpired(str(exc)) from exc
                raise
            page = response.json()
            events.extend(page)
            # `X-Has-Next-Page` is not in Gusto's spec: without it, a full page means more.
            more = response.headers.get("X-Has-Next-Page")
            if not page or (
                more != "true" if more is not None else len(page) < settings.EVENTS_LIMIT
            ):
                return events
            cursor = page[-1]["uuid"]

    def employees(self) -> Iterator[dict[str, Any]]:
        """Every employee with jobs, every compensation (history) and terminations."""
        path = settings.EMPLOYEES_PATH.format(company=self.company)
        yield from self.paged(path, {"include": "all_compensations"})

    def payroll(self, payroll_uuid: str) -> dict[str, Any]:
        """One payroll with all its pay statements, read page by page.

        Gusto pages a payroll's `employee_compensations` (at most 100 a page); the rest of the
        body is the payroll's on every page, so the first page's carries the statements of all.
        """
        path = settings.PAYROLL_PATH.format(company=self.company, payroll=payroll_uuid)
        payroll: dict[str, Any] | None = None
        page = 1
        while True:
            params = {"include": settings.PAYROLL_INCLUDE, "page": page, "per": settings.PER_PAGE}
            response = self.get(path, params)
            # orjson: pay statements are the bulk of the bytes; requests' decoder is ~5x slower.
            body = orjson.loads(response.content)
            statements = body.get("employee_compensations") or []
            if payroll is None:
                payroll = body
            else:
                payroll.setdefault("employee_compensations", []).extend(statements)
            if not _has_next_page(response, page, len(statements)):
                return payroll
            page += 1

    def payroll_uuids(self, start_date: str) -> list[str]:
        """Uuids of every payroll (any status or type) dated since `start_date`.

        Walks one-year windows up to Gusto's today (its `Date`) + PAYROLL_HORIZON_DAYS, under
        its 3-month limit on end dates. Windows overlap by PAYROLL_WINDOW_OVERLAP_DAYS: only
        regular processed payrolls are filtered by check date, the others by pay period, and a
        pay period across a window's edge would be in neither window.
        """
        path = settings.PAYROLLS_PATH.format(company=self.company)
        start = date.fromisoformat(start_date)
        horizon = self._gusto_today() + timedelta(days=settings.PAYROLL_HORIZON_DAYS)
        step = timedelta(days=settings.PAYROLL_WINDOW_DAYS - settings.PAYROLL_WINDOW_OVERLAP_DAYS)
        if step.days < 1:  # settings that would walk on the spot for ever
            raise ValueError("PAYROLL_WINDOW_OVERLAP_DAYS must be below PAYROLL_WINDOW_DAYS")
        uuids: list[str] = []
        while start <= horizon:
            end = min(start + timedelta(days=settings.PAYROLL_WINDOW_DAYS), horizon)
            params = {
                "processing_statuses": "processed,unprocessed",
                "payroll_types": "regular,off_cycle",
                "date_filter_by": "check_date",
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
            }
            uuids.extend(row["uuid"] for row in self.paged(path, params))
            if end == horizon:
                break
            start += step
        return list(dict.fromkeys(uuids))

    def _gusto_today(self) -> date:
        """Gusto's today, by the `Date` of its answer (the sandbox's is its business date).

        This machine's UTC date if Gusto names none.
        """
        response = self.get(settings.TOKEN_INFO_PATH)
        try:
            return parsedate_to_datetime(response.headers["Date"]).date()
        except (KeyError, TypeError, ValueError):
            return datetime.now(UTC).date()


def _has_next_page(response: requests.Response, page: int, rows: int) -> bool:
    """Whether a page/per answer has a page after `page`: by `X-Total-Pages`, else a full page."""
    total_pages = response.headers.get("X-Total-Pages")
    if total_pages is not None:
        return page < int(total_pages)
    return rows >= settings.PER_PAGE


@dataclass
class Delta:
    """The payrolls one resource should read for one instance, from one starting cursor."""

    full: bool
    cursor: str | None  # the cursor to store once the rows are loaded
    payroll_uuids: set[str] = field(default_factory=set)
    events: int = 0


class InstanceSync:
    """One run's view of one instance: employees read once, the feed once per starting cursor.

    Employees (with jobs, compensations, terminations) are listed in full every run and each
    resource loads only the employees whose part changed (fingerprints in its state): the sandbox,
    like a payroll admin keying a record by hand, adds employees that no event announces, so the
    feed alone would miss them. Payrolls follow the feed. Every payroll resource keeps its own
    cursor; normally they hold the same one, so the feed and the statements are read once per run.
    """

    def __init__(self, client: GustoClient) -> None:
        self.client = client
        self._deltas: dict[str | None, Delta] = {}
        self._employees: list[dict[str, Any]] | None = None
        self._payrolls: dict[tuple[bool, frozenset[str]], list[dict[str, Any]]] = {}

    def delta(self, cursor: str | None) -> Delta:
        """The change set since `cursor` (a full read when None or expired)."""
        if cursor not in self._deltas:
            self._deltas[cursor] = self._compute(cursor)
        return self._deltas[cursor]

    def _full(self) -> Delta:
        # The newest event is read BEFORE the data: changes made while we read are replayed
        # next run (closed range at the start; merge absorbs the duplicates).
        latest = self.client.latest_event()
        return Delta(full=True, cursor=latest["uuid"] if latest else None)

    def _compute(self, cursor: str | None) -> Delta:
        if cursor is None:
            return self._full()
        try:
            events = self.client.events_after(cursor)
        except CursorExpired:
            return self._full()
        delta = Delta(full=False, cursor=events[-1]["uuid"] if events else cursor)
        delta.events = len(events)
        for event in events:
            entity, uuid = event.get("entity_type"), event.get("entity_uuid")
            if not uuid:
                continue
            if entity in settings.PAYROLL_EVENT_ENTITIES:
                delta.payroll_uuids.add(uuid)
        return delta

    def all_employees(self) -> list[dict[str, Any]]:
        """Every employee with jobs, all compensations and terminations (read once per run)."""
        if self._employees is None:
            self._employees = list(self.client.employees())
        return self._employees

    def payrolls(
        self, delta: Delta, start_date: str, recheck: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """The payrolls (with their statements) the delta asks for, plus the `recheck` ones."""
        wanted = set(delta.payroll_uuids) | set(recheck or [])
        key = (delta.full, frozenset(wanted))
        if key not in self._payrolls:
            uuids = self.client.payroll_uuids(start_date) if delta.full else sorted(wanted)
            details = []
            for uuid in uuids:
                try:
                    details.append(self.client.payroll(uuid))
                except GustoApiError as exc:
                    if exc.status != 404:  # a payroll cancelled since its event: nothing to read
                        raise
            self._payrolls[key] = details
        return self._payrolls[key]
