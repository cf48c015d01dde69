"""Benchmark 3: parse CPU, N vehicles' answers turned into models, ours vs the reference."""

from __future__ import annotations

import gc
import json
import time
from typing import Any

from simulator.fleet import build_fleet, charging_details, profile, state

from .common import median, parse_args, write_result
from .libs import NAMES, libraries, now

SIZES = (1, 10, 50, 100)
SUB_MODELS = (
    "fuel_and_battery",
    "doors_and_windows",
    "vehicle_location",
    "condition_based_services",
    "check_control_messages",
    "headunit",
    "climate",
    "charging_profile",
    "tires",
)


def breakdown(libs: list[Any], at: Any, repeat: int) -> dict[str, dict[str, float]]:
    """Seconds per vehicle of each sub-model's ``from_vehicle_data`` (both libraries have it)."""
    docs = decode(answers(100))
    built = {lib.key: lib.parse(lib.account(None), docs, at) for lib in libs}
    table: dict[str, dict[str, float]] = {}
    for name in SUB_MODELS:
        for lib in libs:
            vehicles = built[lib.key]
            model = type(getattr(vehicles[0], name))
            rounds = []
            for _ in range(repeat):
                started = time.perf_counter()
                for vehicle in vehicles:
                    model.from_vehicle_data(vehicle.data)
                rounds.append((time.perf_counter() - started) / len(vehicles))
            table.setdefault(name, {})[lib.key] = min(rounds)
    return table


def answers(n: int) -> list[tuple[bytes, bytes, bytes | None]]:
    """The raw JSON bodies of profile, state and charging details for ``n`` vehicles."""
    raw = []
    for spec in build_fleet(n):
        base = dict(profile(spec), vin=spec.vin)
        charging = charging_details(spec) if spec.needs_charging_details else None
        raw.append(
            (
                json.dumps(base).encode(),
                json.dumps(state(spec)).encode(),
                json.dumps(charging).encode() if charging is not None else None,
            )
        )
    return raw


def decode(raw: list[tuple[bytes, bytes, bytes | None]]) -> list[tuple[Any, Any, Any]]:
    return [(json.loads(b), json.loads(s), json.loads(c) if c else None) for b, s, c in raw]


def main() -> None:
    args = parse_args(__doc__ or "")
    repeat = 5 if args.quick else 15
    libs = libraries()
    accounts = {lib.key: lib.account(None) for lib in libs}
    at = now()
    results: dict[str, Any] = {}
    for n in SIZES:
        raw = answers(n)
        number = max(2, (100 if args.quick else 400) // n)
        rounds: dict[str, list[float]] = {lib.key: [] for lib in libs}
        rounds_json: dict[str, list[float]] = {lib.key: [] for lib in libs}
        for lib in libs:
            lib.parse(accounts[lib.key], decode(raw), at)  # warm-up: imports, caches
        gc.collect()
        gc.disable()
        try:
            # Rounds alternate between the libraries, so a busy machine hits both alike.
            for _ in range(repeat):
                for lib in libs:
                    account = accounts[lib.key]
                    # Fresh dicts for every call, decoded before the clock starts;
                    # both libraries get identical input.
                    pool = [decode(raw) for _ in range(number)]
                    started = time.perf_counter()
                    for docs in pool:
                        lib.parse(account, docs, at)
                    rounds[lib.key].append((time.perf_counter() - started) / number)
                    started = time.perf_counter()
                    for _ in range(number):
                        lib.parse(account, decode(raw), at)
                    rounds_json[lib.key].append((time.perf_counter() - started) / number)
                    del pool
                    gc.collect()
        finally:
            gc.enable()
        row: dict[str, Any] = {}
        for lib in libs:
            row[lib.key] = {
                "min_s": min(rounds[lib.key]),
                "median_s": median(rounds[lib.key]),
                "min_with_json_s": min(rounds_json[lib.key]),
                "per_vehicle_us": min(rounds[lib.key]) / n * 1e6,
            }
        row["speedup"] = row["ref"]["min_s"] / row["ours"]["min_s"]
        row["speedup_median"] = row["ref"]["median_s"] / row["ours"]["median_s"]
        row["speedup_with_json"] = row["ref"]["min_with_json_s"] / row["ours"]["min_with_json_s"]
        results[str(n)] = row
        print(
            f"  {n:>3} vehicles: {NAMES['ours']} {row['ours']['min_s'] * 1e3:8.3f} ms, "
            f"{NAMES['ref']} {row['ref']['min_s'] * 1e3:8.3f} ms -> {row['speedup']:.2f}x "
            f"(medians {row['speedup_median']:.2f}x)"
        )
    sub_models = breakdown(libs, at, repeat)
    write_result(args.out, {"results": results, "repeat": repeat, "sub_models": sub_models})


if __name__ == "__main__":
    main()
