"""Write docs/benchmarks.md from the result files of one ``benchmarks/run``."""

# ruff: noqa: E501 - the report's prose is kept as whole sentences in string literals

from __future__ import annotations

import argparse
from datetime import UTC, datetime
import json
import os
from pathlib import Path
import platform
import re
from typing import Any

OPS = (
    ("first_load_password", "first load, password + captcha"),
    ("first_load_refresh_token", "first load after restart (stored refresh token)"),
    ("refresh", "steady refresh"),
    (
        "refresh_state_only",
        "steady refresh as the integration mostly runs it (charging details at most every 6 h; the reference has no such option)",
    ),
    ("forced_refresh", "forced refresh (re-initialise)"),
    ("door_lock", "command: door lock (until state current)"),
)
OURS, REF, CORE = "bmw_mybmw", "bimmer-connected 0.17.4", "bmw_connected_drive"
KIND_NAMES = {"ours": OURS, "core": CORE}


def versions(data: dict[str, Any]) -> tuple[str, str]:
    """(Home Assistant, Python) a result file was measured on ("?" where it did not say)."""
    env = data.get("environment", {})
    return env.get("home_assistant", "?"), env.get("python", "?")


def ran_on(data: dict[str, Any]) -> str:
    """One sentence naming the Home Assistant and Python a table ran on."""
    ha, python = versions(data)
    if "home_assistant" not in data.get("environment", {}):
        return f"Ran on Python {python}, library level (no Home Assistant)."
    return f"Ran on **Home Assistant {ha}**, Python {python}."


def core_heading(data: dict[str, Any]) -> list[str]:
    """Heading and reason of a side-by-side comparison with the former core integration."""
    ha, python = versions(data)
    return [
        f"### Side by side with {CORE} on Home Assistant {ha}",
        "",
        f"Ran on **Home Assistant {ha}**, Python {python}. The former core integration exists only up "
        f"to Home Assistant 2026.2, so both integrations run side by side on {ha}, the oldest release "
        "this project supports, with the bimmer-connected version that release pins.",
    ]


def machine(results: dict[str, Any | None]) -> dict[str, str]:
    """CPU model, cores, RAM and OS of this machine; the Home Assistant and Python of each run."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    info = {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "RAM": ram,
        "OS (kernel)": f"{platform.system()} {platform.release()}",
    }
    for names, label in (
        (("requests", "parse", "command"), "benchmarks 1, 3, 5 (library level)"),
        (("day", "ha", "cardata"), f"benchmarks 2, 4, 5, 6 ({OURS})"),
        (("day-core", "ha-core"), f"benchmarks 2, 4, 5 ({OURS} vs {CORE})"),
    ):
        found = {versions(data) for name in names if (data := results.get(name))}
        if found:
            info[label] = "; ".join(
                f"Python {python}" if ha == "?" else f"Home Assistant {ha}, Python {python}"
                for ha, python in sorted(found)
            )
    return info


def environments(results: dict[str, Any | None]) -> list[str]:
    """Where each group of benchmarks ran."""
    lines = [
        "Environments, all talking to the project's simulated MyBMW cloud (`simulator/`) through respx:",
        "",
    ]
    if results.get("requests") or results.get("parse") or results.get("command"):
        lines.append(
            f"- `benchmarks/.venv-ref-3.14` (`benchmarks/libs.py`, shared with the parity test), built inside the current lane's Debian forky root: {REF} from the "
            "package registry beside this project's bundled client."
        )
    if results.get("day") or results.get("ha") or results.get("cardata"):
        lines.append(
            "- The current lane (`scripts/lane current`): the project's `.venv`, whose Home Assistant "
            "comes with the newest pytest-homeassistant-custom-component (`scripts/lib/versions.sh`); "
            f"{OURS} only, as the former core integration no longer exists there."
        )
    if results.get("day-core") or results.get("ha-core"):
        lines.append(
            "- `benchmarks/.venv-ha` over the oldest lane's `.venv-oldest` (Home Assistant 2025.4.4) with "
            "bimmer-connected 0.17.2, the version that release's `bmw_connected_drive` pins: both "
            "integrations side by side."
        )
    return lines


def load(folder: Path, name: str) -> dict[str, Any] | None:
    path = folder / f"{name}.json"
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def ordered(table: dict[str, Any]) -> list[tuple[str, Any]]:
    """Rows in numeric order ("1", "3", "10"; "pending/3/15" by variant, vehicles, seconds)."""

    def key(name: str) -> tuple[Any, ...]:
        return tuple(float(p) if p.replace(".", "").isdigit() else p for p in name.split("/"))

    return sorted(table.items(), key=lambda item: key(item[0]))


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def requests_section(data: dict[str, Any]) -> list[str]:
    out = [
        "## 1. Requests per operation",
        "",
        f"Same simulated cloud, same fleet (`simulator.fleet.build_fleet(n)`), counted by the cloud. "
        f"The command waits for the car (executes {3 * data['event_seconds']:g} s after the trigger) "
        "and for the state the library reads afterwards. Fewer is better.",
        "",
        f"| vehicles | operation | {OURS} | {REF} | saved |",
        "|---|---|---:|---:|---:|",
    ]
    for n, row in ordered(data["results"]):
        for key, label in OPS:
            ours, ref = row["ours"][key]["requests"], row["ref"][key]["requests"]
            out.append(f"| {n} | {label} | {ours} | {ref} | {ref - ours} ({ratio(ref, ours)}) |")
    out += [
        "",
        "Fleet make-up: "
        + "; ".join(
            f"{n}: " + ", ".join(f"{v['brand']} {v['drivetrain'].lower()}" for v in fleet)
            for n, fleet in ordered(data["fleets"])
            if int(n) <= 3
        )
        + " (9: the 8-vehicle mix plus one).",
        "The first loads cost the same on both: a new account must ask all three brands' vehicle lists. "
        "Savings come from later initialisations (lists only for brands that have vehicles, one pass instead "
        "of two) and from refreshing only the commanded vehicle, without its charging details.",
        "",
    ]
    return out


def planner_note() -> str:
    """Which refresh logic the measured bmw_mybmw coordinator had."""
    root = Path(__file__).resolve().parents[1] / "custom_components" / "bmw_mybmw"
    coordinator = (root / "coordinator.py").read_text(encoding="utf-8")
    if "refresh_planner" not in coordinator:
        return (
            "The measured bmw_mybmw coordinator polls at a fixed interval (no refresh planner yet)."
        )
    planner = (root / "refresh_planner.py").read_text(encoding="utf-8")
    found = re.search(r"DEFAULT_DAILY_BUDGET: Final = (\d+)", planner)
    budget = f" with its default daily budget of {found.group(1)} requests" if found else ""
    return f"The measured bmw_mybmw coordinator uses its quota-aware refresh planner{budget}."


def fleet_label(key: str, *, noun: bool = False) -> str:
    """``"10/1 moving"`` -> ``"10 (1 moving)"``, or ``"10 vehicles (1 moving)"`` with ``noun``."""
    count, _, movers = key.partition("/")
    if noun:
        count += " vehicle" if count == "1" else " vehicles"
    return f"{count} ({movers})" if movers else count


DAY_INTRO = (
    "Home Assistant in-process, time frozen and moved in 1-minute steps through 24 h; the fleet drives "
    "(07:00 and 17:00, 45 min each), parks and, where it can, charges (18:00-22:00), each vehicle shifted "
    'by a few minutes; in the "10 (1 moving)" household only the first car does, the other nine stay '
    "parked. Requests per day exclude the setup; data age = time since the vehicle's state was "
    "last read, sampled every minute (median of the per-vehicle medians, and the worst moment)."
)


def day_rows(data: dict[str, Any], labels: dict[str, str]) -> list[str]:
    """The per-fleet summary table of one bench_day result, one row per integration."""
    out = [
        "| vehicles | integration | requests/day | quota-counted | per vehicle | data age median | "
        "data age max | median age parked / driving / charging |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for n, row in ordered(data["results"]):
        for kind, name in labels.items():
            r = row[kind]
            phases: dict[str, list[float]] = {}
            for vehicle in r["per_vehicle"].values():
                for p, age in vehicle["median_age_by_phase_s"].items():
                    phases.setdefault(p, []).append(age)
            by_phase = " / ".join(
                minutes(sorted(phases[p])[len(phases[p]) // 2]) if p in phases else "-"
                for p in ("parked", "driving", "charging")
            )
            out.append(
                f"| {fleet_label(n)} | {name} | {r['requests']} | {r['quota_counted']} | "
                f"{r['requests'] / len(r['per_vehicle']):.0f} | {minutes(r['median_age_s'])} | "
                f"{minutes(r['max_age_s'])} | {by_phase} |"
            )
    return out


def per_vehicle_rows(data: dict[str, Any], kinds: tuple[str, ...]) -> list[str]:
    """State reads and data age of every vehicle, one column pair per integration."""
    head = " | ".join(f"{KIND_NAMES[k]} reads | {KIND_NAMES[k]} age" for k in kinds)
    out = [
        f"| vehicles | # | vehicle | {head} |",
        "|---:|---:|---|" + "---:|---:|" * len(kinds),
    ]
    for n, row in ordered(data["results"]):
        first = row[kinds[0]]["per_vehicle"]
        for index, vin in enumerate(first):
            cells = " | ".join(
                f"{row[k]['per_vehicle'][vin]['state_reads']} | "
                f"{minutes(row[k]['per_vehicle'][vin]['median_age_s'])} / "
                f"{minutes(row[k]['per_vehicle'][vin]['max_age_s'])}"
                for k in kinds
            )
            out.append(
                f"| {fleet_label(n)} | {index + 1} | {first[vin].get('vehicle', '')} | {cells} |"
            )
    return out


def day_section(data: dict[str, Any] | None, core: dict[str, Any] | None) -> list[str]:
    out = ["## 2. A simulated day in Home Assistant", "", planner_note(), "", DAY_INTRO, ""]
    if data:
        out += [ran_on(data), "", *day_rows(data, {"ours": OURS}), ""]
        out += [
            "BMW's daily quota is unpublished; about 120 calls a day were reported (mybmw-api.md §5.4). "
            "The planner stays within its daily budget and pays for it with older data, most of all for "
            "larger fleets. Each car is read on its own turn, a moving one more often than a parked one; "
            "but a car is seen moving only at its own turn, so when all cars drive at the same hours (as "
            "here) each is noticed on its own.",
            "",
            "Per vehicle (state reads and data age median / max):",
            "",
            *per_vehicle_rows(data, ("ours",)),
            "",
        ]
    if core:
        out += [
            *core_heading(core),
            f"{CORE} polls every vehicle at a fixed 5 minutes.",
            "",
            *day_rows(core, {"ours": OURS, "core": CORE + ", fixed 5 min"}),
            "",
            "Fixed 5-minute polling spends several times the reported quota.",
            "",
            "Per vehicle (state reads and data age median / max):",
            "",
            *per_vehicle_rows(core, ("ours", "core")),
            "",
        ]
    return out


def parse_section(data: dict[str, Any]) -> list[str]:
    out = [
        "## 3. Parse CPU",
        "",
        "Time to turn decoded profile, state and charging-details answers of N vehicles "
        "(`build_fleet(N)`) into vehicle models (sub-models built eagerly by both libraries). "
        f"{data['repeat']} rounds, alternating between the libraries; the fastest round counts (the least "
        "disturbed, as `timeit` does), the median ratio is shown too. The JSON column includes `json.loads` of "
        "the bodies. Goal: at least 2x faster.",
        "",
        f"| vehicles | {OURS} | {REF} | speed-up | speed-up (medians) | speed-up incl. JSON | per vehicle (ours / ref) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, row in ordered(data["results"]):
        o, r = row["ours"], row["ref"]
        out.append(
            f"| {n} | {o['min_s'] * 1e3:.3f} ms | {r['min_s'] * 1e3:.3f} ms | "
            f"{row['speedup']:.2f}x | {row['speedup_median']:.2f}x | {row['speedup_with_json']:.2f}x | "
            f"{o['per_vehicle_us']:.0f} µs / {r['per_vehicle_us']:.0f} µs |"
        )
    worst = min(row["speedup"] for row in data["results"].values())
    out += [
        "",
        f"Goal met: **{'yes' if worst >= 2 else 'no'}** (lowest speed-up {worst:.2f}x; "
        "below 1 means ours is slower). Ours parses every block separately so that a malformed one degrades "
        "only its own fields; that guarding is part of the cost measured here.",
        "",
    ]
    if data.get("sub_models"):
        out += [
            "Where the time goes: each sub-model's `from_vehicle_data` over the 100-vehicle fleet, per vehicle "
            "(fastest round).",
            "",
            f"| sub-model | {OURS} | {REF} | speed-up |",
            "|---|---:|---:|---:|",
        ]
        for name, row in data["sub_models"].items():
            out.append(
                f"| {name} | {row['ours'] * 1e6:.1f} µs | {row['ref'] * 1e6:.1f} µs | "
                f"{row['ref'] / row['ours']:.2f}x |"
            )
        out.append("")
    return out


def per_entity(row: dict[str, Any], key: str) -> float:
    """Core / ours of a setup figure divided by each integration's entity count."""
    ours, core = row["ours"], row["core"]
    return float((core[key] / core["entities"]) / (ours[key] / ours["entities"]))


def setup_rows(data: dict[str, Any], kinds: tuple[str, ...]) -> list[str]:
    """Setup time and memory per fleet size; with both integrations, the core / ours ratios."""
    out = [
        "| vehicles | integration | entities | setup time | peak memory | retained | requests | time / entity | peak / entity |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, row in ordered(data["setup"]):
        for kind in kinds:
            r = row[kind]
            out.append(
                f"| {n} | {KIND_NAMES[kind]} | {r['entities']} | {r['median_s'] * 1e3:.1f} ms | "
                f"{r['peak_bytes'] / 2**20:.2f} MiB | {r['retained_bytes'] / 2**20:.2f} MiB | "
                f"{r['requests']} | {r['median_s'] / r['entities'] * 1e6:.0f} µs | "
                f"{r['peak_bytes'] / r['entities'] / 1024:.1f} KiB |"
            )
        if "time_ratio" in row:
            out.append(
                f"| {n} | ratio core / ours | | {row['time_ratio']:.2f}x | {row['peak_ratio']:.2f}x | | | "
                f"{per_entity(row, 'median_s'):.2f}x | {per_entity(row, 'peak_bytes'):.2f}x |"
            )
    return out


def cold_line(data: dict[str, Any], kinds: tuple[str, ...]) -> str:
    cold = data["cold_first_setup"]
    return (
        "Cold first setup, module imports included (1 vehicle): "
        + ", ".join(f"{KIND_NAMES[k]} {cold[k]['seconds'] * 1e3:.0f} ms" for k in kinds)
        + "."
    )


def ha_section(data: dict[str, Any] | None, core: dict[str, Any] | None) -> list[str]:
    reps = (data or core or {}).get("reps")
    out = [
        "## 4. Home Assistant: config entry setup",
        "",
        f"Median of {reps} setups per integration (interleaved when there are two) after one warm-up; "
        "memory = tracemalloc peak during setup and what is still allocated after it (separate run). "
        "Every entry logs in with a stored refresh token against the same simulated cloud.",
        "",
    ]
    if data:
        out += [ran_on(data), "", *setup_rows(data, ("ours",)), "", cold_line(data, ("ours",)), ""]
    if core:
        out += [
            *core_heading(core),
            "",
            *setup_rows(core, ("ours", "core")),
            "",
            cold_line(core, ("ours", "core")),
            "Ours creates more entities per vehicle (see the entities column); per entity the cost is "
            "what the time column divided by the entity count gives.",
            "",
        ]
    return out


def lock_rows(ha: dict[str, Any], kinds: tuple[str, ...]) -> list[str]:
    """State changes of the lock entity after pressing lock, per server behaviour and integration."""
    out = [
        "| server | integration | state changes (s: state) | final state | requests |",
        "|---|---|---|---|---:|",
    ]
    for variant, row in ordered(ha["lock"]):
        for kind in kinds:
            r = row[kind]
            changes = ", ".join(f"{at:.1f}: {state}" for at, state in r["changes"])
            out.append(
                f"| {variant} | {KIND_NAMES[kind]} | {changes} | {r['final_state']} | {r['requests']} |"
            )
    return out


def command_section(
    lib: dict[str, Any], ha: dict[str, Any] | None, core: dict[str, Any] | None
) -> list[str]:
    out = [
        "## 5. Command feedback",
        "",
        ran_on(lib),
        "",
        "Time from pressing lock to the confirmed new state. The libraries' sleeps are replaced by a virtual "
        "clock (the simulated cloud moves with it), so the reference library's fixed constants count in full "
        "without making the run long: it polls every 3.5 s (`_POLLING_CYCLE`), waits 7 s "
        "(`_POLLING_CYCLE * 2`) after the result, then reloads the whole account. Ours polls after 3 s, 3 s, "
        "then 1.5x longer each time (capped at 15 s), and reloads only that vehicle. Feedback = virtual "
        "waiting time + measured processing time; the last column adds an assumed "
        f"{lib['round_trip_s']:g} s network round trip per request.",
        "",
        "Two server behaviours: **initiated** = the simulator's default, the event reports INITIATED, "
        "PENDING, DELIVERED, then EXECUTED (the real API sends INITIATED, mybmw-api.md §4.2); **pending** = "
        "PENDING from the first poll, as the reference library's own test mock answers.",
        "",
        f"| server | vehicles | car executes after | {OURS} | {REF} | ratio | "
        f"with {lib['round_trip_s']:g} s/request (ours / ref) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, row in ordered(lib["results"]):
        variant, n, car = key.split("/")
        o, r = row["ours"], row["ref"]
        ref_text = f"{r['feedback_s']:.1f} s, {r['requests']} req"
        shown_ratio = f"{row['ratio']:.2f}x"
        if not r["confirmed"]:
            ref_text = f"returns at {r['feedback_s']:.1f} s **unconfirmed** (stops at INITIATED)"
            shown_ratio = "n/a"
        out.append(
            f"| {variant} | {n} | {car} s | {o['feedback_s']:.1f} s, {o['requests']} req | {ref_text} | "
            f"{shown_ratio} | {o['feedback_with_rtt_s']:.1f} s / {r['feedback_with_rtt_s']:.1f} s |"
        )
    out += [
        "",
        "Ratio = reference / ours (above 1: ours is faster). For slow cars the back-off costs ours "
        "latency: the 30 s rows poll at 27.4 s and 42.4 s, where 3.5 s polling would see the result at "
        "31.5 s; it saves status calls instead.",
        "",
    ]
    lock = ha or core
    if lock:
        out += [
            "### In Home Assistant: the lock entity",
            "",
            f"{lock['lock_fleet']} vehicles, the car executes {lock['car_seconds']:g} s after the trigger; "
            "the state changes of the lock entity as seen on the event bus (virtual + processing seconds).",
            "",
        ]
    if ha:
        out += [ran_on(ha), "", *lock_rows(ha, ("ours",)), ""]
    if core:
        out += [
            *core_heading(core),
            "",
            *lock_rows(core, ("ours", "core")),
            "",
            "The core integration writes an optimistic `locked` at once, before the car has done "
            "anything; its confirmation is the state written after the whole-account refresh. With the "
            "INITIATED server it takes INITIATED for a result and reverts the entity to `unlocked` until "
            "the next 5-minute poll. Ours shows `locking` until the car confirms.",
            "",
        ]
    return out


def headline_current(results: dict[str, Any]) -> list[str]:
    """Our side on the current lane: the figures a user of current Home Assistant gets."""
    lines: list[str] = []
    day = results.get("day")
    if day:
        parts = [
            f"{fleet_label(n, noun=True)}: {row['ours']['requests']} requests/day, median data age "
            f"{minutes(row['ours']['median_age_s'])} (max {minutes(row['ours']['max_age_s'])})"
            for n, row in ordered(day["results"])
        ]
        lines.append("- Simulated day: " + "; ".join(parts) + ".")
    ha = results.get("ha")
    if ha:
        parts = [
            f"{n}: {row['ours']['median_s'] * 1e3:.0f} ms, {row['ours']['peak_bytes'] / 2**20:.1f} MiB "
            f"peak, {row['ours']['entities']} entities"
            for n, row in ordered(ha["setup"])
        ]
        lines.append("- Config entry setup by vehicle count: " + "; ".join(parts) + ".")
        lock = ha["lock"].get("pending", {}).get("ours")
        if lock and lock.get("first_locked_s") is not None:
            lines.append(
                f"- Lock entity ({ha['lock_fleet']} vehicles, car executes after "
                f"{ha['car_seconds']:g} s): `locked` confirmed after {lock['first_locked_s']:.1f} s, "
                f"{lock['requests']} requests."
            )
    cardata = results.get("cardata")
    if cardata:
        row = cardata["results"].get("4") or next(iter(cardata["results"].values()))
        lines.append(
            f"- BMW CarData (4 vehicles): {row['live']['startup']} REST requests to start, then "
            f"{max(row['live']['days'])}/day with a live stream ({max(row['silent']['days'])}/day when "
            f"the stream stays silent) of BMW's {cardata['limit']}; push to entity state "
            f"{cardata['latency']['median_ms']:.1f} ms median."
        )
        full = cardata.get("full_set")
        if full:
            default, every = full["default"], full["all"]
            lines.append(
                f"- CarData EV that streams every descriptor: {default['entities']} entities "
                f"({default['descriptor_entities']} descriptor entities, {default['enabled']} "
                f"enabled by default); push to state {default['median_ms']:.1f} ms median "
                f"({every['median_ms']:.1f} ms with all {every['entities']} enabled)."
            )
    if not lines:
        return []
    source = day or ha or cardata or {}
    ha_version, python = versions(source)
    return [f"### {OURS} on Home Assistant {ha_version} (Python {python})", "", *lines, ""]


def headline_library(results: dict[str, Any]) -> list[str]:
    """The bundled client against the reference library, no Home Assistant involved."""
    lines: list[str] = []
    req = results.get("requests")
    if req:
        r9 = req["results"]["9"]
        lines.append(
            f"- Requests, 9 vehicles: forced refresh {r9['ours']['forced_refresh']['requests']} vs "
            f"{r9['ref']['forced_refresh']['requests']} ({ratio(r9['ref']['forced_refresh']['requests'], r9['ours']['forced_refresh']['requests'])} fewer), "
            f"door lock {r9['ours']['door_lock']['requests']} vs {r9['ref']['door_lock']['requests']} "
            f"({ratio(r9['ref']['door_lock']['requests'], r9['ours']['door_lock']['requests'])} fewer); "
            f"steady refresh as the integration mostly runs it {r9['ours']['refresh_state_only']['requests']} vs "
            f"{r9['ref']['refresh_state_only']['requests']}; first loads and a refresh with charging details are equal."
        )
    parse = results.get("parse")
    if parse:
        speedups = ", ".join(f"{n}: {row['speedup']:.2f}x" for n, row in ordered(parse["results"]))
        worst = min(row["speedup"] for row in parse["results"].values())
        lines.append(
            f"- Parse CPU speed-up (reference time / ours) by vehicle count: {speedups}; "
            f"2x goal {'met' if worst >= 2 else '**not met**'}."
        )
    cmd = results.get("command")
    if cmd:
        row = cmd["results"].get("pending/3/15")
        if row:
            lines.append(
                f"- Lock feedback (3 vehicles, car executes after 15 s): {row['ours']['feedback_s']:.1f} s "
                f"vs {row['ref']['feedback_s']:.1f} s ({row['ratio']:.2f}x faster), "
                f"{row['ours']['requests']} vs {row['ref']['requests']} requests."
            )
        row = cmd["results"].get("initiated/3/15")
        if row and not row["ref"]["confirmed"]:
            lines.append(
                f"- With a server that reports INITIATED first, the reference library returns after "
                f"{row['ref']['feedback_s']:.1f} s with the old state; ours confirms after "
                f"{row['ours']['feedback_s']:.1f} s."
            )
    if not lines:
        return []
    _, python = versions(req or parse or cmd or {})
    return [
        f"### The bundled client vs {REF} (Python {python}, no Home Assistant)",
        "",
        *lines,
        "",
    ]


def headline_core(results: dict[str, Any]) -> list[str]:
    """Ours against the former core integration, on the release that still has it."""
    lines: list[str] = []
    day = results.get("day-core")
    if day:
        parts = [
            f"{fleet_label(n, noun=True)}: {row['ours']['requests']} vs "
            f"{row['core']['requests']} requests/day ({ratio(row['core']['requests'], row['ours']['requests'])} fewer), "
            f"median data age {minutes(row['ours']['median_age_s'])} vs {minutes(row['core']['median_age_s'])}"
            for n, row in ordered(day["results"])
        ]
        lines.append("- Simulated day vs fixed 5-minute polling: " + "; ".join(parts) + ".")
    ha = results.get("ha-core")
    if ha:
        parts = [
            f"{n}: {row['time_ratio']:.2f}x time, {row['peak_ratio']:.2f}x peak memory "
            f"({per_entity(row, 'median_s'):.2f}x / {per_entity(row, 'peak_bytes'):.2f}x per entity; "
            f"{row['ours']['entities']} vs {row['core']['entities']} entities)"
            for n, row in ordered(ha["setup"])
        ]
        lines.append(
            "- Setup, core / ours (above 1: ours is lighter) by vehicle count: "
            + "; ".join(parts)
            + "."
        )
    if not lines:
        return []
    ha_version, python = versions(day or ha or {})
    return [
        f"### {OURS} vs {CORE}, on Home Assistant {ha_version} (Python {python})",
        "",
        f"The former core integration exists only up to Home Assistant 2026.2; this comparison runs on "
        f"{ha_version}, the oldest release this project supports, which still has it.",
        "",
        *lines,
        "",
    ]


def headline(results: dict[str, Any]) -> list[str]:
    return [
        "## Headline",
        "",
        *headline_current(results),
        *headline_library(results),
        *headline_core(results),
    ]


def cardata_section(data: dict[str, Any]) -> list[str]:
    """Benchmark 6: the CarData backend's REST budget and push latency."""
    lat = data["latency"]
    lines = [
        "## 6. BMW CarData: REST requests per day and push latency",
        "",
        f"A CarData entry in Home Assistant against the simulated CarData cloud, the stream on a "
        f"fake broker; two simulated days of the coordinator's 30-minute check. *Live*: every car "
        f"sends every 2 h. *Silent*: no message at all, so every car falls back to REST every 6 h. "
        f"BMW allows {data['limit']} requests a day.",
        "",
        "| Vehicles | Start | Day 1 live | Day 2 live | Day 1 silent | Day 2 silent | Worst day |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, row in ordered(data["results"]):
        live, silent = row["live"], row["silent"]
        lines.append(
            f"| {n} | {live['startup']} | {live['days'][0]} | {live['days'][1]} | "
            f"{silent['days'][0]} | {silent['days'][1]} | {max(live['max_day'], silent['max_day'])} |"
        )
    lines += [
        "",
        f"Push to entity: {lat['messages']} messages, median {lat['median_ms']:.2f} ms, "
        f"p95 {lat['p95_ms']:.2f} ms, max {lat['max_ms']:.2f} ms (message handed to the stream "
        "until the sensor's new state is written).",
        "",
    ]
    full = data.get("full_set")
    if full:
        lines += [
            "*Full set*: one EV that has streamed every descriptor of the descriptor table "
            f"({full['default']['descriptors_sent']} descriptors), so it carries every descriptor "
            "entity. Push to state: a charging-power message until the power sensor's new state; "
            "burst: a message with every descriptor changed until Home Assistant is idle.",
            "",
            "| Enabled | Entities per car | Descriptor entities | Enabled | Push median | "
            "Push p95 | First burst | Burst |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, label in (("default", "default set"), ("all", "all")):
            row = full[name]
            lines.append(
                f"| {label} | {row['entities']} | {row['descriptor_entities']} | "
                f"{row['enabled']} | {row['median_ms']:.2f} ms | {row['p95_ms']:.2f} ms | "
                f"{row['first_burst_ms']:.1f} ms | {row['burst_ms']:.1f} ms |"
            )
        lines.append("")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--command", default="benchmarks/run")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--note", default="")
    args = parser.parse_args()
    results = {
        name: load(args.results, name)
        for name in ("requests", "day", "parse", "ha", "command", "cardata", "day-core", "ha-core")
    }
    info = machine(results)
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `{args.command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. All figures of one "
        "run on the same machine; each comparison ran side by side in one environment, and timings are compared as ratios. This is a "
        "benchmark, not a test: nothing here fails a build.",
        "",
    ]
    if args.note:
        lines += [args.note, ""]
    lines += headline(results)
    lines += ["## Machine", "", "| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in info.items()]
    lines += ["", *environments(results), ""]
    if results["requests"]:
        lines += requests_section(results["requests"])
    if results["day"] or results["day-core"]:
        lines += day_section(results["day"], results["day-core"])
    if results["parse"]:
        lines += parse_section(results["parse"])
    if results["ha"] or results["ha-core"]:
        lines += ha_section(results["ha"], results["ha-core"])
    if results["command"]:
        lines += command_section(results["command"], results["ha"], results["ha-core"])
    if results["cardata"]:
        lines += cardata_section(results["cardata"])
    args.out.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
