"""One coordinator per MyBMW account: polling, token persistence, commands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
import re
from typing import TYPE_CHECKING, Any, TypeAlias

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .const import (
    CONF_GCID,
    CONF_READ_ONLY,
    CONF_REFRESH_TOKEN,
    CONF_REGION,
    DOMAIN,
    FULL_LOAD_INTERVAL,
    LOGGER,
    SCAN_INTERVALS,
)
from .mybmw.models import (
    MyBMWAPIError,
    MyBMWAuthError,
    MyBMWBlockedError,
    MyBMWCaptchaMissingError,
    MyBMWQuotaError,
    MyBMWRemoteServiceError,
)

if TYPE_CHECKING:
    from .mybmw.account import MyBMWAccount
    from .mybmw.vehicle import MyBMWVehicle
    from .mybmw.vehicle.remote_services import RemoteServiceStatus

# A TypeAlias rather than a ``type`` statement: ruff targets Python 3.11 for the bundled client.
MyBMWConfigEntry: TypeAlias = ConfigEntry["MyBMWCoordinator"]

# Same shape the client's anonymiser looks for; error texts can carry VINs in URLs.
_VIN_RE = re.compile(r"\b[A-HJ-NPR-Z0-9]{3}[A-Z0-9]{14}\b")


def safe_error(err: BaseException) -> str:
    """Return an error text fit for logs and the UI (no VINs)."""
    return _VIN_RE.sub("<vin>", str(err) or type(err).__name__)


def _format_retry_at(retry_at: datetime) -> str:
    return dt_util.as_local(retry_at).strftime("%Y-%m-%d %H:%M %Z").strip()


def _normalize(value: Any) -> str:
    """Turn a client enum (or its value) into a lower-case snake key."""
    raw = getattr(value, "value", value)
    return str(raw).lower().replace("-", "_")


@dataclass(frozen=True, slots=True)
class CommandProgress:
    """The last remote command sent to one vehicle, as the progress sensor shows it."""

    service: str
    state: str
    updated_at: datetime
    error: str | None = None


class MyBMWCoordinator(DataUpdateCoordinator[dict[str, "MyBMWVehicle"]]):
    """Polls all vehicles of one account; data maps VIN to vehicle."""

    config_entry: MyBMWConfigEntry

    def __init__(
        self, hass: HomeAssistant, config_entry: MyBMWConfigEntry, account: MyBMWAccount
    ) -> None:
        """Bind the coordinator to its account and hook command progress reports."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=f"{DOMAIN} {config_entry.data[CONF_REGION]}",
            update_interval=SCAN_INTERVALS[config_entry.data[CONF_REGION]],
        )
        self.account = account
        self.read_only: bool = config_entry.options.get(CONF_READ_ONLY, False)
        # The options this coordinator was built with; a change means reload.
        self.options: dict[str, Any] = dict(config_entry.options)
        self.command_progress: dict[str, CommandProgress] = {}
        self._next_full_load: datetime | None = None
        account.config.on_remote_service_progress = self._async_on_command_progress

    async def _async_update_data(self) -> dict[str, MyBMWVehicle]:
        now = dt_util.utcnow()
        # The first call lists the vehicles anyway; re-list once a day to see fleet changes.
        full_load = self._next_full_load is not None and now >= self._next_full_load
        try:
            await self.account.get_vehicles(force_init=full_load)
        except (MyBMWAuthError, MyBMWCaptchaMissingError) as err:
            # The client raises these only when the refresh token itself was rejected.
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except MyBMWAPIError as err:
            raise UpdateFailed(**_translated(err, "update_failed")) from err
        finally:
            self._async_persist_tokens()
        if full_load or self._next_full_load is None:
            self._next_full_load = now + FULL_LOAD_INTERVAL
        vehicles = {vehicle.vin: vehicle for vehicle in self.account.vehicles}
        self._async_remove_stale_devices(vehicles)
        return vehicles

    @callback
    def _async_persist_tokens(self) -> None:
        """Store a rotated refresh token (and gcid) so a restart can log in again."""
        entry = self.config_entry
        new = {
            CONF_REFRESH_TOKEN: self.account.refresh_token,
            CONF_GCID: self.account.gcid,
        }
        changed = {
            key: value for key, value in new.items() if value and entry.data.get(key) != value
        }
        if changed:
            self.hass.config_entries.async_update_entry(entry, data={**entry.data, **changed})

    @callback
    def _async_remove_stale_devices(self, vehicles: dict[str, MyBMWVehicle]) -> None:
        """Drop devices of vehicles that left the account."""
        registry = dr.async_get(self.hass)
        entry_id = self.config_entry.entry_id
        for device in dr.async_entries_for_config_entry(registry, entry_id):
            vins = {ident for domain, ident in device.identifiers if domain == DOMAIN}
            if vins and not vins & vehicles.keys():
                LOGGER.debug("Removing device %s: vehicle no longer on the account", device.id)
                registry.async_update_device(device.id, remove_config_entry_id=entry_id)

    @callback
    def async_add_vehicle_listener(
        self, on_new_vehicles: Callable[[list[MyBMWVehicle]], None]
    ) -> CALLBACK_TYPE:
        """Call back once with the vehicles loaded now, then with each one that appears later.

        Platforms use this to add entities for a new vehicle without a reload.
        """
        known: set[str] = set()

        @callback
        def _check() -> None:
            new = [vehicle for vin, vehicle in (self.data or {}).items() if vin not in known]
            if new:
                known.update(vehicle.vin for vehicle in new)
                on_new_vehicles(new)

        _check()
        return self.async_add_listener(_check)

    @callback
    def _async_on_command_progress(self, vin: str, service: Any, status: Any) -> None:
        """Record a command's state as the client reports it and show it at once."""
        state = getattr(status, "state", status)
        self.command_progress[vin] = CommandProgress(
            service=_normalize(service), state=_normalize(state), updated_at=dt_util.utcnow()
        )
        self.async_update_listeners()

    async def async_run_command(
        self,
        vin: str,
        command: Callable[[], Awaitable[RemoteServiceStatus]],
        *,
        service: str | None = None,
    ) -> RemoteServiceStatus:
        """Run one remote command; the one place that turns client errors into HA errors.

        The client refreshes only the affected vehicle after a state-changing
        command, so this publishes its new state instead of polling the account.
        """
        started = dt_util.utcnow()
        try:
            status = await command()
        except ValueError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="command_invalid",
                translation_placeholders={"error": safe_error(err)},
            ) from err
        except MyBMWAPIError as err:
            self._async_record_failure(vin, started, service, err)
            if isinstance(err, MyBMWAuthError | MyBMWCaptchaMissingError):
                self.config_entry.async_start_reauth(self.hass)
            raise HomeAssistantError(**_translated(err, "command_error")) from err
        finally:
            self._async_persist_tokens()
        self.async_set_updated_vehicles()
        return status

    async def async_refresh_vehicle(self, vin: str) -> None:
        """Reload one vehicle now (service action), without polling the whole account."""
        try:
            await self.account.refresh_vehicle(vin)
        except MyBMWAPIError as err:
            if isinstance(err, MyBMWAuthError | MyBMWCaptchaMissingError):
                self.config_entry.async_start_reauth(self.hass)
            raise HomeAssistantError(**_translated(err, "refresh_failed")) from err
        finally:
            self._async_persist_tokens()
        self.async_set_updated_vehicles()

    @callback
    def async_set_updated_vehicles(self) -> None:
        """Publish the client's vehicles without a new request (keeps the poll schedule)."""
        self.data = {vehicle.vin: vehicle for vehicle in self.account.vehicles}
        self.async_update_listeners()

    @callback
    def _async_record_failure(
        self, vin: str, started: datetime, service: str | None, err: MyBMWAPIError
    ) -> None:
        last = self.command_progress.get(vin)
        if last is not None and last.updated_at >= started:
            service = last.service
        self.command_progress[vin] = CommandProgress(
            service=_normalize(service or "unknown"),
            state="error",
            updated_at=dt_util.utcnow(),
            error=safe_error(err),
        )
        self.async_update_listeners()


def _translated(err: MyBMWAPIError, generic_key: str) -> dict[str, Any]:
    """Pick the translation for a client error; ``generic_key`` covers the rest."""
    key, placeholders = generic_key, {"error": safe_error(err)}
    if isinstance(err, MyBMWQuotaError):
        if err.retry_at is not None:
            key, placeholders = "quota_exceeded", {"retry_at": _format_retry_at(err.retry_at)}
        else:
            key, placeholders = "quota_exceeded_no_reset", {}
    elif isinstance(err, MyBMWBlockedError):
        key, placeholders = "blocked", {}
    elif isinstance(err, MyBMWAuthError | MyBMWCaptchaMissingError):
        key, placeholders = "auth_failed", {}
    elif isinstance(err, MyBMWRemoteServiceError):
        key = "command_failed"
    return {
        "translation_domain": DOMAIN,
        "translation_key": key,
        "translation_placeholders": placeholders,
    }
