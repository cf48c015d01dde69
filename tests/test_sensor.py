"""Sensor platform: every sensor per kind of vehicle, capability gating, updates, new vehicles."""

from __future__ import annotations

from datetime import datetime, timedelta

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.cloud import MyBMWCloud
from simulator.fleet import electric_bmw, make_vin, non_lsc_bmw, range_extender_bmw
from simulator.vehicles import SimVehicle
from tests.conftest import SetupEntry
from tests.platform_helpers import (
    EV_VIN,
    MINI_VIN,
    PHEV_VIN,
    entity_ids,
    read_only_entry,
    unique_ids,
)
from tests.registry_helpers import vehicle_device


async def test_device_info(
    hass: HomeAssistant, init_integration: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    """Devices are keyed by VIN and carry brand, model and head unit software."""
    device = vehicle_device(hass, MINI_VIN)
    assert device is not None
    assert device.manufacturer == "MINI"
    assert device.model == device.name == "Cooper SE"
    assert device.serial_number == MINI_VIN
    ev = vehicle_device(hass, EV_VIN)
    assert ev is not None
    assert ev.manufacturer == "BMW"
    assert ev.sw_version == "11/2021.70"


async def test_drivetrain_gating(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """Electric sensors only on vehicles with a battery, fuel sensors only with a tank."""
    ev = {
        uid.split("-", 1)[1]
        for uid in unique_ids(hass, init_integration, "sensor")
        if uid.startswith(EV_VIN)
    }
    phev = {
        uid.split("-", 1)[1]
        for uid in unique_ids(hass, init_integration, "sensor")
        if uid.startswith(PHEV_VIN)
    }
    assert {"remaining_battery_percent", "charging_status", "remaining_range_electric"} <= ev
    assert not {"remaining_fuel", "remaining_range_fuel", "remaining_fuel_percent"} & ev
    assert {"remaining_fuel", "remaining_range_fuel", "remaining_battery_percent"} <= phev
    assert "command_progress" in ev


@pytest.mark.parametrize(
    "cloud", [MyBMWCloud([non_lsc_bmw(31)], event_mode="poll", seed=1)], ids=["non_lsc"]
)
async def test_vehicle_without_live_state(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Without live state only the data age and the command progress are offered."""
    vin = make_vin(31, "bmw")
    assert {uid for uid in unique_ids(hass, init_integration, "sensor") if uid.startswith(vin)} == {
        f"{vin}-last_update",
        f"{vin}-command_progress",
    }


async def test_read_only_has_no_command_progress(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """Read-only accounts send no commands, so there is no progress to show."""
    entry = await setup_entry(read_only_entry(config_entry))
    ids = unique_ids(hass, entry, "sensor")
    assert f"{EV_VIN}-mileage" in ids
    assert not any(uid.endswith("-command_progress") for uid in ids)


async def test_values_follow_refresh(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """A new state from the cloud reaches the sensors at the next refresh."""
    assert hass.states.get("sensor.i4_edrive40_remaining_battery_percent").state == "80"
    ecs = cloud.vehicle(EV_VIN).st["electricChargingState"]
    ecs["chargingLevelPercent"] = 42
    ecs["chargingStatus"] = "SOMETHING_NEW"
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("sensor.i4_edrive40_remaining_battery_percent").state == "42"
    # An enum value the integration does not know is shown as unknown, never as an error.
    assert hass.states.get("sensor.i4_edrive40_charging_status").state == STATE_UNKNOWN


@pytest.mark.usefixtures("all_entities_enabled")
async def test_check_control_and_service_sensors(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The message list and the next service are readable as entities."""
    state = hass.states.get("sensor.x3_xdrive30e_check_control_message_count")
    assert state.state == "2"
    assert state.attributes["messages"] == [
        {"type": "tire_pressure", "severity": "low", "description": None},
        {"type": "engine_oil", "severity": "medium", "description": None},
    ]
    due = hass.states.get("sensor.x3_xdrive30e_next_service_due_date")
    assert due.attributes["service_type"] == "brake_fluid"


@pytest.mark.parametrize(
    "cloud", [MyBMWCloud([range_extender_bmw(5)], event_mode="poll", seed=1)], ids=["rex"]
)
async def test_charging_window_and_timers(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Departure timers and the preferred charging window come from the charging profile."""
    window = [e for e in entity_ids(hass, init_integration, "sensor") if e.endswith("_window")]
    assert len(window) == 1
    state = hass.states.get(window[0])
    assert state.state == "18:01-01:30"
    assert state.attributes["charging_preference"] == "charging_window"
    assert state.attributes["charging_mode"] == "delayed_charging"
    timers = [e for e in entity_ids(hass, init_integration, "sensor") if "departure_timer" in e]
    assert timers
    assert hass.states.get(timers[0]).attributes["weekdays"]


async def _relist_vehicles(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Read the vehicle lists again (the coordinator does this once a day) and publish."""
    coordinator = entry.runtime_data
    await coordinator.account.get_vehicles(force_init=True)
    coordinator.async_set_updated_vehicles()
    await hass.async_block_till_done()


async def test_new_vehicle_appears_without_reload(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """A vehicle added to the account gets its entities at the next refresh."""
    new_vin = make_vin(9, "bmw")
    spec = electric_bmw(9)
    spec.model = "iX xDrive50"
    cloud.vehicles[new_vin] = SimVehicle.from_spec(spec)
    before = len(hass.states.async_entity_ids("sensor"))
    await _relist_vehicles(hass, init_integration)
    assert f"{new_vin}-mileage" in unique_ids(hass, init_integration, "sensor")
    assert hass.states.get("sensor.ix_xdrive50_mileage").state == "1121"
    assert len(hass.states.async_entity_ids("sensor")) > before


async def test_removed_vehicle_becomes_unavailable(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """A vehicle that leaves the account makes its entities unavailable, the rest stay."""
    del cloud.vehicles[MINI_VIN]
    await _relist_vehicles(hass, init_integration)
    state = hass.states.get("sensor.cooper_se_mileage")
    assert state is None or state.state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.i4_edrive40_mileage").state == "1121"


@pytest.mark.usefixtures("all_entities_enabled")
async def test_missing_blocks_degrade_to_unknown(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """A vehicle that stops sending a block shows unknown values, never an error.

    Disabled-by-default sensors are enabled here, so each one has a state to check.
    """
    st = cloud.vehicle(EV_VIN).st
    st.pop("chargingProfile")
    st["requiredServices"] = []
    st.pop("electricChargingState")
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()
    for key in (
        "preferred_charging_window",
        "departure_timer_1",
        "next_service_due_date",
        "next_service_distance",
        "ac_current_limit",
        "charging_status",
    ):
        state = hass.states.get(f"sensor.i4_edrive40_{key}")
        assert state is not None, key
        assert state.state == STATE_UNKNOWN, key
    assert hass.states.get("sensor.i4_edrive40_preferred_charging_window").attributes == {
        "friendly_name": "i4 eDrive40 Preferred charging window"
    }
    assert hass.states.get("select.i4_edrive40_ac_charging_limit").state == STATE_UNKNOWN


async def test_timers_and_window_say_off(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """An inactive timer reads "off", not its stored 07:00; an active one its departure time."""
    timers = sorted(
        e
        for e in entity_ids(hass, init_integration, "sensor")
        if e.startswith("sensor.i4_edrive40_departure_timer")
    )
    assert len(timers) == 4
    assert {hass.states.get(e).state for e in timers} == {"off"}
    first = hass.states.get(timers[0])
    assert first.attributes["active"] is False
    assert first.attributes["departure_time"] == "07:00"
    # No charging window chosen: "off", not "00:00-00:00".
    assert hass.states.get("sensor.i4_edrive40_preferred_charging_window").state == "off"

    cloud.vehicle(EV_VIN).st["chargingProfile"]["departureTimes"][0]["action"] = "ACTIVATE"
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(timers[0]).state == "07:00"
    assert hass.states.get(timers[1]).state == "off"


async def test_remaining_charging_time(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """Minutes left while charging; the server's stale value after charging is not shown."""
    entity_id = "sensor.i4_edrive40_remaining_charging_time"
    electric = cloud.vehicle(EV_VIN).st["electricChargingState"]
    assert hass.states.get(entity_id).state == STATE_UNKNOWN
    electric.update(chargingStatus="CHARGING", chargingLevelPercent=50, chargingTarget=80)
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()
    state = hass.states.get(entity_id)
    # The simulated car works the minutes out from level, target and charging rate.
    assert electric["remainingChargingMinutes"] > 0
    assert state.state == str(electric["remainingChargingMinutes"])
    assert state.attributes["unit_of_measurement"] == "min"
    assert state.attributes["device_class"] == "duration"
    electric.update(chargingStatus="FINISHED_NOT_FULL", remainingChargingMinutes=40)
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).state == STATE_UNKNOWN


async def test_command_progress_starts_idle(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Before the first command the progress sensor says so instead of "unknown"."""
    assert hass.states.get("sensor.i4_edrive40_remote_command").state == "idle"


async def test_redundant_sensors_start_disabled(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The target SoC number shows the charging target; the check-control flag the messages."""
    registry = er.async_get(hass)
    for entity_id in (
        "sensor.i4_edrive40_charging_target",
        "sensor.i4_edrive40_check_control_message_count",
    ):
        entry = registry.async_get(entity_id)
        assert entry is not None, entity_id
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert hass.states.get("number.i4_edrive40_target_soc") is not None


async def test_read_only_keeps_charging_target(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """Without the number (read-only), the sensor is the only place for the target."""
    await setup_entry(read_only_entry(config_entry))
    assert hass.states.get("sensor.i4_edrive40_charging_target").state == "80"


async def test_charging_end_time_only_while_charging(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """Plugged in but not charging the server says 0 minutes left: that is no end time."""
    entity_id = "sensor.i4_edrive40_charging_end_time"
    electric = cloud.vehicle(EV_VIN).st["electricChargingState"]
    electric.update(chargingStatus="PLUGGED_IN", remainingChargingMinutes=0)
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()
    vehicle = init_integration.runtime_data.data[EV_VIN]
    assert vehicle.fuel_and_battery.charging_end_time is not None  # the client's arithmetic
    assert hass.states.get(entity_id).state == STATE_UNKNOWN

    electric.update(chargingStatus="CHARGING", chargingLevelPercent=50, chargingTarget=80)
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()
    end = init_integration.runtime_data.data[EV_VIN].fuel_and_battery.charging_end_time
    assert end is not None
    shown = datetime.fromisoformat(hass.states.get(entity_id).state)
    assert abs(shown - end) < timedelta(seconds=1)

    electric.update(chargingStatus="FINISHED_NOT_FULL", remainingChargingMinutes=40)
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).state == STATE_UNKNOWN
