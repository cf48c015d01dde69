"""The cloud's stored vehicles: their API documents, how time moves them, and command effects.

Each vehicle keeps the exact documents it serves (profile, state, charging details),
either rendered from a ``VehicleSpec`` or loaded from a fingerprint; commands and the
passing of (simulated) time edit those documents in place.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
import math
from typing import Any, Final

from . import fleet
from .fleet import VehicleSpec

CLIMATE_ON: Final = frozenset({"COOLING", "HEATING", "VENTILATION"})
CHARGING_MODE_FROM_TYPE: Final = {
    "CHARGING_IMMEDIATELY": "IMMEDIATE_CHARGING",
    "TIME_SLOT": "DELAYED_CHARGING",
    "NO_ACTION": "NO_ACTION",
}


@dataclass
class SimVehicle:
    """One vehicle as the cloud stores it."""

    vin: str
    brand: str
    profile: dict[str, Any]
    state: dict[str, Any]
    charging: dict[str, Any] | None
    list_entry: dict[str, Any]
    live: bool = True
    charge_rate_percent_per_hour: float = 20.0
    climate_runtime_seconds: float = 1800.0
    hidden_location: dict[str, Any] | None = None
    finder_position: dict[str, Any] | None = None
    sim_time: datetime | None = None
    _soc: float | None = field(default=None, repr=False)

    @classmethod
    def from_spec(cls, spec: VehicleSpec) -> SimVehicle:
        """Render a generated vehicle."""
        return cls(
            vin=spec.vin,
            brand=spec.brand,
            profile=fleet.profile(spec),
            state=fleet.state(spec),
            charging=fleet.charging_details(spec),
            list_entry=fleet.vehicle_list_entry(spec),
            charge_rate_percent_per_hour=spec.charge_rate_percent_per_hour,
        )

    # ----------------------------------------------------------------- accessors

    @property
    def capabilities(self) -> dict[str, Any]:
        """The ``capabilities`` half of the state document."""
        caps = self.state.setdefault("capabilities", {})
        return caps if isinstance(caps, dict) else {}

    @property
    def st(self) -> dict[str, Any]:
        """The ``state`` half of the state document."""
        st = self.state.setdefault("state", {})
        return st if isinstance(st, dict) else {}

    def ecs(self) -> dict[str, Any] | None:
        """``electricChargingState`` when the vehicle has one."""
        value = self.st.get("electricChargingState")
        return value if isinstance(value, dict) and value else None

    def has_capability(self, name: str) -> bool:
        """Return a boolean capability flag (missing = False)."""
        return self.capabilities.get(name) is True

    def charging_controls(self) -> list[str]:
        """Return ``remoteChargingCommands.chargingControl``."""
        commands = self.capabilities.get("remoteChargingCommands") or {}
        controls = commands.get("chargingControl") if isinstance(commands, dict) else None
        return list(controls) if isinstance(controls, list) else []

    def ac_limit_values(self) -> list[int]:
        """Selectable AC limits from the charging details."""
        try:
            values = self.charging["chargingSettingsDetail"]["acLimit"]["values"]  # type: ignore[index]
        except (KeyError, TypeError):
            return []
        return [v for v in values if isinstance(v, int)]

    def location(self) -> dict[str, Any] | None:
        """The position a vehicle finder would report."""
        loc = self.st.get("location")
        if isinstance(loc, dict) and isinstance(loc.get("coordinates"), dict):
            return loc
        return self.hidden_location

    # ---------------------------------------------------------------- documents

    def state_document(self, now: datetime) -> dict[str, Any]:
        """The state answer at ``now`` (timestamps follow the clock for generated vehicles)."""
        if self.live:
            stamp = fleet.iso(now)
            self.st["lastFetched"] = stamp
            self.st["lastUpdatedAt"] = stamp
        return copy.deepcopy(self.state)

    # ---------------------------------------------------------------------- time

    def advance(self, now: datetime) -> None:
        """Let time pass: charging raises the battery level, climate runs out."""
        if self.sim_time is None or now <= self.sim_time:
            self.sim_time = now if self.sim_time is None else self.sim_time
            return
        seconds = (now - self.sim_time).total_seconds()
        self.sim_time = now
        self._advance_charging(seconds)
        self._advance_climate(seconds)

    def _advance_charging(self, seconds: float) -> None:
        ecs = self.ecs()
        if ecs is None or ecs.get("chargingStatus") != "CHARGING":
            return
        level = ecs.get("chargingLevelPercent")
        target = ecs.get("chargingTarget") or 100
        if not isinstance(level, int | float):
            return
        if self._soc is None or int(self._soc) != level:
            self._soc = float(level)
        per_percent = (ecs.get("range") or 0) / level if level else 0.0
        rate = self.charge_rate_percent_per_hour
        self._soc = min(float(target), self._soc + rate * seconds / 3600)
        ecs["chargingLevelPercent"] = int(self._soc)
        if per_percent:
            ecs["range"] = round(self._soc * per_percent)
            if "range" in self.st and self.profile.get("driveTrain") == fleet.ELECTRIC:
                self.st["range"] = ecs["range"]
        if self._soc >= target:
            ecs["chargingStatus"] = "COMPLETE"
            ecs["remainingChargingMinutes"] = 0
        else:
            ecs["remainingChargingMinutes"] = math.ceil((target - self._soc) / rate * 60)

    def _advance_climate(self, seconds: float) -> None:
        climate = self.st.get("climateControlState")
        if not isinstance(climate, dict) or climate.get("activity") not in CLIMATE_ON:
            return
        remaining = climate.get("remainingSeconds")
        if not isinstance(remaining, int | float):
            return
        remaining -= seconds
        if remaining <= 0:
            climate["activity"] = "STANDBY"
            climate.pop("remainingSeconds", None)
        else:
            climate["remainingSeconds"] = round(remaining, 3)

    # ------------------------------------------------------------------ effects

    def apply(self, service: str, params: dict[str, Any]) -> str:
        """Apply an executed command; return the final event status (``ERROR`` if impossible)."""
        st = self.st
        if service in ("door-lock", "door-unlock"):
            doors = st.get("doorsState")
            if isinstance(doors, dict):
                doors["combinedSecurityState"] = "LOCKED" if service == "door-lock" else "UNLOCKED"
        elif service == "climate-now":
            return self._apply_climate(params.get("action", "START"))
        elif service == "vehicle-finder":
            loc = self.location()
            self.finder_position = copy.deepcopy(loc) if loc else None
        elif service in ("start-charging", "stop-charging"):
            return self._apply_charging(service == "start-charging")
        elif service == "charging-settings":
            self._apply_settings(params.get("chargingTarget"), params.get("acLimitValue"))
        elif service == "charging-profile":
            self._apply_profile(params)
        return "EXECUTED"

    def _apply_climate(self, action: str) -> str:
        climate = self.st.setdefault("climateControlState", {"activity": "STANDBY"})
        if action == "STOP":
            climate["activity"] = "STANDBY"
            climate.pop("remainingSeconds", None)
        else:
            climate["activity"] = "COOLING"
            climate["remainingSeconds"] = float(self.climate_runtime_seconds)
        return "EXECUTED"

    def _apply_charging(self, start: bool) -> str:
        ecs = self.ecs()
        if ecs is None or not ecs.get("isChargerConnected"):
            return "ERROR"
        if start:
            if (ecs.get("chargingLevelPercent") or 0) >= (ecs.get("chargingTarget") or 100):
                ecs["chargingStatus"] = "COMPLETE"
                return "EXECUTED"
            ecs["chargingStatus"] = "CHARGING"
            ecs["chargingConnectionType"] = "CONDUCTIVE"
            self._advance_charging(0.0)
        else:
            ecs["chargingStatus"] = "PLUGGED_IN"
            ecs["remainingChargingMinutes"] = 0
        return "EXECUTED"

    def _apply_settings(self, target: int | None, ac_limit: int | None) -> None:
        ecs = self.ecs()
        profile = self.st.get("chargingProfile")
        settings = profile.setdefault("chargingSettings", {}) if isinstance(profile, dict) else {}
        detail = (self.charging or {}).get("chargingSettingsDetail")
        labels = (self.charging or {}).get("chargeAndClimateSettings", {}).get("chargingSettings")
        if target:
            if ecs is not None:
                ecs["chargingTarget"] = target
                if ecs.get("chargingStatus") == "CHARGING":
                    self._advance_charging(0.0)
            settings["targetSoc"] = target
            if isinstance(detail, dict):
                detail["chargingTarget"] = target
            if isinstance(labels, dict):
                labels["chargingTargetLabel"] = f"{target}%"
        if ac_limit:
            settings["acCurrentLimit"] = ac_limit
            if isinstance(detail, dict):
                detail.setdefault("acLimit", {})["current"] = {"unit": "A", "value": ac_limit}
            if isinstance(labels, dict):
                labels["acCurrentLimitLabel"] = f"{ac_limit}A"

    def _apply_profile(self, payload: dict[str, Any]) -> None:
        mode = payload["chargingMode"]
        timers = payload["departureTimer"]
        precondition = payload["isPreconditionForDepartureActive"]

        def slot(value: str) -> str:
            return value[:19]

        detail = {
            "chargingMode": {
                "chargingPreference": mode["chargingPreference"],
                "endTimeSlot": slot(mode["endTimeSlot"]),
                "startTimeSlot": slot(mode["startTimeSlot"]),
                "type": mode["type"],
            },
            "departureTimer": {
                "type": timers["type"],
                "weeklyTimers": [
                    {
                        "daysOfTheWeek": list(t["daysOfTheWeek"]),
                        "id": t["id"],
                        "time": slot(t["time"]),
                        "timerAction": t["timerAction"],
                    }
                    for t in timers["weeklyTimers"]
                ],
            },
            "isPreconditionForDepartureActive": precondition,
        }
        if self.charging is not None:
            self.charging["chargeAndClimateTimerDetail"] = detail
        profile = self.st.setdefault("chargingProfile", {})

        def hour_minute(value: str) -> dict[str, int]:
            return {"hour": int(value[11:13]), "minute": int(value[14:16])}

        profile["chargingPreference"] = mode["chargingPreference"]
        profile["chargingMode"] = CHARGING_MODE_FROM_TYPE[mode["type"]]
        profile["climatisationOn"] = precondition
        profile["chargingControlType"] = (
            "WEEKLY_PLANNER" if timers["type"] == "WEEKLY_DEPARTURE_TIMER" else "TWO_TIMES_TIMER"
        )
        profile["departureTimes"] = [
            {
                "action": t["timerAction"],
                "id": t["id"],
                "timeStamp": hour_minute(t["time"]),
                "timerWeekDays": list(t["daysOfTheWeek"]),
            }
            for t in timers["weeklyTimers"]
        ]
        profile["reductionOfChargeCurrent"] = {
            "end": hour_minute(mode["endTimeSlot"]),
            "start": hour_minute(mode["startTimeSlot"]),
        }
