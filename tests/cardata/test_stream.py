"""Stream: message parsing, reconnect logic over a fake transport, the paho adapter."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
import json
import ssl
from typing import Any

import pytest

from custom_components.bmw_mybmw.cardata.auth import CarDataAuth
from custom_components.bmw_mybmw.cardata.exceptions import (
    CarDataConnectionError,
    CarDataRefreshTokenExpiredError,
    CarDataStreamNotAuthorizedError,
)
from custom_components.bmw_mybmw.cardata.models import StreamMessage
from custom_components.bmw_mybmw.cardata.stream import (
    Backoff,
    CarDataStream,
    PahoConnection,
    StreamConnectionError,
    StreamMessageError,
    StreamNotAuthorizedError,
    parse_message,
)
from simulator.cardata import CarDataCloud

from .conftest import Sleeper, reference

# --- parsing -------------------------------------------------------------------------


def test_parse_reference_example() -> None:
    sample = reference("stream-message-example.json")
    message = parse_message(json.dumps(sample["payload"]).encode())
    assert message.vin == "WBY11HH"
    assert message.timestamp == datetime(2025, 10, 1, 10, 12, 40, 809000, tzinfo=UTC)
    reading = message.values["vehicle.powertrain.electric.battery.charging.preferenceSmartCharging"]
    assert reading.value == "PRICE_OPTIMIZED"
    assert reading.unit is None
    assert reading.timestamp == datetime(2025, 10, 1, 10, 12, 39, tzinfo=UTC)


def test_parse_keeps_types_and_drops_broken_readings() -> None:
    payload = {
        "vin": "WBA00000000000001",
        "timestamp": "2025-06-02T08:00:00Z",
        "data": {
            "a\u200b.b": {"value": 12.5, "unit": "km"},
            "flag": {"value": False, "timestamp": "2025-06-02T07:59:00Z", "unit": ""},
            "no value": {"unit": "km"},
            "not an object": 5,
        },
    }
    message = parse_message(json.dumps(payload).encode())
    assert set(message.values) == {"a.b", "flag"}
    assert message.values["a.b"].value == 12.5
    assert message.values["a.b"].unit == "km"
    assert message.values["a.b"].timestamp == datetime(2025, 6, 2, 8, tzinfo=UTC)
    assert message.values["flag"].value is False
    assert message.values["flag"].unit is None
    assert "WBA" not in repr(message)


@pytest.mark.parametrize("payload", [b"{", b"[1]", b'{"vin": "x"}', b"\xff\xfe"])
def test_parse_rejects_non_messages(payload: bytes) -> None:
    with pytest.raises(StreamMessageError):
        parse_message(payload)


# --- reconnect logic over a fake transport ---------------------------------------------

Step = Callable[["FakeConnection"], Awaitable[tuple[str, bytes]]]


class FakeConnection:
    """Scripted broker session: ``connect_error`` or a list of reads."""

    def __init__(self, connect_error: Exception | None, reads: list[Step]) -> None:
        self.connect_error = connect_error
        self.reads = reads
        self.connected_with: tuple[str, int, str, str] | None = None
        self.topics: list[str] = []
        self.closed = 0

    async def connect(self, host: str, port: int, username: str, password: str) -> None:
        self.connected_with = (host, port, username, password)
        if self.connect_error is not None:
            raise self.connect_error

    async def subscribe(self, topic: str) -> None:
        self.topics.append(topic)

    async def next_message(self) -> tuple[str, bytes]:
        if self.closed or not self.reads:
            raise StreamConnectionError("closed")
        return await self.reads.pop(0)(self)

    async def disconnect(self) -> None:
        self.closed += 1


class Harness:
    """Builds the stream over scripted connections and records what it did."""

    def __init__(self, auth: CarDataAuth, cloud: CarDataCloud, sleeper: Sleeper) -> None:
        self.cloud = cloud
        self.scripts: list[tuple[Exception | None, list[Step]]] = []
        self.connections: list[FakeConnection] = []
        self.messages: list[StreamMessage] = []
        self.states: list[bool] = []
        self.stream = CarDataStream(
            auth,
            self.messages.append,
            connection_factory=self.factory,
            backoff=Backoff(initial=5, maximum=60, jitter=0),
            on_connection_change=self.states.append,
            now=cloud.clock,
            sleep=sleeper,
        )

    def factory(self) -> FakeConnection:
        error, reads = self.scripts.pop(0) if self.scripts else (None, [self.stop_step()])
        connection = FakeConnection(error, reads)
        self.connections.append(connection)
        return connection

    def message(self, names: list[str] | None = None, *, advance: float = 0) -> Step:
        vin = next(iter(self.cloud.specs))
        names = names or ["vehicle.drivetrain.batteryManagement.header"]

        async def step(_conn: FakeConnection) -> tuple[str, bytes]:
            self.cloud.advance(advance)
            return f"gcid/{vin}", self.cloud.stream_payload(vin, names)

        return step

    def raw(self, topic: str, payload: bytes) -> Step:
        async def step(_conn: FakeConnection) -> tuple[str, bytes]:
            return topic, payload

        return step

    def stop_step(self) -> Step:
        async def step(_conn: FakeConnection) -> tuple[str, bytes]:
            await self.stream.stop()
            raise StreamConnectionError("closed by stop")

        return step


@pytest.fixture
def harness(auth: CarDataAuth, cloud: CarDataCloud, sleeper: Sleeper) -> Harness:
    sleeper.calls.clear()  # forget the login's poll interval
    return Harness(auth, cloud, sleeper)


async def test_session_uses_gcid_and_id_token(
    harness: Harness, auth: CarDataAuth, sleeper: Sleeper
) -> None:
    harness.scripts.append((None, [harness.message(), harness.stop_step()]))
    await harness.stream.run()
    tokens = auth.tokens
    assert tokens is not None
    connection = harness.connections[0]
    assert connection.connected_with == (
        "customer.streaming-cardata.bmwgroup.com",
        9000,
        tokens.gcid,
        tokens.id_token,
    )
    assert connection.topics == [f"{tokens.gcid}/+"]
    assert len(harness.messages) == 1
    assert harness.messages[0].values["vehicle.drivetrain.batteryManagement.header"].value == 80
    assert harness.states == [True, False]
    assert connection.closed >= 1
    assert harness.stream.sessions == 1
    assert sleeper.calls == []


async def test_reconnects_with_fresh_id_token_before_expiry(
    harness: Harness, auth: CarDataAuth, cloud: CarDataCloud, sleeper: Sleeper
) -> None:
    first_tokens = auth.tokens
    assert first_tokens is not None
    # The second message arrives 58 minutes later: past the renewal deadline.
    harness.scripts.append((None, [harness.message(), harness.message(advance=58 * 60)]))
    await harness.stream.run()
    first, second = harness.connections[:2]
    assert first.connected_with
    assert second.connected_with
    assert first.connected_with[3] == first_tokens.id_token
    assert auth.tokens is not None
    assert second.connected_with[3] == auth.tokens.id_token
    assert second.connected_with[3] != first_tokens.id_token
    assert cloud.count("/token") == 2  # login + the refresh before the new session
    assert len(harness.messages) == 2
    assert sleeper.calls == []


async def test_not_authorized_forces_a_real_refresh(
    harness: Harness, auth: CarDataAuth, cloud: CarDataCloud, sleeper: Sleeper
) -> None:
    stale = auth.tokens
    assert stale is not None
    harness.scripts.append((StreamNotAuthorizedError("code 135"), []))
    await harness.stream.run()
    assert cloud.count("/token") == 2  # refreshed although the token looked valid
    retry = harness.connections[1].connected_with
    assert retry is not None
    assert retry[3] != stale.id_token
    assert sleeper.calls == [5]


async def test_repeated_not_authorized_gives_up(harness: Harness, cloud: CarDataCloud) -> None:
    harness.scripts.extend((StreamNotAuthorizedError("135"), []) for _ in range(3))
    with pytest.raises(CarDataStreamNotAuthorizedError, match="CarData Stream"):
        await harness.stream.run()
    assert cloud.count("/token") == 3  # login + two forced refreshes


async def test_backoff_grows_and_resets_after_a_good_session(
    harness: Harness, sleeper: Sleeper
) -> None:
    harness.scripts.extend((StreamConnectionError("refused"), []) for _ in range(5))
    # Delivers for ten minutes, then drops: a good session, the series starts again.
    harness.scripts.append((None, [harness.message(advance=600)]))
    harness.scripts.append((StreamConnectionError("refused"), []))
    await harness.stream.run()
    assert sleeper.calls == [5, 10, 20, 40, 60, 5, 10]


async def test_bad_payloads_and_failing_handler_do_not_stop_the_stream(
    auth: CarDataAuth, cloud: CarDataCloud, sleeper: Sleeper
) -> None:
    received: list[StreamMessage] = []

    def handler(message: StreamMessage) -> None:
        received.append(message)
        if len(received) == 1:
            raise RuntimeError("consumer bug")

    harness = Harness(auth, cloud, sleeper)
    harness.stream._on_message = handler
    no_vin = json.dumps({"data": {"x": {"value": 1}}}).encode()
    harness.scripts.append(
        (
            None,
            [
                harness.raw("gcid/VIN1", b"not json"),
                harness.message(),
                harness.raw("gcid/WBATOPIC0000000", no_vin),
                harness.stop_step(),
            ],
        )
    )
    await harness.stream.run()
    assert len(received) == 2
    assert received[1].vin == "WBATOPIC0000000"


async def test_refresh_failures_back_off_and_auth_failures_end_run(
    harness: Harness, auth: CarDataAuth, cloud: CarDataCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    original = auth.ensure_valid

    async def flaky(min_validity: timedelta | None = None) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise CarDataConnectionError("login host down")
        return await original(min_validity)

    monkeypatch.setattr(auth, "ensure_valid", flaky)
    await harness.stream.run()
    assert calls == 2
    assert harness.stream.sessions == 1

    cloud.advance(timedelta(days=15).total_seconds())
    later = Harness(auth, cloud, Sleeper(cloud))
    with pytest.raises(CarDataRefreshTokenExpiredError):
        await later.stream.run()
    assert later.connections == []


async def test_stop_while_idle(harness: Harness) -> None:
    await harness.stream.stop()
    await harness.stream.run()
    assert harness.connections == []


def test_backoff_is_bounded_with_jitter() -> None:
    backoff = Backoff(initial=5, maximum=300, factor=2, jitter=0.2)
    assert backoff.delay(0, lambda: 0.0) == 5
    assert backoff.delay(3, lambda: 1.0) == pytest.approx(32)
    assert backoff.delay(100, lambda: 0.0) == 300


def test_default_transport_is_paho(auth: CarDataAuth) -> None:
    stream = CarDataStream(auth, lambda m: None)
    connection = stream._factory()
    assert isinstance(connection, PahoConnection)
    assert auth.tokens is not None
    assert connection._client_id == auth.tokens.gcid
    client = connection._new_client()
    assert type(client).__module__ == "paho.mqtt.client"


# --- paho adapter with a fake paho client ----------------------------------------------


class Reason:
    def __init__(self, value: int) -> None:
        self.value = value


class FakePahoClient:
    """Records calls; answers CONNACK with ``code`` (None: never)."""

    def __init__(self, code: int | None = 0, connect_error: Exception | None = None) -> None:
        self.code = code
        self.connect_error = connect_error
        self.calls: list[Any] = []
        self.subscribe_result = 0
        self.on_connect: Any = None
        self.on_disconnect: Any = None
        self.on_message: Any = None
        self.disconnect_error: Exception | None = None

    def username_pw_set(self, username: str, password: str) -> None:
        self.calls.append(("auth", username, password))

    def tls_set_context(self, context: ssl.SSLContext) -> None:
        self.calls.append(("tls", context))

    def connect(self, host: str, port: int, keepalive: int) -> None:
        if self.connect_error is not None:
            raise self.connect_error
        self.calls.append(("connect", host, port, keepalive))

    def loop_start(self) -> None:
        self.calls.append("loop_start")
        if self.code is not None:
            self.on_connect(self, None, {}, Reason(self.code), None)

    def loop_stop(self) -> None:
        self.calls.append("loop_stop")

    def subscribe(self, topic: str, qos: int) -> tuple[int, int]:
        self.calls.append(("subscribe", topic, qos))
        return self.subscribe_result, 1

    def disconnect(self) -> None:
        self.calls.append("disconnect")
        if self.disconnect_error is not None:
            raise self.disconnect_error


class Message:
    topic = "gcid/VIN"
    payload = b'{"vin": "VIN", "data": {}}'


async def inline(function: Callable[[], None]) -> None:
    function()


def paho_connection(client: FakePahoClient, **kwargs: Any) -> PahoConnection:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return PahoConnection(
        "gcid", ssl_context=context, client_factory=lambda: client, run_blocking=inline, **kwargs
    )


async def test_paho_session() -> None:
    client = FakePahoClient()
    connection = paho_connection(client)
    await connection.connect("broker", 9000, "gcid", "id-token")
    assert ("auth", "gcid", "id-token") in client.calls
    assert ("connect", "broker", 9000, 60) in client.calls
    await connection.subscribe("gcid/+")
    assert ("subscribe", "gcid/+", 1) in client.calls
    client.on_message(client, None, Message())
    assert await connection.next_message() == ("gcid/VIN", Message.payload)
    client.on_disconnect(client, None, None, Reason(0), None)
    with pytest.raises(StreamConnectionError):
        await asyncio.wait_for(connection.next_message(), 1)
    client.disconnect_error = OSError("already closed")
    await connection.disconnect()
    await connection.disconnect()
    assert client.calls.count("loop_stop") == 1
    with pytest.raises(StreamConnectionError, match="Not connected"):
        await connection.subscribe("gcid/+")


@pytest.mark.parametrize(
    ("code", "error"),
    [(135, StreamNotAuthorizedError), (5, StreamNotAuthorizedError), (136, StreamConnectionError)],
)
async def test_paho_refusals(code: int, error: type[Exception]) -> None:
    client = FakePahoClient(code)
    connection = paho_connection(client)
    with pytest.raises(error):
        await connection.connect("broker", 9000, "gcid", "id-token")
    assert "loop_stop" in client.calls


async def test_paho_connect_failures() -> None:
    client = FakePahoClient(connect_error=OSError("unreachable"))
    with pytest.raises(StreamConnectionError, match="OSError"):
        await paho_connection(client).connect("broker", 9000, "gcid", "t")
    silent = FakePahoClient(code=None)
    with pytest.raises(StreamConnectionError, match="TimeoutError"):
        await paho_connection(silent, connect_timeout=0.01).connect("broker", 9000, "gcid", "t")
    failing = FakePahoClient()
    failing.subscribe_result = 4
    connection = paho_connection(failing)
    await connection.connect("broker", 9000, "gcid", "t")
    with pytest.raises(StreamConnectionError, match="Subscribe failed"):
        await connection.subscribe("gcid/+")


async def test_expired_id_token_does_not_spin(auth: CarDataAuth, cloud: CarDataCloud) -> None:
    """A clock ahead of the token's expiry ends every session at once: sessions are paced."""
    calls: list[float] = []
    connections: list[FakeConnection] = []

    def factory() -> FakeConnection:
        if len(connections) > 10:
            raise AssertionError("reconnect loop without a pause")
        connections.append(FakeConnection(None, []))
        return connections[-1]

    async def sleep(seconds: float) -> None:
        calls.append(seconds)
        cloud.advance(seconds)
        if len(calls) == 3:
            await stream.stop()

    stream = CarDataStream(
        auth,
        lambda m: None,
        connection_factory=factory,
        now=lambda: cloud.clock() + timedelta(hours=2),  # the id token is already past
        sleep=sleep,
        min_session_interval=30,
    )
    await asyncio.wait_for(stream.run(), 5)
    assert calls == [30, 30, 30]
    assert stream.sessions == 3
    assert all(c.connected_with is not None for c in connections)


async def test_paho_without_tls_for_a_loopback_broker() -> None:
    client = FakePahoClient()
    connection = paho_connection(client, tls=False)
    await connection.connect("127.0.0.1", 1883, "gcid", "id-token")
    assert ("connect", "127.0.0.1", 1883, 60) in client.calls
    assert not any(isinstance(c, tuple) and c[0] == "tls" for c in client.calls)
    await connection.disconnect()
