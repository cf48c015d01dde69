"""Benchmark 3: parse CPU, N vehicles' answers turned into models, ours vs the reference."""

from __future__ import annotations

import gc
import json
from typing import Any

from simulator.fleet import build_fleet, charging_details, profile, state

from .common import best_of, parse_args, write_result
from .libs import NAMES, libraries, now

SIZES = (1, 10, 50, 100)


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
    repeat = 3 if args.quick else 9
    libs = libraries()
    accounts = {lib.key: lib.account(None) for lib in libs}
    at = now()
    results: dict[str, Any] = {}
    for n in SIZES:
        raw = answers(n)
        number = max(1, (40 if args.quick else 1000) // n)
        row: dict[str, Any] = {}
        for lib in libs:
            account = accounts[lib.key]
            # Fresh dicts for every call, decoded outside the timed part (both libraries
            # get identical input; the decode itself is measured separately below).
            pool = [decode(raw) for _ in range(repeat * number + 1)]
            lib.parse(account, pool.pop(), at)  # warm-up: imports, caches

            def models(lib=lib, account=account, pool=pool) -> None:
                lib.parse(account, pool.pop(), at)

            def with_json(lib=lib, account=account, raw=raw) -> None:
                lib.parse(account, decode(raw), at)

            gc.collect()
            gc.disable()
            try:
                med, low = best_of(models, repeat, number)
                med_json, _ = best_of(with_json, repeat, number)
            finally:
                gc.enable()
            row[lib.key] = {
                "median_s": med,
                "min_s": low,
                "median_with_json_s": med_json,
                "per_vehicle_us": med / n * 1e6,
            }
        row["speedup"] = row["ref"]["median_s"] / row["ours"]["median_s"]
        row["speedup_with_json"] = (
            row["ref"]["median_with_json_s"] / row["ours"]["median_with_json_s"]
        )
        results[str(n)] = row
        print(
            f"  {n:>3} vehicles: {NAMES['ours']} {row['ours']['median_s'] * 1e3:8.3f} ms, "
            f"{NAMES['ref']} {row['ref']['median_s'] * 1e3:8.3f} ms -> {row['speedup']:.2f}x"
        )
    write_result(args.out, {"results": results, "repeat": repeat})


if __name__ == "__main__":
    main()
