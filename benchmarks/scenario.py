"""A day in the life of a simulated fleet: parked, driving, charging.

Edits the simulated cloud's stored vehicle documents as the (simulated) clock
moves; the cloud itself raises the battery level while a vehicle charges.
Each vehicle follows the same plan shifted by a few minutes, so the fleet is
not in lockstep.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

PLAN = (  # (start, end) in hours after midnight UTC, and what the car does
    (7.0, 7.75, "driving"),
    (17.0, 17.75, "driving"),
    (18.0, 22.0, "charging"),
)


def phase(index: int, day_start: datetime, moment: datetime, can_charge: bool) -> str:
    """What vehicle ``index`` does at ``moment``."""
    hours = (moment - day_start).total_seconds() / 3600 - (index * 13 % 60) / 60
    for start, end, what in PLAN:
        if start <= hours < end and (what != "charging" or can_charge):
            return what
    return "parked"


class DayScenario:
    """Apply the plan to a ``MyBMWCloud``'s vehicles."""

    def __init__(self, cloud: Any, day_start: datetime, movers: int | None = None) -> None:
        """``movers``: only the first so many vehicles follow the plan; the rest stay parked."""
        self.cloud = cloud
        self.day_start = day_start
        self.vins = list(cloud.vehicles)
        self.movers = len(self.vins) if movers is None else movers
        self.last: dict[str, datetime] = {}
        self.phases: dict[str, str] = {}

    def can_charge(self, vin: str) -> bool:
        vehicle = self.cloud.vehicles[vin]
        return vehicle.ecs() is not None and "START" in vehicle.charging_controls()

    def phase_of(self, vin: str, moment: datetime) -> str:
        index = self.vins.index(vin)
        if index >= self.movers:
            return "parked"
        return phase(index, self.day_start, moment, self.can_charge(vin))

    def apply(self, moment: datetime) -> None:
        """Bring every vehicle's documents to ``moment``."""
        for vin in self.vins:
            vehicle = self.cloud.vehicles[vin]
            now = self.phase_of(vin, moment)
            before = self.phases.get(vin, "parked")
            minutes = (moment - self.last.get(vin, moment)).total_seconds() / 60
            self.last[vin] = moment
            st = vehicle.st
            ecs = vehicle.ecs()
            if now == "driving":
                if isinstance(st.get("currentMileage"), int):
                    st["currentMileage"] += round(minutes)  # about 60 km/h
                location = st.get("location")
                if isinstance(location, dict) and isinstance(location.get("coordinates"), dict):
                    location["coordinates"]["latitude"] = round(
                        location["coordinates"]["latitude"] + 0.01 * minutes, 6
                    )
                    location["heading"] = (location.get("heading", 0) + 7) % 360
                if ecs is not None and isinstance(ecs.get("chargingLevelPercent"), int):
                    ecs["chargingLevelPercent"] = max(
                        5, ecs["chargingLevelPercent"] - round(minutes / 4)
                    )
                doors = st.get("doorsState")
                if isinstance(doors, dict):
                    doors["combinedSecurityState"] = "LOCKED"
            if ecs is not None and now != before:
                if now == "charging":
                    ecs.update(
                        isChargerConnected=True,
                        chargingStatus="CHARGING",
                        chargingConnectionType="CONDUCTIVE",
                    )
                    if (ecs.get("chargingLevelPercent") or 0) >= (ecs.get("chargingTarget") or 100):
                        ecs["chargingLevelPercent"] = 30  # came home with a low battery
                elif before == "charging":
                    ecs.update(isChargerConnected=False, chargingStatus="INVALID")
            self.phases[vin] = now


def day_start_of(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


STEP = timedelta(seconds=60)
