"""Fixtures of the browser test: the simulator, a real Home Assistant, and Chromium.

This folder is its own pytest session (scripts/test-e2e), without the Home
Assistant pytest plugin: its processes talk over real loopback sockets.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
import os
from pathlib import Path
import shutil
from typing import Any

import harness
import httpx
from playwright.sync_api import expect
import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", harness.REPO / "tests/e2e/screenshots/tmp"))
LOG_TAIL_LINES = 150
# HA's frontend loads panels and translations lazily: be patient.
TIMEOUT_MS = 30_000
expect.set_options(timeout=TIMEOUT_MS)

# Log files whose tails are attached to a failing test's report.
_LOGS: dict[str, Path] = {}


@dataclass(frozen=True)
class HomeAssistant:
    """A running Home Assistant: its URL, an owner's access token and its log."""

    url: str
    token: str
    log: Path

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call HA's REST API as the owner."""
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.request(method, f"{self.url}{path}", headers=headers, timeout=30.0, **kwargs)

    def states(self, domain: str | None = None) -> list[dict[str, Any]]:
        """Every entity state, or those of one domain."""
        answer = self.api("GET", "/api/states")
        answer.raise_for_status()
        states: list[dict[str, Any]] = answer.json()
        return [s for s in states if domain is None or s["entity_id"].startswith(f"{domain}.")]

    def state(self, entity_id: str) -> dict[str, Any]:
        """One entity's state."""
        answer = self.api("GET", f"/api/states/{entity_id}")
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Screenshots and logs of this run (gitignored; kept for a look after CI)."""
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def simulator(artifacts: Path) -> Iterator[str]:
    """The simulated MyBMW cloud on a free loopback port; yields its base URL."""
    port = harness.free_port()
    url = f"http://127.0.0.1:{port}"
    log = artifacts / "simulator.log"
    _LOGS["simulator"] = log
    with harness.running(harness.start_simulator(port, log)) as proc:
        harness.wait_http(f"{url}/", timeout=60.0, proc=proc)
        yield url


@pytest.fixture(scope="session")
def home_assistant(
    simulator: str, artifacts: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HomeAssistant]:
    """A real `hass --skip-pip`, onboarded, with the client pointed at the simulator."""
    config = tmp_path_factory.mktemp("ha-config")
    port = harness.free_port()
    url = f"http://127.0.0.1:{port}"
    harness.write_config(config, port)
    log = artifacts / "home-assistant.log"
    _LOGS["home-assistant"] = log
    with harness.running(harness.start_hass(config, simulator, log)) as proc:
        harness.wait_http(f"{url}/api/onboarding", timeout=120.0, proc=proc)
        token = harness.onboard(url)
        yield HomeAssistant(url, token, log)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser).

    Playwright gives every launch a fresh, empty profile directory of its own.
    """
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: scripts/test-e2e installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, artifacts: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A tab in a context of its own; on failure its last view and console are saved."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 1000}, locale="en-US", timezone_id="Europe/Berlin"
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    console: list[str] = []
    tab.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    yield tab
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        tab.screenshot(path=str(artifacts / f"failed-{request.node.name}.png"), full_page=True)
        (artifacts / f"console-{request.node.name}.txt").write_text("\n".join(console))
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the item and attach the servers' logs to failures."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)
    if report.failed:
        for name, path in _LOGS.items():
            if path.exists():
                lines = path.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
                report.sections.append((f"{name} log (last lines of {path})", "\n".join(lines)))
