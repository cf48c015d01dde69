"""Replaying recorded or fingerprinted responses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator import fleet
from simulator.cloud import MyBMWCloud, cloud_from_fingerprint, load_fingerprint
from tests.simulator.conftest import SAMPLES, Api, needs_samples, sample

REX = "WBY00000000REXI01"


@needs_samples
def test_loads_every_sample_vehicle() -> None:
    vehicles = load_fingerprint(SAMPLES)
    assert [v.vin for v in vehicles] == sorted(
        ["WBA00000000000F31", "WBA00000000DEMO04", "WBA00000000DEMO03", "WBA00000000DEMO02", REX]
    )
    assert all(v.brand == "bmw" and not v.live for v in vehicles)


@needs_samples
def test_serves_exactly_the_recorded_documents(clock) -> None:  # type: ignore[no-untyped-def]
    cloud = cloud_from_fingerprint(SAMPLES / "G26", clock=clock)
    api = Api(cloud)
    api.token = cloud.issue_tokens()["access_token"]
    vin = "WBA00000000DEMO02"
    listing = api.post("/eadrax-vcs/v5/vehicle-list").json()
    assert (
        listing["mappingInfos"] == sample("G26/bmw-eadrax-vcs_v5_vehicle-list.json")["mappingInfos"]
    )
    assert api.post("/eadrax-vcs/v5/vehicle-list", brand="mini").json()["mappingInfos"] == []
    state = api.get("/eadrax-vcs/v4/vehicles/state", vin=vin).json()
    assert state == sample(f"G26/bmw-eadrax-vcs_v4_vehicles_state_{vin}.json")
    profile = api.get("/eadrax-vcs/v5/vehicle-data/profile", vin=vin).json()
    assert profile == sample(f"G26/bmw-eadrax-vcs_v5_vehicle-data_profile_{vin}.json")
    details = api.get(
        "/eadrax-crccs/v2/vehicles",
        vin=vin,
        params={"fields": "charging-profile", "has_charging_settings_capabilities": "true"},
    ).json()
    assert details == sample(f"G26/bmw-eadrax-crccs_v2_vehicles_{vin}.json")


@needs_samples
def test_commands_apply_on_top(clock) -> None:  # type: ignore[no-untyped-def]
    cloud = MyBMWCloud(vehicles=load_fingerprint(SAMPLES / "I01_REX"), clock=clock)
    api = Api(cloud)
    api.token = cloud.issue_tokens()["access_token"]
    path = "/eadrax-vrccs/v4/presentation/remote-commands/door-lock"
    event = api.post(path, vin=REX, body={}).json()["eventId"]
    for _ in range(3):
        api.post(
            "/eadrax-vrccs/v3/presentation/remote-commands/eventStatus", params={"eventId": event}
        )
    state = api.get("/eadrax-vcs/v4/vehicles/state", vin=REX).json()["state"]
    assert state["doorsState"]["combinedSecurityState"] == "LOCKED"
    assert (
        state["lastFetched"]
        == sample(f"I01_REX/bmw-eadrax-vcs_v4_vehicles_state_{REX}.json")["state"]["lastFetched"]
    )


def test_cli_style_fingerprint_folder(tmp_path: Path) -> None:
    spec = fleet.electric_mini(7)
    files = {
        "mini-eadrax-vcs_v5_vehicle-list.json": fleet.vehicle_list([spec]),
        f"mini-eadrax-vcs_v5_vehicle-data_profile_{spec.vin}.json": fleet.profile(spec),
        f"mini-eadrax-vcs_v4_vehicles_state_{spec.vin}.json": fleet.state(spec),
        f"mini-eadrax-crccs_v2_vehicles_{spec.vin}.json": fleet.charging_details(spec),
        "bmw-eadrax-vcs_v4_vehicles_state_WBA0FINGERPRINT09.json": fleet.state(spec),
        "notes.json": {},
    }
    for name, data in files.items():
        (tmp_path / name).write_text(json.dumps(data, indent=4, sort_keys=True))
    vehicles = load_fingerprint(tmp_path)
    assert [(v.vin, v.brand) for v in vehicles] == [(spec.vin, "mini")]
    assert vehicles[0].charging == fleet.charging_details(spec)


def test_profile_without_list_entry_gets_a_default(tmp_path: Path) -> None:
    spec = fleet.electric_bmw(8)
    (tmp_path / f"bmw-eadrax-vcs_v5_vehicle-data_profile_{spec.vin}.json").write_text(
        json.dumps(fleet.profile(spec))
    )
    (tmp_path / f"bmw-eadrax-vcs_v4_vehicles_state_{spec.vin}.json").write_text(
        json.dumps(fleet.state(spec))
    )
    (vehicle,) = load_fingerprint(tmp_path)
    assert vehicle.list_entry["vin"] == spec.vin
    assert vehicle.charging is None


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_fingerprint(tmp_path / "absent")
