"""Hosts, paths and limits of BMW CarData (docs/cardata.md, reference/cardata/*.json)."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

AUTH_BASE_URL: Final = "https://customer.bmwgroup.com"
DEVICE_CODE_PATH: Final = "/gcdm/oauth/device/code"
TOKEN_PATH: Final = "/gcdm/oauth/token"

API_BASE_URL: Final = "https://api-cardata.bmwgroup.com"
API_VERSION_HEADER: Final = {"x-version": "v1"}
MAPPINGS_PATH: Final = "/customers/vehicles/mappings"
CONTAINERS_PATH: Final = "/customers/containers"
BASIC_DATA_PATH: Final = "/customers/vehicles/{vin}/basicData"
TELEMATIC_DATA_PATH: Final = "/customers/vehicles/{vin}/telematicData"
IMAGE_PATH: Final = "/customers/vehicles/{vin}/image"
CHARGING_HISTORY_PATH: Final = "/customers/vehicles/{vin}/chargingHistory"

STREAM_HOST: Final = "customer.streaming-cardata.bmwgroup.com"
STREAM_PORT: Final = 9000

SCOPE: Final = "authenticate_user openid cardata:api:read cardata:streaming:read"
"""Exactly this scope: without it the token has no API rights (every call fails with CU-103)."""

DEVICE_CODE_GRANT: Final = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT: Final = "refresh_token"

DEFAULT_POLL_INTERVAL: Final = 5
SLOW_DOWN_STEP: Final = 5
DEFAULT_TOKEN_LIFETIME: Final = timedelta(hours=1)
REFRESH_TOKEN_LIFETIME: Final = timedelta(days=14)
TOKEN_REFRESH_MARGIN: Final = timedelta(minutes=5)
"""Tokens are refreshed this long before they expire."""

DAILY_REQUEST_LIMIT: Final = 50
MAX_CONTAINERS: Final = 10

MAPPING_PRIMARY: Final = "PRIMARY"
CONTAINER_NAME_PREFIX: Final = "bmw_mybmw"
CONTAINER_PURPOSE: Final = "Home Assistant bmw_mybmw: vehicle state"

ERROR_QUOTA: Final = "CU-429"
ERROR_NO_API_RIGHTS: Final = "CU-103"
ERROR_CONTAINER_GONE: Final = "CU-105"
ERROR_CONTAINER_LIMIT: Final = "CU-124"
KEYMANAGEMENT_ERROR: Final = "keymanagement.service.invalid_access_token"
