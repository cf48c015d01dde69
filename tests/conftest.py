"""Fixtures for the Home Assistant integration tests: the simulated cloud behind respx.

async def test_something(hass, init_integration, cloud):
    coordinator = init_integration.runtime_data
    ...  # every MyBMW request of the integration reaches `cloud`
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from homeassistant.const import CONF_USERNAME
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
import respx
from syrupy.assertion import SnapshotAssertion

from custom_components.bmw_mybmw.const import (
    CONF_GCID,
    CONF_REFRESH_TOKEN,
    CONF_REGION,
    CONF_USER_AGENT_BUILD,
    DOMAIN,
)
from custom_components.bmw_mybmw.mybmw.vehicle.remote_services import (
    PollingPolicy,
    RemoteServices,
)
from simulator.cloud import DEMO_USERNAME, MyBMWCloud
from simulator.respx_fake import mock_mybmw_api
from tests.platform_helpers import (
    all_entities_enabled,  # noqa: F401 - fixture for every entity platform test
    frozen_time,  # noqa: F401 - fixture for every entity platform test
    make_cloud,
)

# The CarData side's fixtures (simulated CarData cloud, fake MQTT broker), and the check that
# fails a test during which Home Assistant reports our use of a deprecated API.
pytest_plugins = ["tests.cardata_ha", "tests.deprecation_guard"]

USER_AGENT_BUILD = "AP2A.123456.789"
NO_WAIT = PollingPolicy(first_delay=0, interval=0, backoff=1, max_interval=0, timeout=5)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Let Home Assistant load custom_components/bmw_mybmw in every test that runs it.

    Client and simulator tests have no ``hass``; starting one for each of them
    would only cost time.
    """
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")


@pytest.fixture(autouse=True)
def fast_remote_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """Poll command events without sleeping (the cloud advances one step per poll)."""
    monkeypatch.setattr(RemoteServices, "polling", NO_WAIT)


@pytest.fixture
def cloud(request: pytest.FixtureRequest) -> MyBMWCloud:
    """The default fleet (electric BMW, plug-in hybrid, combustion BMW, electric MINI).

    Parametrize it indirectly with "samples" to replay the recorded vehicles instead.
    """
    return make_cloud(getattr(request, "param", "fleet"))


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Home Assistant's snapshot format (ids as ANY), stored in tests/snapshots/."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def mock_api(cloud: MyBMWCloud) -> Iterator[respx.MockRouter]:
    """Route every MyBMW host (and loopback URLs) to ``cloud``; nothing reaches the network."""
    with mock_mybmw_api(cloud) as router:
        yield router


@pytest.fixture
def tokens(cloud: MyBMWCloud) -> dict[str, Any]:
    """A token answer the cloud accepts for the demo account."""
    return cloud.issue_tokens(DEMO_USERNAME)


@pytest.fixture
def config_entry(tokens: dict[str, Any]) -> MockConfigEntry:
    """A rest_of_world entry as the config flow stores it (no password)."""
    return MockConfigEntry(
        domain=DOMAIN,
        # Fixed, because vehicle unique ids contain it and snapshots record them.
        entry_id="01JBMWTESTENTRY00000000000",
        title=DEMO_USERNAME,
        unique_id=f"rest_of_world-{DEMO_USERNAME}",
        data={
            CONF_USERNAME: DEMO_USERNAME,
            CONF_REGION: "rest_of_world",
            CONF_REFRESH_TOKEN: tokens["refresh_token"],
            CONF_GCID: tokens["gcid"],
            CONF_USER_AGENT_BUILD: USER_AGENT_BUILD,
        },
    )


SetupEntry = Callable[[MockConfigEntry], Awaitable[MockConfigEntry]]


@pytest.fixture
def setup_entry(hass: HomeAssistant, mock_api: respx.MockRouter) -> SetupEntry:
    """Add an entry (if new) and set it up: for tests that change the entry or cloud first."""

    async def _setup(entry: MockConfigEntry) -> MockConfigEntry:
        if hass.config_entries.async_get_entry(entry.entry_id) is None:
            entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        return entry

    return _setup


@pytest.fixture
async def init_integration(
    config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> MockConfigEntry:
    """The integration, set up against the cloud's default fleet."""
    return await setup_entry(config_entry)
