"""Descriptor names (BMW's "technical identifiers") and the typed readers over their values.

``MAPPED`` lists what fills the vehicle models; ``IGNORED`` (names and name
prefixes) what is deliberately kept out of them: such values stay available
in :class:`~.mapping.CarDataVehicleState` for diagnostics and extra sensors.
A test checks that the two cover every streamable descriptor of BMW's catalogue.
``MERGED_INTO`` names the entity each mapped value already shows; every other
streamable descriptor gets an entity of its own (``catalogue.DESCRIPTORS``).
"""

from __future__ import annotations

import math
from typing import Any, Final

# --- battery, range, fuel ---------------------------------------------------
BATTERY_HEADER: Final = "vehicle.drivetrain.batteryManagement.header"
BATTERY_DISPLAYED: Final = "vehicle.powertrain.electric.battery.stateOfCharge.displayed"
ELECTRIC_RANGE: Final = "vehicle.drivetrain.electricEngine.kombiRemainingElectricRange"
ELECTRIC_RANGE_ALT: Final = "vehicle.drivetrain.electricEngine.remainingElectricRange"
TOTAL_RANGE: Final = "vehicle.drivetrain.lastRemainingRange"
TOTAL_RANGE_ALT: Final = "vehicle.drivetrain.totalRemainingRange"
FUEL_LITERS: Final = "vehicle.drivetrain.fuelSystem.remainingFuel"
FUEL_PERCENT: Final = "vehicle.drivetrain.fuelSystem.level"

# --- charging ---------------------------------------------------------------
HV_STATUS: Final = "vehicle.drivetrain.electricEngine.charging.hvStatus"
CHARGING_STATUS: Final = "vehicle.drivetrain.electricEngine.charging.status"
PLUG_STATUS: Final = "vehicle.body.chargingPort.status"
PLUG_DC_STATUS: Final = "vehicle.body.chargingPort.dcStatus"
CHARGING_TIME_REMAINING: Final = "vehicle.drivetrain.electricEngine.charging.timeRemaining"
CHARGING_TARGET: Final = "vehicle.powertrain.electric.battery.stateOfCharge.target"
CHARGING_PREFERENCE: Final = "vehicle.drivetrain.electricEngine.charging.profile.preference"
CHARGING_CLIMATISATION: Final = (
    "vehicle.drivetrain.electricEngine.charging.profile.climatizationActive"
)
AC_LIMIT_SELECTED: Final = "vehicle.powertrain.electric.battery.charging.acLimit.selected"

# --- lock, doors, windows, roof ---------------------------------------------
DOOR_LOCK: Final = "vehicle.cabin.door.status"
DOOR_ROW1_DRIVER: Final = "vehicle.cabin.door.row1.driver.isOpen"
DOOR_ROW1_PASSENGER: Final = "vehicle.cabin.door.row1.passenger.isOpen"
DOOR_ROW2_DRIVER: Final = "vehicle.cabin.door.row2.driver.isOpen"
DOOR_ROW2_PASSENGER: Final = "vehicle.cabin.door.row2.passenger.isOpen"
HOOD: Final = "vehicle.body.hood.isOpen"
TRUNK: Final = "vehicle.body.trunk.isOpen"
WINDOW_ROW1_DRIVER: Final = "vehicle.cabin.window.row1.driver.status"
WINDOW_ROW1_PASSENGER: Final = "vehicle.cabin.window.row1.passenger.status"
WINDOW_ROW2_DRIVER: Final = "vehicle.cabin.window.row2.driver.status"
WINDOW_ROW2_PASSENGER: Final = "vehicle.cabin.window.row2.passenger.status"
REAR_WINDOW: Final = "vehicle.body.trunk.window.isOpen"
SUNROOF: Final = "vehicle.cabin.sunroof.status"
SUNROOF_OVERALL: Final = "vehicle.cabin.sunroof.overallStatus"

# --- position ---------------------------------------------------------------
LATITUDE: Final = "vehicle.cabin.infotainment.navigation.currentLocation.latitude"
LONGITUDE: Final = "vehicle.cabin.infotainment.navigation.currentLocation.longitude"
HEADING: Final = "vehicle.cabin.infotainment.navigation.currentLocation.heading"

# --- tyres ------------------------------------------------------------------
TIRE_WHEELS: Final = {
    "frontLeft": "vehicle.chassis.axle.row1.wheel.left.tire",
    "frontRight": "vehicle.chassis.axle.row1.wheel.right.tire",
    "rearLeft": "vehicle.chassis.axle.row2.wheel.left.tire",
    "rearRight": "vehicle.chassis.axle.row2.wheel.right.tire",
}
"""MyBMW ``tireState`` key -> descriptor stem (``.pressure``, ``.pressureTarget``)."""

# --- climate, mileage, service ----------------------------------------------
CLIMATE_ACTIVITY: Final = "vehicle.vehicle.preConditioning.activity"
CLIMATE_REMAINING: Final = "vehicle.vehicle.preConditioning.remainingTime"
COMFORT_STATE: Final = "vehicle.cabin.hvac.preconditioning.status.comfortState"
COMFORT_REMAINING: Final = "vehicle.cabin.hvac.preconditioning.status.remainingRunningTime"
MILEAGE: Final = "vehicle.vehicle.travelledDistance"
SERVICE_DISTANCE: Final = "vehicle.status.serviceDistance.next"
SERVICE_DISTANCE_YELLOW: Final = "vehicle.status.serviceDistance.yellow"
INSPECTION_DATE: Final = "vehicle.status.serviceTime.inspectionDateLegal"
SERVICE_TIME_YELLOW: Final = "vehicle.status.serviceTime.yellow"
INSPECTION_YELLOW: Final = "vehicle.status.serviceTime.hUandAuServiceYellow"

MAPPED: Final = frozenset(
    {
        BATTERY_HEADER,
        BATTERY_DISPLAYED,
        ELECTRIC_RANGE,
        ELECTRIC_RANGE_ALT,
        TOTAL_RANGE,
        TOTAL_RANGE_ALT,
        FUEL_LITERS,
        FUEL_PERCENT,
        HV_STATUS,
        CHARGING_STATUS,
        PLUG_STATUS,
        PLUG_DC_STATUS,
        CHARGING_TIME_REMAINING,
        CHARGING_TARGET,
        CHARGING_PREFERENCE,
        CHARGING_CLIMATISATION,
        AC_LIMIT_SELECTED,
        DOOR_LOCK,
        DOOR_ROW1_DRIVER,
        DOOR_ROW1_PASSENGER,
        DOOR_ROW2_DRIVER,
        DOOR_ROW2_PASSENGER,
        HOOD,
        TRUNK,
        WINDOW_ROW1_DRIVER,
        WINDOW_ROW1_PASSENGER,
        WINDOW_ROW2_DRIVER,
        WINDOW_ROW2_PASSENGER,
        REAR_WINDOW,
        SUNROOF,
        SUNROOF_OVERALL,
        LATITUDE,
        LONGITUDE,
        HEADING,
        *(
            f"{stem}.{part}"
            for stem in TIRE_WHEELS.values()
            for part in ("pressure", "pressureTarget")
        ),
        CLIMATE_ACTIVITY,
        CLIMATE_REMAINING,
        COMFORT_STATE,
        COMFORT_REMAINING,
        MILEAGE,
        SERVICE_DISTANCE,
        SERVICE_DISTANCE_YELLOW,
        INSPECTION_DATE,
        SERVICE_TIME_YELLOW,
        INSPECTION_YELLOW,
    }
)
"""Descriptors that fill the MyBMW-shaped record (and the REST container)."""

MERGED_INTO: Final[dict[str, str]] = {
    BATTERY_HEADER: "sensor.remaining_battery_percent",
    BATTERY_DISPLAYED: "sensor.remaining_battery_percent",
    ELECTRIC_RANGE: "sensor.remaining_range_electric",
    ELECTRIC_RANGE_ALT: "sensor.remaining_range_electric",
    TOTAL_RANGE: "sensor.remaining_range_total",
    TOTAL_RANGE_ALT: "sensor.remaining_range_total",
    FUEL_LITERS: "sensor.remaining_fuel",
    FUEL_PERCENT: "sensor.remaining_fuel_percent",
    HV_STATUS: "sensor.charging_status",
    CHARGING_STATUS: "sensor.charging_status",
    PLUG_STATUS: "binary_sensor.connection_status",
    PLUG_DC_STATUS: "binary_sensor.connection_status",
    CHARGING_TIME_REMAINING: "sensor.charging_end_time",
    CHARGING_TARGET: "sensor.charging_target",
    CHARGING_PREFERENCE: "sensor.preferred_charging_window",
    CHARGING_CLIMATISATION: "binary_sensor.is_pre_entry_climatization_enabled",
    AC_LIMIT_SELECTED: "sensor.ac_current_limit",
    DOOR_LOCK: "binary_sensor.door_lock_state",
    DOOR_ROW1_DRIVER: "binary_sensor.lids",
    DOOR_ROW1_PASSENGER: "binary_sensor.lids",
    DOOR_ROW2_DRIVER: "binary_sensor.lids",
    DOOR_ROW2_PASSENGER: "binary_sensor.lids",
    HOOD: "binary_sensor.lids",
    TRUNK: "binary_sensor.lids",
    SUNROOF: "binary_sensor.lids",
    SUNROOF_OVERALL: "binary_sensor.lids",
    WINDOW_ROW1_DRIVER: "binary_sensor.windows",
    WINDOW_ROW1_PASSENGER: "binary_sensor.windows",
    WINDOW_ROW2_DRIVER: "binary_sensor.windows",
    WINDOW_ROW2_PASSENGER: "binary_sensor.windows",
    REAR_WINDOW: "binary_sensor.windows",
    LATITUDE: "device_tracker.car",
    LONGITUDE: "device_tracker.car",
    HEADING: "device_tracker.car",
    **{
        f"{stem}.{part}": f"sensor.{tire}_{kind}_pressure"
        for tire, stem in (
            ("front_left", TIRE_WHEELS["frontLeft"]),
            ("front_right", TIRE_WHEELS["frontRight"]),
            ("rear_left", TIRE_WHEELS["rearLeft"]),
            ("rear_right", TIRE_WHEELS["rearRight"]),
        )
        for part, kind in (("pressure", "current"), ("pressureTarget", "target"))
    },
    MILEAGE: "sensor.mileage",
    SERVICE_DISTANCE: "sensor.next_service_distance",
    SERVICE_DISTANCE_YELLOW: "binary_sensor.condition_based_services",
    INSPECTION_DATE: "sensor.next_service_due_date",
    SERVICE_TIME_YELLOW: "binary_sensor.condition_based_services",
    INSPECTION_YELLOW: "binary_sensor.condition_based_services",
}
"""Mapped descriptors whose value a CarData vehicle already shows, and the entity (platform.key).

Such a descriptor gets no entity of its own: the value would be shown twice.
The climate descriptors are mapped too, but a read-only CarData vehicle has
no climate entity, so they are left out here and get entities of their own.
"""

IGNORED_PREFIXES: Final = (
    # Seat, steering wheel and preconditioning presets: settings, not state.
    "vehicle.cabin.hvac.preconditioning.configuration.",
    "vehicle.cabin.seat.",
    "vehicle.cabin.climate.timers.",
    # Per-port flap and plug flags; vehicle.body.chargingPort.status sums them up.
    "vehicle.powertrain.tractionBattery.charging.port.",
    # Trip statistics and driving style scores.
    "vehicle.trip.",
    # Individual tailgate parts (trunk.isOpen covers the trunk).
    "vehicle.body.trunk.",
    # Telematics unit bookkeeping.
    "vehicle.channel.",
    # Battery preconditioning and smart-charging details.
    "vehicle.powertrain.electric.battery.preconditioning.",
    "vehicle.drivetrain.electricEngine.charging.profile.",
    "vehicle.drivetrain.electricEngine.charging.acRestriction.",
    "vehicle.powertrain.electric.battery.charging.acLimit.",
    "vehicle.vehicle.antiTheftAlarmSystem.",
    "vehicle.cabin.infotainment.navigation.",
)
"""Name prefixes left out of the models (names in ``MAPPED`` always win)."""

IGNORED: Final = frozenset(
    {
        # Charging details without a model field (extra sensors).
        "vehicle.body.chargingPort.isHospitalityActive",
        "vehicle.body.chargingPort.plugEventId",
        "vehicle.body.chargingPort.statusClearText",
        "vehicle.body.flap.isLocked",
        "vehicle.body.flap.isPermanentlyUnlocked",
        "vehicle.drivetrain.electricEngine.charging.acAmpere",
        "vehicle.drivetrain.electricEngine.charging.acVoltage",
        "vehicle.drivetrain.electricEngine.charging.authentication.status",
        "vehicle.drivetrain.electricEngine.charging.chargingMode",
        "vehicle.drivetrain.electricEngine.charging.connectionType",
        "vehicle.drivetrain.electricEngine.charging.connectorStatus",
        "vehicle.drivetrain.electricEngine.charging.consumptionOverLifeTime.overall.gridEnergy",
        "vehicle.drivetrain.electricEngine.charging.hvpmFinishReason",
        "vehicle.drivetrain.electricEngine.charging.isImmediateChargingSystemReason",
        "vehicle.drivetrain.electricEngine.charging.isSingleImmediateCharging",
        "vehicle.drivetrain.electricEngine.charging.lastChargingReason",
        "vehicle.drivetrain.electricEngine.charging.lastChargingResult",
        "vehicle.drivetrain.electricEngine.charging.method",
        "vehicle.drivetrain.electricEngine.charging.modeDeviation",
        "vehicle.drivetrain.electricEngine.charging.phaseNumber",
        "vehicle.drivetrain.electricEngine.charging.reasonChargingEnd",
        "vehicle.drivetrain.electricEngine.charging.routeOptimizedChargingStatus",
        "vehicle.drivetrain.electricEngine.charging.smeEnergyDeltaFullyCharged",
        "vehicle.drivetrain.electricEngine.charging.timeToFullyCharged",
        "vehicle.drivetrain.electricEngine.charging.windowSelection",
        "vehicle.powertrain.electric.battery.charging.acousticLimit",
        "vehicle.powertrain.electric.battery.charging.power",
        "vehicle.powertrain.electric.battery.charging.preferenceSmartCharging",
        "vehicle.powertrain.electric.battery.stateOfCharge.targetMin",
        "vehicle.powertrain.electric.battery.stateOfCharge.targetSoCForProfessionalMode",
        "vehicle.powertrain.electric.chargingDuration.displayControl",
        "vehicle.powertrain.electric.departureTime.displayControl",
        "vehicle.powertrain.electric.range.displayControl",
        "vehicle.powertrain.electric.range.target",
        # Battery and consumption figures.
        "vehicle.drivetrain.avgElectricRangeConsumption",
        "vehicle.drivetrain.batteryManagement.batterySizeMax",
        "vehicle.drivetrain.batteryManagement.maxEnergy",
        "vehicle.electricalSystem.battery.stateOfCharge",
        "vehicle.electricalSystem.battery.voltage",
        "vehicle.electricalSystem.battery48V.stateOfHealth.displayed",
        "vehicle.electronicControlUnit.diagnosticTroubleCodes.raw",
        "vehicle.drivetrain.internalCombustionEngine.engine.ect",
        "vehicle.drivetrain.engine.isActive",
        "vehicle.drivetrain.engine.isIgnitionOn",
        # Body and cabin details without a model field.
        "vehicle.body.lights.isRunningOn",
        "vehicle.cabin.convertible.roofRetractableStatus",
        "vehicle.cabin.convertible.roofStatus",
        "vehicle.cabin.door.row1.driver.position",
        "vehicle.cabin.door.row1.passenger.position",
        "vehicle.cabin.door.row2.driver.position",
        "vehicle.cabin.door.row2.passenger.position",
        "vehicle.cabin.hvac.preconditioning.status.isExteriorMirrorHeatingActive",
        "vehicle.cabin.hvac.preconditioning.status.progress",
        "vehicle.cabin.hvac.preconditioning.status.rearDefrostActive",
        "vehicle.cabin.hvac.statusAirPurification",
        "vehicle.cabin.infotainment.displayUnit.distance",
        "vehicle.cabin.infotainment.hmi.distanceUnit",
        "vehicle.cabin.infotainment.isMobilePhoneConnected",
        "vehicle.cabin.steeringWheel.heating",
        "vehicle.cabin.sunroof.relativePosition",
        "vehicle.cabin.sunroof.shade.position",
        "vehicle.cabin.sunroof.tiltStatus",
        *(f"{stem}.temperature" for stem in TIRE_WHEELS.values()),
        # Climate and vehicle status details.
        "vehicle.vehicle.preConditioning.error",
        "vehicle.vehicle.preConditioning.isRemoteEngineRunning",
        "vehicle.vehicle.preConditioning.isRemoteEngineStartAllowed",
        "vehicle.status.conditionBasedServicesCount",
        "vehicle.isMoving",
        "vehicle.vehicle.averageWeeklyDistanceLongTerm",
        "vehicle.vehicle.averageWeeklyDistanceShortTerm",
        "vehicle.vehicle.avgAuxPower",
        "vehicle.vehicle.avgSpeed",
        "vehicle.vehicle.deepSleepModeActive",
        "vehicle.vehicle.speedRange.lowerBound",
        "vehicle.vehicle.speedRange.upperBound",
        "vehicle.vehicle.timeSetting",
    }
)
"""Descriptors deliberately not mapped to a model field."""


def is_mapped(name: str) -> bool:
    """The descriptor fills a model field."""
    return name in MAPPED


def is_ignored(name: str) -> bool:
    """The descriptor is deliberately kept out of the models."""
    return name not in MAPPED and (name in IGNORED or name.startswith(IGNORED_PREFIXES))


# --- readers ------------------------------------------------------------------

_NOT_A_VALUE: Final = frozenset({"", "-NA-", "INVALID", "UNKNOWN", "NULL", "NONE", "ASN_ISUNKNOWN"})
_TRUE: Final = frozenset({"TRUE", "ASN_ISTRUE", "OPEN", "ON", "1", "YES"})
_FALSE: Final = frozenset({"FALSE", "ASN_ISFALSE", "CLOSED", "OFF", "0", "NO"})


def normalise_rest_value(value: Any) -> Any:
    """REST values are strings; give them the stream's JSON types (bool, int, float)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text.replace(",", ".")) if text.count(",") <= 1 else math.nan
    except ValueError:
        return value
    return number if math.isfinite(number) else value


def as_number(value: Any) -> float | None:
    """A finite number, also from a numeric string; placeholders give ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "."))
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def as_int(value: Any) -> int | None:
    """A rounded integer (see :func:`as_number`)."""
    number = as_number(value)
    return None if number is None else round(number)


def as_token(value: Any) -> str | None:
    """An upper-case enum token; placeholders (``INVALID``, ``-NA-``, ...) give ``None``."""
    if isinstance(value, bool) or not isinstance(value, str):
        return None
    token = value.strip().upper()
    return None if token in _NOT_A_VALUE else token


def as_bool(value: Any) -> bool | None:
    """True/false from JSON booleans and the catalogue's many spellings of them."""
    if isinstance(value, bool):
        return value
    token = as_token(value)
    if token in _TRUE:
        return True
    if token in _FALSE:
        return False
    return None


def as_open_state(value: Any) -> str | None:
    """MyBMW lid state (``OPEN``/``CLOSED``/``INTERMEDIATE``...) from bool or text values.

    ``isOpen`` descriptors mix ``false`` and ``"CLOSED"``: a JSON ``True`` means open.
    """
    if isinstance(value, bool):
        return "OPEN" if value else "CLOSED"
    token = as_token(value)
    if token is None:
        return None
    if token in ("TRUE", "OPEN"):
        return "OPEN"
    if token in ("FALSE", "CLOSED"):
        return "CLOSED"
    return token
