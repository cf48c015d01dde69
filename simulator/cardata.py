"""CarDataCloud: BMW CarData's login and REST API as a pure request -> response object.

Device-code login with PKCE, token refresh with rotation, the REST API with its
50-requests-a-day quota, containers and CU-* errors, all on an injectable
clock. Vehicles come from the fleet generator; ``stream_payload`` renders the
MQTT messages a car would send. ``mock_cardata_api`` mounts the cloud into respx.
Facts: ../shared/docs/cardata.md and ../shared/reference/cardata/*.json; what
the real service does where those are silent is marked *(guess)*.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import hashlib
import io
import json
import random
import secrets
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit
import uuid

import httpx
from PIL import Image
import respx

from . import fleet
from .cloud import CloudResponse
from .fleet import VehicleSpec

AUTH_HOST: Final = "customer.bmwgroup.com"
API_HOST: Final = "api-cardata.bmwgroup.com"
DEMO_CLIENT_ID: Final = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
BROKEN_CLIENT_ID: Final = "0badc0de-0000-4000-8000-000000000500"
"""A client id whose key management is broken (HTTP 500, then 403 access_denied)."""
DEMO_GCID: Final = fleet.DEFAULT_GCID
SCOPE: Final = "authenticate_user openid cardata:api:read cardata:streaming:read"
DEVICE_GRANT: Final = "urn:ietf:params:oauth:grant-type:device_code"
TOKEN_LIFETIME: Final = 3599
REFRESH_LIFETIME: Final = timedelta(days=14)
DEVICE_CODE_LIFETIME: Final = 300
POLL_INTERVAL: Final = 5
MAX_CONTAINERS: Final = 10
HISTORY_PAGE_SIZE: Final = 2
START_TIME: Final = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)

_HV_STATUS: Final = {"PLUGGED_IN": "NOT_CHARGING", "COMPLETE": "FINISHED_FULLY_CHARGED"}
_BASIC_DRIVE_TRAIN: Final = {
    fleet.ELECTRIC: "BEV",
    fleet.PLUGIN_HYBRID: "PHEV",
    fleet.RANGE_EXTENDER: "REX",
    fleet.COMBUSTION: "ICE",
    fleet.MILD_HYBRID: "MHEV",
}
_BASIC_BRAND: Final = {"bmw": "BMW", "mini": "MINI", "toyota": "Toyota-Supra"}
_TIRES: Final = {  # (pressure, target) in kPa, as the fleet's MyBMW tire state
    "row1.wheel.left": (241, 269),
    "row1.wheel.right": (255, 269),
    "row2.wheel.left": (324, 303),
    "row2.wheel.right": (331, 303),
}


def s256(verifier: str) -> str:
    """PKCE S256 challenge of a verifier."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def fake_jwt(claims: dict[str, Any]) -> str:
    """An unsigned JWT-shaped token (the client only reads ``exp``)."""

    def part(data: dict[str, Any]) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.sig"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def descriptors_for(spec: VehicleSpec) -> dict[str, tuple[Any, str | None]]:
    """The readings a car like ``spec`` reports: descriptor -> (typed value, unit)."""
    values: dict[str, tuple[Any, str | None]] = {}
    if not spec.lsc:
        return values  # like its MyBMW state: a car without last-state calls sends nothing
    if spec.has_battery:
        charging = spec.charging_status == "CHARGING"
        values.update(
            {
                "vehicle.drivetrain.batteryManagement.header": (spec.battery_percent, "percent"),
                "vehicle.drivetrain.electricEngine.kombiRemainingElectricRange": (
                    spec.electric_range_km,
                    "km",
                ),
                "vehicle.drivetrain.electricEngine.charging.hvStatus": (
                    _HV_STATUS.get(spec.charging_status, spec.charging_status),
                    None,
                ),
                "vehicle.body.chargingPort.status": (
                    "CONNECTED" if spec.charger_connected else "DISCONNECTED",
                    None,
                ),
                "vehicle.powertrain.electric.battery.stateOfCharge.target": (
                    spec.charging_target,
                    "%",
                ),
                "vehicle.powertrain.electric.battery.charging.acLimit.selected": (
                    spec.ac_limit,
                    "A",
                ),
                "vehicle.drivetrain.electricEngine.charging.profile.preference": (
                    spec.charging_preference,
                    None,
                ),
                "vehicle.powertrain.electric.battery.charging.power": (
                    7400 if charging else 0,
                    "W",
                ),
            }
        )
        if charging:
            missing = max(0, spec.charging_target - spec.battery_percent)
            minutes = round(missing / spec.charge_rate_percent_per_hour * 60)
            values["vehicle.drivetrain.electricEngine.charging.timeRemaining"] = (minutes, "min")
    if spec.has_fuel:
        values["vehicle.drivetrain.fuelSystem.remainingFuel"] = (spec.fuel_liters, "l")
        values["vehicle.drivetrain.fuelSystem.level"] = (spec.fuel_percent, "%")
    total = spec.fuel_range_km if spec.has_fuel else 0
    if spec.has_battery:
        total += spec.electric_range_km
    values["vehicle.drivetrain.lastRemainingRange"] = (total, "km")
    door_open = not spec.doors_closed
    window = "CLOSED" if spec.windows_closed else "OPEN"
    values.update(
        {
            "vehicle.cabin.door.status": ("SECURED" if spec.locked else "UNLOCKED", None),
            # isOpen values mix JSON booleans and "CLOSED" strings, as BMW sends them.
            "vehicle.cabin.door.row1.driver.isOpen": (door_open, None),
            "vehicle.cabin.door.row1.passenger.isOpen": ("CLOSED", None),
            "vehicle.cabin.door.row2.driver.isOpen": (False, None),
            "vehicle.cabin.door.row2.passenger.isOpen": (False, None),
            "vehicle.body.hood.isOpen": ("CLOSED", None),
            "vehicle.body.trunk.isOpen": (False, None),
            "vehicle.cabin.window.row1.driver.status": (window, None),
            "vehicle.cabin.window.row1.passenger.status": ("CLOSED", None),
            "vehicle.cabin.window.row2.driver.status": ("CLOSED", None),
            "vehicle.cabin.window.row2.passenger.status": ("CLOSED", None),
            "vehicle.vehicle.travelledDistance": (spec.mileage, None),
            "vehicle.status.serviceDistance.next": (30000, "km"),
            "vehicle.status.serviceTime.inspectionDateLegal": ("01.06.2027 00:00 UTC", None),
        }
    )
    for wheel, (pressure, target) in _TIRES.items():
        stem = f"vehicle.chassis.axle.{wheel}.tire"
        values[f"{stem}.pressure"] = (pressure, "kPa")
        values[f"{stem}.pressureTarget"] = (target, "kPa")
        values[f"{stem}.temperature"] = (21.0, "Celsius")
    if spec.sunroof:
        values["vehicle.cabin.sunroof.status"] = ("CLOSED", None)
    if spec.location is not None:
        nav = "vehicle.cabin.infotainment.navigation.currentLocation"
        values[f"{nav}.latitude"] = (spec.location.latitude, "degrees")
        values[f"{nav}.longitude"] = (spec.location.longitude, "degrees")
        values[f"{nav}.heading"] = (spec.location.heading, "degrees")
    if spec.climate_activity is not None:
        values["vehicle.vehicle.preConditioning.activity"] = (spec.climate_activity.lower(), None)
        if spec.climate_remaining_seconds is not None:
            minutes = round(spec.climate_remaining_seconds / 60)
            values["vehicle.vehicle.preConditioning.remainingTime"] = (minutes, "min")
    values.update(_car_extras(spec))
    if spec.has_battery:
        values.update(_battery_extras(spec))
    return values


def capacity_kwh(spec: VehicleSpec) -> float:
    """Usable high-voltage battery size of a car like ``spec`` (plausible figures)."""
    if spec.drivetrain == fleet.PLUGIN_HYBRID:
        return 14.2
    return 32.6 if spec.brand == "mini" else 83.9


def _car_extras(spec: VehicleSpec) -> dict[str, tuple[Any, str | None]]:
    """What every connected car streams beyond the model values (12 V battery, motion, timers)."""
    nav = "vehicle.cabin.infotainment.navigation.currentLocation"
    timers = "vehicle.cabin.climate.timers"
    values: dict[str, tuple[Any, str | None]] = {
        "vehicle.electricalSystem.battery.stateOfCharge": (86, "%"),
        "vehicle.electricalSystem.battery.voltage": (12.6, "V"),
        # Motion flags come in BMW's ASN_ spelling.
        "vehicle.isMoving": ("ASN_isFalse", None),
        "vehicle.drivetrain.engine.isActive": ("ASN_isFalse", None),
        "vehicle.drivetrain.engine.isIgnitionOn": ("ASN_isFalse", None),
        "vehicle.body.lights.isRunningOn": ("ASN_isFalse", None),
        "vehicle.vehicle.deepSleepModeActive": (False, None),
        "vehicle.vehicle.avgSpeed": (42, "km/h"),
        "vehicle.vehicle.averageWeeklyDistanceShortTerm": (240.0, None),
        "vehicle.vehicle.averageWeeklyDistanceLongTerm": (310.0, None),
        "vehicle.vehicle.timeSetting": ("summertime", None),
        "vehicle.cabin.infotainment.displayUnit.distance": ("km", None),
        f"{timers}.weekdaysTimer1.action": ("ACTIVATE", None),
        f"{timers}.weekdaysTimer1.hour": (7, "h"),
        f"{timers}.weekdaysTimer1.minute": (15, "min"),
        f"{timers}.weekdaysTimer2.action": ("DEACTIVATE", None),
        f"{timers}.weekdaysTimer2.hour": (17, "h"),
        f"{timers}.weekdaysTimer2.minute": (30, "min"),
        "vehicle.trip.segment.end.travelledDistance": (float(spec.mileage), None),
        "vehicle.trip.segment.end.time": ("02.06.2025 07:40:00 UTC", None),
        "vehicle.trip.segment.accumulated.acceleration.starsAverage": (4.5, "stars"),
        "vehicle.vehicle.antiTheftAlarmSystem.alarm.armStatus": (
            "doorsTiltCabin" if spec.locked else "unarmed",
            None,
        ),
        "vehicle.vehicle.antiTheftAlarmSystem.alarm.isOn": (False, None),
        "vehicle.status.conditionBasedServicesCount": (2, None),
        "vehicle.channel.teleservice.status": ("IDLE", None),
    }
    if spec.location is not None:
        values[f"{nav}.altitude"] = (519.0, None)
        values[f"{nav}.fixStatus"] = ("GPS_FIX_3D", None)
        values[f"{nav}.numberOfSatellites"] = (9, None)
    if spec.has_fuel:
        values["vehicle.drivetrain.internalCombustionEngine.engine.ect"] = (19, "Celsius")
    return values


def _battery_extras(spec: VehicleSpec) -> dict[str, tuple[Any, str | None]]:
    """What an electric car streams about charging beyond the model values."""
    charging = spec.charging_status == "CHARGING"
    plugged = spec.charger_connected
    capacity = capacity_kwh(spec)
    voltage = 231.0 if plugged else 0.0
    current = float(spec.ac_limit) if charging else 0.0
    power = round(3 * voltage * current) if charging else 0
    to_full = round(capacity * (100 - spec.battery_percent) / 100, 1)
    minutes = round(to_full / (power / 1000) * 60) if power else "INVALID"
    charging_ = "vehicle.drivetrain.electricEngine.charging"
    port = "vehicle.powertrain.tractionBattery.charging.port.rearRight"
    return {
        "vehicle.powertrain.electric.battery.charging.power": (power, "W"),
        f"{charging_}.acVoltage": (voltage, "V"),
        f"{charging_}.acAmpere": (current, "A"),
        f"{charging_}.phaseNumber": ("3-PHASES" if charging else "NO_CHARGING", None),
        f"{charging_}.timeToFullyCharged": (minutes, "min"),
        f"{charging_}.smeEnergyDeltaFullyCharged": (to_full, "kWh"),
        f"{charging_}.consumptionOverLifeTime.overall.gridEnergy": (
            round(spec.mileage * 0.19, 1),
            "kWh",
        ),
        f"{charging_}.reasonChargingEnd": (
            "CUSTOMER_INTERACTION_HMI_CHARGING_TARGET_REACHED",
            None,
        ),
        f"{charging_}.hvpmFinishReason": ("CHARGING_GOAL_REACHED", None),
        f"{charging_}.lastChargingResult": ("SUCCESS", None),
        f"{charging_}.connectorStatus": ("CONNECTED" if plugged else "DISCONNECTED", None),
        f"{charging_}.method": ("AC_TYPE2PLUG" if plugged else "NOCHARGING", None),
        f"{charging_}.connectionType": ("CONDUCTIVE", None),
        f"{charging_}.chargingMode": ("NORMAL_PROGNOSE_BASED", None),
        f"{charging_}.isSingleImmediateCharging": ("DIRECT_CHG_ONCE_NOT_ACTIVE", None),
        "vehicle.drivetrain.batteryManagement.batterySizeMax": (capacity, "kWh"),
        "vehicle.drivetrain.batteryManagement.maxEnergy": (
            round(capacity * spec.battery_percent / 100, 1),
            "kWh",
        ),
        "vehicle.drivetrain.avgElectricRangeConsumption": (17.8, None),
        "vehicle.powertrain.electric.battery.preconditioning.state": ("OFF", None),
        "vehicle.powertrain.electric.battery.preconditioning.automaticMode.statusFeedback": (
            "ON",
            None,
        ),
        "vehicle.powertrain.electric.battery.charging.acLimit.max": (32, "A"),
        "vehicle.powertrain.electric.battery.charging.acLimit.min": (6, "A"),
        "vehicle.powertrain.electric.battery.charging.acLimit.isActive": (
            "AC_LIMIT_INACTIVE",
            None,
        ),
        "vehicle.powertrain.electric.battery.charging.preferenceSmartCharging": (
            "PRICE_OPTIMIZED",
            None,
        ),
        "vehicle.powertrain.electric.battery.stateOfCharge.targetMin": (20, "percent"),
        "vehicle.body.chargingPort.isHospitalityActive": ("HOSPITALITY_INACTIVE", None),
        "vehicle.body.flap.isLocked": ("FLAP_LOCKED", None),
        f"{port}.isPlugged": (plugged, None),
        f"{port}.flap.isOpen": (plugged, None),
        f"{port}.flap.isAutomaticOpenAndCloseActive": (False, None),
    }


# --- a charging session, step by step (the demo's stream) -----------------------------

SOC: Final = "vehicle.drivetrain.batteryManagement.header"
PLUG: Final = "vehicle.body.chargingPort.status"
HV_STATUS: Final = "vehicle.drivetrain.electricEngine.charging.hvStatus"
_C: Final = "vehicle.drivetrain.electricEngine.charging"
POWER: Final = "vehicle.powertrain.electric.battery.charging.power"
VOLTAGE: Final = f"{_C}.acVoltage"
CURRENT: Final = f"{_C}.acAmpere"
PHASES: Final = f"{_C}.phaseNumber"
TIME_TO_FULL: Final = f"{_C}.timeToFullyCharged"
TIME_TO_TARGET: Final = f"{_C}.timeRemaining"
ENERGY_TO_FULL: Final = f"{_C}.smeEnergyDeltaFullyCharged"
GRID_ENERGY: Final = f"{_C}.consumptionOverLifeTime.overall.gridEnergy"
END_REASON: Final = f"{_C}.reasonChargingEnd"
_TARGET: Final = "vehicle.powertrain.electric.battery.stateOfCharge.target"
_AC_LIMIT: Final = "vehicle.powertrain.electric.battery.charging.acLimit.selected"
_SIZE: Final = "vehicle.drivetrain.batteryManagement.batterySizeMax"
_CONTENT: Final = "vehicle.drivetrain.batteryManagement.maxEnergy"
_RANGE: Final = "vehicle.drivetrain.electricEngine.kombiRemainingElectricRange"
CHARGER_EFFICIENCY: Final = 0.92
"""Share of the grid energy that reaches the battery."""
TAPER_FROM: Final = 80.0
"""Above this charge level the car draws less current (the charging curve's knee)."""


def _float(readings: dict[str, tuple[Any, str | None]], name: str, default: float) -> float:
    value = readings.get(name, (default, None))[0]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return float(value)


def charge_step(
    readings: dict[str, tuple[Any, str | None]], seconds: float, rng: random.Random
) -> list[str]:
    """Let a plugged-in car charge for ``seconds``; returns the descriptors that changed.

    Three-phase AC at the selected current limit, tapering above 80 %, with
    a slightly wandering grid voltage; the battery, the energy and time to
    full, the lifetime grid energy and the range follow. At the target the
    session ends (power 0, the end reason set) and nothing changes any more.
    """
    if readings.get(PLUG, (None, None))[0] != "CONNECTED" or SOC not in readings:
        return []
    soc = _float(readings, SOC, 0.0)
    target = _float(readings, _TARGET, 100.0)
    capacity = _float(readings, _SIZE, 80.0)
    changed: dict[str, tuple[Any, str | None]] = {}
    if soc >= target:
        if readings.get(HV_STATUS, (None, None))[0] == "CHARGING":
            changed = {
                HV_STATUS: (
                    "FINISHED_FULLY_CHARGED" if target >= 100 else "FINISHED_NOT_FULL",
                    None,
                ),
                POWER: (0, "W"),
                CURRENT: (0.0, "A"),
                PHASES: ("NO_CHARGING", None),
                TIME_TO_FULL: ("INVALID", "min"),
                TIME_TO_TARGET: (0, "min"),
                END_REASON: (
                    "HV_BATTERY_FULLY_CHARGED"
                    if target >= 100
                    else "CUSTOMER_INTERACTION_HMI_CHARGING_TARGET_REACHED",
                    None,
                ),
            }
        readings.update(changed)
        return list(changed)
    voltage = round(230.0 + rng.uniform(-3.0, 3.0), 1)
    taper = 1.0 if soc < TAPER_FROM else max(0.25, (100.0 - soc) / (100.0 - TAPER_FROM))
    current = round(_float(readings, _AC_LIMIT, 16.0) * taper, 1)
    power = round(3 * voltage * current)
    stored_kwh = power * seconds / 3_600_000
    new_soc = min(target, soc + stored_kwh / capacity * 100)
    hours_per_kwh = 1 / (power / 1000)
    changed = {
        HV_STATUS: ("CHARGING", None),
        SOC: (round(new_soc, 2), "percent"),
        POWER: (power, "W"),
        VOLTAGE: (voltage, "V"),
        CURRENT: (current, "A"),
        PHASES: ("3-PHASES", None),
        ENERGY_TO_FULL: (round(capacity * (100 - new_soc) / 100, 2), "kWh"),
        TIME_TO_FULL: (round(capacity * (100 - new_soc) / 100 * hours_per_kwh * 60), "min"),
        TIME_TO_TARGET: (round(capacity * (target - new_soc) / 100 * hours_per_kwh * 60), "min"),
        GRID_ENERGY: (
            round(_float(readings, GRID_ENERGY, 0.0) + stored_kwh / CHARGER_EFFICIENCY, 3),
            "kWh",
        ),
        _CONTENT: (round(capacity * new_soc / 100, 2), "kWh"),
    }
    if _RANGE in readings and soc > 0:
        changed[_RANGE] = (round(_float(readings, _RANGE, 0.0) * new_soc / soc), "km")
    readings.update(changed)
    return list(changed)


def basic_data(spec: VehicleSpec) -> dict[str, Any]:
    """The ``basicData`` answer for ``spec`` (field values partly a guess)."""
    return {
        "vin": spec.vin,
        "brand": _BASIC_BRAND.get(spec.brand, "BMW"),
        "isTelematicsCapable": True,
        "modelName": spec.model,
        "series": spec.body_type[:1],
        "bodyType": spec.body_type,
        "numberOfDoors": 4,
        "hasNavi": True,
        "headUnit": spec.head_unit_type or "NBT",
        "hasSunRoof": spec.sunroof,
        "countryCodeISO": "DE",
        "steering": "LL",
        "driveTrain": _BASIC_DRIVE_TRAIN.get(spec.drivetrain, spec.drivetrain),
        "propulsionType": _BASIC_DRIVE_TRAIN.get(spec.drivetrain, spec.drivetrain),
        "constructionDate": f"{spec.year}-03-01T00:00:00.000Z",
        "hvsMaxEnergyAbsolute": str(capacity_kwh(spec)) if spec.has_battery else "",
    }


@dataclass
class DeviceSession:
    """A pending device-code login."""

    client_id: str
    device_code: str
    user_code: str
    challenge: str
    scope: str
    expires_at: datetime
    interval: int = POLL_INTERVAL
    last_poll: datetime | None = None
    state: str = "pending"
    polls: int = 0


@dataclass
class Account:
    """Tokens and quota of the one simulated account."""

    gcid: str = DEMO_GCID
    access_tokens: dict[str, tuple[datetime, str]] = field(default_factory=dict)
    refresh_tokens: dict[str, datetime] = field(default_factory=dict)
    used_today: int = 0
    quota_day: str = ""


@dataclass
class SimContainer:
    """A container on the server."""

    container_id: str
    name: str
    purpose: str
    descriptors: list[str]
    created: datetime
    state: str = "ACTIVE"


class CarDataCloud:
    """The CarData server: ``handle(method, url, headers, body) -> CloudResponse``."""

    def __init__(
        self,
        specs: Iterable[VehicleSpec] | None = None,
        *,
        clients: Iterable[str] = (DEMO_CLIENT_ID,),
        broken_clients: Iterable[str] = (BROKEN_CLIENT_ID,),
        daily_limit: int = 50,
        quota_status: int = 429,
        approve_after_polls: int | None = None,
        now: datetime = START_TIME,
    ) -> None:
        """Vehicles default to the fleet's demo fleet; the clock starts at ``now``."""
        self.specs = {s.vin: s for s in (specs if specs is not None else fleet.default_fleet())}
        self.clients = set(clients) | set(broken_clients)
        self.broken_clients = set(broken_clients)
        self.daily_limit = daily_limit
        self.quota_status = quota_status
        self.approve_after_polls = approve_after_polls
        self.now = now
        self.account = Account()
        self.sessions: dict[str, DeviceSession] = {}
        self.containers: dict[str, SimContainer] = {}
        self.telematics = {vin: descriptors_for(spec) for vin, spec in self.specs.items()}
        self.secondary_vins: list[str] = []
        self.requests: list[tuple[str, str]] = []

    # --- test controls ------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Let time pass."""
        self.now += timedelta(seconds=seconds)

    def clock(self) -> datetime:
        """The cloud's time (pass as ``now=`` to clients under test)."""
        return self.now

    def approve(self, user_code: str | None = None) -> None:
        """The user confirms the login (the only pending one when no code is given)."""
        for session in self.sessions.values():
            if user_code in (None, session.user_code):
                session.state = "approved"

    def deny(self) -> None:
        """The user declines every pending login."""
        for session in self.sessions.values():
            session.state = "denied"

    def count(self, path_part: str) -> int:
        """How many requests went to paths containing ``path_part``."""
        return sum(1 for _, path in self.requests if path_part in path)

    def issue_tokens(self, scope: str = SCOPE) -> dict[str, Any]:
        """A token answer as after a finished login."""
        access = secrets.token_urlsafe(24)
        refresh = secrets.token_urlsafe(24)
        expires = self.now + timedelta(seconds=TOKEN_LIFETIME)
        self.account.access_tokens[access] = (expires, scope)
        self.account.refresh_tokens[refresh] = self.now
        id_token = fake_jwt(
            {"sub": self.account.gcid, "exp": int(expires.timestamp()), "nonce": uuid.uuid4().hex}
        )
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME,
            "refresh_token": refresh,
            "scope": scope,
            "id_token": id_token,
            "gcid": self.account.gcid,
        }

    def stream_payload(
        self, vin: str, names: Iterable[str] | None = None, *, timestamp: datetime | None = None
    ) -> bytes:
        """An MQTT message of the car with ``vin`` carrying ``names`` (all when ``None``)."""
        stamp = _iso(timestamp or self.now)
        readings = self.telematics[vin]
        data: dict[str, Any] = {}
        for name in names if names is not None else readings:
            value, unit = readings[name]
            entry: dict[str, Any] = {"value": value, "timestamp": stamp}
            if unit:
                entry["unit"] = unit
            data[name] = entry
        body = {"vin": vin, "entityId": self.account.gcid, "topic": vin}
        return json.dumps({**body, "timestamp": stamp, "data": data}).encode()

    # --- dispatch -----------------------------------------------------------------

    def handle(
        self, method: str, url: str, headers: dict[str, str], body: bytes = b""
    ) -> CloudResponse:
        """Answer one request."""
        parts = urlsplit(url)
        path = parts.path
        self.requests.append((method, path))
        query = dict(parse_qsl(parts.query))
        lowered = {k.lower(): v for k, v in headers.items()}
        if parts.hostname == AUTH_HOST:
            form = dict(parse_qsl(body.decode("utf-8", "replace")))
            if method == "POST" and path == "/gcdm/oauth/device/code":
                return self._device_code(form)
            if method == "POST" and path == "/gcdm/oauth/token":
                return self._token(form)
        elif parts.hostname == API_HOST:
            return self._api(method, path, query, lowered, body)
        return _json(404, {"error": "not_found"})

    # --- login --------------------------------------------------------------------

    def _device_code(self, form: dict[str, str]) -> CloudResponse:
        if form.get("client_id") not in self.clients:
            return _oauth(401, "invalid_client", "Client authentication failed")
        if (
            form.get("response_type") != "device_code"
            or not form.get("code_challenge")
            or form.get("code_challenge_method") != "S256"
        ):
            return _oauth(400, "invalid_request", "The request is missing a required parameter")
        session = DeviceSession(
            client_id=form["client_id"],
            device_code=secrets.token_urlsafe(32),
            user_code=secrets.token_hex(4).upper(),
            challenge=form["code_challenge"],
            scope=form.get("scope", ""),
            expires_at=self.now + timedelta(seconds=DEVICE_CODE_LIFETIME),
        )
        self.sessions[session.device_code] = session
        link = f"https://{AUTH_HOST}/oneid/link"
        return _json(
            200,
            {
                "user_code": session.user_code,
                "device_code": session.device_code,
                "interval": session.interval,
                "verification_uri": link,
                "verification_uri_complete": f"{link}?user_code={session.user_code}",
                "expires_in": DEVICE_CODE_LIFETIME,
            },
        )

    def _token(self, form: dict[str, str]) -> CloudResponse:
        if form.get("client_id") not in self.clients:
            return _oauth(401, "invalid_client", "Client authentication failed")
        grant = form.get("grant_type")
        if grant == DEVICE_GRANT:
            return self._device_token(form)
        if grant == "refresh_token":
            return self._refresh(form)
        return _oauth(400, "unsupported_grant_type", "Unsupported grant type")

    def _device_token(self, form: dict[str, str]) -> CloudResponse:
        session = self.sessions.get(form.get("device_code", ""))
        if session is None or session.client_id != form.get("client_id"):
            return _oauth(400, "invalid_grant", "Unknown device code")
        if session.client_id in self.broken_clients:
            if session.state != "broken":
                session.state = "broken"
                return _json(
                    500,
                    {
                        "error": "server_error",
                        "error_description": "keymanagement.service.invalid_access_token",
                    },
                )
            return _oauth(403, "access_denied", "The user has declined authorization")
        if self.now >= session.expires_at:
            return _oauth(401, "expired_token", "The code is expired")
        if s256(form.get("code_verifier", "")) != session.challenge:
            return _oauth(400, "invalid_grant", "PKCE verification failed")
        too_early = (
            session.last_poll is not None
            and (self.now - session.last_poll).total_seconds() < session.interval
        )
        session.last_poll = self.now
        session.polls += 1
        if too_early:
            return _oauth(400, "slow_down", "The polling interval has not elapsed")
        if self.approve_after_polls is not None and session.polls >= self.approve_after_polls:
            session.state = session.state if session.state == "denied" else "approved"
        if session.state == "denied":
            return _oauth(403, "access_denied", "The user has declined authorization")
        if session.state != "approved":
            return _oauth(403, "authorization_pending", "The user has not yet completed")
        del self.sessions[session.device_code]
        return _json(200, self.issue_tokens(session.scope))

    def _refresh(self, form: dict[str, str]) -> CloudResponse:
        token = form.get("refresh_token", "")
        issued = self.account.refresh_tokens.pop(token, None)
        if issued is None or self.now - issued > REFRESH_LIFETIME:
            return _oauth(400, "invalid_grant", "The refresh token is invalid or expired")
        return _json(200, self.issue_tokens())

    # --- REST API -------------------------------------------------------------------

    def _api(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> CloudResponse:
        bearer = headers.get("authorization", "").removeprefix("Bearer ")
        grant = self.account.access_tokens.get(bearer)
        if grant is None or self.now >= grant[0]:
            return _api_error(401, "CU-100", "Authentication failed")
        if "cardata:api:read" not in grant[1].split():
            return _api_error(403, "CU-103", "No access rights for the CarData API")
        if headers.get("x-version") != "v1" and method != "DELETE":
            return _api_error(400, "CU-400", "Missing x-version header")
        day = self.now.date().isoformat()
        if self.account.quota_day != day:
            self.account.quota_day, self.account.used_today = day, 0
        if self.account.used_today >= self.daily_limit:
            return _api_error(self.quota_status, "CU-429", "Daily request limit reached")
        self.account.used_today += 1
        segments = path.strip("/").split("/")
        if segments[:2] == ["customers", "containers"]:
            return self._containers(method, segments[2:], body)
        if segments == ["customers", "vehicles", "mappings"] and method == "GET":
            return _json(200, self._mappings())
        if len(segments) == 4 and segments[:2] == ["customers", "vehicles"] and method == "GET":
            return self._vehicle(segments[2], segments[3], query)
        return _api_error(404, "CU-404", "Not found")

    def _mappings(self) -> list[dict[str, Any]]:
        since = "2024-01-01T00:00:00Z"
        return [
            {"vin": vin, "mappedSince": since, "mappingType": "PRIMARY"} for vin in self.specs
        ] + [
            {"vin": vin, "mappedSince": since, "mappingType": "SECONDARY"}
            for vin in self.secondary_vins
        ]

    def _containers(self, method: str, rest: list[str], body: bytes) -> CloudResponse:
        active = [c for c in self.containers.values() if c.state == "ACTIVE"]
        if not rest and method == "GET":
            return _json(200, {"containers": [_container(c) for c in active]})
        if not rest and method == "POST":
            if len(active) >= MAX_CONTAINERS:
                return _api_error(403, "CU-124", "Maximum number of containers reached")
            try:
                request = json.loads(body)
                descriptors = [str(n) for n in request["technicalDescriptors"]]
            except (ValueError, KeyError, TypeError):
                return _api_error(400, "CU-400", "Bad container request")
            container = SimContainer(
                container_id=uuid.uuid4().hex,
                name=str(request.get("name", "")),
                purpose=str(request.get("purpose", "")),
                descriptors=descriptors,
                created=self.now,
            )
            self.containers[container.container_id] = container
            return _json(201, {**_container(container), "technicalDescriptors": descriptors})
        found = self.containers.get(rest[0]) if len(rest) == 1 else None
        if found is None or found.state != "ACTIVE":
            return _api_error(404, "CU-105", "Container not found")
        if method == "DELETE":
            found.state = "DELETED"
            return CloudResponse(204)
        return _json(200, {**_container(found), "technicalDescriptors": found.descriptors})

    def _vehicle(self, vin: str, what: str, query: dict[str, str]) -> CloudResponse:
        spec = self.specs.get(vin)
        if spec is None:
            return _api_error(403, "CU-101", "Vehicle not mapped as primary user")
        if what == "basicData":
            return _json(200, basic_data(spec))
        if what == "telematicData":
            container = self.containers.get(query.get("containerId", ""))
            if container is None or container.state != "ACTIVE":
                return _api_error(404, "CU-105", "Container not found")
            readings = self.telematics[vin]
            stamp = _iso(self.now)
            data = {
                name: {
                    "value": _as_text(readings[name][0]) if name in readings else None,
                    "unit": readings[name][1] if name in readings else None,
                    "timestamp": stamp if name in readings else None,
                }
                for name in container.descriptors
            }
            return _json(200, {"telematicData": data})
        if what == "image":
            return CloudResponse(200, {"content-type": "image/png"}, _png())
        if what == "chargingHistory":
            if "from" not in query or "to" not in query:
                return _api_error(400, "CU-400", "from and to are required")
            sessions = [self._session(spec, i) for i in range(5)]
            start = int(query.get("nextToken", "0") or 0)
            page = sessions[start : start + HISTORY_PAGE_SIZE]
            answer: dict[str, Any] = {"data": page}
            if start + HISTORY_PAGE_SIZE < len(sessions):
                answer["next_token"] = str(start + HISTORY_PAGE_SIZE)
            return _json(200, answer)
        return _api_error(404, "CU-404", "Not found")

    def _session(self, spec: VehicleSpec, index: int) -> dict[str, Any]:
        end = self.now - timedelta(days=index + 1)
        return {
            "startTime": int((end - timedelta(hours=2)).timestamp()),
            "endTime": int(end.timestamp()),
            "displayedStartSoc": 30,
            "displayedSoc": spec.charging_target,
            "totalChargingDurationSec": 7200,
            "energyConsumedFromPowerGridKwh": 14.2,
            "chargingCostInformation": {
                "currency": "EUR",
                "calculatedChargingCost": 4.26,
                "calculatedSavings": 0.0,
            },
            "isPreconditioningActivated": False,
            "mileage": spec.mileage,
            "mileageUnits": "MileageUnits.KM",
            "timeZone": "Europe/Berlin",
        }


def _as_text(value: Any) -> str:
    """REST values are strings (``true``/``false`` for booleans)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _container(container: SimContainer) -> dict[str, Any]:
    return {
        "containerId": container.container_id,
        "name": container.name,
        "purpose": container.purpose,
        "state": container.state,
        "created": _iso(container.created),
    }


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 2), (20, 60, 140)).save(buffer, format="PNG")
    return buffer.getvalue()


def _json(status: int, body: Any) -> CloudResponse:
    return CloudResponse(status, {"content-type": "application/json"}, json.dumps(body).encode())


def _oauth(status: int, error: str, description: str) -> CloudResponse:
    return _json(status, {"error": error, "error_description": description})


def _api_error(status: int, error_id: str, message: str) -> CloudResponse:
    return _json(
        status,
        {
            "exveErrorId": error_id,
            "exveErrorRef": uuid.uuid4().hex[:12],
            "exveErrorMsg": message,
            "exveNote": "",
        },
    )


def mock_cardata_api(cloud: CarDataCloud) -> respx.MockRouter:
    """A respx router (use as a context manager) that sends both CarData hosts to ``cloud``."""

    async def answer(request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        reply = cloud.handle(request.method, str(request.url), dict(request.headers), body)
        return httpx.Response(reply.status, headers=reply.headers, content=reply.body)

    router = respx.mock(assert_all_called=False, assert_all_mocked=True)
    router.route(host__in=[AUTH_HOST, API_HOST]).mock(side_effect=answer)
    return router
