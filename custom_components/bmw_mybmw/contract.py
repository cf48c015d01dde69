"""The contract both backends' coordinators keep, so platforms never ask which one they hold.

MyBMW (polled, with commands) and BMW CarData (pushed, read-only) both hold
``dict[VIN, MyBMWVehicle]``; everything else a platform, a service action or
diagnostics needs is declared here once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeAlias

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .budget import DailyBudget
from .command_progress import CommandProgressTracker
from .const import LOGGER
from .messages import translated
from .mybmw.api.errors import UPDATE_DEADLINE_SECONDS, within_deadline
from .mybmw.models import MyBMWConnectionError
from .mybmw.vehicle import MyBMWVehicle
from .mybmw.vehicle.vehicle import VehicleViewDirection

if TYPE_CHECKING:
    from .cardata.charging_sessions import ChargingSession
    from .cardata.models import DescriptorValue
    from .mybmw.vehicle.remote_services import RemoteServiceStatus

# A TypeAlias rather than a ``type`` statement: ruff targets Python 3.11 for the bundled client.
BMWConfigEntry: TypeAlias = ConfigEntry["BMWCoordinator"]

Command = Callable[[], Awaitable["RemoteServiceStatus"]]


def hass_utcnow() -> datetime:
    """Home Assistant's clock, looked up at each call so a replaced clock is followed."""
    return dt_util.utcnow()


class BMWCoordinator(DataUpdateCoordinator[dict[str, MyBMWVehicle]], ABC):
    """One account's vehicles (VIN -> vehicle), its request budget and what it can do."""

    config_entry: BMWConfigEntry

    account_name: str
    """The account device's name: the backend's, never the login (the entry's title)."""
    read_only: bool
    """No command entities and no commands (an option for MyBMW; always for CarData)."""
    image_views: frozenset[VehicleViewDirection]
    """The rendering angles the backend offers."""
    charging_sessions: Mapping[str, ChargingSession | None] | None = None
    """The last charging session per VIN, where the backend reads the charging history."""

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: BMWConfigEntry,
        *,
        name: str,
        update_interval: timedelta | None,
        budget: DailyBudget,
        progress: CommandProgressTracker,
    ) -> None:
        """Bind the budget and the command tracker the backend's client reports into."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=name,
            update_interval=update_interval,
        )
        self.budget = budget
        self.command_progress = progress
        progress.on_change = self.async_update_listeners
        self.options: dict[str, Any] = dict(config_entry.options)
        """The options this coordinator was built with."""

    async def _async_update_data(self) -> dict[str, MyBMWVehicle]:
        """One update, however many requests it takes, within one overall deadline."""
        try:
            return await within_deadline(self._async_read(), UPDATE_DEADLINE_SECONDS, "Update")
        except MyBMWConnectionError as err:  # the backends translate their own errors inside
            raise UpdateFailed(**translated(err, "update_failed")) from err

    @abstractmethod
    async def _async_read(self) -> dict[str, MyBMWVehicle]:
        """Read what is due; errors are raised as translated Home Assistant errors."""

    def descriptor_readings(self, vin: str) -> Mapping[str, DescriptorValue] | None:
        """The car's newest reading per streamed descriptor, where the backend streams them."""
        return None

    @property
    @abstractmethod
    def next_refresh(self) -> datetime | None:
        """When the backend plans its next read."""

    @abstractmethod
    async def async_run_command(
        self, vin: str, command: Command, *, service: str | None = None
    ) -> RemoteServiceStatus:
        """Run one remote command; errors are raised as translated Home Assistant errors."""

    @abstractmethod
    async def async_refresh_vehicle(self, vin: str) -> None:
        """Read one vehicle now (service action)."""

    @abstractmethod
    async def async_vehicle_image(self, vin: str, view: VehicleViewDirection) -> bytes:
        """One rendering of a vehicle (the image entity caches it)."""

    @abstractmethod
    async def async_restore(self) -> None:
        """Load what the last setup stored (today's request count first of all)."""

    @abstractmethod
    async def async_save(self) -> None:
        """Write the store now (a setup retry's coordinator must see what this one spent)."""

    @callback
    def async_start(self) -> None:
        """Start background work once the platforms are set up (nothing by default)."""

    async def async_unload(self) -> None:
        """Stop what runs in the background and write the store now."""
        await self.async_save()

    @callback
    def async_set_budget(self, limit: int) -> bool:
        """Apply a new daily budget in place; False when the backend's limit is fixed."""
        return False

    def diagnostics(self) -> dict[str, Any]:
        """Backend state that explains stale data (no identifiers)."""
        return {}

    def vehicle_diagnostics(self, vin: str) -> dict[str, Any]:
        """Backend data of one vehicle beyond the vehicle model (identifiers are scrubbed later)."""
        return {}
