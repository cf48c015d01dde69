"""Edge cases of the per-area parsers: missing keys, nulls, wrong types, unknown enums."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from custom_components.bmw_mybmw.mybmw.api.regions import Regions
from custom_components.bmw_mybmw.mybmw.models import GPSPosition, ValueWithUnit
from custom_components.bmw_mybmw.mybmw.utils import SYSTEM_TIME_ZONE
from custom_components.bmw_mybmw.mybmw.vehicle.charging_profile import (
    ChargingMode,
    ChargingPreferences,
    ChargingProfile,
    ChargingWindow,
    DepartureTimer,
    TimerTypes,
    format_payload_time,
)
from custom_components.bmw_mybmw.mybmw.vehicle.climate import Climate, ClimateActivityState
from custom_components.bmw_mybmw.mybmw.vehicle.const import (
    DriveTrainType,
    parse_enum,
    safe,
    timezone_of,
    to_int,
    to_number,
)
from custom_components.bmw_mybmw.mybmw.vehicle.doors_windows import (
    DoorsAndWindows,
    Lid,
    LidState,
    LockState,
    Window,
)
from custom_components.bmw_mybmw.mybmw.vehicle.fuel_and_battery import (
    ChargingState,
    FuelAndBattery,
)
from custom_components.bmw_mybmw.mybmw.vehicle.location import (
    VehicleLocation,
    gcj02_to_wgs84,
    wgs84_to_gcj02,
)
from custom_components.bmw_mybmw.mybmw.vehicle.reports import (
    CheckControlMessageReport,
    CheckControlStatus,
    ConditionBasedServiceReport,
    ConditionBasedServiceStatus,
    Headunit,
)
from custom_components.bmw_mybmw.mybmw.vehicle.tires import Tires, parse_manufacturing_week

UTC = datetime.UTC
FETCHED_AT = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
NO_VALUE = ValueWithUnit(None, None)


def record(
    state: Any = None,
    attributes: Any = None,
    charging_settings: Any = None,
    region: Any = Regions.REST_OF_WORLD,
    **extra: Any,
) -> dict[str, Any]:
    """A merged vehicle record as MyBMWVehicle.combine_data builds it."""
    return {
        "vin": "WBA00000000TEST01",
        "attributes": attributes if attributes is not None else {},
        "capabilities": {},
        "state": state if state is not None else {},
        "charging_settings": charging_settings,
        "fetched_at": FETCHED_AT,
        "region": region,
        "timezone": UTC,
        **extra,
    }


# --- readers -------------------------------------------------------------------


def test_number_readers_reject_bools_and_non_finite() -> None:
    assert to_number(True) is None
    assert to_number(float("nan")) is None
    assert to_number(float("inf")) is None
    assert to_number("12") is None
    assert to_number(12.5) == 12.5
    assert to_int(12.9) == 12
    assert to_int(None) is None


def test_parse_enum() -> None:
    assert parse_enum(ChargingState, "charging") is ChargingState.CHARGING
    assert parse_enum(ChargingState, "SOMETHING_NEW") is ChargingState.UNKNOWN
    assert parse_enum(ChargingState, ["CHARGING"]) is ChargingState.UNKNOWN
    assert parse_enum(ChargingState, 3) is ChargingState.UNKNOWN
    assert parse_enum(ChargingState, None) is None
    # An enum without UNKNOWN falls back to the default.
    assert parse_enum(Regions, "mars") is None
    assert parse_enum(Regions, "mars", Regions.CHINA) is Regions.CHINA


def test_safe_degrades_to_default() -> None:
    def broken() -> int:
        raise KeyError("x")

    assert safe(broken, 7, "field") == 7
    assert safe(lambda: 3, 7, "field") == 3


def test_timezone_of_falls_back_to_local_zone() -> None:
    local = SYSTEM_TIME_ZONE
    assert timezone_of({}) == local
    assert timezone_of({"timezone": "Europe/Berlin"}) == local  # only tzinfo objects count
    assert timezone_of({"timezone": UTC}) is UTC


# --- fuel and battery -------------------------------------------------------------


def phev(
    electric: dict[str, Any] | None = None, fuel: dict[str, Any] | None = None
) -> dict[str, Any]:
    state: dict[str, Any] = {}
    if electric is not None:
        state["electricChargingState"] = electric
    if fuel is not None:
        state["combustionFuelLevel"] = fuel
    return record(state, {"driveTrain": "PLUGIN_HYBRID"})


def test_fuel_nothing_without_blocks() -> None:
    assert (
        FuelAndBattery.from_vehicle_data(record({}, {"driveTrain": "ELECTRIC"})) == FuelAndBattery()
    )


def test_charging_end_time_whenever_minutes_are_sent() -> None:
    """As the reference library: fetch time plus the minutes, whatever the status."""
    for status in ("CHARGING", "NOT_CHARGING", "INVALID", "PLUGGED_IN", "WAITING_FOR_CHARGING"):
        fuel = FuelAndBattery.from_vehicle_data(
            phev({"chargingStatus": status, "remainingChargingMinutes": 45})
        )
        assert fuel.charging_end_time == FETCHED_AT + datetime.timedelta(minutes=45), status
    for minutes in (-5, "soon", None):
        fuel = FuelAndBattery.from_vehicle_data(
            phev({"chargingStatus": "CHARGING", "remainingChargingMinutes": minutes})
        )
        assert fuel.charging_end_time is None, minutes


@pytest.mark.parametrize("minutes", [-5, None, "45", True, 1e300, float("nan")])
def test_charging_end_time_bad_minutes(minutes: Any) -> None:
    fuel = FuelAndBattery.from_vehicle_data(
        phev({"chargingStatus": "CHARGING", "remainingChargingMinutes": minutes})
    )
    assert fuel.charging_status is ChargingState.CHARGING
    assert fuel.charging_end_time is None


def test_charging_end_time_without_fetch_time() -> None:
    data = phev({"chargingStatus": "CHARGING", "remainingChargingMinutes": 5})
    data["fetched_at"] = None
    assert FuelAndBattery.from_vehicle_data(data).charging_end_time is None


def test_charging_status_variants() -> None:
    assert (
        FuelAndBattery.from_vehicle_data(phev({"chargingStatus": "charging"})).charging_status
        is ChargingState.CHARGING
    )
    assert (
        FuelAndBattery.from_vehicle_data(phev({"chargingStatus": "WARP_SPEED"})).charging_status
        is ChargingState.UNKNOWN
    )
    missing = FuelAndBattery.from_vehicle_data(phev({"range": 12}))
    assert missing.charging_status is None
    assert missing.remaining_range_electric == ValueWithUnit(12, "km")
    empty = FuelAndBattery.from_vehicle_data(phev({}))
    assert empty.remaining_battery_percent is None
    assert empty.is_charger_connected is False


def test_electric_block_of_wrong_type() -> None:
    fuel = FuelAndBattery.from_vehicle_data(phev(electric=["x"], fuel={"range": 300}))  # type: ignore[arg-type]
    assert fuel.remaining_range_electric == NO_VALUE
    assert fuel.remaining_range_fuel == ValueWithUnit(300, "km")
    assert fuel.remaining_range_total == ValueWithUnit(300, "km")


def test_wrong_types_degrade_single_fields() -> None:
    fuel = FuelAndBattery.from_vehicle_data(
        phev(
            {
                "chargingLevelPercent": "80",
                "range": None,
                "isChargerConnected": "yes",
                "chargingTarget": 80.0,
            },
            {"range": "500", "remainingFuelLiters": 30, "remainingFuelPercent": None},
        )
    )
    assert fuel.remaining_battery_percent is None
    assert fuel.is_charger_connected is False
    assert fuel.charging_target == 80
    assert fuel.remaining_fuel == ValueWithUnit(30, "L")
    assert fuel.remaining_range_fuel == NO_VALUE
    assert fuel.remaining_range_total == NO_VALUE


def test_phev_fuel_range_never_negative_and_without_electric() -> None:
    fuel = FuelAndBattery.from_vehicle_data(phev({"range": 50}, {"range": 30}))
    assert fuel.remaining_range_fuel == ValueWithUnit(0, "km")
    assert fuel.remaining_range_total == ValueWithUnit(30, "km")
    fuel = FuelAndBattery.from_vehicle_data(phev(fuel={"range": 300}))
    assert fuel.remaining_range_fuel == ValueWithUnit(300, "km")


def test_range_extender_with_one_part() -> None:
    data = record(
        {"combustionFuelLevel": {"range": 80}}, {"driveTrain": "ELECTRIC_WITH_RANGE_EXTENDER"}
    )
    fuel = FuelAndBattery.from_vehicle_data(data)
    assert fuel.remaining_range_total == ValueWithUnit(80, "km")
    data = record({"combustionFuelLevel": {}}, {"driveTrain": "ELECTRIC_WITH_RANGE_EXTENDER"})
    assert FuelAndBattery.from_vehicle_data(data).remaining_range_total == NO_VALUE


def test_mild_hybrid_and_unknown_drive_train() -> None:
    state = {"combustionFuelLevel": {"range": 700}, "electricChargingState": {"range": 5}}
    mild = FuelAndBattery.from_vehicle_data(record(state, {"driveTrain": "MILD_HYBRID"}))
    assert mild.remaining_range_total == ValueWithUnit(700, "km")
    assert mild.remaining_range_electric == NO_VALUE
    unknown = FuelAndBattery.from_vehicle_data(record(state, {"driveTrain": "STEAM"}))
    assert unknown == FuelAndBattery()


def test_charging_start_time_needs_a_valid_window() -> None:
    electric = {"chargingStatus": "WAITING_FOR_CHARGING"}
    data = phev(electric)
    assert FuelAndBattery.from_vehicle_data(data).charging_start_time is None
    data["state"]["chargingProfile"] = {
        "reductionOfChargeCurrent": {"start": {"hour": 25, "minute": 0}}
    }
    assert FuelAndBattery.from_vehicle_data(data).charging_start_time is None
    data["state"]["chargingProfile"] = {
        "reductionOfChargeCurrent": {"start": {"hour": 12, "minute": 0}}
    }
    # 12:00 is exactly the fetch time: the next occurrence is tomorrow.
    assert FuelAndBattery.from_vehicle_data(
        data
    ).charging_start_time == FETCHED_AT + datetime.timedelta(days=1)
    data["state"]["chargingProfile"] = {
        "reductionOfChargeCurrent": {"start": {"hour": 13, "minute": 30}}
    }
    start = FuelAndBattery.from_vehicle_data(data).charging_start_time
    assert start == datetime.datetime(2024, 5, 1, 13, 30, tzinfo=UTC)
    assert start.tzinfo is not None


# --- doors and windows ------------------------------------------------------------


def test_doors_open_invalid_and_unknown_states() -> None:
    state = {
        "doorsState": {
            "combinedSecurityState": "secured",
            "combinedState": "OPEN",
            "hood": "OPEN",
            "leftFront": "INVALID",
            "trunk": "FLAPPING",
            "rightFront": 7,
        },
        "windowsState": {
            "combinedState": "OPEN",
            "leftFront": "OPEN_TILT",
            "rear": "CLOSED",
            "x": "INVALID",
        },
        "roofState": {"roofState": "INTERMEDIATE"},
    }
    doors = DoorsAndWindows.from_vehicle_data(record(state))
    assert doors.door_lock_state is LockState.SECURED
    assert [(lid.name, lid.state) for lid in doors.lids] == [
        ("hood", LidState.OPEN),
        ("trunk", LidState.UNKNOWN),
        ("rightFront", LidState.UNKNOWN),
        ("sunRoof", LidState.INTERMEDIATE),
    ]
    assert doors.all_lids_closed is False
    assert len(doors.open_lids) == 4
    assert [(w.name, w.state) for w in doors.windows] == [
        ("leftFront", LidState.OPEN_TILT),
        ("rear", LidState.CLOSED),
    ]
    assert all(isinstance(w, Window) for w in doors.windows)
    assert doors.all_windows_closed is False
    assert [w.name for w in doors.open_windows] == ["leftFront"]


def test_roof_variants() -> None:
    panorama = {"roofState": {"roofState": "OPEN", "roofStateType": "PANORAMA_ROOF"}}
    assert DoorsAndWindows.from_vehicle_data(record(panorama)).lids == [Lid("panoramaRoof", "OPEN")]  # type: ignore[arg-type]
    invalid = {"roofState": {"roofState": "INVALID", "roofStateType": "SUN_ROOF"}}
    assert DoorsAndWindows.from_vehicle_data(record(invalid)).lids == []
    no_state = {"roofState": {"roofStateType": "SUN_ROOF"}}
    assert DoorsAndWindows.from_vehicle_data(record(no_state)).lids == []


def test_doors_of_wrong_types() -> None:
    doors = DoorsAndWindows.from_vehicle_data(
        record({"doorsState": "LOCKED", "windowsState": None, "roofState": [1]})
    )
    assert doors == DoorsAndWindows()
    assert doors.all_lids_closed is True
    odd_lock = DoorsAndWindows.from_vehicle_data(
        record({"doorsState": {"combinedSecurityState": 3}})
    )
    assert odd_lock.door_lock_state is LockState.UNKNOWN


def test_lid_accepts_raw_strings() -> None:
    lid = Lid("hood", "closed")  # type: ignore[arg-type]
    assert lid.state is LidState.CLOSED
    assert lid.is_closed is True
    assert Lid("hood", "OPEN").is_closed is False  # type: ignore[arg-type]


# --- location ---------------------------------------------------------------------


def with_location(location: Any, **kwargs: Any) -> dict[str, Any]:
    return record({"location": location, "lastFetched": "2024-05-01T10:00:00Z"}, **kwargs)


@pytest.mark.parametrize(
    "coordinates",
    [
        {"latitude": 91, "longitude": 11},
        {"latitude": 48, "longitude": -181},
        {"latitude": "48", "longitude": 11},
        {"latitude": True, "longitude": 11},
        {"latitude": 48},
        None,
        [48, 11],
    ],
)
def test_bad_coordinates_give_no_position(coordinates: Any) -> None:
    location = VehicleLocation.from_vehicle_data(
        with_location({"coordinates": coordinates, "heading": 90})
    )
    assert location.location is None
    assert location.heading == 90


def test_heading_and_timestamps() -> None:
    data = with_location({"coordinates": {"latitude": 1, "longitude": 2}, "heading": 12.7})
    data["attributes"] = {"lastFetched": "2024-05-01T11:00:00.123+00:00"}
    location = VehicleLocation.from_vehicle_data(data)
    assert location.location == GPSPosition(1.0, 2.0)
    assert location.heading == 12
    assert location.vehicle_update_timestamp == datetime.datetime(2024, 5, 1, 11, 0, 0, tzinfo=UTC)
    assert (
        VehicleLocation.from_vehicle_data(
            record({"lastFetched": "garbage"})
        ).vehicle_update_timestamp
        is None
    )


def test_region_from_string_and_unknown_region() -> None:
    gcj = wgs84_to_gcj02(39.9, 116.4)
    data = with_location({"coordinates": {"latitude": gcj[0], "longitude": gcj[1]}}, region="cn")
    location = VehicleLocation.from_vehicle_data(data)
    assert location.account_region is Regions.CHINA
    assert location.location is not None
    assert location.location.latitude == pytest.approx(39.9, abs=1e-6)
    assert VehicleLocation.from_vehicle_data(record(region="moon")).account_region is None
    assert VehicleLocation.from_vehicle_data(record(region=None)).account_region is None


def test_gcj_identity_outside_china_and_near_the_border() -> None:
    assert wgs84_to_gcj02(48.1, 11.5) == (48.1, 11.5)
    assert gcj02_to_wgs84(48.1, 11.5) == (48.1, 11.5)
    # Close to the box edge the iteration must still terminate with a finite answer.
    lat, lon = gcj02_to_wgs84(0.83, 137.83)
    assert abs(lat - 0.83) < 0.01
    assert abs(lon - 137.83) < 0.01


def finder(lat: float, lon: float, heading: int = 45) -> dict[str, Any]:
    return {
        "positionData": {
            "status": "OK",
            "position": {"latitude": lat, "longitude": lon, "heading": heading},
        },
        "errorDetails": None,
    }


def test_finder_position_newer_replaces_state() -> None:
    location = VehicleLocation.from_vehicle_data(
        with_location({"coordinates": {"latitude": 1, "longitude": 2}, "heading": 10})
    )
    location.set_remote_service_position(finder(3.0, 4.0))
    assert location.location == GPSPosition(3.0, 4.0)
    assert location.heading == 45
    assert location.remote_service_position is not None
    assert location.remote_service_position["latitude"] == 3.0
    assert location.remote_service_position["timestamp"] > FETCHED_AT


def test_finder_position_older_than_state_is_kept_but_not_used() -> None:
    location = VehicleLocation.from_vehicle_data(
        with_location({"coordinates": {"latitude": 1, "longitude": 2}, "heading": 10})
    )
    old = {"latitude": 3.0, "longitude": 4.0, "heading": 5, "timestamp": "2024-05-01T09:00:00Z"}
    location.set_remote_service_position(old)
    assert location.location == GPSPosition(1.0, 2.0)
    assert location.heading == 10
    assert location.remote_service_position is not None


@pytest.mark.parametrize(
    "response",
    [
        {"positionData": None, "errorDetails": {"title": "x", "description": "y"}},
        {"positionData": {"status": "OK", "position": {"latitude": None}}, "errorDetails": None},
        {"positionData": "garbage", "errorDetails": None},
        {},
        {"latitude": 100, "longitude": 1},
    ],
)
def test_unusable_finder_responses_are_ignored(response: dict[str, Any]) -> None:
    location = VehicleLocation.from_vehicle_data(
        with_location({"coordinates": {"latitude": 1, "longitude": 2}})
    )
    location.set_remote_service_position(response)
    assert location.location == GPSPosition(1.0, 2.0)
    assert location.remote_service_position is None


def test_finder_position_without_state_timestamp_applies() -> None:
    location = VehicleLocation()
    location.set_remote_service_position(finder(3.0, 4.0))
    assert location.location == GPSPosition(3.0, 4.0)


# --- reports -----------------------------------------------------------------------


def test_condition_based_services_edge_cases() -> None:
    services = [
        {"type": "OIL", "status": "OVERDUE", "mileage": 0, "dateTime": "2024-01-01T00:00:00Z"},
        {"type": "BRAKE_FLUID", "status": "SOMETHING", "mileage": 1500},
        {"type": "VEHICLE_CHECK", "status": "ok", "mileage": 900, "dateTime": "not a date"},
        {"status": "PENDING"},
        "garbage",
        None,
    ]
    report = ConditionBasedServiceReport.from_vehicle_data(record({"requiredServices": services}))
    assert [m.service_type for m in report.messages] == [
        "OIL",
        "BRAKE_FLUID",
        "VEHICLE_CHECK",
        "UNKNOWN",
    ]
    oil = report.messages[0]
    assert oil.state is ConditionBasedServiceStatus.OVERDUE
    assert oil.due_distance == NO_VALUE
    assert report.messages[1].state is ConditionBasedServiceStatus.UNKNOWN
    assert report.messages[2].state is ConditionBasedServiceStatus.OK
    assert report.messages[2].due_date is None
    assert report.messages[3].state is ConditionBasedServiceStatus.PENDING
    assert report.is_service_required is True
    assert report.next_service_by_distance is report.messages[2]
    assert report.next_service_by_time is oil


def test_condition_based_services_all_ok_and_wrong_container() -> None:
    ok = ConditionBasedServiceReport.from_vehicle_data(
        record({"requiredServices": [{"type": "OIL", "status": "OK"}]})
    )
    assert ok.is_service_required is False
    assert ok.next_service_by_time is None
    empty = ConditionBasedServiceReport.from_vehicle_data(
        record({"requiredServices": {"type": "OIL"}})
    )
    assert empty.messages == []


def test_check_control_messages_edge_cases() -> None:
    messages = [
        {"type": "OK_ONE", "severity": "OK"},
        {"type": "TIRE_PRESSURE", "severity": "LOW", "longDescription": "Check tires"},
        {"type": "ENGINE_OIL", "severity": "HIGH"},
        {"type": "BRAKES", "severity": "NEW_LEVEL", "longDescription": 5},
        {"severity": "CRITICAL"},
        42,
    ]
    report = CheckControlMessageReport.from_vehicle_data(record({"checkControlMessages": messages}))
    assert [(m.description_short, m.state) for m in report.messages] == [
        ("TIRE_PRESSURE", CheckControlStatus.LOW),
        ("ENGINE_OIL", CheckControlStatus.HIGH),
        ("BRAKES", CheckControlStatus.UNKNOWN),
        ("UNKNOWN", CheckControlStatus.CRITICAL),
    ]
    assert report.messages[0].description_long == "Check tires"
    assert report.messages[2].description_long is None
    assert report.has_check_control_messages is True
    assert report.urgent_messages == "ENGINE_OIL, BRAKES, UNKNOWN"


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        (
            {
                "softwareVersionCurrent": {"iStep": 470, "puStep": {"month": 3, "year": 5}},
                "year": 2006,
            },
            "03/2005.70",
        ),
        (
            {
                "softwareVersionCurrent": {"iStep": "510", "puStep": {"month": 11, "year": 21}},
                "year": "2015",
            },
            "11/2021.10",
        ),
        ({"softwareVersionCurrent": {"iStep": 470}, "year": 2021}, ""),
        (
            {
                "softwareVersionCurrent": {"iStep": 470, "puStep": {"month": 13, "year": 21}},
                "year": 2021,
            },
            "",
        ),
        (
            {
                "softwareVersionCurrent": {"iStep": None, "puStep": {"month": 1, "year": 21}},
                "year": 2021,
            },
            "",
        ),
        (
            {
                "softwareVersionCurrent": {"iStep": 470, "puStep": {"month": 1, "year": 21}},
                "year": True,
            },
            "",
        ),
        ({"softwareVersionCurrent": {"iStep": 470, "puStep": {"month": 1, "year": 21}}}, ""),
    ],
)
def test_software_version(attributes: dict[str, Any], expected: str) -> None:
    attributes = {"hmiVersion": "ID7", "headUnitType": None, **attributes}
    unit = Headunit.from_vehicle_data(record(attributes=attributes))
    assert unit.software_version == expected
    assert unit.idrive_version == "ID7"
    assert unit.headunit_type == ""


def test_headunit_needs_software_version() -> None:
    assert Headunit.from_vehicle_data(record(attributes={"hmiVersion": "ID7"})) == Headunit()
    assert Headunit.from_vehicle_data(record(attributes="garbage")) == Headunit()


# --- tires --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (4021, datetime.datetime(2021, 10, 4)),
        (1219, datetime.datetime(2019, 3, 18)),
        (519, datetime.datetime(2019, 1, 28)),  # "0519": week 05 of 2019, not year "205"
        ("0519", datetime.datetime(2019, 1, 28)),
        (4005, datetime.datetime(2005, 10, 3)),  # year 05 zero-padded
        (105, datetime.datetime(2005, 1, 3)),
        (5319, None),  # 2019 has no week 53
        (0, None),
        (12345, None),
        (-519, None),
        ("40/21", None),
        ("\u00b9", None),  # superscript one: str.isdigit() is True (found by the fuzzer)
        ("\u0664\u0660\u0662\u0661", None),  # Arabic-Indic 4021: not the API's format
        (True, None),
        (40.21, None),
        (None, None),
    ],
)
def test_manufacturing_week(value: Any, expected: datetime.datetime | None) -> None:
    assert parse_manufacturing_week(value) == expected


def test_bad_tire_values_degrade_single_fields() -> None:
    state = {
        "tireState": {
            "frontLeft": {
                "status": {"currentPressure": "high", "targetPressure": 250},
                "details": {"manufacturingWeek": 5319, "season": 2},
            },
            "rearRight": {"status": None, "details": "x"},
            "frontRight": "garbage",
        }
    }
    tires = Tires.from_vehicle_data(record(state))
    assert tires is not None
    assert tires.front_left is not None
    assert tires.front_left.current_pressure is None
    assert tires.front_left.target_pressure == 250
    assert tires.front_left.manufacturing_week is None
    assert tires.front_left.season == 2
    assert tires.front_right is None
    assert tires.rear_left is None
    assert tires.rear_right is not None
    assert tires.rear_right.current_pressure is None
    assert Tires.from_vehicle_data(record({"tireState": []})) is None


# --- climate -------------------------------------------------------------------------


def test_climate_edge_cases() -> None:
    vent = Climate.from_vehicle_data(
        record({"climateControlState": {"activity": "ventilation", "remainingSeconds": 60}})
    )
    assert vent.activity is ClimateActivityState.VENTILATION
    assert vent.is_climate_on is False
    assert vent.activity_end_time == FETCHED_AT + datetime.timedelta(seconds=60)
    cooling = Climate.from_vehicle_data(
        record({"climateControlState": {"activity": "COOLING", "remainingSeconds": -1}})
    )
    assert cooling.is_climate_on is True
    assert cooling.activity_end_time is None
    odd = Climate.from_vehicle_data(record({"climateControlState": {"activity": "DEFROST"}}))
    assert odd.activity is ClimateActivityState.UNKNOWN
    assert Climate.from_vehicle_data(record({"climateControlState": "HEATING"})) == Climate()
    no_fetch = record({"climateControlState": {"activity": "COOLING", "remainingSeconds": 5}})
    no_fetch["fetched_at"] = "garbage"
    assert Climate.from_vehicle_data(no_fetch).activity_end_time is None


# --- charging profile --------------------------------------------------------------------


def profile_record(profile: Any, crccs: Any = None) -> dict[str, Any]:
    return record({"chargingProfile": profile}, charging_settings=crccs)


def test_no_profile() -> None:
    assert ChargingProfile.from_vehicle_data(record({})) is None
    assert ChargingProfile.from_vehicle_data(profile_record("x")) is None


def test_empty_profile_defaults_and_payload() -> None:
    profile = ChargingProfile.from_vehicle_data(profile_record({}))
    assert profile is not None
    assert profile.timer_type is TimerTypes.UNKNOWN
    assert profile.charging_mode is ChargingMode.UNKNOWN
    assert profile.charging_preferences is ChargingPreferences.UNKNOWN
    assert profile.ac_current_limit is None
    assert profile.ac_available_limits is None
    assert profile.preferred_charging_window.start_time == datetime.time(0, 0)
    assert profile.preferred_charging_window.end_time == datetime.time(0, 0)
    assert profile.format_for_remote_service() == {
        "chargingMode": {
            "chargingPreference": "NO_PRESELECTION",
            "type": "NO_ACTION",
            "startTimeSlot": "0001-01-01T00:00:00.000",
            "endTimeSlot": "0001-01-01T00:00:00.000",
            "timerChange": "NO_CHANGE",
        },
        "departureTimer": {"type": "WEEKLY_DEPARTURE_TIMER", "weeklyTimers": []},
        "isPreconditionForDepartureActive": False,
        "servicePack": None,
    }


def test_rebuilt_payload_maps_state_values() -> None:
    profile = ChargingProfile.from_vehicle_data(
        profile_record(
            {
                "chargingControlType": "TWO_TIMES_TIMER",
                "chargingMode": "DELAYED_CHARGING",
                "chargingPreference": "SOMETHING_NEW",
                "climatisationOn": True,
                "reductionOfChargeCurrent": {
                    "start": {"hour": 22, "minute": 5},
                    "end": {"hour": 6},
                },
                "departureTimes": [
                    {
                        "id": 1,
                        "action": "ACTIVATE",
                        "timeStamp": {"hour": 7, "minute": 0},
                        "timerWeekDays": ["MONDAY", 3],
                    },
                    "garbage",
                ],
                "chargingSettings": {"acCurrentLimit": 32},
            },
            {
                "servicePack": "TCB1",
                "chargingSettingsDetail": {"acLimit": {"values": [6, "x", True, 16]}},
            },
        )
    )
    assert profile is not None
    assert profile.ac_current_limit == 32
    assert profile.ac_available_limits == [6, 16]
    assert profile.preferred_charging_window.end_time == datetime.time(0, 0)
    payload = profile.format_for_remote_service()
    assert payload["chargingMode"] == {
        "chargingPreference": "CHARGING_WINDOW",
        "type": "TIME_SLOT",
        "startTimeSlot": "0001-01-01T22:05:00.000",
        "endTimeSlot": "0001-01-01T00:00:00.000",
        "timerChange": "NO_CHANGE",
    }
    assert payload["departureTimer"] == {
        "type": "TWO_DEPARTURE_TIMER",
        "weeklyTimers": [
            {
                "id": 1,
                "time": "0001-01-01T07:00:00.000",
                "timerAction": "ACTIVATE",
                "daysOfTheWeek": ["MONDAY"],
            }
        ],
    }
    assert payload["isPreconditionForDepartureActive"] is True
    assert payload["servicePack"] == "TCB1"


def test_payload_starts_from_crccs_detail() -> None:
    detail = {
        "chargingMode": {
            "chargingPreference": "CHARGING_WINDOW",
            "type": "TIME_SLOT",
            "startTimeSlot": "0001-01-01T21:15:00",
            "endTimeSlot": "weird",
            "extra": "ignored",
        },
        "departureTimer": {
            "type": "TWO_DEPARTURE_TIMER",
            "weeklyTimers": [
                {
                    "id": 9,
                    "time": "0001-01-01T06:45:00",
                    "timerAction": "ACTIVATE",
                    "daysOfTheWeek": [],
                },
                5,
            ],
        },
        "isPreconditionForDepartureActive": True,
        "somethingElse": 1,
    }
    state_profile = {"chargingMode": "IMMEDIATE_CHARGING", "chargingPreference": "NO_PRESELECTION"}
    profile = ChargingProfile.from_vehicle_data(
        profile_record(
            state_profile, {"chargeAndClimateTimerDetail": detail, "servicePack": "WAVE_01"}
        )
    )
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
        "startTimeSlot": "0001-01-01T21:15:00.000",
        "endTimeSlot": "weird",
        "timerChange": "NO_CHANGE",
    }
    assert payload["departureTimer"] == {
        "type": "TWO_DEPARTURE_TIMER",
        "weeklyTimers": [
            {
                "id": 9,
                "time": "0001-01-01T06:45:00.000",
                "timerAction": "ACTIVATE",
                "daysOfTheWeek": [],
            }
        ],
    }
    assert payload["isPreconditionForDepartureActive"] is True
    assert payload["servicePack"] == "WAVE_01"
    # The stored crccs detail is not modified by building payloads.
    assert profile.charge_and_climate_timer_detail == detail


def test_partial_crccs_detail_is_completed_from_state() -> None:
    detail = {
        "chargingMode": "garbage",
        "departureTimer": {"weeklyTimers": "x"},
        "isPreconditionForDepartureActive": "no",
    }
    profile = ChargingProfile.from_vehicle_data(
        profile_record(
            {"chargingMode": "IMMEDIATE_CHARGING", "climatisationOn": True},
            {"chargeAndClimateTimerDetail": detail},
        )
    )
    assert profile is not None
    payload = profile.format_for_remote_service()
    assert payload["chargingMode"]["type"] == "CHARGING_IMMEDIATELY"
    assert payload["chargingMode"]["chargingPreference"] == "NO_PRESELECTION"
    assert payload["departureTimer"] == {"type": "WEEKLY_DEPARTURE_TIMER", "weeklyTimers": []}
    assert payload["isPreconditionForDepartureActive"] is True


def test_departure_timer_and_window_are_defensive() -> None:
    timer = DepartureTimer(
        {"id": "1", "timeStamp": {"hour": 24, "minute": 0}, "action": 5, "timerWeekDays": "MONDAY"}
    )
    assert timer.timer_id is None
    assert timer.start_time is None
    assert timer.action is None
    assert timer.weekdays == []
    assert "DepartureTimer(" in repr(timer)
    window = ChargingWindow({"start": {"hour": 1, "minute": 2}, "end": "x"})
    assert window.start_time == datetime.time(1, 2)
    assert window.end_time == datetime.time(0, 0)
    assert (
        repr(window)
        == "ChargingWindow(start_time=datetime.time(1, 2), end_time=datetime.time(0, 0))"
    )
    assert format_payload_time(None) == "0001-01-01T00:00:00.000"
    assert DriveTrainType("plugin_hybrid") is DriveTrainType.PLUGIN_HYBRID
