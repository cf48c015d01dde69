"""Which backend an entry talks to, and its coordinator built with every client hook in place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.httpx_client import get_async_client
from homeassistant.util import dt as dt_util

from .cardata_coordinator import CarDataCoordinator
from .command_progress import CommandProgressTracker
from .const import (
    BACKEND_CARDATA,
    CONF_BACKEND,
    CONF_DAILY_REQUEST_BUDGET,
    CONF_GCID,
    CONF_REFRESH_TOKEN,
    CONF_REGION,
    CONF_USER_AGENT_BUILD,
    SCAN_INTERVALS,
)
from .contract import BMWConfigEntry, BMWCoordinator, hass_utcnow
from .coordinator import MyBMWCoordinator
from .mybmw.account import MyBMWAccount
from .mybmw.api.authentication import MyBMWAuthentication
from .mybmw.api.client import MyBMWClientConfiguration
from .mybmw.api.regions import get_region_from_name
from .mybmw.models import GPSPosition
from .persistence import TokenSaver
from .refresh_planner import DEFAULT_DAILY_BUDGET, RefreshPlanner


def is_cardata(data: Mapping[str, Any]) -> bool:
    """Entries from before CarData have no backend key: they are MyBMW entries."""
    return data.get(CONF_BACKEND) == BACKEND_CARDATA


def _observer_position(hass: HomeAssistant) -> GPSPosition | None:
    """Home's coordinates, which the vehicle finder needs for older cars."""
    try:
        return GPSPosition(hass.config.latitude, hass.config.longitude)
    except (TypeError, ValueError):
        return None


def create_coordinator(hass: HomeAssistant, entry: BMWConfigEntry) -> BMWCoordinator:
    """The entry's coordinator (CarData: ``CarDataAuthError`` when its tokens are unusable)."""
    if is_cardata(entry.data):
        return CarDataCoordinator(hass, entry)
    return _create_mybmw(hass, entry)


def _create_mybmw(hass: HomeAssistant, entry: BMWConfigEntry) -> MyBMWCoordinator:
    """The client reports requests, command progress and rotated tokens from its first call."""
    data = entry.data
    region = data[CONF_REGION]
    planner = RefreshPlanner(
        int(entry.options.get(CONF_DAILY_REQUEST_BUDGET, DEFAULT_DAILY_BUDGET)),
        clock=hass_utcnow,
        active_interval=SCAN_INTERVALS[region],
    )
    progress = CommandProgressTracker()
    tokens = TokenSaver(hass, entry)
    authentication = MyBMWAuthentication(
        data[CONF_USERNAME],
        # Only China can log in with a password unattended; elsewhere none is stored.
        data.get(CONF_PASSWORD, ""),
        get_region_from_name(region),
        on_tokens=lambda auth: tokens.save(
            {CONF_REFRESH_TOKEN: auth.refresh_token, CONF_GCID: auth.gcid}
        ),
    )
    config = MyBMWClientConfiguration(
        authentication,
        observer_position=_observer_position(hass),
        httpx_client=get_async_client(hass),
        user_agent_build=data.get(CONF_USER_AGENT_BUILD),
        on_request=lambda method, url, status: planner.record_request(),
        on_remote_service_progress=progress.report,
    )
    account = MyBMWAccount(data[CONF_USERNAME], "", authentication.region, config=config)
    # Local clock times the car reports (charging window, timers) are in Home Assistant's zone.
    account.timezone = dt_util.get_default_time_zone()
    if data.get(CONF_REFRESH_TOKEN):
        account.set_refresh_token(data[CONF_REFRESH_TOKEN], data.get(CONF_GCID))
    return MyBMWCoordinator(hass, entry, account, planner=planner, progress=progress)
