"""Device look-ups that read the same on every Home Assistant release we test.

Home Assistant 2026.11 deprecates `DeviceRegistry.async_get_device` (identifiers are unique only
per config entry there) and the look-ups that replace it do not exist in 2025.4.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from custom_components.bmw_mybmw.const import DOMAIN


def devices_with_identifier(
    hass: HomeAssistant, identifier: tuple[str, str]
) -> list[dr.DeviceEntry]:
    """Every device that carries ``identifier``, whichever entry it belongs to."""
    return [d for d in dr.async_get(hass).devices.values() if identifier in d.identifiers]


def vehicle_device(hass: HomeAssistant, vin: str) -> dr.DeviceEntry | None:
    """The one device of a car, or None; more than one is a test failure."""
    found = devices_with_identifier(hass, (DOMAIN, vin))
    assert len(found) <= 1, f"{len(found)} devices for one car"
    return found[0] if found else None
