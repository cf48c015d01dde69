"""Benchmark 4 (and 5 in Home Assistant): config entry setup time and memory, and lock feedback,
bmw_mybmw vs the former core integration bmw_connected_drive of Home Assistant 2025.4.4
(``--kinds ours`` on newer Home Assistant, which no longer has it).

Both integrations run in the same process against the same simulated cloud
(respx). Setup time is the median of several runs of ``async_setup`` of one
entry until every platform has its entities, after one warm-up per integration
(module imports are reported separately as the cold figure). Memory is the
tracemalloc peak during setup and what stays allocated after it, measured in
separate runs because tracing slows Python down.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
import gc
import importlib
import time
import tracemalloc
from typing import Any

from homeassistant.core import callback
from homeassistant.helpers import entity_registry as er

import simulator.cloud as sim_cloud
from simulator.cloud import Clock, MyBMWCloud
from simulator.fleet import build_fleet
from simulator.respx_fake import mock_mybmw_api

from .common import VirtualTime, median, parse_args, write_result
from .ha_harness import DOMAINS, NAMES, config_entry, home_assistant, setup

FLEETS = (1, 10, 50)
START = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
LOCK_FLEET = 3
CAR_SECONDS = 15.0
VARIANTS = {
    "initiated": ("INITIATED", "PENDING", "DELIVERED"),
    "pending": ("PENDING", "PENDING", "DELIVERED"),
}
REMOTE_MODULES = {
    "ours": "custom_components.bmw_mybmw.mybmw.vehicle.remote_services",
    "core": "bimmer_connected.vehicle.remote_services",
}


async def setup_once(kind: str, n: int, memory: bool = False) -> dict[str, Any]:
    cloud = MyBMWCloud(build_fleet(n), clock=Clock(START), seed=1)
    entry = config_entry(kind, cloud.issue_tokens())
    async with home_assistant() as hass:
        with mock_mybmw_api(cloud):
            gc.collect()
            if memory:
                tracemalloc.start()
                base, _ = tracemalloc.get_traced_memory()
                tracemalloc.reset_peak()
            started = time.perf_counter()
            ok = await setup(hass, entry)
            elapsed = time.perf_counter() - started
            result: dict[str, Any] = {"ok": ok, "seconds": elapsed, "requests": len(cloud.requests)}
            if memory:
                _, peak = tracemalloc.get_traced_memory()
                gc.collect()
                current, _ = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                result.update(peak_bytes=peak - base, retained_bytes=current - base)
            registry = er.async_get(hass)
            result["entities"] = len(er.async_entries_for_config_entry(registry, entry.entry_id))
            result["states"] = len(hass.states.async_all())
    return result


def _state(hass: Any, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    return str(state.state) if state is not None else "missing"


async def lock_feedback(kind: str, variant: str) -> dict[str, Any]:
    """Press lock on an unlocked car; record when the lock entity shows which state."""
    sim_cloud.EVENT_STEPS_TIME = VARIANTS[variant]  # type: ignore[misc]
    fleet = build_fleet(LOCK_FLEET)
    fleet[0].locked = False
    cloud = MyBMWCloud(
        fleet, clock=Clock(START), event_mode="time", event_seconds=CAR_SECONDS / 3, seed=1
    )
    entry = config_entry(kind, cloud.issue_tokens())
    clock = VirtualTime(cloud)
    async with home_assistant() as hass:
        with mock_mybmw_api(cloud):
            await setup(hass, entry)
            registry = er.async_get(hass)
            locks = [
                e.entity_id
                for e in er.async_entries_for_config_entry(registry, entry.entry_id)
                if e.domain == "lock" and fleet[0].vin.lower() in (e.unique_id or "").lower()
            ]
            entity_id = locks[0]
            before = _state(hass, entity_id)
            changes: list[tuple[float, str]] = []
            started = 0.0

            @callback
            def on_change(event: Any) -> None:
                if event.data.get("entity_id") == entity_id and event.data.get("new_state"):
                    at = clock.elapsed + time.perf_counter() - started
                    changes.append((round(at, 3), event.data["new_state"].state))

            unsub = hass.bus.async_listen("state_changed", on_change)
            saved = clock.patch(importlib.import_module(REMOTE_MODULES[kind]))
            requests_before = len(cloud.requests)
            try:
                started = time.perf_counter()
                await hass.services.async_call(
                    "lock", "lock", {"entity_id": entity_id}, blocking=True
                )
                await hass.async_block_till_done()
            finally:
                clock.restore(saved)
                unsub()
            final = _state(hass, entity_id)
    confirmed = [at for at, state in changes if state == "locked"]
    return {
        "before": before,
        "changes": changes,
        "final_state": final,
        "requests": len(cloud.requests) - requests_before,
        "first_locked_s": confirmed[0] if confirmed else None,
        "virtual_wait_s": clock.elapsed,
        "sleeps": clock.sleeps,
    }


async def main_async(quick: bool, kinds: tuple[str, ...]) -> dict[str, Any]:
    reps = 2 if quick else 7
    fleets = (1, 10) if quick else FLEETS
    results: dict[str, Any] = {"setup": {}, "lock": {}, "kinds": list(kinds)}
    cold = {kind: await setup_once(kind, 1) for kind in kinds}  # imports, caches
    results["cold_first_setup"] = cold
    for n in fleets:
        row: dict[str, Any] = {}
        times: dict[str, list[float]] = {kind: [] for kind in kinds}
        for _ in range(reps):
            for kind in kinds:  # interleaved, so drifts hit both alike
                run = await setup_once(kind, n)
                times[kind].append(run["seconds"])
                row.setdefault(kind, {}).update(
                    ok=run["ok"], entities=run["entities"], requests=run["requests"]
                )
        for kind in kinds:
            memory = await setup_once(kind, n, memory=True)
            row[kind].update(
                median_s=median(times[kind]),
                min_s=min(times[kind]),
                peak_bytes=memory["peak_bytes"],
                retained_bytes=memory["retained_bytes"],
            )
        if "ours" in row and "core" in row:
            row["time_ratio"] = row["core"]["median_s"] / row["ours"]["median_s"]
            row["peak_ratio"] = row["core"]["peak_bytes"] / row["ours"]["peak_bytes"]
        results["setup"][str(n)] = row
        print(
            f"  setup {n:>2} vehicles: "
            + ", ".join(
                f"{kind} {row[kind]['median_s'] * 1e3:7.1f} ms "
                f"{row[kind]['peak_bytes'] / 2**20:6.1f} MiB peak "
                f"({row[kind]['entities']} entities)"
                for kind in kinds
            )
        )
    for variant in VARIANTS:
        for kind in kinds:
            run = await lock_feedback(kind, variant)
            results["lock"].setdefault(variant, {})[kind] = run
            print(
                f"  lock ({variant}) {NAMES[kind]}: {run['changes']} final={run['final_state']} "
                f"requests={run['requests']}"
            )
    results.update(
        fleets=list(fleets),
        reps=reps,
        lock_fleet=LOCK_FLEET,
        car_seconds=CAR_SECONDS,
        domains=DOMAINS,
    )
    return results


def main() -> None:
    args = parse_args(__doc__ or "", kinds=True)
    write_result(args.out, asyncio.run(main_async(args.quick, args.kinds)))


if __name__ == "__main__":
    main()
