"""Benchmark 2: a simulated day in Home Assistant, bmw_mybmw (quota-aware planner) vs the
former core integration's fixed 5-minute polling (bmw_connected_drive of HA 2025.4.4;
``--kinds ours`` on newer Home Assistant, which no longer has it).

Time is frozen (freezegun) and moved in one-minute steps; Home Assistant's timers
fire as they would. The fleet drives, parks and charges (benchmarks/scenario.py).
Data age of a vehicle at a moment = time since its state was last read from the
cloud; sampled every minute after setup.
"""

from __future__ import annotations

import asyncio
import bisect
import datetime as datetime_module
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch

from freezegun import freeze_time
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from simulator.cloud import QUOTA_EXEMPT, Clock, MyBMWCloud
from simulator.fleet import build_fleet
from simulator.respx_fake import mock_mybmw_api

from .common import median, parse_args, write_result
from .ha_harness import NAMES, config_entry, home_assistant, setup
from .scenario import STEP, DayScenario

FLEETS = ((1, None), (3, None), (10, None), (10, 1))
"""(vehicles, how many of them move: None = all): the last one is a household whose
other cars stay parked while one drives and charges."""
START = datetime(2025, 6, 2, 0, 0, 30, tzinfo=UTC)  # a Monday, just after the quota reset
DAY = timedelta(days=1)


async def simulate(
    kind: str, n: int, frozen: Any, hours: float, movers: int | None = None
) -> dict[str, Any]:
    cloud = MyBMWCloud(build_fleet(n), clock=Clock(START), seed=1)
    scenario = DayScenario(cloud, START.replace(second=0), movers)
    end = START + timedelta(hours=hours)
    frozen.move_to(START)
    scenario.apply(START)
    async with home_assistant() as hass:
        with mock_mybmw_api(cloud):
            ok = await setup(hass, config_entry(kind, cloud.issue_tokens()))
            setup_requests = len(cloud.requests)
            moment = START
            samples: list[datetime] = []
            while moment < end:
                moment += STEP
                frozen.move_to(moment)
                cloud.clock.set(moment)
                scenario.apply(moment)
                async_fire_time_changed(hass, moment)
                await hass.async_block_till_done()
                samples.append(moment)
    day = [r for r in cloud.requests[setup_requests:] if r.time < end]
    fetches: dict[str, list[datetime]] = {vin: [] for vin in cloud.vehicles}
    for r in cloud.requests:
        if r.endpoint == "state" and r.status == 200 and r.vin in fetches:
            fetches[r.vin].append(r.time)
    specs = {spec.vin: spec for spec in build_fleet(n)}
    per_vehicle: dict[str, dict[str, Any]] = {}
    for vin, times in fetches.items():
        ages: list[float] = []
        by_phase: dict[str, list[float]] = {}
        for t in samples:
            i = bisect.bisect_right(times, t)
            age = (t - times[i - 1]).total_seconds() if i else float("inf")
            ages.append(age)
            by_phase.setdefault(scenario.phase_of(vin, t), []).append(age)
        per_vehicle[vin] = {
            "median_age_s": median(ages),
            "max_age_s": max(ages),
            "median_age_by_phase_s": {p: median(a) for p, a in by_phase.items()},
            "state_reads": len(times),
            "vehicle": f"{specs[vin].brand} {specs[vin].drivetrain.lower()}",
        }
    return {
        "setup_ok": ok,
        "setup_requests": setup_requests,
        "requests": len(day),
        "quota_counted": sum(1 for r in day if r.endpoint not in QUOTA_EXEMPT),
        "by_endpoint": _count(day),
        "per_vehicle": per_vehicle,
        "median_age_s": median([v["median_age_s"] for v in per_vehicle.values()]),
        "max_age_s": max(v["max_age_s"] for v in per_vehicle.values()),
        "hours": hours,
    }


def _count(requests: list[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in requests:
        counts[r.endpoint] = counts.get(r.endpoint, 0) + 1
    return counts


def main() -> None:
    args = parse_args(__doc__ or "", kinds=True)
    hours = 24.0
    fleets = FLEETS[:2] if args.quick else FLEETS
    results: dict[str, Any] = {}
    # Home Assistant's dt_util.utcnow is bound to the real datetime class at import, so
    # freezegun alone does not move it; follow the frozen clock through a late lookup.
    with (
        freeze_time(START) as frozen,
        patch.object(dt_util, "utcnow", lambda: datetime_module.datetime.now(UTC)),
    ):
        for n, movers in fleets:
            key = str(n) if movers is None else f"{n}/{movers} moving"
            for kind in args.kinds:
                row = asyncio.run(simulate(kind, n, frozen, hours, movers))
                results.setdefault(key, {})[kind] = row
                print(
                    f"  {key:>11} vehicles {NAMES[kind]:>36}: {row['requests']} requests/day "
                    f"({row['quota_counted']} quota-counted), data age median "
                    f"{row['median_age_s'] / 60:.1f} min, max {row['max_age_s'] / 60:.1f} min"
                )
    write_result(
        args.out,
        {
            "results": results,
            "kinds": list(args.kinds),
            "start": START,
            "step_s": STEP.total_seconds(),
        },
    )


if __name__ == "__main__":
    main()
