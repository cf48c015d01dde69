"""A user's first hour, in a real browser: log in, add the integration, use the car.

Home Assistant and the simulated MyBMW cloud run as real processes; Chromium is
driven through HA's own frontend, so the config flow's forms, translations and
the device page are checked as a user sees them.
"""

from __future__ import annotations

from collections.abc import Callable
import json
import os
from pathlib import Path
import re
import shutil
import time
from typing import Any

from conftest import HomeAssistant
import harness
import httpx
from playwright.sync_api import Page, expect

MANIFEST = json.loads((harness.REPO / "custom_components/bmw_mybmw/manifest.json").read_text())
README_SCREENSHOT = harness.REPO / "docs/screenshots/device-page.png"
# The demo fleet's MINI is parked unlocked, so locking it is a visible change.
CAR = "Cooper SE"
# The simulator takes any captcha token, but each only once, like BMW's.
CAPTCHA_TOKENS = iter(f"P1_e2e-token-{n}" for n in range(100))
WAIT = 60.0


def _eventually(check: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
    """Poll check() until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def _shot(page: Page, artifacts: Path, name: str) -> Path:
    path = artifacts / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def _log_in(page: Page, ha: HomeAssistant) -> None:
    page.goto(f"{ha.url}/")
    page.get_by_role("textbox", name="Username").fill(harness.HA_USERNAME)
    page.get_by_role("textbox", name="Password").fill(harness.HA_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # The landing page: /lovelace up to 2026.x, /home/overview since.
    page.wait_for_url(re.compile(r"/(lovelace|home)"))


def _add_integration(page: Page, ha: HomeAssistant, artifacts: Path) -> None:
    username, password = harness.demo_credentials()
    page.goto(f"{ha.url}/config/integrations/dashboard")
    page.get_by_role("button", name="Add integration").click()
    page.get_by_placeholder("Search for a brand name").fill("BMW")
    page.get_by_text(MANIFEST["name"], exact=True).click()
    page.get_by_text("MyBMW login", exact=True).click()

    # Field names are unique on the page; scoping to "the" dialog would race
    # with the brand picker's dialog as it closes.
    expect(page.get_by_text("Connect your MyBMW account", exact=True)).to_be_visible()
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill("not-the-password")
    _choose(page, "Region", "Rest of world")
    _shot(page, artifacts, "02-config-flow-user")
    page.get_by_role("button", name="Submit").click()
    _solve_captcha(page, artifacts, "03-config-flow-captcha")

    # A wrong password brings the user back to the first form, with a message.
    expect(page.get_by_text("Invalid authentication")).to_be_visible()
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Submit").click()
    _solve_captcha(page, artifacts, "03-config-flow-captcha-again")

    expect(page.get_by_text(CAR).first).to_be_visible()
    _shot(page, artifacts, "04-config-flow-done")
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("alertdialog")).to_be_hidden()


def _choose(page: Page, field: str, choice: str) -> None:
    """Pick from a select field: a combobox with options before 2026.11, a menu button since."""
    control = page.get_by_role("combobox", name=field).or_(
        page.get_by_role("button", name=re.compile(rf"^{re.escape(field)}\b"))
    )
    control.first.click()
    page.get_by_role("option", name=choice).or_(page.get_by_role("menuitem", name=choice)).click()


def _solve_captcha(page: Page, artifacts: Path, shot: str) -> None:
    expect(page.get_by_text("Solve the captcha", exact=True)).to_be_visible()
    page.get_by_role("textbox", name="Captcha token").fill(next(CAPTCHA_TOKENS))
    _shot(page, artifacts, shot)
    page.get_by_role("button", name="Submit").click()


def _entity(ha: HomeAssistant, domain: str, name: str) -> dict[str, Any] | None:
    """The state of the one entity of a domain with this friendly name, if it exists."""
    found = [s for s in ha.states(domain) if s["attributes"].get("friendly_name") == name]
    assert len(found) <= 1, f"{len(found)} entities are called {name!r}"
    return found[0] if found else None


def _existing(ha: HomeAssistant, domain: str, name: str) -> dict[str, Any]:
    state = _entity(ha, domain, name)
    assert state is not None, f"no {domain} entity called {name!r}"
    return state


def _simulator(url: str) -> dict[str, Any]:
    """The simulator's own view: request counts and each vehicle's served state."""
    answer = httpx.get(f"{url}/_admin/state", timeout=10.0)
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


def _mini_lock_state(simulator_url: str) -> str:
    (mini,) = [v for v in _simulator(simulator_url)["vehicles"].values() if v["brand"] == "mini"]
    return str(mini["state"]["state"]["doorsState"]["combinedSecurityState"])


def _open_device_page(page: Page, ha: HomeAssistant) -> None:
    page.goto(f"{ha.url}/config/integrations/integration/{harness.DOMAIN}")
    page.get_by_role("link", name=re.compile(r"\d+ devices?")).first.click()
    page.get_by_text(CAR, exact=True).first.click()
    page.wait_for_url(re.compile(r"/config/devices/device/"))


def test_add_integration_and_control_the_car(
    page: Page, home_assistant: HomeAssistant, simulator: str, artifacts: Path
) -> None:
    """Log in, add MyBMW through the UI, then lock the car and flash its lights."""
    ha = home_assistant
    assert _mini_lock_state(simulator) == "UNLOCKED"
    _log_in(page, ha)
    _shot(page, artifacts, "01-overview")

    _add_integration(page, ha, artifacts)
    entries = ha.api("GET", "/api/config/config_entries/entry", params={"domain": harness.DOMAIN})
    assert [e["state"] for e in entries.json()] == ["loaded"]

    lock = _eventually(lambda: _entity(ha, "lock", f"{CAR} Lock"), "the car's lock entity")
    assert lock["state"] == "unlocked"
    button = _existing(ha, "button", f"{CAR} Flash lights")

    _open_device_page(page, ha)
    for text in ("Controls", "Sensors", "Lock", "Flash lights", "Charging status"):
        expect(page.get_by_text(text, exact=True).first).to_be_visible()
    device_page = _shot(page, artifacts, "05-device-page")
    if os.environ.get("E2E_UPDATE_SCREENSHOT"):  # the README's picture changes only on request
        README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(device_page, README_SCREENSHOT)

    lock_row = page.locator("hui-lock-entity-row").filter(has_text="Lock")
    lock_row.get_by_role("button", name="Lock").click()
    _eventually(
        lambda: ha.state(lock["entity_id"])["state"] == "locked", "the lock to report locked"
    )
    expect(lock_row.get_by_role("button", name="Unlock")).to_be_visible()
    assert _mini_lock_state(simulator) == "LOCKED"
    after_lock = _existing(ha, "sensor", f"{CAR} Remote command")

    commands_sent = _simulator(simulator)["requests"]["remote_command"]
    flash_row = page.locator("hui-button-entity-row").filter(has_text="Flash lights")
    flash_row.get_by_role("button", name="Press").click()
    _eventually(
        lambda: ha.state(button["entity_id"])["state"] != button["state"],
        "the flash-lights button to record its press",
    )
    # The command reaches the cloud once and is followed to the same end state.
    _eventually(
        lambda: (
            (progress := _existing(ha, "sensor", f"{CAR} Remote command"))["state"]
            == after_lock["state"]
            and progress["attributes"]["command"] != after_lock["attributes"]["command"]
        ),
        "the flash-lights command to finish",
    )
    assert _simulator(simulator)["requests"]["remote_command"] == commands_sent + 1
    _shot(page, artifacts, "06-after-commands")

    # Home Assistant names integrations whose code it deprecates; ours must never be among them.
    reported = [
        line
        for line in ha.log.read_text(errors="replace").splitlines()
        if "bmw_mybmw" in line
        and (" WARNING " in line or " ERROR " in line)
        and "has not been tested by Home Assistant" not in line
    ]
    assert reported == []
