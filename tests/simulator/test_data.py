"""Vehicle list, profile, state, charging details, images and the passing of time."""

from __future__ import annotations

import io

from PIL import Image
import pytest

from simulator import fleet
from simulator.cloud import MyBMWCloud
from simulator.fleet import VehicleSpec
from tests.simulator.conftest import START, Api

BEV = fleet.make_vin(1, "bmw")
MINI = fleet.make_vin(4, "mini")
STATE = "/eadrax-vcs/v4/vehicles/state"
CRCCS = "/eadrax-crccs/v2/vehicles"
CRCCS_QUERY = {"fields": "charging-profile", "has_charging_settings_capabilities": "true"}


@pytest.mark.parametrize(
    ("brand", "expected"),
    [
        ("bmw", [fleet.make_vin(i) for i in (1, 2, 3)]),
        ("mini", [MINI]),
        ("toyota", []),
    ],
)
def test_vehicle_list_per_brand(api: Api, brand: str, expected: list[str]) -> None:
    answer = api.post("/eadrax-vcs/v5/vehicle-list", brand=brand).json()
    assert [e["vin"] for e in answer["mappingInfos"]] == expected
    assert answer["gcid"] == api.tokens["gcid"]


@pytest.mark.parametrize(
    "user_agent",
    ["android(x);bmw;4.9.2(36892)", "android(x);bmw;4.9.2(36892);eu", ""],
)
def test_vehicle_list_validates_user_agent(api: Api, user_agent: str) -> None:
    reply = api.post("/eadrax-vcs/v5/vehicle-list", headers={"x-user-agent": user_agent})
    assert reply.status == 400


def test_profile_state_and_unknown_vin(api: Api) -> None:
    profile = api.get("/eadrax-vcs/v5/vehicle-data/profile", vin=BEV).json()
    assert profile["vin"] == BEV
    assert profile["driveTrain"] == "ELECTRIC"
    state = api.get(STATE, vin=BEV, params={"apptimezone": 0, "appDateTime": 1}).json()
    assert state["state"]["lastFetched"] == "2025-03-10T08:00:00.000Z"
    assert state["capabilities"]["isChargingSettingsEnabled"] is True
    for path in (STATE, "/eadrax-vcs/v5/vehicle-data/profile"):
        assert api.get(path, vin="WBA0FLEET99999999").status == 404
        assert api.get(path).status == 404


def test_state_answer_is_a_copy(api: Api) -> None:
    first = api.get(STATE, vin=BEV).json()
    first["state"]["doorsState"]["combinedSecurityState"] = "HACKED"
    again = api.get(STATE, vin=BEV).json()
    assert again["state"]["doorsState"]["combinedSecurityState"] == "LOCKED"


def test_charging_details(api: Api) -> None:
    details = api.get(CRCCS, vin=BEV, params=CRCCS_QUERY).json()
    assert details["chargingSettingsDetail"]["acLimit"]["values"] == list(fleet.AC_LIMIT_VALUES)
    assert api.get(CRCCS, vin=BEV).status == 400
    assert api.get(CRCCS, vin=BEV, params={"fields": "charging-profile"}).status == 400
    combustion = fleet.make_vin(3)
    assert api.get(CRCCS, vin=combustion, params=CRCCS_QUERY).status == 404


@pytest.mark.parametrize("view", fleet.IMAGE_VIEWS)
def test_images(api: Api, view: str) -> None:
    reply = api.get(
        "/eadrax-ics/v5/presentation/vehicles/images",
        vin=BEV,
        params={"carView": view, "toCrop": "true"},
        headers={"accept": "image/png"},
    )
    assert reply.status == 200
    assert reply.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(reply.body))
    assert image.format == "PNG"
    assert image.size == (400, 220)


def test_images_cached_and_validated(api: Api) -> None:
    path = "/eadrax-ics/v5/presentation/vehicles/images"
    one = api.get(path, vin=BEV, params={"carView": "FrontView"}).body
    assert api.get(path, vin=BEV, params={"carView": "FrontView"}).body is one
    assert api.get(path, vin=BEV, params={"carView": "Roof"}).status == 400
    assert api.get(path, vin="WBA0FLEET99999999", params={"carView": "FrontView"}).status == 404


def test_unknown_path_and_wrong_method(api: Api) -> None:
    assert api.get("/nothing/here").status == 404
    assert api.get("/eadrax-vcs/v5/vehicle-list").status == 405
    assert api.cloud.requests[-1].endpoint == "wrong_method"


def test_charging_raises_battery_over_time(clock) -> None:  # type: ignore[no-untyped-def]
    spec = VehicleSpec(
        vin=BEV,
        battery_percent=50,
        electric_range_km=250,
        charging_target=80,
        charging_status="CHARGING",
        charger_connected=True,
    )
    cloud = MyBMWCloud([spec], clock=clock)
    api = Api(cloud)
    api.tokens = cloud.issue_tokens()
    api.token = api.tokens["access_token"]
    ecs = api.get(STATE, vin=BEV).json()["state"]["electricChargingState"]
    assert ecs["chargingLevelPercent"] == 50
    assert ecs["remainingChargingMinutes"] == 90
    clock.advance(3600)
    st = api.get(STATE, vin=BEV).json()["state"]
    assert st["electricChargingState"]["chargingLevelPercent"] == 70
    assert st["electricChargingState"]["range"] == 350
    assert st["range"] == 350
    assert st["electricChargingState"]["remainingChargingMinutes"] == 30
    clock.advance(7200)
    ecs = api.get(STATE, vin=BEV).json()["state"]["electricChargingState"]
    assert ecs["chargingLevelPercent"] == 80
    assert ecs["chargingStatus"] == "COMPLETE"
    assert ecs["remainingChargingMinutes"] == 0
    assert cloud.now() == START.replace(hour=11)


def test_climate_runs_out(clock) -> None:  # type: ignore[no-untyped-def]
    spec = VehicleSpec(vin=BEV, climate_activity="HEATING", climate_remaining_seconds=100.0)
    cloud = MyBMWCloud([spec], clock=clock)
    vehicle = cloud.vehicle(BEV)
    clock.advance(40)
    vehicle.advance(cloud.now())
    assert vehicle.st["climateControlState"] == {"activity": "HEATING", "remainingSeconds": 60.0}
    clock.advance(61)
    vehicle.advance(cloud.now())
    assert vehicle.st["climateControlState"] == {"activity": "STANDBY"}


def test_clock_set_and_real_time() -> None:
    from datetime import UTC, datetime, timedelta

    from simulator.cloud import Clock

    live = Clock()
    assert abs(live.now() - datetime.now(UTC)) < timedelta(seconds=5)
    live.advance(timedelta(days=2))
    assert live.now() - datetime.now(UTC) > timedelta(days=1)
    live.set(START)
    assert live.now() == START
