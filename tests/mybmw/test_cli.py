"""The ``mybmw`` command line, end to end against the simulated cloud."""

from __future__ import annotations

from collections.abc import Iterator
import datetime
import json
import logging
from pathlib import Path
import runpy
import stat
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import respx

from custom_components.bmw_mybmw.mybmw import cli
from custom_components.bmw_mybmw.mybmw.api.regions import CAPTCHA_URLS, Regions
from custom_components.bmw_mybmw.mybmw.models import DEFAULT_POI_NAME
from custom_components.bmw_mybmw.mybmw.vehicle.remote_services import (
    PollingPolicy,
    RemoteServices,
)
from simulator.cloud import DEMO_GCID, DEMO_PASSWORD, DEMO_USERNAME, MyBMWCloud

BEV = "WBA0FLEET00000001"  # i4: settings + plan, charger not connected
PHEV = "WBA0FLEET00000002"
ICE = "WBA0FLEET00000003"
MINI = "WMW0FLEET00000004"  # plugged in, not charging
ALL_VINS = (BEV, PHEV, ICE, MINI)
LOAD_CALLS = 3 + 4 + 4 + 3  # lists, profiles, states, charging details of the default fleet
REPO = Path(__file__).resolve().parents[2]
USAGE = cli.ExitCode.USAGE


@pytest.fixture(autouse=True)
def fast_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RemoteServices, "polling", PollingPolicy(0, 0, 1, 0, 5))


@pytest.fixture
def store(tmp_path: Path, demo_tokens: dict[str, Any]) -> Path:
    """An OAuth store as a previous run leaves it (so no captcha is needed)."""
    path = tmp_path / "oauth.json"
    path.write_text(
        json.dumps(
            {
                "refresh_token": demo_tokens["refresh_token"],
                "gcid": demo_tokens["gcid"],
                "access_token": demo_tokens["access_token"],
                "session_id": "2c8b7a61-2f4e-4f35-b5a4-1b55d7c2a0e9",
                "user_agent_build": "AP2A.123456.789",
            }
        )
    )
    return path


def run(store: Path | None, *args: str, **kw: str) -> int:
    """Call main() with the demo credentials; ``args`` = command [and positionals/options]."""
    command, *rest = args
    argv = [command, DEMO_USERNAME, kw.get("password", DEMO_PASSWORD), "rest_of_world", *rest]
    if store is not None:
        argv += ["--oauth-store", str(store)]
    return cli.main(argv)


def after_load(cloud: MyBMWCloud) -> list[tuple[str, str | None]]:
    """The requests made after the initial account load."""
    return [(r.endpoint, r.service) for r in cloud.requests[LOAD_CALLS:]]


def command_requests(endpoint: str, service: str, *refreshed: str) -> list[tuple[str, str | None]]:
    """One remote command: trigger, three status polls (PENDING, DELIVERED, EXECUTED), refreshes."""
    polls = [("event_status", None)] * 3
    return [(endpoint, service), *polls, *((name, None) for name in refreshed)]


# ------------------------------------------------------------------- login / store


def test_captcha_needed_then_store_created_0600_and_reused(
    cloud: MyBMWCloud,
    mock_api: respx.MockRouter,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "sub" / "store.json"
    assert run(path, "status") == cli.ExitCode.CAPTCHA
    err = capsys.readouterr().err
    assert CAPTCHA_URLS[Regions.REST_OF_WORLD] in err
    assert "--captcha-token" in err
    assert not path.exists()
    assert cloud.requests == []  # nothing sent without a captcha

    assert run(path, "status", "--captcha-token", "P1_token") == cli.ExitCode.OK
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = json.loads(path.read_text())
    assert set(saved) >= {
        "refresh_token",
        "gcid",
        "access_token",
        "session_id",
        "user_agent_build",
    }
    assert saved["gcid"] == DEMO_GCID
    assert cloud.count("authenticate") == 2

    cloud.reset_requests()
    capsys.readouterr()
    assert run(path, "status") == cli.ExitCode.OK  # no captcha the second time
    assert cloud.count("authenticate") == 0
    assert cloud.count("token") == 0
    assert cloud.count("oauth_config") == 0
    assert "Found 4 vehicle(s)" in capsys.readouterr().out
    again = json.loads(path.read_text())
    assert again["refresh_token"] == saved["refresh_token"]
    assert again["session_id"] == saved["session_id"]
    assert again["user_agent_build"] == saved["user_agent_build"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Every request carried the stored per-installation build string.
    assert all(saved["user_agent_build"] in r.headers["x-user-agent"] for r in cloud.requests)


def test_disable_oauth_store_writes_nothing(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, tmp_path: Path
) -> None:
    path = tmp_path / "store.json"
    argv = ["--oauth-store", str(path), "--disable-oauth-store", "--captcha-token", "P1_a"]
    assert run(None, "status", *argv) == cli.ExitCode.OK
    assert not path.exists()


def test_expired_session_id_is_rotated(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, store: Path
) -> None:
    data = json.loads(store.read_text())
    old = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=30)
    data["session_id_created"] = old.isoformat()
    store.write_text(json.dumps(data))
    assert run(store, "status") == cli.ExitCode.OK
    saved = json.loads(store.read_text())
    assert saved["session_id"] != data["session_id"]
    assert datetime.datetime.fromisoformat(saved["session_id_created"]) > old


def test_unreadable_store_is_ignored(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, tmp_path: Path
) -> None:
    path = tmp_path / "store.json"
    path.write_text("{broken")
    assert run(path, "status") == cli.ExitCode.CAPTCHA
    path.write_text("[1]")
    assert run(path, "status") == cli.ExitCode.CAPTCHA


def test_wrong_password(
    cloud: MyBMWCloud,
    mock_api: respx.MockRouter,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = run(tmp_path / "s.json", "status", "--captcha-token", "P1_b", password="wrong")
    assert code == cli.ExitCode.AUTH
    assert "check user name, password and region" in capsys.readouterr().err


def test_quota_exhausted_reports_reset_time(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cloud.faults.add("vehicle_list", "quota")
    assert run(store, "status") == cli.ExitCode.QUOTA
    err = capsys.readouterr().err
    assert "quota is exhausted" in err
    assert "Try again after" in err


def test_blocked(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cloud.faults.add("*", "blocked")
    assert run(store, "status") == cli.ExitCode.BLOCKED
    assert "blocks this client" in capsys.readouterr().err


def test_server_error_and_connection_error(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cloud.faults.add("vehicle_list", "500")
    assert run(store, "status") == cli.ExitCode.ERROR
    assert "MyBMW API error" in capsys.readouterr().err
    cloud.faults.clear()
    cloud.faults.add("vehicle_list", "timeout")
    assert run(store, "status") == cli.ExitCode.CONNECTION


def test_unknown_vin(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(store, "lock", "WBA00000000000000") == cli.ExitCode.UNKNOWN_VIN
    err = capsys.readouterr().err
    assert "No vehicle with VIN" in err
    assert BEV in err
    assert cloud.count("remote_command") == 0


# ----------------------------------------------------------------------- status


def test_status_text(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(store, "status") == cli.ExitCode.OK
    out = capsys.readouterr().out
    assert "Found 4 vehicle(s)" in out
    for vin in ALL_VINS:
        assert vin in out
    assert "i4 eDrive40" in out
    assert "Mileage:" in out
    assert "472 km" in out
    assert "Battery:" in out
    assert "LOCKED" in out
    assert "Open windows:" in out
    assert "48.177334, 11.556274" in out
    assert len(cloud.requests) == LOAD_CALLS


def test_status_json_with_observer_position(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["status", "-j", DEMO_USERNAME, DEMO_PASSWORD, "rest_of_world", "1.5", "2.5"]
    assert cli.main([*argv, "--oauth-store", str(store)]) == cli.ExitCode.OK
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data, list)
    assert len(data) == 4
    assert json.dumps(data).count(BEV) >= 1


@pytest.mark.parametrize("position", [["1.0"], ["91", "0"]])
def test_status_bad_position(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, store: Path, position: list[str]
) -> None:
    assert run(store, "status", *position) == cli.ExitCode.USAGE
    assert cloud.requests == []


# ------------------------------------------------------------------ lock / unlock


def test_lock_and_unlock_change_the_server_state(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(store, "unlock", BEV) == cli.ExitCode.OK
    assert cloud.vehicle(BEV).st["doorsState"]["combinedSecurityState"] == "UNLOCKED"
    # 1 trigger + 3 polls + 1 state refresh of that vehicle only (no charging details).
    assert after_load(cloud) == command_requests("remote_command", "door-unlock", "state")
    assert cloud.requests[-1].vin == BEV
    captured = capsys.readouterr()
    assert "Door lock state: UNLOCKED" in captured.out
    assert "door-unlock: PENDING" in captured.err

    cloud.reset_requests()
    assert run(store, "lock", BEV) == cli.ExitCode.OK
    assert cloud.vehicle(BEV).st["doorsState"]["combinedSecurityState"] == "LOCKED"
    assert cloud.count("remote_command") == 1
    assert cloud.count("event_status") == 3
    assert cloud.count("state", vin=BEV) == 2
    assert cloud.count("state") == 5
    assert "Door lock state: LOCKED" in capsys.readouterr().out


def test_remote_error_and_timeout(
    cloud: MyBMWCloud,
    mock_api: respx.MockRouter,
    store: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cloud.command_results["door-lock"] = "ERROR"
    assert run(store, "lock", BEV) == cli.ExitCode.ERROR
    assert "Vehicle could not execute the command" in capsys.readouterr().err
    assert cloud.count("state", vin=BEV) == 1  # no refresh after an error

    cloud.reset_requests()
    cloud.command_results["horn-blow"] = "PENDING"
    monkeypatch.setattr(
        RemoteServices, "polling", PollingPolicy(0.001, 0.001, 2, 0.004, timeout=0.05)
    )
    assert run(store, "horn", BEV) == cli.ExitCode.ERROR
    assert "no result within" in capsys.readouterr().err
    assert 2 <= cloud.count("event_status") <= 20


def test_lightflash_and_horn_do_not_refresh(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, store: Path
) -> None:
    assert run(store, "lightflash", ICE) == cli.ExitCode.OK
    assert after_load(cloud) == command_requests("remote_command", "light-flash")
    cloud.reset_requests()
    assert run(store, "horn", MINI) == cli.ExitCode.OK
    assert after_load(cloud) == command_requests("remote_command", "horn-blow")


# ------------------------------------------------------------------------- finder


def test_vehiclefinder(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cloud.vehicle(PHEV).st["location"]["coordinates"] = {"latitude": 50.1, "longitude": 8.6}
    assert run(store, "vehiclefinder", PHEV, "48.5", "11.25") == cli.ExitCode.OK
    position = cloud.requests_for("event_position")
    assert len(position) == 1
    assert position[0].headers["latitude"] == "48.5"
    assert position[0].headers["longitude"] == "11.25"
    assert "Position: 50.1, 8.6" in capsys.readouterr().out
    assert cloud.count("state") == 4  # no refresh: the finder result is applied directly


def test_vehiclefinder_needs_position(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(store, "vehiclefinder", PHEV) == cli.ExitCode.USAGE
    assert "needs your own position" in capsys.readouterr().err
    assert cloud.requests == []


# ----------------------------------------------------------------------- charging


def test_charge_start_and_stop(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(store, "charge", MINI, "start") == cli.ExitCode.OK
    assert cloud.vehicle(MINI).st["electricChargingState"]["chargingStatus"] == "CHARGING"
    # trigger + polls + state and charging details of that vehicle
    assert after_load(cloud) == command_requests(
        "charging_command", "start-charging", "state", "charging_details"
    )
    assert {r.vin for r in cloud.requests[LOAD_CALLS + 4 :]} == {MINI}
    assert "Charging status: CHARGING" in capsys.readouterr().out

    cloud.reset_requests()
    assert run(store, "charge", MINI, "stop") == cli.ExitCode.OK
    assert cloud.vehicle(MINI).st["electricChargingState"]["chargingStatus"] == "PLUGGED_IN"
    assert cloud.count("charging_command") == 1


def test_charging_settings(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("chargingsettings", BEV, "--target-soc", "70", "--ac-limit", "10")
    assert run(store, *args) == cli.ExitCode.OK
    vehicle = cloud.vehicle(BEV)
    assert vehicle.st["electricChargingState"]["chargingTarget"] == 70
    assert vehicle.st["chargingProfile"]["chargingSettings"]["acCurrentLimit"] == 10
    assert cloud.requests_for("charging_command")[0].json() == {
        "chargingTarget": 70,
        "acLimitValue": 10,
    }
    assert after_load(cloud)[-2:] == [("state", None), ("charging_details", None)]
    assert "Charging target: 70 %, AC limit: 10 A" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "code", "stream", "message"),
    [
        (("charge", BEV, "start"), cli.ExitCode.OK, "out", "Ignored"),
        (("charge", ICE, "start"), USAGE, "err", "does not support charge start"),
        (("chargingsettings", BEV, "--target-soc", "72"), USAGE, "err", "Target SoC must be"),
        (("chargingsettings", BEV, "--target-soc", "10"), USAGE, "err", "Target SoC must be"),
        (("chargingsettings", BEV, "--ac-limit", "17"), USAGE, "err", "AC limit must be one of"),
    ],
    ids=["no-cable-ignored", "combustion-refused", "soc-step", "soc-range", "ac-limit"],
)
def test_charging_command_sends_nothing(
    cloud: MyBMWCloud,
    mock_api: respx.MockRouter,
    store: Path,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    code: int,
    stream: str,
    message: str,
) -> None:
    """Refused or pointless charging commands stop after the account load."""
    assert run(store, *args) == code
    assert message in getattr(capsys.readouterr(), stream)
    assert after_load(cloud) == []


def test_charging_settings_needs_an_option(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, store: Path
) -> None:
    assert run(store, "chargingsettings", BEV) == cli.ExitCode.USAGE
    assert run(store, "chargingprofile", BEV) == cli.ExitCode.USAGE
    assert cloud.requests == []


def test_charging_profile(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = (
        "chargingprofile",
        PHEV,
        "--charging-mode",
        "DELAYED_CHARGING",
        "--precondition-climate",
        "true",
    )
    assert run(store, *args) == cli.ExitCode.OK
    profile = cloud.vehicle(PHEV).st["chargingProfile"]
    assert profile["chargingMode"] == "DELAYED_CHARGING"
    assert profile["chargingPreference"] == "CHARGING_WINDOW"
    assert profile["climatisationOn"] is True
    sent = cloud.requests_for("charging_command")[0].json()
    assert sent["chargingMode"]["type"] == "TIME_SLOT"
    assert sent["isPreconditionForDepartureActive"] is True
    out = capsys.readouterr().out
    assert "Charging mode: DELAYED_CHARGING" in out
    assert "precondition climate: True" in out

    cloud.reset_requests()
    args = ("chargingprofile", PHEV, "--charging-mode", "IMMEDIATE_CHARGING")
    assert run(store, *args) == cli.ExitCode.OK
    assert cloud.vehicle(PHEV).st["chargingProfile"]["chargingMode"] == "IMMEDIATE_CHARGING"
    assert cloud.vehicle(PHEV).st["chargingProfile"]["climatisationOn"] is True


def test_charging_profile_bad_bool(store: Path) -> None:
    assert run(store, "chargingprofile", PHEV, "--precondition-climate", "maybe") == 2


# --------------------------------------------------------------------------- image


def test_image_writes_every_view(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, store: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "images"
    assert run(store, "image", BEV, "--output-dir", str(folder)) == cli.ExitCode.OK
    files = sorted(folder.glob("*.png"))
    assert len(files) == cloud.count("image") >= 3
    assert all(f.read_bytes().startswith(b"\x89PNG") for f in files)
    assert (folder / "front.png").exists()


# ------------------------------------------------------------------------ send POI


def test_sendpoi(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["sendpoi", BEV, "37.4028943", "-121.9700289", "--street", "4949 Marie P Way"]
    assert run(store, *args, "--city", "Santa Clara", "--postalcode", "CA 95054") == 0
    assert len(cloud.sent_pois) == 1
    place = cloud.sent_pois[0]["places"][0]
    assert place["title"] == DEFAULT_POI_NAME
    assert place["position"] == {"lat": 37.4028943, "lng": -121.9700289}
    assert place["formattedAddress"] == "4949 Marie P Way, CA 95054, Santa Clara"
    assert place["address"]["country"] is None
    assert cloud.sent_pois[0]["vehicleInformation"] == {"vin": BEV}
    assert after_load(cloud) == [("send_poi", None)]
    assert "Result: EXECUTED" in capsys.readouterr().out


def test_sendpoi_invalid_coordinates(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, store: Path
) -> None:
    assert run(store, "sendpoi", BEV, "91", "0") == cli.ExitCode.USAGE
    assert cloud.requests == []


NOMINATIM_HIT = [
    {
        "lat": "48.1771",
        "lon": "11.5562",
        "display_name": "BMW Welt, Am Olympiapark 1, 80809 München, Deutschland",
        "address": {
            "road": "Am Olympiapark",
            "house_number": "1",
            "postcode": "80809",
            "city": "München",
            "country": "Deutschland",
        },
    }
]


@pytest.fixture
def nominatim(mock_api: respx.MockRouter) -> Iterator[respx.MockRouter]:
    """OpenStreetMap's search API; everything else falls through to the cloud."""
    with respx.mock(assert_all_mocked=False, assert_all_called=False) as router:
        yield router


def test_sendpoi_from_address(
    cloud: MyBMWCloud,
    nominatim: respx.MockRouter,
    store: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    route = nominatim.get(cli.NOMINATIM_URL).mock(
        return_value=httpx.Response(200, json=NOMINATIM_HIT)
    )
    args = ["sendpoi_from_address", MINI, "-n", "BMW Welt", "-a", "Am", "Olympiapark", "1"]
    assert run(store, *args) == cli.ExitCode.OK
    request = route.calls.last.request
    assert request.url.params["q"] == "Am Olympiapark 1"
    assert request.headers["user-agent"].startswith("bmw-mybmw-cli/")
    place = cloud.sent_pois[0]["places"][0]
    assert place["title"] == "BMW Welt"
    assert place["position"] == {"lat": 48.1771, "lng": 11.5562}
    assert place["address"]["street"] == "Am Olympiapark 1"
    assert place["address"]["postalCode"] == "80809"
    assert place["address"]["city"] == "München"
    assert place["formattedAddress"].startswith("BMW Welt, Am Olympiapark 1")
    assert "Found: BMW Welt" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("response", "code", "message"),
    [
        (httpx.Response(200, json=[]), cli.ExitCode.NOT_FOUND, "found no place"),
        (httpx.Response(200, json=[{"lat": "x"}]), cli.ExitCode.NOT_FOUND, "unusable"),
        (httpx.Response(503, text="busy"), cli.ExitCode.CONNECTION, "lookup"),
        (httpx.Response(200, text="<html>"), cli.ExitCode.CONNECTION, "lookup"),
    ],
)
def test_sendpoi_from_address_failures(
    cloud: MyBMWCloud,
    nominatim: respx.MockRouter,
    store: Path,
    capsys: pytest.CaptureFixture[str],
    response: httpx.Response,
    code: int,
    message: str,
) -> None:
    nominatim.get(cli.NOMINATIM_URL).mock(return_value=response)
    assert run(store, "sendpoi_from_address", MINI, "-a", "Nowhere 1") == code
    assert message in capsys.readouterr().err
    assert cloud.requests == []  # nothing sent to BMW


# --------------------------------------------------------------------- fingerprint


def test_fingerprint_is_complete_and_anonymised(
    cloud: MyBMWCloud,
    mock_api: respx.MockRouter,
    store: Path,
    tmp_path: Path,
    demo_tokens: dict[str, Any],
) -> None:
    base = tmp_path / "fp"
    assert run(store, "fingerprint", "--output-dir", str(base)) == cli.ExitCode.OK
    (folder,) = base.iterdir()
    datetime.datetime.strptime(folder.name, "%Y-%m-%d_%H-%M-%S")  # timestamped
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == LOAD_CALLS  # no cap: every data response
    assert "bmw-eadrax-vcs_v5_vehicle-list.json" in files
    assert "mini-eadrax-vcs_v5_vehicle-list.json" in files
    assert "bmw-eadrax-vcs_v4_vehicles_state_WBA0FINGERPRINT01.json" in files
    assert "bmw-eadrax-vcs_v5_vehicle-data_profile_WBA0FINGERPRINT01.json" in files
    assert "mini-eadrax-vcs_v4_vehicles_state_WMW0FINGERPRINT04.json" in files
    everything = " ".join(files) + " ".join(p.read_text(encoding="utf-8") for p in folder.iterdir())
    for secret in (*ALL_VINS, DEMO_GCID, demo_tokens["access_token"], "48.177334", "Olympiapark"):
        assert secret not in everything
    state = json.loads(
        (folder / "bmw-eadrax-vcs_v4_vehicles_state_WBA0FINGERPRINT01.json").read_text()
    )
    assert state["state"]["location"]["coordinates"]["latitude"] == 12.3456
    raw = (folder / "bmw-eadrax-vcs_v4_vehicles_state_WBA0FINGERPRINT01.json").read_text()
    assert raw.startswith("{\n    ")  # 4-space indent


def test_write_fingerprint_keeps_duplicates_and_text(tmp_path: Path) -> None:
    from custom_components.bmw_mybmw.mybmw.models import AnonymizedResponse

    responses = [
        AnonymizedResponse("a.json", {"b": 1, "a": 2}),
        AnonymizedResponse("a.json", {"c": 3}),
        AnonymizedResponse("noext", None),
        AnonymizedResponse("noext", "text"),
        AnonymizedResponse("t.txt", "INTERNAL SERVER ERROR"),
    ]
    assert cli.write_fingerprint(responses, tmp_path) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "a.json",
        "a_2.json",
        "noext",
        "noext_2",
        "t.txt",
    ]
    assert (tmp_path / "a.json").read_text() == '{\n    "a": 2,\n    "b": 1\n}'
    assert (tmp_path / "t.txt").read_text() == "INTERNAL SERVER ERROR"


# ------------------------------------------------------------------------ plumbing


def test_help_version_and_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in cli.COMMANDS:
        assert command in out
    assert cli.main(["--version"]) == 0
    assert cli.main([]) == 2
    assert cli.main(["status", "u", "p", "mars"]) == 2
    assert cli.main(["charge", "u", "p", "rest_of_world", BEV, "toggle"]) == 2


def test_reference_defaults() -> None:
    parser = cli.build_parser()
    args = parser.parse_args(["status", "u", "p", "rest_of_world"])
    assert (args.json, args.lat, args.lng) == (False, None, None)
    assert args.oauth_store == Path("~/.mybmw_oauth_store.json")
    args = parser.parse_args(["sendpoi", "u", "p", "north_america", BEV, "1", "2"])
    assert args.name == DEFAULT_POI_NAME
    assert (args.street, args.city, args.postalcode, args.country) == (None,) * 4
    args = parser.parse_args(["fingerprint", "u", "p", "china"])
    assert args.output_dir == Path("~/vehicle_fingerprint")


def test_debug_flag_enables_debug_logging(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(logging, "basicConfig", lambda **kw: seen.update(kw))
    assert run(store, "status", "--debug") == cli.ExitCode.OK
    assert seen["level"] == logging.DEBUG


def test_store_write_failure_is_a_warning(
    cloud: MyBMWCloud,
    mock_api: respx.MockRouter,
    store: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(*_: Any, **__: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(cli.os, "replace", fail)
    assert run(store, "status") == cli.ExitCode.OK
    assert "could not write the OAuth store" in capsys.readouterr().err
    assert not store.with_name(store.name + ".tmp").exists()


def test_python_dash_m_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "custom_components.bmw_mybmw.mybmw", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "sendpoi_from_address" in result.stdout


def test_bool_argument_and_format_vehicle_gaps() -> None:
    assert (
        cli.build_parser()
        .parse_args(["chargingprofile", "u", "p", "china", BEV, "--precondition-climate", "off"])
        .precondition_climate
        is False
    )
    vehicle = SimpleNamespace(
        vin=BEV,
        name="Test car",
        mileage=(None, "km"),
        fuel_and_battery=None,
        vehicle_location=SimpleNamespace(location=None, heading=None),
        has_electric_drivetrain=False,
    )
    text = cli.format_vehicle(vehicle)
    assert "Test car (WBA0FLEET00000001)" in text
    assert "Mileage:            -" in text
    assert "Position:           unknown" in text
    assert "Battery" not in text


def test_module_entry_point_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["mybmw", "--version"])
    with pytest.raises(SystemExit) as exc:
        runpy.run_module("custom_components.bmw_mybmw.mybmw", run_name="__main__")
    assert exc.value.code == 0
