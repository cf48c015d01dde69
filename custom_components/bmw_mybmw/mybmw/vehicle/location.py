"""Vehicle position and heading (§3.7.4), incl. China's GCJ-02 correction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import datetime
import logging
import math
from typing import Any, Final, Self

from ..api.regions import Regions
from ..models import GPSPosition
from ..utils import parse_datetime
from .const import as_dict, get_dict, get_int, safe, state_of, to_number

_LOGGER = logging.getLogger(__name__)

# Krasovsky 1940 ellipsoid, the datum of the GCJ-02 offset.
_KRASOVSKY_A: Final = 6378245.0
_KRASOVSKY_F: Final = 1 / 298.3
_KRASOVSKY_E2: Final = _KRASOVSKY_F * (2 - _KRASOVSKY_F)

# The offset is only applied inside this box (mainland China, roughly).
_CHINA_LON: Final = (72.004, 137.8347)
_CHINA_LAT: Final = (0.8293, 55.8271)

_INVERSE_TOLERANCE: Final = 1e-6
_INVERSE_MAX_STEPS: Final = 30


def _outside_china(latitude: float, longitude: float) -> bool:
    return not (
        _CHINA_LON[0] <= longitude <= _CHINA_LON[1] and _CHINA_LAT[0] <= latitude <= _CHINA_LAT[1]
    )


def _shift_latitude(x: float, y: float) -> float:
    """Latitude offset polynomial (x = lon - 105, y = lat - 35), in metres-ish units."""
    shift = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    shift += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    shift += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    shift += (
        (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    )
    return shift


def _shift_longitude(x: float, y: float) -> float:
    """Longitude offset polynomial (x = lon - 105, y = lat - 35)."""
    shift = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    shift += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    shift += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    shift += (
        (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    return shift


def wgs84_to_gcj02(latitude: float, longitude: float) -> tuple[float, float]:
    """The standard GCJ-02 forward transform ("Mars coordinates")."""
    if _outside_china(latitude, longitude):
        return latitude, longitude
    x, y = longitude - 105.0, latitude - 35.0
    rad_lat = math.radians(latitude)
    sin_lat = math.sin(rad_lat)
    magic = 1.0 - _KRASOVSKY_E2 * sin_lat * sin_lat
    sqrt_magic = math.sqrt(magic)
    # Metres -> degrees on the Krasovsky ellipsoid (meridian / parallel radius).
    meridian = _KRASOVSKY_A * (1.0 - _KRASOVSKY_E2) / (magic * sqrt_magic)
    parallel = _KRASOVSKY_A / sqrt_magic * math.cos(rad_lat)
    d_lat = _shift_latitude(x, y) * 180.0 / (meridian * math.pi)
    d_lon = _shift_longitude(x, y) * 180.0 / (parallel * math.pi)
    return latitude + d_lat, longitude + d_lon


def gcj02_to_wgs84(latitude: float, longitude: float) -> tuple[float, float]:
    """Invert :func:`wgs84_to_gcj02` by fixed-point iteration.

    Start at the GCJ point and move by the forward error until both
    coordinates change by less than 1e-6 degrees (about 0.1 m).
    """
    wgs_lat, wgs_lon = latitude, longitude
    for _ in range(_INVERSE_MAX_STEPS):
        fwd_lat, fwd_lon = wgs84_to_gcj02(wgs_lat, wgs_lon)
        step_lat, step_lon = fwd_lat - latitude, fwd_lon - longitude
        wgs_lat, wgs_lon = wgs_lat - step_lat, wgs_lon - step_lon
        if abs(step_lat) < _INVERSE_TOLERANCE and abs(step_lon) < _INVERSE_TOLERANCE:
            break
    return wgs_lat, wgs_lon


def _position(latitude: Any, longitude: Any, region: Regions | None) -> GPSPosition | None:
    """Validated WGS-84 position, converted from GCJ-02 for China."""
    lat, lon = to_number(latitude), to_number(longitude)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    lat_f, lon_f = float(lat), float(lon)
    if region is Regions.CHINA:
        lat_f, lon_f = gcj02_to_wgs84(lat_f, lon_f)
    return GPSPosition(lat_f, lon_f)


def _region_of(vehicle_data: Mapping[str, Any]) -> Regions | None:
    region = vehicle_data.get("region")
    if isinstance(region, Regions):
        return region
    try:
        return Regions(region) if isinstance(region, str) else None
    except ValueError:
        return None


def _update_timestamp(vehicle_data: Mapping[str, Any]) -> datetime.datetime | None:
    """The newer of the state's and the profile's ``lastFetched``, in whole seconds.

    Whole seconds, as the reference library gives them: the car's clock is not
    more precise, and the sensor then changes only when the car reports anew.
    """
    from_state = parse_datetime(state_of(vehicle_data).get("lastFetched"))
    from_profile = parse_datetime(as_dict(vehicle_data.get("attributes")).get("lastFetched"))
    if from_state is None or from_profile is None:
        newest = from_state or from_profile
    else:
        newest = max(from_state, from_profile)
    return None if newest is None else newest.replace(microsecond=0)


@dataclass
class VehicleLocation:
    """Last known position and heading of the vehicle.

    ``location``/``heading`` come from the state; a vehicle-finder result
    (:meth:`set_remote_service_position`) replaces them while it is newer than
    ``vehicle_update_timestamp``.
    """

    location: GPSPosition | None = None
    heading: int | None = None
    vehicle_update_timestamp: datetime.datetime | None = None
    account_region: Regions | None = None
    remote_service_position: dict[str, Any] | None = None

    @classmethod
    def from_vehicle_data(cls, vehicle_data: Mapping[str, Any]) -> Self:
        """Build the model from the merged vehicle record."""
        region = _region_of(vehicle_data)
        location = get_dict(state_of(vehicle_data), "location")
        coordinates = get_dict(location, "coordinates")
        return cls(
            location=safe(
                lambda: _position(
                    coordinates.get("latitude"), coordinates.get("longitude"), region
                ),
                None,
                "position",
            ),
            heading=get_int(location, "heading"),
            vehicle_update_timestamp=safe(
                lambda: _update_timestamp(vehicle_data), None, "update timestamp"
            ),
            account_region=region,
        )

    def set_remote_service_position(self, remote_service_dict: Mapping[str, Any]) -> None:
        """Apply a vehicle-finder position.

        Accepts the ``eventPosition`` response (``{"positionData": {...},
        "errorDetails": ...}``) or its ``position`` object. The position is
        stamped with the time it was received unless it carries ``timestamp``
        (as a re-applied earlier result does). Unusable input is ignored.
        """
        source = as_dict(remote_service_dict)
        if "positionData" in source or "errorDetails" in source:
            if source.get("errorDetails"):
                _LOGGER.debug("Vehicle finder returned no position")
                return
            source = get_dict(get_dict(source, "positionData"), "position")
        timestamp = parse_datetime(source.get("timestamp")) or datetime.datetime.now(datetime.UTC)
        already_converted = bool(source.get("wgs84"))
        region = None if already_converted else self.account_region
        position = safe(
            lambda: _position(source.get("latitude"), source.get("longitude"), region),
            None,
            "finder position",
        )
        if position is None:
            _LOGGER.debug("Vehicle finder position unusable")
            return
        heading = get_int(source, "heading")
        self.remote_service_position = {
            "latitude": position.latitude,
            "longitude": position.longitude,
            "heading": heading,
            "timestamp": timestamp,
            "wgs84": True,
        }
        if self.vehicle_update_timestamp is None or timestamp > self.vehicle_update_timestamp:
            self.location = position
            self.heading = heading
