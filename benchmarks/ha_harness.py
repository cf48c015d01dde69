"""Home Assistant in-process (pytest-homeassistant-custom-component's test instance).

Runs in the current lane's .venv (this project's ``bmw_mybmw`` only) and in
benchmarks/.venv-ha: Home Assistant 2025.4.4 with ``bmw_mybmw`` and the former
core integration ``bmw_connected_drive`` (with bimmer-connected 0.17.2, as that
release pins), which exists only up to Home Assistant 2026.2.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
import logging
import tempfile
from typing import Any
from unittest.mock import patch

from homeassistant import loader
from homeassistant.components.http import HomeAssistantHTTP
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

from simulator.cloud import DEMO_PASSWORD, DEMO_USERNAME

from .common import ROOT  # noqa: F401  (puts the checkout on sys.path)

NAMES = {"ours": "bmw_mybmw", "core": "bmw_connected_drive"}
DOMAINS = {"ours": "bmw_mybmw", "core": "bmw_connected_drive"}

logging.basicConfig(level=logging.CRITICAL)
for noisy in ("homeassistant", "bimmer_connected", "custom_components", "httpx"):
    logging.getLogger(noisy).setLevel(logging.CRITICAL)


@asynccontextmanager
async def home_assistant() -> AsyncIterator[HomeAssistant]:
    """A running test instance with custom integrations enabled and a throw-away config dir."""
    with tempfile.TemporaryDirectory(prefix="bmw-bench-") as config_dir, ExitStack() as stack:
        # The image platform needs ``http``; like the test plugin's tests, never bind a real
        # port. Newer Home Assistant binds during setup and, with 8123 taken (as on a machine
        # that runs a demo), fails ``http`` and with it every image entity.
        for name in ("async_bind", "start"):
            if hasattr(HomeAssistantHTTP, name):
                stack.enter_context(patch.object(HomeAssistantHTTP, name))
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            try:
                yield hass
            finally:
                await hass.async_stop(force=True)


def config_entry(kind: str, tokens: dict[str, Any]) -> MockConfigEntry:
    """An entry as each integration's config flow stores it, logging in with a refresh token."""
    if kind == "ours":
        return MockConfigEntry(
            domain="bmw_mybmw",
            title=DEMO_USERNAME,
            unique_id=f"rest_of_world-{DEMO_USERNAME}",
            data={
                "username": DEMO_USERNAME,
                "region": "rest_of_world",
                "refresh_token": tokens["refresh_token"],
                "gcid": tokens["gcid"],
                "user_agent_build": "AP2A.240605.024",
            },
        )
    return MockConfigEntry(
        domain="bmw_connected_drive",
        title=DEMO_USERNAME,
        unique_id=f"rest_of_world-{DEMO_USERNAME}",
        data={
            "username": DEMO_USERNAME,
            "password": DEMO_PASSWORD,
            "region": "rest_of_world",
            "refresh_token": tokens["refresh_token"],
            "gcid": tokens["gcid"],
        },
        options={"read_only": False},
    )


async def setup(hass: HomeAssistant, entry: MockConfigEntry) -> bool:
    """Add and set up one entry; wait until every platform has its entities."""
    entry.add_to_hass(hass)
    ok = await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return ok
