"""The CarData MQTT stream: message parsing, and a reconnecting client over TLS.

Library choice: ``paho-mqtt`` (Eclipse, maintained). Home Assistant 2025.4
pins ``paho-mqtt==2.1.0`` in its package constraints and its own MQTT
integration runs on it, so this adds no new dependency. ``aiomqtt`` is only an
asyncio wrapper around the same paho client and would be one more package
for users to install. The paho client runs its network loop in its own
thread; :class:`PahoConnection` hands every event to the event loop.

The transport sits behind :class:`MqttConnection`, so the reconnect logic in
:class:`CarDataStream` is tested with a fake connection and no broker, and
:func:`parse_message` is a pure function.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
import json
import logging
import random
import ssl
from typing import Any, Final, Protocol

from ..mybmw.utils import parse_datetime
from .auth import CarDataAuth, Clock, Sleep, utcnow
from .const import STREAM_HOST, STREAM_PORT
from .exceptions import CarDataConnectionError, CarDataStreamNotAuthorizedError
from .models import DescriptorValue, StreamMessage

_LOGGER = logging.getLogger(__name__)

ZERO_WIDTH_SPACE: Final = "\u200b"

# CONNACK refusals that mean "credentials not accepted": MQTT 3.1.1 codes 4/5
# and the MQTT 5 reason codes paho maps them to (134, 135).
NOT_AUTHORIZED_CODES: Final = frozenset({4, 5, 134, 135})


class StreamMessageError(ValueError):
    """A stream payload that is not a CarData message."""


class StreamConnectionError(CarDataConnectionError):
    """The broker could not be reached, refused us, or dropped the connection."""


class StreamNotAuthorizedError(StreamConnectionError):
    """CONNACK "not authorized" / "bad user name or password"."""


# --- parsing -----------------------------------------------------------------


def _clean_name(name: str) -> str:
    return name.replace(ZERO_WIDTH_SPACE, "").strip()


def parse_message(payload: bytes) -> StreamMessage:
    """Parse one message ``{vin, timestamp, data: {descriptor: {value, unit?, timestamp}}}``.

    Readings without a ``value`` key are dropped one by one; a payload that is
    not such an object raises :class:`StreamMessageError`.
    """
    try:
        body = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as err:
        raise StreamMessageError("payload is not JSON") from err
    if not isinstance(body, dict):
        raise StreamMessageError("payload is not an object")
    data = body.get("data")
    if not isinstance(data, dict):
        raise StreamMessageError("payload has no data object")
    vin = body.get("vin")
    message_time = parse_datetime(body.get("timestamp"))
    values: dict[str, DescriptorValue] = {}
    for raw_name, entry in data.items():
        if not isinstance(raw_name, str) or not isinstance(entry, dict) or "value" not in entry:
            continue
        unit = entry.get("unit")
        values[_clean_name(raw_name)] = DescriptorValue(
            value=entry["value"],
            unit=unit if isinstance(unit, str) and unit else None,
            timestamp=parse_datetime(entry.get("timestamp")) or message_time,
        )
    return StreamMessage(
        vin=vin if isinstance(vin, str) else "", timestamp=message_time, values=values
    )


# --- transport ---------------------------------------------------------------


class MqttConnection(Protocol):
    """One broker session; raise :class:`StreamConnectionError` (or a subclass) on failure."""

    async def connect(self, host: str, port: int, username: str, password: str) -> None:
        """Connect and wait for the CONNACK."""

    async def subscribe(self, topic: str) -> None:
        """Subscribe to a topic filter."""

    async def next_message(self) -> tuple[str, bytes]:
        """Wait for the next ``(topic, payload)``; raise when the connection is lost."""

    async def disconnect(self) -> None:
        """Close the session (safe to call more than once)."""


ConnectionFactory = Callable[[], MqttConnection]


class PahoConnection:
    """:class:`MqttConnection` over paho-mqtt (MQTT 3.1.1, TLS with the system CAs).

    Blocking work (TLS context, TCP connect, stopping the network thread) runs
    in a worker thread. ``client_factory`` exists for tests.
    """

    def __init__(
        self,
        client_id: str = "",
        *,
        ssl_context: ssl.SSLContext | None = None,
        tls: bool = True,
        keepalive: int = 60,
        connect_timeout: float = 30.0,
        client_factory: Callable[..., Any] | None = None,
        run_blocking: Callable[[Callable[[], None]], Awaitable[None]] | None = None,
    ) -> None:
        """Prepare a session; nothing is sent before :meth:`connect`.

        ``run_blocking`` runs blocking calls off the event loop (default
        ``asyncio.to_thread``; Home Assistant passes its executor).
        ``tls=False`` is only meant for a loopback demo broker (``CARDATA_STREAM_URL``).
        """
        self._client_id = client_id
        self._ssl_context = ssl_context
        self._tls = tls
        self._keepalive = keepalive
        self._connect_timeout = connect_timeout
        self._client_factory = client_factory
        self._run_blocking = run_blocking or _to_thread
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connack: asyncio.Future[int] | None = None
        self._queue: asyncio.Queue[tuple[str, bytes] | Exception] = asyncio.Queue()

    def _new_client(self) -> Any:
        if self._client_factory is not None:
            return self._client_factory()
        # Imported late: only the real transport needs paho.
        from paho.mqtt import client as paho
        from paho.mqtt.enums import CallbackAPIVersion

        return paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=self._client_id,
            protocol=paho.MQTTv311,
            reconnect_on_failure=False,
        )

    # paho calls these from its network thread.
    def _on_connect(self, _client: Any, _userdata: Any, _flags: Any, reason: Any, *_: Any) -> None:
        code = int(getattr(reason, "value", reason))
        if self._loop is not None and self._connack is not None:
            self._loop.call_soon_threadsafe(_resolve, self._connack, code)

    def _on_disconnect(self, *_args: Any) -> None:
        if self._loop is not None:
            lost = StreamConnectionError("Stream connection closed by the broker")
            self._loop.call_soon_threadsafe(self._queue.put_nowait, lost)

    def _on_message(self, _client: Any, _userdata: Any, message: Any) -> None:
        if self._loop is not None:
            item = (str(message.topic), bytes(message.payload))
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)

    async def connect(self, host: str, port: int, username: str, password: str) -> None:
        """Open the TLS session and wait for the broker's answer."""
        self._loop = asyncio.get_running_loop()
        self._connack = self._loop.create_future()
        client = self._new_client()
        client.username_pw_set(username, password)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self._client = client

        def open_session() -> None:
            if self._tls:
                client.tls_set_context(self._ssl_context or ssl.create_default_context())
            client.connect(host, port, self._keepalive)
            client.loop_start()

        try:
            await self._run_blocking(open_session)
            code = await asyncio.wait_for(self._connack, self._connect_timeout)
        except (OSError, ValueError, TimeoutError) as err:
            await self.disconnect()
            raise StreamConnectionError(f"Stream connect failed: {type(err).__name__}") from err
        if code in NOT_AUTHORIZED_CODES:
            await self.disconnect()
            raise StreamNotAuthorizedError(f"Stream broker refused the credentials (code {code})")
        if code != 0:
            await self.disconnect()
            raise StreamConnectionError(f"Stream broker refused the connection (code {code})")

    async def subscribe(self, topic: str) -> None:
        """Subscribe with QoS 1."""
        if self._client is None:
            raise StreamConnectionError("Not connected")
        result, _mid = self._client.subscribe(topic, qos=1)
        if int(result) != 0:
            raise StreamConnectionError(f"Subscribe failed (code {int(result)})")

    async def next_message(self) -> tuple[str, bytes]:
        """The next message; raises when the broker closed the session."""
        item = await self._queue.get()
        if isinstance(item, Exception):
            raise item
        return item

    async def disconnect(self) -> None:
        """Close the session and stop paho's network thread."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.disconnect()
        except Exception:  # closing a half-open session must not fail the caller
            _LOGGER.debug("Stream disconnect raised, ignoring")
        await self._run_blocking(client.loop_stop)


async def _to_thread(function: Callable[[], None]) -> None:
    await asyncio.to_thread(function)


def _resolve(future: asyncio.Future[int], code: int) -> None:
    if not future.done():
        future.set_result(code)


# --- reconnecting client -------------------------------------------------------


@dataclass(frozen=True)
class Backoff:
    """Bounded exponential backoff with optional jitter (a share of the delay)."""

    initial: float = 5.0
    maximum: float = 300.0
    factor: float = 2.0
    jitter: float = 0.2

    def delay(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait before attempt ``attempt`` (0-based) of a failure series."""
        base = min(self.maximum, self.initial * self.factor ** min(attempt, 32))
        return base * (1.0 - self.jitter * rand())


MessageHandler = Callable[[StreamMessage], None]


class CarDataStream:
    """Keeps one stream session alive and hands parsed messages to ``on_message``.

    * The id token is the MQTT password and the broker drops the session when
      it expires: the session is closed ``reconnect_margin`` before that, and
      the next one starts with a refreshed token.
    * A "not authorized" CONNACK forces a real token refresh before the retry;
      after ``max_auth_failures`` such refusals in a row with fresh tokens,
      :class:`CarDataStreamNotAuthorizedError` ends :meth:`run`.
    * Other failures retry with bounded exponential backoff; the series only
      restarts after a session that delivered a message and lasted
      ``stable_session`` seconds. A session that connected and then failed is
      followed by a pause of at least ``min_session_interval`` from its start:
      a broker that drops every session after one message (a second client
      with our id) would otherwise be reconnected to every few seconds.
    * Login failures (refresh token expired...) end :meth:`run` with their
      :class:`~.exceptions.CarDataAuthError`.
    * Sessions start at least ``min_session_interval`` seconds apart: an id
      token whose expiry is already past (a wrong clock, a server handing out
      stale tokens) would otherwise end every session at once, in a tight loop.
    """

    def __init__(
        self,
        auth: CarDataAuth,
        on_message: MessageHandler,
        *,
        connection_factory: ConnectionFactory | None = None,
        host: str = STREAM_HOST,
        port: int = STREAM_PORT,
        reconnect_margin: timedelta = timedelta(minutes=5),
        backoff: Backoff | None = None,
        max_auth_failures: int = 3,
        min_session_interval: float = 30.0,
        stable_session: float = 300.0,
        on_connection_change: Callable[[bool], None] | None = None,
        now: Clock = utcnow,
        sleep: Sleep | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        """Configure the stream; :meth:`run` starts it."""
        self._auth = auth
        self._on_message = on_message
        self._factory = connection_factory or _default_factory(auth)
        self.host = host
        self.port = port
        self.reconnect_margin = reconnect_margin
        self.backoff = backoff or Backoff()
        self.max_auth_failures = max_auth_failures
        self.min_session_interval = min_session_interval
        self.stable_session = stable_session
        self._on_connection_change = on_connection_change
        self._now = now
        self._sleep: Callable[[float], Awaitable[None]] = sleep or asyncio.sleep
        self._rand = rand
        self._stopping = False
        self._healthy = False
        self._connection: MqttConnection | None = None
        self.connected = False
        self.sessions = 0
        """Sessions opened so far (diagnostics)."""

    async def stop(self) -> None:
        """End :meth:`run` after closing the current session."""
        self._stopping = True
        if self._connection is not None:
            await self._connection.disconnect()

    async def run(self) -> None:
        """Connect, read, reconnect, until :meth:`stop` or a login failure."""
        failures = 0
        auth_failures = 0
        force_refresh = False
        while not self._stopping:
            try:
                if force_refresh:
                    tokens = await self._auth.refresh()
                else:
                    tokens = await self._auth.ensure_valid(self.reconnect_margin * 2)
            except CarDataConnectionError:
                _LOGGER.debug("Token refresh for the stream failed, retrying")
                await self._wait(failures)
                failures += 1
                continue
            force_refresh = False
            connection = self._factory()
            self._connection = connection
            retry_later = self._healthy = connected = False
            started = self._now()
            try:
                await connection.connect(self.host, self.port, tokens.gcid, tokens.id_token)
                connected = True
                self.sessions += 1
                auth_failures = 0
                await connection.subscribe(f"{tokens.gcid}/+")
                self._set_connected(True)
                deadline = tokens.id_token_expires_at - self.reconnect_margin
                await self._read_until(connection, deadline)
                _LOGGER.debug("Stream session renewed before the id token expires")
            except StreamNotAuthorizedError:
                auth_failures += 1
                if auth_failures >= self.max_auth_failures:
                    raise CarDataStreamNotAuthorizedError(
                        "The CarData stream refuses fresh credentials: check that the client is "
                        "subscribed to CarData Stream and that data streaming is configured"
                    ) from None
                _LOGGER.debug("Stream refused the id token, forcing a token refresh")
                force_refresh = retry_later = True
            except StreamConnectionError as err:
                _LOGGER.debug("Stream connection lost: %s", err)
                retry_later = not self._stopping
            finally:
                self._set_connected(False)
                self._connection = None
                await connection.disconnect()
            failures = await self._between_sessions(failures, retry_later, started, connected)

    async def _between_sessions(
        self, failures: int, retry_later: bool, started: datetime, connected: bool
    ) -> int:
        """Back off after a failure, pace a session that ended on its own; the new failure count."""
        elapsed = (self._now() - started).total_seconds()
        if self._healthy and elapsed >= self.stable_session:
            failures = 0  # only a session that delivered data for a while ends a series
        if retry_later:
            wait = self.backoff.delay(failures, self._rand)
            if connected:
                wait = max(wait, self.min_session_interval - elapsed)
            await self._sleep(wait)
            return failures + 1
        if not self._stopping and elapsed < self.min_session_interval:
            _LOGGER.debug("Stream session ended after %.1f s, pausing before the next", elapsed)
            await self._sleep(self.min_session_interval - elapsed)
        return failures

    async def _wait(self, failures: int) -> None:
        await self._sleep(self.backoff.delay(failures, self._rand))

    async def _read_until(self, connection: MqttConnection, deadline: Any) -> None:
        while not self._stopping:
            remaining = (deadline - self._now()).total_seconds()
            if remaining <= 0:
                return
            try:
                topic, payload = await asyncio.wait_for(connection.next_message(), remaining)
            except TimeoutError:
                continue
            self._healthy = True
            self._dispatch(topic, payload)

    def _dispatch(self, topic: str, payload: bytes) -> None:
        try:
            message = parse_message(payload)
        except StreamMessageError as err:
            _LOGGER.debug("Ignoring stream message: %s", err)
            return
        if not message.vin and "/" in topic:
            message = StreamMessage(
                vin=topic.rsplit("/", 1)[1], timestamp=message.timestamp, values=message.values
            )
        try:
            self._on_message(message)
        except Exception:  # a failing consumer must not end the stream
            _LOGGER.exception("Stream message handler failed")

    def _set_connected(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            if self._on_connection_change is not None:
                self._on_connection_change(connected)


def _default_factory(auth: CarDataAuth) -> ConnectionFactory:
    def factory() -> MqttConnection:
        gcid = auth.tokens.gcid if auth.tokens is not None else ""
        return PahoConnection(client_id=gcid)

    return factory
