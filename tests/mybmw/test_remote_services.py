"""Remote services: validation, payloads and event polling against a scripted client."""

from __future__ import annotations

from dataclasses import dataclass, field
import json
from types import SimpleNamespace
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import httpx
import pytest
import respx

from custom_components.bmw_mybmw.mybmw import models
from custom_components.bmw_mybmw.mybmw.account import MyBMWAccount
from custom_components.bmw_mybmw.mybmw.api.regions import Regions
from custom_components.bmw_mybmw.mybmw.models import (
    DEFAULT_POI_NAME,
    GPSPosition,
    MyBMWAPIError,
    MyBMWQuotaError,
    MyBMWRemoteServiceError,
    PointOfInterest,
)
from custom_components.bmw_mybmw.mybmw.vehicle import remote_services as rs
from custom_components.bmw_mybmw.mybmw.vehicle.charging_profile import ChargingMode
from custom_components.bmw_mybmw.mybmw.vehicle.remote_services import (
    CHARGING_DETAILS_FRESHNESS,
    ExecutionState,
    PollingPolicy,
    RemoteServices,
    RemoteServiceStatus,
    Services,
)
from custom_components.bmw_mybmw.mybmw.vehicle.vehicle import MyBMWVehicle
from simulator.cloud import DEMO_PASSWORD, DEMO_USERNAME, MyBMWCloud

VIN = "WBA00000000TEST01"
FAST = PollingPolicy(first_delay=0, interval=0, backoff=1, max_interval=0, timeout=5)
STATUS_PATH = "/eadrax-vrccs/v3/presentation/remote-commands/eventStatus"


@dataclass
class Call:
    method: str
    path: str
    params: dict[str, Any] | None
    json: Any
    headers: dict[str, str] | None


@dataclass
class ScriptedServer:
    """Answers like the cloud: a trigger gets an event id, then scripted statuses."""

    statuses: list[str] = field(default_factory=lambda: ["PENDING", "DELIVERED", "EXECUTED"])
    trigger_status: int = 200
    trigger_body: bytes | None = None
    position: dict[str, Any] | None = None
    error_details: Any = None
    calls: list[Call] = field(default_factory=list)
    clients: int = 0
    closed: int = 0
    _queue: list[str] = field(default_factory=list)

    def answer(self, call: Call) -> httpx.Response:
        self.calls.append(call)
        if call.path == STATUS_PATH:
            state = self._queue.pop(0) if len(self._queue) > 1 else self._queue[0]
            body: dict[str, Any] = {"eventStatus": state} if state else {}
            if state == "ERROR" and self.error_details is not None:
                body["details"] = self.error_details
            return httpx.Response(200, json=body)
        if call.path.endswith("eventPosition"):
            return httpx.Response(200, json=self.position or {})
        self._queue = list(self.statuses)  # every command runs the whole script
        if self.trigger_body is not None:
            return httpx.Response(self.trigger_status, content=self.trigger_body)
        return httpx.Response(
            self.trigger_status,
            json={"eventId": "event-1", "creationTime": "2025-01-01T00:00:00Z"},
        )

    @property
    def triggers(self) -> list[Call]:
        return [c for c in self.calls if c.path != STATUS_PATH]

    @property
    def polls(self) -> int:
        return sum(1 for c in self.calls if c.path == STATUS_PATH)


class FakeClient:
    server: ScriptedServer

    def __init__(self, config: Any, *, brand: Any = None) -> None:
        self.brand = brand
        type(self).server.clients += 1

    async def __aenter__(self) -> FakeClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        type(self).server.closed += 1

    async def post(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        return type(self).server.answer(Call("POST", path, params, json, headers))


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> ScriptedServer:
    scripted = ScriptedServer()
    FakeClient.server = scripted
    monkeypatch.setattr(rs, "MyBMWClient", FakeClient)
    monkeypatch.setattr(RemoteServices, "polling", FAST)
    return scripted


class FakeProfile:
    ac_available_limits = [6, 8, 10, 16, 32]

    def format_for_remote_service(self) -> dict[str, Any]:
        return {
            "chargingMode": {
                "chargingPreference": "NO_PRESELECTION",
                "type": "CHARGING_IMMEDIATELY",
                "startTimeSlot": "0001-01-01T00:00:00.000",
                "endTimeSlot": "0001-01-01T00:00:00.000",
                "timerChange": "NO_CHANGE",
            },
            "departureTimer": {"type": "WEEKLY_DEPARTURE_TIMER", "weeklyTimers": []},
            "isPreconditionForDepartureActive": False,
            "servicePack": "WAVE_01",
        }


def make_vehicle(**overrides: Any) -> Any:
    account = SimpleNamespace(
        config=SimpleNamespace(
            observer_position=GPSPosition(48.1, 11.5), on_remote_service_progress=None
        ),
        gcid="gcid-1234",
        refresh_vehicle=AsyncMock(),
        refresh_charging_details=AsyncMock(),
    )
    vehicle = SimpleNamespace(
        vin=VIN,
        brand="bmw",
        account=account,
        is_remote_lock_enabled=True,
        is_remote_unlock_enabled=True,
        is_remote_lights_enabled=True,
        is_remote_horn_enabled=True,
        is_remote_climate_start_enabled=True,
        is_remote_climate_stop_enabled=True,
        is_remote_charge_start_enabled=True,
        is_remote_charge_stop_enabled=True,
        is_remote_set_target_soc_enabled=True,
        is_remote_set_ac_limit_enabled=True,
        is_remote_sendpoi_enabled=True,
        is_charging_plan_supported=True,
        fuel_and_battery=SimpleNamespace(is_charger_connected=True, charging_status="CHARGING"),
        charging_profile=FakeProfile(),
        vehicle_location=MagicMock(),
    )
    for key, value in overrides.items():
        setattr(vehicle, key, value)
    vehicle.remote_services = RemoteServices(vehicle)
    return vehicle


async def assert_refused(
    server: ScriptedServer, vehicle: Any, method: str, message: str, *args: Any, **kwargs: Any
) -> None:
    """The call fails validation before anything is sent to the server."""
    with pytest.raises(ValueError, match=message):
        await getattr(vehicle.remote_services, method)(*args, **kwargs)
    assert server.calls == []


# ---------------------------------------------------------------------------- status


def test_status_wraps_response() -> None:
    status = RemoteServiceStatus({"eventStatus": "delivered", "details": {"x": 1}}, "ev")
    assert status.state is ExecutionState.DELIVERED
    assert status.details == {"x": 1}
    assert status.event_id == "ev"
    assert "DELIVERED" in repr(status)
    assert RemoteServiceStatus({}).state is ExecutionState.UNKNOWN
    assert RemoteServiceStatus({"eventStatus": "NEW_THING"}).state is ExecutionState.UNKNOWN
    assert RemoteServiceStatus({"eventStatus": 3}).state is ExecutionState.UNKNOWN


def test_service_values() -> None:
    assert Services.AIR_CONDITIONING.value == "climate-now"
    assert Services.DOOR_LOCK.value == "door-lock"
    assert Services.HORN.value == "horn-blow"
    assert Services.CHARGE_START.value == "start-charging"
    assert Services.SEND_POI.value == "SEND_POI"


def test_default_polling_backs_off_and_caps() -> None:
    delays = PollingPolicy().delays()
    first = [next(delays) for _ in range(8)]
    assert first[:4] == [3.0, 3.0, 4.5, 6.75]
    assert max(first) == 10.0
    assert first[-1] == 10.0
    # Far fewer polls than the reference's 69 within its 240 s timeout.
    total, polls, delays = 0.0, 0, PollingPolicy().delays()
    while total + (d := next(delays)) <= 240:
        total += d
        polls += 1
    assert polls < 30


# ---------------------------------------------------------------------------- polling


async def test_lock_polls_until_executed_and_refreshes_only_this_vehicle(
    server: ScriptedServer,
) -> None:
    vehicle = make_vehicle()
    seen: list[tuple[str, Services, ExecutionState]] = []
    vehicle.account.config.on_remote_service_progress = lambda vin, svc, st: seen.append(
        (vin, svc, st.state)
    )
    status = await vehicle.remote_services.trigger_remote_door_lock()

    assert status.state is ExecutionState.EXECUTED
    assert status.event_id == "event-1"
    trigger = server.calls[0]
    assert trigger.path == "/eadrax-vrccs/v4/presentation/remote-commands/door-lock"
    assert trigger.json == {}
    assert trigger.headers == {"bmw-vin": VIN}
    assert server.polls == 3
    assert all(c.params == {"eventId": "event-1"} for c in server.calls[1:])
    assert server.clients == 1  # one session for trigger and polls
    assert server.closed == 1
    vehicle.account.refresh_vehicle.assert_awaited_once_with(VIN, charging_details=False)
    assert [s for _, _, s in seen] == [
        ExecutionState.INITIATED,
        ExecutionState.PENDING,
        ExecutionState.DELIVERED,
        ExecutionState.EXECUTED,
    ]
    assert {v for v, _, _ in seen} == {VIN}
    assert {s for _, s, _ in seen} == {Services.DOOR_LOCK}


async def test_initiated_is_not_final_and_repeats_are_reported_once(
    server: ScriptedServer,
) -> None:
    server.statuses = ["INITIATED", "INITIATED", "PENDING", "", "PENDING", "EXECUTED"]
    vehicle = make_vehicle()
    seen: list[ExecutionState] = []
    status = await vehicle.remote_services.trigger_remote_service(
        Services.LIGHT_FLASH, progress=lambda st: seen.append(st.state)
    )
    assert status.state is ExecutionState.EXECUTED
    assert server.polls == 6
    assert seen == [
        ExecutionState.INITIATED,
        ExecutionState.PENDING,
        ExecutionState.UNKNOWN,
        ExecutionState.PENDING,
        ExecutionState.EXECUTED,
    ]
    vehicle.account.refresh_vehicle.assert_not_awaited()


async def test_async_progress_callback_is_awaited_and_errors_are_contained(
    server: ScriptedServer,
) -> None:
    vehicle = make_vehicle()
    seen: list[ExecutionState] = []

    async def progress(status: RemoteServiceStatus) -> None:
        seen.append(status.state)

    def broken(*_: Any) -> None:
        raise RuntimeError("observer bug")

    vehicle.account.config.on_remote_service_progress = broken
    status = await vehicle.remote_services.trigger_remote_service(Services.HORN, progress=progress)
    assert status.state is ExecutionState.EXECUTED
    assert seen[-1] is ExecutionState.EXECUTED


async def test_error_raises_with_server_reason(server: ScriptedServer) -> None:
    server.statuses = ["PENDING", "ERROR"]
    server.error_details = {"title": "Vehicle asleep", "description": "no connection"}
    vehicle = make_vehicle()
    with pytest.raises(MyBMWRemoteServiceError, match="Vehicle asleep - no connection"):
        await vehicle.remote_services.trigger_remote_door_unlock()
    vehicle.account.refresh_vehicle.assert_not_awaited()
    assert server.polls == 2
    assert server.closed == 1


@pytest.mark.parametrize(
    ("details", "expected"),
    [
        ({"eventStatus": "ERROR"}, "no reason given"),
        ({"eventStatus": "ERROR", "details": "plain text"}, "plain text"),
        ({"eventStatus": "ERROR", "errorDetails": {"message": "m"}}, ": m"),
        ({"eventStatus": "ERROR", "details": {"other": 1}}, "other"),
    ],
)
async def test_error_reason_variants(
    server: ScriptedServer, details: dict[str, Any], expected: str
) -> None:
    def answer(call: Call) -> httpx.Response:
        server.calls.append(call)
        if call.path == STATUS_PATH:
            return httpx.Response(200, json=details)
        return httpx.Response(200, json={"eventId": "e"})

    server.answer = answer  # type: ignore[method-assign]
    with pytest.raises(MyBMWRemoteServiceError, match=expected):
        await make_vehicle().remote_services.trigger_remote_horn()


async def test_timeout_raises(server: ScriptedServer) -> None:
    server.statuses = ["PENDING"]
    vehicle = make_vehicle()
    vehicle.remote_services = RemoteServices(
        vehicle,
        polling=PollingPolicy(
            first_delay=0.01, interval=0.01, backoff=2, max_interval=0.02, timeout=0.1
        ),
    )
    with pytest.raises(MyBMWRemoteServiceError, match=r"no result within 0.1 seconds.*PENDING"):
        await vehicle.remote_services.trigger_remote_light_flash()
    assert 2 <= server.polls <= 8


async def test_ignored_is_final_without_refresh(server: ScriptedServer) -> None:
    server.statuses = ["PENDING", "IGNORED"]
    vehicle = make_vehicle()
    status = await vehicle.remote_services.trigger_remote_air_conditioning()
    assert status.state is ExecutionState.IGNORED
    vehicle.account.refresh_vehicle.assert_not_awaited()
    assert server.calls[0].params == {"action": "START"}


async def test_refresh_failure_does_not_fail_the_command(server: ScriptedServer) -> None:
    vehicle = make_vehicle()
    vehicle.account.refresh_vehicle.side_effect = MyBMWQuotaError("quota")
    status = await vehicle.remote_services.trigger_remote_air_conditioning_stop()
    assert status.state is ExecutionState.EXECUTED
    assert server.calls[0].params == {"action": "STOP"}


async def test_unexpected_trigger_answers(server: ScriptedServer) -> None:
    server.trigger_body = b"<html>oops</html>"
    with pytest.raises(MyBMWRemoteServiceError, match="non-JSON"):
        await make_vehicle().remote_services.trigger_remote_horn()
    server.trigger_body = b"[1, 2]"
    with pytest.raises(MyBMWRemoteServiceError, match="Unexpected answer"):
        await make_vehicle().remote_services.trigger_remote_horn()
    server.trigger_body = b'{"creationTime": "x"}'  # no event id: nothing to poll
    status = await make_vehicle().remote_services.trigger_remote_horn()
    assert status.state is ExecutionState.EXECUTED


# ----------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("flag", "method"),
    [
        ("is_remote_lock_enabled", "trigger_remote_door_lock"),
        ("is_remote_unlock_enabled", "trigger_remote_door_unlock"),
        ("is_remote_lights_enabled", "trigger_remote_light_flash"),
        ("is_remote_horn_enabled", "trigger_remote_horn"),
        ("is_remote_climate_start_enabled", "trigger_remote_air_conditioning"),
        ("is_remote_climate_stop_enabled", "trigger_remote_air_conditioning_stop"),
        ("is_remote_charge_start_enabled", "trigger_charge_start"),
        ("is_remote_charge_stop_enabled", "trigger_charge_stop"),
    ],
)
async def test_missing_capability_sends_nothing(
    server: ScriptedServer, flag: str, method: str
) -> None:
    await assert_refused(server, make_vehicle(**{flag: False}), method, "does not support")


SETTINGS = "trigger_charging_settings_update"
PROFILE = "trigger_charging_profile_update"


@pytest.mark.parametrize(
    ("method", "kwargs", "overrides", "message"),
    [
        (SETTINGS, {}, {}, "target SoC and/or an AC limit"),
        (SETTINGS, {"target_soc": 15}, {}, "Target SoC must be"),
        (SETTINGS, {"target_soc": 105}, {}, "Target SoC must be"),
        (SETTINGS, {"target_soc": 72}, {}, "Target SoC must be"),
        (SETTINGS, {"target_soc": 80.0}, {}, "Target SoC must be"),
        (SETTINGS, {"target_soc": True}, {}, "Target SoC must be"),
        (
            SETTINGS,
            {"target_soc": 80},
            {"is_remote_set_target_soc_enabled": False},
            "does not support",
        ),
        (SETTINGS, {"ac_limit": 12}, {}, "AC limit must be one of 6, 8, 10, 16, 32"),
        (SETTINGS, {"ac_limit": 16}, {"is_remote_set_ac_limit_enabled": False}, "does not support"),
        (SETTINGS, {"ac_limit": 16}, {"charging_profile": None}, "no selectable AC limits"),
        (PROFILE, {}, {}, "charging mode and/or a precondition"),
        (PROFILE, {"charging_mode": ChargingMode.UNKNOWN}, {}, "Charging mode must be one of"),
        (PROFILE, {"charging_mode": "SOMETHING"}, {}, "Charging mode must be one of"),
        (PROFILE, {"precondition_climate": "yes"}, {}, "must be true or false"),
        (
            PROFILE,
            {"precondition_climate": True},
            {"is_charging_plan_supported": False},
            "not support",
        ),
        (
            PROFILE,
            {"precondition_climate": True},
            {"charging_profile": None},
            "no charging profile",
        ),
    ],
)
async def test_charging_validation(
    server: ScriptedServer,
    method: str,
    kwargs: dict[str, Any],
    overrides: dict[str, Any],
    message: str,
) -> None:
    await assert_refused(server, make_vehicle(**overrides), method, message, **kwargs)


async def test_charging_settings_payload(server: ScriptedServer) -> None:
    vehicle = make_vehicle()
    await vehicle.remote_services.trigger_charging_settings_update(target_soc=75)
    assert server.calls[0].path == f"/eadrax-crccs/v1/vehicles/{VIN}/charging-settings"
    assert server.calls[0].json == {"chargingTarget": 75, "acLimitValue": None}
    await vehicle.remote_services.trigger_charging_settings_update(target_soc=100, ac_limit=16)
    assert server.triggers[-1].json == {"chargingTarget": 100, "acLimitValue": 16}
    assert server.triggers[-1].headers == {}
    vehicle.account.refresh_vehicle.assert_awaited_with(VIN, charging_details=True)


async def test_charging_profile_payload(server: ScriptedServer) -> None:
    vehicle = make_vehicle()
    await vehicle.remote_services.trigger_charging_profile_update(
        charging_mode=ChargingMode.DELAYED_CHARGING, precondition_climate=True
    )
    # The payload starts from charging details no older than the freshness limit.
    vehicle.account.refresh_charging_details.assert_awaited_once_with(
        VIN, max_age=CHARGING_DETAILS_FRESHNESS
    )
    body = server.calls[0].json
    assert server.calls[0].path == f"/eadrax-crccs/v1/vehicles/{VIN}/charging-profile"
    assert body["chargingMode"]["type"] == "TIME_SLOT"
    assert body["chargingMode"]["chargingPreference"] == "CHARGING_WINDOW"
    assert body["chargingMode"]["timerChange"] == "NO_CHANGE"
    assert body["isPreconditionForDepartureActive"] is True
    assert body["servicePack"] == "WAVE_01"
    # The profile's own dict is not modified.
    assert vehicle.charging_profile.format_for_remote_service()["chargingMode"]["type"] == (
        "CHARGING_IMMEDIATELY"
    )
    await vehicle.remote_services.trigger_charging_profile_update(
        charging_mode="immediate_charging"
    )
    body = server.triggers[-1].json
    assert body["chargingMode"]["type"] == "CHARGING_IMMEDIATELY"
    assert body["chargingMode"]["chargingPreference"] == "NO_PRESELECTION"
    assert body["isPreconditionForDepartureActive"] is False
    await vehicle.remote_services.trigger_charging_profile_update(precondition_climate=False)
    assert server.triggers[-1].json["chargingMode"]["type"] == "CHARGING_IMMEDIATELY"


async def test_charge_start_without_charger_is_ignored_locally(server: ScriptedServer) -> None:
    vehicle = make_vehicle()
    vehicle.fuel_and_battery.is_charger_connected = False
    seen: list[ExecutionState] = []
    vehicle.account.config.on_remote_service_progress = lambda _v, _s, st: seen.append(st.state)
    assert (await vehicle.remote_services.trigger_charge_start()).state is ExecutionState.IGNORED
    assert (await vehicle.remote_services.trigger_charge_stop()).state is ExecutionState.IGNORED
    assert server.calls == []
    assert seen == [ExecutionState.IGNORED, ExecutionState.IGNORED]


async def test_charge_stop_when_not_charging_is_ignored(server: ScriptedServer) -> None:
    vehicle = make_vehicle()
    vehicle.fuel_and_battery.charging_status = "PLUGGED_IN"
    assert (await vehicle.remote_services.trigger_charge_stop()).state is ExecutionState.IGNORED
    assert server.calls == []


async def test_charge_start_and_stop_paths(server: ScriptedServer) -> None:
    vehicle = make_vehicle()
    await vehicle.remote_services.trigger_charge_stop()
    assert server.calls[0].path == f"/eadrax-crccs/v1/vehicles/{VIN}/stop-charging"
    await vehicle.remote_services.trigger_charge_start()
    assert server.triggers[1].path == f"/eadrax-crccs/v1/vehicles/{VIN}/start-charging"
    vehicle.account.refresh_vehicle.assert_awaited_with(VIN, charging_details=True)


# --------------------------------------------------------------------------- finder


async def test_vehicle_finder_posts_observer_position_and_stores_result(
    server: ScriptedServer,
) -> None:
    answer = {
        "positionData": {
            "status": "OK",
            "position": {"latitude": 48.2, "longitude": 11.6, "heading": 90},
        },
        "errorDetails": None,
    }
    server.position = answer
    vehicle = make_vehicle()
    status = await vehicle.remote_services.trigger_remote_vehicle_finder()
    assert status.state is ExecutionState.EXECUTED
    position_call = server.calls[-1]
    assert position_call.path == "/eadrax-vrccs/v4/presentation/remote-commands/eventPosition"
    assert position_call.params == {"eventId": "event-1"}
    assert position_call.headers == {"latitude": "48.1", "longitude": "11.5"}
    vehicle.vehicle_location.set_remote_service_position.assert_called_once_with(answer)
    vehicle.account.refresh_vehicle.assert_not_awaited()
    assert server.clients == 1


async def test_vehicle_finder_error_details(server: ScriptedServer) -> None:
    server.position = {"positionData": None, "errorDetails": {"title": "T", "description": "D"}}
    vehicle = make_vehicle()
    with pytest.raises(MyBMWRemoteServiceError, match="no position: T - D"):
        await vehicle.remote_services.trigger_remote_vehicle_finder()
    server.position = {"errorDetails": "gone"}
    with pytest.raises(MyBMWRemoteServiceError, match="no position: gone"):
        await vehicle.remote_services.trigger_remote_vehicle_finder()
    vehicle.vehicle_location.set_remote_service_position.assert_not_called()


async def test_vehicle_finder_ignored_makes_no_position_call(server: ScriptedServer) -> None:
    server.statuses = ["IGNORED"]
    vehicle = make_vehicle()
    status = await vehicle.remote_services.trigger_remote_vehicle_finder()
    assert status.state is ExecutionState.IGNORED
    assert not any(c.path.endswith("eventPosition") for c in server.calls)


@pytest.mark.parametrize("position", [None, GPSPosition(None, None)])
async def test_vehicle_finder_without_observer_locates_the_car(
    server: ScriptedServer, position: Any
) -> None:
    """As the reference: the car is located; the position comes with the next state."""
    vehicle = make_vehicle()
    vehicle.account.config.observer_position = position
    status = await vehicle.remote_services.trigger_remote_vehicle_finder()
    assert status.state is ExecutionState.EXECUTED
    assert any(c.path.endswith("vehicle-finder") for c in server.calls)
    assert not any(c.path.endswith("eventPosition") for c in server.calls)
    vehicle.vehicle_location.set_remote_service_position.assert_not_called()


# ------------------------------------------------------------------------ send POI


async def test_send_poi_payload_exact(server: ScriptedServer) -> None:
    server.trigger_status = 201
    server.trigger_body = b""
    vehicle = make_vehicle()
    poi = PointOfInterest(
        lat=37.4028943,
        lon=-121.9700289,
        name="49ers",
        street="4949 Marie P DeBartolo Way",
        postal_code="CA 95054",
        city="Santa Clara",
        country="United States",
    )
    status = await vehicle.remote_services.trigger_send_poi(poi)
    assert status.state is ExecutionState.EXECUTED
    assert len(server.calls) == 1  # no polling
    call = server.calls[0]
    assert call.path == "/eadrax-dcs/v2/user/gcid-1234/send-to-car"
    assert call.headers == {"bmw-vin": VIN}
    expected_position = {"lat": 37.4028943, "lng": -121.9700289}
    assert call.json == {
        "places": [
            {
                "title": "49ers",
                "position": expected_position,
                "address": {
                    "street": "4949 Marie P DeBartolo Way",
                    "postalCode": "CA 95054",
                    "city": "Santa Clara",
                    "country": "United States",
                    "formatted": None,
                    "banchi": None,
                    "chome": None,
                    "countryCode": None,
                    "district": None,
                    "go": None,
                    "houseNumber": None,
                    "region": None,
                    "regionCode": None,
                    "settlement": None,
                    "subblock": None,
                },
                "formattedAddress": "4949 Marie P DeBartolo Way, CA 95054, Santa Clara",
                "placeType": "ADDRESS",
                "category": {
                    "losCategory": "Address",
                    "mguVehicleCategoryId": None,
                    "name": "Address",
                },
                "entrances": [{"name": None, "position": expected_position}],
                "provider": None,
                "providerId": None,
                "providerPoiId": "",
                "sourceType": None,
                "vehicleCategoryId": None,
            }
        ],
        "vehicleInformation": {"vin": VIN},
    }
    vehicle.account.refresh_vehicle.assert_not_awaited()


async def test_send_poi_from_dict_defaults(server: ScriptedServer) -> None:
    server.trigger_status = 201
    server.trigger_body = b""
    vehicle = make_vehicle()
    await vehicle.remote_services.trigger_send_poi({"lat": 1, "lon": 2})
    place = server.calls[0].json["places"][0]
    assert place["title"] == models.DEFAULT_POI_NAME == DEFAULT_POI_NAME
    assert place["position"] == {"lat": 1.0, "lng": 2.0}
    assert isinstance(place["position"]["lat"], float)
    assert place["formattedAddress"] == "Coordinates only"
    assert place["address"]["street"] is None
    assert place["address"]["country"] is None
    json.dumps(server.calls[0].json)  # serialisable, no "None" strings
    assert "None" not in json.dumps(server.calls[0].json)

    await vehicle.remote_services.trigger_send_poi(
        {"latitude": 1, "lng": 2, "postalCode": "123", "formattedAddress": "Custom"}
    )
    place = server.calls[1].json["places"][0]
    assert place["formattedAddress"] == "Custom"
    assert place["address"]["postalCode"] == "123"


@pytest.mark.parametrize(
    ("poi", "message"),
    [
        ({"lat": 91, "lon": 0}, "latitude"),
        ({"lat": 0, "lon": 181}, "longitude"),
        ({"lat": "north", "lon": 0}, "numbers"),
        ({"lon": 0}, "needs 'lat' and 'lon'"),
        ("somewhere", "must be a PointOfInterest"),
    ],
)
async def test_send_poi_validation(server: ScriptedServer, poi: Any, message: str) -> None:
    await assert_refused(server, make_vehicle(), "trigger_send_poi", message, poi)


async def test_send_poi_needs_capability_and_gcid(server: ScriptedServer) -> None:
    no_poi = make_vehicle(is_remote_sendpoi_enabled=False)
    await assert_refused(
        server, no_poi, "trigger_send_poi", "does not support", {"lat": 1, "lon": 2}
    )
    vehicle = make_vehicle()
    vehicle.account.gcid = None
    with pytest.raises(MyBMWAPIError, match="gcid"):
        await vehicle.remote_services.trigger_send_poi({"lat": 1, "lon": 2})
    assert server.calls == []


# ------------------------------------------------------- end to end (simulated cloud)

BEV = "WBA0FLEET00000001"
MINI = "WMW0FLEET00000004"


@pytest.fixture
async def account(
    cloud: MyBMWCloud,
    mock_api: respx.MockRouter,
    demo_tokens: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> MyBMWAccount:
    """A loaded account of the default fleet, polling without waits; the request log is empty."""
    monkeypatch.setattr(RemoteServices, "polling", FAST)
    acc = MyBMWAccount(DEMO_USERNAME, DEMO_PASSWORD, Regions.REST_OF_WORLD)
    acc.set_refresh_token(
        demo_tokens["refresh_token"], demo_tokens["gcid"], access_token=demo_tokens["access_token"]
    )
    await acc.get_vehicles()
    cloud.reset_requests()
    return acc


def endpoints(cloud: MyBMWCloud) -> list[str]:
    return [r.endpoint for r in cloud.requests]


def vehicle_of(account: MyBMWAccount, vin: str) -> MyBMWVehicle:
    vehicle = account.get_vehicle(vin)
    assert vehicle is not None
    return vehicle


async def test_e2e_climate_start_stop_refreshes_one_vehicle(
    cloud: MyBMWCloud, account: MyBMWAccount
) -> None:
    vehicle = vehicle_of(account, BEV)
    seen: list[tuple[str, str]] = []
    account.config.on_remote_service_progress = lambda vin, svc, st: seen.append(
        (svc.value, st.state.value)
    )
    status = await vehicle.remote_services.trigger_remote_air_conditioning()
    assert status.state is ExecutionState.EXECUTED
    assert cloud.vehicle(BEV).st["climateControlState"]["activity"] == "COOLING"
    assert vehicle.climate.activity.value == "COOLING"  # the refresh applied it
    assert endpoints(cloud) == [
        "remote_command",
        "event_status",
        "event_status",
        "event_status",
        "state",
    ]
    assert cloud.requests[0].params == {"action": "START"}
    assert cloud.requests[-1].vin == BEV
    assert seen == [
        ("climate-now", "INITIATED"),
        ("climate-now", "PENDING"),
        ("climate-now", "DELIVERED"),
        ("climate-now", "EXECUTED"),
    ]

    cloud.reset_requests()
    await vehicle.remote_services.trigger_remote_air_conditioning_stop()
    assert cloud.vehicle(BEV).st["climateControlState"]["activity"] == "STANDBY"
    assert cloud.count("state") == 1


async def test_e2e_charging_commands_refresh_charging_details(
    cloud: MyBMWCloud, account: MyBMWAccount
) -> None:
    mini = vehicle_of(account, MINI)
    await mini.remote_services.trigger_charge_start()
    assert cloud.vehicle(MINI).st["electricChargingState"]["chargingStatus"] == "CHARGING"
    assert mini.fuel_and_battery.charging_status.value == "CHARGING"
    assert endpoints(cloud)[-2:] == ["state", "charging_details"]
    assert {r.vin for r in cloud.requests[-2:]} == {MINI}

    bev = vehicle_of(account, BEV)
    cloud.reset_requests()
    await bev.remote_services.trigger_charging_settings_update(target_soc=90, ac_limit=8)
    assert bev.fuel_and_battery.charging_target == 90
    assert bev.charging_profile is not None
    assert bev.charging_profile.ac_current_limit == 8
    assert endpoints(cloud) == ["charging_command"] + ["event_status"] * 3 + [
        "state",
        "charging_details",
    ]


async def test_e2e_initiated_is_polled_through(
    mock_api: respx.MockRouter,
    cloud: MyBMWCloud,
    account: MyBMWAccount,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cloud.event_mode = "time"
    cloud.event_seconds = 0.03
    monkeypatch.setattr(RemoteServices, "polling", PollingPolicy(0, 0.01, 1, 0.01, 5))
    vehicle = vehicle_of(account, BEV)
    seen: list[str] = []
    status = await vehicle.remote_services.trigger_remote_service(
        Services.LIGHT_FLASH, progress=lambda st: seen.append(st.state.value)
    )
    assert status.state is ExecutionState.EXECUTED
    assert seen[0] == "INITIATED"
    assert seen[-1] == "EXECUTED"
    assert "PENDING" in seen
    # The server answered INITIATED at least once and polling went on.
    assert cloud.count("event_status") >= 4


async def test_e2e_error_and_unsupported(cloud: MyBMWCloud, account: MyBMWAccount) -> None:
    vehicle = vehicle_of(account, BEV)
    cloud.command_results["door-unlock"] = "ERROR"
    with pytest.raises(MyBMWRemoteServiceError, match="Vehicle could not execute"):
        await vehicle.remote_services.trigger_remote_door_unlock()
    assert cloud.count("state") == 0
    assert cloud.vehicle(BEV).st["doorsState"]["combinedSecurityState"] == "LOCKED"


async def test_e2e_vehicle_finder(cloud: MyBMWCloud, account: MyBMWAccount) -> None:
    vehicle = vehicle_of(account, BEV)
    status = await vehicle.remote_services.trigger_remote_vehicle_finder()
    assert status.state is ExecutionState.EXECUTED
    assert "event_position" not in endpoints(cloud)  # no observer: no position call
    account.set_observer_position(48.0, 11.0)
    cloud.vehicle(BEV).st["location"]["coordinates"] = {"latitude": 47.5, "longitude": 10.5}
    await vehicle.remote_services.trigger_remote_vehicle_finder()
    assert vehicle.vehicle_location.location is not None
    assert vehicle.vehicle_location.location.latitude == 47.5
    assert endpoints(cloud)[-1] == "event_position"
