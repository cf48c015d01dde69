"""What an owner reads: every entity of a car has its own name, across all platforms."""

from __future__ import annotations

from collections import Counter

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.conftest import SetupEntry
from tests.platform_helpers import FLEETS
from tests.registry_helpers import vehicle_device


@pytest.mark.usefixtures("frozen_time", "all_entities_enabled")
@pytest.mark.parametrize("cloud", FLEETS, indirect=True)
async def test_no_two_entities_of_a_car_share_a_name(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """Disabled ones included: enabling a compatibility entity must not create a twin."""
    await setup_entry(config_entry)
    devices = dr.async_get(hass)
    names: dict[str, Counter[str]] = {}
    for entry in er.async_entries_for_config_entry(er.async_get(hass), config_entry.entry_id):
        state = hass.states.get(entry.entity_id)
        assert state is not None, entry.entity_id
        device = devices.async_get(entry.device_id) if entry.device_id else None
        assert device is not None
        names.setdefault(device.id, Counter())[state.attributes["friendly_name"]] += 1
    assert len(names) > 1
    twins = {name for counter in names.values() for name, count in counter.items() if count > 1}
    assert not twins


@pytest.mark.usefixtures("frozen_time")
async def test_dashboard_rows_per_car(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """Redundant entities start disabled; the tracker is among the primary entities."""
    await setup_entry(config_entry)
    registry = er.async_get(hass)
    device = vehicle_device(hass, "WBA0FLEET00000001")
    assert device is not None
    entries = er.async_entries_for_device(registry, device.id, include_disabled_entities=True)
    primary = [e for e in entries if e.disabled_by is None and e.entity_category is None]
    assert "device_tracker" in {e.domain for e in primary}
    disabled = {e.entity_id for e in entries if e.disabled_by is not None}
    assert {
        "binary_sensor.i4_edrive40_door_lock_state",
        "binary_sensor.i4_edrive40_battery_charging",
        "sensor.i4_edrive40_charging_target",
        "sensor.i4_edrive40_check_control_message_count",
        "button.i4_edrive40_activate_air_conditioning",
        "button.i4_edrive40_deactivate_air_conditioning",
    } <= disabled
