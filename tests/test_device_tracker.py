"""Device tracker platform: position and heading, for every car, as a primary entity."""

from __future__ import annotations

from homeassistant.const import STATE_NOT_HOME, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.cloud import MyBMWCloud
from simulator.fleet import electric_bmw, make_vin
from tests.conftest import SetupEntry
from tests.platform_helpers import (
    EV_VIN,
    entity_ids,
    read_only_entry,
    unique_ids,
)


async def test_position(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """The tracker carries the vehicle's name, coordinates and heading."""
    state = hass.states.get("device_tracker.cooper_se")
    assert state.state == STATE_NOT_HOME
    assert state.attributes["latitude"] == 51.5007
    assert state.attributes["longitude"] == -0.1246
    assert state.attributes["direction"] == 90


async def test_position_follows_refresh(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: MyBMWCloud
) -> None:
    """A vehicle that stops reporting its position shows no position."""
    cloud.vehicle(EV_VIN).st.pop("location")
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()
    state = hass.states.get("device_tracker.i4_edrive40")
    assert state.state == STATE_UNKNOWN
    assert "latitude" not in state.attributes


@pytest.mark.parametrize("cloud", [MyBMWCloud([electric_bmw(7)], seed=1)], ids=["one_ev"])
async def test_tracker_for_a_car_without_position(
    hass: HomeAssistant, cloud: MyBMWCloud, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """Finder off and no position (F31, I01 in the recordings): tracker and finder still exist.

    The tracker is unknown until a position arrives, then follows it without a reload.
    """
    vin = make_vin(7, "bmw")
    car = cloud.vehicle(vin)
    car.capabilities["vehicleFinder"] = False
    location = car.st.pop("location")
    entry = await setup_entry(config_entry)
    assert unique_ids(hass, entry, "device_tracker") == {f"{vin}-car"}
    assert f"{vin}-find_vehicle" in unique_ids(hass, entry, "button")
    tracker = entity_ids(hass, entry, "device_tracker")
    assert len(tracker) == 1
    state = hass.states.get(tracker[0])
    assert state.state == STATE_UNKNOWN
    assert state.attributes["tracking_enabled"] is False

    car.st["location"] = location
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    state = hass.states.get(tracker[0])
    assert state.state == STATE_NOT_HOME
    assert state.attributes["latitude"] == location["coordinates"]["latitude"]


async def test_tracker_is_primary(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """Location is a headline value: no diagnostic category, so the default dashboard shows it."""
    entry = er.async_get(hass).async_get("device_tracker.i4_edrive40")
    assert entry is not None
    assert entry.entity_category is None
    assert entry.disabled_by is None


async def test_read_only_keeps_trackers(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """The tracker is not a command entity: read-only mode keeps it."""
    entry = await setup_entry(read_only_entry(config_entry))
    assert f"{EV_VIN}-car" in unique_ids(hass, entry, "device_tracker")
