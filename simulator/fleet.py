"""Fleet generator: vehicles described by a few fields, rendered in the API's wire shapes.

The dicts produced here follow the key structure of the recorded responses
(profile, state with capabilities, charging details, vehicle-list entry), so the
client parsers see what the real cloud sends. Every vehicle is invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
import random
from typing import Any, Final

BRANDS: Final = ("bmw", "mini", "toyota")
ELECTRIC: Final = "ELECTRIC"
PLUGIN_HYBRID: Final = "PLUGIN_HYBRID"
RANGE_EXTENDER: Final = "ELECTRIC_WITH_RANGE_EXTENDER"
COMBUSTION: Final = "COMBUSTION"
MILD_HYBRID: Final = "MILD_HYBRID"
DRIVETRAINS: Final = (ELECTRIC, PLUGIN_HYBRID, RANGE_EXTENDER, COMBUSTION, MILD_HYBRID)
HV_DRIVETRAINS: Final = frozenset({ELECTRIC, PLUGIN_HYBRID, RANGE_EXTENDER})
FUEL_DRIVETRAINS: Final = frozenset({PLUGIN_HYBRID, RANGE_EXTENDER, COMBUSTION, MILD_HYBRID})

# Valid VIN characters (no I, O, Q) and the world manufacturer codes per brand.
VIN_ALPHABET: Final = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_WMI: Final = {"bmw": "WBA", "mini": "WMW", "toyota": "WZ1"}
_PROFILE_BRAND: Final = {"bmw": "BMW", "mini": "MINI", "toyota": "DRITTKUNDE"}

DEFAULT_GCID: Final = "5f0d7bd4-1c5e-4c38-9c8e-2b1a0c9a7e11"
AC_LIMIT_VALUES: Final = (6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 20, 32)
WEEKDAYS: Final = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
IMAGE_VIEWS: Final = (
    "VehicleStatus",
    "FrontView",
    "SideViewLeft",
    "Dashboard",
    "Driverdoor",
    "AngleSideViewForty",
    "AngleSideViewSixty",
    "FrontLeft",
    "FrontRight",
    "RearLeft",
    "RearRight",
    "RearView",
)


@dataclass(frozen=True)
class Location:
    """A parked position; the address is free text the client only displays."""

    latitude: float = 48.177334
    longitude: float = 11.556274
    heading: int = 180
    address: str = "Am Olympiapark 1, 80809 München"


@dataclass
class VehicleSpec:
    """The handful of facts from which all API answers of one vehicle are rendered."""

    vin: str
    brand: str = "bmw"
    drivetrain: str = ELECTRIC
    model: str = "i4 eDrive40"
    body_type: str = "G26"
    year: int = 2021
    lsc: bool = True
    charging_settings_supported: bool = True
    charging_plan_supported: bool = True
    remote_charging: bool = True
    battery_percent: int = 80
    electric_range_km: int = 472
    fuel_percent: int = 80
    fuel_liters: int = 40
    fuel_range_km: int = 629
    mileage: int = 1121
    location: Location | None = field(default_factory=Location)
    locked: bool = True
    doors_closed: bool = True
    windows_closed: bool = True
    sunroof: bool = False
    charger_connected: bool = False
    charging_status: str = "INVALID"
    charging_target: int = 80
    ac_limit: int = 16
    charging_preference: str = "NO_PRESELECTION"
    charging_mode: str = "IMMEDIATE_CHARGING"
    charging_window: tuple[tuple[int, int], tuple[int, int]] | None = None
    precondition: bool = False
    climate_activity: str | None = "STANDBY"
    climate_remaining_seconds: float | None = None
    service_pack: str = "WAVE_01"
    hmi_version: str = "ID8"
    head_unit_type: str | None = "MGU"
    i_step: int = 470
    pu_step: tuple[int, int] = (11, 21)
    color: int = 4284245350
    check_control: list[tuple[str, str]] = field(default_factory=lambda: [("TIRE_PRESSURE", "LOW")])
    services_due: list[tuple[str, str]] = field(
        default_factory=lambda: [("BRAKE_FLUID", "OK"), ("VEHICLE_CHECK", "OK")]
    )
    last_fetched: datetime = field(default_factory=lambda: datetime(2025, 1, 1, 12, tzinfo=UTC))
    charge_rate_percent_per_hour: float = 20.0

    @property
    def has_battery(self) -> bool:
        """Whether the vehicle reports an electric charging state."""
        return self.drivetrain in HV_DRIVETRAINS

    @property
    def has_fuel(self) -> bool:
        """Whether the vehicle reports a fuel level."""
        return self.drivetrain in FUEL_DRIVETRAINS

    @property
    def needs_charging_details(self) -> bool:
        """Whether clients load charging details for this vehicle (§3.1 step 4)."""
        return self.has_battery and (
            self.charging_plan_supported or self.charging_settings_supported
        )


def make_vin(n: int, brand: str = "bmw") -> str:
    """Return a deterministic, obviously fake 17-character VIN from the VIN alphabet."""
    digits = f"{n:08d}"
    if len(digits) > 8:
        raise ValueError("vehicle number too large for a VIN")
    return f"{_WMI.get(brand, 'WBA')}0FLEET{digits}"


def iso(moment: datetime) -> str:
    """Render a time like the API: UTC, milliseconds, ``Z``."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def _time_slot(hour: int, minute: int) -> str:
    return f"0001-01-01T{hour:02d}:{minute:02d}:00"


# ---------------------------------------------------------------------------- profile


def profile(spec: VehicleSpec) -> dict[str, Any]:
    """Return the ``vehicle-data/profile`` answer."""
    data: dict[str, Any] = {
        "bodyType": spec.body_type,
        "brand": _PROFILE_BRAND.get(spec.brand, "BMW"),
        "color": spec.color,
        "countryOfOrigin": "DE",
        "driveTrain": spec.drivetrain,
        "driverGuideInfo": {
            "androidAppScheme": "com.bmwgroup.driversguide.row",
            "androidStoreUrl": "https://play.google.com/store/apps/details?id=com.bmwgroup.driversguide.row",
            "iosAppScheme": "bmwdriversguide:///open",
            "iosStoreUrl": "https://apps.apple.com/de/app/id714042749?mt=8",
        },
        "headUnitRaw": f"HU_{spec.head_unit_type or 'MGU'}",
        "hmiVersion": spec.hmi_version,
        "model": spec.model,
        "telematicsUnit": "WAVE01" if spec.year >= 2021 else "ATM2",
        "vin": spec.vin,
        "year": spec.year,
    }
    if spec.head_unit_type is not None:
        data["headUnitType"] = spec.head_unit_type
        version = {
            "iStep": spec.i_step,
            "puStep": {"month": spec.pu_step[0], "year": spec.pu_step[1]},
            "seriesCluster": f"{spec.body_type[0]}0{spec.body_type[1:]}",
        }
        data["softwareVersionCurrent"] = version
        data["softwareVersionExFactory"] = dict(version)
    return data


def vehicle_list_entry(spec: VehicleSpec) -> dict[str, Any]:
    """Return the vehicle's ``mappingInfos`` entry of the vehicle list."""
    return {
        "isAssociated": False,
        "isLmmEnabled": False,
        "isPrimaryUser": True,
        "mappingStatus": "CONFIRMED",
        "vehicleMappingType": "CONNECTED",
        "vin": spec.vin,
    }


def vehicle_list(specs: list[VehicleSpec], gcid: str = DEFAULT_GCID) -> dict[str, Any]:
    """Return a vehicle-list answer for the given vehicles, sorted by VIN like the server."""
    entries = [vehicle_list_entry(s) for s in sorted(specs, key=lambda s: s.vin)]
    return {"gcid": gcid, "mappingInfos": entries}


# ----------------------------------------------------------------------- capabilities


def capabilities(spec: VehicleSpec) -> dict[str, Any]:
    """Return the ``capabilities`` half of the state answer."""
    hv = spec.has_battery
    settings = hv and spec.charging_settings_supported
    activated = {"state": "ACTIVATED"}
    unavailable = {"state": "NOT_AVAILABLE"}
    caps: dict[str, Any] = {
        "a4aType": "NOT_SUPPORTED" if spec.lsc else "USB_ONLY",
        "alarmSystem": False,
        "climateFunction": "AIR_CONDITIONING" if spec.lsc else "VENTILATION",
        "climateNow": True,
        "climateTimerTrigger": "START_TIMER",
        "digitalKey": {
            "bookedServicePackage": "SMACC_1_5" if spec.lsc else "NONE",
            "isDigitalKeyFirstSupported": False,
            "readerGraphics": "readerGraphics",
            "state": "ACTIVATED" if spec.lsc else "NOT_AVAILABLE",
            "vehicleSoftwareUpgradeRequired": False,
        },
        "horn": True,
        "inCarCamera": False,
        "isBatteryPreconditioningSupported": hv and spec.lsc,
        "inCarCameraDwa": False,
        "isBmwChargingSupported": hv,
        "isCarSharingSupported": False,
        "isChargeNowForBusinessSupported": hv,
        "isChargingHistorySupported": hv,
        "isChargingHospitalityEnabled": settings,
        "isChargingLoudnessEnabled": settings,
        "isChargingPlanSupported": hv and spec.charging_plan_supported,
        "isChargingPowerLimitEnabled": settings,
        "isChargingSettingsEnabled": settings,
        "isChargingTargetSocEnabled": settings,
        "isClimateTimerSupported": not spec.lsc,
        "isClimateTimerWeeklyActive": False,
        "isCustomerEsimSupported": False,
        "isDCSContractManagementSupported": hv,
        "isDataPrivacyEnabled": False,
        "isEasyChargeEnabled": settings,
        "isEvGoChargingSupported": False,
        "isLocationBasedChargingSettingsSupported": False,
        "isMiniChargingSupported": hv and spec.brand == "mini",
        "isNonLscFeatureEnabled": not spec.lsc,
        "isOptimizedChargingSupported": False,
        "isPersonalPictureUploadSupported": False,
        "isPlugAndChargeSupported": False,
        "isRemoteEngineStartEnabled": False,
        "isRemoteEngineStartSupported": spec.lsc,
        "isRemoteHistoryDeletionSupported": False,
        "isRemoteHistorySupported": True,
        "isRemoteParkingEes25Active": False,
        "isRemoteParkingSupported": False,
        "isRemoteServicesActivationRequired": False,
        "isRemoteServicesBookingRequired": False,
        "isScanAndChargeSupported": hv,
        "isSustainabilityAccumulatedViewEnabled": False,
        "isSustainabilitySupported": False,
        "isThirdPartyAppStoreSupported": False,
        "isWifiHotspotServiceSupported": False,
        "lights": True,
        "locationBasedCommerceFeatures": {
            "fueling": False,
            "parking": False,
            "reservations": False,
        },
        "lock": True,
        "remote360": spec.lsc,
        "remoteChargingCommands": (
            {"chargingControl": ["START", "STOP"]} if hv and spec.remote_charging else {}
        ),
        "remoteServices": {
            "doorLock": {"id": "doorLock", **activated},
            "doorUnlock": {"id": "doorUnlock", **activated},
            "hornBlow": {"id": "hornBlow", **activated},
            "inCarCamera": {"id": "inCarCamera", **unavailable},
            "inCarCameraDwa": {"id": "inCarCameraDwa", **unavailable},
            "lightFlash": {"id": "lightFlash", **activated},
            "remote360": {"id": "remote360", **activated},
            "surroundViewRecorder": {"id": "surroundViewRecorder", **unavailable},
        },
        "remoteSoftwareUpgrade": spec.lsc,
        "sendPoi": True,
        "specialThemeSupport": [],
        "speechThirdPartyAlexa": spec.lsc,
        "speechThirdPartyAlexaSDK": False,
        "surroundViewRecorder": False,
        "unlock": True,
        "vehicleFinder": spec.lsc and spec.location is not None,
        "vehicleStateSource": "LAST_STATE_CALL" if spec.lsc else "A4A",
    }
    if spec.lsc:
        caps["lastStateCallState"] = "ACTIVATED"
    return caps


# ------------------------------------------------------------------------------ state


def _tire(week: int, current: int, target: int) -> dict[str, Any]:
    return {
        "details": {
            "dimension": "225/45 R18 95Y XL",
            "isOptimizedForOemBmw": True,
            "manufacturer": "Simulated",
            "manufacturingWeek": week,
            "mountingDate": "2022-03-07T00:00:00.000Z",
            "partNumber": "0000001",
            "season": 2,
            "speedClassification": {"atLeast": False, "speedRating": 300},
            "treadDesign": "SIM-1",
        },
        "status": {
            "currentPressure": current,
            "pressureStatus": 0,
            "targetPressure": target,
            "wearStatus": 0,
        },
    }


def _departure_times(spec: VehicleSpec) -> list[dict[str, Any]]:
    return [
        {
            "action": "DEACTIVATE",
            "id": i,
            "timeStamp": {"hour": 7, "minute": 0},
            "timerWeekDays": list(WEEKDAYS[:5]) if i == 1 else [],
        }
        for i in range(1, 5)
    ]


def charging_profile_state(spec: VehicleSpec) -> dict[str, Any]:
    """Return ``state.chargingProfile`` (present even on combustion cars, like G20)."""
    settings: dict[str, Any] = {
        "hospitality": "NO_ACTION",
        "idcc": "UNLIMITED_LOUD" if spec.charging_settings_supported else "NO_ACTION",
        "targetSoc": spec.charging_target if spec.has_battery else 0,
    }
    if spec.has_battery:
        settings["acCurrentLimit"] = spec.ac_limit
    data: dict[str, Any] = {
        "chargingMode": spec.charging_mode,
        "chargingPreference": spec.charging_preference,
        "chargingSettings": settings,
        "departureTimes": _departure_times(spec) if spec.has_battery else [],
    }
    if spec.has_battery:
        data["chargingControlType"] = "WEEKLY_PLANNER"
        data["climatisationOn"] = spec.precondition
    if spec.charging_window is not None:
        (sh, sm), (eh, em) = spec.charging_window
        data["reductionOfChargeCurrent"] = {
            "end": {"hour": eh, "minute": em},
            "start": {"hour": sh, "minute": sm},
        }
    return data


def electric_charging_state(spec: VehicleSpec) -> dict[str, Any]:
    """Return ``state.electricChargingState`` for vehicles with a traction battery."""
    data: dict[str, Any] = {
        "chargingConnectionType": "CONDUCTIVE" if spec.charger_connected else "UNKNOWN",
        "chargingLevelPercent": spec.battery_percent,
        "chargingStatus": spec.charging_status,
        "chargingTarget": spec.charging_target,
        "isChargerConnected": spec.charger_connected,
        "range": spec.electric_range_km,
    }
    # The API keeps a stale value when not charging (G26 sample); 0 keeps ours harmless.
    missing = max(0, spec.charging_target - spec.battery_percent)
    charging = spec.charging_status == "CHARGING"
    minutes = round(missing / spec.charge_rate_percent_per_hour * 60) if charging else 0
    data["remainingChargingMinutes"] = minutes
    return data


def state(spec: VehicleSpec) -> dict[str, Any]:
    """Return the ``vehicles/state`` answer: ``{"capabilities": …, "state": …}``."""
    version = {
        "iStep": {
            "iStep": spec.i_step,
            "month": spec.pu_step[0],
            "seriesCluster": spec.body_type,
            "year": spec.pu_step[1],
        },
        "puStep": {"month": spec.pu_step[0], "year": spec.pu_step[1]},
    }
    climate_timers = [
        {
            "departureTime": {"hour": 7, "minute": 0},
            "isWeeklyTimer": i > 0,
            "timerAction": "DEACTIVATE",
            "timerWeekDays": ["MONDAY"],
        }
        for i in range(3)
    ]
    st: dict[str, Any] = {
        "checkControlMessages": [{"severity": sev, "type": typ} for typ, sev in spec.check_control],
        "climateTimers": climate_timers,
        "driverPreferences": {"lscPrivacyMode": "OFF"},
        "isLeftSteering": True,
        "isLscSupported": spec.lsc,
        "lastFetched": iso(spec.last_fetched),
        "lastUpdatedAt": iso(spec.last_fetched),
        "requiredServices": [],
        "securityOverviewMode": None,
        "vehicleSoftwareVersion": version,
    }
    if not spec.lsc:
        return {"capabilities": capabilities(spec), "state": st}

    door = "CLOSED" if spec.doors_closed else "OPEN"
    window = "CLOSED" if spec.windows_closed else "OPEN"
    st.update(
        {
            "chargingProfile": charging_profile_state(spec),
            "combustionFuelLevel": {},
            "currentMileage": spec.mileage,
            "doorsState": {
                "combinedSecurityState": "LOCKED" if spec.locked else "UNLOCKED",
                "combinedState": "CLOSED" if spec.doors_closed else "OPEN",
                "hood": "CLOSED",
                "leftFront": door,
                "leftRear": "CLOSED",
                "rightFront": "CLOSED",
                "rightRear": "CLOSED",
                "trunk": "CLOSED",
            },
            "range": spec.electric_range_km if spec.has_battery else spec.fuel_range_km,
            "requiredServices": [
                {
                    "dateTime": "2027-06-01T00:00:00.000Z",
                    "description": "",
                    "mileage": 30000 + 5000 * i,
                    "status": status,
                    "type": typ,
                }
                for i, (typ, status) in enumerate(spec.services_due)
            ],
            "securityOverviewMode": "NOT_ARMED",
            "tireState": {
                "frontLeft": _tire(4021, 241, 269),
                "frontRight": _tire(2419, 255, 269),
                "rearLeft": _tire(1219, 324, 303),
                "rearRight": _tire(512, 331, 303),
            },
            "windowsState": {
                "combinedState": "CLOSED" if spec.windows_closed else "OPEN",
                "leftFront": window,
                "leftRear": "CLOSED",
                "rear": "CLOSED",
                "rightFront": "CLOSED",
                "rightRear": "CLOSED",
            },
        }
    )
    if spec.climate_activity is not None:
        climate: dict[str, Any] = {"activity": spec.climate_activity}
        if spec.climate_remaining_seconds is not None:
            climate["remainingSeconds"] = spec.climate_remaining_seconds
        st["climateControlState"] = climate
    if spec.has_fuel:
        fuel_range = spec.fuel_range_km
        if spec.drivetrain == PLUGIN_HYBRID:
            fuel_range += spec.electric_range_km  # the API's PHEV fuel range includes the battery
        st["combustionFuelLevel"] = {
            "range": fuel_range,
            "remainingFuelLiters": spec.fuel_liters,
            "remainingFuelPercent": spec.fuel_percent,
        }
        if not spec.has_battery:
            st["range"] = fuel_range
    if spec.has_battery:
        st["electricChargingState"] = electric_charging_state(spec)
    if spec.sunroof:
        st["roofState"] = {"roofState": "CLOSED", "roofStateType": "SUN_ROOF"}
    if spec.location is not None:
        st["location"] = {
            "address": {"formatted": spec.location.address},
            "coordinates": {
                "latitude": spec.location.latitude,
                "longitude": spec.location.longitude,
            },
            "heading": spec.location.heading,
        }
    return {"capabilities": capabilities(spec), "state": st}


# --------------------------------------------------------------------- charging details


def timer_detail(spec: VehicleSpec) -> dict[str, Any]:
    """Return crccs ``chargeAndClimateTimerDetail`` (the charging-profile command shape)."""
    start, end = spec.charging_window or ((0, 0), (0, 0))
    return {
        "chargingMode": {
            "chargingPreference": spec.charging_preference,
            "endTimeSlot": _time_slot(*end),
            "startTimeSlot": _time_slot(*start),
            "type": {
                "IMMEDIATE_CHARGING": "CHARGING_IMMEDIATELY",
                "DELAYED_CHARGING": "TIME_SLOT",
            }.get(spec.charging_mode, "NO_ACTION"),
        },
        "departureTimer": {
            "type": "WEEKLY_DEPARTURE_TIMER",
            "weeklyTimers": [
                {
                    "daysOfTheWeek": t["timerWeekDays"],
                    "id": t["id"],
                    "time": _time_slot(t["timeStamp"]["hour"], t["timeStamp"]["minute"]),
                    "timerAction": t["action"],
                }
                for t in _departure_times(spec)
            ],
        },
        "isPreconditionForDepartureActive": spec.precondition,
    }


def charging_details(spec: VehicleSpec) -> dict[str, Any] | None:
    """Return the crccs ``/eadrax-crccs/v2/vehicles`` answer, or None when not offered."""
    if not spec.needs_charging_details:
        return None
    data: dict[str, Any] = {
        "chargeAndClimateSettings": {
            "chargeAndClimateTimer": {
                "chargingMode": "Charge immediately"
                if spec.charging_preference == "NO_PRESELECTION"
                else "Charging window",
                "departureTimer": ["Off"],
                "preconditionForDeparture": "On" if spec.precondition else "Off",
                "showDepartureTimers": False,
            }
        },
        "chargeAndClimateTimerDetail": timer_detail(spec),
        "servicePack": spec.service_pack,
    }
    if spec.charging_settings_supported:
        data["chargeAndClimateSettings"]["chargingFlap"] = {"permanentlyUnlockLabel": "Off"}
        data["chargeAndClimateSettings"]["chargingSettings"] = {
            "acCurrentLimitLabel": f"{spec.ac_limit}A",
            "acCurrentLimitLabelSemantics": f"{spec.ac_limit} amps",
            "chargingTargetLabel": f"{spec.charging_target}%",
            "dcLoudnessLabel": "Unlimited",
            "unlockCableAutomaticallyLabel": "Off",
        }
        data["chargingFlapDetail"] = {"isPermanentlyUnlock": False}
        data["chargingSettingsDetail"] = {
            "acLimit": {
                "current": {"unit": "A", "value": spec.ac_limit},
                "isUnlimited": False,
                "max": max(AC_LIMIT_VALUES),
                "min": min(AC_LIMIT_VALUES),
                "values": list(AC_LIMIT_VALUES),
            },
            "chargingTarget": spec.charging_target,
            "dcLoudness": "UNLIMITED_LOUD",
            "isUnlockCableActive": False,
            "minChargingTargetToWarning": 0,
        }
    return data


# ------------------------------------------------------------------------------ fleets


def electric_bmw(n: int = 1) -> VehicleSpec:
    """An i4-like battery-electric BMW with charging settings and plan."""
    return VehicleSpec(vin=make_vin(n, "bmw"))


def plugin_hybrid_bmw(n: int = 2) -> VehicleSpec:
    """An X3 xDrive30e-like plug-in hybrid (charging plan, no settings)."""
    return VehicleSpec(
        vin=make_vin(n, "bmw"),
        drivetrain=PLUGIN_HYBRID,
        model="X3 xDrive30e",
        body_type="G01",
        hmi_version="ID7",
        head_unit_type=None,
        charging_settings_supported=False,
        battery_percent=80,
        electric_range_km=40,
        fuel_range_km=436,
        charging_target=100,
        service_pack="ATM2",
        check_control=[("TIRE_PRESSURE", "LOW"), ("ENGINE_OIL", "MEDIUM")],
        services_due=[("OIL", "OK"), ("BRAKE_FLUID", "OK"), ("VEHICLE_TUV", "OK")],
    )


def combustion_bmw(n: int = 3) -> VehicleSpec:
    """An M340i-like combustion car."""
    return VehicleSpec(
        vin=make_vin(n, "bmw"),
        drivetrain=COMBUSTION,
        model="M340i xDrive",
        body_type="G20",
        year=2022,
        hmi_version="ID7",
        charging_settings_supported=False,
        charging_plan_supported=False,
        remote_charging=False,
        climate_activity="INACTIVE",
        services_due=[("OIL", "OK"), ("VEHICLE_CHECK", "PENDING")],
    )


def electric_mini(n: int = 4) -> VehicleSpec:
    """A MINI Cooper SE-like electric car, parked unlocked and plugged in."""
    return VehicleSpec(
        vin=make_vin(n, "mini"),
        brand="mini",
        model="Cooper SE",
        body_type="F56",
        year=2022,
        hmi_version="ID5",
        head_unit_type="ENTRYNAV",
        battery_percent=55,
        electric_range_km=120,
        charging_target=100,
        charger_connected=True,
        charging_status="PLUGGED_IN",
        locked=False,
        location=Location(51.5007, -0.1246, 90, "Westminster, London SW1A 0AA"),
        check_control=[],
    )


def non_lsc_bmw(n: int = 31) -> VehicleSpec:
    """An old F31-like car without last-state-call support: only a few state keys."""
    return VehicleSpec(
        vin=make_vin(n, "bmw"),
        drivetrain=COMBUSTION,
        model="320d xDrive",
        body_type="F31",
        year=2013,
        lsc=False,
        hmi_version="ID4",
        head_unit_type="NBT",
        i_step=502,
        pu_step=(11, 13),
        charging_settings_supported=False,
        charging_plan_supported=False,
        remote_charging=False,
        climate_activity=None,
        location=None,
        check_control=[("ENGINE_OIL", "LOW")],
    )


def range_extender_bmw(n: int = 5) -> VehicleSpec:
    """An i3 REX-like car waiting for its charging window."""
    return VehicleSpec(
        vin=make_vin(n, "bmw").replace("WBA", "WBY", 1),
        drivetrain=RANGE_EXTENDER,
        model="i3 (+ REX)",
        body_type="I01",
        year=2015,
        hmi_version="ID4",
        head_unit_type="NBT",
        i_step=510,
        charging_settings_supported=False,
        battery_percent=82,
        electric_range_km=174,
        fuel_liters=6,
        fuel_percent=60,
        fuel_range_km=105,
        charging_target=100,
        charger_connected=True,
        charging_status="WAITING_FOR_CHARGING",
        charging_preference="CHARGING_WINDOW",
        charging_mode="DELAYED_CHARGING",
        charging_window=((18, 1), (1, 30)),
        climate_activity=None,
        location=None,
        sunroof=True,
        service_pack="TCB1",
        locked=False,
    )


def default_fleet() -> list[VehicleSpec]:
    """The demo fleet: electric BMW, plug-in hybrid BMW, combustion BMW and an electric MINI."""
    return [electric_bmw(1), plugin_hybrid_bmw(2), combustion_bmw(3), electric_mini(4)]


_FLEET_MIX: Final = (
    ("bmw", ELECTRIC),
    ("bmw", PLUGIN_HYBRID),
    ("bmw", COMBUSTION),
    ("mini", ELECTRIC),
    ("bmw", RANGE_EXTENDER),
    ("mini", COMBUSTION),
    ("toyota", COMBUSTION),
    ("bmw", MILD_HYBRID),
)


def build_fleet(n: int, seed: int = 0) -> list[VehicleSpec]:
    """Return ``n`` varied vehicles (BEV, PHEV, REX, combustion; BMW, MINI, Toyota)."""
    rng = random.Random(seed)
    templates = {
        ("bmw", ELECTRIC): electric_bmw,
        ("bmw", PLUGIN_HYBRID): plugin_hybrid_bmw,
        ("bmw", COMBUSTION): combustion_bmw,
        ("mini", ELECTRIC): electric_mini,
        ("bmw", RANGE_EXTENDER): range_extender_bmw,
    }
    fleet = []
    for i in range(n):
        brand, drivetrain = _FLEET_MIX[i % len(_FLEET_MIX)]
        template = templates.get((brand, drivetrain))
        base = template(0) if template else combustion_bmw(0)
        spec = replace(
            base,
            vin=make_vin(100 + i, brand),
            brand=brand,
            drivetrain=drivetrain,
            mileage=rng.randint(500, 150_000),
            locked=rng.random() < 0.7,
            location=Location(
                round(rng.uniform(47.0, 54.0), 6),
                round(rng.uniform(6.0, 14.0), 6),
                rng.randrange(360),
                f"Simulated Street {i + 1}",
            )
            if base.location is not None
            else None,
        )
        if brand == "toyota":
            spec.model, spec.body_type, spec.hmi_version = "GR Supra 3.0", "J29", "ID7"
        if drivetrain == MILD_HYBRID:
            spec.model = "520d"
            spec.body_type = "G60"
        if spec.has_battery:
            spec.battery_percent = rng.randint(10, 100)
            spec.charging_target = rng.choice([80, 90, 100])
        if spec.has_fuel:
            spec.fuel_percent = rng.randint(5, 100)
            spec.fuel_liters = spec.fuel_percent * 60 // 100
            spec.fuel_range_km = spec.fuel_liters * 14
        fleet.append(spec)
    return fleet
