"""Every recorded sample vehicle parsed end to end, with literal expected values."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from custom_components.bmw_mybmw.mybmw.api.regions import Regions
from custom_components.bmw_mybmw.mybmw.const import CarBrands
from custom_components.bmw_mybmw.mybmw.models import GPSPosition, ValueWithUnit
from custom_components.bmw_mybmw.mybmw.vehicle.charging_profile import (
    ChargingMode,
    ChargingPreferences,
    TimerTypes,
)
from custom_components.bmw_mybmw.mybmw.vehicle.climate import ClimateActivityState
from custom_components.bmw_mybmw.mybmw.vehicle.doors_windows import LidState, LockState
from custom_components.bmw_mybmw.mybmw.vehicle.fuel_and_battery import ChargingState
from custom_components.bmw_mybmw.mybmw.vehicle.location import gcj02_to_wgs84, wgs84_to_gcj02
from custom_components.bmw_mybmw.mybmw.vehicle.reports import (
    CheckControlStatus,
    ConditionBasedServiceStatus,
)
from custom_components.bmw_mybmw.mybmw.vehicle.vehicle import (
    DriveTrainType,
    LscType,
    MyBMWVehicle,
)

RESPONSES = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "mybmw-responses"
FETCHED_AT = datetime.datetime(2023, 1, 4, 15, 0, tzinfo=datetime.UTC)
UTC = datetime.UTC
NO_VALUE = ValueWithUnit(None, None)

pytestmark = pytest.mark.skipif(not RESPONSES.is_dir(), reason="recorded samples not available")


def _one(folder: Path, pattern: str) -> dict[str, Any] | None:
    files = sorted(folder.glob(pattern))
    return json.loads(files[0].read_text(encoding="utf-8")) if files else None


def load_vehicle(
    model: str,
    region: Regions = Regions.REST_OF_WORLD,
    timezone: datetime.tzinfo = UTC,
    fetched_at: datetime.datetime = FETCHED_AT,
) -> MyBMWVehicle:
    """Build a vehicle straight from one sample folder (no HTTP)."""
    folder = RESPONSES / model
    if not folder.is_dir():
        pytest.skip(f"sample {model} not available")
    profile = _one(folder, "*vehicle-data_profile_*.json")
    state = _one(folder, "*vehicles_state_*.json")
    crccs = _one(folder, "*crccs_v2_vehicles_*.json")
    assert profile is not None
    account = SimpleNamespace(region=region, config=None, timezone=timezone)
    return MyBMWVehicle(account, profile, state, crccs, fetched_at)  # type: ignore[arg-type]


ALL_MODELS = ["F31", "G01", "G20", "G26", "I01_REX"]


@pytest.mark.parametrize("model", ALL_MODELS)
def test_every_sample_parses_and_every_property_reads(model: str) -> None:
    vehicle = load_vehicle(model)
    assert vehicle.vin.startswith("WB")
    assert vehicle.brand is CarBrands.BMW
    assert vehicle.data["region"] is Regions.REST_OF_WORLD
    assert vehicle.data["fetched_at"] == FETCHED_AT
    assert "vin" not in vehicle.data["attributes"]
    # The lists hold the reference library's names; the ones that are attributes here read.
    for name in vehicle.available_attributes + vehicle.drive_train_attributes:
        for target in (vehicle, vehicle.fuel_and_battery):
            if hasattr(type(target), name) or name in vars(target):
                getattr(target, name)


# --- identity, drive train, capabilities ------------------------------------


@pytest.mark.parametrize(
    ("model", "name", "drive_train", "electric", "combustion", "lsc", "lsc_type", "mileage"),
    [
        (
            "F31",
            "320d xDrive",
            DriveTrainType.COMBUSTION,
            False,
            True,
            False,
            LscType.NOT_CAPABLE,
            0,
        ),
        (
            "G01",
            "X3 xDrive30e",
            DriveTrainType.PLUGIN_HYBRID,
            True,
            True,
            True,
            LscType.ACTIVATED,
            1121,
        ),
        (
            "G20",
            "M340i xDrive",
            DriveTrainType.COMBUSTION,
            False,
            True,
            True,
            LscType.ACTIVATED,
            1121,
        ),
        ("G26", "i4 eDrive40", DriveTrainType.ELECTRIC, True, False, True, LscType.ACTIVATED, 1121),
        (
            "I01_REX",
            "i3 (+ REX)",
            DriveTrainType.ELECTRIC_WITH_RANGE_EXTENDER,
            True,
            True,
            True,
            LscType.ACTIVATED,
            137009,
        ),
    ],
)
def test_identity(
    model: str,
    name: str,
    drive_train: DriveTrainType,
    electric: bool,
    combustion: bool,
    lsc: bool,
    lsc_type: LscType,
    mileage: int,
) -> None:
    vehicle = load_vehicle(model)
    assert vehicle.name == name
    assert vehicle.drive_train is drive_train
    assert vehicle.has_electric_drivetrain is electric
    assert vehicle.has_combustion_drivetrain is combustion
    assert vehicle.is_lsc_enabled is lsc
    assert vehicle.lsc_type is lsc_type
    assert vehicle.mileage == ValueWithUnit(mileage, "km")


def test_vins_and_brand_with_suffix() -> None:
    assert load_vehicle("G26").vin == "WBA00000000DEMO02"
    rex = load_vehicle("I01_REX")
    assert rex.vin == "WBY00000000REXI01"
    assert rex.attributes["brand"] == "BMW_I"
    assert rex.brand is CarBrands.BMW


def test_timestamps() -> None:
    # Whole seconds, as the reference library gives them.
    assert load_vehicle("G26").timestamp == datetime.datetime(2023, 1, 4, 14, 57, 6, tzinfo=UTC)
    assert load_vehicle("F31").timestamp == datetime.datetime(2024, 1, 20, 10, 18, 57, tzinfo=UTC)
    assert load_vehicle("I01_REX").timestamp == datetime.datetime(
        2022, 6, 22, 14, 24, 23, tzinfo=UTC
    )


CAPABILITY_FLAGS = [
    "is_remote_lights_enabled",
    "is_remote_horn_enabled",
    "is_remote_lock_enabled",
    "is_remote_unlock_enabled",
    "is_remote_climate_start_enabled",
    "is_remote_climate_stop_enabled",
    "is_remote_charge_start_enabled",
    "is_remote_charge_stop_enabled",
    "is_remote_set_target_soc_enabled",
    "is_remote_set_ac_limit_enabled",
    "is_remote_sendpoi_enabled",
    "is_charging_plan_supported",
    "is_charging_settings_supported",
    "is_vehicle_tracking_enabled",
]

# The flags each sample lacks; every other one in CAPABILITY_FLAGS is True.
NO_CHARGE_COMMANDS = {"is_remote_charge_start_enabled", "is_remote_charge_stop_enabled"}
NO_CHARGING_SETTINGS = {
    "is_remote_set_target_soc_enabled",
    "is_remote_set_ac_limit_enabled",
    "is_charging_settings_supported",
}
NO_CLIMATE_STOP_NOR_TRACKING = {"is_remote_climate_stop_enabled", "is_vehicle_tracking_enabled"}
MISSING_FLAGS = {
    "F31": NO_CHARGE_COMMANDS
    | NO_CHARGING_SETTINGS
    | NO_CLIMATE_STOP_NOR_TRACKING
    | {"is_charging_plan_supported"},
    "G01": NO_CHARGE_COMMANDS | NO_CHARGING_SETTINGS,
    "G20": NO_CHARGE_COMMANDS | NO_CHARGING_SETTINGS | {"is_charging_plan_supported"},
    "G26": NO_CHARGE_COMMANDS,
    "I01_REX": NO_CHARGE_COMMANDS | NO_CHARGING_SETTINGS | NO_CLIMATE_STOP_NOR_TRACKING,
}


@pytest.mark.parametrize("model", ALL_MODELS)
def test_capability_flags(model: str) -> None:
    vehicle = load_vehicle(model)
    expected = {flag: flag not in MISSING_FLAGS[model] for flag in CAPABILITY_FLAGS}
    assert {flag: getattr(vehicle, flag) for flag in CAPABILITY_FLAGS} == expected
    assert vehicle.is_vehicle_active is False


# --- fuel and battery ------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        pytest.param(
            "G01",
            {
                "remaining_range_fuel": ValueWithUnit(436, "km"),
                "remaining_range_electric": ValueWithUnit(40, "km"),
                "remaining_range_total": ValueWithUnit(476, "km"),
                "remaining_fuel": ValueWithUnit(40, "L"),
                "remaining_fuel_percent": 80,
                "remaining_battery_percent": 80,
                "charging_status": ChargingState.NOT_CHARGING,  # INVALID on the wire
                "charging_target": 100,
                "is_charger_connected": False,
                # remainingChargingMinutes 10 while not charging: counted as the reference does.
                "charging_end_time": FETCHED_AT + datetime.timedelta(minutes=10),
                "charging_start_time": None,
            },
            id="plugin_hybrid_G01",
        ),
        pytest.param(
            "I01_REX",
            {
                "remaining_range_fuel": ValueWithUnit(105, "km"),
                "remaining_range_electric": ValueWithUnit(174, "km"),
                "remaining_range_total": ValueWithUnit(279, "km"),
                "remaining_fuel": ValueWithUnit(6, "L"),
                "remaining_fuel_percent": None,
                "remaining_battery_percent": 82,
                "charging_status": ChargingState.WAITING_FOR_CHARGING,
                "is_charger_connected": True,
                "charging_target": 100,
                "charging_end_time": None,
                # Next 18:01 after the fetch (15:00 UTC), in the account's zone.
                "charging_start_time": datetime.datetime(2023, 1, 4, 18, 1, tzinfo=UTC),
            },
            id="range_extender_I01",
        ),
        pytest.param(
            "G26",
            {
                "remaining_range_electric": ValueWithUnit(472, "km"),
                "remaining_range_total": ValueWithUnit(472, "km"),
                "remaining_range_fuel": NO_VALUE,  # combustionFuelLevel is {}
                "remaining_fuel": NO_VALUE,
                "remaining_battery_percent": 80,
                "charging_status": ChargingState.NOT_CHARGING,
                "charging_target": 80,
                "charging_end_time": FETCHED_AT + datetime.timedelta(minutes=10),
            },
            id="electric_G26",
        ),
        pytest.param(
            "G20",
            {
                "remaining_range_fuel": ValueWithUnit(629, "km"),
                "remaining_range_total": ValueWithUnit(629, "km"),
                "remaining_range_electric": NO_VALUE,
                "remaining_fuel": ValueWithUnit(40, "L"),
                "remaining_fuel_percent": 80,
                "charging_status": None,
                "remaining_battery_percent": None,
            },
            id="combustion_G20",
        ),
        pytest.param(
            "F31",
            {"remaining_range_total": NO_VALUE, "remaining_fuel": NO_VALUE},
            id="combustion_F31",
        ),
    ],
)
def test_fuel_and_battery(model: str, expected: dict[str, Any]) -> None:
    fuel = load_vehicle(model).fuel_and_battery
    actual = {name: getattr(fuel, name) for name in expected}
    assert actual == expected
    # The same types too: an enum member, not an equal string (ChargingState is a StrEnum).
    assert {name: type(value) for name, value in actual.items()} == {
        name: type(value) for name, value in expected.items()
    }


def test_i01_charging_start_time_uses_time_zone_and_rolls_over() -> None:
    berlin = datetime.timezone(datetime.timedelta(hours=1), "CET")
    fuel = load_vehicle("I01_REX", timezone=berlin).fuel_and_battery
    assert fuel.charging_start_time == datetime.datetime(2023, 1, 4, 18, 1, tzinfo=berlin)
    assert fuel.charging_start_time.astimezone(UTC).hour == 17
    late = load_vehicle(
        "I01_REX", fetched_at=datetime.datetime(2023, 1, 4, 20, 0, tzinfo=UTC)
    ).fuel_and_battery
    assert late.charging_start_time == datetime.datetime(2023, 1, 5, 18, 1, tzinfo=UTC)


# --- doors and windows -------------------------------------------------------

FOUR_DOORS = ["hood", "leftFront", "leftRear", "rightFront", "rightRear", "trunk"]


@pytest.mark.parametrize(
    ("model", "lock", "lids", "windows"),
    [
        (
            "G01",
            LockState.LOCKED,
            FOUR_DOORS,
            ["leftFront", "leftRear", "rear", "rightFront", "rightRear"],
        ),
        (
            "G20",
            LockState.LOCKED,
            FOUR_DOORS,
            ["leftFront", "leftRear", "rear", "rightFront", "rightRear"],
        ),
        (
            "G26",
            LockState.LOCKED,
            FOUR_DOORS,
            ["leftFront", "leftRear", "rear", "rightFront", "rightRear"],
        ),
        ("I01_REX", LockState.UNLOCKED, [*FOUR_DOORS, "sunRoof"], ["leftFront", "rightFront"]),
        ("F31", LockState.UNKNOWN, [], []),
    ],
)
def test_doors_and_windows(
    model: str, lock: LockState, lids: list[str], windows: list[str]
) -> None:
    doors = load_vehicle(model).doors_and_windows
    assert doors.door_lock_state is lock
    assert [lid.name for lid in doors.lids] == lids
    assert [window.name for window in doors.windows] == windows
    assert all(lid.state is LidState.CLOSED and lid.is_closed for lid in doors.lids)
    assert doors.all_lids_closed is True
    assert doors.all_windows_closed is True
    assert doors.open_lids == []
    assert doors.open_windows == []


# --- location ---------------------------------------------------------------


@pytest.mark.parametrize("model", ["G01", "G20", "G26"])
def test_location(model: str) -> None:
    location = load_vehicle(model).vehicle_location
    assert location.location == GPSPosition(48.177334, 11.556274)
    assert location.heading == 180
    assert location.account_region is Regions.REST_OF_WORLD


@pytest.mark.parametrize("model", ["F31", "I01_REX"])
def test_no_location(model: str) -> None:
    location = load_vehicle(model).vehicle_location
    assert location.location is None
    assert location.heading is None


def test_finder_position_replaces_older_state_position() -> None:
    vehicle = load_vehicle("G26")
    finder = json.loads(
        (RESPONSES / "remote_services" / "eadrax_service_eventposition.json").read_text()
    )
    vehicle.vehicle_location.set_remote_service_position(finder)
    assert vehicle.vehicle_location.location == GPSPosition(12.345, 34.5678)
    assert vehicle.vehicle_location.heading == 121
    # A state refresh with the same (older) timestamp keeps the finder result.
    vehicle.update_state(
        _one(RESPONSES / "G26", "*profile*.json") or {},
        _one(RESPONSES / "G26", "*state*.json"),
        None,
        FETCHED_AT,
    )
    assert vehicle.vehicle_location.location == GPSPosition(12.345, 34.5678)


# --- China -------------------------------------------------------------------

# Computed independently with the MIT package ``coord-convert`` 0.2.1 (``wgs2gcj``,
# Krasovsky ellipsoid). ``eviltransform`` differs by ~3e-8 degrees: it uses the
# WGS-84 semi-major axis instead of Krasovsky's.
WGS_BEIJING = (39.90851, 116.39745)
GCJ_BEIJING = (39.909913480080796, 116.4036935385468)
WGS_SHANGHAI = (31.2304, 121.4737)
GCJ_SHANGHAI = (31.22845773757727, 121.47822305927693)


@pytest.mark.parametrize(("wgs", "gcj"), [(WGS_BEIJING, GCJ_BEIJING), (WGS_SHANGHAI, GCJ_SHANGHAI)])
def test_gcj02_forward_matches_independent_values(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    lat, lon = wgs84_to_gcj02(*wgs)
    assert lat == pytest.approx(gcj[0], abs=1e-9)
    assert lon == pytest.approx(gcj[1], abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), [(WGS_BEIJING, GCJ_BEIJING), (WGS_SHANGHAI, GCJ_SHANGHAI)])
def test_gcj02_inverse_recovers_wgs84(wgs: tuple[float, float], gcj: tuple[float, float]) -> None:
    lat, lon = gcj02_to_wgs84(*gcj)
    assert lat == pytest.approx(wgs[0], abs=1e-6)
    assert lon == pytest.approx(wgs[1], abs=1e-6)
    forward = wgs84_to_gcj02(lat, lon)
    assert forward[0] == pytest.approx(gcj[0], abs=1e-6)
    assert forward[1] == pytest.approx(gcj[1], abs=1e-6)


def test_china_vehicle_positions_are_converted() -> None:
    profile = _one(RESPONSES / "G26", "*profile*.json")
    state = _one(RESPONSES / "G26", "*state*.json")
    assert profile is not None
    assert state is not None
    state["state"]["location"]["coordinates"] = {
        "latitude": GCJ_BEIJING[0],
        "longitude": GCJ_BEIJING[1],
    }
    account = SimpleNamespace(region=Regions.CHINA, config=None, timezone=UTC)
    vehicle = MyBMWVehicle(account, profile, state, None, FETCHED_AT)  # type: ignore[arg-type]
    position = vehicle.vehicle_location.location
    assert position is not None
    assert position.latitude == pytest.approx(WGS_BEIJING[0], abs=1e-6)
    assert position.longitude == pytest.approx(WGS_BEIJING[1], abs=1e-6)
    # The finder position is converted too.
    vehicle.vehicle_location.set_remote_service_position(
        {"latitude": GCJ_SHANGHAI[0], "longitude": GCJ_SHANGHAI[1], "heading": 90}
    )
    position = vehicle.vehicle_location.location
    assert position is not None
    assert position.latitude == pytest.approx(WGS_SHANGHAI[0], abs=1e-6)
    assert position.longitude == pytest.approx(WGS_SHANGHAI[1], abs=1e-6)
    assert vehicle.vehicle_location.heading == 90
    # Outside China the same vehicle's European position stays untouched.
    european = load_vehicle("G26", region=Regions.CHINA).vehicle_location.location
    assert european == GPSPosition(48.177334, 11.556274)


# --- reports ------------------------------------------------------------------


def test_condition_based_services_g26() -> None:
    cbs = load_vehicle("G26").condition_based_services
    assert [m.service_type for m in cbs.messages] == [
        "BRAKE_FLUID",
        "VEHICLE_TUV",
        "VEHICLE_CHECK",
        "TIRE_WEAR_REAR",
        "TIRE_WEAR_FRONT",
    ]
    assert all(m.state is ConditionBasedServiceStatus.OK for m in cbs.messages)
    assert cbs.is_service_required is False
    brake = cbs.messages[0]
    assert brake.due_date == datetime.datetime(2024, 12, 1, tzinfo=UTC)
    assert brake.due_distance == ValueWithUnit(50000, "km")
    assert cbs.messages[3].due_date is None
    assert cbs.messages[3].due_distance == NO_VALUE
    assert cbs.next_service_by_distance is brake  # tie at 50000 km: alphabetical
    assert cbs.next_service_by_time is brake


def test_condition_based_services_g01_next_by_time() -> None:
    cbs = load_vehicle("G01").condition_based_services
    assert len(cbs.messages) == 4
    next_by_time = cbs.next_service_by_time
    assert next_by_time is not None
    assert next_by_time.service_type == "VEHICLE_CHECK"  # 2024-11-01, tie with VEHICLE_TUV
    assert next_by_time.due_date == datetime.datetime(2024, 11, 1, tzinfo=UTC)


def test_condition_based_services_i01_without_distance() -> None:
    cbs = load_vehicle("I01_REX").condition_based_services
    assert [m.service_type for m in cbs.messages] == ["BRAKE_FLUID", "VEHICLE_CHECK", "VEHICLE_TUV"]
    assert cbs.next_service_by_distance is None
    assert cbs.next_service_by_time is not None
    assert cbs.next_service_by_time.service_type == "BRAKE_FLUID"
    assert load_vehicle("F31").condition_based_services.messages == []


def test_check_control_messages() -> None:
    g01 = load_vehicle("G01").check_control_messages
    assert [(m.description_short, m.state) for m in g01.messages] == [
        ("TIRE_PRESSURE", CheckControlStatus.LOW),
        ("ENGINE_OIL", CheckControlStatus.MEDIUM),
    ]
    assert g01.has_check_control_messages is True
    assert g01.urgent_messages == "ENGINE_OIL"
    g26 = load_vehicle("G26").check_control_messages
    assert g26.has_check_control_messages is False
    assert g26.urgent_messages == ""
    f31 = load_vehicle("F31").check_control_messages
    assert [m.description_short for m in f31.messages] == ["ENGINE_OIL"]
    assert f31.has_check_control_messages is False
    assert load_vehicle("I01_REX").check_control_messages.messages == []


@pytest.mark.parametrize(
    ("model", "idrive", "headunit", "version"),
    [
        ("G26", "ID8", "MGU", "11/2021.70"),
        ("F31", "ID4", "NBT", "11/2013.02"),
        ("I01_REX", "ID4", "NBT", "11/2021.10"),
        ("G20", "ID7", "MGU", "07/2021.70"),
        ("G01", "", "", ""),  # no softwareVersionCurrent, no headUnitType
    ],
)
def test_headunit(model: str, idrive: str, headunit: str, version: str) -> None:
    unit = load_vehicle(model).headunit
    assert (unit.idrive_version, unit.headunit_type, unit.software_version) == (
        idrive,
        headunit,
        version,
    )


# --- tires ----------------------------------------------------------------------


def test_tires_g26() -> None:
    tires = load_vehicle("G26").tires
    assert tires is not None
    assert tires.front_left is not None
    assert tires.rear_right is not None
    assert (tires.front_left.current_pressure, tires.front_left.target_pressure) == (241, 269)
    assert tires.front_left.season == 2
    assert tires.front_left.manufacturing_week == datetime.datetime(2021, 10, 4)
    assert tires.front_right is not None
    assert tires.front_right.manufacturing_week == datetime.datetime(2019, 6, 10)
    assert tires.rear_left is not None
    assert tires.rear_left.manufacturing_week == datetime.datetime(2019, 3, 18)
    assert (tires.rear_right.current_pressure, tires.rear_right.target_pressure) == (331, 303)


def test_tires_g20_without_target_and_g01_without_details() -> None:
    g20 = load_vehicle("G20").tires
    assert g20 is not None
    assert g20.front_left is not None
    assert g20.front_left.current_pressure == 241
    assert g20.front_left.target_pressure is None
    g01 = load_vehicle("G01").tires
    assert g01 is not None
    assert g01.rear_left is not None
    assert (g01.rear_left.current_pressure, g01.rear_left.target_pressure) == (270, 310)
    assert g01.rear_left.manufacturing_week is None
    assert g01.rear_left.season is None
    assert load_vehicle("I01_REX").tires is None
    assert load_vehicle("F31").tires is None


# --- climate -------------------------------------------------------------------


def test_climate() -> None:
    g26 = load_vehicle("G26").climate
    assert g26.activity is ClimateActivityState.HEATING
    assert g26.is_climate_on is True
    assert g26.activity_end_time == FETCHED_AT + datetime.timedelta(seconds=1790)  # whole seconds
    g01 = load_vehicle("G01").climate
    assert g01.activity is ClimateActivityState.STANDBY
    assert g01.is_climate_on is False
    assert g01.activity_end_time is None
    assert load_vehicle("G20").climate.activity is ClimateActivityState.INACTIVE
    assert load_vehicle("I01_REX").climate.activity is ClimateActivityState.UNKNOWN


# --- charging profile ---------------------------------------------------------


def test_charging_profile_g26() -> None:
    profile = load_vehicle("G26").charging_profile
    assert profile is not None
    assert profile.is_pre_entry_climatization_enabled is False
    assert profile.timer_type is TimerTypes.WEEKLY_PLANNER
    assert profile.charging_mode is ChargingMode.IMMEDIATE_CHARGING
    assert profile.charging_preferences is ChargingPreferences.NO_PRESELECTION
    assert profile.ac_current_limit == 16
    assert profile.ac_available_limits == [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 20, 32]
    assert profile.charging_preferences_service_pack == "WAVE_01"
    assert [t.timer_id for t in profile.departure_times] == [1, 2, 3, 4]
    assert profile.preferred_charging_window.start_time == datetime.time(0, 0)


def test_charging_profile_i01() -> None:
    profile = load_vehicle("I01_REX").charging_profile
    assert profile is not None
    assert profile.charging_mode is ChargingMode.DELAYED_CHARGING
    assert profile.charging_preferences is ChargingPreferences.CHARGING_WINDOW
    assert profile.preferred_charging_window.start_time == datetime.time(18, 1)
    assert profile.preferred_charging_window.end_time == datetime.time(1, 30)
    assert profile.ac_current_limit is None
    assert profile.ac_available_limits is None  # no chargingSettingsDetail in crccs
    assert profile.charging_preferences_service_pack == "TCB1"
    first, _, _, last = profile.departure_times
    assert first.start_time == datetime.time(7, 35)
    assert first.action == "DEACTIVATE"
    assert first.weekdays == ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]
    assert last.start_time is None  # timer 4 has no timeStamp


def test_charging_profile_payload_i01_matches_protocol_example() -> None:
    profile = load_vehicle("I01_REX").charging_profile
    assert profile is not None
    payload = profile.format_for_remote_service()
    assert set(payload) == {
        "chargingMode",
        "departureTimer",
        "isPreconditionForDepartureActive",
        "servicePack",
    }
    assert payload["chargingMode"] == {
        "chargingPreference": "CHARGING_WINDOW",
        "type": "TIME_SLOT",
        "startTimeSlot": "0001-01-01T18:01:00.000",
        "endTimeSlot": "0001-01-01T01:30:00.000",
        "timerChange": "NO_CHANGE",
    }
    assert payload["departureTimer"]["type"] == "WEEKLY_DEPARTURE_TIMER"
    assert payload["departureTimer"]["weeklyTimers"][0] == {
        "id": 1,
        "time": "0001-01-01T07:35:00.000",
        "timerAction": "DEACTIVATE",
        "daysOfTheWeek": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
    }
    assert len(payload["departureTimer"]["weeklyTimers"]) == 4
    assert payload["isPreconditionForDepartureActive"] is False
    assert payload["servicePack"] == "TCB1"


def test_charging_profile_of_combustion_g20_and_none_for_f31() -> None:
    g20 = load_vehicle("G20").charging_profile
    assert g20 is not None
    assert g20.timer_type is TimerTypes.UNKNOWN
    assert g20.departure_times == []
    assert g20.charging_preferences_service_pack is None
    payload = g20.format_for_remote_service()  # UNKNOWN timer type: no KeyError
    assert payload["departureTimer"] == {"type": "WEEKLY_DEPARTURE_TIMER", "weeklyTimers": []}
    assert payload["servicePack"] is None
    assert load_vehicle("F31").charging_profile is None
