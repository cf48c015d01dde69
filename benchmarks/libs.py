"""The two client libraries behind one small interface, so every benchmark treats them alike.

Runs in benchmarks/.venv-ref, where ``bimmer_connected`` is the reference
library 0.17.4 and ``mybmw`` is this project's bundled client.
"""

from __future__ import annotations

import argparse
import datetime
import fcntl
import importlib
from pathlib import Path
import subprocess
import sys
from typing import Any
import venv

from .common import VirtualTime, import_client

import_client()

from simulator.cloud import DEMO_PASSWORD, DEMO_USERNAME  # noqa: E402

NAMES = {"ours": "bmw_mybmw", "ref": "bimmer-connected 0.17.4"}
Docs = list[tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]]
"""Decoded (profile with VIN, state, charging details) answers, one tuple per vehicle."""


class Library:
    """One client library: build an account, load, refresh, lock, parse."""

    key = ""

    def account(self, tokens: dict[str, Any] | None, captcha: str | None = None) -> Any:
        """An account that logs in with the stored refresh token (or password + captcha)."""
        raise NotImplementedError

    async def load(self, account: Any, force: bool = False) -> None:
        """Load or refresh every vehicle."""
        await account.get_vehicles(force_init=force)

    async def load_state_only(self, account: Any) -> None:
        """Refresh without charging details where the library can (the reference cannot)."""
        await account.get_vehicles()

    async def lock(self, account: Any, vin: str) -> Any:
        """Lock one vehicle's doors and return when the library considers the state current."""
        vehicle = account.get_vehicle(vin)
        return await vehicle.remote_services.trigger_remote_door_lock()

    def patch_sleep(self, clock: VirtualTime) -> Any:
        """Route the remote-service module's sleeps to ``clock``."""
        raise NotImplementedError

    def parse(self, account: Any, docs: Docs, at: Any) -> list[Any]:
        """Turn decoded profile/state/charging answers into vehicle models."""
        raise NotImplementedError


class Ours(Library):
    """bmw_mybmw's bundled client."""

    key = "ours"

    def __init__(self) -> None:
        self.account_cls = importlib.import_module("mybmw.account").MyBMWAccount
        self.regions = importlib.import_module("mybmw.api.regions").Regions
        self.vehicle_cls = importlib.import_module("mybmw.vehicle.vehicle").MyBMWVehicle
        self.remote = importlib.import_module("mybmw.vehicle.remote_services")

    def account(self, tokens: dict[str, Any] | None, captcha: str | None = None) -> Any:
        account = self.account_cls(
            DEMO_USERNAME,
            DEMO_PASSWORD,
            self.regions.REST_OF_WORLD,
            hcaptcha_token=captcha,
            user_agent_build="AP2A.240605.024",
        )
        if tokens:
            account.set_refresh_token(tokens["refresh_token"], tokens["gcid"])
        return account

    def patch_sleep(self, clock: VirtualTime) -> Any:
        return clock.patch(self.remote)

    async def load_state_only(self, account: Any) -> None:
        # What the integration's planner asks for between charging-details reads.
        await account.get_vehicles(charging_details=lambda vehicle: False)

    def parse(self, account: Any, docs: Docs, at: Any) -> list[Any]:
        return [
            self.vehicle_cls(account, base, state, charging, at) for base, state, charging in docs
        ]


class Reference(Library):
    """The reference library bimmer_connected (0.17.4 from the package registry)."""

    key = "ref"

    def __init__(self) -> None:
        self.account_cls = importlib.import_module("bimmer_connected.account").MyBMWAccount
        self.regions = importlib.import_module("bimmer_connected.api.regions").Regions
        self.vehicle_cls = importlib.import_module("bimmer_connected.vehicle.vehicle").MyBMWVehicle
        self.remote = importlib.import_module("bimmer_connected.vehicle.remote_services")
        self.version = importlib.import_module("importlib.metadata").version("bimmer_connected")

    def account(self, tokens: dict[str, Any] | None, captcha: str | None = None) -> Any:
        account = self.account_cls(
            DEMO_USERNAME, DEMO_PASSWORD, self.regions.REST_OF_WORLD, hcaptcha_token=captcha
        )
        if tokens:
            account.set_refresh_token(refresh_token=tokens["refresh_token"], gcid=tokens["gcid"])
        return account

    def patch_sleep(self, clock: VirtualTime) -> Any:
        return clock.patch(self.remote)

    def parse(self, account: Any, docs: Docs, at: Any) -> list[Any]:
        vehicles = []
        for base, state, charging in docs:
            # What the library does with the same answers: _init_vehicles + get_vehicle_state.
            profile = {k: v for k, v in base.items() if k != "vin"}
            vehicle = self.vehicle_cls(account, {"attributes": profile, "vin": base["vin"]}, at)
            vehicle.update_state([state, {"charging_settings": charging}], at)
            vehicles.append(vehicle)
        return vehicles


def libraries() -> list[Library]:
    """Ours first, then the reference."""
    return [Ours(), Reference()]


def now() -> datetime.datetime:
    """UTC now (the fetch time handed to the parsers)."""
    return datetime.datetime.now(datetime.UTC)


REFERENCE_REQUIREMENTS = ("bimmer-connected==0.17.4", "respx", "Pillow", "pycryptodome")
"""What benchmarks/.venv-ref holds: the reference library and what the bundled client needs."""
# One per Python: each Home Assistant lane (Python 3.14 in the forky root, 3.13 on the host) builds
# and runs its own.
REFERENCE_VENV = (
    Path(__file__).resolve().parent / f".venv-ref-{sys.version_info[0]}.{sys.version_info[1]}"
)
_READY_MARK = ".ready-0.17.4"


def build_reference_venv(path: Path = REFERENCE_VENV) -> Path:
    """Create (once) the venv with the reference library from the package registry.

    Shared by benchmarks/run and the parity test (tests/parity). Returns the
    venv's python; raises ``subprocess.CalledProcessError`` when pip cannot
    install (e.g. no network), leaving no half-built venv marked ready.
    """
    python = path / "bin" / "python"
    path.parent.mkdir(parents=True, exist_ok=True)
    # Parallel test workers may ask at once: one builds, the others wait for it.
    with open(path.parent / f"{path.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (path / _READY_MARK).exists() and python.exists():
            return python
        venv.EnvBuilder(clear=True, with_pip=True).create(path)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", *REFERENCE_REQUIREMENTS],
            check=True,
            timeout=600,
        )
        (path / _READY_MARK).touch()
    return python


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Build the reference library's venv.")
    parser.add_argument(
        "--build-reference", type=Path, nargs="?", const=REFERENCE_VENV, default=REFERENCE_VENV
    )
    print(build_reference_venv(parser.parse_args().build_reference))
    sys.exit(0)
