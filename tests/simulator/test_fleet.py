"""The fleet generator renders the wire shapes of the recorded samples."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from simulator import fleet
from simulator.fleet import VehicleSpec
from tests.simulator.conftest import needs_samples, sample


def structure(value: Any) -> Any:
    """Key structure of a document: dict keys recursively, list -> first element, leaf -> None."""
    if isinstance(value, dict):
        return {k: structure(v) for k, v in value.items()}
    if isinstance(value, list):
        return [structure(value[0])] if value else []
    return None


def missing_keys(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Paths present in ``expected`` (a sample) that ``actual`` lacks."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [path or "/"]
        out = []
        for key, sub in expected.items():
            if key not in actual:
                out.append(f"{path}/{key}")
            else:
                out += missing_keys(sub, actual[key], f"{path}/{key}")
        return out
    if isinstance(expected, list) and expected:
        if not isinstance(actual, list) or not actual:
            return [f"{path}[]"]
        return missing_keys(expected[0], actual[0], f"{path}[0]")
    return []


def test_make_vin_is_valid_and_deterministic() -> None:
    vins = {fleet.make_vin(i, b) for i in range(50) for b in fleet.BRANDS}
    assert len(vins) == 150
    for vin in vins:
        assert len(vin) == 17
        assert set(vin) <= set(fleet.VIN_ALPHABET)
    assert fleet.make_vin(7, "bmw") == fleet.make_vin(7, "bmw") == "WBA0FLEET00000007"
    assert fleet.make_vin(1, "mini").startswith("WMW")
    assert fleet.make_vin(1, "toyota").startswith("WZ1")
    with pytest.raises(ValueError, match="too large"):
        fleet.make_vin(10**9)


def test_default_fleet_composition() -> None:
    specs = fleet.default_fleet()
    kinds = {(s.brand, s.drivetrain) for s in specs}
    assert kinds == {
        ("bmw", fleet.ELECTRIC),
        ("bmw", fleet.PLUGIN_HYBRID),
        ("bmw", fleet.COMBUSTION),
        ("mini", fleet.ELECTRIC),
    }
    assert len({s.vin for s in specs}) == 4


def test_build_fleet_mixes_and_is_reproducible() -> None:
    specs = fleet.build_fleet(40, seed=5)
    assert len({s.vin for s in specs}) == 40
    assert {s.brand for s in specs} == {"bmw", "mini", "toyota"}
    assert {s.drivetrain for s in specs} == set(fleet.DRIVETRAINS)
    again = fleet.build_fleet(40, seed=5)
    assert [fleet.state(s) for s in specs] == [fleet.state(s) for s in again]
    other = fleet.build_fleet(40, seed=6)
    assert [s.mileage for s in specs] != [s.mileage for s in other]
    toyota = next(s for s in specs if s.brand == "toyota")
    assert fleet.profile(toyota)["brand"] == "DRITTKUNDE"


def test_state_contents_follow_spec() -> None:
    spec = VehicleSpec(
        vin=fleet.make_vin(9),
        locked=False,
        charging_status="CHARGING",
        charger_connected=True,
        battery_percent=40,
        charging_target=80,
        climate_activity="HEATING",
        climate_remaining_seconds=600.0,
        doors_closed=False,
        windows_closed=False,
        sunroof=True,
    )
    st = fleet.state(spec)["state"]
    assert st["doorsState"]["combinedSecurityState"] == "UNLOCKED"
    assert st["doorsState"]["combinedState"] == "OPEN"
    assert st["windowsState"]["combinedState"] == "OPEN"
    assert st["roofState"] == {"roofState": "CLOSED", "roofStateType": "SUN_ROOF"}
    ecs = st["electricChargingState"]
    assert ecs["chargingStatus"] == "CHARGING"
    assert ecs["remainingChargingMinutes"] == 120  # 40 % at 20 %/h
    assert st["climateControlState"] == {"activity": "HEATING", "remainingSeconds": 600.0}
    assert st["tireState"]["rearRight"]["details"]["manufacturingWeek"] == 512
    assert st["location"]["address"]["formatted"]
    assert st["combustionFuelLevel"] == {}


def test_plugin_hybrid_fuel_range_includes_battery() -> None:
    spec = fleet.plugin_hybrid_bmw()
    st = fleet.state(spec)["state"]
    assert st["combustionFuelLevel"]["range"] == spec.fuel_range_km + spec.electric_range_km
    assert fleet.capabilities(spec)["isChargingPlanSupported"] is True
    assert "chargingSettingsDetail" not in (fleet.charging_details(spec) or {})


def test_combustion_has_no_charging_details_and_profile_without_head_unit() -> None:
    assert fleet.charging_details(fleet.combustion_bmw()) is None
    phev = fleet.profile(fleet.plugin_hybrid_bmw())
    assert "headUnitType" not in phev
    assert "softwareVersionCurrent" not in phev
    assert fleet.capabilities(fleet.combustion_bmw())["remoteChargingCommands"] == {}
    assert fleet.capabilities(fleet.electric_bmw())["remoteChargingCommands"] == {
        "chargingControl": ["START", "STOP"]
    }


def test_range_extender_window_in_profile_and_details() -> None:
    spec = fleet.range_extender_bmw()
    profile = fleet.state(spec)["state"]["chargingProfile"]
    assert profile["reductionOfChargeCurrent"] == {
        "end": {"hour": 1, "minute": 30},
        "start": {"hour": 18, "minute": 1},
    }
    detail = fleet.timer_detail(spec)["chargingMode"]
    assert detail["startTimeSlot"] == "0001-01-01T18:01:00"
    assert detail["type"] == "TIME_SLOT"


def test_vehicle_list_sorted() -> None:
    specs = list(reversed(fleet.default_fleet()))
    answer = fleet.vehicle_list(specs)
    vins = [e["vin"] for e in answer["mappingInfos"]]
    assert vins == sorted(vins)
    assert answer["gcid"] == fleet.DEFAULT_GCID


# ----------------------------------------------------------- shapes vs recorded samples

HEATING: dict[str, Any] = {"climate_activity": "HEATING", "climate_remaining_seconds": 1790.8}
CASES = [
    ("G26", "WBA00000000DEMO02", lambda: replace(fleet.electric_bmw(), **HEATING)),
    ("G01", "WBA00000000DEMO04", fleet.plugin_hybrid_bmw),
    ("G20", "WBA00000000DEMO03", fleet.combustion_bmw),
    ("F31", "WBA00000000000F31", fleet.non_lsc_bmw),
    ("I01_REX", "WBY00000000REXI01", fleet.range_extender_bmw),
]


@needs_samples
@pytest.mark.parametrize(("folder", "vin", "factory"), CASES)
def test_state_shape_matches_sample(folder: str, vin: str, factory: Any) -> None:
    recorded = sample(f"{folder}/bmw-eadrax-vcs_v4_vehicles_state_{vin}.json")
    generated = fleet.state(factory())
    assert missing_keys(structure(recorded["state"]), generated["state"]) == []
    assert missing_keys(structure(recorded["capabilities"]), generated["capabilities"]) == []
    if folder != "I01_REX":  # the sample i3 reports fewer keys than our REX
        assert set(generated["state"]) == set(recorded["state"])


@needs_samples
@pytest.mark.parametrize(("folder", "vin", "factory"), CASES)
def test_profile_shape_matches_sample(folder: str, vin: str, factory: Any) -> None:
    recorded = sample(f"{folder}/bmw-eadrax-vcs_v5_vehicle-data_profile_{vin}.json")
    generated = fleet.profile(factory())
    expected = structure(recorded)
    expected.pop("telematicsUnit", None)
    assert missing_keys(expected, generated) == []
    assert set(generated) - set(recorded) <= {"telematicsUnit"}


@needs_samples
@pytest.mark.parametrize(
    ("folder", "vin", "factory"),
    [c for c in CASES if c[0] in ("G26", "G01", "I01_REX")],
)
def test_charging_details_shape_matches_sample(folder: str, vin: str, factory: Any) -> None:
    recorded = sample(f"{folder}/bmw-eadrax-crccs_v2_vehicles_{vin}.json")
    generated = fleet.charging_details(factory())
    assert generated is not None
    expected = structure(recorded)
    expected.pop("chargeAndClimateSettings")  # localised labels differ by language
    assert missing_keys(expected, generated) == []
    assert set(generated) == set(recorded)


@needs_samples
def test_vehicle_list_entry_matches_sample() -> None:
    recorded = sample("G26/bmw-eadrax-vcs_v5_vehicle-list.json")
    answer = fleet.vehicle_list([fleet.electric_bmw()])
    assert structure(answer) == structure(recorded)
