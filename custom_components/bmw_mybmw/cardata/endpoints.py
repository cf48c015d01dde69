"""Where the CarData client connects: BMW's hosts, or a loopback simulator from the environment.

``CARDATA_SERVER_URL`` replaces both HTTP bases (device-code/token and REST; the
simulator serves them on one origin) and ``CARDATA_STREAM_URL`` the MQTT
broker (``mqtts://`` with TLS, ``mqtt://`` without). Like ``MYBMW_SERVER_URL``
they accept loopback hosts only, so they cannot send tokens off this machine;
TLS is only ever switched off for a loopback broker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import os
from typing import Final
from urllib.parse import urlsplit

from ..mybmw.api.regions import is_loopback_url
from .const import API_BASE_URL, AUTH_BASE_URL, STREAM_HOST, STREAM_PORT

SERVER_URL_ENV: Final = "CARDATA_SERVER_URL"
STREAM_URL_ENV: Final = "CARDATA_STREAM_URL"
_STREAM_SCHEMES: Final = {"mqtts": True, "mqtt": False}


@dataclass(frozen=True)
class CarDataEndpoints:
    """HTTP bases and the broker address of one CarData backend."""

    auth_base_url: str = AUTH_BASE_URL
    api_base_url: str = API_BASE_URL
    stream_host: str = STREAM_HOST
    stream_port: int = STREAM_PORT
    stream_tls: bool = True


def endpoints_from_env(environ: Mapping[str, str] | None = None) -> CarDataEndpoints:
    """BMW's endpoints, with the loopback overrides applied; ``ValueError`` for any other host."""
    env = os.environ if environ is None else environ
    endpoints = CarDataEndpoints()
    server = env.get(SERVER_URL_ENV, "").strip().rstrip("/")
    if server:
        if not is_loopback_url(server):
            raise ValueError(
                f"{SERVER_URL_ENV} must be an http(s) URL of a loopback host "
                "(127.0.0.1, ::1, localhost)"
            )
        endpoints = CarDataEndpoints(auth_base_url=server, api_base_url=server)
    stream = env.get(STREAM_URL_ENV, "").strip()
    if stream:
        host, port, tls = _parse_stream_url(stream)
        endpoints = CarDataEndpoints(
            auth_base_url=endpoints.auth_base_url,
            api_base_url=endpoints.api_base_url,
            stream_host=host,
            stream_port=port,
            stream_tls=tls,
        )
    return endpoints


def _parse_stream_url(url: str) -> tuple[str, int, bool]:
    parts = urlsplit(url)
    tls = _STREAM_SCHEMES.get(parts.scheme)
    # The loopback check reuses the HTTP one on the same host and port.
    http_form = f"http://{parts.netloc}"
    try:
        port = parts.port
    except ValueError:
        port = None
    if tls is None or port is None or not parts.hostname or not is_loopback_url(http_form):
        raise ValueError(
            f"{STREAM_URL_ENV} must be mqtts://HOST:PORT or mqtt://HOST:PORT "
            "with a loopback host (127.0.0.1, ::1, localhost)"
        )
    return parts.hostname, port, tls
