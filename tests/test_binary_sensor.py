"""Binary sensor platform: openings, lock, service and warnings, charging flags."""

from __future__ import annotations

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.cloud import MyBMWCloud
from tests.conftest import SetupEntry
from tests.platform_helpers import (
    COMBUSTION_VIN,
    EV_VIN,
    read_only_entry,
    unique_ids,
)


async def test_states(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """Flags and their details as the fleet reports them."""
    assert hass.states.get("binary_sensor.i4_edrive40_lids").state == STATE_OFF
    assert hass.states.get("binary_sensor.i4_edrive40_door_lock_state").state == STATE_OFF
    assert hass.states.get("binary_sensor.cooper_se_door_lock_state").state == STATE_ON
    assert hass.states.get("binary_sensor.cooper_se_connection_status").state == STATE_ON
    # A LOW check-control message is information, not a problem.
    assert hass.states.get("binary_sensor.i4_edrive40_check_control_messages").state == STATE_OFF
    problem = hass.states.get("binary_sensor.x3_xdrive30e_check_control_messages")
    assert problem.state == STATE_ON
    assert problem.attributes["engine_oil"] == "medium"
    service = hass.states.get("binary_sensor.m340i_xdrive_condition_based_services")
    assert service.state == STATE_ON
    assert service.attributes["vehicle_check"] == "pending"


async def test_openings_follow_refresh(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """An open trunk and window turn the sensors on and show up in the details."""
    st = cloud.vehicle(EV_VIN).st
    st["doorsState"]["trunk"] = "OPEN"
    st["doorsState"]["combinedSecurityState"] = "SOMETHING_NEW"
    st["windowsState"]["leftFront"] = "INTERMEDIATE"
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()
    lids = hass.states.get("binary_sensor.i4_edrive40_lids")
    assert lids.state == STATE_ON
    assert lids.attributes["trunk"] == "open"
    assert lids.attributes["hood"] == "closed"
    windows = hass.states.get("binary_sensor.i4_edrive40_windows")
    assert windows.state == STATE_ON
    assert windows.attributes["leftFront"] == "intermediate"
    # An unknown lock state is shown as unknown, not as unlocked.
    assert hass.states.get("binary_sensor.i4_edrive40_door_lock_state").state == STATE_UNKNOWN


async def test_drivetrain_gating(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """Charging flags exist only for vehicles with a battery."""
    ids = unique_ids(hass, init_integration, "binary_sensor")
    assert f"{EV_VIN}-charging_status" in ids
    assert f"{EV_VIN}-is_pre_entry_climatization_enabled" in ids
    assert f"{COMBUSTION_VIN}-charging_status" not in ids
    assert f"{COMBUSTION_VIN}-connection_status" not in ids
    assert f"{COMBUSTION_VIN}-lids" in ids


async def test_read_only_keeps_binary_sensors(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """Read-only mode only drops command entities."""
    entry = await setup_entry(read_only_entry(config_entry))
    assert f"{EV_VIN}-lids" in unique_ids(hass, entry, "binary_sensor")
