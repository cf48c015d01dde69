"""Property tests: mutated API answers never break a vehicle, every property stays readable.

CI runs ~200 examples per target; ``HYPOTHESIS_PROFILE=nightly`` runs 10000.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import json
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.bmw_mybmw.mybmw.api.regions import Regions
from custom_components.bmw_mybmw.mybmw.models import GPSPosition, ValueWithUnit
from custom_components.bmw_mybmw.mybmw.vehicle.charging_profile import ChargingProfile
from custom_components.bmw_mybmw.mybmw.vehicle.climate import Climate
from custom_components.bmw_mybmw.mybmw.vehicle.doors_windows import DoorsAndWindows
from custom_components.bmw_mybmw.mybmw.vehicle.fuel_and_battery import (
    FuelAndBattery,
)
from custom_components.bmw_mybmw.mybmw.vehicle.location import (
    VehicleLocation,
    gcj02_to_wgs84,
    wgs84_to_gcj02,
)
from custom_components.bmw_mybmw.mybmw.vehicle.reports import (
    CheckControlMessageReport,
    ConditionBasedServiceReport,
    Headunit,
)
from custom_components.bmw_mybmw.mybmw.vehicle.tires import Tires, parse_manufacturing_week
from custom_components.bmw_mybmw.mybmw.vehicle.vehicle import MyBMWVehicle
from simulator import fleet

_SUPPRESSED = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile(
    "ci", max_examples=200, deadline=None, database=None, suppress_health_check=_SUPPRESSED
)
settings.register_profile(
    "nightly", max_examples=10000, deadline=None, database=None, suppress_health_check=_SUPPRESSED
)
_PROFILE_NAME = os.environ.get("HYPOTHESIS_PROFILE", "ci")
try:
    PROFILE = settings.get_profile(_PROFILE_NAME)
except Exception:  # an unknown profile name from the environment
    PROFILE = settings.get_profile("ci")

RESPONSES = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "mybmw-responses"
FETCHED_AT = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.UTC)

Seed = tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any] | None]


def _sample_seeds() -> list[Seed]:
    seeds: list[Seed] = []
    if not RESPONSES.is_dir():
        return seeds
    for folder in sorted(p for p in RESPONSES.iterdir() if p.is_dir()):
        profiles = sorted(folder.glob("*vehicle-data_profile_*.json"))
        if not profiles:
            continue
        states = sorted(folder.glob("*vehicles_state_*.json"))
        crccs = sorted(folder.glob("*crccs_v2_vehicles_*.json"))
        seeds.append(
            (
                json.loads(profiles[0].read_text(encoding="utf-8")),
                json.loads(states[0].read_text(encoding="utf-8")) if states else None,
                json.loads(crccs[0].read_text(encoding="utf-8")) if crccs else None,
            )
        )
    return seeds


def _fleet_seeds() -> list[Seed]:
    """The simulator's generated fleet: always there, so the fuzz tests always run."""
    specs = fleet.build_fleet(8, seed=3) + fleet.default_fleet()
    return [(fleet.profile(s), fleet.state(s), fleet.charging_details(s)) for s in specs]


SEEDS = _sample_seeds() + _fleet_seeds()

# --- mutations ------------------------------------------------------------------------

odd_text = st.sampled_from(
    [
        "",
        " ",
        "null",
        "NaN",
        "CHARGING",
        "charging",
        "\u0000",
        "\u200b",
        "Ω≈ç√",
        "💥🚗",
        "x" * 300,
        "0001-01-01T25:61:00",
    ]
) | st.text(max_size=20)
odd_numbers = (
    st.sampled_from(
        [
            0,
            -1,
            -(2**63),
            2**63,
            10**30,
            1e308,
            -1e308,
            float("inf"),
            float("-inf"),
            float("nan"),
            0.5,
            1219,
            4005,
            519,
        ]
    )
    | st.integers()
    | st.floats()
)
scalars = st.none() | st.booleans() | odd_numbers | odd_text
wrong_values = (
    scalars | st.lists(scalars, max_size=3) | st.dictionaries(odd_text, scalars, max_size=3)
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key/index path inside a JSON document."""
    result: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            result.append((*prefix, key))
            result.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            result.append((*prefix, index))
            result.extend(_paths(value, (*prefix, index)))
    return result


def _mutate(document: Any, data: st.DataObject, max_mutations: int = 8) -> Any:
    """Delete keys, null or retype values, truncate lists at random paths."""
    document = copy.deepcopy(document)
    for _ in range(data.draw(st.integers(1, max_mutations), label="mutations")):
        paths = _paths(document)
        if not paths:
            break
        path = data.draw(st.sampled_from(paths), label="path")
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        operation = data.draw(st.sampled_from(["delete", "null", "retype", "truncate"]), label="op")
        if operation == "delete":
            del parent[key]
        elif operation == "null":
            parent[key] = None
        elif operation == "truncate" and isinstance(parent[key], list):
            parent[key] = parent[key][: data.draw(st.integers(0, len(parent[key])))]
        else:
            parent[key] = data.draw(wrong_values, label="value")
    return document


# --- reading everything -------------------------------------------------------------

_SKIP = {"remote_services", "account", "get_vehicle_image", "update_state", "combine_data"}


_NAIVE_BY_DESIGN = {"manufacturing_week", "charging_start_time_no_tz"}
"""A calendar week and a wall-clock time: naive, as in the reference library."""


def _read_all(obj: Any, depth: int = 0, name: str = "") -> None:
    """Read every public attribute/property recursively (this is the assertion)."""
    if depth > 4 or obj is None or isinstance(obj, str | int | float | bool | bytes):
        return
    if isinstance(obj, list | tuple):
        for item in obj:
            _read_all(item, depth + 1)
        return
    if isinstance(obj, datetime.datetime):
        assert obj.tzinfo is not None or name in _NAIVE_BY_DESIGN, f"naive datetime {name}"
        return
    if isinstance(obj, dict | datetime.date | datetime.time | GPSPosition):
        return
    for name in dir(obj):
        if name.startswith("_") or name in _SKIP:
            continue
        value = getattr(obj, name)
        if callable(value) and not dataclasses.is_dataclass(value):
            continue
        _read_all(value, depth + 1, name)


def _check_vehicle(vehicle: MyBMWVehicle) -> None:
    _read_all(vehicle)
    fuel = vehicle.fuel_and_battery
    for value in (fuel.remaining_range_fuel, fuel.remaining_range_total, fuel.remaining_fuel):
        assert isinstance(value, ValueWithUnit)
    if fuel.charging_end_time is not None:
        assert fuel.charging_end_time.tzinfo is not None
    assert isinstance(vehicle.mileage, ValueWithUnit)
    if vehicle.charging_profile is not None:
        payload = vehicle.charging_profile.format_for_remote_service()
        assert set(payload) == {
            "chargingMode",
            "departureTimer",
            "isPreconditionForDepartureActive",
            "servicePack",
        }
        json.dumps(payload)
    for lid in vehicle.doors_and_windows.lids + vehicle.doors_and_windows.windows:
        assert isinstance(lid.name, str)


def _account(region: Regions) -> Any:
    return SimpleNamespace(region=region, config=None, timezone=datetime.UTC)


# --- targets -----------------------------------------------------------------------------


@PROFILE
@given(data=st.data(), region=st.sampled_from(list(Regions)))
def test_mutated_answers_never_break_a_vehicle(data: st.DataObject, region: Regions) -> None:
    profile, state, crccs = data.draw(st.sampled_from(SEEDS), label="seed")
    part = data.draw(st.sampled_from(["profile", "state", "crccs", "all"]), label="part")
    if part in ("profile", "all"):
        profile = _mutate(profile, data)
    if part in ("state", "all") and state is not None:
        state = _mutate(state, data)
    if part in ("crccs", "all") and crccs is not None:
        crccs = _mutate(crccs, data)
    vehicle = MyBMWVehicle(_account(region), profile, state, crccs, FETCHED_AT)
    _check_vehicle(vehicle)
    vehicle.update_state(profile, state, crccs, FETCHED_AT)
    _check_vehicle(vehicle)


SUB_MODELS: list[Any] = [
    FuelAndBattery,
    DoorsAndWindows,
    VehicleLocation,
    ConditionBasedServiceReport,
    CheckControlMessageReport,
    Headunit,
    Tires,
    Climate,
    ChargingProfile,
]


@PROFILE
@given(data=st.data())
def test_sub_models_survive_a_mutated_merged_record(data: st.DataObject) -> None:
    """The record is the seam for a second backend: each parser must cope on its own."""
    profile, state, crccs = data.draw(st.sampled_from(SEEDS), label="seed")
    record = MyBMWVehicle.combine_data(_account(Regions.CHINA), profile, state, crccs, FETCHED_AT)
    record = _mutate(record, data, max_mutations=12)
    for model in SUB_MODELS:
        _read_all(model.from_vehicle_data(record))


@PROFILE
@given(
    response=st.dictionaries(odd_text, wrong_values, max_size=4)
    | st.fixed_dictionaries(
        {
            "positionData": st.fixed_dictionaries(
                {
                    "position": st.dictionaries(
                        st.sampled_from(["latitude", "longitude", "heading", "timestamp"]), scalars
                    )
                }
            )
            | wrong_values,
            "errorDetails": st.none() | wrong_values,
        }
    ),
    region=st.sampled_from(list(Regions)),
)
def test_finder_positions_never_raise(response: dict[str, Any], region: Regions) -> None:
    location = VehicleLocation(
        location=GPSPosition(1.0, 2.0),
        vehicle_update_timestamp=FETCHED_AT,
        account_region=region,
    )
    location.set_remote_service_position(response)
    _read_all(location)
    if location.remote_service_position is not None:
        location.set_remote_service_position(location.remote_service_position)


@PROFILE
@given(value=wrong_values)
def test_manufacturing_week_never_raises(value: Any) -> None:
    week = parse_manufacturing_week(value)
    assert week is None or isinstance(week, datetime.date)


@PROFILE
@given(
    latitude=st.floats(min_value=0.9, max_value=55.8),
    longitude=st.floats(min_value=72.1, max_value=137.8),
)
def test_gcj02_inverse_round_trip(latitude: float, longitude: float) -> None:
    wgs = gcj02_to_wgs84(latitude, longitude)
    forward = wgs84_to_gcj02(*wgs)
    assert forward[0] == pytest.approx(latitude, abs=1e-6)
    assert forward[1] == pytest.approx(longitude, abs=1e-6)
