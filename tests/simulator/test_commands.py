"""Remote commands: event lifecycle, state effects and payload validation."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from simulator import fleet
from simulator.cloud import MyBMWCloud
from tests.simulator.conftest import Api

BEV = fleet.make_vin(1, "bmw")
PHEV = fleet.make_vin(2, "bmw")
ICE = fleet.make_vin(3, "bmw")
MINI = fleet.make_vin(4, "mini")
REMOTE = "/eadrax-vrccs/v4/presentation/remote-commands/"
STATUS = "/eadrax-vrccs/v3/presentation/remote-commands/eventStatus"
POSITION = "/eadrax-vrccs/v4/presentation/remote-commands/eventPosition"
STATE = "/eadrax-vcs/v4/vehicles/state"
CRCCS = "/eadrax-crccs/v2/vehicles"
CRCCS_QUERY = {"fields": "charging-profile", "has_charging_settings_capabilities": "true"}


def trigger(api: Api, service: str, vin: str, **kwargs: Any) -> str:
    reply = api.post(REMOTE + service, vin=vin, body=kwargs.pop("body", {}), **kwargs)
    assert reply.status == 200, reply.body
    answer = reply.json()
    assert set(answer) == {"creationTime", "eventId"}
    return str(answer["eventId"])


def charging(api: Api, service: str, vin: str, body: Any = None) -> Any:
    return api.post(f"/eadrax-crccs/v1/vehicles/{vin}/{service}", body={} if body is None else body)


def poll(api: Api, event_id: str) -> str:
    reply = api.post(STATUS, params={"eventId": event_id})
    assert reply.status == 200
    return str(reply.json()["eventStatus"])


def run(api: Api, event_id: str) -> list[str]:
    return [poll(api, event_id) for _ in range(4)]


def state(api: Api, vin: str) -> dict[str, Any]:
    return dict(api.get(STATE, vin=vin).json()["state"])


def test_lock_lifecycle_per_poll(api: Api) -> None:
    event = trigger(api, "door-unlock", BEV)
    assert state(api, BEV)["doorsState"]["combinedSecurityState"] == "LOCKED"
    assert run(api, event) == ["PENDING", "DELIVERED", "EXECUTED", "EXECUTED"]
    assert state(api, BEV)["doorsState"]["combinedSecurityState"] == "UNLOCKED"
    run(api, trigger(api, "door-lock", BEV))
    assert state(api, BEV)["doorsState"]["combinedSecurityState"] == "LOCKED"
    assert api.cloud.count("door-lock") == 1
    assert api.cloud.count("event_status", vin=None) == 8


def test_lifecycle_by_clock(clock) -> None:  # type: ignore[no-untyped-def]
    cloud = MyBMWCloud(clock=clock, event_mode="time", event_seconds=2)
    api = Api(cloud)
    api.tokens = cloud.issue_tokens()
    api.token = api.tokens["access_token"]
    event = trigger(api, "door-unlock", BEV)
    seen = []
    for _ in range(4):
        seen.append(poll(api, event))
        clock.advance(2)
    assert seen == ["INITIATED", "PENDING", "DELIVERED", "EXECUTED"]
    other = trigger(api, "door-lock", BEV)
    clock.advance(10)  # no polling needed: the effect lands when the time has come
    assert state(api, BEV)["doorsState"]["combinedSecurityState"] == "LOCKED"
    assert poll(api, other) == "EXECUTED"


def test_instant_events(clock) -> None:  # type: ignore[no-untyped-def]
    cloud = MyBMWCloud(clock=clock, event_mode="time", event_seconds=0)
    api = Api(cloud)
    api.token = cloud.issue_tokens()["access_token"]
    assert poll(api, trigger(api, "horn-blow", BEV)) == "EXECUTED"
    with pytest.raises(ValueError, match="event_mode"):
        MyBMWCloud(event_mode="never")


def test_configured_outcomes(api: Api) -> None:
    api.cloud.command_results["light-flash"] = "ERROR"
    event = trigger(api, "light-flash", BEV)
    run(api, event)
    reply = api.post(STATUS, params={"eventId": event}).json()
    assert reply["eventStatus"] == "ERROR"
    assert reply["details"]
    api.cloud.command_results["*"] = "PENDING"
    assert run(api, trigger(api, "door-lock", BEV))[-1] == "PENDING"
    assert api.post(STATUS, params={"eventId": "nope"}).status == 404


def test_climate_start_stop(api: Api) -> None:
    run(api, trigger(api, "climate-now", BEV, params={"action": "START"}))
    climate = state(api, BEV)["climateControlState"]
    assert climate == {"activity": "COOLING", "remainingSeconds": 1800.0}
    api.cloud.clock.advance(600)
    assert state(api, BEV)["climateControlState"]["remainingSeconds"] == 1200.0
    run(api, trigger(api, "climate-now", BEV, params={"action": "STOP"}))
    assert state(api, BEV)["climateControlState"] == {"activity": "STANDBY"}
    assert api.post(REMOTE + "climate-now", vin=BEV, body={}).status == 400


def test_command_validation(api: Api) -> None:
    assert api.post(REMOTE + "self-destruct", vin=BEV, body={}).status == 404
    assert api.post(REMOTE + "door-lock", body={}).status == 404
    assert api.post(REMOTE + "door-lock", vin=BEV, body=b"{nope").status == 400
    assert api.post(REMOTE + "door-lock", vin=BEV, body=b"").status == 200
    api.cloud.vehicle(BEV).capabilities["horn"] = False
    assert api.post(REMOTE + "horn-blow", vin=BEV, body={}).status == 400
    del api.cloud.vehicle(ICE).st["climateControlState"]
    stop = api.post(REMOTE + "climate-now", vin=ICE, body={}, params={"action": "STOP"})
    assert stop.status == 400


def test_vehicle_finder_and_position(api: Api) -> None:
    event = trigger(api, "vehicle-finder", BEV)
    observer = {"latitude": "48.1", "longitude": "11.5"}
    early = api.post(POSITION, params={"eventId": event}, headers=observer).json()
    assert early["errorDetails"] is not None
    run(api, event)
    answer = api.post(POSITION, params={"eventId": event}, headers=observer).json()
    assert answer["errorDetails"] is None
    position = answer["positionData"]["position"]
    assert position["latitude"] == 48.177334
    assert position["heading"] == 180
    assert position["formattedAddress"]
    assert api.post(POSITION, params={"eventId": event}).status == 400
    lock = trigger(api, "door-lock", BEV)
    assert api.post(POSITION, params={"eventId": lock}, headers=observer).status == 404


def test_vehicle_finder_without_location(api: Api) -> None:
    vehicle = api.cloud.vehicle(BEV)
    del vehicle.st["location"]
    event = trigger(api, "vehicle-finder", BEV)
    run(api, event)
    answer = api.post(
        POSITION, params={"eventId": event}, headers={"latitude": "1", "longitude": "2"}
    ).json()
    assert answer["positionData"]["status"] == "ERROR"
    assert answer["errorDetails"]["title"]


def test_start_and_stop_charging(api: Api) -> None:
    reply = charging(api, "start-charging", MINI)
    run(api, reply.json()["eventId"])
    ecs = state(api, MINI)["electricChargingState"]
    assert ecs["chargingStatus"] == "CHARGING"
    api.cloud.clock.advance(1800)
    assert state(api, MINI)["electricChargingState"]["chargingLevelPercent"] == 65
    run(api, charging(api, "stop-charging", MINI).json()["eventId"])
    assert state(api, MINI)["electricChargingState"]["chargingStatus"] == "PLUGGED_IN"


def test_start_charging_unplugged_fails(api: Api) -> None:
    assert run(api, charging(api, "start-charging", BEV).json()["eventId"])[-1] == "ERROR"
    assert state(api, BEV)["electricChargingState"]["chargingStatus"] == "INVALID"
    assert charging(api, "start-charging", ICE).status == 400
    assert charging(api, "start-charging", "WBA0FLEET99999999").status == 404
    assert charging(api, "start-charging", BEV, body=[1]).status == 400


def test_start_charging_at_target_completes(api: Api) -> None:
    api.cloud.vehicle(MINI).ecs()["chargingLevelPercent"] = 100  # type: ignore[index]
    run(api, charging(api, "start-charging", MINI).json()["eventId"])
    assert state(api, MINI)["electricChargingState"]["chargingStatus"] == "COMPLETE"


def test_charging_settings_effects(api: Api) -> None:
    reply = charging(api, "charging-settings", BEV, {"chargingTarget": 70, "acLimitValue": 12})
    run(api, reply.json()["eventId"])
    st = state(api, BEV)
    assert st["electricChargingState"]["chargingTarget"] == 70
    assert st["chargingProfile"]["chargingSettings"]["targetSoc"] == 70
    assert st["chargingProfile"]["chargingSettings"]["acCurrentLimit"] == 12
    details = api.get(CRCCS, vin=BEV, params=CRCCS_QUERY).json()
    assert details["chargingSettingsDetail"]["acLimit"]["current"] == {"unit": "A", "value": 12}
    assert details["chargingSettingsDetail"]["chargingTarget"] == 70
    labels = details["chargeAndClimateSettings"]["chargingSettings"]
    assert labels["chargingTargetLabel"] == "70%"
    assert labels["acCurrentLimitLabel"] == "12A"


def test_charging_settings_target_while_charging(api: Api) -> None:
    run(api, charging(api, "start-charging", MINI).json()["eventId"])
    body = {"chargingTarget": 60, "acLimitValue": None}
    run(api, charging(api, "charging-settings", MINI, body).json()["eventId"])
    ecs = state(api, MINI)["electricChargingState"]
    assert ecs["chargingTarget"] == 60
    assert ecs["remainingChargingMinutes"] == 15


@pytest.mark.parametrize(
    ("vin", "body"),
    [
        (BEV, {"chargingTarget": 70}),
        (BEV, {"chargingTarget": None, "acLimitValue": None}),
        (BEV, {"chargingTarget": 72, "acLimitValue": None}),
        (BEV, {"chargingTarget": 10, "acLimitValue": None}),
        (BEV, {"chargingTarget": "80", "acLimitValue": None}),
        (BEV, {"chargingTarget": None, "acLimitValue": 17}),
        (PHEV, {"chargingTarget": 80, "acLimitValue": None}),
        (PHEV, {"chargingTarget": None, "acLimitValue": 16}),
    ],
)
def test_charging_settings_validation(api: Api, vin: str, body: dict[str, Any]) -> None:
    assert charging(api, "charging-settings", vin, body).status == 400


def profile_payload(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "chargingMode": {
            "chargingPreference": "CHARGING_WINDOW",
            "type": "TIME_SLOT",
            "startTimeSlot": "0001-01-01T22:15:00.000",
            "endTimeSlot": "0001-01-01T05:30:00.000",
            "timerChange": "NO_CHANGE",
        },
        "departureTimer": {
            "type": "WEEKLY_DEPARTURE_TIMER",
            "weeklyTimers": [
                {
                    "id": 1,
                    "time": "0001-01-01T07:35:00.000",
                    "timerAction": "ACTIVATE",
                    "daysOfTheWeek": ["MONDAY", "FRIDAY"],
                }
            ],
        },
        "isPreconditionForDepartureActive": True,
        "servicePack": "WAVE_01",
    }
    payload.update(changes)
    return payload


def test_charging_profile_effects(api: Api) -> None:
    run(api, charging(api, "charging-profile", BEV, profile_payload()).json()["eventId"])
    profile = state(api, BEV)["chargingProfile"]
    assert profile["chargingPreference"] == "CHARGING_WINDOW"
    assert profile["chargingMode"] == "DELAYED_CHARGING"
    assert profile["climatisationOn"] is True
    assert profile["reductionOfChargeCurrent"] == {
        "end": {"hour": 5, "minute": 30},
        "start": {"hour": 22, "minute": 15},
    }
    assert profile["departureTimes"] == [
        {
            "action": "ACTIVATE",
            "id": 1,
            "timeStamp": {"hour": 7, "minute": 35},
            "timerWeekDays": ["MONDAY", "FRIDAY"],
        }
    ]
    detail = api.get(CRCCS, vin=BEV, params=CRCCS_QUERY).json()["chargeAndClimateTimerDetail"]
    assert detail["chargingMode"] == {
        "chargingPreference": "CHARGING_WINDOW",
        "endTimeSlot": "0001-01-01T05:30:00",
        "startTimeSlot": "0001-01-01T22:15:00",
        "type": "TIME_SLOT",
    }
    assert detail["isPreconditionForDepartureActive"] is True
    immediate = profile_payload(
        chargingMode={
            "chargingPreference": "NO_PRESELECTION",
            "type": "CHARGING_IMMEDIATELY",
            "startTimeSlot": "0001-01-01T00:00:00.000",
            "endTimeSlot": "0001-01-01T00:00:00.000",
            "timerChange": "NO_CHANGE",
        },
        departureTimer={"type": "TWO_DEPARTURE_TIMER", "weeklyTimers": []},
    )
    run(api, charging(api, "charging-profile", BEV, immediate).json()["eventId"])
    profile = state(api, BEV)["chargingProfile"]
    assert profile["chargingMode"] == "IMMEDIATE_CHARGING"
    assert profile["chargingControlType"] == "TWO_TIMES_TIMER"


def _broken(path: list[Any], value: Any) -> dict[str, Any]:
    payload = copy.deepcopy(profile_payload())
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return payload


@pytest.mark.parametrize(
    "payload",
    [
        {**profile_payload(), "extra": 1},
        _broken(["chargingMode"], "TIME_SLOT"),
        _broken(["chargingMode", "type"], "CHARGING_IMMEDIATELY"),
        _broken(["chargingMode", "chargingPreference"], "NO_PRESELECTION"),
        _broken(["chargingMode", "type"], "NO_ACTION"),
        _broken(["chargingMode", "startTimeSlot"], "22:15"),
        _broken(["isPreconditionForDepartureActive"], "false"),
        _broken(["servicePack"], 5),
        _broken(["departureTimer", "type"], "DAILY"),
        _broken(["departureTimer", "weeklyTimers"], None),
        _broken(["departureTimer", "weeklyTimers", 0, "timerAction"], "ON"),
        _broken(["departureTimer", "weeklyTimers", 0, "daysOfTheWeek"], ["FUNDAY"]),
        _broken(["departureTimer", "weeklyTimers", 0, "time"], "7:35"),
    ],
)
def test_charging_profile_validation(api: Api, payload: dict[str, Any]) -> None:
    assert charging(api, "charging-profile", BEV, payload).status == 500


def test_charging_profile_needs_plan_support(api: Api) -> None:
    api.cloud.vehicle(BEV).capabilities["isChargingPlanSupported"] = False
    assert charging(api, "charging-profile", BEV, profile_payload()).status == 500


def poi(vin: str = BEV, **place: Any) -> dict[str, Any]:
    entry = {
        "title": "Home",
        "position": {"lat": 48.1, "lng": 11.5},
        "address": {"street": None},
        "formattedAddress": "Coordinates only",
        "placeType": "ADDRESS",
    }
    entry.update(place)
    return {"places": [entry], "vehicleInformation": {"vin": vin}}


def test_send_poi(api: Api) -> None:
    path = f"/eadrax-dcs/v2/user/{api.tokens['gcid']}/send-to-car"
    reply = api.post(path, vin=BEV, body=poi())
    assert reply.status == 201
    assert reply.body == b""
    assert api.cloud.sent_pois[-1]["places"][0]["title"] == "Home"
    assert api.post("/eadrax-dcs/v2/user/other/send-to-car", vin=BEV, body=poi()).status == 400
    for bad in (
        poi(title=""),
        poi(position={"lat": 48, "lng": 11.5}),
        poi(position={"lat": 91.0, "lng": 11.5}),
        poi(vin="SHORT"),
        {"places": []},
        None,
    ):
        assert api.post(path, vin=BEV, body=bad).status == 400
    assert api.post(path, vin="WBA0FLEET99999999", body=poi()).status == 400
