"""Setup, unload, reload on options only, device removal."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.bmw_mybmw.const import CONF_REFRESH_TOKEN, DOMAIN
from custom_components.bmw_mybmw.mybmw.api.regions import Regions
from simulator.cloud import MyBMWCloud
from tests.conftest import USER_AGENT_BUILD, SetupEntry
from tests.registry_helpers import vehicle_device


async def test_setup_and_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    entry = init_integration
    assert entry.state is ConfigEntryState.LOADED
    coordinator = entry.runtime_data
    assert set(coordinator.data) == set(cloud.vehicles)
    assert coordinator.account.region is Regions.REST_OF_WORLD
    # Every request carried the installation's persisted x-user-agent build.
    assert cloud.requests
    assert all(
        r.headers["x-user-agent"].startswith(f"android({USER_AGENT_BUILD});")
        for r in cloud.requests
    )
    # Devices exist per VIN.
    for vin in cloud.vehicles:
        assert vehicle_device(hass, vin) is not None

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED


async def test_observer_position_from_home(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """The vehicle finder needs the home position; it comes from Home Assistant's config."""
    await hass.config.async_update(latitude=48.1, longitude=11.5)
    await setup_entry(config_entry)
    position = config_entry.runtime_data.account.config.observer_position
    assert (position.latitude, position.longitude) == (48.1, 11.5)


async def test_invalid_home_position_is_ignored(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    hass.config.latitude = 123.0  # out of range: no observer rather than a crash
    await setup_entry(config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert config_entry.runtime_data.account.config.observer_position is None


async def test_setup_retries_on_transient_error(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry, cloud: MyBMWCloud
) -> None:
    cloud.faults.add("vehicle_list", "503")
    await setup_entry(config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_setup_with_rejected_token_starts_reauth(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry, cloud: MyBMWCloud
) -> None:
    cloud.revoke_refresh_tokens()
    await setup_entry(config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_token_rotation_does_not_reload(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Data updates (rotated tokens) reach the update listener but must not reload."""
    coordinator = init_integration.runtime_data
    hass.config_entries.async_update_entry(
        init_integration, data={**init_integration.data, CONF_REFRESH_TOKEN: "rotated"}
    )
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.runtime_data is coordinator


async def test_remove_device(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
    cloud: MyBMWCloud,
) -> None:
    """A vehicle on the account can't be removed; a leftover device can."""
    assert await async_setup_component(hass, "config", {})
    registry = dr.async_get(hass)
    entry_id = init_integration.entry_id
    vin = next(iter(cloud.vehicles))
    current = vehicle_device(hass, vin)
    leftover = registry.async_get_or_create(
        config_entry_id=entry_id, identifiers={(DOMAIN, "WBA0GONE000000001")}
    )
    client = await hass_ws_client(hass)

    async def remove(device: dr.DeviceEntry) -> bool:
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": entry_id,
                "device_id": device.id,
            }
        )
        return (await client.receive_json())["success"]

    assert await remove(current) is False
    assert registry.async_get(current.id) is not None
    assert await remove(leftover) is True
    assert registry.async_get(leftover.id) is None
