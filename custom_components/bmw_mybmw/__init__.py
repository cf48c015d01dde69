"""The BMW & MINI (MyBMW) integration."""

from __future__ import annotations

from typing import Any

from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    issue_registry as ir,
)
from homeassistant.helpers.httpx_client import get_async_client
from homeassistant.helpers.typing import ConfigType
from homeassistant.util import dt as dt_util

from .cardata.exceptions import CarDataAuthError
from .cardata.stream import ConnectionFactory
from .cardata_coordinator import CarDataCoordinator
from .const import (
    ACCOUNT_DEVICE_PREFIX,
    BACKEND_CARDATA,
    CONF_BACKEND,
    CONF_DAILY_REQUEST_BUDGET,
    CONF_GCID,
    CONF_READ_ONLY,
    CONF_REFRESH_TOKEN,
    CONF_REGION,
    CONF_USER_AGENT_BUILD,
    DOMAIN,
    ISSUE_BLOCKED,
    ISSUE_QUOTA_EXCEEDED,
    PLATFORMS,
)
from .coordinator import MyBMWConfigEntry, MyBMWCoordinator, budget_store
from .migration import async_migrate_entry as async_migrate_entry
from .mybmw.account import MyBMWAccount
from .mybmw.api.regions import get_region_from_name
from .mybmw.models import GPSPosition
from .services import async_setup_services

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the service actions once, independent of config entries."""
    async_setup_services(hass)
    return True


def _observer_position(hass: HomeAssistant) -> GPSPosition | None:
    """Home's coordinates, which the vehicle finder needs for older cars."""
    try:
        return GPSPosition(hass.config.latitude, hass.config.longitude)
    except (TypeError, ValueError):
        return None


# Tests and benchmarks replace the MQTT transport of CarData entries here.
CARDATA_CONNECTION_FACTORY: ConnectionFactory | None = None


def is_cardata(entry: MyBMWConfigEntry) -> bool:
    """Entries from before CarData have no backend key: they are MyBMW entries."""
    return entry.data.get(CONF_BACKEND) == BACKEND_CARDATA


async def async_setup_entry(hass: HomeAssistant, entry: MyBMWConfigEntry) -> bool:
    """Log in with the stored refresh token and load the vehicles."""
    if is_cardata(entry):
        return await _async_setup_cardata(hass, entry)
    account = MyBMWAccount(
        entry.data[CONF_USERNAME],
        # Only China can log in with a password unattended; elsewhere none is stored.
        entry.data.get(CONF_PASSWORD, ""),
        get_region_from_name(entry.data[CONF_REGION]),
        observer_position=_observer_position(hass),
        httpx_client=get_async_client(hass),
        user_agent_build=entry.data.get(CONF_USER_AGENT_BUILD),
    )
    # The car's local clock times (charging window) are in the owner's zone, not the host's.
    account.timezone = dt_util.get_default_time_zone()
    if entry.data.get(CONF_REFRESH_TOKEN):
        account.set_refresh_token(entry.data[CONF_REFRESH_TOKEN], entry.data.get(CONF_GCID))

    coordinator = MyBMWCoordinator(hass, entry, account)
    # Restore today's request count first, so a restart cannot start the budget afresh.
    await coordinator.async_restore_budget()
    try:
        await coordinator.async_config_entry_first_refresh()
    finally:
        # A setup retry builds a new coordinator that must see what this one spent.
        await coordinator.async_save_budget()
    entry.runtime_data = coordinator

    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_on_unload(entry.add_update_listener(_async_entry_updated))
    return True


async def _async_setup_cardata(hass: HomeAssistant, entry: MyBMWConfigEntry) -> bool:
    """One REST start, then the stream keeps the data current."""
    try:
        coordinator = CarDataCoordinator(hass, entry, connection_factory=CARDATA_CONNECTION_FACTORY)
    except CarDataAuthError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="auth_failed"
        ) from err
    await coordinator.async_restore()
    try:
        await coordinator.async_config_entry_first_refresh()
    finally:
        await coordinator.async_save()
    # The platforms read the same interface from both coordinators (data, read_only, ...).
    entry.runtime_data = coordinator  # type: ignore[assignment]
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    coordinator.async_start()
    return True


async def _async_entry_updated(hass: HomeAssistant, entry: MyBMWConfigEntry) -> None:
    """Reload when the options changed; token rotations also land here and are ignored.

    A new daily budget alone is applied in place: a reload would cost a login.
    """
    coordinator = entry.runtime_data
    new, old = dict(entry.options), coordinator.options
    if new == old:
        return
    if _without_budget(new) == _without_budget(old) and CONF_DAILY_REQUEST_BUDGET in new:
        coordinator.async_set_budget(int(new[CONF_DAILY_REQUEST_BUDGET]))
        return
    hass.config_entries.async_schedule_reload(entry.entry_id)


def _without_budget(options: dict[str, Any]) -> dict[str, Any]:
    """The options that need a reload; read-only off is the same as not set."""
    rest = {k: v for k, v in options.items() if k != CONF_DAILY_REQUEST_BUDGET}
    rest.setdefault(CONF_READ_ONLY, False)
    return rest


async def async_unload_entry(hass: HomeAssistant, entry: MyBMWConfigEntry) -> bool:
    """Unload the platforms and write the request count at once (and stop a stream)."""
    coordinator: MyBMWCoordinator | CarDataCoordinator = entry.runtime_data
    if isinstance(coordinator, CarDataCoordinator):
        await coordinator.async_stop()
        await coordinator.async_save()
    else:
        await coordinator.async_save_budget()
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: MyBMWConfigEntry) -> None:
    """Forget the account's request count and its repair issues."""
    await budget_store(hass, entry.entry_id).async_remove()
    for issue in (ISSUE_QUOTA_EXCEEDED, ISSUE_BLOCKED):
        ir.async_delete_issue(hass, DOMAIN, f"{issue}_{entry.entry_id}")


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: MyBMWConfigEntry, device: dr.DeviceEntry
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
