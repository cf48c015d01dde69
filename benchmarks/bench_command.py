"""Benchmark 5 (library level): time from the lock command to a confirmed new vehicle state.

Both libraries run against the same simulated cloud, whose car executes the
command a fixed time after the trigger. Every ``asyncio.sleep`` of the
libraries' remote-service modules advances a virtual clock (and the cloud's)
instead of waiting, so the reference library's fixed constants (3.5 s polls,
7 s wait before its whole-account refresh) count in full without making the
run long. Feedback time = virtual waiting time + measured processing time.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
import time
from typing import Any

import simulator.cloud as sim_cloud
from simulator.cloud import Clock, MyBMWCloud
from simulator.fleet import build_fleet
from simulator.respx_fake import mock_mybmw_api

from .common import VirtualTime, median, parse_args, write_result
from .libs import NAMES, Library, libraries

FLEETS = (1, 3, 9)
CAR_SECONDS = (6.0, 15.0, 30.0)  # when the simulated car reports EXECUTED
ROUND_TRIP_S = 0.3  # assumed network round trip per request, for the second column only
START = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
# How the server reports a command before it executes: the simulator's default sends
# INITIATED first (as the real API does, see mybmw-api.md 4.2); the reference library's
# own mock answers PENDING from the first poll on.
VARIANTS = {
    "initiated": ("INITIATED", "PENDING", "DELIVERED"),
    "pending": ("PENDING", "PENDING", "DELIVERED"),
}


async def once(lib: Library, n: int, car_seconds: float, variant: str) -> dict[str, Any]:
    sim_cloud.EVENT_STEPS_TIME = VARIANTS[variant]  # type: ignore[misc]
    fleet = build_fleet(n)
    fleet[0].locked = False
    # The cloud walks INITIATED -> PENDING -> DELIVERED -> EXECUTED in three equal steps.
    cloud = MyBMWCloud(
        fleet, clock=Clock(START), event_mode="time", event_seconds=car_seconds / 3, seed=1
    )
    tokens = cloud.issue_tokens()
    clock = VirtualTime(cloud)
    saved = lib.patch_sleep(clock)
    try:
        with mock_mybmw_api(cloud):
            account = lib.account(tokens)
            await lib.load(account)
            before = len(cloud.requests)
            started = time.perf_counter()
            status = await lib.lock(account, fleet[0].vin)
            processing = time.perf_counter() - started
    finally:
        clock.restore(saved)
    vehicle = account.get_vehicle(fleet[0].vin)
    lock_state = str(
        getattr(
            vehicle.doors_and_windows.door_lock_state,
            "value",
            vehicle.doors_and_windows.door_lock_state,
        )
    )
    requests = len(cloud.requests) - before
    return {
        "virtual_wait_s": clock.elapsed,
        "sleeps": clock.sleeps,
        "processing_s": processing,
        "feedback_s": clock.elapsed + processing,
        "feedback_with_rtt_s": clock.elapsed + processing + requests * ROUND_TRIP_S,
        "requests": requests,
        "final_status": str(getattr(status.state, "value", status.state)),
        "lock_state_after": lock_state,
        "confirmed": lock_state in ("LOCKED", "SECURED"),
    }


async def main_async(quick: bool) -> dict[str, Any]:
    reps = 2 if quick else 3
    results: dict[str, Any] = {}
    for variant, n, car in [(v, n, c) for v in VARIANTS for n in FLEETS for c in CAR_SECONDS]:
        if True:
            row: dict[str, Any] = {}
            for lib in libraries():
                runs = [await once(lib, n, car, variant) for _ in range(reps)]
                first = runs[0]
                row[lib.key] = dict(first, processing_s=median([r["processing_s"] for r in runs]))
                row[lib.key]["feedback_s"] = first["virtual_wait_s"] + row[lib.key]["processing_s"]
                row[lib.key]["feedback_with_rtt_s"] = (
                    row[lib.key]["feedback_s"] + first["requests"] * ROUND_TRIP_S
                )
            row["ratio"] = row["ref"]["feedback_s"] / row["ours"]["feedback_s"]
            results[f"{variant}/{n}/{car:g}"] = row
            ours, ref = row["ours"], row["ref"]
            print(
                f"  {variant:>9}: {n} vehicles, car {car:>4g} s: "
                f"{NAMES['ours']} {ours['feedback_s']:6.2f} s ({ours['requests']} req), "
                f"{NAMES['ref']} {ref['feedback_s']:6.2f} s ({ref['requests']} req, "
                f"confirmed={ref['confirmed']}) -> {row['ratio']:.2f}x"
            )
    return {
        "results": results,
        "round_trip_s": ROUND_TRIP_S,
        "reps": reps,
        "fleets": list(FLEETS),
        "car_seconds": list(CAR_SECONDS),
        "variants": {k: list(v) for k, v in VARIANTS.items()},
    }


def main() -> None:
    args = parse_args(__doc__ or "")
    write_result(args.out, asyncio.run(main_async(args.quick)))


if __name__ == "__main__":
    main()
