"""Remote commands: validation, trigger, event polling and the targeted refresh.

Improves on the reference library (mybmw-api.md §8, items 10 and 11): the
event status is polled with a backoff instead of every 3.5 s, ``INITIATED`` is
not mistaken for a result, one HTTP session serves the whole command, and only
the commanded vehicle is refreshed afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import copy
from dataclasses import dataclass
import datetime
import inspect
import json
import logging
from typing import TYPE_CHECKING, Any, Final

import httpx

from ..api.client import MyBMWClient
from ..const import (
    REMOTE_SERVICE_CHARGING_PATH,
    REMOTE_SERVICE_PATH,
    REMOTE_SERVICE_POSITION_PATH,
    REMOTE_SERVICE_STATUS_PATH,
    SEND_POI_PATH,
)
from ..models import (
    MyBMWAPIError,
    MyBMWRemoteServiceError,
    PointOfInterest,
    StrEnum,
)
from .charging_profile import ChargingMode

if TYPE_CHECKING:
    from ..account import MyBMWAccount
    from .vehicle import MyBMWVehicle

_LOGGER = logging.getLogger(__name__)

ProgressCallback = Callable[["RemoteServiceStatus"], object]
"""Per-call observer; may return an awaitable, which is awaited."""


class Services(StrEnum):
    """Remote services; the value is the path segment where there is one."""

    AIR_CONDITIONING = "climate-now"
    CHARGE_START = "start-charging"
    CHARGE_STOP = "stop-charging"
    CHARGING_PROFILE = "CHARGING_PROFILE"
    CHARGING_SETTINGS = "CHARGING_SETTINGS"
    DOOR_LOCK = "door-lock"
    DOOR_UNLOCK = "door-unlock"
    HORN = "horn-blow"
    LIGHT_FLASH = "light-flash"
    SEND_POI = "SEND_POI"
    VEHICLE_FINDER = "vehicle-finder"


class ExecutionState(StrEnum):
    """Life cycle of a remote command as reported by the event status."""

    INITIATED = "INITIATED"
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    EXECUTED = "EXECUTED"
    ERROR = "ERROR"
    IGNORED = "IGNORED"
    UNKNOWN = "UNKNOWN"


TERMINAL_STATES: Final = frozenset(
    {ExecutionState.EXECUTED, ExecutionState.ERROR, ExecutionState.IGNORED}
)

# Commands on the vrccs path (service id = path segment, VIN in a header).
_VRCCS_SERVICES: Final = frozenset(
    {
        Services.AIR_CONDITIONING,
        Services.DOOR_LOCK,
        Services.DOOR_UNLOCK,
        Services.HORN,
        Services.LIGHT_FLASH,
        Services.VEHICLE_FINDER,
    }
)
# Commands on the crccs path (VIN in the path); they change charging details.
_CHARGING_SERVICES: Final = {
    Services.CHARGE_START: "start-charging",
    Services.CHARGE_STOP: "stop-charging",
    Services.CHARGING_SETTINGS: "charging-settings",
    Services.CHARGING_PROFILE: "charging-profile",
}

_CHARGING_MODE_TYPES: Final = {
    ChargingMode.IMMEDIATE_CHARGING: ("CHARGING_IMMEDIATELY", "NO_PRESELECTION"),
    ChargingMode.DELAYED_CHARGING: ("TIME_SLOT", "CHARGING_WINDOW"),
}

CHARGING_DETAILS_FRESHNESS: Final = datetime.timedelta(minutes=10)
"""The charging-profile command starts from the charging details; older ones are read again
first, so settings changed in the app since are not sent back."""
TARGET_SOC_MIN: Final = 20
TARGET_SOC_MAX: Final = 100
TARGET_SOC_STEP: Final = 5


class RemoteServiceStatus:
    """The state of one remote command, wrapping the event status answer."""

    def __init__(self, response: dict[str, Any], event_id: str | None = None) -> None:
        self.response = response
        raw_state = response.get("eventStatus")
        self.state: ExecutionState = (
            ExecutionState(raw_state) if isinstance(raw_state, str) else ExecutionState.UNKNOWN
        )
        self.details: Any = response.get("details")
        self.event_id = event_id

    def __repr__(self) -> str:
        return f"RemoteServiceStatus(state={self.state.value}, event_id={self.event_id!r})"


@dataclass(frozen=True)
class PollingPolicy:
    """When to ask for the event status: first delay, growing interval, cap, timeout.

    The default polls after 3 s, 3 s, 4.5 s, 6.75 s, ... up to every 10 s, so a
    slow car costs about 26 status calls within the 240 s timeout instead of 69,
    and a car that answers within half a minute is seen within 10 s of it.
    """

    first_delay: float = 3.0
    interval: float = 3.0
    backoff: float = 1.5
    max_interval: float = 10.0
    timeout: float = 240.0

    def delays(self) -> Any:
        """Yield the sleep before each poll, forever."""
        yield self.first_delay
        interval = self.interval
        while True:
            yield min(interval, self.max_interval)
            interval *= self.backoff


class RemoteServices:
    """Trigger remote services on one vehicle."""

    polling: PollingPolicy = PollingPolicy()
    """Class-wide default; pass ``polling=`` to the constructor to override per vehicle."""

    def __init__(self, vehicle: MyBMWVehicle, polling: PollingPolicy | None = None) -> None:
        self._vehicle = vehicle
        if polling is not None:
            self.polling = polling
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None

    @property
    def command_lock(self) -> asyncio.Lock:
        """Serialises this vehicle's commands: the car handles one event at a time.

        Bound to the running loop, so a vehicle object outliving a loop (tests, CLI) still works.
        """
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock = asyncio.Lock()
            self._lock_loop = loop
        return self._lock

    @property
    def _account(self) -> MyBMWAccount:
        return self._vehicle.account

    # ----------------------------------------------------------------- commands

    async def trigger_remote_door_lock(self) -> RemoteServiceStatus:
        """Lock the doors."""
        self._require("is_remote_lock_enabled", "door lock")
        return await self.trigger_remote_service(Services.DOOR_LOCK, refresh=True)

    async def trigger_remote_door_unlock(self) -> RemoteServiceStatus:
        """Unlock the doors."""
        self._require("is_remote_unlock_enabled", "door unlock")
        return await self.trigger_remote_service(Services.DOOR_UNLOCK, refresh=True)

    async def trigger_remote_light_flash(self) -> RemoteServiceStatus:
        """Flash the headlights."""
        self._require("is_remote_lights_enabled", "light flash")
        return await self.trigger_remote_service(Services.LIGHT_FLASH)

    async def trigger_remote_horn(self) -> RemoteServiceStatus:
        """Sound the horn."""
        self._require("is_remote_horn_enabled", "horn")
        return await self.trigger_remote_service(Services.HORN)

    async def trigger_remote_air_conditioning(self) -> RemoteServiceStatus:
        """Start climatisation."""
        self._require("is_remote_climate_start_enabled", "climate start")
        return await self.trigger_remote_service(
            Services.AIR_CONDITIONING, params={"action": "START"}, refresh=True
        )

    async def trigger_remote_air_conditioning_stop(self) -> RemoteServiceStatus:
        """Stop climatisation."""
        self._require("is_remote_climate_stop_enabled", "climate stop")
        return await self.trigger_remote_service(
            Services.AIR_CONDITIONING, params={"action": "STOP"}, refresh=True
        )

    async def trigger_charge_start(self) -> RemoteServiceStatus:
        """Start charging; ignored locally when no charger is plugged in."""
        self._require("is_remote_charge_start_enabled", "charge start")
        if not self._vehicle.fuel_and_battery.is_charger_connected:
            _LOGGER.info("Charge start skipped: the charger is not connected")
            return await self._ignored_locally(Services.CHARGE_START)
        return await self.trigger_remote_service(Services.CHARGE_START, refresh=True)

    async def trigger_charge_stop(self) -> RemoteServiceStatus:
        """Stop charging; ignored locally unless the car is plugged in and charging."""
        self._require("is_remote_charge_stop_enabled", "charge stop")
        fuel_and_battery = self._vehicle.fuel_and_battery
        status = fuel_and_battery.charging_status
        charging = getattr(status, "value", status) == "CHARGING"
        if not (fuel_and_battery.is_charger_connected and charging):
            _LOGGER.info("Charge stop skipped: the vehicle is not charging")
            return await self._ignored_locally(Services.CHARGE_STOP)
        return await self.trigger_remote_service(Services.CHARGE_STOP, refresh=True)

    async def trigger_charging_settings_update(
        self, target_soc: int | None = None, ac_limit: int | None = None
    ) -> RemoteServiceStatus:
        """Change the charging target and/or the AC current limit."""
        if target_soc is None and ac_limit is None:
            raise ValueError("Give a target SoC and/or an AC limit to change")
        if target_soc is not None:
            self._require("is_remote_set_target_soc_enabled", "setting the target SoC")
            if (
                not _is_int(target_soc)
                or not TARGET_SOC_MIN <= target_soc <= TARGET_SOC_MAX
                or target_soc % TARGET_SOC_STEP
            ):
                raise ValueError(
                    f"Target SoC must be an integer from {TARGET_SOC_MIN} to {TARGET_SOC_MAX} "
                    f"in steps of {TARGET_SOC_STEP}, got {target_soc!r}"
                )
        if ac_limit is not None:
            self._require("is_remote_set_ac_limit_enabled", "setting the AC limit")
            profile = self._vehicle.charging_profile
            allowed = list(getattr(profile, "ac_available_limits", None) or [])
            if not allowed:
                raise ValueError("This vehicle reports no selectable AC limits")
            if not _is_int(ac_limit) or ac_limit not in allowed:
                raise ValueError(
                    f"AC limit must be one of {', '.join(str(v) for v in allowed)} A, "
                    f"got {ac_limit!r}"
                )
        return await self.trigger_remote_service(
            Services.CHARGING_SETTINGS,
            data={"chargingTarget": target_soc, "acLimitValue": ac_limit},
            refresh=True,
        )

    async def trigger_charging_profile_update(
        self,
        charging_mode: ChargingMode | str | None = None,
        precondition_climate: bool | None = None,
    ) -> RemoteServiceStatus:
        """Change the charging mode and/or departure preconditioning."""
        if charging_mode is None and precondition_climate is None:
            raise ValueError("Give a charging mode and/or a precondition setting to change")
        self._require("is_charging_plan_supported", "changing the charging profile")
        profile = self._vehicle.charging_profile
        if profile is None:
            raise ValueError("This vehicle reports no charging profile to change")
        mode: ChargingMode | None = None
        if charging_mode is not None:
            mode = ChargingMode(charging_mode)
            if mode not in _CHARGING_MODE_TYPES:
                raise ValueError(
                    "Charging mode must be one of "
                    + ", ".join(m.value for m in _CHARGING_MODE_TYPES)
                    + f", got {charging_mode!r}"
                )
        if precondition_climate is not None and not isinstance(precondition_climate, bool):
            raise ValueError(
                f"precondition_climate must be true or false, got {precondition_climate!r}"
            )

        await self._account.refresh_charging_details(
            self._vehicle.vin, max_age=CHARGING_DETAILS_FRESHNESS
        )
        profile = self._vehicle.charging_profile or profile
        payload = copy.deepcopy(profile.format_for_remote_service())
        if mode is not None:
            mode_type, preference = _CHARGING_MODE_TYPES[mode]
            charging_mode_part = payload.setdefault("chargingMode", {})
            charging_mode_part["type"] = mode_type
            charging_mode_part["chargingPreference"] = preference
        if precondition_climate is not None:
            payload["isPreconditionForDepartureActive"] = precondition_climate
        return await self.trigger_remote_service(
            Services.CHARGING_PROFILE, data=payload, refresh=True
        )

    async def trigger_remote_vehicle_finder(self) -> RemoteServiceStatus:
        """Locate the vehicle; the result is stored as its newest position.

        The server gives the found position only to a caller that says where it
        is (``account.set_observer_position``). Without one the car is still
        located, as with the reference library, and the position arrives with
        the next state update.
        """
        observer = self._account.config.observer_position
        async with self.command_lock, self._client() as client:
            status = await self._run(client, Services.VEHICLE_FINDER, None, None, None)
            if status.state != ExecutionState.EXECUTED or not status.event_id:
                return status
            if observer is None or observer.latitude is None or observer.longitude is None:
                _LOGGER.debug("No observer position: the found position comes with the next state")
                return status
            response = await client.post(
                REMOTE_SERVICE_POSITION_PATH,
                params={"eventId": status.event_id},
                headers={"latitude": str(observer.latitude), "longitude": str(observer.longitude)},
            )
        position = _json_body(response)
        error = position.get("errorDetails")
        if error:
            details = error if isinstance(error, dict) else {"description": error}
            raise MyBMWRemoteServiceError(
                "The vehicle finder found no position: "
                + " - ".join(str(details[k]) for k in ("title", "description") if details.get(k))
            )
        self._vehicle.vehicle_location.set_remote_service_position(position)
        return status

    async def trigger_send_poi(self, poi: PointOfInterest | dict[str, Any]) -> RemoteServiceStatus:
        """Send a destination to the navigation system."""
        self._require("is_remote_sendpoi_enabled", "sending a point of interest")
        if not isinstance(poi, PointOfInterest):
            poi = _poi_from_dict(poi)
        return await self.trigger_remote_service(Services.SEND_POI, data=self._poi_payload(poi))

    # ------------------------------------------------------------------ machinery

    async def trigger_remote_service(
        self,
        service_id: Services,
        params: dict[str, Any] | None = None,
        data: Any = None,
        refresh: bool = False,
        *,
        progress: ProgressCallback | None = None,
    ) -> RemoteServiceStatus:
        """Send a command, wait for its result and, if asked, refresh this vehicle.

        Raises ``MyBMWRemoteServiceError`` when the car reports ``ERROR`` or no
        result arrives within the polling timeout.
        """
        service_id = Services(service_id)
        async with self.command_lock:
            async with self._client() as client:
                status = await self._run(client, service_id, params, data, progress)
            if refresh and status.state == ExecutionState.EXECUTED:
                await self._refresh(service_id)
        return status

    def _client(self) -> MyBMWClient:
        """One client (one HTTP session) serves the trigger and all of its polls."""
        return MyBMWClient(self._account.config, brand=self._vehicle.brand)

    async def _run(
        self,
        client: MyBMWClient,
        service: Services,
        params: dict[str, Any] | None,
        data: Any,
        progress: ProgressCallback | None,
    ) -> RemoteServiceStatus:
        """Send the command and follow its event to a final state."""
        path, headers = self._endpoint(service)
        response = await client.post(
            path, params=params, json=data if data is not None else {}, headers=headers
        )
        return await self._follow(client, service, response, progress)

    async def _follow(
        self,
        client: MyBMWClient,
        service: Services,
        response: httpx.Response,
        progress: ProgressCallback | None,
    ) -> RemoteServiceStatus:
        """Turn the trigger answer into a final status, polling while needed."""
        body = _json_body(response)
        event_id = body.get("eventId")
        if not isinstance(event_id, str) or not event_id:
            # Send POI answers 201 without a body: nothing to poll, it is done.
            status = RemoteServiceStatus({"eventStatus": ExecutionState.EXECUTED.value})
            await self._notify(service, status, progress)
            return status

        status = RemoteServiceStatus({"eventStatus": ExecutionState.INITIATED.value}, event_id)
        await self._notify(service, status, progress)
        policy = self.polling
        loop = asyncio.get_running_loop()
        deadline = loop.time() + policy.timeout
        for delay in policy.delays():
            if loop.time() + delay > deadline:
                raise MyBMWRemoteServiceError(
                    f"{service.value}: no result within {policy.timeout:g} seconds "
                    f"(last state {status.state.value})"
                )
            await asyncio.sleep(delay)
            answer = await client.post(REMOTE_SERVICE_STATUS_PATH, params={"eventId": event_id})
            new_status = RemoteServiceStatus(_json_body(answer), event_id)
            if new_status.state != status.state:
                await self._notify(service, new_status, progress)
            status = new_status
            if status.state == ExecutionState.ERROR:
                raise MyBMWRemoteServiceError(
                    f"{service.value} failed in the vehicle: {_reason(status)}"
                )
            if status.state in TERMINAL_STATES:
                return status
        raise AssertionError("unreachable")  # pragma: no cover - delays() never ends

    def _endpoint(self, service: Services) -> tuple[str, dict[str, str]]:
        """Return the path and extra headers of a command."""
        vin = self._vehicle.vin
        if service in _VRCCS_SERVICES:
            return REMOTE_SERVICE_PATH.format(service_type=service.value), {"bmw-vin": vin}
        if service in _CHARGING_SERVICES:
            path = REMOTE_SERVICE_CHARGING_PATH.format(
                vin=vin, service_type=_CHARGING_SERVICES[service]
            )
            return path, {}
        if service == Services.SEND_POI:
            gcid = self._account.gcid
            if not gcid:
                raise MyBMWAPIError(
                    "Sending a point of interest needs the account's gcid; log in first"
                )
            return SEND_POI_PATH.format(gcid=gcid), {"bmw-vin": vin}
        raise ValueError(f"Unsupported remote service {service!r}")  # pragma: no cover

    async def _refresh(self, service: Services) -> None:
        """Reload this vehicle once so the command's effect shows up."""
        try:
            await self._account.refresh_vehicle(
                self._vehicle.vin, charging_details=service in _CHARGING_SERVICES
            )
        except MyBMWAPIError as err:
            # The command itself succeeded; a failed refresh must not turn it into an error.
            _LOGGER.warning(
                "%s executed, but refreshing the vehicle failed: %s",
                service.value,
                type(err).__name__,
            )

    async def _ignored_locally(self, service: Services) -> RemoteServiceStatus:
        status = RemoteServiceStatus({"eventStatus": ExecutionState.IGNORED.value})
        await self._notify(service, status, None)
        return status

    async def _notify(
        self, service: Services, status: RemoteServiceStatus, progress: ProgressCallback | None
    ) -> None:
        """Tell the account-wide and the per-call observer about a state change."""
        observers: list[Callable[[], object]] = []
        account_observer = getattr(self._account.config, "on_remote_service_progress", None)
        if account_observer is not None:
            observers.append(lambda: account_observer(self._vehicle.vin, service, status))
        if progress is not None:
            observers.append(lambda: progress(status))
        for call in observers:
            try:
                result = call()
                if inspect.isawaitable(result):
                    await result
            except Exception:  # an observer must not abort a running command
                _LOGGER.warning("Remote service progress observer failed", exc_info=True)

    def _require(self, flag: str, what: str) -> None:
        if not getattr(self._vehicle, flag, False):
            raise ValueError(f"This vehicle does not support {what}")

    def _poi_payload(self, poi: PointOfInterest) -> dict[str, Any]:
        """Build the send-to-car body (§4.7); absent address parts are null."""
        position = {"lat": poi.lat, "lng": poi.lon}
        parts = [p for p in (poi.street, poi.postal_code, poi.city) if p]
        formatted = poi.formatted_address or (", ".join(parts) if parts else "Coordinates only")
        address: dict[str, Any] = {
            "street": poi.street or None,
            "postalCode": poi.postal_code or None,
            "city": poi.city or None,
            "country": poi.country or None,
        }
        for key in (
            "formatted",
            "banchi",
            "chome",
            "countryCode",
            "district",
            "go",
            "houseNumber",
            "region",
            "regionCode",
            "settlement",
            "subblock",
        ):
            address[key] = None
        place = {
            "title": poi.name,
            "position": position,
            "address": address,
            "formattedAddress": formatted,
            "placeType": "ADDRESS",
            "category": {"losCategory": "Address", "mguVehicleCategoryId": None, "name": "Address"},
            "entrances": [{"name": None, "position": dict(position)}],
            "provider": None,
            "providerId": None,
            "providerPoiId": "",
            "sourceType": None,
            "vehicleCategoryId": None,
        }
        return {"places": [place], "vehicleInformation": {"vin": self._vehicle.vin}}


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _poi_from_dict(data: dict[str, Any]) -> PointOfInterest:
    """Accept the reference library's dict keys (``lat``, ``lon``, ``postalCode``, ...)."""
    if not isinstance(data, dict):
        raise ValueError("A point of interest must be a PointOfInterest or a dict")
    lat = data.get("lat", data.get("latitude"))
    lon = data.get("lon", data.get("lng", data.get("longitude")))
    if lat is None or lon is None:
        raise ValueError("A point of interest needs 'lat' and 'lon'")
    return PointOfInterest(
        lat=lat,
        lon=lon,
        name=data.get("name"),
        street=data.get("street"),
        postal_code=data.get("postalCode", data.get("postal_code")),
        city=data.get("city"),
        country=data.get("country"),
        formatted_address=data.get("formattedAddress", data.get("formatted_address")),
    )


def _json_body(response: httpx.Response) -> dict[str, Any]:
    """Parse a JSON object body; an empty body is ``{}``."""
    if not response.content.strip():
        return {}
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise MyBMWRemoteServiceError(
            f"Unexpected non-JSON answer to a remote command (HTTP {response.status_code})",
            status_code=response.status_code,
        ) from err
    if not isinstance(body, dict):
        raise MyBMWRemoteServiceError(
            "Unexpected answer to a remote command", status_code=response.status_code
        )
    return body


def _reason(status: RemoteServiceStatus) -> str:
    """Best human-readable reason the server gave for an ERROR."""
    details = status.details or status.response.get("errorDetails")
    if isinstance(details, dict):
        parts = [
            str(details[k])
            for k in ("title", "description", "reason", "message", "code")
            if details.get(k)
        ]
        if parts:
            return " - ".join(parts)
    if details:
        return str(details)
    return "no reason given"
