"""The CarData simulator over HTTP (aiohttp TestServer on 127.0.0.1) and its stream publisher.

``socket_enabled`` lifts the Home Assistant plugin's socket block for these tests; all
connections stay on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import json
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
import pytest

from custom_components.bmw_mybmw.cardata.stream import parse_message
from simulator import cardata_server
from simulator.cardata import DEMO_GCID, CarDataCloud, s256

VERIFIER = "v" * 64
ANY_CLIENT = "my-own-client-id"


@pytest.fixture
async def client(socket_enabled: None) -> AsyncIterator[TestClient[Any, Any]]:
    cloud = CarDataCloud(approve_after_polls=None)
    app = cardata_server.create_app(cloud)
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


def cloud_of(client: TestClient[Any, Any]) -> CarDataCloud:
    return client.app[cardata_server.CARDATA_KEY]  # type: ignore[index]


async def device_code(client: TestClient[Any, Any]) -> dict[str, Any]:
    reply = await client.post(
        "/gcdm/oauth/device/code",
        data={
            "client_id": ANY_CLIENT,
            "response_type": "device_code",
            "scope": "authenticate_user openid cardata:api:read cardata:streaming:read",
            "code_challenge": s256(VERIFIER),
            "code_challenge_method": "S256",
        },
    )
    assert reply.status == 200
    return dict(await reply.json())


async def poll(client: TestClient[Any, Any], code: dict[str, Any]) -> Any:
    cloud_of(client).advance(10)  # past the poll interval (the clock is fixed here)
    reply = await client.post(
        "/gcdm/oauth/token",
        data={
            "client_id": ANY_CLIENT,
            "device_code": code["device_code"],
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "code_verifier": VERIFIER,
        },
    )
    return reply.status, await reply.json()


@pytest.fixture
async def fixed_clock_client(socket_enabled: None) -> AsyncIterator[TestClient[Any, Any]]:
    app = cardata_server.create_app(CarDataCloud(approve_after_polls=None), live_clock=False)
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


async def test_device_login_with_any_client_and_the_link(
    fixed_clock_client: TestClient[Any, Any],
) -> None:
    client = fixed_clock_client
    code = await device_code(client)
    link = code["verification_uri_complete"]
    assert link.startswith(f"http://127.0.0.1:{client.port}/oneid/link?user_code=")
    status, body = await poll(client, code)
    assert (status, body["error"]) == (403, "authorization_pending")
    opened = await client.get(f"/oneid/link?user_code={code['user_code']}")
    assert opened.status == 200
    assert code["user_code"] in await opened.text()
    status, body = await poll(client, code)
    assert status == 200
    assert body["gcid"] == DEMO_GCID
    # The REST API answers on the same origin.
    reply = await client.get(
        "/customers/vehicles/mappings",
        headers={"authorization": f"Bearer {body['access_token']}", "x-version": "v1"},
    )
    assert reply.status == 200
    assert len(await reply.json()) == len(cloud_of(client).specs)
    state = await (await client.get("/_admin/state")).json()
    assert state["quota"]["used_today"] == 1
    assert state["pending_logins"] == 0


async def test_unknown_link_and_admin_approve(client: TestClient[Any, Any]) -> None:
    assert (await client.get("/oneid/link?user_code=NOPE")).status == 404
    assert (await client.get("/oneid/link")).status == 404
    await device_code(client)
    reply = await client.post("/_admin/approve")
    assert await reply.json() == {"approved": 1}
    state = await (await client.get("/_admin/state")).json()
    assert state["pending_logins"] == 0
    assert len(state["vehicles"]) == len(cloud_of(client).specs)


async def test_live_clock_follows_the_wall_clock(client: TestClient[Any, Any]) -> None:
    cloud = cloud_of(client)
    before = cloud.now
    await client.get("/_admin/state")
    assert cloud.now > before  # START_TIME lies in 2025
    unknown = await client.get("/nothing/here")
    assert unknown.status == 401  # the API wants a token before anything else


class FakePublishClient:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, int]] = []
        self.stopped: list[str] = []

    def publish(self, topic: str, payload: bytes, qos: int = 0) -> None:
        self.sent.append((topic, payload, qos))

    def loop_stop(self) -> None:
        self.stopped.append("loop_stop")

    def disconnect(self) -> None:
        self.stopped.append("disconnect")


def test_publisher_snapshot_then_drift() -> None:
    cloud = CarDataCloud()
    mqtt = FakePublishClient()
    publisher = cardata_server.StreamPublisher(cloud, mqtt)
    talking = [vin for vin, readings in cloud.telematics.items() if readings]
    assert publisher.step() == talking
    topic, payload, qos = mqtt.sent[0]
    assert (topic, qos) == (f"{DEMO_GCID}/{talking[0]}", 1)
    first = parse_message(payload)
    assert first.vin == talking[0]
    assert len(first.values) == len(cloud.telematics[talking[0]])
    mileage = first.values["vehicle.vehicle.travelledDistance"].value
    mqtt.sent.clear()
    publisher.step()
    second = parse_message(mqtt.sent[0][1])
    assert second.values["vehicle.vehicle.travelledDistance"].value == mileage + 1
    assert set(second.values) <= {
        "vehicle.vehicle.travelledDistance",
        "vehicle.drivetrain.batteryManagement.header",
    }


def test_battery_level_wraps() -> None:
    readings: dict[str, tuple[Any, str | None]] = {
        "vehicle.drivetrain.batteryManagement.header": (100, "percent")
    }
    cardata_server.StreamPublisher._drift(readings)
    assert readings["vehicle.drivetrain.batteryManagement.header"] == (20, "percent")


async def test_publish_forever_until_cancelled() -> None:
    cloud = CarDataCloud()
    mqtt = FakePublishClient()
    publisher = cardata_server.StreamPublisher(cloud, mqtt)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            raise RuntimeError("enough")

    with pytest.raises(RuntimeError, match="enough"):
        await cardata_server.publish_forever(publisher, 7.0, sleep=sleep)
    assert waits == [7.0, 7.0]
    assert publisher.steps == 2
    assert cloud.now.year >= 2026
    assert json.loads(mqtt.sent[-1][1])["vin"]


async def test_attached_publisher_runs_with_the_app(socket_enabled: None) -> None:
    mqtt = FakePublishClient()
    app = cardata_server.create_app(CarDataCloud())
    cardata_server.attach_publisher(app, lambda: mqtt, 60.0)
    async with TestClient(TestServer(app, host="127.0.0.1")):
        assert mqtt.sent  # the first round goes out at start
    assert mqtt.stopped == ["loop_stop", "disconnect"]


def test_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    served: list[tuple[web.Application, dict[str, Any]]] = []

    def run_app(app: web.Application, **kwargs: Any) -> None:
        served.append((app, kwargs))

    assert cardata_server.main(["--port", "9001", "--mqtt-port", "1999"], run_app=run_app) == 0
    app, kwargs = served[0]
    assert kwargs["port"] == 9001
    assert kwargs["host"] == "127.0.0.1"
    cloud = app[cardata_server.CARDATA_KEY]
    assert cloud.approve_after_polls == 2
    assert len(app.cleanup_ctx) == 1
    out = capsys.readouterr().out
    assert "CARDATA_SERVER_URL=http://127.0.0.1:9001" in out
    assert "CARDATA_STREAM_URL=mqtt://127.0.0.1:1999" in out
    cardata_server.main(["--approve-after-polls", "0"], run_app=run_app)
    assert served[1][0][cardata_server.CARDATA_KEY].approve_after_polls is None
    assert "no stream publisher" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cardata_server.main(["--host", "0.0.0.0"], run_app=run_app)
