"""CarDataCloud over HTTP (aiohttp) and a publisher feeding a local MQTT broker, for the demo.

``python -m simulator.cardata_server --port 8766 --mqtt-port 1883`` serves the
device-code login and the REST API on one loopback origin (point the
integration at it with ``CARDATA_SERVER_URL``) and publishes stream messages
for the fleet to a broker on 127.0.0.1 (``CARDATA_STREAM_URL=mqtt://…``).

Demo conveniences, none of them BMW behaviour: any client id is accepted; the
simulated user approves a login by itself after a few polls, or at once when
the verification link (served here as ``/oneid/link``) is opened; the cloud's
clock follows the wall clock, so tokens carry real expiry times.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
import html
import random
import sys
from typing import Any, Protocol
from urllib.parse import parse_qsl

from aiohttp import web

from .cardata import API_HOST, AUTH_HOST, PLUG, CarDataCloud, charge_step
from .server import is_loopback_host

CARDATA_KEY = web.AppKey("cardata_cloud", CarDataCloud)
LIVE_CLOCK_KEY = web.AppKey("live_clock", bool)
_LINK_PATH = "/oneid/link"
_MILEAGE = "vehicle.vehicle.travelledDistance"
_BATTERY = "vehicle.drivetrain.batteryManagement.header"


def _tick(app: web.Application) -> CarDataCloud:
    cloud = app[CARDATA_KEY]
    if app[LIVE_CLOCK_KEY]:
        cloud.now = datetime.now(UTC)
    return cloud


async def _proxy(request: web.Request) -> web.Response:
    cloud = _tick(request.app)
    body = await request.read()
    host = AUTH_HOST if request.path.startswith("/gcdm/") else API_HOST
    if host == AUTH_HOST:
        client_id = dict(parse_qsl(body.decode("utf-8", "replace"))).get("client_id")
        if client_id:
            cloud.clients.add(client_id)  # the demo takes any client id
    reply = cloud.handle(
        request.method, f"https://{host}{request.path_qs}", dict(request.headers), body
    )
    payload = reply.body
    if request.path == "/gcdm/oauth/device/code" and reply.status == 200:
        # The verification link leads to this server, which approves the login.
        own_link = f"{request.url.origin()}{_LINK_PATH}"
        payload = payload.replace(f"https://{AUTH_HOST}{_LINK_PATH}".encode(), own_link.encode())
    return web.Response(status=reply.status, headers=reply.headers, body=payload)


async def _approve_page(request: web.Request) -> web.Response:
    cloud = _tick(request.app)
    code = request.query.get("user_code")
    pending = [s for s in cloud.sessions.values() if s.state == "pending"]
    if code is None or not any(s.user_code == code for s in pending):
        return web.Response(status=404, text="No pending login with this code.")
    cloud.approve(code)
    text = html.escape(code)
    return web.Response(
        content_type="text/html",
        text=f"<p>Login {text} approved. Home Assistant finishes the setup on its next poll.</p>",
    )


async def _approve(request: web.Request) -> web.Response:
    cloud = _tick(request.app)
    before = sum(1 for s in cloud.sessions.values() if s.state == "pending")
    cloud.approve(request.query.get("user_code"))
    after = sum(1 for s in cloud.sessions.values() if s.state == "pending")
    return web.json_response({"approved": before - after})


async def _state(request: web.Request) -> web.Response:
    cloud = _tick(request.app)
    return web.json_response(
        {
            "now": cloud.now.isoformat(),
            "pending_logins": sum(1 for s in cloud.sessions.values() if s.state == "pending"),
            "containers": sum(1 for c in cloud.containers.values() if c.state == "ACTIVE"),
            "quota": {"daily_limit": cloud.daily_limit, "used_today": cloud.account.used_today},
            "vehicles": sorted(cloud.specs),
        }
    )


def create_app(cloud: CarDataCloud, *, live_clock: bool = True) -> web.Application:
    """The aiohttp app serving ``cloud``; its clock follows the wall clock if ``live_clock``."""
    app = web.Application()
    app[CARDATA_KEY] = cloud
    app[LIVE_CLOCK_KEY] = live_clock
    app.router.add_get(_LINK_PATH, _approve_page)
    app.router.add_post("/_admin/approve", _approve)
    app.router.add_get("/_admin/state", _state)
    app.router.add_route("*", "/{tail:.*}", _proxy)
    return app


# --- stream publisher --------------------------------------------------------------


class MqttPublishClient(Protocol):
    """The part of a paho client the publisher uses."""

    def publish(self, topic: str, payload: bytes, qos: int = 0) -> Any:
        """Queue one message."""


class StreamPublisher:
    """Sends the fleet's stream messages: a full snapshot first, then small changes."""

    def __init__(
        self, cloud: CarDataCloud, client: MqttPublishClient, *, step_seconds: float = 60.0
    ) -> None:
        """Publish ``cloud``'s readings through ``client`` (topic ``GCID/VIN``, as BMW does).

        Plugged-in cars charge between rounds for the time the cloud's clock
        moved (``step_seconds`` when it stands still, as in tests).
        """
        self.cloud = cloud
        self.client = client
        self.steps = 0
        self.step_seconds = step_seconds
        self._last_round: datetime | None = None
        self._rng = random.Random(0)

    def step(self) -> list[str]:
        """Publish one round; returns the VINs that got a message."""
        sent = []
        now = self.cloud.now
        elapsed = (now - self._last_round).total_seconds() if self._last_round else 0.0
        seconds = elapsed if elapsed > 0 else self.step_seconds
        self._last_round = now
        for vin, readings in self.cloud.telematics.items():
            if not readings:
                continue  # a car without telematics sends nothing
            names: list[str] | None = None
            if self.steps:
                names = self._drift(readings)
                names += [n for n in charge_step(readings, seconds, self._rng) if n not in names]
            topic = f"{self.cloud.account.gcid}/{vin}"
            self.client.publish(topic, self.cloud.stream_payload(vin, names), qos=1)
            sent.append(vin)
        self.steps += 1
        return sent

    @staticmethod
    def _drift(readings: dict[str, tuple[Any, str | None]]) -> list[str]:
        """Move the odometer (and the battery level) a little, like a car in use.

        A plugged-in car stands still; :func:`charge_step` moves its battery.
        """
        changed: list[str] = []
        if readings.get(PLUG, (None, None))[0] == "CONNECTED":
            return changed
        if _MILEAGE in readings:
            value, unit = readings[_MILEAGE]
            readings[_MILEAGE] = (int(value) + 1, unit)
            changed.append(_MILEAGE)
        if _BATTERY in readings:
            value, unit = readings[_BATTERY]
            readings[_BATTERY] = (20 if int(value) >= 100 else int(value) + 1, unit)
            changed.append(_BATTERY)
        return changed


async def publish_forever(
    publisher: StreamPublisher,
    interval: float,
    *,
    live_clock: bool = True,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Publish a round every ``interval`` seconds until cancelled."""
    while True:
        if live_clock:
            publisher.cloud.now = datetime.now(UTC)
        publisher.step()
        await sleep(interval)


def paho_publisher_client(host: str, port: int) -> Any:  # pragma: no cover - needs a broker
    """A connected paho client with its network loop running."""
    from paho.mqtt import client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    client = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id="simulator")
    client.connect(host, port)
    client.loop_start()
    return client


def attach_publisher(
    app: web.Application, client_factory: Callable[[], Any], interval: float
) -> None:
    """Run a publisher for the app's cloud while the app runs."""

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        client = client_factory()
        publisher = StreamPublisher(app[CARDATA_KEY], client)
        task = asyncio.create_task(
            publish_forever(publisher, interval, live_clock=app[LIVE_CLOCK_KEY])
        )
        yield
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        for name in ("loop_stop", "disconnect"):
            getattr(client, name, lambda: None)()

    app.cleanup_ctx.append(lifecycle)


# --- command line --------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The server's options."""
    parser = argparse.ArgumentParser(prog="python -m simulator.cardata_server")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (loopback only)")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--mqtt-port", type=int, default=None, help="publish to 127.0.0.1:PORT")
    parser.add_argument("--publish-seconds", type=float, default=10.0, metavar="S")
    parser.add_argument(
        "--approve-after-polls",
        type=int,
        default=2,
        metavar="N",
        help="the simulated user approves a login at the N-th token poll (0: only via the link)",
    )
    return parser


def main(
    argv: Sequence[str] | None = None,
    run_app: Callable[..., None] = web.run_app,
) -> int:
    """Parse options and serve."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not is_loopback_host(args.host):
        parser.error(f"{args.host} is not a loopback address")
    cloud = CarDataCloud(approve_after_polls=args.approve_after_polls or None)
    cloud.now = datetime.now(UTC)
    app = create_app(cloud)
    broker = "no stream publisher"
    if args.mqtt_port is not None:
        mqtt_port = args.mqtt_port
        attach_publisher(
            app, lambda: paho_publisher_client("127.0.0.1", mqtt_port), args.publish_seconds
        )
        broker = f"CARDATA_STREAM_URL=mqtt://127.0.0.1:{mqtt_port}"
    print(
        f"CarData simulator on http://{args.host}:{args.port} - {len(cloud.specs)} vehicles; "
        f"any client id; CARDATA_SERVER_URL=http://{args.host}:{args.port}; {broker}",
        flush=True,
    )
    run_app(app, host=args.host, port=args.port, print=None)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
