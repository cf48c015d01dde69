"""Wire-protocol constants of the MyBMW cloud (hosts, paths, headers)."""

from __future__ import annotations

from typing import Final

from .models import StrEnum

APP_VERSION: Final = "4.9.2(36892)"
USER_AGENT: Final = "Dart/3.3 (dart:io)"
HTTPX_TIMEOUT: Final = 30.0

# Values the real app sends with every data call.
UNITS_PREFERENCES: Final = "d=KM;v=L;p=B;ec=KWH100KM;fc=L100KM;em=GKM;"
ACCEPT_LANGUAGE: Final = "en"
RAW_LOCALE: Final = "en-US"

# Rotate the login session id like the app does.
SESSION_ID_MAX_AGE_DAYS: Final = 14

# OAuth (north_america, rest_of_world)
OAUTH_CONFIG_PATH: Final = "/eadrax-ucs/v1/presentation/oauth/config"
PKCE_VERIFIER_LENGTH: Final = 86
PKCE_STATE_LENGTH: Final = 22
TOKEN_EXPIRY_MARGIN_SECONDS: Final = 60

# China login
CN_PUBLIC_KEY_PATH: Final = "/eadrax-coas/v1/cop/publickey"
CN_SLIDER_CAPTCHA_PATH: Final = "/eadrax-coas/v2/cop/slider-captcha"
CN_CHECK_CAPTCHA_PATH: Final = "/eadrax-coas/v1/cop/check-captcha"
CN_LOGIN_PATH: Final = "/eadrax-coas/v2/login/pwd"
CN_TOKEN_PATH: Final = "/eadrax-coas/v2/oauth/token"

# Vehicle data
VEHICLE_LIST_PATH: Final = "/eadrax-vcs/v5/vehicle-list"
VEHICLE_PROFILE_PATH: Final = "/eadrax-vcs/v5/vehicle-data/profile"
VEHICLE_STATE_PATH: Final = "/eadrax-vcs/v4/vehicles/state"
VEHICLE_CHARGING_DETAILS_PATH: Final = "/eadrax-crccs/v2/vehicles"
VEHICLE_IMAGE_PATH: Final = "/eadrax-ics/v5/presentation/vehicles/images"

# Remote services
REMOTE_SERVICE_PATH: Final = "/eadrax-vrccs/v4/presentation/remote-commands/{service_type}"
REMOTE_SERVICE_CHARGING_PATH: Final = "/eadrax-crccs/v1/vehicles/{vin}/{service_type}"
REMOTE_SERVICE_STATUS_PATH: Final = "/eadrax-vrccs/v3/presentation/remote-commands/eventStatus"
REMOTE_SERVICE_POSITION_PATH: Final = "/eadrax-vrccs/v4/presentation/remote-commands/eventPosition"
SEND_POI_PATH: Final = "/eadrax-dcs/v2/user/{gcid}/send-to-car"

# Status codes with a meaning of their own
HTTP_STATUS_BLOCKED: Final = 489


class CarBrands(StrEnum):
    """Brands the API serves; the brand selects the vehicle list to read."""

    BMW = "bmw"
    MINI = "mini"
    TOYOTA = "toyota"
    UNKNOWN = "unknown"
