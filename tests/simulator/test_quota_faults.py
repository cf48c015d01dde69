"""Daily quota per x-user-agent and every injected fault kind."""

from __future__ import annotations

import json
import time

import pytest

from simulator import fleet
from simulator.cloud import MyBMWCloud, SimulatedTimeout, quota_message
from simulator.faults import FaultRule
from tests.simulator.conftest import START, UA, Api

BEV = fleet.make_vin(1)
STATE = "/eadrax-vcs/v4/vehicles/state"
LIST = "/eadrax-vcs/v5/vehicle-list"


def test_quota_message_counts_down_to_utc_midnight() -> None:
    assert quota_message(START) == (
        "Out of call volume quota. Quota will be replenished in 16:00:00."
    )


def test_daily_quota_per_user_agent(api: Api) -> None:
    api.cloud.daily_quota = 3
    for _ in range(3):
        assert api.post(LIST).status == 200
    reply = api.post(LIST)
    assert reply.status == 403
    assert reply.json() == {"statusCode": 403, "message": quota_message(START)}
    other = {"x-user-agent": UA.format(brand="bmw").replace("123456", "654321")}
    assert api.post(LIST, headers=other).status == 200
    assert api.cloud.quota_used(api.headers()["x-user-agent"]) == 4
    assert api.cloud.quota_used() == 5
    api.cloud.clock.advance(16 * 3600)  # 00:00 UTC: replenished
    api.token = api.cloud.issue_tokens()["access_token"]
    assert api.post(LIST).status == 200


def test_login_at_gcdm_is_not_counted(anon: Api) -> None:
    anon.cloud.daily_quota = 100
    anon.login()
    assert anon.cloud.quota_used() == anon.cloud.count("oauth_config")


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("quota", 403),
        ("401", 401),
        ("wrong_password", 401),
        ("500", 500),
        ("502", 502),
        ("503", 503),
        ("blocked", 489),
    ],
)
def test_status_faults(api: Api, kind: str, status: int) -> None:
    api.cloud.faults.add("state", kind, times=1)
    reply = api.get(STATE, vin=BEV)
    assert reply.status == status
    assert api.get(STATE, vin=BEV).status == 200
    if kind == "blocked":
        assert reply.body == b"Blocked"
    if kind == "500":
        assert reply.body == b"INTERNAL SERVER ERROR"
    if kind == "quota":
        assert "Out of call volume quota" in reply.json()["message"]


def test_rate_limit_fault(api: Api) -> None:
    api.cloud.faults.add("vehicle_list", "429", times=2, seconds=12, retry_after=12)
    first = api.post(LIST)
    assert first.status == 429
    assert first.json() == {
        "statusCode": 429,
        "message": "Rate limit is exceeded. Try again in 12 seconds.",
    }
    assert first.headers["retry-after"] == "12"
    assert api.post(LIST).status == 429
    assert api.post(LIST).status == 200
    plain = api.cloud.faults.add("*", "429")
    assert "retry-after" not in api.post(LIST).headers
    assert api.cloud.faults.remove(plain.id)
    assert not api.cloud.faults.remove(plain.id)


def test_body_faults(api: Api) -> None:
    faults = api.cloud.faults
    faults.add("state", "malformed", times=1)
    with pytest.raises(json.JSONDecodeError):
        json.loads(api.get(STATE, vin=BEV).body)
    faults.add("state", "empty", times=1)
    assert api.get(STATE, vin=BEV).body == b""
    faults.add("state", "truncated", times=1)
    cut = api.get(STATE, vin=BEV)
    whole = api.get(STATE, vin=BEV)
    assert cut.status == 200
    assert whole.body.startswith(cut.body[:100])
    assert len(cut.body) < len(whole.body)


def test_permanent_rule_and_clear(api: Api) -> None:
    api.cloud.faults.add("state", "503")
    for _ in range(3):
        assert api.get(STATE, vin=BEV).status == 503
    assert api.cloud.faults.rules[0].hits == 3
    api.cloud.faults.clear()
    assert api.get(STATE, vin=BEV).status == 200


def test_rule_matching_by_service_and_pattern(api: Api) -> None:
    faults = api.cloud.faults
    faults.add("door-lock", "500")
    lock = api.post("/eadrax-vrccs/v4/presentation/remote-commands/door-lock", vin=BEV, body={})
    unlock = api.post("/eadrax-vrccs/v4/presentation/remote-commands/door-unlock", vin=BEV, body={})
    assert (lock.status, unlock.status) == (500, 200)
    faults.clear()
    faults.add("re:^/eadrax-crccs/", "502")
    faults.add("/eadrax-vcs/v5/*", "503")
    assert api.get("/eadrax-crccs/v2/vehicles", vin=BEV).status == 502
    assert api.post(LIST).status == 503
    assert api.get(STATE, vin=BEV).status == 200


def test_timeout_and_delay(api: Api) -> None:
    api.cloud.faults.add("state", "timeout", times=1, seconds=0.5)
    with pytest.raises(SimulatedTimeout) as err:
        api.get(STATE, vin=BEV)
    assert err.value.seconds == 0.5
    api.cloud.faults.add("state", "delay", times=1, seconds=5)
    assert api.get(STATE, vin=BEV).status == 200  # the sync entry point never sleeps


async def test_async_delay_and_timeout(api: Api) -> None:
    cloud = api.cloud
    url = f"https://cocoapi.bmwgroup.com{STATE}"
    cloud.faults.add("state", "delay", times=1, seconds=0.05)
    started = time.monotonic()
    reply = await cloud.handle_async("GET", url, api.headers(vin=BEV))
    assert reply.status == 200
    assert time.monotonic() - started >= 0.05
    cloud.faults.add("state", "timeout", times=1)
    with pytest.raises(SimulatedTimeout):
        await cloud.handle_async("GET", url, api.headers(vin=BEV))


def test_faults_apply_before_auth_and_are_recorded(anon: Api) -> None:
    anon.cloud.faults.add("*", "blocked", times=1)
    assert anon.get("/eadrax-ucs/v1/presentation/oauth/config").status == 489
    assert anon.cloud.requests[-1].status == 489


def test_rule_parsing() -> None:
    assert FaultRule.parse("state:429:3").to_dict() | {"id": 0} == {
        "match": "state",
        "kind": "429",
        "times": 3,
        "seconds": 2.0,
        "retry_after": None,
        "hits": 0,
        "id": 0,
    }
    permanent = FaultRule.parse("vehicle_list:blocked")
    assert (permanent.match, permanent.kind, permanent.times) == ("vehicle_list", "blocked", None)
    regex = FaultRule.parse("re:^/eadrax:500")
    assert (regex.match, regex.kind) == ("re:^/eadrax", "500")
    with pytest.raises(ValueError, match="endpoint:kind"):
        FaultRule.parse("state")
    with pytest.raises(ValueError, match="unknown fault kind"):
        FaultRule.parse("state:explode")


def test_rejected_calls_count_against_quota(clock) -> None:  # type: ignore[no-untyped-def]
    cloud = MyBMWCloud(clock=clock, daily_quota=1)
    api = Api(cloud)
    api.token = cloud.issue_tokens()["access_token"]
    cloud.faults.add("state", "429", times=1)
    assert api.get(STATE, vin=BEV).status == 429
    assert api.get(STATE, vin=BEV).status == 403
