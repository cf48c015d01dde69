"""Benchmark 1: requests per operation, ours vs the reference library, on one simulated cloud."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from simulator.cloud import QUOTA_EXEMPT, Clock, MyBMWCloud
from simulator.fleet import build_fleet
from simulator.respx_fake import mock_mybmw_api

from .common import VirtualTime, parse_args, write_result
from .libs import NAMES, Library, libraries

FLEETS = (1, 3, 9)
START = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
EVENT_SECONDS = 3.0  # the simulated car executes a command 3 x 3 s = 9 s after the trigger


def new_cloud(n: int) -> MyBMWCloud:
    return MyBMWCloud(
        build_fleet(n), clock=Clock(START), event_mode="time", event_seconds=EVENT_SECONDS, seed=1
    )


def breakdown(cloud: MyBMWCloud, since: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for request in cloud.requests[since:]:
        counts[request.endpoint] = counts.get(request.endpoint, 0) + 1
    return counts


async def measure(lib: Library, n: int) -> dict[str, Any]:
    """Run the operations in order on one cloud; count what each one sends."""
    results: dict[str, Any] = {}

    async def step(name: str, coro: Any, cloud: MyBMWCloud) -> None:
        before = len(cloud.requests)
        await coro
        sent = cloud.requests[before:]
        results[name] = {
            "requests": len(sent),
            "quota_counted": sum(1 for r in sent if r.endpoint not in QUOTA_EXEMPT),
            "by_endpoint": breakdown(cloud, before),
        }

    # First load with password + captcha (new installation).
    cloud = new_cloud(n)
    with mock_mybmw_api(cloud):
        account = lib.account(None, captcha="P1_benchmark-captcha")
        await step("first_load_password", lib.load(account), cloud)

    # Everything else starts like Home Assistant after a restart: stored refresh token.
    cloud = new_cloud(n)
    tokens = cloud.issue_tokens()
    clock = VirtualTime(cloud)
    saved = lib.patch_sleep(clock)
    try:
        with mock_mybmw_api(cloud):
            account = lib.account(tokens)
            await step("first_load_refresh_token", lib.load(account), cloud)
            await step("refresh", lib.load(account), cloud)
            await step("refresh_state_only", lib.load_state_only(account), cloud)
            await step("forced_refresh", lib.load(account, force=True), cloud)
            vin = build_fleet(n)[0].vin
            await step("door_lock", lib.lock(account, vin), cloud)
    finally:
        clock.restore(saved)
    return results


async def main_async(quick: bool) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for n in FLEETS:
        for lib in libraries():
            table.setdefault(str(n), {})[lib.key] = await measure(lib, n)
            row = table[str(n)][lib.key]
            print(
                f"  {n} vehicles {NAMES[lib.key]:>24}: "
                + ", ".join(f"{k}={v['requests']}" for k, v in row.items())
            )
    fleets = {
        str(n): [
            {
                "vin_index": i,
                "drivetrain": s.drivetrain,
                "brand": s.brand,
                "charging_details": s.needs_charging_details,
            }
            for i, s in enumerate(build_fleet(n))
        ]
        for n in FLEETS
    }
    return {"fleets": fleets, "results": table, "event_seconds": EVENT_SECONDS}


def main() -> None:
    args = parse_args(__doc__ or "")
    write_result(args.out, asyncio.run(main_async(args.quick)))


if __name__ == "__main__":
    main()
