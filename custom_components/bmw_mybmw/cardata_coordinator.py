"""One coordinator per BMW CarData account: one REST start, then pushed stream messages.

CarData allows 50 REST requests a day, so REST only paints the first picture
(mappings, basic data, one container, telematic data per vehicle) and fills
gaps: a vehicle is read again only after the stream has been silent about it
for hours, and the charging history at most once a day. Everything else
arrives over the MQTT stream and is published at once. The data has the
MyBMW coordinator's shape (VIN -> vehicle), so the same platforms serve both.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import contextlib
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.httpx_client import get_async_client
from homeassistant.helpers.update_coordinator import UpdateFailed

from .budget import DailyBudget
from .cardata import (
    CarDataAuth,
    CarDataClient,
    CarDataStream,
    CarDataTokens,
    CarDataVehicle,
    CarDataVehicleState,
    PahoConnection,
    RequestBudget,
    StreamMessage,
    create_vehicle,
    update_vehicle,
)
from .cardata.endpoints import endpoints_from_env
from .cardata.exceptions import CarDataAuthError, CarDataQuotaError
from .cardata.models import DescriptorValue
from .cardata.stream import MqttConnection
from .cardata_history import ChargingHistory
from .command_progress import CommandProgressTracker
from .const import (
    CONF_CLIENT_ID,
    CONF_CONTAINER_ID,
    CONF_TOKENS,
    DOMAIN,
    LOGGER,
    STORAGE_SAVE_DELAY,
)
from .contract import BMWConfigEntry, BMWCoordinator, Command, hass_utcnow
from .messages import budget_translation, safe_error, translated
from .mybmw.models import MyBMWAPIError
from .mybmw.vehicle import MyBMWVehicle
from .mybmw.vehicle.vehicle import VehicleViewDirection
from .persistence import TokenSaver, budget_store

CHECK_INTERVAL: Final = timedelta(minutes=30)
"""How often the coordinator looks whether a REST read is due (a look costs nothing)."""
SILENT_REFRESH_AFTER: Final = timedelta(hours=6)
"""A vehicle the stream has not mentioned this long is read over REST (at most 4 a day)."""
_POSITION_DESCRIPTOR: Final = "currentLocation"
"""CarData descriptors that locate the car; their names do not look like position keys."""


class CarDataCoordinator(BMWCoordinator):
    """All vehicles of one CarData account; data maps VIN to vehicle, pushed by the stream."""

    account_name = "BMW CarData account"
    read_only = True
    """CarData has no commands: the platforms add no command entities."""
    image_views = frozenset({VehicleViewDirection.FRONTSIDE})
    """CarData renders one picture per vehicle."""

    def __init__(self, hass: HomeAssistant, config_entry: BMWConfigEntry) -> None:
        """Bind to the stored tokens; :class:`CarDataAuthError` when they are unusable.

        The clients are built first: unusable tokens raise before the base
        class registers its shutdown, which then finds everything it stops.
        """
        self._store = budget_store(hass, config_entry.entry_id)
        self._stream_task: asyncio.Task[None] | None = None
        self._unsub_check: CALLBACK_TYPE | None = None
        self._tokens = TokenSaver(hass, config_entry)
        budget = RequestBudget(now=hass_utcnow, on_change=self._on_budget_change)
        http = get_async_client(hass)
        # BMW's hosts, or the loopback simulator's (CARDATA_SERVER_URL, CARDATA_STREAM_URL).
        self.endpoints = endpoints_from_env()
        self.auth = CarDataAuth(
            config_entry.data[CONF_CLIENT_ID],
            tokens=CarDataTokens.from_dict(config_entry.data.get(CONF_TOKENS) or {}),
            httpx_client=http,
            on_tokens=self._on_tokens,
            now=hass_utcnow,
            base_url=self.endpoints.auth_base_url,
        )
        self.client = CarDataClient(
            self.auth,
            httpx_client=http,
            budget=budget,
            container_id=config_entry.data.get(CONF_CONTAINER_ID),
            on_container=self._on_container,
            base_url=self.endpoints.api_base_url,
        )
        self.stream = CarDataStream(
            self.auth,
            self._async_on_message,
            connection_factory=self._paho_connection,
            host=self.endpoints.stream_host,
            port=self.endpoints.stream_port,
            now=hass_utcnow,
        )
        super().__init__(
            hass,
            config_entry,
            name=f"{DOMAIN} cardata",
            # No polling: data is pushed; REST reads are planned by the periodic check.
            update_interval=None,
            budget=budget,
            progress=CommandProgressTracker(),
        )
        self.budget: RequestBudget = budget
        self.history = ChargingHistory()
        self.charging_sessions = self.history.sessions
        self.states: dict[str, CarDataVehicleState] = {}
        self.vehicles: dict[str, CarDataVehicle] = {}
        self.last_rest: dict[str, datetime] = {}
        self.last_message: dict[str, datetime] = {}
        self.messages_received = 0
        self._basic_data: dict[str, dict[str, Any]] = {}
        self._loaded = False

    def descriptor_readings(self, vin: str) -> Mapping[str, DescriptorValue] | None:
        """What the car has streamed, newest per descriptor (the telematics entities read it)."""
        return state.values if (state := self.states.get(vin)) is not None else None

    # --- persistence ----------------------------------------------------------------

    def _paho_connection(self) -> MqttConnection:
        tokens = self.auth.tokens
        return PahoConnection(
            client_id=tokens.gcid if tokens is not None else "",
            run_blocking=self.hass.async_add_executor_job,
            tls=self.endpoints.stream_tls,
        )

    async def async_restore(self) -> None:
        """Load today's request count, basic data and the last charging sessions."""
        stored = await self._store.async_load() or {}
        self.budget.restore(stored.get("budget"))
        basic = stored.get("basic_data")
        self._basic_data = basic if isinstance(basic, dict) else {}
        self.history.restore(stored.get("history"))

    def _store_data(self) -> dict[str, Any]:
        return {
            "budget": self.budget.as_dict(),
            "basic_data": self._basic_data,
            "history": self.history.as_dict(),
        }

    async def async_save(self) -> None:
        """Write the store now (unload, setup retry)."""
        await self._store.async_save(self._store_data())

    def _on_budget_change(self, _budget: DailyBudget) -> None:
        self._store.async_delay_save(self._store_data, STORAGE_SAVE_DELAY)

    @callback
    def _on_tokens(self, tokens: CarDataTokens) -> None:
        """Persist every rotated token set at once: the old refresh token is dead now."""
        self._tokens.save({CONF_TOKENS: tokens.as_dict()})

    @callback
    def _on_container(self, container_id: str | None) -> None:
        entry = self.config_entry
        self.hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_CONTAINER_ID: container_id}
        )

    # --- REST --------------------------------------------------------------------------

    async def _async_read(self) -> dict[str, MyBMWVehicle]:
        """The first picture from REST (later updates are pushed)."""
        try:
            if not self._loaded:
                await self._async_initial_load()
        except CarDataAuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except MyBMWAPIError as err:
            raise UpdateFailed(**translated(err, "update_failed")) from err
        return dict(self.vehicles)

    async def _async_initial_load(self) -> None:
        """Mappings, basic data (cached across restarts), telematic data, charging history."""
        mappings = await self.client.get_mappings()
        now = hass_utcnow()
        for mapping in mappings:
            vin = mapping.vin
            if vin not in self._basic_data:
                try:
                    self._basic_data[vin] = await self.client.get_basic_data(vin)
                except (CarDataAuthError, CarDataQuotaError):
                    raise
                except MyBMWAPIError as err:
                    LOGGER.debug("Basic data of a vehicle unavailable: %s", safe_error(err))
            self.states.setdefault(
                vin, CarDataVehicleState(vin, basic_data=dict(self._basic_data.get(vin, {})))
            )
        for vin in list(self.states):
            await self._async_read_vehicle(vin)
        self.vehicles = {vin: create_vehicle(state, now=now) for vin, state in self.states.items()}
        self._loaded = True
        await self._async_read_histories(now)

    async def _async_read_vehicle(self, vin: str) -> bool:
        """Read one vehicle's telematic data; account-wide errors propagate."""
        try:
            readings = await self.client.get_telematic_data(vin)
        except (CarDataAuthError, CarDataQuotaError):
            raise
        except MyBMWAPIError as err:
            LOGGER.debug("Telematic data of a vehicle unavailable: %s", safe_error(err))
            return False
        now = hass_utcnow()
        self.states[vin].update(readings, received_at=now)
        self.last_rest[vin] = now
        if vin in self.vehicles:
            update_vehicle(self.vehicles[vin], self.states[vin], now=now)
        return True

    def _affordable(self, requests: int) -> bool:
        """Planned reads never touch the reserve (nor run into a CU-429 back-off)."""
        return not self.budget.is_paused and self.budget.can_spend(requests)

    async def _async_read_histories(self, now: datetime) -> None:
        """Charging history of each electric vehicle, once per UTC day, one page each."""
        await self.history.async_read(self.client, self.vehicles, now, self._affordable)
        self._store.async_delay_save(self._store_data, STORAGE_SAVE_DELAY)

    def due_vehicles(self, now: datetime) -> list[str]:
        """Vehicles neither the stream nor REST has updated for ``SILENT_REFRESH_AFTER``."""
        due = []
        for vin in self.states:
            seen = [t for t in (self.last_message.get(vin), self.last_rest.get(vin)) if t]
            if not seen or now - max(seen) >= SILENT_REFRESH_AFTER:
                due.append(vin)
        return due

    @property
    def next_refresh(self) -> datetime | None:
        """When the next planned REST read falls due (while the stream stays silent)."""
        times = []
        for vin in self.states:
            seen = [t for t in (self.last_message.get(vin), self.last_rest.get(vin)) if t]
            if seen:
                times.append(max(seen) + SILENT_REFRESH_AFTER)
        return min(times, default=None)

    async def async_check(self, now: datetime | None = None) -> None:
        """The periodic look: REST reads for silent vehicles and the daily history, in budget."""
        moment = now or hass_utcnow()
        try:
            for vin in self.due_vehicles(moment):
                if not self._affordable(1):
                    LOGGER.debug("CarData budget kept for the reserve; no planned read now")
                    break
                await self._async_read_vehicle(vin)
            await self._async_read_histories(moment)
        except CarDataAuthError:
            self.config_entry.async_start_reauth(self.hass)
            return
        except CarDataQuotaError as err:
            LOGGER.debug("CarData quota reached: %s", safe_error(err))
        self.async_set_updated_data(dict(self.vehicles))

    async def async_refresh_vehicle(self, vin: str) -> None:
        """Read one vehicle now (service action); may use the reserve."""
        if self.budget.remaining < 1:
            raise HomeAssistantError(**budget_translation(self.budget))
        try:
            ok = await self._async_read_vehicle(vin)
        except CarDataAuthError as err:
            self.config_entry.async_start_reauth(self.hass)
            raise HomeAssistantError(**translated(err, "refresh_failed")) from err
        except CarDataQuotaError as err:
            raise HomeAssistantError(**translated(err, "refresh_failed")) from err
        if not ok:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="refresh_failed",
                translation_placeholders={"error": "telematic data unavailable"},
            )
        self.async_set_updated_data(dict(self.vehicles))

    async def async_run_command(
        self, vin: str, command: Command, *, service: str | None = None
    ) -> Any:
        """CarData is read-only."""
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="read_only")

    async def async_vehicle_image(self, vin: str, view: VehicleViewDirection) -> bytes:
        """The one rendering CarData offers (one request; the image entity caches it)."""
        return await self.client.get_image(vin)

    # --- stream ------------------------------------------------------------------------

    @callback
    def async_start(self) -> None:
        """Start the stream task and the periodic check (after the first refresh)."""
        self._stream_task = self.config_entry.async_create_background_task(
            self.hass, self._async_run_stream(), f"{DOMAIN} cardata stream"
        )
        self._unsub_check = async_track_time_interval(self.hass, self.async_check, CHECK_INTERVAL)

    async def _async_run_stream(self) -> None:
        try:
            await self.stream.run()
        except CarDataAuthError as err:
            LOGGER.warning("CarData stream login rejected: %s", type(err).__name__)
            self.config_entry.async_start_reauth(self.hass)

    @property
    def stream_running(self) -> bool:
        """The stream task is alive (diagnostics, tests)."""
        return self._stream_task is not None and not self._stream_task.done()

    async def async_stop(self) -> None:
        """Close the stream session and end its task."""
        if self._unsub_check is not None:
            self._unsub_check()
            self._unsub_check = None
        await self.stream.stop()
        task, self._stream_task = self._stream_task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def async_shutdown(self) -> None:
        """Stop the stream with the coordinator (entry unload)."""
        await self.async_stop()
        await super().async_shutdown()

    async def async_unload(self) -> None:
        """Stop the stream and write the store now."""
        await self.async_stop()
        await self.async_save()

    def diagnostics(self) -> dict[str, Any]:
        """Stream and budget state: the parts of a CarData account that explain stale data."""
        return {
            "stream_connected": self.stream.connected,
            "stream_running": self.stream_running,
            "stream_sessions": self.stream.sessions,
            "messages_received": self.messages_received,
            "requests_today": self.budget.used,
            "request_limit": self.budget.limit,
            "container_known": self.client.container_id is not None,
        }

    def vehicle_diagnostics(self, vin: str) -> dict[str, Any]:
        """The raw readings of one vehicle, positions removed."""
        state = self.states.get(vin)
        return {
            "descriptors": {
                name: {
                    "value": "**REDACTED**" if _POSITION_DESCRIPTOR in name else reading.value,
                    "unit": reading.unit,
                    "timestamp": reading.timestamp.isoformat() if reading.timestamp else None,
                }
                for name, reading in (state.values.items() if state else ())
            }
        }

    @callback
    def _async_on_message(self, message: StreamMessage) -> None:
        """Apply one pushed message and publish the vehicle at once."""
        state = self.states.get(message.vin)
        if state is None:
            LOGGER.debug("Stream message for a vehicle without data mapping, ignored")
            return
        now = hass_utcnow()
        self.messages_received += 1
        self.last_message[message.vin] = now
        if not state.apply_message(message, received_at=now):
            return
        update_vehicle(self.vehicles[message.vin], state, now=now)
        self.async_set_updated_data(dict(self.vehicles))
