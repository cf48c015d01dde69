"""One coordinator per MyBMW account: polling against the daily budget, and commands."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from .budget import DailyBudget, next_reset
from .command_progress import CommandProgressTracker
from .const import (
    ACCOUNT_DEVICE_PREFIX,
    BLOCKED_RETRY_INTERVAL,
    CONF_DAILY_REQUEST_BUDGET,
    CONF_READ_ONLY,
    CONF_REGION,
    DOMAIN,
    LOGGER,
    PROFILE_RELOAD_INTERVAL,
    RATE_LIMIT_BACKOFF,
    RELIST_INTERVAL,
    SCAN_INTERVALS,
    STORAGE_SAVE_DELAY,
)
from .contract import BMWConfigEntry, BMWCoordinator, Command
from .messages import budget_translation, is_auth_error, pause_translation, safe_error, translated
from .mybmw.models import MyBMWAPIError, MyBMWBlockedError, MyBMWQuotaError
from .mybmw.vehicle.vehicle import VehicleViewDirection
from .persistence import budget_store
from .refresh_planner import RefreshPlanner, VehicleSnapshot
from .repairs import async_blocked_issue, async_clear_issues, async_quota_issue

if TYPE_CHECKING:
    from .mybmw.account import ChargingDetailsPolicy, MyBMWAccount
    from .mybmw.vehicle import MyBMWVehicle
    from .mybmw.vehicle.remote_services import RemoteServiceStatus

COMMAND_MIN_COST: Final = 2
"""A command needs its trigger and at least one status poll to mean anything."""
USER_RECHECK_INTERVAL: Final = BLOCKED_RETRY_INTERVAL / 36
"""While BMW blocks the client, a user's command may look again this often (10 minutes)."""


class MyBMWCoordinator(BMWCoordinator):
    """Polls all vehicles of one account; data maps VIN to vehicle."""

    account_name = "MyBMW account"
    image_views = frozenset(VehicleViewDirection)
    """Every rendering angle MyBMW offers."""

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: BMWConfigEntry,
        account: MyBMWAccount,
        *,
        planner: RefreshPlanner,
        progress: CommandProgressTracker,
    ) -> None:
        """Bind the account; its client already reports into ``planner`` and ``progress``."""
        region = config_entry.data[CONF_REGION]
        super().__init__(
            hass,
            config_entry,
            name=f"{DOMAIN} {region}",
            # Replaced by the planner's figure after every refresh.
            update_interval=SCAN_INTERVALS[region],
            budget=planner,
            progress=progress,
        )
        self.account = account
        self.planner = planner
        self.read_only = bool(self.options.get(CONF_READ_ONLY, False))
        self._next_relist: datetime | None = None
        self._next_profile_reload: datetime | None = None
        self._unread: set[str] = set()
        """Cars listed on a first load the budget could not read yet; shown once read."""
        self._commands: set[asyncio.Future[RemoteServiceStatus]] = set()
        self._user_check_at: datetime | None = None
        self._unloaded = False
        self._store = budget_store(hass, config_entry.entry_id)
        planner.on_change = self._on_budget_change

    def _on_budget_change(self, _budget: DailyBudget) -> None:
        """Store every change; stop waiting for a command once the last request is spent."""
        self._store.async_delay_save(self.planner.as_dict, STORAGE_SAVE_DELAY)
        if self._commands and self.planner.remaining == 0:
            for task in self._commands:
                task.cancel()

    async def async_restore(self) -> None:
        """Load today's request count (and a running pause) saved before a restart."""
        self.planner.restore(await self._store.async_load())

    async def async_save(self) -> None:
        """Write the count now, so the next coordinator starts from it."""
        await self._store.async_save(self.planner.as_dict())

    async def async_unload(self) -> None:
        """Write the count; a reload is the user's way to ask whether a block is over."""
        self._unloaded = True
        if self.planner.is_blocked:
            self.planner.end_pause()
        await self.async_save()

    @callback
    def async_set_budget(self, limit: int) -> bool:
        """Apply a new daily budget without a reload (a reload costs a login)."""
        self.planner.limit = limit
        self.options[CONF_DAILY_REQUEST_BUDGET] = limit
        self._async_replan()
        self._schedule_refresh()
        self.async_update_listeners()
        return True

    @property
    def next_refresh(self) -> datetime | None:
        """When the planner wants the next poll."""
        return self.planner.next_refresh

    def _charging_details_policy(self, reads: int) -> ChargingDetailsPolicy:
        """Read charging details only when they can have changed and the budget allows.

        ``reads`` is how many state reads this refresh sends.
        """
        seen = 0

        def policy(vehicle: MyBMWVehicle) -> bool:
            nonlocal seen
            seen += 1
            return self.planner.wants_charging_details(
                vehicle.vin, VehicleSnapshot.of(vehicle), pending_states=max(0, reads - seen)
            )

        return policy

    # --- polling ------------------------------------------------------------------------

    async def _async_read(self) -> dict[str, MyBMWVehicle]:
        if self.planner.is_paused:
            # The server said when the quota comes back; sending earlier only fails.
            self._async_replan()
            raise UpdateFailed(**pause_translation(self.planner))
        loaded = bool(self.account.vehicles)
        if not loaded and not self.planner.can_spend(
            self.planner.full_load_cost(), use_reserve=True
        ):
            self._async_replan()
            raise UpdateFailed(**budget_translation(self.planner, self.planner.next_refresh))
        # Only the cars that are due; all of them when none is (a refresh the user asked for).
        vins = self.planner.due() or [vehicle.vin for vehicle in self.account.vehicles]
        if loaded and not self.planner.can_spend(len(vins)):
            # Today's budget is spent: keep the data, come back after the reset.
            LOGGER.debug("Daily request budget used up; next update after the reset")
            self._async_replan()
            return self.data

        now = dt_util.utcnow()
        # Re-list once a day to see fleet changes (new cars are then due at once),
        # unless the budget cannot cover it today.
        relist = (
            self._next_relist is not None
            and now >= self._next_relist
            and self.planner.can_spend(self.planner.full_load_cost(len(self.account.vehicles)))
        )
        reload_profiles = relist and (
            self._next_profile_reload is None or now >= self._next_profile_reload
        )
        try:
            if loaded:
                await self.account.get_vehicles(
                    force_init=reload_profiles,
                    relist=relist,
                    charging_details=self._charging_details_policy(len(vins)),
                    vins=vins,
                )
            else:
                vins = await self._async_first_load()
        except MyBMWAPIError as err:
            raise self._poll_failed(err, vins) from err
        self._unread.difference_update(vins)
        if relist or self._next_relist is None:
            self._next_relist = now + RELIST_INTERVAL
        if reload_profiles or self._next_profile_reload is None:
            self._next_profile_reload = now + PROFILE_RELOAD_INTERVAL
        self._async_remove_stale_devices()
        self._async_replan(read=vins)
        self._async_answered()
        return self._vehicles()

    async def _async_first_load(self) -> list[str]:
        """Lists and profiles first; then as many cars' states as today's budget still covers.

        Before the list the number of cars is a guess; a large account could overspend.
        """
        await self.account.get_vehicles(vins=())
        listed = [vehicle.vin for vehicle in self.account.vehicles]
        self.planner.vehicle_count = max(1, len(listed))
        vins = listed[: max(0, self.planner.limit - self.planner.used)]
        self._unread = set(listed) - set(vins)
        if listed and not vins:
            raise UpdateFailed(**budget_translation(self.planner, next_reset(dt_util.utcnow())))
        if vins:
            await self.account.get_vehicles(
                charging_details=self._charging_details_policy(len(vins)), vins=vins
            )
        return vins

    def _vehicles(self) -> dict[str, MyBMWVehicle]:
        return {v.vin: v for v in self.account.vehicles if v.vin not in self._unread}

    def _poll_failed(self, err: MyBMWAPIError, vins: list[str]) -> Exception:
        """The error a failed poll raises; the cars it tried are read again at their next turn."""
        if is_auth_error(err):
            # The client raises these only when the refresh token itself was rejected.
            return ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="auth_failed")
        if not self._async_account_error(err):
            self._async_replan(read=vins)
        return UpdateFailed(**translated(err, "update_failed"))

    @callback
    def _async_replan(self, read: Iterable[str] = ()) -> None:
        """Set the next poll from the budget left and which cars' data is moving.

        ``read`` are the cars whose state was just read (or attempted): each gets
        its next turn; the others keep theirs.
        """
        vehicles: Mapping[str, MyBMWVehicle] = {v.vin: v for v in self.account.vehicles}
        snapshots = {vin: VehicleSnapshot.of(vehicle) for vin, vehicle in vehicles.items()}
        read = [vin for vin in read if vin in snapshots]
        active = self.planner.observe({vin: snapshots[vin] for vin in read})
        self.update_interval = self.planner.plan(snapshots, read=read)
        LOGGER.debug(
            "%d of %d requests used today; %d car(s) read (%s); next update in %s",
            self.planner.used,
            self.planner.limit,
            len(read),
            "active" if active else "idle",
            self.update_interval,
        )

    @callback
    def _async_account_error(self, err: MyBMWAPIError) -> bool:
        """React to an account-wide error; True when it paused the account."""
        now = dt_util.utcnow()
        if isinstance(err, MyBMWQuotaError):
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
            if not rate_limited:
                async_quota_issue(self.hass, self.config_entry, retry_at)
        elif isinstance(err, MyBMWBlockedError):
            # Stored like a quota pause: neither a restart nor setup retries send anything
            # before the next check (or a user's command).
            self.planner.pause_until(now + BLOCKED_RETRY_INTERVAL, "blocked")
            async_blocked_issue(self.hass, self.config_entry)
        else:
            if is_auth_error(err):
                self.config_entry.async_start_reauth(self.hass)
            return False
        self._async_replan()
        return True

    @callback
    def _async_answered(self) -> None:
        """The server answered: a quota pause or a block is over."""
        self.planner.end_pause()
        async_clear_issues(self.hass, self.config_entry.entry_id)

    @callback
    def _async_remove_stale_devices(self) -> None:
        """Drop devices of vehicles that left the account."""
        registry = dr.async_get(self.hass)
        vehicles = {vehicle.vin for vehicle in self.account.vehicles}
        for device in dr.async_entries_for_config_entry(registry, self.config_entry.entry_id):
            vins = {
                ident
                for domain, ident in device.identifiers
                if domain == DOMAIN and not ident.startswith(ACCOUNT_DEVICE_PREFIX)
            }
            if vins and not vins & vehicles:
                LOGGER.debug("Removing device %s: vehicle no longer on the account", device.id)
                registry.async_remove_device(device.id)

    async def async_vehicle_image(self, vin: str, view: VehicleViewDirection) -> bytes:
        """One rendering of a vehicle (the image entity caches it)."""
        return await self.data[vin].get_vehicle_image(view)

    # --- user actions -------------------------------------------------------------------

    def _check_user_request(self, cost: int) -> None:
        """Refuse a user's request the pause or the budget forbids (they may use the reserve).

        While BMW blocks the client, a user's action is the moment to look
        again: one goes through ``USER_RECHECK_INTERVAL`` after the last look.
        """
        now = dt_util.utcnow()
        if self.planner.is_blocked:
            assert self.planner.paused_until is not None
            looked = self.planner.paused_until - BLOCKED_RETRY_INTERVAL
            if self._user_check_at is not None:
                looked = max(looked, self._user_check_at)
            if now - looked < USER_RECHECK_INTERVAL:
                raise HomeAssistantError(**pause_translation(self.planner))
            self._user_check_at = now
        elif self.planner.is_paused:
            raise HomeAssistantError(**pause_translation(self.planner))
        if not self.planner.can_spend(cost, use_reserve=True):
            raise HomeAssistantError(**budget_translation(self.planner, self.next_refresh))

    async def async_run_command(
        self, vin: str, command: Command, *, service: str | None = None
    ) -> RemoteServiceStatus:
        """Run one remote command; the one place that turns client errors into HA errors.

        The client refreshes only the affected vehicle after a state-changing
        command, so this publishes its new state instead of polling the account.
        """
        self._check_user_request(COMMAND_MIN_COST)
        started = dt_util.utcnow()
        self.planner.note_command(vin)
        task = asyncio.ensure_future(command())
        self._commands.add(task)
        try:
            status = await task
        except ValueError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="command_invalid",
                translation_placeholders={"error": safe_error(err)},
            ) from err
        except MyBMWAPIError as err:
            self.command_progress.report_failure(vin, started, service, err)
            self._async_account_error(err)
            raise HomeAssistantError(**translated(err, "command_error")) from err
        except asyncio.CancelledError as err:
            current = asyncio.current_task()
            if not task.cancelled() or (current is not None and current.cancelling()):
                raise
            self.command_progress.report_failure(vin, started, service, err)
            raise HomeAssistantError(
                **budget_translation(self.planner, self.next_refresh)
                | {"translation_key": "command_budget_exhausted"}
            ) from err
        finally:
            self._commands.discard(task)
        self._async_user_action_done([vin])
        return status

    async def async_refresh_vehicle(self, vin: str) -> None:
        """Reload one vehicle now (service action), without polling the whole account."""
        self._check_user_request(2)
        try:
            await self.account.refresh_vehicle(vin)
        except MyBMWAPIError as err:
            self._async_account_error(err)
            raise HomeAssistantError(**translated(err, "refresh_failed")) from err
        self._async_user_action_done([vin])

    @callback
    def _async_user_action_done(self, vins: list[str]) -> None:
        """The server answered a user's action: end a block, plan, publish the new state."""
        if self._unloaded:
            return  # a command that outlived a reload: the new coordinator plans
        if self.planner.is_paused:
            self._async_answered()
            self._async_replan()
        else:
            # The client has just read this car; its state keeps moving, so its next turn is soon.
            self._async_replan(read=vins)
        self._schedule_refresh()
        self.async_set_updated_vehicles()

    @callback
    def async_set_updated_vehicles(self) -> None:
        """Publish the client's vehicles without a new request (keeps the poll schedule)."""
        self.data = self._vehicles()
        self.async_update_listeners()
