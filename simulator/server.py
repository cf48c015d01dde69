"""The simulated cloud over HTTP (aiohttp), for the demo and end-to-end tests.

Every path goes to ``MyBMWCloud.handle_async``; ``/_admin/*`` lets tests and demos
inject faults, inspect vehicles and move the clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
import ipaddress
from pathlib import Path
from typing import Any

from aiohttp import web

from .cloud import MyBMWCloud, SimulatedTimeout
from .faults import FaultRule

CLOUD_KEY = web.AppKey("cloud", MyBMWCloud)


class StateSaver:
    """Writes the cloud's state file whenever its tokens changed since the last write."""

    def __init__(self, cloud: MyBMWCloud, path: Path) -> None:
        """Start from the cloud's current tokens (just loaded, or none yet)."""
        self.cloud = cloud
        self.path = path
        self.saved_version = cloud.token_version

    def save_if_changed(self) -> None:
        """Persist right after a login or refresh: a crash must not lose the new tokens."""
        if self.cloud.token_version != self.saved_version:
            self.save()

    def save(self) -> None:
        """Write tokens and vehicle documents now."""
        self.cloud.save_state(self.path)
        self.saved_version = self.cloud.token_version


SAVER_KEY = web.AppKey("state_saver", StateSaver)


def is_loopback_host(host: str) -> bool:
    """Whether binding to ``host`` keeps the server private to this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _proxy(request: web.Request) -> web.StreamResponse:
    cloud = request.app[CLOUD_KEY]
    body = await request.read()
    try:
        reply = await cloud.handle_async(request.method, str(request.url), request.headers, body)
    except SimulatedTimeout as err:
        await asyncio.sleep(err.seconds)
        return web.Response(status=504, text="Gateway Timeout")
    if SAVER_KEY in request.app:
        request.app[SAVER_KEY].save_if_changed()
    return web.Response(status=reply.status, headers=reply.headers, body=reply.body)


async def _save_on_shutdown(app: web.Application) -> AsyncIterator[None]:
    yield
    app[SAVER_KEY].save()


async def _faults(request: web.Request) -> web.Response:
    faults = request.app[CLOUD_KEY].faults
    if request.method == "POST":
        data = await request.json()
        try:
            rule = FaultRule(
                match=str(data["match"]),
                kind=str(data["kind"]),
                times=data.get("times"),
                seconds=float(data.get("seconds", 2.0)),
                retry_after=data.get("retry_after"),
            )
        except (KeyError, TypeError, ValueError) as err:
            return web.json_response({"error": str(err)}, status=400)
        return web.json_response(faults.add_rule(rule).to_dict(), status=201)
    if request.method == "DELETE":
        rule_id = request.query.get("id")
        if rule_id is None:
            faults.clear()
        elif not faults.remove(int(rule_id)):
            return web.json_response({"error": "no such rule"}, status=404)
    return web.json_response([rule.to_dict() for rule in faults.rules])


async def _state(request: web.Request) -> web.Response:
    cloud = request.app[CLOUD_KEY]
    vehicles: dict[str, Any] = {
        vin: {"brand": v.brand, "state": v.state, "charging": v.charging}
        for vin, v in cloud.vehicles.items()
    }
    counts: dict[str, int] = {}
    for recorded in cloud.requests:
        counts[recorded.endpoint] = counts.get(recorded.endpoint, 0) + 1
    return web.json_response(
        {
            "now": cloud.now().isoformat(),
            "quota": {"daily_limit": cloud.daily_quota, "used_today": cloud.quota_used()},
            "requests": counts,
            "vehicles": vehicles,
        }
    )


async def _clock(request: web.Request) -> web.Response:
    cloud = request.app[CLOUD_KEY]
    if request.method == "POST":
        data = await request.json()
        try:
            if "set" in data:
                cloud.clock.set(datetime.fromisoformat(data["set"]))
            if "advance" in data:
                cloud.clock.advance(float(data["advance"]))
        except (TypeError, ValueError) as err:
            return web.json_response({"error": str(err)}, status=400)
    return web.json_response({"now": cloud.now().isoformat()})


def create_app(cloud: MyBMWCloud, state_file: str | Path | None = None) -> web.Application:
    """Return the aiohttp application serving ``cloud``, saving to ``state_file`` if given."""
    app = web.Application(client_max_size=4 * 1024 * 1024)
    app[CLOUD_KEY] = cloud
    if state_file is not None:
        app[SAVER_KEY] = StateSaver(cloud, Path(state_file))
        app.cleanup_ctx.append(_save_on_shutdown)
    app.router.add_route("*", "/_admin/faults", _faults)
    app.router.add_get("/_admin/state", _state)
    app.router.add_route("*", "/_admin/clock", _clock)
    app.router.add_route("*", "/{tail:.*}", _proxy)
    return app


def run(
    cloud: MyBMWCloud,
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    force: bool = False,
    state_file: str | Path | None = None,
) -> None:
    """Serve until interrupted; refuse non-loopback addresses unless forced."""
    if not force and not is_loopback_host(host):
        raise ValueError(f"refusing to bind to {host}: not a loopback address (use --force)")
    web.run_app(create_app(cloud, state_file), host=host, port=port, print=None)
