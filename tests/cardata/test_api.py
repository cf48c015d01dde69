"""REST client: mappings, container reuse and recreation, budget and CU-429 backoff, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json

import httpx
import pytest

from custom_components.bmw_mybmw.cardata.api import (
    CarDataClient,
    container_name_for,
    parse_telematic_data,
)
from custom_components.bmw_mybmw.cardata.auth import CarDataAuth
from custom_components.bmw_mybmw.cardata.budget import RequestBudget
from custom_components.bmw_mybmw.cardata.descriptors import MAPPED
from custom_components.bmw_mybmw.cardata.errors import api_exception, parse_api_error
from custom_components.bmw_mybmw.cardata.exceptions import (
    CarDataAPIError,
    CarDataAuthError,
    CarDataConnectionError,
    CarDataContainerLimitError,
    CarDataQuotaError,
)
from custom_components.bmw_mybmw.mybmw.models import MyBMWAPIError, MyBMWQuotaError
from simulator.cardata import CarDataCloud, SimContainer
from simulator.cloud import CloudResponse

ELECTRIC_VIN = "WBA00000000000001"


def vin_of(cloud: CarDataCloud, index: int = 0) -> str:
    return list(cloud.specs)[index]


async def test_mappings_primary_only_and_headers(
    api: CarDataClient, cloud: CarDataCloud, mock_cardata: object
) -> None:
    cloud.secondary_vins.append("WBA0000000000SECO")
    mappings = await api.get_mappings()
    assert [m.vin for m in mappings] == list(cloud.specs)
    assert {m.mapping_type for m in mappings} == {"PRIMARY"}
    assert mappings[0].mapped_since == datetime(2024, 1, 1, tzinfo=UTC)
    everything = await api.get_mappings(primary_only=False)
    assert len(everything) == len(cloud.specs) + 1
    request = mock_cardata.calls.last.request  # type: ignore[attr-defined]
    assert request.headers["x-version"] == "v1"
    assert request.headers["authorization"].startswith("Bearer ")
    assert api.budget.used == 2


async def test_basic_data_image_and_history(api: CarDataClient, cloud: CarDataCloud) -> None:
    vin = vin_of(cloud)
    basic = await api.get_basic_data(vin)
    assert basic["modelName"] == "i4 eDrive40"
    assert basic["driveTrain"] == "BEV"
    image = await api.get_image(vin)
    assert image.startswith(b"\x89PNG")
    end = cloud.now
    sessions = await api.get_charging_history(vin, end - timedelta(days=30), end)
    assert len(sessions) == 5
    assert cloud.count("chargingHistory") == 3  # pages of two
    first_page = await api.get_charging_history(vin, end - timedelta(days=30), end, max_pages=1)
    assert len(first_page) == 2
    assert api.budget.used == 6


async def test_container_created_once_then_reused(
    auth: CarDataAuth, budget: RequestBudget, cloud: CarDataCloud
) -> None:
    reported: list[str | None] = []
    api = CarDataClient(auth, budget=budget, on_container=reported.append)
    vin = vin_of(cloud)
    values = await api.get_telematic_data(vin)
    assert cloud.count("/customers/containers") == 2  # list + create
    container = cloud.containers[reported[0] or ""]
    assert container.name == api.container_name == container_name_for(MAPPED)
    assert sorted(container.descriptors) == sorted(MAPPED)
    assert values["vehicle.drivetrain.batteryManagement.header"].value == 80
    assert values["vehicle.drivetrain.batteryManagement.header"].unit == "percent"
    assert values["vehicle.cabin.door.row2.driver.isOpen"].value is False
    assert values["vehicle.drivetrain.electricEngine.charging.hvStatus"].value == "INVALID"
    assert values["vehicle.drivetrain.batteryManagement.header"].timestamp == cloud.now
    assert "vehicle.drivetrain.fuelSystem.level" not in values  # null on the server
    await api.get_telematic_data(vin)
    assert cloud.count("/customers/containers") == 2
    assert budget.used == 4
    # A new client (e.g. after a restart without persisted id) finds it by name.
    again = CarDataClient(auth, budget=budget)
    await again.get_telematic_data(vin)
    assert again.container_id == api.container_id
    assert len(cloud.containers) == 1
    await api.close()
    await again.close()


async def test_container_gone_is_recreated(
    auth: CarDataAuth, budget: RequestBudget, cloud: CarDataCloud
) -> None:
    reported: list[str | None] = []
    api = CarDataClient(auth, budget=budget, container_id="stale", on_container=reported.append)
    values = await api.get_telematic_data(vin_of(cloud))
    assert values
    assert reported[0] is None
    assert reported[1] == api.container_id != "stale"
    assert [p for _, p in cloud.requests if "customers" in p][-3:] == [
        f"/customers/vehicles/{vin_of(cloud)}/telematicData",
        "/customers/containers",
        f"/customers/vehicles/{vin_of(cloud)}/telematicData",
    ]
    await api.close()


async def test_container_limit_replaces_outdated_own(
    api: CarDataClient, cloud: CarDataCloud
) -> None:
    for i in range(9):
        cloud.containers[f"c{i}"] = SimContainer(f"c{i}", f"other-{i}", "", [], cloud.now)
    cloud.containers["old"] = SimContainer("old", "bmw_mybmw-deadbeef", "", [], cloud.now)
    container_id = await api.ensure_container()
    assert cloud.containers["old"].state == "DELETED"
    assert cloud.containers[container_id].name == api.container_name
    assert cloud.count("/customers/containers") == 4  # list, create (CU-124), delete, create


async def test_container_limit_without_own_container(
    api: CarDataClient, cloud: CarDataCloud
) -> None:
    for i in range(10):
        cloud.containers[f"c{i}"] = SimContainer(f"c{i}", f"other-{i}", "", [], cloud.now)
    with pytest.raises(CarDataContainerLimitError, match="ten CarData containers"):
        await api.ensure_container()


async def test_deleting_our_container_forgets_it(api: CarDataClient, cloud: CarDataCloud) -> None:
    container_id = await api.ensure_container()
    await api.delete_container(container_id)
    assert api.container_id is None
    assert await api.list_containers() == []


async def test_budget_refuses_before_exceeding(api: CarDataClient, cloud: CarDataCloud) -> None:
    api.budget.day, api.budget.used = cloud.now.date(), 49
    await api.get_mappings()
    sent = len(cloud.requests)
    with pytest.raises(CarDataQuotaError) as err:
        await api.get_mappings()
    assert len(cloud.requests) == sent  # refused locally
    assert err.value.retry_at == datetime(2025, 6, 3, tzinfo=UTC)
    assert isinstance(err.value, MyBMWQuotaError)
    cloud.advance(timedelta(days=1).total_seconds())
    assert api.budget.remaining == 50
    await api.get_mappings()


async def test_plan_refuses_a_batch(api: CarDataClient, cloud: CarDataCloud) -> None:
    api.budget.day, api.budget.used = cloud.now.date(), 45
    api.plan(5)
    with pytest.raises(CarDataQuotaError, match="6 more"):
        api.plan(6)


@pytest.mark.parametrize("status", [429, 403])
async def test_cu429_backs_off_until_reset(
    api: CarDataClient, cloud: CarDataCloud, status: int
) -> None:
    cloud.daily_limit = 1  # other tools already used the account's quota
    cloud.quota_status = status
    await api.get_mappings()
    with pytest.raises(CarDataQuotaError) as err:
        await api.get_mappings()
    assert err.value.status_code == status
    assert err.value.error_id == "CU-429"
    assert err.value.retry_at == datetime(2025, 6, 3, tzinfo=UTC)
    assert api.budget.blocked_until == err.value.retry_at
    assert api.budget.remaining == 0
    sent = len(cloud.requests)
    with pytest.raises(CarDataQuotaError):
        await api.get_basic_data(vin_of(cloud))
    assert len(cloud.requests) == sent
    cloud.advance(timedelta(days=1).total_seconds())
    assert len(await api.get_mappings()) == len(cloud.specs)


async def test_retry_after_header_is_honoured(
    api: CarDataClient, cloud: CarDataCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    await api.get_mappings()  # log in first, then the quota answer
    monkeypatch.setattr(
        cloud,
        "handle",
        lambda *a: CloudResponse(429, {"retry-after": "120"}, b"{}"),
    )
    with pytest.raises(CarDataQuotaError) as err:
        await api.get_mappings()
    assert err.value.retry_at == cloud.now + timedelta(seconds=120)


async def test_expired_access_token_refreshes_once(api: CarDataClient, cloud: CarDataCloud) -> None:
    cloud.account.access_tokens.clear()  # BMW forgot our access token
    assert await api.get_mappings()
    assert cloud.count("/token") == 2  # login + one refresh


async def test_persistent_401_is_an_auth_error(
    api: CarDataClient, cloud: CarDataCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = json.dumps({"exveErrorId": "CU-100", "exveErrorMsg": "Authentication failed"})
    original = cloud.handle

    def handle(method: str, url: str, headers: dict[str, str], data: bytes = b"") -> CloudResponse:
        if "api-cardata" in url:
            return CloudResponse(401, {}, body.encode())
        return original(method, url, headers, data)

    monkeypatch.setattr(cloud, "handle", handle)
    with pytest.raises(CarDataAuthError, match="CU-100"):
        await api.get_mappings()


async def test_missing_api_scope(api: CarDataClient, cloud: CarDataCloud) -> None:
    for token, (expiry, _scope) in list(cloud.account.access_tokens.items()):
        cloud.account.access_tokens[token] = (expiry, "authenticate_user openid")
    await api._auth.access_token()
    with pytest.raises(CarDataAuthError, match="subscribe the client to CarData API"):
        await api.get_mappings()


async def test_errors_map_to_exceptions(
    api: CarDataClient, cloud: CarDataCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, str, int | None]] = []
    api._on_request = lambda *call: seen.append(call)
    with pytest.raises(CarDataAPIError) as err:
        await api.get_basic_data("WBA0000000UNKNOWN")
    assert err.value.error_id == "CU-101"
    assert err.value.status_code == 403
    assert isinstance(err.value, MyBMWAPIError)
    assert seen[-1][2] == 403
    monkeypatch.setattr(cloud, "handle", lambda *a: CloudResponse(503, {}, b"down"))
    with pytest.raises(CarDataConnectionError):
        await api.get_mappings()
    monkeypatch.setattr(cloud, "handle", lambda *a: CloudResponse(200, {}, b"<html>"))
    with pytest.raises(CarDataAPIError, match="not JSON"):
        await api.get_mappings()

    def boom(*_a: object) -> CloudResponse:
        raise httpx.ConnectError("no route")

    monkeypatch.setattr(cloud, "handle", boom)
    with pytest.raises(CarDataConnectionError):
        await api.get_mappings()
    assert seen[-1][2] is None


async def test_odd_answers_degrade(
    api: CarDataClient, cloud: CarDataCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(
        [
            {"vin": "WBA00000000000001", "mappingType": "PRIMARY"},  # one object, not a list
            ["x", {"vin": 5}],
            [1],
            {"containers": [{"containerId": "a"}, {"name": "no id"}]},
            {"containerId": 5},
            {"data": "none"},
        ]
    )
    monkeypatch.setattr(
        cloud, "handle", lambda *a: CloudResponse(200, {}, json.dumps(next(answers)).encode())
    )
    assert [m.vin for m in await api.get_mappings()] == ["WBA00000000000001"]
    assert await api.get_mappings() == []
    assert await api.get_basic_data("X") == {}
    containers = await api.list_containers()
    assert [(c.container_id, c.state) for c in containers] == [("a", "")]
    with pytest.raises(CarDataAPIError, match="containerId"):
        await api.create_container()
    assert await api.get_charging_history("X", cloud.now, cloud.now) == []


def test_parse_telematic_data_normalises() -> None:
    body = {
        "telematicData": {
            "a\u200b.b": {"value": "12.5", "unit": "km", "timestamp": "2025-01-01T00:00:00Z"},
            "flag": {"value": "true", "unit": ""},
            "count": {"value": "3"},
            "text": {"value": "1-PHASES"},
            "none": {"value": None},
            "bad": "x",
        }
    }
    values = parse_telematic_data(body)
    assert values["a.b"].value == 12.5
    assert values["a.b"].unit == "km"
    assert values["flag"].value is True
    assert values["flag"].unit is None
    assert values["count"].value == 3
    assert values["text"].value == "1-PHASES"
    assert set(values) == {"a.b", "flag", "count", "text"}
    assert parse_telematic_data([]) == {}


def test_error_body_parsing() -> None:
    response = httpx.Response(400, text="plain")
    assert parse_api_error(response).error_id is None
    err = api_exception(response)
    assert type(err) is CarDataAPIError
    assert str(err) == "CarData API error 400"


def test_budget_persistence_and_reset() -> None:
    now = [datetime(2025, 6, 2, 23, 0, tzinfo=UTC)]
    changes: list[int] = []
    budget = RequestBudget(now=lambda: now[0], on_change=lambda b: changes.append(b.used))
    budget.spend()
    budget.spend()
    assert changes == [1, 2]
    stored = json.loads(json.dumps(budget.as_dict()))
    restored = RequestBudget.from_dict(stored, now=lambda: now[0])
    assert restored.used == 2
    assert restored.remaining == 48
    until = restored.exhausted()
    assert until == datetime(2025, 6, 3, tzinfo=UTC)
    again = RequestBudget.from_dict(restored.as_dict(), now=lambda: now[0])
    assert again.remaining == 0
    assert again.blocked_until == until
    now[0] += timedelta(hours=2)
    assert again.remaining == 50
    assert again.blocked_until is None
    assert RequestBudget.from_dict(None, now=lambda: now[0]).used == 0
    garbage = RequestBudget.from_dict({"used": -3, "day": "yesterday"}, now=lambda: now[0])
    assert garbage.used == 0
    assert garbage.day == now[0].date()
