"""Binary sensor platform: openings, lock, service and warnings, charging flags."""

from __future__ import annotations

from datetime import datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.bmw_mybmw.binary_sensor import REPORTING_WINDOW
from simulator.cloud import MyBMWCloud
from tests.conftest import SetupEntry
from tests.platform_helpers import (
    EV_VIN,
    read_only_entry,
    unique_ids,
)


@pytest.mark.usefixtures("all_entities_enabled")
async def test_states(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """Flags and their details as the fleet reports them."""
    assert hass.states.get("binary_sensor.i4_edrive40_doors_and_lids").state == STATE_OFF
    assert hass.states.get("binary_sensor.i4_edrive40_door_lock_state").state == STATE_OFF
    assert hass.states.get("binary_sensor.cooper_se_door_lock_state").state == STATE_ON
    assert hass.states.get("binary_sensor.cooper_se_charging_plug").state == STATE_ON
    # A LOW check-control message is information, not a problem.
    assert hass.states.get("binary_sensor.i4_edrive40_check_control_messages").state == STATE_OFF
    problem = hass.states.get("binary_sensor.x3_xdrive30e_check_control_messages")
    assert problem.state == STATE_ON
    assert problem.attributes["engine_oil"] == "medium"
    service = hass.states.get("binary_sensor.m340i_xdrive_condition_based_services")
    assert service.state == STATE_ON
    assert service.attributes["vehicle_check"] == "pending"


@pytest.mark.usefixtures("all_entities_enabled")
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
    lids = hass.states.get("binary_sensor.i4_edrive40_doors_and_lids")
    assert lids.state == STATE_ON
    assert lids.attributes["trunk"] == "open"
    assert lids.attributes["hood"] == "closed"
    windows = hass.states.get("binary_sensor.i4_edrive40_windows")
    assert windows.state == STATE_ON
    assert windows.attributes["leftFront"] == "intermediate"
    # Each opening has its own sensor; half open reads open, the position says how far.
    assert hass.states.get("binary_sensor.i4_edrive40_trunk").state == STATE_ON
    assert hass.states.get("binary_sensor.i4_edrive40_hood").state == STATE_OFF
    window = hass.states.get("binary_sensor.i4_edrive40_front_left_window")
    assert window.state == STATE_ON
    assert window.attributes["position"] == "intermediate"
    assert window.attributes["device_class"] == "window"
    door = hass.states.get("binary_sensor.i4_edrive40_front_left_door")
    assert door.state == STATE_OFF
    assert door.attributes["device_class"] == "door"
    # An unknown lock state is shown as unknown, not as unlocked.
    assert hass.states.get("binary_sensor.i4_edrive40_door_lock_state").state == STATE_UNKNOWN


async def test_openings_follow_the_car(
    hass: HomeAssistant, cloud: MyBMWCloud, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """Only the openings a car reports get a sensor; an unknown state is unknown, not closed."""
    st = cloud.vehicle(EV_VIN).st
    st["windowsState"].pop("rear", None)
    st["windowsState"]["rightRear"] = "INVALID"  # INVALID: the car has no such window
    st["doorsState"]["leftRear"] = "SOMETHING_NEW"
    st["roofState"] = {"roofState": "OPEN_TILT", "roofStateType": "SUN_ROOF"}
    entry = await setup_entry(config_entry)
    ids = unique_ids(hass, entry, "binary_sensor")
    assert f"{EV_VIN}-rear_window" not in ids
    assert f"{EV_VIN}-window_rear_right" not in ids
    assert f"{EV_VIN}-window_front_left" in ids
    assert hass.states.get("binary_sensor.i4_edrive40_rear_left_door").state == STATE_UNKNOWN
    roof = hass.states.get("binary_sensor.i4_edrive40_sunroof")
    assert roof.state == STATE_ON
    assert roof.attributes["position"] == "open_tilt"


async def test_redundant_flags_start_disabled(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The lock and the charging status sensor show these facts already: flags start disabled."""
    registry = er.async_get(hass)
    for entity_id in (
        "binary_sensor.i4_edrive40_door_lock_state",
        "binary_sensor.i4_edrive40_battery_charging",
    ):
        entry = registry.async_get(entity_id)
        assert entry is not None, entity_id
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert hass.states.get("lock.i4_edrive40_lock") is not None
    assert hass.states.get("sensor.i4_edrive40_charging_status") is not None


async def test_read_only_keeps_lock_flag_enabled(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """Without the lock, the flag is the only place for the lock state."""
    await setup_entry(read_only_entry(config_entry))
    assert hass.states.get("binary_sensor.i4_edrive40_door_lock_state").state == STATE_OFF


async def test_reporting(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    cloud: MyBMWCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The car counts as reporting for a day after its last report, rechecked on the clock."""
    car = cloud.vehicle(EV_VIN)
    car.live = False  # a parked car: its last report stays where it is
    seen = datetime.fromisoformat(car.st["lastUpdatedAt"])
    freezer.move_to(seen + timedelta(hours=1))
    await setup_entry(config_entry)
    entity_id = "binary_sensor.i4_edrive40_reporting"
    state = hass.states.get(entity_id)
    assert state.state == STATE_ON
    assert state.attributes["last_seen"] == seen.isoformat()
    assert state.attributes["device_class"] == "connectivity"
    freezer.tick(REPORTING_WINDOW - timedelta(hours=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).state == STATE_ON
    # Polls in between bring the same report: the clock alone turns it off.
    freezer.tick(timedelta(hours=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).state == STATE_OFF
