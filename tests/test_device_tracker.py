"""Device tracker platform: position and heading, gating on the vehicle finder."""

from __future__ import annotations

from homeassistant.const import STATE_NOT_HOME, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.cloud import MyBMWCloud
from simulator.fleet import electric_bmw, make_vin
from tests.conftest import SetupEntry
from tests.platform_helpers import (
    EV_VIN,
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
async def test_no_tracker_without_finder(
    hass: HomeAssistant, cloud: MyBMWCloud, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """Vehicles with tracking disabled get no tracker."""
    cloud.vehicle(make_vin(7, "bmw")).capabilities["vehicleFinder"] = False
    entry = await setup_entry(config_entry)
    assert unique_ids(hass, entry, "device_tracker") == set()


async def test_read_only_keeps_trackers(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """The tracker is not a command entity: read-only mode keeps it."""
    entry = await setup_entry(read_only_entry(config_entry))
    assert f"{EV_VIN}-car" in unique_ids(hass, entry, "device_tracker")
