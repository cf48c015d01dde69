"""Service actions: send a destination to vehicles, refresh one vehicle now."""

from __future__ import annotations

from functools import partial

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID, ATTR_LATITUDE, ATTR_LONGITUDE, ATTR_NAME
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
import voluptuous as vol

from .const import DOMAIN
from .contract import BMWConfigEntry, BMWCoordinator
from .mybmw.models import PointOfInterest

SERVICE_SEND_POI = "send_poi"
SERVICE_REFRESH_VEHICLE = "refresh_vehicle"

ATTR_STREET = "street"
ATTR_CITY = "city"
ATTR_POSTAL_CODE = "postal_code"
ATTR_COUNTRY = "country"

_DEVICES = vol.All(cv.ensure_list, [cv.string])

# The longest text each destination field takes; the car's navigation shows short lines.
MAX_LENGTHS: dict[str, int] = {
    ATTR_NAME: 100,
    ATTR_STREET: 100,
    ATTR_CITY: 100,
    ATTR_POSTAL_CODE: 16,
    ATTR_COUNTRY: 100,
}

SEND_POI_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): _DEVICES,
        vol.Required(ATTR_LATITUDE): cv.latitude,
        vol.Required(ATTR_LONGITUDE): cv.longitude,
        vol.Optional(ATTR_NAME): cv.string,
        vol.Optional(ATTR_STREET): cv.string,
        vol.Optional(ATTR_CITY): cv.string,
        vol.Optional(ATTR_POSTAL_CODE): cv.string,
        vol.Optional(ATTR_COUNTRY): cv.string,
    }
)
REFRESH_VEHICLE_SCHEMA = vol.Schema({vol.Required(ATTR_DEVICE_ID): _DEVICES})


def _loaded_entries(hass: HomeAssistant) -> list[BMWConfigEntry]:
    """The integration's entries whose coordinator is running."""
    return [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.state is ConfigEntryState.LOADED
    ]


def _vehicle_targets(hass: HomeAssistant, call: ServiceCall) -> list[tuple[BMWCoordinator, str]]:
    """Resolve the targeted devices to (coordinator, VIN), validating each one first."""
    registry = dr.async_get(hass)
    targets = []
    for device_id in call.data[ATTR_DEVICE_ID]:
        device = registry.async_get(device_id)
        vin = (
            next((ident for domain, ident in device.identifiers if domain == DOMAIN), None)
            if device
            else None
        )
        if device is None or vin is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_device",
                translation_placeholders={"device_id": device_id},
            )
        if device.entry_type is dr.DeviceEntryType.SERVICE:
            # The account's own device: loaded, but not a car.
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_a_vehicle",
                translation_placeholders={"device": device.name_by_user or device.name or ""},
            )
        coordinator = next(
            (
                entry.runtime_data
                for entry in _loaded_entries(hass)
                if device in dr.async_entries_for_config_entry(registry, entry.entry_id)
            ),
            None,
        )
        if coordinator is None or vin not in coordinator.data:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="vehicle_not_loaded",
                translation_placeholders={"device": device.name_by_user or device.name or ""},
            )
        targets.append((coordinator, vin))
    return targets


def _check_lengths(call: ServiceCall) -> None:
    """Refuse a destination text longer than the car takes, naming the field."""
    for field, limit in MAX_LENGTHS.items():
        if len(call.data.get(field) or "") > limit:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="text_too_long",
                translation_placeholders={"field": field, "max": str(limit)},
            )


async def _async_send_poi(hass: HomeAssistant, call: ServiceCall) -> None:
    _check_lengths(call)
    targets = _vehicle_targets(hass, call)
    for coordinator, _ in targets:
        if coordinator.read_only:
            raise ServiceValidationError(translation_domain=DOMAIN, translation_key="read_only")
    poi = PointOfInterest(
        lat=call.data[ATTR_LATITUDE],
        lon=call.data[ATTR_LONGITUDE],
        name=call.data.get(ATTR_NAME),
        street=call.data.get(ATTR_STREET),
        postal_code=call.data.get(ATTR_POSTAL_CODE),
        city=call.data.get(ATTR_CITY),
        country=call.data.get(ATTR_COUNTRY),
    )
    for coordinator, vin in targets:
        vehicle = coordinator.data[vin]
        await coordinator.async_run_command(
            vin, partial(vehicle.remote_services.trigger_send_poi, poi), service="send_poi"
        )


async def _async_refresh_vehicle(hass: HomeAssistant, call: ServiceCall) -> None:
    for coordinator, vin in _vehicle_targets(hass, call):
        await coordinator.async_refresh_vehicle(vin)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's service actions."""
    hass.services.async_register(
        DOMAIN, SERVICE_SEND_POI, partial(_async_send_poi, hass), schema=SEND_POI_SCHEMA
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_REFRESH_VEHICLE,
        partial(_async_refresh_vehicle, hass),
        schema=REFRESH_VEHICLE_SCHEMA,
    )
