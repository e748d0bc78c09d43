"""Harvest API behaviour beyond the spec: required headers, paging limits, cursor links that keep
every filter, exact filtered sets, updated_since, and the Forecast-style bookings reads.

Expected sets are read straight from the sandbox's SQLite file, the ground truth the API serves.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from tests.support.harvest import HEADERS, follow, forecast_client, harvest_client, state
from tests.support.sandbox_process import SandboxProcess


@pytest.fixture(scope="module")
def hv(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    with harvest_client(sandbox) as client:
        yield client


def _busiest_user(sandbox: SandboxProcess) -> tuple[int, str, str]:
    """A user with many entries, and a spent_date range covering a good share of them."""
    with state(sandbox) as db:
        user_id = db.execute(
            "select user_id from harvest_time_entries group by user_id "
            "order by count(*) desc, user_id limit 1"
        ).fetchone()[0]
        dates = [
            r[0]
            for r in db.execute(
                "select distinct spent_date from harvest_time_entries where user_id = ? "
                "order by spent_date",
                (user_id,),
            )
        ]
    return user_id, dates[len(dates) // 4], dates[3 * len(dates) // 4]


def test_user_agent_is_required(sandbox: SandboxProcess) -> None:
    headers = {k: v for k, v in HEADERS.items() if k != "User-Agent"}
    with httpx.Client(base_url=sandbox.base("harvest"), headers=headers) as client:
        del client.headers["User-Agent"]  # httpx adds its own by default
        response = client.get("/users/me")
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"


@pytest.mark.parametrize(
    ("override", "status"),
    [
        ({"Authorization": "Bearer not-the-token"}, 401),
        ({"Authorization": "Basic c2FuZGJveC10b2tlbjp4"}, 401),
        ({"Harvest-Account-Id": "999999"}, 403),
    ],
)
def test_token_and_account_are_checked(
    sandbox: SandboxProcess, override: dict[str, str], status: int
) -> None:
    response = httpx.get(f"{sandbox.base('harvest')}/users/me", headers={**HEADERS, **override})
    assert response.status_code == status
    assert response.json()["error"] in {"invalid_token", "forbidden"}


def test_a_missing_account_header_is_refused(sandbox: SandboxProcess) -> None:
    headers = {k: v for k, v in HEADERS.items() if k != "Harvest-Account-Id"}
    response = httpx.get(f"{sandbox.base('harvest')}/users/me", headers=headers)
    assert response.status_code == 401


def test_per_page_above_2000_is_a_422(hv: httpx.Client) -> None:
    refused = hv.get("/time_entries", params={"per_page": 2001})
    assert refused.status_code == 422
    assert "per_page" in refused.json()["message"]
    allowed = hv.get("/users", params={"per_page": 2000})
    assert allowed.status_code == 200 and allowed.json()["per_page"] == 2000


def test_default_page_size_is_2000(hv: httpx.Client) -> None:
    body = hv.get("/time_entries").json()
    assert body["per_page"] == 2000 and len(body["time_entries"]) == 2000


def test_links_next_keeps_filters_and_pages_the_exact_filtered_set(
    sandbox: SandboxProcess, hv: httpx.Client
) -> None:
    user_id, spent_from, spent_to = _busiest_user(sandbox)
    params = {
        "user_id": user_id,
        "from": spent_from,
        "to": spent_to,
        "per_page": 7,
        "updated_since": "2000-01-01T00:00:00+02:00",
    }
    rows, pages = follow(hv, "time_entries", "/time_entries", params)
    with state(sandbox) as db:
        expected = [
            r[0]
            for r in db.execute(
                "select id from harvest_time_entries where user_id = ? "
                "and spent_date between ? and ? order by spent_date desc, id desc",
                (user_id, spent_from, spent_to),
            )
        ]
    assert len(expected) > 3 * 7, "the range must span several pages"
    ids = [row["id"] for row in rows]
    assert ids == expected  # same rows, Harvest's order, no duplicates, no gaps
    assert all(page["total_entries"] == len(expected) for page in pages)
    for page in pages[:-1]:
        query = dict(parse_qsl(urlsplit(page["links"]["next"]).query))
        assert "cursor" in query and "page" not in query
        for name in ("user_id", "from", "to", "updated_since", "per_page"):
            assert query[name] == str(params[name]), name
    assert pages[0]["page"] == 1 and pages[0]["next_page"] == 2
    assert all(page["page"] is None for page in pages[1:-1])  # Harvest's prose for cursor pages
    assert pages[-1]["page"] == pages[-1]["total_pages"] == len(pages)


def test_page_numbers_still_work(sandbox: SandboxProcess, hv: httpx.Client) -> None:
    user_id, spent_from, spent_to = _busiest_user(sandbox)
    params = {"user_id": user_id, "from": spent_from, "to": spent_to, "per_page": 5}
    walked, _ = follow(hv, "time_entries", "/time_entries", params)
    second = hv.get("/time_entries", params={**params, "page": 2}).json()
    assert [r["id"] for r in second["time_entries"]] == [r["id"] for r in walked[5:10]]
    assert (second["page"], second["previous_page"], second["next_page"]) == (2, 1, 3)


def test_updated_since_returns_only_rows_updated_at_or_after_it(
    sandbox: SandboxProcess, hv: httpx.Client
) -> None:
    with state(sandbox) as db:
        stamps = [
            r[0]
            for r in db.execute(
                "select distinct updated_at from harvest_time_entries order by updated_at"
            )
        ]
        since = stamps[-3]
        expected = {
            r[0]
            for r in db.execute(
                "select id from harvest_time_entries where updated_at >= ?", (since,)
            )
        }
        older = db.execute(
            "select count(*) from harvest_time_entries where updated_at < ?", (since,)
        ).fetchone()[0]
    assert expected and older
    rows, pages = follow(
        hv, "time_entries", "/time_entries", {"updated_since": since, "per_page": 500}
    )
    assert {r["id"] for r in rows} == expected and len(rows) == len(expected)
    assert all(r["updated_at"] >= since for r in rows)
    # The same instant written with an offset selects the same rows.
    instant = datetime.fromisoformat(since.replace("Z", "+00:00"))
    offset_form = instant.astimezone(timezone(timedelta(hours=2))).isoformat()
    again, _ = follow(hv, "time_entries", "/time_entries", {"updated_since": offset_form})
    assert {r["id"] for r in again} == expected


@pytest.mark.parametrize("key", ["users", "projects", "clients", "tasks"])
def test_is_active_filters_lists(sandbox: SandboxProcess, hv: httpx.Client, key: str) -> None:
    with state(sandbox) as db:
        inactive = db.execute(f"select count(*) from harvest_{key} where is_active = 0").fetchone()[
            0
        ]
    body = hv.get(f"/{key}", params={"is_active": "false"}).json()
    assert body["total_entries"] == inactive
    assert all(row["is_active"] is False for row in body[key])


def test_bad_filters_are_422(hv: httpx.Client) -> None:
    for params in (
        {"updated_since": "yesterday"},
        {"from": "2026-13-01"},
        {"is_billed": "maybe"},
        {"cursor": "not-a-cursor"},
    ):
        response = hv.get("/time_entries", params=params)
        assert response.status_code == 422, params
        assert response.json()["message"]


def test_forecast_reads(sandbox: SandboxProcess) -> None:
    with state(sandbox) as db:
        booking = dict(
            db.execute("select * from forecast_assignments order by id limit 1").fetchone()
        )
        people = db.execute("select count(*) from harvest_users").fetchone()[0]
    with forecast_client(sandbox) as client:
        body = client.get(
            "/assignments",
            params={
                "person_id": booking["person_id"],
                "start_date": booking["start_date"],
                "end_date": booking["start_date"],
            },
        ).json()
        found = {a["id"]: a for a in body["assignments"]}
        assert booking["id"] in found
        assert found[booking["id"]]["allocation"] == booking["allocation"]
        assert all(a["person_id"] == booking["person_id"] for a in body["assignments"])
        listed = client.get("/people").json()["people"]
        assert len(listed) == people
        assert all(p["harvest_user_id"] == p["id"] for p in listed)
        projects = client.get("/projects").json()["projects"]
        assert projects and all(isinstance(p["archived"], bool) for p in projects)
        refused = httpx.get(
            f"{sandbox.base('forecast')}/people", headers={"Authorization": "Bearer sandbox-token"}
        )
        assert refused.status_code == 401
