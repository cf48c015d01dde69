"""Constants of the BMW & MINI (MyBMW) integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

from homeassistant.const import Platform

DOMAIN: Final = "bmw_mybmw"
LOGGER = logging.getLogger(__package__)

CONF_REGION: Final = "region"
CONF_REFRESH_TOKEN: Final = "refresh_token"
CONF_GCID: Final = "gcid"
CONF_CAPTCHA_TOKEN: Final = "captcha_token"
CONF_READ_ONLY: Final = "read_only"
CONF_USER_AGENT_BUILD: Final = "user_agent_build"
CONF_DAILY_REQUEST_BUDGET: Final = "daily_request_budget"

# Which BMW service an entry talks to; entries without the key are MyBMW ones.
CONF_BACKEND: Final = "backend"
BACKEND_MYBMW: Final = "mybmw"
BACKEND_CARDATA: Final = "cardata"
CONF_CLIENT_ID: Final = "client_id"
CONF_TOKENS: Final = "tokens"
CONF_CONTAINER_ID: Final = "container_id"

# Config names of the regions, as the client's get_region_from_name() takes them.
REGION_CHINA: Final = "china"
REGION_NORTH_AMERICA: Final = "north_america"
REGION_REST_OF_WORLD: Final = "rest_of_world"
REGIONS: Final = [REGION_CHINA, REGION_NORTH_AMERICA, REGION_REST_OF_WORLD]
# Regions whose password login needs an hCaptcha token solved by the user.
CAPTCHA_REGIONS: Final = frozenset({REGION_NORTH_AMERICA, REGION_REST_OF_WORLD})

# The former core integration's defaults; now the fastest the planner polls while data moves.
SCAN_INTERVALS: Final = {
    REGION_CHINA: timedelta(seconds=300),
    REGION_NORTH_AMERICA: timedelta(seconds=600),
    REGION_REST_OF_WORLD: timedelta(seconds=300),
}

# How often the vehicle lists are read again, to notice vehicles added to or removed
# from the account (three list calls, and the profiles of new vehicles).
RELIST_INTERVAL: Final = timedelta(hours=24)
# How often the known vehicles' profiles are read again too: they change only with a
# software update (version sensor), so weekly, not at every re-listing.
PROFILE_RELOAD_INTERVAL: Final = timedelta(days=7)

# A vehicle's device is keyed by its VIN; the account's own device by this prefix + entry id.
ACCOUNT_DEVICE_PREFIX: Final = "account-"

# Today's request count and a running quota pause, kept across restarts (one file per entry).
STORAGE_VERSION: Final = 1
STORAGE_SAVE_DELAY: Final = 10  # seconds; coalesces the writes of one refresh

# Repair issues, suffixed with the entry id.
ISSUE_QUOTA_EXCEEDED: Final = "quota_exceeded"
ISSUE_BLOCKED: Final = "blocked"

# BMW's 489 block is permanent (see the MyBMW API notes); look again only this often.
BLOCKED_RETRY_INTERVAL: Final = timedelta(hours=6)
# A 429 rate limit is short; never come back sooner than this.
RATE_LIMIT_BACKOFF: Final = timedelta(minutes=5)

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
