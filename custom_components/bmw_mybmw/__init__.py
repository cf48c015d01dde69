"""The BMW & MINI (MyBMW) integration."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.typing import ConfigType

from .backends import create_coordinator
from .cardata.exceptions import CarDataAuthError
from .const import ACCOUNT_DEVICE_PREFIX, DOMAIN, PLATFORMS
from .contract import BMWConfigEntry
from .migration import async_migrate_entry as async_migrate_entry
from .persistence import budget_store
from .repairs import async_clear_issues
from .services import async_setup_services

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the service actions once, independent of config entries."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: BMWConfigEntry) -> bool:
    """Restore today's request count, load the vehicles, then start the platforms."""
    try:
        coordinator = create_coordinator(hass, entry)
    except CarDataAuthError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="auth_failed"
        ) from err
    # Restore first, so a restart cannot start the budget afresh.
    await coordinator.async_restore()
    try:
        await coordinator.async_config_entry_first_refresh()
    finally:
        # A setup retry builds a new coordinator that must see what this one spent.
        await coordinator.async_save()
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    coordinator.async_start()
    return True


async def async_unload_entry(hass: HomeAssistant, entry: BMWConfigEntry) -> bool:
    """Unload the platforms and write the request count at once (and stop a stream)."""
    await entry.runtime_data.async_unload()
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: BMWConfigEntry) -> None:
    """Forget the account's request count and its repair issues."""
    await budget_store(hass, entry.entry_id).async_remove()
    async_clear_issues(hass, entry.entry_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: BMWConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Allow removing a device only when its vehicle is no longer on the account.

    The account's own device (request budget) stays as long as the account.
    """
    vehicles = entry.runtime_data.data or {}
    return not any(
        domain == DOMAIN
        and (identifier in vehicles or identifier.startswith(ACCOUNT_DEVICE_PREFIX))
        for domain, identifier in device.identifiers
    )
