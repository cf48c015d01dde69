"""Descriptors -> the MyBMW-shaped record, so the MyBMW parsers fill the same vehicle models.

:class:`CarDataVehicleState` accumulates readings (REST and stream, newest
per descriptor wins) and renders the ``attributes`` (profile) and ``state``
parts the MyBMW parsers read; every model value is derived there, once.
CarData is read-only, so every capability is false.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
import logging
import re
from typing import TYPE_CHECKING, Any, Final, cast

from ..mybmw.api.regions import Regions
from ..mybmw.utils import parse_datetime
from ..mybmw.vehicle.vehicle import MyBMWVehicle, VehicleViewDirection
from . import descriptors as d
from .exceptions import CarDataReadOnlyError
from .models import DescriptorValue, StreamMessage

if TYPE_CHECKING:
    from ..mybmw.account import MyBMWAccount
    from ..mybmw.vehicle.remote_services import RemoteServices

_LOGGER = logging.getLogger(__name__)

POSITION_PAIRING_TOLERANCE: Final = timedelta(seconds=5)
"""Latitude and longitude readings this close in time belong to one position."""

_POSITION_HISTORY: Final = 8

CHARGING_END_TOLERANCE: Final = timedelta(minutes=2)
"""A new estimate this close to the shown end time is the same end.

The car counts whole minutes and its estimate follows the grid voltage, so
successive messages wander by a minute or two around one end time.
"""

READ_ONLY_CAPABILITIES: Final[dict[str, Any]] = {
    "lock": False,
    "unlock": False,
    "lights": False,
    "horn": False,
    "climateNow": False,
    "sendPoi": False,
    "vehicleFinder": False,
    "isChargingPlanSupported": False,
    "isChargingSettingsEnabled": False,
    "isChargingTargetSocEnabled": False,
    "isChargingPowerLimitEnabled": False,
    "remoteChargingCommands": {},
    "lastStateCallState": "ACTIVATED",
}

_DRIVE_TRAINS: Final = {
    "BEV": "ELECTRIC",
    "ELECTRIC": "ELECTRIC",
    "PHEV": "PLUGIN_HYBRID",
    "PLUGIN_HYBRID": "PLUGIN_HYBRID",
    "REX": "ELECTRIC_WITH_RANGE_EXTENDER",
    "BEV_REX": "ELECTRIC_WITH_RANGE_EXTENDER",
    "ELECTRIC_WITH_RANGE_EXTENDER": "ELECTRIC_WITH_RANGE_EXTENDER",
    "MHEV": "MILD_HYBRID",
    "MILD_HYBRID": "MILD_HYBRID",
    "HEV": "HYBRID",
    "HYBRID": "HYBRID",
    "ICE": "COMBUSTION",
    "COMBUSTION": "COMBUSTION",
    "CONVENTIONAL": "COMBUSTION",
    "PETROL": "COMBUSTION",
    "GASOLINE": "COMBUSTION",
    "DIESEL": "COMBUSTION",
}
"""basicData ``driveTrain``/``propulsionType`` (unverified spellings) -> MyBMW drive train."""

_BRANDS: Final = {
    "BMW": "BMW",
    "BMWI": "BMW_I",
    "BMW_MOTORRAD": "BMW_MOTORRAD",
    "MINI": "MINI",
    "TOYOTA_SUPRA": "TOYOTA",
    "ROLLS_ROYCE": "ROLLS_ROYCE",
}

_HV_STATUS: Final = {
    "CHARGING": "CHARGING",
    "NOT_CHARGING": "NOT_CHARGING",
    "WAITING_FOR_CHARGING": "WAITING_FOR_CHARGING",
    "FINISHED_FULLY_CHARGED": "FINISHED_FULLY_CHARGED",
    "FINISHED_NOT_FULL": "FINISHED_NOT_FULL",
    "ERROR": "ERROR",
}
_CHARGING_STATUS: Final = {
    "CHARGINGACTIVE": "CHARGING",
    "CHARGINGPAUSED": "WAITING_FOR_CHARGING",
    "INITIALIZATION": "WAITING_FOR_CHARGING",
    "CHARGINGENDED": "COMPLETE",
    "NOCHARGING": "NOT_CHARGING",
    "CHARGINGERROR": "ERROR",
}
_LOCK_STATES: Final = frozenset(
    {"SECURED", "LOCKED", "UNLOCKED", "SELECTIVE_LOCKED", "PARTIALLY_LOCKED"}
)
_CLIMATE_ACTIVITIES: Final = frozenset({"STANDBY", "HEATING", "COOLING", "VENTILATION", "INACTIVE"})
_COMFORT_STATES: Final = {
    "NOT_ACTIVE": "INACTIVE",
    "COMFORT_HEATING": "HEATING",
    "COMFORT_COOLING": "COOLING",
    "COMFORT_VENTILATION": "VENTILATION",
    "DEFROST": "HEATING",
}
_ROOF_STATES: Final = {"INTERMEDIATE_TILT": "OPEN_TILT"}
_PRESSURE_TO_KPA: Final = {"kpa": 1.0, "bar": 100.0, "psi": 6.894757}
_SERVICE_DATE_FORMATS: Final = ("%d.%m.%Y %H:%M", "%m/%d/%Y %H:%M", "%d.%m.%Y", "%m/%d/%Y")
_RIGHT_HAND_DRIVE: Final = frozenset({"RHD", "RL", "RIGHT", "RECHTSLENKER"})
_DEFAULT_INSPECTION_WARNING: Final = timedelta(days=30)
_YEAR_RE: Final = re.compile(r"(19|20)\d\d")


def _token(value: Any) -> str | None:
    """Upper-case token with BMW's ``ASN_`` prefix and ``-``/space variants normalised."""
    token = d.as_token(value)
    if token is None:
        return None
    token = token.removeprefix("ASN_")
    return re.sub(r"[\s-]+", "_", token)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_service_date(value: Any) -> datetime | None:
    """``30.09.2018 23:00 UTC`` / ``09/30/2018 23:00 UTC`` / ISO-8601 -> aware UTC time."""
    if not isinstance(value, str):
        return None
    text = value.strip().removesuffix("UTC").strip()
    for fmt in _SERVICE_DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return parse_datetime(value)


@dataclass
class CarDataVehicleState:
    """Every reading of one vehicle, newest per descriptor, plus its basic data.

    Units missing from a reading are kept from the previous reading of the
    same descriptor; latitude and longitude only become a position when two
    readings close in time pair up.
    """

    vin: str = field(repr=False)
    basic_data: dict[str, Any] = field(default_factory=dict, repr=False)
    values: dict[str, DescriptorValue] = field(default_factory=dict, repr=False)
    position: tuple[float, float] | None = field(default=None, repr=False)
    position_timestamp: datetime | None = None
    updated_at: datetime | None = None
    _latitudes: deque[DescriptorValue] = field(
        default_factory=lambda: deque(maxlen=_POSITION_HISTORY), repr=False
    )
    _longitudes: deque[DescriptorValue] = field(
        default_factory=lambda: deque(maxlen=_POSITION_HISTORY), repr=False
    )
    _charging_end: datetime | None = field(default=None, repr=False)

    # --- accumulating ---------------------------------------------------------

    def apply_message(
        self, message: StreamMessage, received_at: datetime | None = None
    ) -> set[str]:
        """Take the readings of a stream message; returns the descriptors that changed."""
        return self.update(message.values, received_at=received_at or message.timestamp)

    def update(
        self, readings: Mapping[str, DescriptorValue], *, received_at: datetime | None = None
    ) -> set[str]:
        """Merge readings (REST or stream); older readings than the stored one are dropped."""
        changed: set[str] = set()
        for name, reading in readings.items():
            previous = self.values.get(name)
            stamp = reading.timestamp or received_at
            if (
                previous is not None
                and previous.timestamp is not None
                and stamp is not None
                and stamp < previous.timestamp
            ):
                continue
            unit = reading.unit or (previous.unit if previous is not None else None)
            stored = DescriptorValue(reading.value, unit, stamp)
            if stored != previous:
                changed.add(name)
            self.values[name] = stored
            if stamp is not None and (self.updated_at is None or stamp > self.updated_at):
                self.updated_at = stamp
            if name == d.LATITUDE:
                self._latitudes.append(stored)
            elif name == d.LONGITUDE:
                self._longitudes.append(stored)
        if d.LATITUDE in changed or d.LONGITUDE in changed:
            self._pair_position()
        return changed

    def _pair_position(self) -> None:
        best: tuple[datetime | None, float, float] | None = None
        for lat in self._latitudes:
            for lon in self._longitudes:
                if lat.timestamp is None or lon.timestamp is None:
                    close = lat.timestamp is None and lon.timestamp is None
                else:
                    close = abs(lat.timestamp - lon.timestamp) <= POSITION_PAIRING_TOLERANCE
                lat_value, lon_value = d.as_number(lat.value), d.as_number(lon.value)
                if not close or lat_value is None or lon_value is None:
                    continue
                stamp = max((s for s in (lat.timestamp, lon.timestamp) if s), default=None)
                if best is None or (stamp is not None and (best[0] is None or stamp >= best[0])):
                    best = (stamp, lat_value, lon_value)
        if best is None:
            return
        stamp, lat_value, lon_value = best
        if (
            self.position_timestamp is not None
            and stamp is not None
            and stamp < self.position_timestamp
        ):
            return
        self.position = (lat_value, lon_value)
        self.position_timestamp = stamp

    # --- reading ----------------------------------------------------------------

    def get(self, name: str) -> Any:
        """The latest value of a descriptor (``None`` when never seen)."""
        reading = self.values.get(name)
        return None if reading is None else reading.value

    def _age(self, name: str, now: datetime) -> timedelta:
        reading = self.values.get(name)
        if reading is None or reading.timestamp is None:
            return timedelta()
        return max(now - reading.timestamp, timedelta())

    def _first(self, *names: str) -> Any:
        for name in names:
            value = self.get(name)
            if value is not None:
                return value
        return None

    @property
    def extra_values(self) -> dict[str, DescriptorValue]:
        """Readings that have no model field (diagnostics, extra sensors)."""
        return {name: value for name, value in self.values.items() if not d.is_mapped(name)}

    @property
    def drive_train(self) -> str:
        """From basic data; otherwise inferred from which readings the car sends."""
        for key in ("driveTrain", "propulsionType"):
            token = _token(self.basic_data.get(key))
            if token is not None and token in _DRIVE_TRAINS:
                return _DRIVE_TRAINS[token]
        battery = any(
            name in self.values
            for name in (d.BATTERY_HEADER, d.BATTERY_DISPLAYED, d.ELECTRIC_RANGE, d.HV_STATUS)
        ) or bool(self.basic_data.get("hvsMaxEnergyAbsolute"))
        fuel = d.FUEL_LITERS in self.values or d.FUEL_PERCENT in self.values
        if battery and fuel:
            return "PLUGIN_HYBRID"
        if battery:
            return "ELECTRIC"
        return "COMBUSTION" if fuel else "UNKNOWN"

    @property
    def right_hand_drive(self) -> bool:
        """basicData ``steering`` says right-hand drive (driver doors are then on the right)."""
        return _token(self.basic_data.get("steering")) in _RIGHT_HAND_DRIVE

    # --- the MyBMW-shaped record -----------------------------------------------

    def profile(self) -> dict[str, Any]:
        """The profile part (``vin`` plus the attributes the parsers read)."""
        basic = self.basic_data
        profile: dict[str, Any] = {"vin": self.vin, "driveTrain": self.drive_train}
        brand = _token(basic.get("brand"))
        if brand is not None:
            profile["brand"] = _BRANDS.get(brand, brand)
        model = basic.get("modelName") or basic.get("series")
        if isinstance(model, str) and model:
            profile["model"] = model
        for source, target in (("bodyType", "bodyType"), ("headUnit", "headUnitType")):
            if isinstance(basic.get(source), str) and basic[source]:
                profile[target] = basic[source]
        year = _YEAR_RE.search(str(basic.get("constructionDate") or ""))
        if year is not None:
            profile["year"] = int(year.group(0))
        if self.updated_at is not None:
            profile["lastFetched"] = _iso(self.updated_at)
        return profile

    def state(self, now: datetime) -> dict[str, Any]:
        """The ``state`` part; keys are only present when the car sent their readings."""
        drive_train = self.drive_train
        state: dict[str, Any] = {"isLscSupported": True}
        if self.updated_at is not None:
            state["lastFetched"] = _iso(self.updated_at)
        parts: dict[str, dict[str, Any] | list[dict[str, Any]]] = {
            "electricChargingState": self._electric(now),
            "combustionFuelLevel": self._fuel(drive_train),
            "doorsState": self._doors(),
            "windowsState": self._windows(),
            "roofState": self._roof(),
            "location": self._location(),
            "tireState": self._tires(),
            "climateControlState": self._climate(now),
            "requiredServices": self._services(now),
            "chargingProfile": self._charging_profile(),
        }
        state.update({key: value for key, value in parts.items() if value})
        mileage = d.as_int(self.get(d.MILEAGE))
        if mileage is not None:
            state["currentMileage"] = mileage
        return state

    def _electric(self, now: datetime) -> dict[str, Any]:
        result: dict[str, Any] = {}
        soc = d.as_number(self._first(d.BATTERY_HEADER, d.BATTERY_DISPLAYED))
        if soc is not None:
            result["chargingLevelPercent"] = round(soc)
        electric_range = d.as_number(self._first(d.ELECTRIC_RANGE, d.ELECTRIC_RANGE_ALT))
        if electric_range is not None:
            result["range"] = electric_range
        plugged = self._plugged()
        if plugged is not None:
            result["isChargerConnected"] = plugged
        status = self._charging_status()
        if status is not None:
            result["chargingStatus"] = status
        target = d.as_int(self.get(d.CHARGING_TARGET))
        if target is not None:
            result["chargingTarget"] = target
        end = self._stable_charging_end(now)
        if end is not None:
            result["remainingChargingMinutes"] = (end - now).total_seconds() / 60
        return result

    def _stable_charging_end(self, now: datetime) -> datetime | None:
        """When charging ends: the reading's time plus its minutes, kept while estimates agree.

        Each message re-sends the whole minutes with a new timestamp, so the raw
        end time wanders within a minute; showing every wobble would write the
        logbook on every message although the car still says the same.
        """
        minutes = d.as_number(self.get(d.CHARGING_TIME_REMAINING))
        if minutes is None:
            self._charging_end = None
            return None
        estimate = now - self._age(d.CHARGING_TIME_REMAINING, now) + timedelta(minutes=minutes)
        kept = self._charging_end
        if kept is None or abs(estimate - kept) > CHARGING_END_TOLERANCE:
            self._charging_end = kept = estimate
        return kept

    def _plugged(self) -> bool | None:
        for name in (d.PLUG_STATUS, d.PLUG_DC_STATUS):
            token = _token(self.get(name))
            if token in ("CONNECTED", "DISCONNECTED"):
                return token == "CONNECTED"
        return None

    def _charging_status(self) -> str | None:
        """Newest of ``hvStatus`` and ``charging.status`` that carries a known state."""
        candidates: list[tuple[datetime, int, str]] = []
        for order, (name, table) in enumerate(
            ((d.HV_STATUS, _HV_STATUS), (d.CHARGING_STATUS, _CHARGING_STATUS))
        ):
            reading = self.values.get(name)
            token = _token(reading.value) if reading is not None else None
            if reading is not None and token in table:
                stamp = reading.timestamp or datetime.min.replace(tzinfo=UTC)
                candidates.append((stamp, -order, table[token]))
        if candidates:
            return max(candidates)[2]
        # hvStatus INVALID is "no value"; without a plug in, that can only mean not charging.
        hv_status = self.values.get(d.HV_STATUS)
        invalid = hv_status is not None and str(hv_status.value).strip().upper() == "INVALID"
        return "NOT_CHARGING" if invalid and self._plugged() is False else None

    def _fuel(self, drive_train: str) -> dict[str, Any]:
        result: dict[str, Any] = {}
        liters = d.as_number(self.get(d.FUEL_LITERS))
        if liters is not None:
            result["remainingFuelLiters"] = liters
        percent = d.as_int(self.get(d.FUEL_PERCENT))
        if percent is not None:
            result["remainingFuelPercent"] = percent
        total = d.as_number(self._first(d.TOTAL_RANGE, d.TOTAL_RANGE_ALT))
        electric = d.as_number(self._first(d.ELECTRIC_RANGE, d.ELECTRIC_RANGE_ALT))
        fuel_range: float | None = total
        if drive_train == "ELECTRIC_WITH_RANGE_EXTENDER":
            # The MyBMW parser adds the electric range to a REX's fuel range.
            fuel_range = max(total - electric, 0) if total is not None and electric else None
        elif drive_train == "ELECTRIC":
            fuel_range = None
        if fuel_range is not None and (result or drive_train != "UNKNOWN"):
            result["range"] = fuel_range
        return result

    def _sides(self) -> tuple[str, str]:
        return ("passenger", "driver") if self.right_hand_drive else ("driver", "passenger")

    def _doors(self) -> dict[str, Any]:
        left, right = self._sides()
        result: dict[str, Any] = {}
        for key, name in (
            ("leftFront", f"vehicle.cabin.door.row1.{left}.isOpen"),
            ("rightFront", f"vehicle.cabin.door.row1.{right}.isOpen"),
            ("leftRear", f"vehicle.cabin.door.row2.{left}.isOpen"),
            ("rightRear", f"vehicle.cabin.door.row2.{right}.isOpen"),
            ("hood", d.HOOD),
            ("trunk", d.TRUNK),
        ):
            state = d.as_open_state(self.get(name))
            if state is not None:
                result[key] = state
        lock = _token(self.get(d.DOOR_LOCK))
        if lock in _LOCK_STATES:
            result["combinedSecurityState"] = lock
        return result

    def _windows(self) -> dict[str, Any]:
        left, right = self._sides()
        result: dict[str, Any] = {}
        for key, name in (
            ("leftFront", f"vehicle.cabin.window.row1.{left}.status"),
            ("rightFront", f"vehicle.cabin.window.row1.{right}.status"),
            ("leftRear", f"vehicle.cabin.window.row2.{left}.status"),
            ("rightRear", f"vehicle.cabin.window.row2.{right}.status"),
            ("rear", d.REAR_WINDOW),
        ):
            state = d.as_open_state(self.get(name))
            if state is not None:
                result[key] = state
        return result

    def _roof(self) -> dict[str, Any]:
        if self.basic_data.get("hasSunRoof") is False:
            return {}
        token = d.as_open_state(self._first(d.SUNROOF, d.SUNROOF_OVERALL))
        if token is None:
            return {}
        return {"roofState": _ROOF_STATES.get(token, token), "roofStateType": "SUN_ROOF"}

    def _location(self) -> dict[str, Any]:
        if self.position is None:
            return {}
        latitude, longitude = self.position
        result: dict[str, Any] = {"coordinates": {"latitude": latitude, "longitude": longitude}}
        heading = d.as_int(self.get(d.HEADING))
        if heading is not None:
            result["heading"] = heading
        return result

    def _tires(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, stem in d.TIRE_WHEELS.items():
            status: dict[str, Any] = {}
            for part, target in (
                ("pressure", "currentPressure"),
                ("pressureTarget", "targetPressure"),
            ):
                kpa = self._pressure_kpa(f"{stem}.{part}")
                if kpa is not None:
                    status[target] = kpa
            if status:
                result[key] = {"status": status}
        return result

    def _pressure_kpa(self, name: str) -> int | None:
        reading = self.values.get(name)
        number = d.as_number(reading.value) if reading is not None else None
        if reading is None or number is None:
            return None
        factor = _PRESSURE_TO_KPA.get((reading.unit or "kPa").lower())
        if factor is None:
            _LOGGER.debug("Unknown tyre pressure unit")
            return None
        return round(number * factor)

    def _climate(self, now: datetime) -> dict[str, Any]:
        activity = _token(self.get(d.CLIMATE_ACTIVITY))
        if activity not in _CLIMATE_ACTIVITIES:
            activity = _COMFORT_STATES.get(_token(self.get(d.COMFORT_STATE)) or "")
        if activity is None:
            return {}
        result: dict[str, Any] = {"activity": activity}
        minutes = d.as_number(self.get(d.CLIMATE_REMAINING))
        seconds = d.as_number(self.get(d.COMFORT_REMAINING))
        if minutes is not None:
            remaining = minutes * 60 - self._age(d.CLIMATE_REMAINING, now).total_seconds()
        elif seconds is not None:
            remaining = seconds - self._age(d.COMFORT_REMAINING, now).total_seconds()
        else:
            return result
        if activity in ("HEATING", "COOLING", "VENTILATION") and remaining > 0:
            result["remainingSeconds"] = remaining
        return result

    def _services(self, now: datetime) -> list[dict[str, Any]]:
        services: list[dict[str, Any]] = []
        distance = d.as_int(self.get(d.SERVICE_DISTANCE))
        if distance is not None:
            warning = d.as_int(self.get(d.SERVICE_DISTANCE_YELLOW))
            status = "OK"
            if distance <= 0:
                status = "OVERDUE"
            elif warning is not None and distance <= warning:
                status = "PENDING"
            services.append(
                {"type": "VEHICLE_CHECK", "status": status, "mileage": distance, "description": ""}
            )
        due = parse_service_date(self.get(d.INSPECTION_DATE))
        if due is not None:
            months = d.as_number(self.get(d.INSPECTION_YELLOW))
            warning_time = (
                timedelta(days=30 * months) if months is not None else _DEFAULT_INSPECTION_WARNING
            )
            status = "OK"
            if due <= now:
                status = "OVERDUE"
            elif due - now <= warning_time:
                status = "PENDING"
            services.append(
                {"type": "VEHICLE_TUV", "status": status, "dateTime": _iso(due), "description": ""}
            )
        return services

    def _charging_profile(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        preference = _token(self.get(d.CHARGING_PREFERENCE))
        if preference is not None:
            result["chargingPreference"] = preference
        climatisation = d.as_bool(self.get(d.CHARGING_CLIMATISATION))
        if climatisation is not None:
            result["climatisationOn"] = climatisation
        settings: dict[str, Any] = {}
        limit = d.as_int(self.get(d.AC_LIMIT_SELECTED))
        if limit is not None:
            settings["acCurrentLimit"] = limit
        if settings:
            target = d.as_int(self.get(d.CHARGING_TARGET))
            if target is not None:
                settings["targetSoc"] = target
            result["chargingSettings"] = settings
        return result

    def record_parts(
        self, now: datetime | None = None
    ) -> tuple[dict[str, Any], dict[str, Any], datetime]:
        """``(profile, {capabilities, state}, fetched_at)`` for ``MyBMWVehicle.update_state``."""
        moment = now or datetime.now(UTC)
        answer = {"capabilities": dict(READ_ONLY_CAPABILITIES), "state": self.state(moment)}
        return self.profile(), answer, moment


@dataclass
class CarDataAccountInfo:
    """The little of an account that a vehicle reads (region, config, time zone)."""

    region: Regions = Regions.REST_OF_WORLD
    config: Any = None
    timezone: tzinfo | None = None


class CarDataVehicle(MyBMWVehicle):
    """A vehicle filled from CarData: the MyBMW models, with no remote services."""

    @property
    def is_remote_climate_stop_enabled(self) -> bool:
        """CarData cannot stop climate control (the MyBMW rule reads the state)."""
        return False

    @property
    def remote_services(self) -> RemoteServices:
        """CarData has no commands."""
        raise CarDataReadOnlyError("BMW CarData is read-only: no remote commands")

    async def get_vehicle_image(self, direction: VehicleViewDirection) -> bytes:
        """Images come from :meth:`CarDataClient.get_image`, not from the MyBMW API."""
        raise CarDataReadOnlyError("Use CarDataClient.get_image for CarData vehicles")

    def __repr__(self) -> str:
        """Without the VIN."""
        return f"<CarDataVehicle {self.brand.value} {self.name!r}>"


def create_vehicle(
    vehicle_state: CarDataVehicleState,
    *,
    account: CarDataAccountInfo | None = None,
    now: datetime | None = None,
) -> CarDataVehicle:
    """A new vehicle model from the accumulated readings."""
    profile, answer, fetched_at = vehicle_state.record_parts(now)
    info = account or CarDataAccountInfo()
    return CarDataVehicle(cast("MyBMWAccount", info), profile, answer, None, fetched_at)


def update_vehicle(
    vehicle: MyBMWVehicle, vehicle_state: CarDataVehicleState, *, now: datetime | None = None
) -> None:
    """Rebuild an existing vehicle model from the accumulated readings."""
    profile, answer, fetched_at = vehicle_state.record_parts(now)
    vehicle.update_state(profile, answer, None, fetched_at)
