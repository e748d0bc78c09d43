"""`make demo` seen through a browser: the asset graph and a successful run in the Dagster UI.

The demo starts as `make demo` starts it (`python -m crosswalk_cli.demo`), with a small firm, the
clock still, free ports and every file it writes in the test's temporary folder. Once its
`full_cycle` run has succeeded (asked of Dagster's GraphQL), Debian's headless Chromium, driven
through Debian's chromedriver (built from the same source package, so always the same version),
opens the UI: the global lineage shows every group of the graph, a vendor's group shows its
assets materialized, and the runs page lists the run as Success. A second run is launched and the
demo stopped while it runs. The lineage page is saved as
docs/images/asset-graph.png, the README's picture. The demo is stopped through its launcher at
the end, whatever happened, and none of its processes (its whole group) may outlive it.

Without /usr/bin/chromium and /usr/bin/chromedriver the test skips (`.ci/run` installs both).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from crosswalk_cli.local_stack import free_port
from tests.support.sandbox_process import REPO

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOT = REPO / "docs" / "images" / "asset-graph.png"
VIEWPORT = {"width": 1600, "height": 1000}
# The code location's name in the UI: the module workspace.yaml loads.
LOCATION = "orchestration.definitions"
# Groups every picture of the graph must show: the four systems, the dbt layers, the write-back.
GROUPS = {"bamboohr", "netsuite", "harvest", "gusto", "staging", "canonical", "reconciliation"}
GROUPS |= {"marts", "sync", "push", "bi"}
HARVEST_TABLES = ("projects", "tasks", "task_assignments", "time_entries", "user_assignments")
# On a shared 2-core CI machine the UI takes ~1 min to come up and the small firm's run ~1.5 min.
RUN_SECONDS = 480.0
PAGE_SECONDS = 60.0
STOP_SECONDS = 60.0

T = TypeVar("T")

RUNS_QUERY = """{ runsOrError(filter: {pipelineName: "full_cycle"}) {
    ... on Runs { results { runId status } } } }"""


@dataclass
class Demo:
    ui: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, chars: int = 6000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]


def _distinct_free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


def _demo_env(tmp_path: Path) -> dict[str, str]:
    sandbox_port, dagster_port, webhook_port = _distinct_free_ports(3)
    # The demo aims every source at its own sandbox; no tenant or BI setting may leak in.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SOURCES__")
        and k not in ("CROSSWALK_BI_WAREHOUSE", "CROSSWALK_BI_SCHEMAS")
    }
    env.update(
        {
            "SANDBOX_PORT": str(sandbox_port),
            "DAGSTER_PORT": str(dagster_port),
            "WEBHOOK_PORT": str(webhook_port),
            "DAGSTER_HOME": str(tmp_path / "dagster_home"),
            "CROSSWALK_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
            "CROSSWALK_OPS_DB": str(tmp_path / "ops.sqlite"),
            "CROSSWALK_DEMO_STATE": str(tmp_path / "sandbox.sqlite"),
            "DLT_DATA_DIR": str(tmp_path / "dlt"),
            "CROSSWALK_PROFILE": "sandbox",
            "CROSSWALK_DEMO_SIZE": "small",
            "CROSSWALK_DEMO_DAY_SECONDS": "0",
        }
    )
    return env


@dataclass(frozen=True)
class Proc:
    """A process as /proc shows it; (pid, started) names it even after its pid is reused."""

    pid: int
    started: int  # clock ticks after boot
    ppid: int
    pgrp: int
    zombie: bool
    cmdline: str


def _processes() -> list[Proc]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # it ended while we looked
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state ppid pgrp ...
        found.append(
            Proc(
                int(entry.name),
                int(fields[19]),
                int(fields[1]),
                int(fields[2]),
                fields[0] == "Z",
                cmdline.strip()[:120],
            )
        )
    return found


def _descendants(root: int) -> set[tuple[int, int]]:
    """Every process below `root` now, as (pid, started): to catch any that left its group."""
    processes = _processes()
    found: set[tuple[int, int]] = set()
    parents = {root}
    while parents:
        children = {p for p in processes if p.ppid in parents and (p.pid, p.started) not in found}
        found |= {(p.pid, p.started) for p in children}
        parents = {p.pid for p in children}
    return found


def _still_running(pgid: int, spawned: set[tuple[int, int]]) -> list[Proc]:
    """Live (not zombie) processes of group `pgid`, or among `spawned` wherever they went."""
    return [
        p
        for p in _processes()
        if not p.zombie and (p.pgrp == pgid or (p.pid, p.started) in spawned)
    ]


def _stop(demo: Demo) -> list[str]:
    """SIGTERM the demo's launcher, which stops its children in order; what outlived it.

    Not the whole group: `dagster dev` restarts a code server that exits under it before its own
    shutdown has begun, and that orphan waits 45 s for a heartbeat before it goes.
    """
    pgid = demo.process.pid  # started in a session of its own: its pid is the group id
    spawned = _descendants(pgid)
    with contextlib.suppress(ProcessLookupError):
        os.kill(demo.process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    while time.monotonic() < deadline:
        demo.process.poll()  # reap the launcher, or its zombie counts as a member
        if not _still_running(pgid, spawned):
            return []
        time.sleep(0.2)
    left = _still_running(pgid, spawned)
    for process in left:  # ours by (pid, start time), not merely by a pid seen earlier
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)
    demo.process.wait(timeout=10)
    return [f"{p.pid} {p.cmdline}" for p in left]


@pytest.fixture()
def demo(tmp_path: Path) -> Iterator[Demo]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip(
            f"the browser test needs {CHROMIUM} and {CHROMEDRIVER}: install Debian's chromium "
            "(apt-get install chromium chromium-driver) or run .ci/run, which installs it"
        )
    env = _demo_env(tmp_path)
    log_path = tmp_path / "demo.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "crosswalk_cli.demo"],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    started = Demo(f"http://127.0.0.1:{env['DAGSTER_PORT']}", process, log_path)
    try:
        yield started
    finally:
        left = _stop(started)
        assert not left, "outlived the demo:\n" + "\n".join(left)


def _graphql(demo: Demo, query: str, **variables: str) -> dict:
    # A launch waits for the run's process to be started: seconds on a busy 2-core machine.
    reply = httpx.post(
        f"{demo.ui}/graphql", json={"query": query, "variables": variables}, timeout=60
    )
    reply.raise_for_status()
    body = reply.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def _wait_for_full_cycle(demo: Demo) -> str:
    """The id of the demo's `full_cycle` run once it has succeeded; fail as soon as it cannot."""
    deadline = time.monotonic() + RUN_SECONDS
    while time.monotonic() < deadline:
        if demo.process.poll() is not None:
            pytest.fail(f"the demo exited with {demo.process.returncode}:\n{demo.log_tail()}")
        try:
            runs = _graphql(demo, RUNS_QUERY)["runsOrError"]["results"]
        except httpx.HTTPError:  # the UI is not up yet
            runs = []
        for run in runs:
            if run["status"] == "SUCCESS":
                return run["runId"]
            if run["status"] in ("FAILURE", "CANCELED"):
                pytest.fail(f"full_cycle run {run['runId']} {run['status']}:\n{demo.log_tail()}")
        time.sleep(2)
    pytest.fail(f"no full_cycle run succeeded within {RUN_SECONDS:.0f}s:\n{demo.log_tail()}")


LAUNCH_MUTATION = """mutation Launch($location: String!) { launchRun(executionParams: {selector: {
    repositoryLocationName: $location, repositoryName: "__repository__", jobName: "full_cycle"}}) {
    __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }"""
STATUS_QUERY = """query Status($runId: ID!) {
    runOrError(runId: $runId) { ... on Run { status } } }"""


def _launch_full_cycle(demo: Demo) -> str:
    launched = _graphql(demo, LAUNCH_MUTATION, location=LOCATION)["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    return launched["run"]["runId"]


def _wait_until_started(demo: Demo, run_id: str) -> None:
    deadline = time.monotonic() + RUN_SECONDS
    while time.monotonic() < deadline:
        status = _graphql(demo, STATUS_QUERY, runId=run_id)["runOrError"]["status"]
        if status == "STARTED":
            return
        assert status in ("QUEUED", "NOT_STARTED", "STARTING"), status
        time.sleep(1)
    pytest.fail(f"run {run_id} did not start within {RUN_SECONDS:.0f}s:\n{demo.log_tail()}")


@pytest.fixture()
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'chromium'}",
        f"--window-size={VIEWPORT['width']},{VIEWPORT['height']}",
    ):
        options.add_argument(arg)
    # An explicit driver path: Selenium Manager (which downloads drivers) never runs.
    service = Service(str(CHROMEDRIVER), log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        # The window size includes the browser's own chrome: fix the page's size exactly.
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {**VIEWPORT, "deviceScaleFactor": 1, "mobile": False},
        )
        yield driver
    finally:
        driver.quit()


def _node_texts(driver: webdriver.Chrome) -> list[str]:
    """The text of every node the graph draws (textContent: nodes partly off-screen count)."""
    nodes = driver.find_elements(By.CSS_SELECTOR, "svg foreignObject")
    return [" ".join((n.get_attribute("textContent") or "").split()) for n in nodes]


class _Still:
    """A wait condition: true once the graph's nodes are where they were at the last poll."""

    def __init__(self) -> None:
        self.boxes: list[dict] | None = None

    def __call__(self, driver: webdriver.Chrome) -> bool:
        boxes = [n.rect for n in driver.find_elements(By.CSS_SELECTOR, "svg foreignObject")]
        still, self.boxes = boxes == self.boxes, boxes
        return still


def _until(wait: WebDriverWait, condition: Callable[[webdriver.Chrome], T], what: str) -> T:
    try:
        return wait.until(condition)
    except TimeoutException:
        pytest.fail(f"{what} within {PAGE_SECONDS:.0f}s", pytrace=False)


def test_the_demo_ui_shows_the_asset_graph_and_a_successful_run(
    demo: Demo, browser: webdriver.Chrome
) -> None:
    run_id = _wait_for_full_cycle(demo)
    # Dagster's "join the community" dialog covers a first visit from localhost.
    _graphql(demo, "mutation { setNuxSeen }")
    # React redraws nodes and rows: an element found a moment ago may be gone.
    wait = WebDriverWait(
        browser,
        PAGE_SECONDS,
        poll_frequency=0.25,
        ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
    )

    # The whole graph: at this size Dagster draws one node per group, named by its first word.
    browser.get(f"{demo.ui}/asset-groups")
    _until(
        wait,
        lambda d: {text.split(" ")[0] for text in _node_texts(d)} >= GROUPS,
        f"the lineage did not draw every group of {sorted(GROUPS)}",
    )
    # It zooms to fit after the first paint: the picture waits until nothing moves.
    _until(wait, _Still(), "the lineage never stopped moving")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))

    # One system's group: its raw tables as asset nodes, materialized by the run.
    browser.get(f"{demo.ui}/locations/{LOCATION}/asset-groups/harvest")
    materialized = _until(
        wait,
        lambda d: [text for text in _node_texts(d) if "Materialized" in text],
        "the harvest group showed no materialized asset",
    )
    assert any(text.startswith(HARVEST_TABLES) for text in materialized), materialized

    # The runs page lists the demo's run as a success.
    browser.get(f"{demo.ui}/runs")
    row = f"//div[@data-index][.//a[@href='/runs/{run_id}']]"
    text = _until(
        wait,
        lambda d: "Success" in (t := d.find_element(By.XPATH, row).text) and t,
        f"the runs page did not list run {run_id} as Success",
    )
    assert "full_cycle" in text, text

    # Ctrl-C with a run in flight stops that run too (the fixture asserts nothing outlives it).
    _wait_until_started(demo, _launch_full_cycle(demo))
