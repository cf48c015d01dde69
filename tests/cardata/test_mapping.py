"""Descriptors -> MyBMW-shaped record -> the same vehicle models the MyBMW client fills."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json
import re
from typing import Any

import pytest

from custom_components.bmw_mybmw.cardata import descriptors as d
from custom_components.bmw_mybmw.cardata.api import CarDataClient
from custom_components.bmw_mybmw.cardata.exceptions import CarDataReadOnlyError
from custom_components.bmw_mybmw.cardata.mapping import (
    CarDataAccountInfo,
    CarDataVehicleState,
    create_vehicle,
    parse_service_date,
    update_vehicle,
)
from custom_components.bmw_mybmw.cardata.models import DescriptorValue
from custom_components.bmw_mybmw.cardata.stream import parse_message
from custom_components.bmw_mybmw.mybmw.api.regions import Regions
from custom_components.bmw_mybmw.mybmw.vehicle.climate import ClimateActivityState
from custom_components.bmw_mybmw.mybmw.vehicle.doors_windows import LidState, LockState
from custom_components.bmw_mybmw.mybmw.vehicle.fuel_and_battery import ChargingState
from custom_components.bmw_mybmw.mybmw.vehicle.reports import ConditionBasedServiceStatus
from custom_components.bmw_mybmw.mybmw.vehicle.vehicle import MyBMWVehicle, VehicleViewDirection
from simulator import fleet
from simulator.cardata import CarDataCloud, basic_data, descriptors_for

from .conftest import reference

NOW = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
VIN = "WBA00000000000001"


def reading(value: Any, unit: str | None = None, at: datetime = NOW) -> DescriptorValue:
    return DescriptorValue(value, unit, at)


def state_with(values: dict[str, Any], basic: dict[str, Any] | None = None) -> CarDataVehicleState:
    state = CarDataVehicleState(
        VIN, basic_data=basic if basic is not None else {"driveTrain": "BEV"}
    )
    state.update(
        {name: v if isinstance(v, DescriptorValue) else reading(v) for name, v in values.items()}
    )
    return state


# --- catalogue ---------------------------------------------------------------------


def test_every_streamable_descriptor_is_mapped_or_ignored() -> None:
    catalogue = reference("telematics-catalogue.json")
    names = {entry["technical_identifier"] for entry in catalogue}
    streamable = {e["technical_identifier"] for e in catalogue if e["streaming_capable"]}
    assert len(streamable) == 245
    uncovered = sorted(n for n in streamable if not (d.is_mapped(n) or d.is_ignored(n)))
    assert uncovered == []
    assert names >= d.MAPPED
    assert names >= d.IGNORED
    assert not d.MAPPED & d.IGNORED


def _sample_value(entry: dict[str, Any]) -> Any:
    """A value of the catalogue's type, taken from its documented range."""
    kind, span = entry["data_type"], entry["typical_value_range"]
    numbers = [float(n.replace(",", ".")) for n in re.findall(r"-?\d+(?:[.,]\d+)?", str(span))]
    if isinstance(span, list) and kind in ("string", "boolean", ""):
        return span[0]
    if kind in ("float", "double"):
        return (numbers[0] + numbers[1]) / 2 if len(numbers) > 1 else 1.5
    if kind.startswith(("uint", "int")):
        return int(numbers[-1]) if numbers else 1
    return "value"


def test_messages_of_every_catalogue_type_parse_and_map() -> None:
    catalogue = reference("telematics-catalogue.json")
    streamable = [e for e in catalogue if e["streaming_capable"]]
    data = {
        e["technical_identifier"]: {
            "value": _sample_value(e),
            "unit": e["unit"] or None,
            "timestamp": "2025-06-02T08:00:00Z",
        }
        for e in streamable
    }
    payload = json.dumps({"vin": VIN, "timestamp": "2025-06-02T08:00:01Z", "data": data})
    message = parse_message(payload.encode())
    assert set(message.values) == set(data)
    for name, entry in data.items():
        assert message.values[name].value == entry["value"]
        assert type(message.values[name].value) is type(entry["value"])
    state = CarDataVehicleState(VIN)
    assert state.apply_message(message) == set(data)
    vehicle = create_vehicle(state, now=NOW)
    assert vehicle.vin == VIN
    assert vehicle.mileage.value is not None
    assert vehicle.vehicle_location.location is not None
    assert set(state.extra_values) == {n for n in data if not d.is_mapped(n)}


def test_reference_stream_message_lands_in_extra_values() -> None:
    sample = reference("stream-message-example.json")
    message = parse_message(json.dumps(sample["payload"]).encode())
    state = CarDataVehicleState(message.vin)
    state.apply_message(message)
    name = "vehicle.powertrain.electric.battery.charging.preferenceSmartCharging"
    assert state.extra_values[name].value == "PRICE_OPTIMIZED"
    vehicle = create_vehicle(state, now=NOW)
    assert vehicle.fuel_and_battery.remaining_battery_percent is None


# --- the same models as MyBMW ----------------------------------------------------------

SPECS = [*fleet.default_fleet(), fleet.range_extender_bmw(), fleet.non_lsc_bmw()]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.brand}-{s.drivetrain}-{s.body_type}")
def test_fleet_vehicle_matches_mybmw_models(spec: fleet.VehicleSpec) -> None:
    account = CarDataAccountInfo()
    mybmw = MyBMWVehicle(account, fleet.profile(spec), fleet.state(spec), None, NOW)  # type: ignore[arg-type]
    state = CarDataVehicleState(spec.vin, basic_data=basic_data(spec))
    state.update({n: reading(v, u) for n, (v, u) in descriptors_for(spec).items()})
    cardata = create_vehicle(state, account=account, now=NOW)

    assert cardata.vin == mybmw.vin
    assert cardata.name == mybmw.name
    assert cardata.brand == mybmw.brand
    assert cardata.drive_train == mybmw.drive_train
    ours, theirs = cardata.fuel_and_battery, mybmw.fuel_and_battery
    for field in (
        "remaining_battery_percent",
        "remaining_range_electric",
        "remaining_range_total",
        "remaining_range_fuel",
        "remaining_fuel",
        "remaining_fuel_percent",
        "is_charger_connected",
        "charging_target",
    ):
        assert getattr(ours, field) == getattr(theirs, field), field
    # CarData has no PLUGGED_IN; its INVALID hvStatus means "no value": not charging when
    # unplugged, unknown while a plug is in.
    if spec.charging_status not in ("PLUGGED_IN", "INVALID"):
        assert ours.charging_status == theirs.charging_status
    elif spec.charging_status == "INVALID":
        electric = theirs.charging_status is not None
        unplugged = ChargingState.NOT_CHARGING if electric and not spec.charger_connected else None
        assert ours.charging_status is unplugged
    if not spec.lsc:
        return
    assert cardata.mileage == mybmw.mileage
    assert cardata.doors_and_windows.door_lock_state in (
        LockState.SECURED if spec.locked else LockState.UNLOCKED,
    )
    assert cardata.doors_and_windows.all_lids_closed == mybmw.doors_and_windows.all_lids_closed
    assert (
        cardata.doors_and_windows.all_windows_closed == mybmw.doors_and_windows.all_windows_closed
    )
    assert cardata.vehicle_location.location == mybmw.vehicle_location.location
    assert cardata.vehicle_location.heading == mybmw.vehicle_location.heading
    assert cardata.climate.activity == mybmw.climate.activity
    assert cardata.tires is not None
    assert mybmw.tires is not None
    for wheel in ("front_left", "front_right", "rear_left", "rear_right"):
        ours_tire, theirs_tire = getattr(cardata.tires, wheel), getattr(mybmw.tires, wheel)
        assert ours_tire.current_pressure == theirs_tire.current_pressure
        assert ours_tire.target_pressure == theirs_tire.target_pressure
    assert [lid.name for lid in cardata.doors_and_windows.lids if lid.name == "sunRoof"] == (
        ["sunRoof"] if spec.sunroof else []
    )


async def test_rest_readings_fill_the_models(api: CarDataClient, cloud: CarDataCloud) -> None:
    vin = next(iter(cloud.specs))
    state = CarDataVehicleState(vin, basic_data=await api.get_basic_data(vin))
    state.update(await api.get_telematic_data(vin))
    vehicle = create_vehicle(state, now=cloud.now)
    assert vehicle.fuel_and_battery.remaining_battery_percent == 80
    assert vehicle.fuel_and_battery.remaining_range_total.value == 472
    assert vehicle.doors_and_windows.door_lock_state is LockState.SECURED
    assert vehicle.vehicle_location.location is not None
    assert vehicle.vehicle_location.location.latitude == pytest.approx(48.177334)
    assert vehicle.charging_profile is not None
    assert vehicle.charging_profile.ac_current_limit == 16
    assert vehicle.timestamp == cloud.now
    assert api.budget.used == 4  # basicData, container list + create, telematicData


def test_read_only_vehicle() -> None:
    state = state_with({d.CLIMATE_ACTIVITY: "heating"})
    vehicle = create_vehicle(state, now=NOW)
    assert vehicle.climate.activity is ClimateActivityState.HEATING
    assert not vehicle.is_remote_climate_stop_enabled  # MyBMW's rule would say yes here
    assert not any(
        getattr(vehicle, flag)
        for flag in dir(vehicle)
        if flag.startswith("is_remote_") or flag.startswith("is_charging_")
    )
    with pytest.raises(CarDataReadOnlyError):
        _ = vehicle.remote_services
    assert VIN not in repr(vehicle)
    assert VIN not in repr(state)
    state.update({d.MILEAGE: reading(1200.4, "km", NOW + timedelta(minutes=1))})
    update_vehicle(vehicle, state, now=NOW)
    assert vehicle.mileage.value == 1200


async def test_image_comes_from_the_rest_client() -> None:
    vehicle = create_vehicle(state_with({}), now=NOW)
    with pytest.raises(CarDataReadOnlyError):
        await vehicle.get_vehicle_image(VehicleViewDirection.FRONT)


# --- accumulation -------------------------------------------------------------------------


def test_latitude_and_longitude_pair_by_timestamp() -> None:
    state = CarDataVehicleState(VIN)
    state.update({d.LATITUDE: reading(48.1, "degrees")})
    assert state.position is None  # half a position is no position
    state.update({d.LONGITUDE: reading(11.5, None, NOW + timedelta(seconds=2))})
    assert state.position == (48.1, 11.5)
    later = NOW + timedelta(minutes=5)
    state.update({d.LATITUDE: reading(48.2, None, later)})
    assert state.position == (48.1, 11.5)  # the new latitude waits for its longitude
    assert state.values[d.LATITUDE].unit == "degrees"  # unit kept from the last message
    state.update({d.LONGITUDE: reading(11.6, None, later)})
    assert state.position == (48.2, 11.6)
    assert state.position_timestamp == later
    state.update({d.HEADING: reading(271.6, "degrees", later)})
    vehicle = create_vehicle(state, now=later)
    assert vehicle.vehicle_location.location is not None
    assert (vehicle.vehicle_location.location.latitude, vehicle.vehicle_location.heading) == (
        48.2,
        272,
    )


def test_position_pairs_without_timestamps_and_ignores_garbage() -> None:
    state = CarDataVehicleState(VIN)
    state.update({d.LATITUDE: DescriptorValue("-NA-"), d.LONGITUDE: DescriptorValue(11.0)})
    assert state.position is None
    state.update({d.LATITUDE: DescriptorValue(48.0)})
    assert state.position == (48.0, 11.0)
    assert state.position_timestamp is None


def test_older_readings_are_dropped_and_changes_reported() -> None:
    state = CarDataVehicleState(VIN)
    assert state.update({d.MILEAGE: reading(100, "km")}) == {d.MILEAGE}
    assert state.update({d.MILEAGE: reading(90, None, NOW - timedelta(hours=1))}) == set()
    assert state.update({d.MILEAGE: reading(100, None)}) == set()  # same value, unit kept
    assert state.get(d.MILEAGE) == 100
    assert state.values[d.MILEAGE].unit == "km"
    assert state.get("never.seen") is None
    assert state.updated_at == NOW


# --- single descriptors -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SECURED", LockState.SECURED),
        ("ASN_locked", LockState.LOCKED),
        ("ASN_selective-Locked", LockState.SELECTIVE_LOCKED),
        ("UNLOCKED", LockState.UNLOCKED),
        ("ASN_unknown", LockState.UNKNOWN),
    ],
)
def test_lock_state(raw: str, expected: LockState) -> None:
    vehicle = create_vehicle(state_with({d.DOOR_LOCK: raw}), now=NOW)
    assert vehicle.doors_and_windows.door_lock_state is expected


def test_doors_windows_roof_mixed_values_and_right_hand_drive() -> None:
    values = {
        d.DOOR_ROW1_DRIVER: True,
        d.DOOR_ROW1_PASSENGER: "CLOSED",
        d.DOOR_ROW2_DRIVER: False,
        d.DOOR_ROW2_PASSENGER: "INVALID",
        d.HOOD: "OPEN",
        d.TRUNK: "false",
        d.WINDOW_ROW1_DRIVER: "INTERMEDIATE",
        d.WINDOW_ROW1_PASSENGER: "CLOSED",
        d.REAR_WINDOW: "CLOSED",
        d.SUNROOF_OVERALL: "INTERMEDIATE_TILT",
    }
    lhd = create_vehicle(state_with(values, {"steering": "LL"}), now=NOW).doors_and_windows
    lids = {lid.name: lid.state for lid in lhd.lids}
    assert lids == {
        "leftFront": LidState.OPEN,
        "rightFront": LidState.CLOSED,
        "leftRear": LidState.CLOSED,
        "hood": LidState.OPEN,
        "trunk": LidState.CLOSED,
        "sunRoof": LidState.OPEN_TILT,
    }
    windows = {w.name: w.state for w in lhd.windows}
    assert windows == {
        "leftFront": LidState.INTERMEDIATE,
        "rightFront": LidState.CLOSED,
        "rear": LidState.CLOSED,
    }
    rhd = create_vehicle(state_with(values, {"steering": "RL"}), now=NOW).doors_and_windows
    rhd_lids = {lid.name: lid.state for lid in rhd.lids}
    assert rhd_lids["rightFront"] is LidState.OPEN
    assert rhd_lids["leftFront"] is LidState.CLOSED
    no_roof = state_with(values, {"hasSunRoof": False})
    assert "sunRoof" not in {
        lid.name for lid in create_vehicle(no_roof, now=NOW).doors_and_windows.lids
    }


def test_charging_status_newest_descriptor_and_end_time() -> None:
    values = {
        d.HV_STATUS: reading("NOT_CHARGING", at=NOW - timedelta(minutes=10)),
        d.CHARGING_STATUS: reading("CHARGINGACTIVE", at=NOW - timedelta(minutes=2)),
        d.CHARGING_TIME_REMAINING: reading(62, "min", NOW - timedelta(minutes=2)),
        d.PLUG_STATUS: "INVALID",
        d.PLUG_DC_STATUS: "CONNECTED",
        d.BATTERY_DISPLAYED: 55.6,
    }
    fuel = create_vehicle(state_with(values), now=NOW).fuel_and_battery
    assert fuel.charging_status is ChargingState.CHARGING
    assert fuel.charging_end_time == NOW + timedelta(minutes=60)
    assert fuel.is_charger_connected is True
    assert fuel.remaining_battery_percent == 56
    values[d.HV_STATUS] = reading("FINISHED_FULLY_CHARGED", at=NOW)
    assert create_vehicle(state_with(values), now=NOW).fuel_and_battery.charging_status is (
        ChargingState.FINISHED_FULLY_CHARGED
    )
    values[d.HV_STATUS] = reading("MANUAL_SELECTION", at=NOW)  # not a charging state
    values[d.CHARGING_STATUS] = reading("AUTOMATIC_SELECTION", at=NOW)
    assert create_vehicle(state_with(values), now=NOW).fuel_and_battery.charging_status is None


def test_charging_end_time_stays_while_the_car_says_the_same() -> None:
    """Whole minutes re-sent every 10 s give the same end time, not a new state per message."""
    state = state_with(
        {
            d.HV_STATUS: "CHARGING",
            d.CHARGING_TIME_REMAINING: reading(78, "min"),
        }
    )
    vehicle = create_vehicle(state, now=NOW)
    first = vehicle.fuel_and_battery.charging_end_time
    assert first == NOW + timedelta(minutes=78)
    seen = set()
    for step in range(1, 13):  # two minutes of messages: 78, 78, ... 77, ... 76 minutes left
        at = NOW + timedelta(seconds=10 * step)
        minutes = 78 - (10 * step + 20) // 60
        state.update({d.CHARGING_TIME_REMAINING: reading(minutes, "min", at)})
        update_vehicle(vehicle, state, now=at + timedelta(seconds=1))
        seen.add(vehicle.fuel_and_battery.charging_end_time)
    assert seen == {first}
    # An estimate a minute or two off (the grid voltage wanders) is the same end.
    state.update({d.CHARGING_TIME_REMAINING: reading(78, "min", NOW + timedelta(seconds=100))})
    update_vehicle(vehicle, state, now=NOW + timedelta(seconds=100))
    assert vehicle.fuel_and_battery.charging_end_time == first
    # A new estimate (the car charges slower) moves the end time; no value, no end time.
    later = NOW + timedelta(minutes=3)
    state.update({d.CHARGING_TIME_REMAINING: reading(90, "min", later)})
    update_vehicle(vehicle, state, now=later)
    assert vehicle.fuel_and_battery.charging_end_time == later + timedelta(minutes=90)
    state.values.pop(d.CHARGING_TIME_REMAINING)
    update_vehicle(vehicle, state, now=later)
    assert vehicle.fuel_and_battery.charging_end_time is None


@pytest.mark.parametrize(
    ("plug", "expected"),
    [("DISCONNECTED", ChargingState.NOT_CHARGING), ("CONNECTED", None), ("INVALID", None)],
)
def test_invalid_hv_status(plug: str, expected: ChargingState | None) -> None:
    """hvStatus INVALID ("no value") reads as not charging only when no plug is in."""
    values = {d.HV_STATUS: reading("INVALID", at=NOW), d.PLUG_STATUS: plug}
    fuel = create_vehicle(state_with(values), now=NOW).fuel_and_battery
    assert fuel.charging_status is expected


@pytest.mark.parametrize(
    ("drive_train", "fuel_range", "total"),
    [("PHEV", 436, 476), ("REX", 105, 279), ("ICE", 476, 476), ("MHEV", 476, 476)],
)
def test_fuel_range_per_drive_train(drive_train: str, fuel_range: int, total: int) -> None:
    electric = {"PHEV": 40, "REX": 174}.get(drive_train)
    values: dict[str, Any] = {
        d.TOTAL_RANGE: 476 if drive_train != "REX" else 279,
        d.FUEL_LITERS: 40,
        d.FUEL_PERCENT: "80",
    }
    if electric is not None:
        values[d.ELECTRIC_RANGE] = electric
        values[d.BATTERY_HEADER] = 50
    fuel = create_vehicle(
        state_with(values, {"propulsionType": drive_train}), now=NOW
    ).fuel_and_battery
    assert fuel.remaining_range_fuel.value == fuel_range
    assert fuel.remaining_range_total.value == total
    assert fuel.remaining_fuel.value == 40
    assert fuel.remaining_fuel_percent == 80


def test_drive_train_inferred_without_basic_data() -> None:
    assert state_with({d.BATTERY_HEADER: 50}, {}).drive_train == "ELECTRIC"
    assert state_with({d.BATTERY_HEADER: 50, d.FUEL_LITERS: 4}, {}).drive_train == "PLUGIN_HYBRID"
    assert state_with({d.FUEL_PERCENT: 50}, {"driveTrain": "???"}).drive_train == "COMBUSTION"
    assert state_with({}, {"hvsMaxEnergyAbsolute": "80.1"}).drive_train == "ELECTRIC"
    assert state_with({}, {}).drive_train == "UNKNOWN"
    assert (
        create_vehicle(
            state_with({d.TOTAL_RANGE: 100}, {}), now=NOW
        ).fuel_and_battery.remaining_range_total.value
        is None
    )


def test_profile_attributes() -> None:
    basic = {
        "brand": "BMWi",
        "modelName": "i3 (+ REX)",
        "bodyType": "I01",
        "headUnit": "NBT",
        "constructionDate": "2015-03-01",
        "driveTrain": "BEV_REX",
    }
    vehicle = create_vehicle(
        state_with({}, basic), account=CarDataAccountInfo(Regions.REST_OF_WORLD), now=NOW
    )
    assert vehicle.brand.value == "bmw"
    assert vehicle.name == "i3 (+ REX)"
    assert vehicle.attributes["year"] == 2015
    assert vehicle.attributes["headUnitType"] == "NBT"
    assert vehicle.drive_train.value == "ELECTRIC_WITH_RANGE_EXTENDER"
    mini = create_vehicle(state_with({}, {"brand": "MINI", "series": "F56"}), now=NOW)
    assert mini.brand.value == "mini"
    assert mini.name == "F56"


def test_climate_descriptors() -> None:
    values = {
        d.CLIMATE_ACTIVITY: reading("cooling", at=NOW - timedelta(minutes=1)),
        d.CLIMATE_REMAINING: reading(10, "min", NOW - timedelta(minutes=1)),
    }
    climate = create_vehicle(state_with(values), now=NOW).climate
    assert climate.activity is ClimateActivityState.COOLING
    assert climate.is_climate_on
    assert climate.activity_end_time == NOW + timedelta(minutes=9)
    fallback = {
        d.COMFORT_STATE: reading("COMFORT_HEATING"),
        d.COMFORT_REMAINING: reading(600, "s"),
    }
    climate = create_vehicle(state_with(fallback), now=NOW).climate
    assert climate.activity is ClimateActivityState.HEATING
    assert climate.activity_end_time == NOW + timedelta(seconds=600)
    idle = create_vehicle(
        state_with({d.CLIMATE_ACTIVITY: "standby", d.CLIMATE_REMAINING: 5}), now=NOW
    )
    assert idle.climate.activity is ClimateActivityState.STANDBY
    assert idle.climate.activity_end_time is None
    unknown = create_vehicle(state_with({d.COMFORT_STATE: "???"}), now=NOW).climate.activity
    assert unknown is ClimateActivityState.UNKNOWN


@pytest.mark.parametrize(
    ("distance", "warning", "status"),
    [(12000, 2000, "OK"), (1500, 2000, "PENDING"), (0, 2000, "OVERDUE"), (1500, None, "OK")],
)
def test_service_distance(distance: int, warning: int | None, status: str) -> None:
    values: dict[str, Any] = {d.SERVICE_DISTANCE: distance}
    if warning is not None:
        values[d.SERVICE_DISTANCE_YELLOW] = warning
    report = create_vehicle(state_with(values), now=NOW).condition_based_services
    assert [(m.service_type, m.state.value) for m in report.messages] == [("VEHICLE_CHECK", status)]


@pytest.mark.parametrize(
    ("text", "months", "status"),
    [
        ("30.09.2027 23:00 UTC", None, ConditionBasedServiceStatus.OK),
        ("06/20/2025 23:00 UTC", None, ConditionBasedServiceStatus.PENDING),
        ("20.08.2025", 3, ConditionBasedServiceStatus.PENDING),
        ("2025-01-01T00:00:00Z", None, ConditionBasedServiceStatus.OVERDUE),
    ],
)
def test_inspection_date(
    text: str, months: int | None, status: ConditionBasedServiceStatus
) -> None:
    values: dict[str, Any] = {d.INSPECTION_DATE: text}
    if months is not None:
        values[d.INSPECTION_YELLOW] = months
    report = create_vehicle(state_with(values), now=NOW).condition_based_services
    assert report.messages[0].state is status
    assert report.messages[0].due_date == parse_service_date(text)
    assert report.is_service_required is (status is not ConditionBasedServiceStatus.OK)


def test_service_date_formats() -> None:
    assert parse_service_date("30.09.2018 23:00 UTC") == datetime(2018, 9, 30, 23, tzinfo=UTC)
    assert parse_service_date("09/30/2018 23:00 UTC") == datetime(2018, 9, 30, 23, tzinfo=UTC)
    assert parse_service_date("soon") is None
    assert parse_service_date(5) is None


def test_tyre_pressure_units() -> None:
    stem = d.TIRE_WHEELS["frontLeft"]
    values = {
        f"{stem}.pressure": reading(2.41, "bar"),
        f"{stem}.pressureTarget": reading(39, "psi"),
        f"{d.TIRE_WHEELS['rearLeft']}.pressure": reading(240, "furlongs"),
    }
    tires = create_vehicle(state_with(values), now=NOW).tires
    assert tires is not None
    assert tires.front_left is not None
    assert (tires.front_left.current_pressure, tires.front_left.target_pressure) == (241, 269)
    assert tires.rear_left is None


def test_charging_profile_from_descriptors() -> None:
    values = {
        d.CHARGING_PREFERENCE: "CHARGING_WINDOW",
        d.CHARGING_CLIMATISATION: "true",
        d.AC_LIMIT_SELECTED: "16",
        d.CHARGING_TARGET: 80,
    }
    profile = create_vehicle(state_with(values), now=NOW).charging_profile
    assert profile is not None
    assert profile.charging_preferences.value == "CHARGING_WINDOW"
    assert profile.is_pre_entry_climatization_enabled is True
    assert profile.ac_current_limit == 16
    assert create_vehicle(state_with({}), now=NOW).charging_profile is None


def test_readers() -> None:
    assert d.normalise_rest_value("true") is True
    assert d.normalise_rest_value("12") == 12
    assert d.normalise_rest_value("12,5") == 12.5
    assert d.normalise_rest_value("1,2,3") == "1,2,3"
    assert d.normalise_rest_value("nan") == "nan"
    assert d.normalise_rest_value("CLOSED") == "CLOSED"
    assert d.normalise_rest_value(5) == 5
    assert d.as_number(True) is None
    assert d.as_number("x") is None
    assert d.as_number([]) is None
    assert d.as_number(float("inf")) is None
    assert d.as_int("2.6") == 3
    assert d.as_bool("ASN_isTrue") is True
    assert d.as_bool("off") is False
    assert d.as_bool("x") is None
    assert d.as_bool(None) is None
    assert d.as_token(True) is None
    assert d.as_open_state("open") == "OPEN"
    assert d.as_open_state("INTERMEDIATE") == "INTERMEDIATE"
    assert d.as_open_state("-NA-") is None
    assert d.as_open_state("TRUE") == "OPEN"
    assert d.is_ignored("vehicle.trip.segment.end.time")
    assert not d.is_ignored(d.LATITUDE)
