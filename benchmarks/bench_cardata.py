"""Benchmark 6: a BMW CarData entry in Home Assistant, REST requests per day and push latency.

CarData allows 50 REST requests a day. The entry is set up against the
simulated CarData cloud (respx) with the stream on a fake broker, then two
simulated days run through the coordinator's periodic check every 30 minutes:
once with a live stream (every car sends every 2 hours while awake) and once
with a silent stream (the worst case: every vehicle falls back to REST).
Latency is the time from a message handed to the stream until the entity's
new state is written, over many messages. *Full set*: one EV that has sent
every streamable descriptor (a value for every row of the descriptor table),
so it carries every descriptor entity; entities per car and the latency of a
charging-power message and of a full burst, with the default set enabled and
with every entity enabled.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
import time
from typing import Any

from homeassistant.core import Event, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity
from homeassistant.util import dt as dt_util

from custom_components.bmw_mybmw import (
    cardata_coordinator as coordinator_module,
    contract as clock_module,
)
from custom_components.bmw_mybmw.cardata.catalogue import DESCRIPTORS
from custom_components.bmw_mybmw.cardata.stream import Backoff
from custom_components.bmw_mybmw.cardata.telematics import TelematicsDescriptor
from custom_components.bmw_mybmw.cardata_coordinator import CHECK_INTERVAL, CarDataCoordinator
from custom_components.bmw_mybmw.entity import vehicle_unique_id
from simulator import fleet
from simulator.cardata import DEMO_CLIENT_ID, CarDataCloud, mock_cardata_api
from tests.cardata_ha import FakeBroker, tokens_data, wait_for_stream

from .common import median, parse_args, write_result
from .ha_harness import home_assistant, setup

FLEETS = (1, 4)
START = datetime(2025, 6, 2, 6, 0, tzinfo=UTC)
SOC = "vehicle.drivetrain.batteryManagement.header"
AWAKE_EVERY = timedelta(hours=2)


class SimulatedClock:
    """The coordinator's, budget's and login's clock (``dt_util`` of the coordinator module)."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def utcnow(self) -> datetime:
        return self.moment

    @staticmethod
    def as_local(moment: datetime) -> datetime:
        return moment


def entry_for(cloud: CarDataCloud) -> Any:
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    answer = cloud.issue_tokens()
    return MockConfigEntry(
        domain="bmw_mybmw",
        title="BMW CarData",
        unique_id=f"cardata-{answer['gcid']}",
        data={
            "backend": "cardata",
            "client_id": DEMO_CLIENT_ID,
            "tokens": tokens_data(answer, cloud.now),
            "container_id": None,
        },
    )


def api_requests(cloud: CarDataCloud) -> int:
    """REST requests (the login host is not counted against the 50)."""
    return sum(1 for _, path in cloud.requests if not path.startswith("/gcdm"))


def specs(n: int) -> list[fleet.VehicleSpec]:
    demo = fleet.default_fleet()
    return demo[:n] if n <= len(demo) else fleet.build_fleet(n)


async def simulated_days(n: int, live: bool, days: int = 2) -> dict[str, Any]:
    cloud = CarDataCloud(specs(n), now=START)
    clock = SimulatedClock(START)
    # Both coordinators read Home Assistant's clock through contract.hass_utcnow.
    coordinator_module.dt_util = clock_module.dt_util = clock  # type: ignore[assignment]
    broker = FakeBroker()
    coordinator_module.PahoConnection = lambda **_: broker.factory()  # type: ignore[assignment,misc]
    async with home_assistant() as hass:
        with mock_cardata_api(cloud):
            entry = entry_for(cloud)
            assert await setup(hass, entry)
            await wait_for_stream(hass, broker)
            coordinator = entry.runtime_data
            assert isinstance(coordinator, CarDataCoordinator)
            moment = START
            startup = api_requests(cloud)
            per_day: list[int] = []
            for _ in range(days):
                day_start = api_requests(cloud)
                end = moment + timedelta(days=1)
                next_wake = moment
                while moment < end:
                    moment += CHECK_INTERVAL
                    cloud.now = clock.moment = moment
                    if live and moment >= next_wake:
                        for vin, readings in cloud.telematics.items():
                            # One message per car; the session may renew in between.
                            names = [SOC] if SOC in readings else list(readings)[:1]
                            await wait_for_stream(hass, broker)
                            broker.publish(cloud.stream_payload(vin, names), f"gcid/{vin}")
                            await hass.async_block_till_done()
                        next_wake = moment + AWAKE_EVERY
                    await coordinator.async_check(moment)
                per_day.append(api_requests(cloud) - day_start)

            await hass.config_entries.async_unload(entry.entry_id)
    coordinator_module.dt_util = clock_module.dt_util = dt_util
    return {"startup": startup, "days": per_day, "max_day": max(per_day[0] + startup, *per_day)}


async def latency(n_messages: int) -> dict[str, Any]:
    cloud = CarDataCloud(specs(1), now=datetime.now(UTC))
    broker = FakeBroker()
    coordinator_module.PahoConnection = lambda **_: broker.factory()  # type: ignore[assignment,misc]
    vin = next(iter(cloud.specs))
    samples: list[float] = []
    async with home_assistant() as hass:
        with mock_cardata_api(cloud):
            entry = entry_for(cloud)
            assert await setup(hass, entry)
            await wait_for_stream(hass, broker)
            entity = er.async_get(hass).async_get_entity_id(
                "sensor",
                "bmw_mybmw",
                vehicle_unique_id(entry.entry_id, vin, "remaining_battery_percent"),
            )
            changed = asyncio.Event()

            @callback
            def on_change(event: Event[Any]) -> None:
                if event.data["entity_id"] == entity:
                    changed.set()

            unsub = hass.bus.async_listen("state_changed", on_change)
            for i in range(n_messages):
                cloud.advance(1)
                cloud.telematics[vin][SOC] = (10 + i % 80, "percent")
                payload = cloud.stream_payload(vin, [SOC])
                changed.clear()
                started = time.perf_counter()
                broker.publish(payload, topic=f"gcid/{vin}")
                await asyncio.wait_for(changed.wait(), 5)
                samples.append(time.perf_counter() - started)
            unsub()
            await hass.config_entries.async_unload(entry.entry_id)
    ordered = sorted(samples)
    return {
        "messages": n_messages,
        "median_ms": median(samples) * 1000,
        "p95_ms": ordered[int(0.95 * (len(ordered) - 1))] * 1000,
        "max_ms": ordered[-1] * 1000,
    }


POWER = "vehicle.powertrain.electric.battery.charging.power"


def sample(row: TelematicsDescriptor, name: str) -> Any:
    """A value of the row's kind, as the car would send it."""
    if row.kind == "clock":
        return 7 if name.endswith(".hour") else 30
    if row.kind == "enum":
        return row.options[0].upper()
    if row.kind == "flag":
        return row.options[0]
    if row.kind == "timestamp":
        return "02.06.2025 07:40:00 UTC"
    if row.kind == "text":
        return "P0420"
    return 1


def fill_every_descriptor(cloud: CarDataCloud, vin: str) -> None:
    """The car sends every descriptor of the table besides its own readings."""
    readings = cloud.telematics[vin]
    for row in DESCRIPTORS:
        for name in row.sources:
            readings.setdefault(name, (sample(row, name), row.unit))


async def full_set(n_messages: int, all_enabled: bool) -> dict[str, Any]:
    cloud = CarDataCloud(specs(1), now=datetime.now(UTC))
    broker = FakeBroker()
    coordinator_module.PahoConnection = lambda **_: broker.factory()  # type: ignore[assignment,misc]
    vin = next(iter(cloud.specs))
    fill_every_descriptor(cloud, vin)
    original = Entity.entity_registry_enabled_default
    if all_enabled:
        Entity.entity_registry_enabled_default = property(lambda self: True)  # type: ignore[assignment,method-assign]
    samples: list[float] = []
    try:
        async with home_assistant() as hass:
            with mock_cardata_api(cloud):
                entry = entry_for(cloud)
                assert await setup(hass, entry)
                await wait_for_stream(hass, broker)
                cloud.advance(1)
                started = time.perf_counter()
                broker.publish(cloud.stream_payload(vin), topic=f"gcid/{vin}")
                await hass.async_block_till_done()
                first_burst = time.perf_counter() - started
                registry = er.async_get(hass)
                entries = [
                    e
                    for e in er.async_entries_for_config_entry(registry, entry.entry_id)
                    if e.unique_id.startswith(vehicle_unique_id(entry.entry_id, vin, ""))
                ]
                entity = registry.async_get_entity_id(
                    "sensor", "bmw_mybmw", vehicle_unique_id(entry.entry_id, vin, POWER)
                )
                changed = asyncio.Event()

                @callback
                def on_change(event: Event[Any]) -> None:
                    if event.data["entity_id"] == entity:
                        changed.set()

                unsub = hass.bus.async_listen("state_changed", on_change)
                for i in range(n_messages):
                    cloud.advance(1)
                    cloud.telematics[vin][POWER] = (7000 + i, "W")
                    payload = cloud.stream_payload(vin, [POWER])
                    changed.clear()
                    started = time.perf_counter()
                    broker.publish(payload, topic=f"gcid/{vin}")
                    await asyncio.wait_for(changed.wait(), 5)
                    samples.append(time.perf_counter() - started)
                unsub()
                bursts = []
                for i in range(5):
                    cloud.advance(1)
                    for name, (value, unit) in list(cloud.telematics[vin].items()):
                        if isinstance(value, int | float) and not isinstance(value, bool):
                            cloud.telematics[vin][name] = (value + (i % 2 or -1), unit)
                    started = time.perf_counter()
                    broker.publish(cloud.stream_payload(vin), topic=f"gcid/{vin}")
                    await hass.async_block_till_done()
                    bursts.append(time.perf_counter() - started)
                states = sum(1 for e in entries if hass.states.get(e.entity_id) is not None)
                await hass.config_entries.async_unload(entry.entry_id)
    finally:
        Entity.entity_registry_enabled_default = original  # type: ignore[method-assign]
    ordered = sorted(samples)
    return {
        "descriptors_sent": len(cloud.telematics[vin]),
        "entities": len(entries),
        "descriptor_entities": sum(1 for e in entries if "vehicle." in e.unique_id),
        "enabled": sum(1 for e in entries if e.disabled_by is None),
        "states": states,
        "messages": n_messages,
        "median_ms": median(samples) * 1000,
        "p95_ms": ordered[int(0.95 * (len(ordered) - 1))] * 1000,
        "first_burst_ms": first_burst * 1000,
        "burst_ms": median(bursts) * 1000,
    }


async def main_async(quick: bool) -> dict[str, Any]:
    Backoff.delay = lambda self, attempt, rand=None: 0.0  # type: ignore[method-assign]
    results: dict[str, Any] = {}
    for n in FLEETS:
        results[str(n)] = {
            "live": await simulated_days(n, live=True),
            "silent": await simulated_days(n, live=False),
        }
    return {
        "limit": 50,
        "results": results,
        "latency": await latency(50 if quick else 300),
        "full_set": {
            "default": await full_set(50 if quick else 300, all_enabled=False),
            "all": await full_set(50 if quick else 300, all_enabled=True),
        },
    }


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    write_result(args.out, asyncio.run(main_async(args.quick)))


if __name__ == "__main__":
    main()
