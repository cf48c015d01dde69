"""Concurrency: accounts side by side, serialised commands per car, single-flight logins."""

from __future__ import annotations

import asyncio

import pytest
import respx

from custom_components.bmw_mybmw.mybmw.account import MyBMWAccount
from custom_components.bmw_mybmw.mybmw.api.regions import Regions
from custom_components.bmw_mybmw.mybmw.vehicle.remote_services import ExecutionState
from simulator import fleet
from simulator.cloud import Account, MyBMWCloud

ALICE, BOB = "alice@example.com", "bob@example.com"
ALICE_GCID = "a11ce000-0000-4000-8000-000000000001"
BOB_GCID = "b0b00000-0000-4000-8000-000000000002"
EV, PHEV, ICE, MINI = (
    fleet.make_vin(1),
    fleet.make_vin(2),
    fleet.make_vin(3),
    fleet.make_vin(4, "mini"),
)


@pytest.fixture
def cloud() -> MyBMWCloud:
    """Two customers sharing one cloud: Alice has the EV and the MINI, Bob the other two."""
    return MyBMWCloud(
        accounts=[
            Account(ALICE, "alice-pw", gcid=ALICE_GCID, vins=[EV, MINI]),
            Account(BOB, "bob-pw", gcid=BOB_GCID, vins=[PHEV, ICE]),
        ],
        event_mode="poll",
        seed=5,
    )


def account_for(cloud: MyBMWCloud, username: str, build: str) -> MyBMWAccount:
    """An account restored from a stored refresh token, as after a restart."""
    tokens = cloud.issue_tokens(username)
    account = MyBMWAccount(username, "", Regions.REST_OF_WORLD, user_agent_build=build)
    account.set_refresh_token(tokens["refresh_token"], tokens["gcid"])
    return account


def bearer_of(cloud: MyBMWCloud, vin: str) -> set[str]:
    return {r.headers["authorization"] for r in cloud.requests if r.vin == vin}


async def test_two_accounts_side_by_side(cloud: MyBMWCloud, mock_api: respx.MockRouter) -> None:
    """Concurrent loads keep vehicles, tokens and quota buckets of each account apart."""
    alice = account_for(cloud, ALICE, "AP2A.111111.111")
    bob = account_for(cloud, BOB, "AP2A.222222.222")
    await asyncio.gather(alice.get_vehicles(), bob.get_vehicles())

    assert {v.vin for v in alice.vehicles} == {EV, MINI}
    assert {v.vin for v in bob.vehicles} == {PHEV, ICE}
    assert (alice.gcid, bob.gcid) == (ALICE_GCID, BOB_GCID)
    assert alice.refresh_token != bob.refresh_token
    # Each vehicle was read with its owner's token only.
    assert bearer_of(cloud, EV) == bearer_of(cloud, MINI)
    assert bearer_of(cloud, PHEV) == bearer_of(cloud, ICE)
    assert not bearer_of(cloud, EV) & bearer_of(cloud, PHEV)
    agents = {r.headers["x-user-agent"].split(";")[-2] for r in cloud.requests}
    assert agents  # the build string separates the accounts' quota buckets
    assert any("111111" in r.headers.get("x-user-agent", "") for r in cloud.requests)
    assert any("222222" in r.headers.get("x-user-agent", "") for r in cloud.requests)

    # A command for Alice while Bob refreshes; then Alice's token expiry renews only hers.
    bob_token = bob.refresh_token
    status, _ = await asyncio.gather(
        alice.get_vehicle(EV).remote_services.trigger_remote_light_flash(),  # type: ignore[union-attr]
        bob.get_vehicles(),
    )
    assert status.state is ExecutionState.EXECUTED
    cloud.faults.add("re:/eadrax-vcs/v4/vehicles/state", "401", 1)
    await alice.refresh_vehicle(EV)
    assert bob.refresh_token == bob_token


async def test_two_commands_on_one_car_are_serialised(
    cloud: MyBMWCloud, mock_api: respx.MockRouter
) -> None:
    """The second command starts only after the first has its result (and its refresh)."""
    alice = account_for(cloud, ALICE, "AP2A.111111.111")
    await alice.get_vehicles()
    services = alice.get_vehicle(MINI).remote_services  # type: ignore[union-attr]
    cloud.reset_requests()

    first, second = await asyncio.gather(
        services.trigger_remote_door_lock(), services.trigger_remote_light_flash()
    )
    assert first.state is second.state is ExecutionState.EXECUTED
    order = [r.service or r.endpoint for r in cloud.requests]
    flash_start = order.index("light-flash")
    lock_part, flash_part = order[:flash_start], order[flash_start:]
    # door-lock, its status polls and its one-vehicle refresh all precede light-flash.
    assert lock_part[0] == "door-lock"
    assert "event_status" in lock_part
    assert "state" in lock_part
    assert set(flash_part) == {"light-flash", "event_status"}


async def test_commands_on_different_cars_run_in_parallel(
    cloud: MyBMWCloud, mock_api: respx.MockRouter
) -> None:
    """The lock is per vehicle: another car's command is not held up."""
    alice = account_for(cloud, ALICE, "AP2A.111111.111")
    await alice.get_vehicles()
    cloud.reset_requests()
    await asyncio.gather(
        alice.get_vehicle(MINI).remote_services.trigger_remote_light_flash(),  # type: ignore[union-attr]
        alice.get_vehicle(EV).remote_services.trigger_remote_light_flash(),  # type: ignore[union-attr]
    )
    triggers = [i for i, r in enumerate(cloud.requests) if r.service == "light-flash"]
    polls = [i for i, r in enumerate(cloud.requests) if r.endpoint == "event_status"]
    assert len(triggers) == 2
    assert triggers[1] < polls[-1]  # the second trigger went out before the first finished


async def test_concurrent_401s_refresh_the_token_once(
    cloud: MyBMWCloud, mock_api: respx.MockRouter
) -> None:
    """Many calls that find the token rejected share one refresh-token login."""
    alice = account_for(cloud, ALICE, "AP2A.111111.111")
    await alice.get_vehicles()
    cloud.expire_access_tokens()
    cloud.reset_requests()
    await asyncio.gather(*(alice.refresh_vehicle(vin) for vin in (EV, MINI, EV, MINI)))
    assert cloud.count("token") == 1
    assert cloud.count("authenticate") == 0
    assert cloud.count("state") == 4 + len(
        [r for r in cloud.requests_for("state") if r.status == 401]
    )
