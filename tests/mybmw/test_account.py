"""Tests for account.py against the simulated cloud: request budget, brands, failures."""

from __future__ import annotations

import datetime
import logging
from typing import Any
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
import pytest
import respx

from custom_components.bmw_mybmw.mybmw.account import MyBMWAccount
from custom_components.bmw_mybmw.mybmw.api.regions import Regions
from custom_components.bmw_mybmw.mybmw.const import CarBrands
from custom_components.bmw_mybmw.mybmw.models import (
    GPSPosition,
    MyBMWAPIError,
    MyBMWAuthError,
    MyBMWBlockedError,
    MyBMWQuotaError,
)
from custom_components.bmw_mybmw.mybmw.utils import SystemTimeZone
from custom_components.bmw_mybmw.mybmw.vehicle.vehicle import MyBMWVehicle
from simulator import fleet
from simulator.cloud import DEMO_PASSWORD, DEMO_USERNAME, MyBMWCloud
from simulator.respx_fake import mock_mybmw_api

BUILD = "AP2A.123456.789"
EV = fleet.make_vin(1, "bmw")
PHEV = fleet.make_vin(2, "bmw")
ICE = fleet.make_vin(3, "bmw")
MINI = fleet.make_vin(4, "mini")


def endpoints(cloud: MyBMWCloud) -> list[str]:
    return [r.endpoint for r in cloud.requests]


def make_account(cloud: MyBMWCloud, **kwargs: Any) -> MyBMWAccount:
    """An account with a stored refresh token, as after a restart."""
    tokens = cloud.issue_tokens(DEMO_USERNAME)
    account = MyBMWAccount(
        DEMO_USERNAME, DEMO_PASSWORD, Regions.REST_OF_WORLD, user_agent_build=BUILD, **kwargs
    )
    account.set_refresh_token(tokens["refresh_token"], tokens["gcid"])
    return account


async def test_first_load_of_one_ev_costs_eight_requests() -> None:
    cloud = MyBMWCloud(fleet=[fleet.electric_bmw(1)], seed=1)
    with mock_mybmw_api(cloud):
        account = make_account(cloud)
        await account.get_vehicles()
        assert endpoints(cloud) == [
            "oauth_config",
            "token",
            "vehicle_list",
            "vehicle_list",
            "vehicle_list",
            "profile",
            "state",
            "charging_details",
        ]
        cloud.reset_requests()
        await account.get_vehicles()
        assert endpoints(cloud) == ["state", "charging_details"]
        cloud.reset_requests()
        await account.get_vehicles(force_init=True)
        # Reference: 8 (3 lists + profile + state and crccs twice).
        assert endpoints(cloud) == [
            "vehicle_list",
            "vehicle_list",
            "vehicle_list",
            "profile",
            "state",
            "charging_details",
        ]
    vehicle = account.get_vehicle(EV)
    assert vehicle is not None
    assert vehicle.fuel_and_battery.remaining_battery_percent is not None
    assert vehicle.data["charging_settings"] is not None


async def test_default_fleet_first_load_and_refresh(
    cloud: MyBMWCloud, mock_api: respx.MockRouter
) -> None:
    account = make_account(cloud)
    await account.get_vehicles()
    assert [v.vin for v in account.vehicles] == [EV, PHEV, ICE, MINI]
    assert cloud.count() == 2 + 3 + 4 + 4 + 3
    assert cloud.count("charging_details", vin=ICE) == 0
    mini = account.get_vehicle(MINI.lower())
    assert mini is not None
    assert mini.brand == CarBrands.MINI
    assert cloud.requests_for("state")[-1].headers["x-user-agent"].split(";")[1] == "mini"
    assert all(
        r.headers["x-user-agent"].split(";")[1] == "bmw" for r in cloud.requests_for("state")[:3]
    )
    cloud.reset_requests()
    await account.get_vehicles()
    assert cloud.count() == 4 + 3


async def test_state_and_charging_details_requests(
    cloud: MyBMWCloud, mock_api: respx.MockRouter
) -> None:
    account = make_account(cloud)
    before = datetime.datetime.now(datetime.UTC)
    await account.get_vehicles()
    state = cloud.requests_for("state")[0]
    assert state.params["apptimezone"] == "0"
    app_time = datetime.datetime.fromtimestamp(
        int(state.params["appDateTime"]) / 1000, datetime.UTC
    )
    assert abs((app_time - before).total_seconds()) < 10
    assert state.headers["bmw-vin"] == EV
    details = {r.headers["bmw-vin"]: r for r in cloud.requests_for("charging_details")}
    assert details[EV].params == {
        "fields": "charging-profile",
        "has_charging_settings_capabilities": "true",
    }
    assert details[PHEV].params["has_charging_settings_capabilities"] == "false"
    current = datetime.datetime.fromisoformat(details[EV].headers["bmw-current-date"])
    assert current.utcoffset() == datetime.timedelta(0)
    assert current.microsecond == 0
    assert details[EV].headers["bmw-current-date"].endswith("+00:00")


async def test_charging_details_policy(cloud: MyBMWCloud, mock_api: respx.MockRouter) -> None:
    account = make_account(cloud)
    seen: list[bool] = []

    def only_plan(vehicle: MyBMWVehicle) -> bool:
        # The policy sees this call's capabilities, even on the first load.
        seen.append(vehicle.is_charging_plan_supported)
        return vehicle.is_charging_settings_supported

    await account.get_vehicles(charging_details=only_plan)
    assert seen == [True, True, False, True]
    assert cloud.count("charging_details") == 2
    assert cloud.count("charging_details", vin=PHEV) == 0
    settings_before = account.get_vehicle(EV).data["charging_settings"]  # type: ignore[union-attr]

    cloud.reset_requests()
    await account.get_vehicles(charging_details=lambda vehicle: False)
    assert cloud.count("charging_details") == 0
    assert cloud.count("state") == 4
    # Skipping the call keeps the last charging details.
    assert account.get_vehicle(EV).data["charging_settings"] == settings_before  # type: ignore[union-attr]


async def test_refresh_vehicle(cloud: MyBMWCloud, mock_api: respx.MockRouter) -> None:
    account = make_account(cloud)
    await account.get_vehicles()
    cloud.reset_requests()
    vehicle = await account.refresh_vehicle(EV.lower())
    assert vehicle is account.get_vehicle(EV)
    assert endpoints(cloud) == ["state", "charging_details"]
    cloud.reset_requests()
    await account.refresh_vehicle(EV, charging_details=False)
    await account.refresh_vehicle(ICE)
    assert endpoints(cloud) == ["state", "state"]
    cloud.reset_requests()
    await account.refresh_vehicle(PHEV, charging_details=True)
    assert endpoints(cloud) == ["state", "charging_details"]
    with pytest.raises(ValueError, match="not part of the account"):
        await account.refresh_vehicle("WBA00000000000000")


async def test_get_vehicles_reads_only_the_given_vins(
    cloud: MyBMWCloud, mock_api: respx.MockRouter
) -> None:
    account = make_account(cloud)
    await account.get_vehicles()
    cloud.reset_requests()
    await account.get_vehicles(vins=[ICE.lower()], charging_details=lambda vehicle: False)
    assert [(r.endpoint, r.vin) for r in cloud.requests] == [("state", ICE)]
    # Only the cars asked for count: when all of those fail, the error is raised.
    cloud.faults.add("state", "500", times=1)
    with pytest.raises(MyBMWAPIError):
        await account.get_vehicles(vins=[ICE], charging_details=lambda vehicle: False)


async def test_charging_details_read_again_only_when_stale(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, freezer: FrozenDateTimeFactory
) -> None:
    account = make_account(cloud)
    await account.get_vehicles()
    cloud.reset_requests()
    await account.refresh_charging_details(EV, max_age=datetime.timedelta(minutes=10))
    assert endpoints(cloud) == []
    freezer.tick(datetime.timedelta(minutes=11))
    await account.refresh_charging_details(EV, max_age=datetime.timedelta(minutes=10))
    assert endpoints(cloud) == ["charging_details"]  # one request: the state stays as read
    # A car whose details were never read gets them.
    await account.get_vehicles(charging_details=lambda vehicle: False)
    cloud.reset_requests()
    fresh = make_account(cloud)
    await fresh.get_vehicles(charging_details=lambda vehicle: False)
    cloud.reset_requests()
    await fresh.refresh_charging_details(PHEV, max_age=datetime.timedelta(hours=1))
    assert endpoints(cloud) == ["charging_details"]
    profile = fresh.get_vehicle(PHEV).charging_profile  # type: ignore[union-attr]
    assert profile is not None
    assert profile.charging_preferences_service_pack  # read from the charging details
    with pytest.raises(ValueError, match="not part of the account"):
        await fresh.refresh_charging_details("WBA00000000000000", max_age=datetime.timedelta(0))


async def test_force_init_applies_new_profiles_and_drops_gone_vehicles(
    cloud: MyBMWCloud, mock_api: respx.MockRouter
) -> None:
    account = make_account(cloud)
    await account.get_vehicles()
    cloud.vehicle(EV).profile["model"] = "i4 M50"
    await account.get_vehicles()
    assert account.get_vehicle(EV).name != "i4 M50"  # type: ignore[union-attr]
    cloud.accounts[DEMO_USERNAME].vins = [EV, PHEV]
    cloud.reset_requests()
    await account.get_vehicles(force_init=True)
    assert account.get_vehicle(EV).name == "i4 M50"  # type: ignore[union-attr]
    assert [v.vin for v in account.vehicles] == [EV, PHEV]
    assert account.get_vehicle(MINI) is None
    assert cloud.count("vehicle_list") == 3
    assert cloud.count("profile") == 2
    assert cloud.count("state") == 2


async def test_toyota_vehicles_get_brand_toyota() -> None:
    supra = fleet.VehicleSpec(
        vin=fleet.make_vin(7, "toyota"),
        brand="toyota",
        drivetrain=fleet.COMBUSTION,
        model="GR Supra 3.0",
        body_type="J29",
        charging_plan_supported=False,
        charging_settings_supported=False,
    )
    cloud = MyBMWCloud(fleet=[supra], seed=1)
    assert cloud.vehicle(supra.vin).profile["brand"] == "DRITTKUNDE"
    with mock_mybmw_api(cloud):
        account = make_account(cloud)
        await account.get_vehicles()
        await account.refresh_vehicle(supra.vin)
    vehicle = account.get_vehicle(supra.vin)
    assert vehicle is not None
    assert vehicle.brand == CarBrands.TOYOTA
    for request in cloud.requests_for("state") + cloud.requests_for("profile"):
        assert request.headers["x-user-agent"].split(";")[1] == "toyota"


async def test_one_failing_vehicle_keeps_its_data_and_hides_no_other(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    account = make_account(cloud)
    await account.get_vehicles()
    old_data = account.get_vehicle(EV).data  # type: ignore[union-attr]
    cloud.faults.add("state", "500", times=1)
    cloud.reset_requests()
    with caplog.at_level(logging.DEBUG):
        await account.get_vehicles()
    assert account.get_vehicle(EV).data is old_data  # type: ignore[union-attr]
    assert cloud.count("state") == 4
    assert "Updating a vehicle failed" in caplog.text
    for vin in (EV, PHEV, ICE, MINI):
        assert vin not in caplog.text


async def test_every_vehicle_failing_raises(cloud: MyBMWCloud, mock_api: respx.MockRouter) -> None:
    account = make_account(cloud)
    await account.get_vehicles()
    cloud.faults.add("state", "500")
    with pytest.raises(MyBMWAPIError):
        await account.get_vehicles()
    assert len(account.vehicles) == 4


@pytest.mark.parametrize(
    ("kind", "error"),
    [("quota", MyBMWQuotaError), ("blocked", MyBMWBlockedError), ("401", MyBMWAuthError)],
)
async def test_account_wide_errors_stop_at_once(
    cloud: MyBMWCloud, mock_api: respx.MockRouter, kind: str, error: type[Exception]
) -> None:
    account = make_account(cloud)
    await account.get_vehicles()
    cloud.faults.add("state", kind)
    cloud.reset_requests()
    with pytest.raises(error):
        await account.get_vehicles()
    # One vehicle only (401: its resend after one refresh); never once per vehicle.
    assert cloud.count("state") == (2 if kind == "401" else 1)
    assert cloud.count("token") == (1 if kind == "401" else 0)


async def test_quota_pause_survives_to_the_next_poll(
    cloud: MyBMWCloud, mock_api: respx.MockRouter
) -> None:
    account = make_account(cloud)
    await account.get_vehicles()
    cloud.faults.add("state", "quota", times=1)
    with pytest.raises(MyBMWQuotaError) as err:
        await account.get_vehicles()
    assert err.value.retry_at is not None
    cloud.reset_requests()
    with pytest.raises(MyBMWQuotaError):
        await account.get_vehicles()
    assert cloud.count() == 0


async def test_failed_profile_is_retried_without_relisting(
    cloud: MyBMWCloud, mock_api: respx.MockRouter
) -> None:
    account = make_account(cloud)
    cloud.faults.add("profile", "500", times=1)
    await account.get_vehicles()
    assert [v.vin for v in account.vehicles] == [PHEV, ICE, MINI]
    cloud.reset_requests()
    await account.get_vehicles()
    assert [v.vin for v in account.vehicles] == [PHEV, ICE, MINI, EV]
    assert cloud.count("vehicle_list") == 0
    assert cloud.count("profile", vin=EV) == 1
    assert cloud.count("state") == 4


async def test_all_profiles_failing_raises_and_relists_only_known_brands() -> None:
    cloud = MyBMWCloud(fleet=[fleet.electric_bmw(1)], seed=1)
    with mock_mybmw_api(cloud):
        account = make_account(cloud)
        cloud.faults.add("profile", "500", times=1)
        with pytest.raises(MyBMWAPIError):
            await account.get_vehicles()
        assert account.vehicles == []
        cloud.reset_requests()
        await account.get_vehicles()
        assert endpoints(cloud) == ["vehicle_list", "profile", "state", "charging_details"]


async def test_account_without_vehicles(cloud: MyBMWCloud, mock_api: respx.MockRouter) -> None:
    cloud.accounts[DEMO_USERNAME].vins = []
    account = make_account(cloud)
    await account.get_vehicles()
    assert account.vehicles == []
    cloud.reset_requests()
    await account.get_vehicles()
    assert cloud.count("vehicle_list") == 3


async def test_malformed_answers(cloud: MyBMWCloud, mock_api: respx.MockRouter) -> None:
    account = make_account(cloud)
    cloud.faults.add("vehicle_list", "malformed", times=1)
    with pytest.raises(MyBMWAPIError, match="vehicle list"):
        await account.get_vehicles()
    await account.get_vehicles()
    cloud.faults.add("charging_details", "empty", times=1)
    await account.get_vehicles()  # one vehicle failed, the rest updated
    assert len(account.vehicles) == 4


def test_account_properties_and_setters() -> None:
    account = MyBMWAccount("user", "pw", Regions.NORTH_AMERICA, hcaptcha_token="P1")
    assert account.region == Regions.NORTH_AMERICA
    assert account.config.authentication.hcaptcha_token == "P1"
    assert account.config.user_agent_build is not None
    assert account.refresh_token is None
    assert account.gcid is None
    account.set_refresh_token("r1", "g1", session_id="s1")
    assert (account.refresh_token, account.gcid) == ("r1", "g1")
    assert account.config.authentication.session_id == "s1"
    account.set_observer_position(48.1, 11.5)
    assert account.config.observer_position == GPSPosition(48.1, 11.5)
    assert isinstance(account.timezone, datetime.tzinfo)
    offset = datetime.datetime.now().astimezone().utcoffset()
    assert offset is not None
    assert account.utcdiff == round(offset.total_seconds() / 60)
    assert account.get_stored_responses() == []

    other = MyBMWAccount("x", "y", Regions.CHINA, config=account.config)
    assert other.region == Regions.NORTH_AMERICA  # the configuration wins
    assert other.config is account.config


def test_add_vehicle_adds_then_updates() -> None:
    spec = fleet.electric_bmw(1)
    account = MyBMWAccount("user", "pw", Regions.REST_OF_WORLD)
    profile = fleet.profile(spec) | {"vin": spec.vin}
    account.add_vehicle(profile, fleet.state(spec), fleet.charging_details(spec))
    vehicle = account.get_vehicle(spec.vin)
    assert vehicle is not None
    assert vehicle.brand == CarBrands.BMW
    account.add_vehicle(profile | {"model": "renamed"}, fleet.state(spec), None)
    assert account.get_vehicle(spec.vin) is vehicle
    assert vehicle.name == "renamed"
    assert len(account.vehicles) == 1


async def test_responses_are_recorded_for_the_account(
    cloud: MyBMWCloud, mock_api: respx.MockRouter
) -> None:
    account = make_account(cloud, log_responses=True)
    await account.get_vehicles()
    names = [r.filename for r in account.get_stored_responses()]
    assert len(names) == 3 + 4 + 4 + 3  # data calls only, nothing dropped
    assert names[:3] == [
        "bmw-eadrax-vcs_v5_vehicle-list.json",
        "mini-eadrax-vcs_v5_vehicle-list.json",
        "toyota-eadrax-vcs_v5_vehicle-list.json",
    ]
    assert len(set(names)) == len(names)
    assert not any(EV in name for name in names)


def test_time_zone_is_the_systems_until_one_is_set() -> None:
    """The machine's zone with its rules by default; a set zone wins; None goes back."""
    account = MyBMWAccount("u", "p", Regions.REST_OF_WORLD)
    assert account.timezone == SystemTimeZone()
    berlin = ZoneInfo("Europe/Berlin")
    account.timezone = berlin
    assert account.timezone is berlin
    winter = datetime.datetime(2024, 1, 15, 12, tzinfo=datetime.UTC)
    assert account.utcdiff in (60, 120)  # CET or CEST, whichever is now
    assert winter.astimezone(account.timezone).utcoffset() == datetime.timedelta(hours=1)
    account.timezone = None
    assert account.timezone == SystemTimeZone()
