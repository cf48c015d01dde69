"""CarData descriptor entities: created on first value, typed, default set, restored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest.mock import PropertyMock, patch

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, STATE_OFF, STATE_ON, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bmw_mybmw.cardata import descriptors as d
from custom_components.bmw_mybmw.cardata.catalogue import DESCRIPTORS
from custom_components.bmw_mybmw.const import DOMAIN
from simulator.cardata import CarDataCloud
from tests.cardata_ha import FakeBroker, entity_id

EV = "WBA0FLEET00000001"
MINI = "WMW0FLEET00000004"
COMBUSTION = "WBA0FLEET00000003"
C = "vehicle.drivetrain.electricEngine.charging"
POWER = "vehicle.powertrain.electric.battery.charging.power"
GRID = f"{C}.consumptionOverLifeTime.overall.gridEnergy"
PRECONDITIONING = "vehicle.powertrain.electric.battery.preconditioning.state"
MOVING = "vehicle.isMoving"
FLAP = "vehicle.body.flap.isLocked"
ROWS = {source: row for row in DESCRIPTORS for source in row.sources}


async def push(
    hass: HomeAssistant, cloud: CarDataCloud, broker: FakeBroker, vin: str, values: dict[str, Any]
) -> None:
    """The car sends ``values`` (descriptor -> value, units kept)."""
    cloud.advance(1)
    for name, value in values.items():
        unit = cloud.telematics[vin].get(name, (None, None))[1]
        cloud.telematics[vin][name] = (value, unit)
    broker.publish(cloud.stream_payload(vin, list(values)), topic=f"gcid/{vin}")
    await hass.async_block_till_done()


async def send_snapshot(
    hass: HomeAssistant, cloud: CarDataCloud, broker: FakeBroker, vin: str
) -> None:
    cloud.advance(1)
    broker.publish(cloud.stream_payload(vin), topic=f"gcid/{vin}")
    await hass.async_block_till_done()


def registered(
    hass: HomeAssistant, vin: str, domain: str | None = None
) -> dict[str, er.RegistryEntry]:
    """The vehicle's entities by the part of the unique id after ``<entry id>-<VIN>-``.

    Give ``domain`` where it matters: a sensor and a binary sensor may share a key.
    """
    registry = er.async_get(hass)
    return {
        entry.unique_id.removeprefix(f"{entry.config_entry_id}-{vin}-"): entry
        for entry in registry.entities.values()
        if entry.platform == DOMAIN
        and entry.unique_id.startswith(f"{entry.config_entry_id}-{vin}-")
        and domain in (None, entry.domain)
    }


async def test_every_descriptor_the_ev_streams_is_shown(
    hass: HomeAssistant,
    cardata_cloud: CarDataCloud,
    cardata_setup: MockConfigEntry,
    broker: FakeBroker,
) -> None:
    """Each descriptor is an entity of its own or fills the model entity named in MERGED_INTO."""
    before = registered(hass, EV)
    # REST reads only mapped descriptors; the climate ones among them have no model entity.
    from_rest = {key for key in before if key in ROWS}
    assert from_rest == {d.CLIMATE_ACTIVITY}
    await send_snapshot(hass, cardata_cloud, broker, EV)
    entities = registered(hass, EV)
    sent = set(cardata_cloud.telematics[EV])
    assert len(sent) > 80
    for name in sent:
        if name in d.MERGED_INTO:
            platform, _, key = d.MERGED_INTO[name].partition(".")
        else:
            platform, key = ROWS[name].platform, ROWS[name].key
        assert key in registered(hass, EV, platform), name
    # Nothing for what the car never sent (no second car's descriptors, no convertible roof).
    own = {ROWS[name].key for name in sent if name in ROWS}
    assert {key for key in entities if key in {row.key for row in DESCRIPTORS}} == own
    assert "vehicle.cabin.convertible.roofStatus" not in entities


async def test_default_set_is_enabled_with_units(
    hass: HomeAssistant,
    cardata_cloud: CarDataCloud,
    cardata_setup: MockConfigEntry,
    broker: FakeBroker,
) -> None:
    await send_snapshot(hass, cardata_cloud, broker, EV)
    entities = registered(hass, EV)
    enabled = {row.key for row in DESCRIPTORS if row.enabled}
    for key, entry in entities.items():
        if key in ROWS:
            assert (entry.disabled_by is None) == (key in enabled), key
    grid = hass.states.get(entity_id(hass, "sensor", f"{EV}-{GRID}"))
    assert grid is not None
    assert grid.attributes["device_class"] == "energy"
    assert grid.attributes["state_class"] == "total_increasing"
    assert grid.attributes[ATTR_UNIT_OF_MEASUREMENT] == "kWh"
    assert float(grid.state) == cardata_cloud.telematics[EV][GRID][0]
    expected = {
        POWER: ("W", "power", "measurement"),
        f"{C}.acVoltage": ("V", "voltage", "measurement"),
        f"{C}.acAmpere": ("A", "current", "measurement"),
        f"{C}.smeEnergyDeltaFullyCharged": ("kWh", "energy_storage", "measurement"),
        "vehicle.electricalSystem.battery.stateOfCharge": ("%", "battery", "measurement"),
        "vehicle.electricalSystem.battery.voltage": ("V", "voltage", "measurement"),
        "vehicle.chassis.axle.row1.wheel.left.tire.temperature": (
            "°C",
            "temperature",
            "measurement",
        ),
    }
    for name, (unit, device_class, state_class) in expected.items():
        state = hass.states.get(entity_id(hass, "sensor", f"{EV}-{name}"))
        assert state is not None, name
        assert state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) == unit, name
        assert state.attributes.get("device_class") == device_class, name
        assert state.attributes.get("state_class") == state_class, name
    assert hass.states.get(entity_id(hass, "sensor", f"{EV}-{POWER}")).state == "0"
    reason = hass.states.get(entity_id(hass, "sensor", f"{EV}-{C}.reasonChargingEnd"))
    assert reason.state == "customer_interaction_hmi_charging_target_reached"
    assert reason.attributes["device_class"] == "enum"
    assert "hv_battery_fully_charged" in reason.attributes["options"]


async def test_values_follow_the_stream(
    hass: HomeAssistant,
    cardata_cloud: CarDataCloud,
    cardata_setup: MockConfigEntry,
    broker: FakeBroker,
) -> None:
    await send_snapshot(hass, cardata_cloud, broker, EV)
    power = entity_id(hass, "sensor", f"{EV}-{POWER}")
    preconditioning = entity_id(hass, "sensor", f"{EV}-{PRECONDITIONING}")
    await push(hass, cardata_cloud, broker, EV, {POWER: 11_088, PRECONDITIONING: "AUTOMATIC_ON"})
    assert hass.states.get(power).state == "11088"
    assert hass.states.get(preconditioning).state == "automatic_on"
    # A unit the car sends instead of the row's is converted.
    cardata_cloud.telematics[EV][POWER] = (7.4, "kW")
    await push(hass, cardata_cloud, broker, EV, {POWER: 7.4})
    assert hass.states.get(power).state == "7400"
    # Placeholders and tokens outside the options are unknown, never a raw code.
    await push(hass, cardata_cloud, broker, EV, {PRECONDITIONING: "INVALID"})
    assert hass.states.get(preconditioning).state == STATE_UNKNOWN
    await push(hass, cardata_cloud, broker, EV, {PRECONDITIONING: "BRAND_NEW_STATE"})
    assert hass.states.get(preconditioning).state == STATE_UNKNOWN


@pytest.fixture
def all_enabled() -> Iterator[None]:
    """Every entity is created enabled (to read the states of disabled-by-default rows)."""
    with patch.object(
        Entity, "entity_registry_enabled_default", new_callable=PropertyMock, return_value=True
    ):
        yield


@pytest.mark.usefixtures("all_enabled")
async def test_flags_and_enabled_rows(
    hass: HomeAssistant,
    cardata_cloud: CarDataCloud,
    cardata_setup: MockConfigEntry,
    broker: FakeBroker,
) -> None:
    await send_snapshot(hass, cardata_cloud, broker, EV)
    moving = entity_id(hass, "binary_sensor", f"{EV}-{MOVING}")
    flap = entity_id(hass, "binary_sensor", f"{EV}-{FLAP}")
    assert hass.states.get(moving).state == STATE_OFF  # ASN_isFalse
    assert hass.states.get(moving).attributes["device_class"] == "moving"
    # Home Assistant's lock class: on means unlocked.
    assert hass.states.get(flap).state == STATE_OFF
    await push(hass, cardata_cloud, broker, EV, {MOVING: "ASN_isTrue", FLAP: "FLAP_UNLOCKED"})
    assert hass.states.get(moving).state == STATE_ON
    assert hass.states.get(flap).state == STATE_ON
    await push(hass, cardata_cloud, broker, EV, {MOVING: "ASN_isUnknown"})
    assert hass.states.get(moving).state == STATE_UNKNOWN
    # The i4 is not charging: the car's INVALID is shown as unknown, not as a code.
    ttf = hass.states.get(entity_id(hass, "sensor", f"{EV}-{C}.timeToFullyCharged"))
    assert ttf.attributes[ATTR_UNIT_OF_MEASUREMENT] == "min"
    assert ttf.state == STATE_UNKNOWN
    timer = entity_id(hass, "sensor", f"{EV}-vehicle.cabin.climate.timers.weekdaysTimer1.hour")
    assert hass.states.get(timer).state == "07:15"
    trip_end = entity_id(hass, "sensor", f"{EV}-vehicle.trip.segment.end.time")
    assert hass.states.get(trip_end).state == "2025-06-02T07:40:00+00:00"


async def test_other_cars_get_only_what_they_send(
    hass: HomeAssistant,
    cardata_cloud: CarDataCloud,
    cardata_setup: MockConfigEntry,
    broker: FakeBroker,
) -> None:
    await send_snapshot(hass, cardata_cloud, broker, COMBUSTION)
    entities = registered(hass, COMBUSTION)
    assert "vehicle.drivetrain.internalCombustionEngine.engine.ect" in entities
    assert POWER not in entities
    assert GRID not in entities
    # The MINI has streamed nothing yet: only what REST read (climate) has an entity.
    assert set(registered(hass, MINI)) & set(ROWS) == {d.CLIMATE_ACTIVITY}


async def test_entities_come_back_after_a_reload_with_their_last_state(
    hass: HomeAssistant,
    cardata_cloud: CarDataCloud,
    cardata_setup: MockConfigEntry,
    broker: FakeBroker,
) -> None:
    await send_snapshot(hass, cardata_cloud, broker, EV)
    grid = entity_id(hass, "sensor", f"{EV}-{GRID}")
    await push(hass, cardata_cloud, broker, EV, {GRID: 250.5})
    assert await hass.config_entries.async_reload(cardata_setup.entry_id)
    await hass.async_block_till_done()
    # No stream message since the reload: the entity exists and shows its last value.
    assert hass.states.get(grid).state == "250.5"


@pytest.mark.usefixtures("all_enabled")
async def test_flags_come_back_after_a_reload(
    hass: HomeAssistant,
    cardata_cloud: CarDataCloud,
    cardata_setup: MockConfigEntry,
    broker: FakeBroker,
) -> None:
    await send_snapshot(hass, cardata_cloud, broker, EV)
    moving = entity_id(hass, "binary_sensor", f"{EV}-{MOVING}")
    phases = entity_id(hass, "sensor", f"{EV}-{C}.phaseNumber")
    await push(
        hass, cardata_cloud, broker, EV, {MOVING: "ASN_isTrue", f"{C}.phaseNumber": "1-PHASES"}
    )
    assert await hass.config_entries.async_reload(cardata_setup.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(moving).state == STATE_ON
    assert hass.states.get(phases).state == "1_phases"


async def test_energy_dashboard_accepts_the_lifetime_grid_energy(
    hass: HomeAssistant,
    cardata_cloud: CarDataCloud,
    cardata_setup: MockConfigEntry,
    broker: FakeBroker,
) -> None:
    """Home Assistant's own Energy dashboard check finds nothing to complain about."""
    from homeassistant.components.energy import validate

    await send_snapshot(hass, cardata_cloud, broker, EV)
    grid = entity_id(hass, "sensor", f"{EV}-{GRID}")
    power = entity_id(hass, "sensor", f"{EV}-{POWER}")

    def issues_of(stat_id: str) -> dict[str, Any]:
        issues = validate.ValidationIssues()
        with patch.object(validate.recorder, "is_entity_recorded", return_value=True):
            validate._async_validate_usage_stat(
                hass,
                {stat_id: (1, {})},  # type: ignore[dict-item]
                stat_id,
                validate.ENERGY_USAGE_DEVICE_CLASSES,
                validate.ENERGY_USAGE_UNITS,
                validate.ENERGY_UNIT_ERROR,
                issues,
            )
        return issues.issues

    assert issues_of(grid) == {}
    # The check is real: the charging power (W) is refused.
    assert "entity_unexpected_device_class" in issues_of(power)


async def test_charging_minutes_are_shown_once(
    hass: HomeAssistant,
    cardata_cloud: CarDataCloud,
    cardata_setup: MockConfigEntry,
    broker: FakeBroker,
) -> None:
    """Charging to 100 %, the time to the target and the time to full are the same fact.

    Of the entities enabled from the start, only the model's "Remaining charging
    time" shows it (charging end time is the same minutes as a clock time).
    """
    await send_snapshot(hass, cardata_cloud, broker, EV)
    charging = {
        f"{C}.hvStatus": "CHARGING",
        "vehicle.powertrain.electric.battery.stateOfCharge.target": 100,
        f"{C}.timeRemaining": 78,
        f"{C}.timeToFullyCharged": 78,
    }
    await push(hass, cardata_cloud, broker, EV, charging)
    showing = [
        entry.entity_id
        for entry in registered(hass, EV, "sensor").values()
        if entry.disabled_by is None
        and (state := hass.states.get(entry.entity_id)) is not None
        and state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) == "min"
        and state.state == "78"
    ]
    assert showing == ["sensor.i4_edrive40_remaining_charging_time"]
