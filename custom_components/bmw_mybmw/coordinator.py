"""One coordinator per MyBMW account: polling, token persistence, commands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
import re
from typing import TYPE_CHECKING, Any, TypeAlias

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .const import (
    ACCOUNT_DEVICE_PREFIX,
    BLOCKED_RETRY_INTERVAL,
    CONF_DAILY_REQUEST_BUDGET,
    CONF_GCID,
    CONF_READ_ONLY,
    CONF_REFRESH_TOKEN,
    CONF_REGION,
    DOMAIN,
    ISSUE_BLOCKED,
    ISSUE_QUOTA_EXCEEDED,
    LOGGER,
    PROFILE_RELOAD_INTERVAL,
    RATE_LIMIT_BACKOFF,
    RELIST_INTERVAL,
    SCAN_INTERVALS,
    STORAGE_SAVE_DELAY,
    STORAGE_VERSION,
)
from .mybmw.models import (
    MyBMWAPIError,
    MyBMWAuthError,
    MyBMWBlockedError,
    MyBMWCaptchaMissingError,
    MyBMWQuotaError,
    MyBMWRemoteServiceError,
)
from .mybmw.vehicle.vehicle import VehicleViewDirection
from .refresh_planner import (
    DEFAULT_DAILY_BUDGET,
    PAUSE_BLOCKED,
    RefreshPlanner,
    VehicleSnapshot,
    next_reset,
)

if TYPE_CHECKING:
    from .mybmw.account import ChargingDetailsPolicy, MyBMWAccount
    from .mybmw.vehicle import MyBMWVehicle
    from .mybmw.vehicle.remote_services import RemoteServiceStatus

# A TypeAlias rather than a ``type`` statement: ruff targets Python 3.11 for the bundled client.
MyBMWConfigEntry: TypeAlias = ConfigEntry["MyBMWCoordinator"]

# Same shape the client's anonymiser looks for; error texts can carry VINs in URLs.
_VIN_RE = re.compile(r"\b[A-HJ-NPR-Z0-9]{3}[A-Z0-9]{14}\b")


def hass_utcnow() -> datetime:
    """Home Assistant's clock, looked up at each call so a replaced clock is followed."""
    return dt_util.utcnow()


def budget_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Where one account's request count and quota pause survive restarts."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}")


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

    image_views = frozenset(VehicleViewDirection)
    """Every rendering angle MyBMW offers (CarData has one)."""

    def __init__(
        self, hass: HomeAssistant, config_entry: MyBMWConfigEntry, account: MyBMWAccount
    ) -> None:
        """Bind the coordinator to its account and hook command progress reports."""
        region_interval = SCAN_INTERVALS[config_entry.data[CONF_REGION]]
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=f"{DOMAIN} {config_entry.data[CONF_REGION]}",
            # Replaced by the planner's figure after every refresh.
            update_interval=region_interval,
        )
        self.account = account
        self.read_only: bool = config_entry.options.get(CONF_READ_ONLY, False)
        # The options this coordinator was built with; a change means reload.
        self.options: dict[str, Any] = dict(config_entry.options)
        self.command_progress: dict[str, CommandProgress] = {}
        self._next_relist: datetime | None = None
        self._next_profile_reload: datetime | None = None
        self.planner = RefreshPlanner(
            int(config_entry.options.get(CONF_DAILY_REQUEST_BUDGET, DEFAULT_DAILY_BUDGET)),
            clock=hass_utcnow,
            active_interval=region_interval,
        )
        self._store = budget_store(hass, config_entry.entry_id)
        account.config.on_remote_service_progress = self._async_on_command_progress
        account.config.on_request = self._on_request

    # --- request budget -----------------------------------------------------------------

    def _on_request(self, method: str, url: str, status: int | None) -> None:
        """Count every request the client sends (logins and failed ones too) and store it."""
        self.planner.record_request()
        self._store.async_delay_save(self.planner.as_dict, STORAGE_SAVE_DELAY)

    async def async_restore_budget(self) -> None:
        """Load today's request count (and a running quota pause) saved before a restart."""
        self.planner.restore(await self._store.async_load())

    async def async_save_budget(self) -> None:
        """Write the count now (unload), so the next coordinator starts from it."""
        await self._store.async_save(self.planner.as_dict())

    @callback
    def async_set_budget(self, budget: int) -> None:
        """Apply a new daily budget without a reload (a reload costs a login)."""
        self.planner.budget = budget
        self.options[CONF_DAILY_REQUEST_BUDGET] = budget
        self._async_replan()
        self._schedule_refresh()
        self.async_update_listeners()

    @property
    def next_refresh(self) -> datetime | None:
        """When the planner wants the next poll."""
        return self.planner.next_refresh

    def _charging_details_policy(self, reads: int | None) -> ChargingDetailsPolicy:
        """Read charging details only when they can have changed and the budget allows.

        ``reads`` is how many state reads this refresh sends (``None``: every car's).
        """
        seen = 0

        def policy(vehicle: MyBMWVehicle) -> bool:
            nonlocal seen
            seen += 1
            total = len(self.account.vehicles) if reads is None else reads
            pending = max(0, total - seen)
            return self.planner.wants_charging_details(
                vehicle.vin, VehicleSnapshot.of(vehicle), pending_states=pending
            )

        return policy

    # --- polling ------------------------------------------------------------------------

    async def _async_update_data(self) -> dict[str, MyBMWVehicle]:
        if self.planner.is_paused:
            # The server said when the quota comes back; sending earlier only fails.
            self._async_replan()
            raise UpdateFailed(**self._pause_translation())
        loaded = bool(self.account.vehicles)
        if not loaded and not self.planner.can_spend(
            self.planner.full_load_cost(), use_reserve=True
        ):
            self._async_replan()
            raise UpdateFailed(**self._budget_translation())
        # Only the cars that are due; all of them when none is (a refresh the user asked for).
        vins = self.planner.due() or [vehicle.vin for vehicle in self.account.vehicles]
        if loaded and not self.planner.can_spend(len(vins)):
            # Today's budget is spent: keep the data, come back after the reset.
            LOGGER.debug("Daily request budget used up; next update after the reset")
            self._async_replan()
            return self.data

        now = dt_util.utcnow()
        # The first call lists the vehicles anyway; re-list once a day to see fleet changes
        # (new cars are then due at once), unless the budget cannot cover it today.
        relist = (
            self._next_relist is not None
            and now >= self._next_relist
            and self.planner.can_spend(self.planner.full_load_cost(len(self.account.vehicles)))
        )
        reload_profiles = relist and (
            self._next_profile_reload is None or now >= self._next_profile_reload
        )
        try:
            await self.account.get_vehicles(
                force_init=reload_profiles,
                relist=relist,
                charging_details=self._charging_details_policy(len(vins) if loaded else None),
                vins=vins if loaded else None,
            )
        except (MyBMWAuthError, MyBMWCaptchaMissingError) as err:
            # The client raises these only when the refresh token itself was rejected.
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except MyBMWQuotaError as err:
            self._async_quota_hit(err)
            raise UpdateFailed(**_translated(err, "update_failed")) from err
        except MyBMWBlockedError as err:
            self._async_blocked()
            raise UpdateFailed(**_translated(err, "update_failed")) from err
        except MyBMWAPIError as err:
            # Those cars are read again at their next turn, not in a tight retry loop.
            self._async_replan(read=vins)
            raise UpdateFailed(**_translated(err, "update_failed")) from err
        finally:
            self._async_persist_tokens()
        if relist or self._next_relist is None:
            self._next_relist = now + RELIST_INTERVAL
        if reload_profiles or self._next_profile_reload is None:
            self._next_profile_reload = now + PROFILE_RELOAD_INTERVAL
        vehicles = {vehicle.vin: vehicle for vehicle in self.account.vehicles}
        self._async_remove_stale_devices(vehicles)
        self._async_replan(read=vins if loaded else list(vehicles), vehicles=vehicles)
        self._async_clear_issues()
        return vehicles

    @callback
    def _async_replan(
        self,
        read: Iterable[str] = (),
        vehicles: Mapping[str, MyBMWVehicle] | None = None,
    ) -> None:
        """Set the next poll from the budget left and which cars' data is moving.

        ``read`` are the cars whose state was just read (or attempted): each gets
        its next turn; the others keep theirs.
        """
        if vehicles is None:
            vehicles = {vehicle.vin: vehicle for vehicle in self.account.vehicles}
        snapshots = {vin: VehicleSnapshot.of(vehicle) for vin, vehicle in vehicles.items()}
        read = [vin for vin in read if vin in snapshots]
        active = self.planner.observe({vin: snapshots[vin] for vin in read})
        self.update_interval = self.planner.plan(snapshots, read=read)
        LOGGER.debug(
            "%d of %d requests used today; %d car(s) read (%s); next update in %s",
            self.planner.used,
            self.planner.budget,
            len(read),
            "active" if active else "idle",
            self.update_interval,
        )

    @callback
    def _async_quota_hit(self, err: MyBMWQuotaError) -> None:
        """Pause until the server's reset time; a daily quota also gets a repair issue."""
        now = dt_util.utcnow()
        retry_at = err.retry_at
        rate_limited = err.status_code == 429 or (
            err.status_code is None
            and retry_at is not None
            and retry_at - now <= RATE_LIMIT_BACKOFF
        )
        if rate_limited:
            retry_at = max(retry_at or now, now + RATE_LIMIT_BACKOFF)
        elif retry_at is None:
            # No countdown in the answer: the quota is daily and resets at 00:00 UTC.
            retry_at = next_reset(now)
        self.planner.pause_until(retry_at)
        self._async_replan()
        self._store.async_delay_save(self.planner.as_dict, STORAGE_SAVE_DELAY)
        if rate_limited:
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            f"{ISSUE_QUOTA_EXCEEDED}_{self.config_entry.entry_id}",
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_QUOTA_EXCEEDED,
            translation_placeholders={
                "account": self.config_entry.title,
                "retry_at": _format_retry_at(retry_at),
            },
        )

    @callback
    def _async_blocked(self) -> None:
        """BMW blocks this client for good: say so once, and only look again rarely.

        The pause is stored like a quota pause, so neither a restart nor Home
        Assistant's setup retries send anything before the next check.
        """
        self.planner.pause_until(dt_util.utcnow() + BLOCKED_RETRY_INTERVAL, PAUSE_BLOCKED)
        self._async_replan()
        self._store.async_delay_save(self.planner.as_dict, STORAGE_SAVE_DELAY)
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            f"{ISSUE_BLOCKED}_{self.config_entry.entry_id}",
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_BLOCKED,
            translation_placeholders={"account": self.config_entry.title},
        )

    @callback
    def _async_clear_issues(self) -> None:
        """A successful refresh ends a quota pause or a block."""
        for issue in (ISSUE_QUOTA_EXCEEDED, ISSUE_BLOCKED):
            ir.async_delete_issue(self.hass, DOMAIN, f"{issue}_{self.config_entry.entry_id}")

    def _pause_translation(self) -> dict[str, Any]:
        """Why nothing is sent right now: a block, or the quota until its reset."""
        if self.planner.pause_reason == PAUSE_BLOCKED:
            return {"translation_domain": DOMAIN, "translation_key": "blocked"}
        retry_at = self.planner.paused_until or next_reset(dt_util.utcnow())
        return {
            "translation_domain": DOMAIN,
            "translation_key": "quota_exceeded",
            "translation_placeholders": {"retry_at": _format_retry_at(retry_at)},
        }

    def _budget_translation(self) -> dict[str, Any]:
        return {
            "translation_domain": DOMAIN,
            "translation_key": "budget_exhausted",
            "translation_placeholders": {
                "budget": str(self.planner.budget),
                "next_refresh": _format_retry_at(
                    self.planner.next_refresh or next_reset(dt_util.utcnow())
                ),
            },
        }

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
            vins = {
                ident
                for domain, ident in device.identifiers
                if domain == DOMAIN and not ident.startswith(ACCOUNT_DEVICE_PREFIX)
            }
            if vins and not vins & vehicles.keys():
                LOGGER.debug("Removing device %s: vehicle no longer on the account", device.id)
                registry.async_update_device(device.id, remove_config_entry_id=entry_id)

    async def async_vehicle_image(self, vin: str, view: VehicleViewDirection) -> bytes:
        """One rendering of a vehicle (the image entity caches it)."""
        return await self.data[vin].get_vehicle_image(view)

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
        self.planner.note_command(vin)
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
            self._async_account_error(err)
            raise HomeAssistantError(**_translated(err, "command_error")) from err
        finally:
            self._async_persist_tokens()
        if not self.planner.is_paused:
            # The client has just read this car; its state keeps moving, so its next turn is soon.
            self._async_replan(read=[vin])
            self._schedule_refresh()
        self.async_set_updated_vehicles()
        return status

    async def async_refresh_vehicle(self, vin: str) -> None:
        """Reload one vehicle now (service action), without polling the whole account.

        A user's explicit request may use the budget's reserve, not more.
        """
        if self.planner.is_paused:
            raise HomeAssistantError(**self._pause_translation())
        if not self.planner.can_spend(2, use_reserve=True):
            raise HomeAssistantError(**self._budget_translation())
        try:
            await self.account.refresh_vehicle(vin)
        except MyBMWAPIError as err:
            self._async_account_error(err)
            raise HomeAssistantError(**_translated(err, "refresh_failed")) from err
        finally:
            self._async_persist_tokens()
        self._async_replan(read=[vin])
        self._schedule_refresh()
        self.async_set_updated_vehicles()

    @callback
    def _async_account_error(self, err: MyBMWAPIError) -> None:
        """React to an account-wide error outside a poll (command or vehicle refresh)."""
        if isinstance(err, MyBMWAuthError | MyBMWCaptchaMissingError):
            self.config_entry.async_start_reauth(self.hass)
        elif isinstance(err, MyBMWQuotaError):
            self._async_quota_hit(err)
        elif isinstance(err, MyBMWBlockedError):
            self._async_blocked()

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
