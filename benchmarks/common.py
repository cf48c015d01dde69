"""Shared helpers: paths, argument parsing, virtual time and result files."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
import json
from pathlib import Path
import platform
import statistics
import sys
import time
import types
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def import_client() -> None:
    """Make the bundled client importable as ``mybmw`` without Home Assistant installed.

    ``custom_components.bmw_mybmw.mybmw`` would run the integration's ``__init__``
    (Home Assistant imports); the client itself uses only relative imports.
    """
    path = str(ROOT / "custom_components" / "bmw_mybmw")
    if path not in sys.path:
        sys.path.insert(0, path)


KINDS = ("ours", "core")
"""Integrations a Home Assistant benchmark can compare: this project's and the former core one."""


def parse_args(description: str, *, kinds: bool = False) -> argparse.Namespace:
    """``--quick`` (fewer repetitions), ``--out`` (result JSON) and, with ``kinds``, ``--kinds``.

    The former core integration exists only up to Home Assistant 2026.2, so a lane on
    newer Home Assistant runs ``--kinds ours``.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--out", type=Path, required=True, help="result JSON file")
    if kinds:
        parser.add_argument(
            "--kinds",
            default=",".join(KINDS),
            type=lambda text: tuple(dict.fromkeys(part.strip() for part in text.split(","))),
            help="comma-separated integrations to run: ours, core (default: both)",
        )
    args = parser.parse_args()
    if kinds and (not args.kinds or set(args.kinds) - set(KINDS)):
        parser.error(f"--kinds takes a comma-separated choice of {', '.join(KINDS)}")
    return args


def environment() -> dict[str, str]:
    """Python and, when loaded, Home Assistant of this run, so the report can say what ran where."""
    found = {"python": platform.python_version()}
    if "homeassistant" in sys.modules:
        from homeassistant.const import __version__ as ha_version

        found["home_assistant"] = ha_version
    return found


def write_result(path: Path, data: dict[str, Any]) -> None:
    """Store one benchmark's figures, with the versions they ran on, for the report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {**data, "environment": environment()}
    path.write_text(json.dumps(data, indent=2, sort_keys=True, default=str), encoding="utf-8")
    print(f"  -> {path}")


def median(values: list[float]) -> float:
    """Median of a non-empty list."""
    return float(statistics.median(values))


def best_of(func: Callable[[], Any], repeat: int, number: int) -> tuple[float, float]:
    """Return (median, min) seconds per call of ``func`` over ``repeat`` rounds of ``number``."""
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            func()
        rounds.append((time.perf_counter() - start) / number)
    return median(rounds), min(rounds)


class VirtualTime:
    """A stand-in for ``asyncio`` inside one library module: sleeping advances a virtual clock.

    The libraries' fixed waits (polling intervals, the wait before the refresh)
    then cost no wall-clock time, but every second they would have waited is
    added to ``elapsed`` and to the simulated cloud's clock, so the cloud sees
    the requests at the times a real run would send them.
    """

    def __init__(self, cloud: Any = None) -> None:
        self.cloud = cloud
        self.elapsed = 0.0
        self.sleeps: list[float] = []
        self._real_sleep = asyncio.sleep

    async def sleep(self, delay: float, result: Any = None) -> Any:
        """Advance virtual time by ``delay`` instead of waiting."""
        if delay > 0:
            self.elapsed += delay
            self.sleeps.append(delay)
            if self.cloud is not None:
                self.cloud.clock.advance(delay)
        await self._real_sleep(0)
        return result

    def module_proxy(self) -> types.SimpleNamespace:
        """An object that looks like the ``asyncio`` module except for ``sleep``."""
        proxy = types.SimpleNamespace(**{name: getattr(asyncio, name) for name in dir(asyncio)})
        proxy.sleep = self.sleep
        return proxy

    def patch(self, *modules: types.ModuleType) -> list[tuple[types.ModuleType, Any]]:
        """Replace ``asyncio`` in each module; return what to restore."""
        saved = []
        for module in modules:
            saved.append((module, module.asyncio))
            module.asyncio = self.module_proxy()  # type: ignore[attr-defined]
        return saved

    @staticmethod
    def restore(saved: list[tuple[types.ModuleType, Any]]) -> None:
        """Undo :meth:`patch`."""
        for module, original in saved:
            module.asyncio = original  # type: ignore[attr-defined]
