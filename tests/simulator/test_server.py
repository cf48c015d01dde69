"""The aiohttp front-end and the command line.

The server runs on an ephemeral 127.0.0.1 port through aiohttp's TestServer. The Home
Assistant test plugin blocks socket creation (pytest-socket); pytest-socket's
``socket_enabled`` fixture lifts the block for these tests only, and connections stay on
127.0.0.1 (the plugin's allow-list).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
import pytest

from simulator import __main__ as cli, fleet, server
from simulator.cloud import OCP_APIM_KEYS, Clock, MyBMWCloud
from tests.simulator.conftest import SAMPLES, START, UA, needs_samples

BEV = fleet.make_vin(1)


@pytest.fixture
async def client(socket_enabled: None) -> AsyncIterator[TestClient[Any, Any]]:
    cloud = MyBMWCloud(clock=Clock(START))
    async with TestClient(TestServer(server.create_app(cloud), host="127.0.0.1")) as test_client:
        yield test_client


def cloud_of(client: TestClient[Any, Any]) -> MyBMWCloud:
    return client.app[server.CLOUD_KEY]  # type: ignore[index]


async def test_oauth_config_points_at_the_server(client: TestClient[Any, Any]) -> None:
    reply = await client.get(
        "/eadrax-ucs/v1/presentation/oauth/config",
        headers={"ocp-apim-subscription-key": OCP_APIM_KEYS["row"]},
    )
    assert reply.status == 200
    config = await reply.json()
    assert config["tokenEndpoint"] == f"http://127.0.0.1:{client.port}/gcdm/oauth/token"


async def test_data_and_binary_answers(client: TestClient[Any, Any]) -> None:
    token = cloud_of(client).issue_tokens()["access_token"]
    headers = {"authorization": f"Bearer {token}", "x-user-agent": UA.format(brand="bmw")}
    reply = await client.get("/eadrax-vcs/v4/vehicles/state", headers={**headers, "bmw-vin": BEV})
    assert (await reply.json())["state"]["isLscSupported"] is True
    image = await client.get(
        "/eadrax-ics/v5/presentation/vehicles/images",
        params={"carView": "FrontView"},
        headers={**headers, "bmw-vin": BEV},
    )
    assert image.content_type == "image/png"
    assert (await image.read()).startswith(b"\x89PNG")
    send = await client.post(
        f"/eadrax-dcs/v2/user/{fleet.DEFAULT_GCID}/send-to-car",
        json={"places": []},
        headers={**headers, "bmw-vin": BEV},
    )
    assert send.status == 400


async def test_admin_faults(client: TestClient[Any, Any]) -> None:
    added = await client.post("/_admin/faults", json={"match": "*", "kind": "blocked", "times": 1})
    assert added.status == 201
    rule = await added.json()
    assert rule["kind"] == "blocked"
    listed = await (await client.get("/_admin/faults")).json()
    assert [r["id"] for r in listed] == [rule["id"]]
    blocked = await client.post("/eadrax-vcs/v5/vehicle-list")
    assert blocked.status == 489
    assert await blocked.text() == "Blocked"
    assert (await client.post("/_admin/faults", json={"kind": "500"})).status == 400
    assert (await client.post("/_admin/faults", json={"match": "x", "kind": "?"})).status == 400
    second = await (await client.post("/_admin/faults", json={"match": "x", "kind": "500"})).json()
    assert (await client.delete("/_admin/faults", params={"id": "999"})).status == 404
    remaining = await (
        await client.delete("/_admin/faults", params={"id": str(second["id"])})
    ).json()
    assert [r["id"] for r in remaining] == [rule["id"]]
    assert await (await client.delete("/_admin/faults")).json() == []


async def test_admin_timeout_answers_504(client: TestClient[Any, Any]) -> None:
    cloud_of(client).faults.add("vehicle_list", "timeout", times=1, seconds=0.01)
    assert (await client.post("/eadrax-vcs/v5/vehicle-list")).status == 504


async def test_admin_state_and_clock(client: TestClient[Any, Any]) -> None:
    await client.get("/nothing")
    state = await (await client.get("/_admin/state")).json()
    assert state["now"] == START.isoformat()
    assert state["requests"] == {"unknown": 1}
    assert set(state["vehicles"]) == {s.vin for s in fleet.default_fleet()}
    assert state["quota"] == {"daily_limit": None, "used_today": 0}
    moved = await (await client.post("/_admin/clock", json={"advance": 3600})).json()
    assert moved["now"] == START.replace(hour=9).isoformat()
    reset = await client.post("/_admin/clock", json={"set": "2025-06-01T00:00:00+00:00"})
    assert (await reset.json())["now"] == "2025-06-01T00:00:00+00:00"
    assert (await client.post("/_admin/clock", json={"set": "tomorrow"})).status == 400
    assert (await (await client.get("/_admin/clock")).json())["now"].startswith("2025-06-01")


def test_loopback_checks() -> None:
    assert server.is_loopback_host("127.0.0.1")
    assert server.is_loopback_host("::1")
    assert server.is_loopback_host("localhost")
    assert not server.is_loopback_host("0.0.0.0")
    assert not server.is_loopback_host("example.com")
    with pytest.raises(ValueError, match="loopback"):
        server.run(MyBMWCloud(), "0.0.0.0")


def test_cli_builds_clouds(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[tuple[MyBMWCloud, str, int, bool]] = []
    monkeypatch.setattr(
        cli,
        "run",
        lambda cloud, host, port, *, force, state_file: calls.append((cloud, host, port, force)),
    )
    args = [
        "--port",
        "9000",
        "--daily-quota",
        "50",
        "--fault",
        "state:429:2",
        "--event-seconds",
        "1",
    ]
    assert cli.main(args) == 0
    cloud, host, port, force = calls[-1]
    assert (host, port, force) == ("127.0.0.1", 9000, False)
    assert len(cloud.vehicles) == 4
    assert cloud.daily_quota == 50
    assert cloud.event_mode == "time"
    assert cloud.event_seconds == 1
    assert (cloud.faults.rules[0].match, cloud.faults.rules[0].times) == ("state", 2)
    assert "MYBMW_SERVER_URL=http://127.0.0.1:9000" in capsys.readouterr().out
    cli.main(["--fleet", "12", "--seed", "4"])
    assert len(calls[-1][0].vehicles) == 12
    assert calls[-1][0].event_mode == "poll"
    cli.main(["--host", "0.0.0.0", "--force"])
    assert calls[-1][3] is True


def test_cli_refuses_remote_hosts_and_bad_options(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--host", "192.0.2.1"])
    with pytest.raises(SystemExit):
        cli.main(["--fault", "state"])
    with pytest.raises(SystemExit):
        cli.main(["--fingerprint", str(tmp_path / "absent")])


@needs_samples
def test_cli_fingerprint(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[MyBMWCloud] = []
    monkeypatch.setattr(cli, "run", lambda cloud, *a, **k: seen.append(cloud))
    cli.main(["--fingerprint", str(SAMPLES / "G26")])
    assert list(seen[0].vehicles) == ["WBA00000000DEMO02"]
