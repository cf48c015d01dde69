"""The respx front-end: httpx.AsyncClient requests reach the cloud."""

from __future__ import annotations

import httpx
import pytest
import respx

from simulator import fleet
from simulator.cloud import MyBMWCloud
from simulator.respx_fake import mock_mybmw_api
from tests.simulator.conftest import UA

BEV = fleet.make_vin(1)


@pytest.fixture
def cloud() -> MyBMWCloud:
    return MyBMWCloud(seed=2)


def auth_headers(cloud: MyBMWCloud, brand: str = "bmw") -> dict[str, str]:
    token = cloud.issue_tokens()["access_token"]
    return {"authorization": f"Bearer {token}", "x-user-agent": UA.format(brand=brand)}


@pytest.mark.parametrize(
    "base",
    [
        "https://cocoapi.bmwgroup.com",
        "https://cocoapi.bmwgroup.us",
        "https://myprofile.bmw.com.cn",
        "http://127.0.0.1:8765",
        "http://localhost:9999",
    ],
)
async def test_every_region_host_is_routed(cloud: MyBMWCloud, base: str) -> None:
    with mock_mybmw_api(cloud):
        async with httpx.AsyncClient(base_url=base) as client:
            reply = await client.post("/eadrax-vcs/v5/vehicle-list", headers=auth_headers(cloud))
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/json"
    assert len(reply.json()["mappingInfos"]) == 3
    assert cloud.requests[-1].host in base


async def test_gcdm_host_and_form_bodies(cloud: MyBMWCloud) -> None:
    cloud.gcdm_base_url = "https://gcdm.example.test"
    with mock_mybmw_api(cloud) as router:
        async with httpx.AsyncClient() as client:
            reply = await client.post(
                "https://gcdm.example.test/gcdm/oauth/token",
                data={"grant_type": "refresh_token", "refresh_token": "nope"},
                auth=("31c357a0-7a1d-4590-aa99-33b97244d048", "simulated-client-secret"),
            )
        assert router.calls.call_count == 1
    assert reply.status_code == 400
    assert reply.json()["error"] == "invalid_grant"
    assert cloud.requests[-1].form()["grant_type"] == "refresh_token"


async def test_timeout_fault_raises_httpx_timeout(cloud: MyBMWCloud) -> None:
    cloud.faults.add("state", "timeout", times=1)
    with mock_mybmw_api(cloud):
        async with httpx.AsyncClient(base_url="https://cocoapi.bmwgroup.com") as client:
            headers = {**auth_headers(cloud), "bmw-vin": BEV}
            with pytest.raises(httpx.TimeoutException):
                await client.get("/eadrax-vcs/v4/vehicles/state", headers=headers)
            reply = await client.get("/eadrax-vcs/v4/vehicles/state", headers=headers)
    assert reply.status_code == 200


async def test_redirects_and_binary_bodies(cloud: MyBMWCloud) -> None:
    with mock_mybmw_api(cloud, base_urls=["https://cocoapi.bmwgroup.com"]):
        async with httpx.AsyncClient(base_url="https://cocoapi.bmwgroup.com") as client:
            reply = await client.get(
                "/eadrax-ics/v5/presentation/vehicles/images",
                params={"carView": "FrontView", "toCrop": "true"},
                headers={**auth_headers(cloud), "bmw-vin": BEV},
            )
    assert reply.content.startswith(b"\x89PNG")


async def test_other_hosts_stay_blocked(cloud: MyBMWCloud) -> None:
    with mock_mybmw_api(cloud, base_urls=["https://cocoapi.bmwgroup.com"]):
        async with httpx.AsyncClient() as client:
            with pytest.raises(respx.models.AllMockedAssertionError):
                await client.get("https://cocoapi.bmwgroup.us/eadrax-vcs/v5/vehicle-list")
