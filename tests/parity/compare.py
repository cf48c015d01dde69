"""Parse the same answers with the reference library and the bundled client; print the differences.

Runs in the reference venv (``python -m benchmarks.libs --build-reference``),
never inside the Home Assistant test session: ``python -m tests.parity.compare
RECORDINGS_DIR`` prints one JSON list of ``{"case", "path", "ref", "ours"}``.
The walk follows the reference's objects: every public attribute the reference
has is looked up on ours, so a missing name shows as ``"<missing>"``.
"""

from __future__ import annotations

import datetime
import enum
import json
from pathlib import Path
import sys
from typing import Any

from simulator.fleet import build_fleet, charging_details, profile, state

Docs = list[tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]]

FETCHED_AT = datetime.datetime(2023, 1, 4, 15, 0, 0, 123456, tzinfo=datetime.UTC)
"""The fetch time handed to both parsers (fractional seconds show a rounding difference)."""

FLEET_SIZE = 16
"""Two rounds of the generated fleet's eight brand/drive-train kinds."""

MISSING = "<missing>"
SKIPPED = frozenset({"account", "remote_services", "data"})
"""Back-references and the raw merged record (its shape is each library's own)."""


def recorded_cases(root: Path) -> dict[str, Docs]:
    """One case per recorded vehicle folder: profile (with VIN), state, charging details."""
    cases: dict[str, Docs] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for profile_file in sorted(folder.glob("*vehicle-data_profile_*.json")):
            vin = profile_file.stem.rsplit("_", 1)[1]
            base = dict(json.loads(profile_file.read_text(encoding="utf-8")), vin=vin)
            state_file = next(folder.glob(f"*vehicles_state_{vin}.json"))
            charging_file = next(folder.glob(f"*crccs_v2_vehicles_{vin}.json"), None)
            charging = (
                json.loads(charging_file.read_text(encoding="utf-8")) if charging_file else None
            )
            cases[folder.name] = [
                (base, json.loads(state_file.read_text(encoding="utf-8")), charging)
            ]
    return cases


def fleet_cases() -> dict[str, Docs]:
    """The project's generated fleet (simulator/fleet.py), one case per vehicle."""
    cases: dict[str, Docs] = {}
    for index, spec in enumerate(build_fleet(FLEET_SIZE)):
        base = dict(profile(spec), vin=spec.vin)
        charging = charging_details(spec) if spec.needs_charging_details else None
        cases[f"fleet{index:02d}-{spec.brand}-{spec.drivetrain}"] = [(base, state(spec), charging)]
    return cases


def public_names(obj: Any) -> list[str]:
    """Public data attributes: properties, dataclass fields and instance attributes."""
    names = {n for n in vars(obj) if not n.startswith("_")} if hasattr(obj, "__dict__") else set()
    for klass in type(obj).__mro__:
        for name, member in vars(klass).items():
            if name.startswith("_"):
                continue
            if isinstance(member, property):
                names.add(name)
    names.update(getattr(obj, "__dataclass_fields__", {}))
    return sorted(names - SKIPPED)


def plain(value: Any) -> Any:
    """Scalars as JSON: enums by value, date/times in ISO form."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.tzinfo):
        return str(value)
    return value


def is_scalar(value: Any) -> bool:
    scalar = (str, int, float, bool, enum.Enum, datetime.date, datetime.time, datetime.tzinfo)
    return value is None or isinstance(value, scalar)


def compare(ref: Any, ours: Any, path: str, out: list[dict[str, Any]], case: str) -> None:
    """Walk ``ref``; record where ``ours`` differs."""
    if isinstance(ref, tuple) and type(ref) is not tuple and hasattr(ref, "_fields"):
        # NamedTuple (ValueWithUnit): compare as a plain pair.
        ref = tuple(ref)
    if is_scalar(ref):
        if type(plain(ref)) is not type(plain(ours)) or plain(ref) != plain(ours):
            out.append({"case": case, "path": path, "ref": describe(ref), "ours": describe(ours)})
        return
    if isinstance(ref, list | tuple):
        if not isinstance(ours, list | tuple) or len(ref) != len(ours):
            out.append({"case": case, "path": path, "ref": describe(ref), "ours": describe(ours)})
            return
        for index, (item_ref, item_ours) in enumerate(zip(ref, ours, strict=True)):
            compare(item_ref, item_ours, f"{path}[{index}]", out, case)
        return
    if isinstance(ref, dict):
        if not isinstance(ours, dict):
            out.append({"case": case, "path": path, "ref": describe(ref), "ours": describe(ours)})
            return
        for key in sorted(ref):
            compare(ref[key], ours.get(key, MISSING), f"{path}[{key!r}]", out, case)
        return
    if ours is None or is_scalar(ours):
        out.append({"case": case, "path": path, "ref": describe(ref), "ours": describe(ours)})
        return
    for name in public_names(ref):
        try:
            value_ref = getattr(ref, name)
        except Exception as err:
            value_ref = f"<raises {type(err).__name__}>"
        try:
            value_ours = getattr(ours, name)
        except AttributeError:
            value_ours = MISSING
        except Exception as err:
            value_ours = f"<raises {type(err).__name__}>"
        compare(value_ref, value_ours, f"{path}.{name}" if path else name, out, case)


def describe(value: Any) -> Any:
    """A JSON-able picture of a value for the report."""
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        value = tuple(value)
    if is_scalar(value):
        plain_value = plain(value)
        kind = type(value).__name__
        return (
            plain_value
            if isinstance(value, str | int | float | bool | type(None))
            else {kind: plain_value}
        )
    if isinstance(value, list | tuple):
        return [describe(item) for item in value]
    if isinstance(value, dict):
        return {str(k): describe(v) for k, v in value.items()}
    return f"<{type(value).__name__}>"


def main(recordings: Path | None) -> list[dict[str, Any]]:
    """All differences of every case."""
    # Imported here: benchmarks.libs puts the client on sys.path as ``mybmw`` and
    # imports the reference, which only the reference venv's process may do.
    from benchmarks.libs import Ours, Reference

    ours_lib, ref_lib = Ours(), Reference()
    cases = fleet_cases()
    if recordings is not None and recordings.is_dir():
        cases = {**recorded_cases(recordings), **cases}
    ours_account, ref_account = ours_lib.account(None), ref_lib.account(None)
    out: list[dict[str, Any]] = []
    for case, docs in cases.items():
        (ref_vehicle,) = ref_lib.parse(ref_account, docs, FETCHED_AT)
        (our_vehicle,) = ours_lib.parse(ours_account, docs, FETCHED_AT)
        compare(ref_vehicle, our_vehicle, "", out, case)
    return out


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    json.dump(main(root), sys.stdout, indent=1, sort_keys=True)
