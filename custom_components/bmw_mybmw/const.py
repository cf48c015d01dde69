"""Constants of the BMW & MINI (MyBMW) integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

from homeassistant.const import Platform

DOMAIN: Final = "bmw_mybmw"
LOGGER = logging.getLogger(__package__)

ATTRIBUTION: Final = "Data provided by MyBMW"

CONF_REGION: Final = "region"
CONF_REFRESH_TOKEN: Final = "refresh_token"
CONF_GCID: Final = "gcid"
CONF_CAPTCHA_TOKEN: Final = "captcha_token"
CONF_READ_ONLY: Final = "read_only"
CONF_USER_AGENT_BUILD: Final = "user_agent_build"

# Config names of the regions, as the client's get_region_from_name() takes them.
REGION_CHINA: Final = "china"
REGION_NORTH_AMERICA: Final = "north_america"
REGION_REST_OF_WORLD: Final = "rest_of_world"
REGIONS: Final = [REGION_CHINA, REGION_NORTH_AMERICA, REGION_REST_OF_WORLD]
# Regions whose password login needs an hCaptcha token solved by the user.
CAPTCHA_REGIONS: Final = frozenset({REGION_NORTH_AMERICA, REGION_REST_OF_WORLD})

# The former core integration's defaults; BMW's daily quota is sized for them.
SCAN_INTERVALS: Final = {
    REGION_CHINA: timedelta(seconds=300),
    REGION_NORTH_AMERICA: timedelta(seconds=600),
    REGION_REST_OF_WORLD: timedelta(seconds=300),
}

# How often the vehicle lists are read again, to notice vehicles added to or removed
# from the account (costs the list and profile calls of a first load).
FULL_LOAD_INTERVAL: Final = timedelta(hours=24)

PLATFORMS: Final = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.DEVICE_TRACKER,
    Platform.IMAGE,
    Platform.LOCK,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]
