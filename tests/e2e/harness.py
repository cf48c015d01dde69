"""Start, onboard and stop a local Home Assistant next to the MyBMW simulator.

Shared by `scripts/develop` (the demo) and the browser test, so both run the
same configuration. Run as a script for the demo's steps:

    python tests/e2e/harness.py config  --config DIR --port PORT
    python tests/e2e/harness.py ports-free PORT...
    python tests/e2e/harness.py wait    --url URL [--timeout S]
    python tests/e2e/harness.py onboard --url URL
    python tests/e2e/harness.py credentials
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
import contextlib
import json
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import time
from typing import Any

# Home Assistant 2026.11+ makes `import httpx` resolve to httpx2, which only works before
# anything imports httpx: load it first wherever it is installed (the demo's environment).
with contextlib.suppress(ImportError):
    import homeassistant  # noqa: F401
import httpx

REPO = Path(__file__).resolve().parents[2]
DOMAIN = "bmw_mybmw"

# The local Home Assistant's owner account (demo and test only).
HA_NAME = "Demo Owner"
HA_USERNAME = "demo"
HA_PASSWORD = "ha-demo-password"

CONFIGURATION_YAML = """\
# Written by tests/e2e/harness.py for the local demo and the browser test.
# Only what the UI needs: no default_config, so nothing reaches the internet.
homeassistant:
  name: MyBMW demo
  unit_system: metric
  time_zone: Europe/Berlin
  country: DE
  currency: EUR
  latitude: 48.177
  longitude: 11.556
  elevation: 510

{http}
frontend:
config:
logbook:

logger:
  default: warning
  logs:
    custom_components.{domain}: debug
"""


def free_port() -> int:
    """Ask the kernel for a loopback port nobody listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    """Whether something already listens on 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


HTTP_YAML = """\
http:
  server_host: 127.0.0.1
  server_port: {port}
"""


def _stored_http_config(port: int) -> dict[str, Any] | None:
    """The HTTP server settings as Home Assistant 2026.11+ stores them, or None before that.

    Those releases move `http:` from YAML into a pending stored config that must be confirmed
    within five minutes, or Home Assistant reverts it and restarts on 0.0.0.0:8123. Writing the
    confirmed ("stable") settings up front keeps the demo on loopback and its port for hours.
    """
    try:
        from homeassistant.components.http import config as http_config
    except ImportError:
        return None
    if not hasattr(http_config, "HTTPConfigStore"):
        return None
    stable = dict(
        http_config.HTTP_STORAGE_SCHEMA({"server_host": ["127.0.0.1"], "server_port": port})
    )
    stable.update(created_at="2026-01-01T00:00:00+00:00", error=None, error_message=None)
    return {
        "version": http_config.STORAGE_VERSION,
        "minor_version": http_config.STORAGE_MINOR_VERSION,
        "key": http_config.STORAGE_KEY,
        "data": {"stable": stable, "pending": None, "yaml_migration_done": True},
    }


def write_config(config_dir: Path, port: int) -> None:
    """Write configuration.yaml (or HA's stored HTTP settings) and link the integration."""
    config_dir.mkdir(parents=True, exist_ok=True)
    stored_http = _stored_http_config(port)
    http_yaml = "" if stored_http else HTTP_YAML.format(port=port)
    if stored_http:
        storage = config_dir / ".storage"
        storage.mkdir(exist_ok=True)
        (storage / "http").write_text(json.dumps(stored_http, default=str), encoding="utf-8")
    (config_dir / "configuration.yaml").write_text(
        CONFIGURATION_YAML.format(http=http_yaml, domain=DOMAIN), encoding="utf-8"
    )
    components = config_dir / "custom_components"
    components.mkdir(exist_ok=True)
    link = components / DOMAIN
    if link.is_symlink() or link.exists():
        link.unlink()
    target = REPO / "custom_components" / DOMAIN
    if config_dir.resolve().is_relative_to(REPO):
        # Relative inside the checkout (config/), so a moved checkout still works.
        target = Path(os.path.relpath(target, components.resolve()))
    link.symlink_to(target, target_is_directory=True)
    # configuration.yaml already holds what onboarding's core_config step
    # confirms; marking it done up front keeps that step from setting up its
    # internet-bound integrations (met, radio_browser, google_translate).
    onboarding = config_dir / ".storage" / "onboarding"
    if not onboarding.exists():
        onboarding.parent.mkdir(exist_ok=True)
        onboarding.write_text(
            json.dumps(
                {
                    "version": 4,
                    "minor_version": 1,
                    "key": "onboarding",
                    "data": {"done": ["core_config"]},
                }
            ),
            encoding="utf-8",
        )


def demo_credentials() -> tuple[str, str]:
    """The simulator's demo MyBMW login (its own constants, one source of truth)."""
    sys.path.insert(0, str(REPO))
    from simulator.cloud import DEMO_PASSWORD, DEMO_USERNAME

    return str(DEMO_USERNAME), str(DEMO_PASSWORD)


def _python() -> str:
    return sys.executable


def start_simulator(port: int, log_path: Path, *extra: str) -> subprocess.Popen[bytes]:
    """Serve the simulated MyBMW cloud on 127.0.0.1:port."""
    args = [_python(), "-m", "simulator", "--host", "127.0.0.1", "--port", str(port), *extra]
    return _spawn(args, log_path, dict(os.environ), cwd=REPO)


def start_hass(config_dir: Path, server_url: str, log_path: Path) -> subprocess.Popen[bytes]:
    """Run `hass --skip-pip` with the client pointed at the simulator.

    The integration is found through config/custom_components/bmw_mybmw, a link
    into the checkout; the console script and cwd keep the checkout's own
    custom_components folder off sys.path so HA sees the integration once.
    """
    env = dict(os.environ)
    env["MYBMW_SERVER_URL"] = server_url
    # The hass console script of the environment running this harness (.venv-hass).
    hass = Path(sys.executable).parent / "hass"
    args = [str(hass), "--config", str(config_dir), "--skip-pip"]
    return _spawn(args, log_path, env, cwd=config_dir)


def _spawn(
    args: list[str], log_path: Path, env: dict[str, str], cwd: Path
) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            args,
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def stop(proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """Ask politely (SIGTERM), then insist: HA saves its storage on SIGTERM."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def wait_http(url: str, timeout: float = 90.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Poll until url answers below 500; fail early if the process died."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            status = httpx.get(url, timeout=2.0).status_code
        except httpx.HTTPError as err:
            last = type(err).__name__
        else:
            if status < 500:
                return
            last = f"HTTP {status}"
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f}s ({last})")


def _token(http: httpx.Client, client_id: str, code: str) -> str:
    response = http.post(
        "/auth/token",
        data={"grant_type": "authorization_code", "code": code, "client_id": client_id},
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def login(base_url: str, username: str = HA_USERNAME, password: str = HA_PASSWORD) -> str:
    """Log in through HA's login flow and return an access token."""
    client_id = f"{base_url}/"
    with httpx.Client(base_url=base_url, timeout=20.0) as http:
        flow = http.post(
            "/auth/login_flow",
            json={
                "client_id": client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": client_id,
            },
        )
        flow.raise_for_status()
        result = http.post(
            f"/auth/login_flow/{flow.json()['flow_id']}",
            json={"client_id": client_id, "username": username, "password": password},
        )
        result.raise_for_status()
        body = result.json()
        if body.get("type") != "create_entry":
            raise RuntimeError(f"login failed: {body.get('errors')}")
        return _token(http, client_id, str(body["result"]))


def onboard(base_url: str) -> str:
    """Finish onboarding (owner user, analytics, integration); return a token.

    Idempotent: on an onboarded instance it only logs in.
    """
    client_id = f"{base_url}/"
    with httpx.Client(base_url=base_url, timeout=30.0) as http:
        status = http.get("/api/onboarding")
        if status.status_code == 404:
            # A fully onboarded instance no longer serves the onboarding API.
            token = login(base_url)
            wait_running(base_url, token)
            return token
        status.raise_for_status()
        steps = {s["step"]: s["done"] for s in status.json()}
        if steps.get("user"):
            token = login(base_url)
        else:
            created = http.post(
                "/api/onboarding/users",
                json={
                    "client_id": client_id,
                    "name": HA_NAME,
                    "username": HA_USERNAME,
                    "password": HA_PASSWORD,
                    "language": "en",
                },
            )
            created.raise_for_status()
            token = _token(http, client_id, str(created.json()["auth_code"]))
        headers = {"Authorization": f"Bearer {token}"}
        for step, body in (
            ("core_config", {}),
            ("analytics", {}),
            ("integration", {"client_id": client_id, "redirect_uri": client_id}),
        ):
            if not steps.get(step):
                http.post(f"/api/onboarding/{step}", json=body, headers=headers).raise_for_status()
    wait_running(base_url, token)
    return token


def wait_running(base_url: str, token: str, timeout: float = 120.0) -> None:
    """Wait until HA has finished starting (every integration set up)."""
    deadline = time.monotonic() + timeout
    state = "unknown"
    while time.monotonic() < deadline:
        answer = httpx.get(
            f"{base_url}/api/config", headers={"Authorization": f"Bearer {token}"}, timeout=5.0
        )
        state = str(answer.json().get("state")) if answer.status_code == 200 else state
        if state == "RUNNING":
            return
        time.sleep(0.3)
    raise TimeoutError(f"Home Assistant still {state} after {timeout:.0f}s")


@contextlib.contextmanager
def running(proc: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    """Stop the process however the block ends."""
    try:
        yield proc
    finally:
        stop(proc)


def main(argv: list[str] | None = None) -> int:
    """Command line for scripts/develop."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    config = sub.add_parser("config", help="write configuration.yaml and link the integration")
    config.add_argument("--config", type=Path, required=True)
    config.add_argument("--port", type=int, required=True)
    ports = sub.add_parser("ports-free", help="fail if a loopback port is taken")
    ports.add_argument("ports", type=int, nargs="+")
    wait = sub.add_parser("wait", help="wait until a URL answers")
    wait.add_argument("--url", required=True)
    wait.add_argument("--timeout", type=float, default=120.0)
    onboard_cmd = sub.add_parser("onboard", help="finish HA's onboarding")
    onboard_cmd.add_argument("--url", required=True)
    sub.add_parser("credentials", help="print HA's and the simulator's demo logins")
    args = parser.parse_args(argv)

    if args.command == "config":
        write_config(args.config, args.port)
    elif args.command == "ports-free":
        busy = [port for port in args.ports if port_in_use(port)]
        if busy:
            print(f"Port(s) already in use on 127.0.0.1: {busy}", file=sys.stderr)
            return 1
    elif args.command == "wait":
        wait_http(args.url, args.timeout)
    elif args.command == "onboard":
        onboard(args.url.rstrip("/"))
    else:
        print("\t".join((HA_USERNAME, HA_PASSWORD, *demo_credentials())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
