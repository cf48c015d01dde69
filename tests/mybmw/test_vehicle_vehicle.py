"""MyBMWVehicle: record merging, identity, capabilities, isolation of broken blocks."""

from __future__ import annotations

import datetime
import logging
import sys
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from custom_components.bmw_mybmw.mybmw.api.regions import Regions
from custom_components.bmw_mybmw.mybmw.const import VEHICLE_IMAGE_PATH, CarBrands
from custom_components.bmw_mybmw.mybmw.models import ValueWithUnit
from custom_components.bmw_mybmw.mybmw.vehicle import MyBMWVehicle as ExportedVehicle
from custom_components.bmw_mybmw.mybmw.vehicle.fuel_and_battery import FuelAndBattery
from custom_components.bmw_mybmw.mybmw.vehicle.vehicle import (
    DriveTrainType,
    LscType,
    MyBMWVehicle,
    VehicleViewDirection,
)

UTC = datetime.UTC
FETCHED_AT = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
VIN = "WBA00000000TEST01"


def account(region: Regions = Regions.REST_OF_WORLD, **extra: Any) -> Any:
    return SimpleNamespace(region=region, config="the-config", **extra)


def base(**attributes: Any) -> dict[str, Any]:
    return {
        "vin": VIN,
        "model": "iX xDrive50",
        "brand": "BMW",
        "driveTrain": "ELECTRIC",
        **attributes,
    }


def answer(
    state: dict[str, Any] | None = None, capabilities: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {"state": state or {}, "capabilities": capabilities or {}}


def test_package_exports_vehicle() -> None:
    assert ExportedVehicle is MyBMWVehicle


def test_combine_data_builds_the_record() -> None:
    crccs = {"servicePack": "WAVE_01"}
    state = answer({"currentMileage": 5}, {"lock": True})
    vehicle = MyBMWVehicle(account(timezone=UTC), base(), state, crccs, FETCHED_AT)
    assert vehicle.data == {
        "vin": VIN,
        "attributes": {"model": "iX xDrive50", "brand": "BMW", "driveTrain": "ELECTRIC"},
        "capabilities": {"lock": True},
        "state": {"currentMileage": 5},
        "charging_settings": crccs,
        "fetched_at": FETCHED_AT,
        "region": Regions.REST_OF_WORLD,
        "timezone": UTC,
    }
    assert vehicle.account is not None
    assert getattr(vehicle.account, "config", None) == "the-config"


def test_record_without_state_or_fetch_time() -> None:
    before = datetime.datetime.now(UTC)
    vehicle = MyBMWVehicle(account(), base())
    assert vehicle.data["state"] == {}
    assert vehicle.data["capabilities"] == {}
    assert vehicle.data["charging_settings"] is None
    assert "timezone" not in vehicle.data
    assert vehicle.data["fetched_at"] >= before
    assert vehicle.mileage == ValueWithUnit(0, "km")
    assert vehicle.timestamp is None
    assert vehicle.lsc_type is LscType.NOT_CAPABLE
    assert vehicle.is_lsc_enabled is False
    assert vehicle.available_attributes == ["gps_position", "vin"]
    assert vehicle.charging_profile is None
    assert vehicle.tires is None
    assert vehicle.fuel_and_battery == FuelAndBattery()


def test_naive_fetch_time_is_taken_as_utc() -> None:
    vehicle = MyBMWVehicle(account(), base(), None, None, datetime.datetime(2024, 5, 1, 12, 0))
    assert vehicle.data["fetched_at"] == FETCHED_AT


@pytest.mark.parametrize(
    ("brand", "expected"),
    [
        ("BMW", CarBrands.BMW),
        ("BMW_I", CarBrands.BMW),
        ("MINI", CarBrands.MINI),
        ("mini", CarBrands.MINI),
        ("TOYOTA", CarBrands.TOYOTA),  # set by the account for the toyota list
        ("DRITTKUNDE", CarBrands.UNKNOWN),
        ("", CarBrands.UNKNOWN),
        (None, CarBrands.UNKNOWN),
        (42, CarBrands.UNKNOWN),
    ],
)
def test_brand(brand: Any, expected: CarBrands) -> None:
    assert MyBMWVehicle(account(), base(brand=brand)).brand is expected


def test_identity_of_malformed_base() -> None:
    vehicle = MyBMWVehicle(account(), {"vin": 17, "model": ["x"], "driveTrain": None})
    assert vehicle.vin == ""
    assert vehicle.name == ""
    assert vehicle.drive_train is DriveTrainType.UNKNOWN
    assert vehicle.has_combustion_drivetrain is False
    assert vehicle.has_electric_drivetrain is False
    assert vehicle.drive_train_attributes == ["remaining_range_total", "mileage"]
    broken = MyBMWVehicle(account(), "garbage", "garbage", "garbage")  # type: ignore[arg-type]
    assert broken.vin == ""
    assert broken.data["charging_settings"] is None


def test_repr_hides_the_vin() -> None:
    text = repr(MyBMWVehicle(account(), base()))
    assert VIN not in text
    assert "iX xDrive50" in text


def test_lsc_and_mileage() -> None:
    vehicle = MyBMWVehicle(
        account(),
        base(),
        answer(
            {"isLscSupported": True, "currentMileage": 12345.6}, {"lastStateCallState": "weird"}
        ),
    )
    assert vehicle.is_lsc_enabled is True
    assert vehicle.lsc_type is LscType.UNKNOWN
    assert vehicle.mileage == ValueWithUnit(12345.6, "km")
    assert "mileage" in vehicle.available_attributes
    assert "tires" not in vehicle.available_attributes


def test_charging_commands_capabilities() -> None:
    capabilities = {"remoteChargingCommands": {"chargingControl": ["START", "STOP"]}}
    vehicle = MyBMWVehicle(account(), base(), answer({}, capabilities))
    assert vehicle.is_remote_charge_start_enabled is True
    assert vehicle.is_remote_charge_stop_enabled is True
    only_start = answer({}, {"remoteChargingCommands": {"chargingControl": ["START"]}})
    vehicle.update_state(base(), only_start)
    assert vehicle.is_remote_charge_stop_enabled is False
    vehicle.update_state(
        base(), answer({}, {"remoteChargingCommands": {"chargingControl": "STOP"}})
    )
    assert vehicle.is_remote_charge_stop_enabled is False
    vehicle.update_state(base(), answer({}, {"lock": "true", "remoteChargingCommands": None}))
    assert vehicle.is_remote_lock_enabled is False
    assert vehicle.is_remote_charge_start_enabled is False


def test_update_state_rebuilds_every_sub_model() -> None:
    vehicle = MyBMWVehicle(
        account(),
        base(),
        answer({"electricChargingState": {"chargingLevelPercent": 50, "range": 200}}),
        None,
        FETCHED_AT,
    )
    assert vehicle.fuel_and_battery.remaining_battery_percent == 50
    vehicle.update_state(
        base(), answer({"electricChargingState": {"chargingLevelPercent": 60}}), None, FETCHED_AT
    )
    assert vehicle.fuel_and_battery.remaining_battery_percent == 60
    assert vehicle.fuel_and_battery.remaining_range_electric == ValueWithUnit(None, None)


def test_one_failing_sub_model_does_not_hide_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(cls: Any, vehicle_data: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(FuelAndBattery, "from_vehicle_data", classmethod(explode))
    vehicle = MyBMWVehicle(
        account(),
        base(),
        answer({"electricChargingState": {"chargingLevelPercent": 50}, "currentMileage": 7}),
    )
    assert vehicle.fuel_and_battery == FuelAndBattery()
    assert vehicle.mileage == ValueWithUnit(7, "km")


def test_finder_position_survives_state_refresh_until_state_is_newer() -> None:
    state = answer(
        {
            "lastFetched": "2024-05-01T10:00:00Z",
            "location": {"coordinates": {"latitude": 1.0, "longitude": 2.0}, "heading": 3},
        }
    )
    vehicle = MyBMWVehicle(account(), base(), state, None, FETCHED_AT)
    vehicle.vehicle_location.set_remote_service_position(
        {"latitude": 5.0, "longitude": 6.0, "heading": 7, "timestamp": "2024-05-01T11:00:00Z"}
    )
    vehicle.update_state(base(), state, None, FETCHED_AT)
    location = vehicle.vehicle_location.location
    assert location is not None
    assert (location.latitude, location.longitude) == (5.0, 6.0)
    newer = answer(
        {
            "lastFetched": "2024-05-01T11:30:00Z",
            "location": {"coordinates": {"latitude": 1.5, "longitude": 2.5}, "heading": 4},
        }
    )
    vehicle.update_state(base(), newer, None, FETCHED_AT)
    location = vehicle.vehicle_location.location
    assert location is not None
    assert (location.latitude, location.longitude) == (1.5, 2.5)
    assert vehicle.vehicle_location.heading == 4


def test_parsing_garbage_logs_no_identifiers(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    state = {
        "location": {"coordinates": {"latitude": 123.456789, "longitude": "x"}},
        "electricChargingState": {"chargingStatus": VIN},
        "tireState": {"frontLeft": {"details": {"manufacturingWeek": 9999}}},
        "doorsState": {"combinedSecurityState": "48.177334"},
    }
    MyBMWVehicle(account(), base(driveTrain="PLUGIN_HYBRID"), answer(state))
    text = caplog.text
    assert VIN not in text
    assert "123.456789" not in text
    assert "48.177334" not in text


def test_view_directions() -> None:
    assert VehicleViewDirection.FRONT.value == "FrontView"
    assert VehicleViewDirection.FRONTSIDE.value == "VehicleStatus"
    assert VehicleViewDirection.SIDE.value == "SideViewLeft"
    assert VehicleViewDirection("rearview") is VehicleViewDirection.REAR
    assert VehicleViewDirection("nope") is VehicleViewDirection.UNKNOWN


async def test_get_vehicle_image_uses_client(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []

    class FakeClient:
        def __init__(self, config: Any, brand: Any = None) -> None:
            calls.append(("init", config, brand))

        async def __aenter__(self) -> FakeClient:
            return self

        async def __aexit__(self, *exc: object) -> None:
            calls.append(("exit",))

        async def get(self, path: str, params: Any = None, headers: Any = None) -> Any:
            calls.append(("get", path, params, headers))
            return SimpleNamespace(content=b"\x89PNG")

    fake = ModuleType("custom_components.bmw_mybmw.mybmw.api.client")
    fake.MyBMWClient = FakeClient  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "custom_components.bmw_mybmw.mybmw.api.client", fake)
    vehicle = MyBMWVehicle(account(), base(brand="MINI"))
    image = await vehicle.get_vehicle_image(VehicleViewDirection.FRONT)
    assert image == b"\x89PNG"
    assert calls == [
        ("init", "the-config", CarBrands.MINI),
        (
            "get",
            VEHICLE_IMAGE_PATH,
            {"carView": "FrontView", "toCrop": "true"},
            {"accept": "image/png", "bmw-app-vehicle-type": "connected", "bmw-vin": VIN},
        ),
        ("exit",),
    ]


def test_remote_services_created_lazily_once() -> None:
    from custom_components.bmw_mybmw.mybmw.vehicle.remote_services import RemoteServices

    vehicle = MyBMWVehicle(account(), base())
    services = vehicle.remote_services
    assert isinstance(services, RemoteServices)
    assert vehicle.remote_services is services
