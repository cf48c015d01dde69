"""The documented API of the reference library (../shared/seed), entry by entry, holds here.

Signatures and defaults are checked with ``inspect``; behaviour with small
inputs. The CLI's documented invocations are parsed by our parser.
"""

from __future__ import annotations

import datetime
import inspect
import json
from pathlib import Path
import shlex
import time
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx

from custom_components.bmw_mybmw.mybmw import cli
from custom_components.bmw_mybmw.mybmw.account import MyBMWAccount
from custom_components.bmw_mybmw.mybmw.api import regions, utils
from custom_components.bmw_mybmw.mybmw.api.authentication import MyBMWAuthentication
from custom_components.bmw_mybmw.mybmw.api.client import MyBMWClientConfiguration
from custom_components.bmw_mybmw.mybmw.api.regions import Regions
from custom_components.bmw_mybmw.mybmw.models import (
    AnonymizedResponse,
    ChargingSettings,
    GPSPosition,
    PointOfInterest,
    PointOfInterestAddress,
    ValueWithUnit,
)
from custom_components.bmw_mybmw.mybmw.utils import (
    MyBMWJSONEncoder,
    get_class_property_names,
    log_response_store_to_file,
)
from custom_components.bmw_mybmw.mybmw.vehicle.charging_profile import (
    ChargingMode,
    ChargingPreferences,
)
from custom_components.bmw_mybmw.mybmw.vehicle.doors_windows import LidState, LockState
from custom_components.bmw_mybmw.mybmw.vehicle.fuel_and_battery import (
    ChargingState,
    FuelAndBattery,
)
from custom_components.bmw_mybmw.mybmw.vehicle.remote_services import ExecutionState, Services
from custom_components.bmw_mybmw.mybmw.vehicle.reports import (
    CheckControlMessageReport,
    CheckControlStatus,
    ConditionBasedServiceStatus,
)
from custom_components.bmw_mybmw.mybmw.vehicle.vehicle import (
    LscType,
    MyBMWVehicle,
    VehicleViewDirection,
)
from simulator.cloud import DEMO_PASSWORD, DEMO_USERNAME, MyBMWCloud

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "reference-library-docs.txt"


def params(func: Any) -> list[str]:
    return list(inspect.signature(func).parameters)


def default(func: Any, name: str) -> Any:
    return inspect.signature(func).parameters[name].default


# --- bimmer_connected.account ----------------------------------------------------------


def test_account_signature_and_defaults() -> None:
    assert params(MyBMWAccount)[:7] == [
        "username",
        "password",
        "region",
        "config",
        "log_responses",
        "observer_position",
        "use_metric_units",
    ]
    for name in ("config", "observer_position", "use_metric_units"):
        assert default(MyBMWAccount, name) is None
    assert default(MyBMWAccount, "log_responses") is False


def test_account_accepts_the_documented_positional_call(caplog: pytest.LogCaptureFixture) -> None:
    account = MyBMWAccount(
        "user", "pw", Regions.REST_OF_WORLD, None, True, GPSPosition(48.1, 11.5), True
    )
    assert account.config.log_responses is True
    assert account.config.observer_position == (48.1, 11.5)
    assert account.username == "user"
    assert account.vehicles == []
    assert account.get_vehicle("nope") is None
    assert "metric" not in caplog.text
    MyBMWAccount("user", "pw", Regions.REST_OF_WORLD, use_metric_units=False)
    assert "use_metric_units=False is ignored" in caplog.text


def test_account_methods_and_properties() -> None:
    account = MyBMWAccount("user", "pw", Regions.REST_OF_WORLD)
    account.set_refresh_token("refresh", "gcid-1")
    assert (account.refresh_token, account.gcid) == ("refresh", "gcid-1")
    account.set_observer_position(1.5, 2.5)
    assert account.config.observer_position == GPSPosition(1.5, 2.5)
    assert isinstance(account.timezone, datetime.tzinfo)
    assert isinstance(account.utcdiff, int)
    assert params(account.add_vehicle) == [
        "vehicle_base",
        "vehicle_state",
        "charging_settings",
        "fetched_at",
    ]


def test_stored_responses_reachable_on_the_class_as_in_the_reference() -> None:
    first = MyBMWAccount("a", "pw", Regions.REST_OF_WORLD, log_responses=True)
    second = MyBMWAccount("b", "pw", Regions.REST_OF_WORLD, log_responses=True)
    one, two = AnonymizedResponse("one.json", {}), AnonymizedResponse("two.json", "x")
    first.config.response_store.append(one)
    second.config.response_store.append(two)
    assert first.get_stored_responses() == [one]  # per account, kept
    taken = MyBMWAccount.get_stored_responses()  # the reference's static form
    assert one in taken
    assert two in taken
    assert MyBMWAccount.get_stored_responses() == []  # emptied, as the reference does
    assert first.get_stored_responses() == []


# --- the local clock time of the charging window -----------------------------------------


@pytest.mark.parametrize(
    ("zone", "expected_utc"),
    [
        # Fetched 2022-06-22 14:24 UTC. US/Pacific (UTC-7 in June): next 18:01 local.
        ("US/Pacific", datetime.datetime(2022, 6, 23, 1, 1, tzinfo=datetime.UTC)),
        # Europe/Berlin (UTC+2): 18:01 local is 16:01 UTC, still ahead on the same day.
        ("Europe/Berlin", datetime.datetime(2022, 6, 22, 16, 1, tzinfo=datetime.UTC)),
    ],
)
def test_charging_window_start_stays_local_in_two_zones(
    zone: str, expected_utc: datetime.datetime
) -> None:
    account = MyBMWAccount("user", "pw", Regions.REST_OF_WORLD)
    account.timezone = ZoneInfo(zone)
    state = {
        "state": {
            "electricChargingState": {"chargingStatus": "WAITING_FOR_CHARGING"},
            "chargingProfile": {"reductionOfChargeCurrent": {"start": {"hour": 18, "minute": 1}}},
        }
    }
    fetched = datetime.datetime(2022, 6, 22, 14, 24, tzinfo=datetime.UTC)
    vehicle = MyBMWVehicle(account, {"vin": "X", "driveTrain": "ELECTRIC"}, state, None, fetched)
    start = vehicle.fuel_and_battery.charging_start_time
    assert start is not None
    assert start == expected_utc
    assert start.astimezone(ZoneInfo(zone)).time() == datetime.time(18, 1)  # local, never UTC
    assert vehicle.fuel_and_battery.charging_start_time_no_tz == datetime.datetime(
        *start.astimezone(ZoneInfo(zone)).timetuple()[:5]
    )
    assert vehicle.fuel_and_battery.account_timezone == ZoneInfo(zone)
    account.timezone = None  # back to this machine's zone
    assert account.timezone != ZoneInfo(zone) or zone == str(account.timezone)


# --- bimmer_connected.api ----------------------------------------------------------------


def test_authentication_signature_and_httpx_auth() -> None:
    assert params(MyBMWAuthentication)[:7] == [
        "username",
        "password",
        "region",
        "access_token",
        "expires_at",
        "refresh_token",
        "gcid",
    ]
    auth = MyBMWAuthentication("u", "p", Regions.REST_OF_WORLD)
    assert isinstance(auth, httpx.Auth)
    assert inspect.isasyncgenfunction(auth.async_auth_flow)
    with pytest.raises(RuntimeError, match="AsyncClient"):
        next(auth.sync_auth_flow(httpx.Request("GET", "https://example.invalid")))


async def test_authentication_as_httpx_auth_sends_the_token_and_renews_on_401() -> None:
    auth = MyBMWAuthentication("u", "p", Regions.REST_OF_WORLD, access_token="first")
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(401 if len(seen) == 1 else 200, json={})

    async def relogin(transport: Any) -> None:
        auth.set_refresh_token("r", access_token="second")

    auth._login = relogin  # type: ignore[method-assign]
    with respx.mock(assert_all_called=False) as router:
        router.get("https://api.example/x").mock(side_effect=answer)
        async with httpx.AsyncClient(auth=auth) as client:
            response = await client.get("https://api.example/x")
    assert response.status_code == 200
    assert seen == ["Bearer first", "Bearer second"]


def test_client_configuration_defaults() -> None:
    auth = MyBMWAuthentication("u", "p", Regions.CHINA)
    config = MyBMWClientConfiguration(auth)
    assert config.authentication is auth
    assert config.log_responses is False
    assert config.observer_position is None


def test_regions_functions() -> None:
    assert regions.get_region_from_name("North_America") is Regions.NORTH_AMERICA
    for region in Regions:
        assert regions.get_server_url(region).startswith("https://")
        if region is not Regions.CHINA:  # China logs in without the OAuth subscription key
            assert regions.get_ocp_apim_key(region)
        assert regions.get_app_version(region)


def test_api_utils() -> None:
    assert len(utils.generate_token()) == 30
    assert default(utils.generate_token, "length") == 30
    assert utils.generate_token(8, chars="a") == "aaaaaaaa"
    verifier = utils.generate_token(64)
    assert utils.create_s256_code_challenge(verifier) != verifier
    assert len(utils.generate_random_base64_string(16)) > 0
    assert utils.generate_cn_nonce("8613800000000")
    correlation = utils.get_correlation_id()
    assert correlation
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in correlation.items())


# --- bimmer_connected.models -------------------------------------------------------------


def test_gps_position_equality_and_validation() -> None:
    position = GPSPosition(48.1, 11.5)
    assert position == (48.1, 11.5)
    assert position == {"latitude": 48.1, "longitude": 11.5}
    assert position != (11.5, 48.1)
    assert position != {"latitude": 48.1}
    assert position != "48.1,11.5"
    assert position[0] == 48.1
    assert position[1] == 11.5
    assert tuple(position) == (48.1, 11.5)
    assert hash(position) == hash((48.1, 11.5))
    assert len({position, GPSPosition(48.1, 11.5)}) == 1
    assert GPSPosition(None, None) == (None, None)
    with pytest.raises(ValueError, match="latitude"):
        GPSPosition(91, 0)
    with pytest.raises(ValueError, match="both"):
        GPSPosition.init_nonempty(None, 1.0)
    assert GPSPosition.init_nonempty(1.0, 2.0) == (1.0, 2.0)


def test_point_of_interest() -> None:
    poi = PointOfInterest(37.4, -121.9, name="Stadium", city="Santa Clara")
    assert poi.position == {"lat": 37.4, "lng": -121.9}
    assert poi.locationAddress == PointOfInterestAddress(city="Santa Clara")
    assert PointOfInterestAddress().houseNumber is None
    assert poi.coordinates == (37.4, -121.9)
    assert poi.name == "Stadium"
    assert PointOfInterest(1, 2).name  # a default name
    with pytest.raises(ValueError, match="numbers"):
        PointOfInterest("north", 2)  # type: ignore[arg-type]


def test_small_models() -> None:
    assert ChargingSettings(80).acLimitValue is None
    assert ChargingSettings(80, 16).chargingTarget == 80
    assert ChargingSettings.dcLoudness is None
    assert ChargingSettings.isUnlockCableActive is None
    assert ValueWithUnit(1, "km") == (1, "km")
    assert ValueWithUnit._fields == ("value", "unit")
    assert AnonymizedResponse("f.json").content is None


def test_str_enums_fall_back_to_unknown_case_insensitively() -> None:
    assert LscType("activated") is LscType.ACTIVATED
    assert LscType("SOMETHING_NEW") is LscType.UNKNOWN
    assert {m.value for m in ExecutionState} >= {
        "DELIVERED",
        "ERROR",
        "EXECUTED",
        "IGNORED",
        "INITIATED",
        "PENDING",
        "UNKNOWN",
    }


@pytest.mark.parametrize(
    ("enum", "members"),
    [
        (LscType, {"ACTIVATED", "NOT_CAPABLE", "NOT_SUPPORTED", "UNKNOWN"}),
        (
            VehicleViewDirection,
            {"FRONT": "FrontView", "FRONTSIDE": "VehicleStatus", "SIDE": "SideViewLeft"},
        ),
        (ChargingMode, {"DELAYED_CHARGING", "IMMEDIATE_CHARGING", "UNKNOWN"}),
        (ChargingPreferences, {"CHARGING_WINDOW", "NO_PRESELECTION", "UNKNOWN"}),
        (LidState, {"CLOSED", "INTERMEDIATE", "INVALID", "OPEN", "OPEN_TILT", "UNKNOWN"}),
        (
            LockState,
            {"LOCKED", "PARTIALLY_LOCKED", "SECURED", "SELECTIVE_LOCKED", "UNKNOWN", "UNLOCKED"},
        ),
        (CheckControlStatus, {"CRITICAL", "HIGH", "LOW", "MEDIUM", "OK", "UNKNOWN"}),
        (ConditionBasedServiceStatus, {"OK", "OVERDUE", "PENDING", "UNKNOWN"}),
        (
            ChargingState,
            {
                "CHARGING",
                "COMPLETE",
                "DEFAULT",
                "ERROR",
                "FINISHED_FULLY_CHARGED",
                "FINISHED_NOT_FULL",
                "FULLY_CHARGED",
                "INVALID",
                "NOT_CHARGING",
                "PLUGGED_IN",
                "TARGET_REACHED",
                "UNKNOWN",
                "WAITING_FOR_CHARGING",
            },
        ),
        (
            Services,
            {
                "AIR_CONDITIONING": "climate-now",
                "CHARGE_START": "start-charging",
                "CHARGE_STOP": "stop-charging",
                "DOOR_LOCK": "door-lock",
                "DOOR_UNLOCK": "door-unlock",
                "HORN": "horn-blow",
                "LIGHT_FLASH": "light-flash",
                "VEHICLE_FINDER": "vehicle-finder",
            },
        ),
    ],
)
def test_documented_enum_members(enum: Any, members: set[str] | dict[str, str]) -> None:
    expected = members if isinstance(members, dict) else {m: m for m in members}
    for name, value in expected.items():
        assert enum[name].value == value


# --- bimmer_connected.utils --------------------------------------------------------------


def test_json_encoder_and_property_names(tmp_path: Path) -> None:
    assert "position" in get_class_property_names(PointOfInterest(1, 2))
    encoded = MyBMWJSONEncoder().encode(
        {"when": datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC), "p": GPSPosition(1, 2)}
    )
    assert "2024-01-01T00:00:00+00:00" in encoded
    log_response_store_to_file([AnonymizedResponse("a.json", {"k": 1})], tmp_path)
    assert (tmp_path / "a.json").read_text().strip().startswith("{")


# --- bimmer_connected.vehicle ------------------------------------------------------------


def test_vehicle_signature_and_attribute_lists() -> None:
    assert params(MyBMWVehicle) == [
        "account",
        "vehicle_base",
        "vehicle_state",
        "charging_settings",
        "fetched_at",
    ]
    account = MyBMWAccount("u", "p", Regions.REST_OF_WORLD)
    lsc = {"state": {"isLscSupported": True}}
    rex = MyBMWVehicle(account, {"vin": "X", "driveTrain": "ELECTRIC_WITH_RANGE_EXTENDER"}, lsc)
    names = rex.drive_train_attributes
    assert names[:2] == ["remaining_range_total", "mileage"]
    assert {"charging_end_time", "remaining_battery_percent", "remaining_fuel"} <= set(names)
    assert rex.available_attributes[:2] == ["gps_position", "vin"]
    assert {"check_control_messages", "timestamp", "lids", "windows"} <= set(
        rex.available_attributes
    )
    old = MyBMWVehicle(account, {"vin": "Y", "driveTrain": "COMBUSTION"}, {"state": {}})
    assert old.available_attributes == ["gps_position", "vin"]
    assert "charging_status" not in old.drive_train_attributes
    assert old.is_vehicle_active is False


def test_fuel_and_battery_documented_fields() -> None:
    fuel = FuelAndBattery()
    assert fuel.remaining_range_fuel == (None, None)
    assert fuel.is_charger_connected is False
    assert fuel.account_timezone == datetime.UTC
    assert fuel.charging_start_time_no_tz is None
    assert callable(FuelAndBattery.from_vehicle_data)


def test_urgent_check_control_messages() -> None:
    data = {
        "state": {
            "checkControlMessages": [
                {"type": "ENGINE_OIL", "severity": "MEDIUM"},
                {"type": "TIRE_PRESSURE", "severity": "LOW"},
                {"type": "WASHER", "severity": "OK"},
            ]
        }
    }
    report = CheckControlMessageReport.from_vehicle_data(data)
    assert report.urgent_check_control_messages == "ENGINE_OIL"
    assert report.has_check_control_messages is True
    assert [m.description_short for m in report.messages] == ["ENGINE_OIL", "TIRE_PRESSURE"]
    low = {"state": {"checkControlMessages": [{"type": "TIRE_PRESSURE", "severity": "LOW"}]}}
    assert CheckControlMessageReport.from_vehicle_data(low).urgent_check_control_messages is None


def test_remote_service_signatures() -> None:
    from custom_components.bmw_mybmw.mybmw.vehicle.remote_services import RemoteServices

    assert params(RemoteServices.trigger_charging_settings_update)[1:] == ["target_soc", "ac_limit"]
    assert params(RemoteServices.trigger_charging_profile_update)[1:] == [
        "charging_mode",
        "precondition_climate",
    ]
    assert params(RemoteServices.trigger_send_poi)[1:] == ["poi"]
    for name in (
        "trigger_charge_start",
        "trigger_charge_stop",
        "trigger_remote_air_conditioning",
        "trigger_remote_air_conditioning_stop",
        "trigger_remote_door_lock",
        "trigger_remote_door_unlock",
        "trigger_remote_horn",
        "trigger_remote_light_flash",
        "trigger_remote_vehicle_finder",
    ):
        assert inspect.iscoroutinefunction(getattr(RemoteServices, name)), name


# --- the CLI's documented invocations ----------------------------------------------------

DOCUMENTED_INVOCATIONS = [
    ["status", "u", "p", "rest_of_world"],
    ["status", "-j", "u", "p", "north_america", "48.1", "11.5"],
    ["fingerprint", "u", "p", "china"],
    ["fingerprint", "u", "p", "rest_of_world", "48.1", "11.5"],
    ["lightflash", "u", "p", "rest_of_world", "VIN"],
    ["horn", "u", "p", "rest_of_world", "VIN"],
    ["vehiclefinder", "u", "p", "rest_of_world", "VIN"],
    ["vehiclefinder", "u", "p", "rest_of_world", "VIN", "48.1", "11.5"],
    ["chargingsettings", "--target-soc", "80", "--ac-limit", "16", "u", "p", "rest_of_world", "V"],
    ["chargingprofile", "--charging-mode", "DELAYED_CHARGING", "u", "p", "rest_of_world", "V"],
    ["chargingprofile", "--precondition-climate", "true", "u", "p", "rest_of_world", "V"],
    ["charge", "u", "p", "rest_of_world", "VIN", "start"],
    ["charge", "u", "p", "rest_of_world", "VIN", "stop"],
    ["image", "u", "p", "rest_of_world", "VIN"],
    [
        "sendpoi",
        "--name",
        "Office",
        "--street",
        "S 1",
        "--city",
        "C",
        "--postalcode",
        "1",
        "--country",
        "D",
        "u",
        "p",
        "rest_of_world",
        "VIN",
        "48.1",
        "11.5",
    ],
    # -a takes one or more words, so (as with the reference) it goes after the positionals.
    [
        "sendpoi_from_address",
        "-n",
        "Home",
        "u",
        "p",
        "rest_of_world",
        "VIN",
        "-a",
        "Street 17,",
        "city",
    ],
]


@pytest.mark.parametrize("argv", DOCUMENTED_INVOCATIONS, ids=lambda a: a[0])
def test_documented_cli_invocations_parse(argv: list[str]) -> None:
    args = cli.parse_args(argv)
    assert args.cmd == argv[0]
    assert args.username == "u"
    assert args.password == "p"
    assert args.region in ("rest_of_world", "north_america", "china")
    # The same without the password: it then comes from the environment or a prompt.
    without = cli.parse_args([token for token in argv if token != "p"])
    assert without.password is None
    assert (without.cmd, without.region) == (args.cmd, args.region)
    assert {k: v for k, v in vars(without).items() if k != "password"} == {
        k: v for k, v in vars(args).items() if k != "password"
    }


def test_bimmer_connected_017_cli_forms(
    cloud: MyBMWCloud,
    mock_api: respx.MockRouter,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """0.17's tool takes its shared options before the subcommand and ``status --vin``."""
    store = str(tmp_path / "s.json")
    argv = ["--oauth-store", store, "status", "-j", "--vin", "WBA0FLEET00000003"]
    argv += [DEMO_USERNAME, DEMO_PASSWORD, "rest_of_world", "--captcha-token", "P1_017"]
    assert cli.main(argv) == cli.ExitCode.OK
    vehicles = json.loads(capsys.readouterr().out)
    assert [v["vin"] for v in vehicles] == ["WBA0FLEET00000003"]
    assert Path(store).exists()
    argv = ["--disable-oauth-store", "status", DEMO_USERNAME, DEMO_PASSWORD, "rest_of_world"]
    assert cli.main([*argv, "--vin", "NOPE", "--captcha-token", "P1_x"]) == cli.ExitCode.UNKNOWN_VIN


def test_cli_subcommands_match_the_seed() -> None:
    if not SEED.is_file():
        pytest.skip("../shared/seed absent")
    text = SEED.read_text(encoding="utf-8")
    documented = text.split("Possible choices: ", 1)[1].splitlines()[0].split(", ")
    ours = cli.build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert set(documented) <= set(ours)


def test_documented_status_invocation_runs(
    cloud: MyBMWCloud,
    mock_api: respx.MockRouter,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["status", "-j", DEMO_USERNAME, DEMO_PASSWORD, "rest_of_world", "48.1", "11.5"]
    argv += ["--captcha-token", "P1_doc", "--oauth-store", str(tmp_path / "s.json")]
    assert cli.main(argv) == cli.ExitCode.OK
    assert '"vin"' in capsys.readouterr().out


def test_readme_cli_examples_parse() -> None:
    """Every ``mybmw`` line of the README's command-line section is a valid invocation."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Command line", 1)[1].split("\n## ", 1)[0]
    code = section.split("```bash\n", 1)[1].split("```", 1)[0]
    lines = [
        line.split("  #", 1)[0].split("mybmw ", 1)[1]
        for line in code.splitlines()
        if "mybmw " in line and not line.startswith("#")
    ]
    assert len(lines) >= 10
    for line in lines:
        args = cli.parse_args(shlex.split(line.replace("<VIN>", "VIN")))
        assert args.username == "me@example.com", line
        assert args.password is None, line  # the README never shows a password argument


@pytest.mark.parametrize(
    "argv",
    [
        ["status", "u", "p", "mars"],
        ["status", "u", "mars"],
        ["vehiclefinder", "u", "p", "rest_of_world"],  # no VIN
    ],
)
def test_bad_region_or_missing_vin_is_a_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == cli.ExitCode.USAGE
    assert "usage:" in capsys.readouterr().err


@pytest.mark.parametrize(("zone", "hour_utc"), [("America/Los_Angeles", 1), ("Asia/Tokyo", 9)])
def test_without_a_set_zone_the_machine_zone_is_used(
    zone: str, hour_utc: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside Home Assistant the owner's machine clock decides; 18:01 is never 18:01 UTC."""
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        account = MyBMWAccount("user", "pw", Regions.REST_OF_WORLD)
        state = {
            "state": {
                "electricChargingState": {"chargingStatus": "WAITING_FOR_CHARGING"},
                "chargingProfile": {
                    "reductionOfChargeCurrent": {"start": {"hour": 18, "minute": 1}}
                },
            }
        }
        fetched = datetime.datetime(2022, 6, 22, 14, 24, tzinfo=datetime.UTC)
        vehicle = MyBMWVehicle(
            account, {"vin": "X", "driveTrain": "ELECTRIC"}, state, None, fetched
        )
        start = vehicle.fuel_and_battery.charging_start_time
        assert start is not None
        assert start.astimezone(datetime.UTC).hour == hour_utc
        assert start.astimezone(ZoneInfo(zone)).time() == datetime.time(18, 1)
    finally:
        monkeypatch.undo()
        time.tzset()
