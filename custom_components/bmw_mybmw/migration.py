"""Config entry migration: vehicle entity unique ids become per entry (version 1 -> 2).

Version 1 keyed vehicle entities by ``{vin}-{key}`` whatever the entry, so a car
in a second entry (CarData next to MyBMW, a shared family car, a second region)
lost all its entities to "does not generate unique IDs". Version 2 prefixes the
entry id (``entity.vehicle_unique_id``). The registry entries are renamed in
place: entity ids, names, areas and recorded history stay as they were.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .const import ACCOUNT_DEVICE_PREFIX, DOMAIN, LOGGER
from .entity import vehicle_unique_id

CURRENT_VERSION = 2


def _vins_of(device: dr.DeviceEntry | None) -> set[str]:
    """The VINs a device stands for (the account's own device has none)."""
    if device is None:
        return set()
    return {
        identifier
        for domain, identifier in device.identifiers
        if domain == DOMAIN and not identifier.startswith(ACCOUNT_DEVICE_PREFIX)
    }


@callback
def scoped_unique_ids(hass: HomeAssistant, entry: ConfigEntry) -> dict[str, str]:
    """Old to new unique id of every version-1 vehicle entity of the entry.

    A vehicle entity is recognised by its device, whose identifier is the VIN
    its unique id starts with; account entities (keyed by the entry already)
    and ids that are taken are left alone.
    """
    entities = er.async_get(hass)
    devices = dr.async_get(hass)
    renames: dict[str, str] = {}
    for entity in er.async_entries_for_config_entry(entities, entry.entry_id):
        device = devices.async_get(entity.device_id) if entity.device_id else None
        for vin in _vins_of(device):
            prefix = f"{vin}-"
            if not entity.unique_id.startswith(prefix):
                continue
            new = vehicle_unique_id(entry.entry_id, vin, entity.unique_id.removeprefix(prefix))
            if entities.async_get_entity_id(entity.domain, DOMAIN, new) is None:
                renames[entity.unique_id] = new
    return renames


async def async_migrate_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Bring an entry to the current version; refuse entries of a newer release."""
    if entry.version > CURRENT_VERSION:
        # Written by a newer release (a downgrade): its ids are unknown here.
        return False
    if entry.version == 1:
        renames = scoped_unique_ids(hass, entry)

        @callback
        def _rename(entity: er.RegistryEntry) -> dict[str, str] | None:
            new = renames.get(entity.unique_id)
            return None if new is None else {"new_unique_id": new}

        await er.async_migrate_entries(hass, entry.entry_id, _rename)
        hass.config_entries.async_update_entry(entry, version=CURRENT_VERSION)
        LOGGER.debug("Entry migrated to version %s: %s ids renamed", CURRENT_VERSION, len(renames))
    return True
