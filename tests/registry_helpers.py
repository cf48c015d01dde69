"""Device look-ups that read the same on every Home Assistant release we test.

Home Assistant 2026.10 deprecates `DeviceRegistry.async_get_device` (identifiers are unique only
per config entry there) and reading `DeviceRegistry.devices` as a mapping; the look-ups that
replace them do not exist in 2025.4. Per-entry listing exists in both.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from custom_components.bmw_mybmw.const import DOMAIN


def devices_with_identifier(
    hass: HomeAssistant, identifier: tuple[str, str]
) -> list[dr.DeviceEntry]:
    """Every device that carries ``identifier``, whichever of our entries it belongs to."""
    registry = dr.async_get(hass)
    found: dict[str, dr.DeviceEntry] = {}
    for entry in hass.config_entries.async_entries(DOMAIN):
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
            if identifier in device.identifiers:
                found[device.id] = device
    return list(found.values())


def vehicle_device(hass: HomeAssistant, vin: str) -> dr.DeviceEntry | None:
    """The one device of a car, or None; more than one is a test failure."""
    found = devices_with_identifier(hass, (DOMAIN, vin))
    assert len(found) <= 1, f"{len(found)} devices for one car"
    return found[0] if found else None
