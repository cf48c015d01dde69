"""Shared models and the client's exception hierarchy."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum as _StdStrEnum
import logging
import re
from typing import Any, NamedTuple, Self, TypeVar

_LOGGER = logging.getLogger(__name__)
_ENUM_TOKEN = re.compile(r"[A-Za-z_]{1,40}")

DEFAULT_POI_NAME = "Sent from Home Assistant"


class StrEnum(_StdStrEnum):
    """A string enum that matches case-insensitively and falls back to UNKNOWN.

    The API adds enum values without notice; an unknown one must degrade a
    single field, never break parsing of a whole vehicle.
    """

    @classmethod
    def lookup(cls, value: str) -> Self | None:
        """The member for ``value`` (exact, then case-insensitive); ``None`` if unknown.

        Plain dict look-ups instead of the enum call machinery: parsers call
        this for every field, and it neither logs nor falls back to ``UNKNOWN``.
        """
        member = cls._value2member_map_.get(value)  # exact: what the API sends
        if member is None:
            member = _upper_table(cls).get(value.upper())
        return member  # type: ignore[return-value]

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if isinstance(value, str):
            member = _upper_table(cls).get(value.upper())
            if member is not None:
                return member
        # Only enum-like tokens are logged: a misplaced VIN or coordinate never is.
        shown = value if isinstance(value, str) and _ENUM_TOKEN.fullmatch(value) else "?"
        _LOGGER.debug("Unknown %s value %r", cls.__name__, shown)
        return cls.__members__.get("UNKNOWN")


_E = TypeVar("_E", bound=StrEnum)
_UPPER_TABLES: dict[type[StrEnum], dict[str, Any]] = {}


def _upper_table(cls: type[_E]) -> dict[str, _E]:
    """Upper-cased value -> first such member of ``cls``, built once (members never change)."""
    table = _UPPER_TABLES.get(cls)
    if table is None:
        table = {}
        for member in cls:
            table.setdefault(member.value.upper(), member)
        _UPPER_TABLES[cls] = table
    return table


class ValueWithUnit(NamedTuple):
    """A numeric value and the unit the API reported it in."""

    value: int | float | None
    unit: str | None


@dataclass(frozen=True)
class GPSPosition:
    """WGS-84 coordinates in decimal degrees.

    Behaves like the reference library's: it unpacks and indexes like the
    ``(latitude, longitude)`` tuple and compares equal to that tuple and to a
    ``{"latitude": ..., "longitude": ...}`` mapping. Its hash is the tuple's.
    """

    latitude: float | None
    longitude: float | None

    def __post_init__(self) -> None:
        if self.latitude is not None and not -90 <= self.latitude <= 90:
            raise ValueError(f"latitude must be within -90..90, got {self.latitude}")
        if self.longitude is not None and not -180 <= self.longitude <= 180:
            raise ValueError(f"longitude must be within -180..180, got {self.longitude}")

    @classmethod
    def init_nonempty(cls, latitude: float | None, longitude: float | None) -> Self:
        """A position that must have both coordinates (``ValueError`` otherwise)."""
        if latitude is None or longitude is None:
            raise ValueError(f"{cls.__name__} requires both latitude and longitude")
        return cls(latitude, longitude)

    def __iter__(self) -> Iterator[float | None]:
        """Allow ``lat, lon = position``."""
        return iter((self.latitude, self.longitude))

    def __getitem__(self, index: int) -> float | None:
        """``position[0]`` is the latitude, ``position[1]`` the longitude."""
        return (self.latitude, self.longitude)[index]

    def __eq__(self, other: object) -> bool:
        """Equal to another position, the ``(lat, lon)`` tuple or a mapping of both."""
        if isinstance(other, GPSPosition):
            return (self.latitude, self.longitude) == (other.latitude, other.longitude)
        if isinstance(other, tuple):
            return (self.latitude, self.longitude) == other
        if isinstance(other, Mapping):
            return dict(other) == {"latitude": self.latitude, "longitude": self.longitude}
        return NotImplemented

    def __hash__(self) -> int:
        """The hash of the equal ``(latitude, longitude)`` tuple."""
        return hash((self.latitude, self.longitude))


@dataclass
class PointOfInterestAddress:
    """Address of a point of interest, in the send-to-car payload's field names."""

    street: str | None = None
    postalCode: str | None = None  # noqa: N815 - wire names, kept for API parity
    city: str | None = None
    country: str | None = None
    banchi: str | None = None
    chome: str | None = None
    countryCode: str | None = None  # noqa: N815
    district: str | None = None
    go: str | None = None
    houseNumber: str | None = None  # noqa: N815
    region: str | None = None
    regionCode: str | None = None  # noqa: N815
    settlement: str | None = None


@dataclass(frozen=True)
class PointOfInterest:
    """A destination to send to the car's navigation system."""

    lat: float
    lon: float
    name: str | None = DEFAULT_POI_NAME
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    formatted_address: str | None = None
    coordinates: GPSPosition = field(init=False)

    def __post_init__(self) -> None:
        try:
            lat, lon = float(self.lat), float(self.lon)
        except (TypeError, ValueError) as err:
            raise ValueError("latitude and longitude must be numbers") from err
        object.__setattr__(self, "coordinates", GPSPosition(lat, lon))
        object.__setattr__(self, "lat", lat)
        object.__setattr__(self, "lon", lon)
        if not self.name:
            object.__setattr__(self, "name", DEFAULT_POI_NAME)

    @property
    def locationAddress(self) -> PointOfInterestAddress:  # noqa: N802 - the reference's name
        """The display address, as the reference library's field of that name."""
        return PointOfInterestAddress(self.street, self.postal_code, self.city, self.country)

    @property
    def position(self) -> dict[str, float]:
        """The coordinates in the send-to-car payload's form, ``{"lat": ..., "lng": ...}``."""
        return {"lat": self.lat, "lng": self.lon}


@dataclass
class ChargingSettings:
    """Charging settings to send to the car; ``None`` leaves a value unchanged."""

    chargingTarget: int | None  # noqa: N815 - wire name, kept for API parity
    acLimitValue: int | None = None  # noqa: N815
    dcLoudness = None  # noqa: N815
    isUnlockCableActive = None  # noqa: N815


@dataclass
class AnonymizedResponse:
    """A recorded server response, with personal data replaced."""

    filename: str
    content: list[Any] | dict[str, Any] | str | None = None


class MyBMWAPIError(Exception):
    """Any failure talking to the MyBMW API."""

    def __init__(self, message: str = "", *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class MyBMWConnectionError(MyBMWAPIError):
    """The server could not be reached or did not answer in time (transient)."""


class MyBMWAuthError(MyBMWAPIError):
    """The credentials or the refresh token were rejected."""


class MyBMWCaptchaMissingError(MyBMWAPIError):
    """A password login needs a fresh captcha token, and none was given."""


class MyBMWCaptchaInvalidError(MyBMWCaptchaMissingError):
    """The server refused the captcha token (used, expired or invalid): ask for a new one.

    A subclass of the missing-token error, so callers that ask for a fresh
    captcha handle both the same way instead of blaming the password.
    """


class MyBMWQuotaError(MyBMWAPIError):
    """Rate limit or daily quota exhausted; ``retry_at`` says when to try again."""

    def __init__(
        self,
        message: str = "",
        *,
        status_code: int | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code)
        self.retry_at = retry_at


class MyBMWBlockedError(MyBMWAPIError):
    """BMW refuses this client outright (HTTP 489 ``Blocked``); retrying cannot help."""


class MyBMWRemoteServiceError(MyBMWAPIError):
    """A remote command failed in the car or did not finish in time."""
