"""A CarData entry end to end: REST start, pushed stream messages, budget, tokens, unload."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import gc
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
import respx

from custom_components.bmw_mybmw import button, lock, number, select, switch
from custom_components.bmw_mybmw.cardata import create_vehicle
from custom_components.bmw_mybmw.cardata.budget import PLANNING_RESERVE as BUDGET_RESERVE
from custom_components.bmw_mybmw.cardata.mapping import CarDataVehicleState
from custom_components.bmw_mybmw.cardata.stream import StreamNotAuthorizedError
from custom_components.bmw_mybmw.cardata_coordinator import (
    CHECK_INTERVAL,
    SILENT_REFRESH_AFTER,
    CarDataCoordinator,
)
from custom_components.bmw_mybmw.const import CONF_CONTAINER_ID, CONF_TOKENS, DOMAIN
from simulator.cardata import CarDataCloud
from tests.cardata_ha import FakeBroker, entity_id, wait_for_stream
from tests.registry_helpers import vehicle_device

EV = "WBA0FLEET00000001"
MINI = "WMW0FLEET00000004"
COMBUSTION = "WBA0FLEET00000003"
SOC = "vehicle.drivetrain.batteryManagement.header"
LOCK = "vehicle.cabin.door.status"
DOOR = "vehicle.cabin.door.row1.driver.isOpen"
NAV = "vehicle.cabin.infotainment.navigation.currentLocation"
FLEET = 4
ELECTRIC = 3  # i4, X3 30e, Cooper SE


def startup_cost() -> int:
    """Mappings, basic data, container lookup and creation, telematic data, charging history."""
    return 1 + FLEET + 2 + FLEET + ELECTRIC


def coordinator_of(entry: MockConfigEntry) -> CarDataCoordinator:
    coordinator = entry.runtime_data
    assert isinstance(coordinator, CarDataCoordinator)
    return coordinator


async def push(
    hass: HomeAssistant,
    cloud: CarDataCloud,
    broker: FakeBroker,
    vin: str,
    values: dict[str, Any],
    *,
    seconds: float = 1,
) -> None:
    """The car sends ``values`` (descriptor -> value, units kept)."""
    cloud.advance(seconds)
    for name, value in values.items():
        unit = cloud.telematics[vin].get(name, (None, None))[1]
        cloud.telematics[vin][name] = (value, unit)
    broker.publish(cloud.stream_payload(vin, list(values)), topic=f"gcid/{vin}")
    await hass.async_block_till_done()


async def test_setup_reads_rest_once(
    hass: HomeAssistant, cardata_cloud: CarDataCloud, cardata_setup: MockConfigEntry
) -> None:
    """A handful of REST requests paint the first picture; the container id is stored."""
    coordinator = coordinator_of(cardata_setup)
    assert cardata_setup.state is ConfigEntryState.LOADED
    assert len(cardata_cloud.requests) == startup_cost()
    assert coordinator.budget.used == startup_cost()
    assert coordinator.budget.limit == 50
    assert coordinator.budget.remaining == 50 - startup_cost()
    assert cardata_cloud.count("/customers/vehicles/mappings") == 1
    assert cardata_cloud.count("telematicData") == FLEET
    assert cardata_setup.data[CONF_CONTAINER_ID] in cardata_cloud.containers
    assert set(coordinator.data) == set(cardata_cloud.specs)
    assert coordinator.stream_running

    battery = hass.states.get(entity_id(hass, "sensor", f"{EV}-remaining_battery_percent"))
    assert battery is not None
    assert battery.state == "80"
    requests = hass.states.get(
        entity_id(hass, "sensor", f"{cardata_setup.unique_id}-api_requests_today")
    )
    assert requests is not None
    assert requests.state == str(startup_cost())
    assert requests.attributes["remaining"] == 50 - startup_cost()
    # Devices are keyed by VIN, like MyBMW's.
    device = vehicle_device(hass, EV)
    assert device is not None
    assert device.model == "i4 eDrive40"


async def test_pushed_messages_update_entities(
    hass: HomeAssistant,
    cardata_cloud: CarDataCloud,
    broker: FakeBroker,
    cardata_setup: MockConfigEntry,
) -> None:
    """Every message changes sensor, binary sensor and tracker states, with no REST request."""
    requests = len(cardata_cloud.requests)
    battery = entity_id(hass, "sensor", f"{EV}-remaining_battery_percent")
    lock_state = entity_id(hass, "binary_sensor", f"{EV}-door_lock_state")
    lids = entity_id(hass, "binary_sensor", f"{EV}-lids")
    tracker = entity_id(hass, "device_tracker", f"{EV}-car")
    assert hass.states.get(lock_state).state == STATE_OFF
    assert hass.states.get(lids).state == STATE_OFF
    assert hass.states.get(tracker).attributes["latitude"] == pytest.approx(48.177334)

    await push(hass, cardata_cloud, broker, EV, {SOC: 57})
    assert hass.states.get(battery).state == "57"
    await push(hass, cardata_cloud, broker, EV, {SOC: 56})
    assert hass.states.get(battery).state == "56"

    await push(hass, cardata_cloud, broker, EV, {LOCK: "UNLOCKED", DOOR: True})
    assert hass.states.get(lock_state).state == STATE_ON
    assert hass.states.get(lids).state == STATE_ON

    await push(
        hass, cardata_cloud, broker, EV, {f"{NAV}.latitude": 52.52, f"{NAV}.longitude": 13.405}
    )
    state = hass.states.get(tracker)
    assert state.attributes["latitude"] == pytest.approx(52.52)
    assert state.attributes["longitude"] == pytest.approx(13.405)

    # Another car's message leaves this one alone; an unknown VIN is ignored.
    await push(hass, cardata_cloud, broker, MINI, {SOC: 40})
    assert (
        hass.states.get(entity_id(hass, "sensor", f"{MINI}-remaining_battery_percent")).state
        == "40"
    )
    assert hass.states.get(battery).state == "56"
    broker.publish(b'{"vin": "WBA0UNKNOWN000000", "data": {"x": {"value": 1}}}')
    await hass.async_block_till_done()

    coordinator = coordinator_of(cardata_setup)
    assert coordinator.messages_received == 5
    assert len(cardata_cloud.requests) == requests  # pushed, not polled
    assert broker.current.topics == [f"{cardata_cloud.account.gcid}/+"]


async def test_no_command_entities(hass: HomeAssistant, cardata_setup: MockConfigEntry) -> None:
    """CarData is read-only: no lock, button, number, select, switch; no command progress."""
    entries = er.async_entries_for_config_entry(er.async_get(hass), cardata_setup.entry_id)
    domains = {entry.domain for entry in entries}
    assert domains == {"sensor", "binary_sensor", "device_tracker", "image"}
    assert not [e for e in entries if e.unique_id.endswith("command_progress")]
    images = [e.unique_id for e in entries if e.domain == "image"]
    assert sorted(images) == sorted(
        f"{cardata_setup.entry_id}-{vin}-image_front_side"
        for vin in coordinator_of(cardata_setup).data
    )


def test_capabilities_alone_create_no_commands() -> None:
    """Even with read-only off, a CarData vehicle's capabilities offer no command entity."""
    state = CarDataVehicleState(EV, basic_data={"driveTrain": "BEV", "hasSunRoof": True})
    vehicle = create_vehicle(state)

    assert not lock._has_lock(vehicle)
    for descriptions in (
        button.BUTTON_TYPES,
        number.NUMBER_TYPES,
        select.SELECT_TYPES,
        switch.SWITCH_TYPES,
    ):
        assert [d.key for d in descriptions if d.exists_fn(vehicle)] == []


async def test_charging_history_sensors(
    hass: HomeAssistant, cardata_setup: MockConfigEntry
) -> None:
    """The newest session of one page: energy, duration, cost, SoC from/to."""

    def state(key: str) -> Any:
        return hass.states.get(entity_id(hass, "sensor", f"{EV}-{key}"))

    assert state("last_charging_energy").state == "14.2"
    assert state("last_charging_energy").attributes["unit_of_measurement"] == "kWh"
    duration = state("last_charging_duration")
    assert float(duration.state) == pytest.approx(120)
    assert duration.attributes["unit_of_measurement"] == "min"
    assert state("last_charging_cost").state == "4.26"
    assert state("last_charging_cost").attributes["unit_of_measurement"] == "EUR"
    assert state("last_charging_start_soc").state == "30"
    assert state("last_charging_end_soc").state == "80"
    assert state("last_charging_end").state != "unknown"
    registry = er.async_get(hass)
    assert (
        registry.async_get_entity_id("sensor", DOMAIN, f"{COMBUSTION}-last_charging_energy") is None
    )


async def test_budget_and_history_survive_a_restart(
    hass: HomeAssistant,
    cardata_cloud: CarDataCloud,
    broker: FakeBroker,
    cardata_setup: MockConfigEntry,
) -> None:
    """A reload reads mappings and telematic data only; the count continues."""
    entry = cardata_setup
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await wait_for_stream(hass, broker)
    restart = 1 + FLEET  # basic data, container and today's history come from storage
    assert len(cardata_cloud.requests) == startup_cost() + restart
    coordinator = coordinator_of(entry)
    assert coordinator.budget.used == startup_cost() + restart
    stored = await Store(hass, 1, f"{DOMAIN}.{entry.entry_id}").async_load()
    assert stored is not None
    assert stored["budget"]["used"] == startup_cost() + restart
    assert set(stored["basic_data"]) == set(cardata_cloud.specs)
    assert hass.states.get(entity_id(hass, "sensor", f"{EV}-last_charging_energy")).state == "14.2"


async def test_budget_resets_next_day(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    cardata_cloud: CarDataCloud,
    broker: FakeBroker,
    cardata_setup: MockConfigEntry,
) -> None:
    coordinator = coordinator_of(cardata_setup)
    await coordinator.async_stop()  # the stream would renew its expired session in a loop
    freezer.move_to(dt_util.utcnow() + timedelta(days=1))
    assert coordinator.budget.used == 0
    assert coordinator.budget.remaining == 50


async def test_silent_vehicles_are_read_over_rest(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    cardata_cloud: CarDataCloud,
    broker: FakeBroker,
    cardata_setup: MockConfigEntry,
) -> None:
    """After hours of silence one REST read per vehicle; a vehicle that streamed is skipped."""
    coordinator = coordinator_of(cardata_setup)
    before = cardata_cloud.count("telematicData")
    freezer.tick(CHECK_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert cardata_cloud.count("telematicData") == before  # nothing is due yet
    assert coordinator.next_refresh is not None

    later = dt_util.utcnow() + SILENT_REFRESH_AFTER
    freezer.move_to(later - timedelta(minutes=1))
    cardata_cloud.now = dt_util.utcnow()
    await push(hass, cardata_cloud, broker, EV, {SOC: 70}, seconds=0)
    freezer.move_to(later + timedelta(minutes=1))
    cardata_cloud.telematics[MINI][SOC] = (33, "percent")
    await coordinator.async_check()
    await hass.async_block_till_done()
    assert cardata_cloud.count("telematicData") == before + FLEET - 1
    assert (
        hass.states.get(entity_id(hass, "sensor", f"{MINI}-remaining_battery_percent")).state
        == "33"
    )


async def test_planned_reads_keep_the_reserve(
    hass: HomeAssistant,
    cardata_cloud: CarDataCloud,
    cardata_setup: MockConfigEntry,
) -> None:
    coordinator = coordinator_of(cardata_setup)
    coordinator.budget.used = coordinator.budget.limit - BUDGET_RESERVE
    before = len(cardata_cloud.requests)
    await coordinator.async_check(dt_util.utcnow() + SILENT_REFRESH_AFTER + timedelta(minutes=1))
    assert len(cardata_cloud.requests) == before


async def test_refresh_vehicle_service(
    hass: HomeAssistant, cardata_cloud: CarDataCloud, cardata_setup: MockConfigEntry
) -> None:
    device = vehicle_device(hass, EV)
    cardata_cloud.telematics[EV][SOC] = (42, "percent")
    cardata_cloud.advance(60)
    await hass.services.async_call(
        DOMAIN, "refresh_vehicle", {ATTR_DEVICE_ID: device.id}, blocking=True
    )
    assert (
        hass.states.get(entity_id(hass, "sensor", f"{EV}-remaining_battery_percent")).state == "42"
    )
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN,
            "send_poi",
            {ATTR_DEVICE_ID: device.id, "latitude": 48.1, "longitude": 11.5},
            blocking=True,
        )
    with pytest.raises(ServiceValidationError):
        await coordinator_of(cardata_setup).async_run_command(EV, None)

    coordinator = coordinator_of(cardata_setup)
    coordinator.budget.used = coordinator.budget.limit
    with pytest.raises(HomeAssistantError):
        await coordinator.async_refresh_vehicle(EV)


async def test_refresh_vehicle_errors(
    hass: HomeAssistant,
    cardata_cloud: CarDataCloud,
    cardata_api: respx.MockRouter,
    cardata_setup: MockConfigEntry,
) -> None:
    coordinator = coordinator_of(cardata_setup)
    cardata_cloud.specs.pop(MINI)  # CU-101: no longer mapped
    with pytest.raises(HomeAssistantError):
        await coordinator.async_refresh_vehicle(MINI)
    cardata_cloud.daily_limit = 0
    with pytest.raises(HomeAssistantError):
        await coordinator.async_refresh_vehicle(EV)
    assert coordinator.budget.remaining == 0  # the server's CU-429 pauses planned reads


async def test_rotated_tokens_are_persisted(
    hass: HomeAssistant, cardata_setup: MockConfigEntry
) -> None:
    coordinator = coordinator_of(cardata_setup)
    old = cardata_setup.data[CONF_TOKENS]["refresh_token"]
    tokens = await coordinator.auth.refresh()
    assert cardata_setup.data[CONF_TOKENS]["refresh_token"] == tokens.refresh_token != old


async def test_rejected_refresh_token_starts_reauth(
    hass: HomeAssistant,
    cardata_entry: MockConfigEntry,
    cardata_api: respx.MockRouter,
    broker: FakeBroker,
) -> None:
    data = dict(cardata_entry.data)
    tokens = dict(data[CONF_TOKENS])
    tokens["access_token_expires_at"] = (dt_util.utcnow() - timedelta(hours=1)).isoformat()
    tokens["refresh_token"] = "revoked"
    cardata_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(cardata_entry, data={**data, CONF_TOKENS: tokens})
    await hass.config_entries.async_setup(cardata_entry.entry_id)
    await hass.async_block_till_done()
    assert cardata_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]


async def test_unusable_stored_tokens_start_reauth(
    hass: HomeAssistant,
    cardata_entry: MockConfigEntry,
    cardata_api: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cardata_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        cardata_entry, data={**cardata_entry.data, CONF_TOKENS: {"gcid": "x"}}
    )
    await hass.config_entries.async_setup(cardata_entry.entry_id)
    await hass.async_block_till_done()
    assert cardata_entry.state is ConfigEntryState.SETUP_ERROR
    # The half-built coordinator's shutdown ran as a task; a failed one is reported when
    # the task is collected.
    await hass.config_entries.async_remove(cardata_entry.entry_id)
    await hass.async_block_till_done()
    gc.collect()
    await asyncio.sleep(0)
    assert "_unsub_check" not in caplog.text
    assert "Task exception was never retrieved" not in caplog.text
    # Home Assistant 2026.10 adds the auth error's chain at debug level; nothing worse may have one.
    assert [
        r.getMessage() for r in caplog.records if r.exc_info and r.levelno > logging.DEBUG
    ] == []


async def test_quota_at_setup_retries_later(
    hass: HomeAssistant,
    cardata_cloud: CarDataCloud,
    cardata_entry: MockConfigEntry,
    cardata_api: respx.MockRouter,
    broker: FakeBroker,
) -> None:
    cardata_cloud.daily_limit = 3
    cardata_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(cardata_entry.entry_id)
    await hass.async_block_till_done()
    assert cardata_entry.state is ConfigEntryState.SETUP_RETRY
    stored = await Store(hass, 1, f"{DOMAIN}.{cardata_entry.entry_id}").async_load()
    assert stored["budget"]["paused_until"] is not None


async def test_server_error_at_setup_retries_later(
    hass: HomeAssistant,
    cardata_entry: MockConfigEntry,
    cardata_api: respx.MockRouter,
    broker: FakeBroker,
) -> None:
    cardata_api.routes.clear()
    cardata_api.route().respond(503)
    cardata_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(cardata_entry.entry_id)
    await hass.async_block_till_done()
    assert cardata_entry.state is ConfigEntryState.SETUP_RETRY


async def test_stream_refusing_credentials_starts_reauth(
    hass: HomeAssistant,
    cardata_entry: MockConfigEntry,
    cardata_api: respx.MockRouter,
    broker: FakeBroker,
) -> None:
    broker.connect_error = StreamNotAuthorizedError("not authorized")
    cardata_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(cardata_entry.entry_id)
    for _ in range(20):
        await hass.async_block_till_done()
    assert len(broker.sessions) == 3
    flows = hass.config_entries.flow.async_progress()
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
    assert not coordinator_of(cardata_entry).stream_running
    await hass.config_entries.async_unload(cardata_entry.entry_id)


async def test_unload_stops_the_stream(
    hass: HomeAssistant, broker: FakeBroker, cardata_setup: MockConfigEntry
) -> None:
    coordinator = coordinator_of(cardata_setup)
    session = broker.current
    assert await hass.config_entries.async_unload(cardata_setup.entry_id)
    await hass.async_block_till_done()
    assert session.closed
    assert not coordinator.stream_running
    assert len(broker.sessions) == 1  # no reconnect after the stop


async def test_device_removal_only_for_vehicles_gone(
    hass: HomeAssistant, cardata_setup: MockConfigEntry
) -> None:
    from custom_components.bmw_mybmw import async_remove_config_entry_device

    device = vehicle_device(hass, EV)
    assert not await async_remove_config_entry_device(hass, cardata_setup, device)
