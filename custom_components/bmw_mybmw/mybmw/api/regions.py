"""Regions, their hosts and per-region constants."""

from __future__ import annotations

import base64
import ipaddress
import os
from typing import Final
from urllib.parse import urlsplit

from ..const import APP_VERSION
from ..models import StrEnum

SERVER_URL_ENV: Final = "MYBMW_SERVER_URL"
"""Points the client at a loopback server (the simulator) instead of BMW."""


class Regions(StrEnum):
    """The three MyBMW backends."""

    NORTH_AMERICA = "na"
    CHINA = "cn"
    REST_OF_WORLD = "row"


_SERVER_HOSTS: Final = {
    Regions.NORTH_AMERICA: "cocoapi.bmwgroup.us",
    Regions.REST_OF_WORLD: "cocoapi.bmwgroup.com",
    Regions.CHINA: "myprofile.bmw.com.cn",
}

# Public values, published base64-encoded by the reference library.
_OCP_APIM_KEYS: Final = {
    Regions.NORTH_AMERICA: "MzFlMTAyZjUtNmY3ZS03ZWYzLTkwNDQtZGRjZTYzODkxMzYy",
    Regions.REST_OF_WORLD: "NGYxYzg1YTMtNzU4Zi1hMzdkLWJiYjYtZjg3MDQ0OTRhY2Zh",
}

HCAPTCHA_SITE_KEYS: Final = {
    Regions.NORTH_AMERICA: "dc24de9a-9844-438b-b542-60067ff4dbe9",
    Regions.REST_OF_WORLD: "7244955f-8f30-4445-adff-4fefe059f815",
}

CAPTCHA_URLS: Final = {
    Regions.NORTH_AMERICA: "https://bimmer-connected.readthedocs.io/en/stable/captcha/north_america.html",
    Regions.REST_OF_WORLD: "https://bimmer-connected.readthedocs.io/en/stable/captcha/rest_of_world.html",
}


def get_region_from_name(name: str) -> Regions:
    """Return the region for a config name such as ``rest_of_world`` (any case)."""
    try:
        return Regions[name.strip().upper()]
    except KeyError:
        raise ValueError(
            f"Unknown region {name!r}; use one of: " + ", ".join(r.name.lower() for r in Regions)
        ) from None


def server_url_override() -> str | None:
    """Return the loopback server URL from the environment, if one is set.

    Only loopback hosts are accepted, so the variable cannot be used to send
    credentials anywhere but this machine.
    """
    url = os.environ.get(SERVER_URL_ENV, "").strip().rstrip("/")
    if not url:
        return None
    if not is_loopback_url(url):
        raise ValueError(
            f"{SERVER_URL_ENV} must point to a loopback host (127.0.0.1, ::1, localhost)"
        )
    return url


def is_loopback_url(url: str) -> bool:
    """Return True for http(s) URLs whose host is this machine."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def get_server_url(region: Regions) -> str:
    """Return the API base URL of a region (or the loopback override)."""
    return server_url_override() or f"https://{_SERVER_HOSTS[region]}"


def get_ocp_apim_key(region: Regions) -> str:
    """Return the subscription key sent with the OAuth config request."""
    try:
        return base64.b64decode(_OCP_APIM_KEYS[region]).decode()
    except KeyError:
        raise ValueError(f"Region {region.name.lower()} has no OAuth subscription key") from None


def get_app_version(region: Regions) -> str:
    """Return the app version and build the API expects (the same in every region today)."""
    return APP_VERSION
