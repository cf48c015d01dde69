"""Plan polling against a daily request budget; no Home Assistant imports.

BMW never published its limits: about 120 calls a day
were reported, the count resets at 00:00 UTC, and rejected calls probably count
too. A fixed interval either wastes that budget while the car is parked or runs
out of it while the car is moving. The planner therefore counts every request
the client sends (logins included) per UTC day and spreads what is left over the
rest of the day: faster while data moves, slower while the cars are parked, and
never past the budget. Each car has its own next read, so on a larger account the
car that drives or charges is read often and the parked ones rarely.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
import datetime
import math
from typing import Any, Final

from .budget import DailyBudget, next_reset
from .mybmw.vehicle import MyBMWVehicle
from .mybmw.vehicle.climate import ClimateActivityState
from .mybmw.vehicle.fuel_and_battery import ChargingState

DEFAULT_DAILY_BUDGET: Final = 100
"""About 120 calls a day were reported; 100 keeps a margin for the unknowns
(whether rejected calls count, calls of other tools with the same build string)."""
MIN_DAILY_BUDGET: Final = 20
MAX_DAILY_BUDGET: Final = 2000

ACTIVE_INTERVAL: Final = datetime.timedelta(minutes=5)
"""Fastest polling, while data moves: the former core integration's interval."""
IDLE_INTERVAL: Final = datetime.timedelta(minutes=15)
"""Fastest polling while every car is parked and idle."""
IDLE_MAX_INTERVAL: Final = datetime.timedelta(hours=2)
"""Parked cars are still read at least every two hours while the budget allows it."""
ACTIVE_SPEEDUP: Final = 2.0
"""While data moves, spend at twice the even rate (borrowing from idle hours)."""
ACTIVE_WEIGHT: Final = 10.0
"""A car whose data moves gets ten times the share of a parked one: on a larger account
the car that charges is read every few minutes, not once in the hours a round of all
cars takes."""
BATCH_WINDOW: Final = datetime.timedelta(minutes=2)
"""Cars due this close together are read in one refresh (and Home Assistant's timer
may fire up to a second before the planned moment)."""
IDLE_SLOWDOWN: Final = 2.0
"""While parked early in the UTC day, spend at half the even rate, saving for the
hours the cars move."""
SAVING_FADE: Final = datetime.timedelta(hours=4)
"""In the last hours before the reset the saving fades out: what is still unspent
then buys fresher data instead of being lost at midnight UTC."""
COMMAND_WINDOW: Final = datetime.timedelta(minutes=15)
"""After a command the car's state keeps changing for a while (climate, charging)."""
CHARGING_DETAILS_MAX_AGE: Final = datetime.timedelta(hours=24)
"""Charging details add nothing the state lacks but the selectable AC limits, the service
pack and the timers in the charging-profile command's shape. Our own charging commands
read them again, and the charging-profile command reads them first when they are older
than 10 minutes; so a parked, unplugged car needs them once a day, not every 6 hours
(4 calls per car and day that a ten-car account cannot spare)."""
PLUGGED_CHARGING_DETAILS_MAX_AGE: Final = datetime.timedelta(hours=2)
"""While a car is plugged in or charging its settings are the ones in use, so they are
read when it is plugged in and every 2 hours after. Not more often: the window, target
and limit the entities show come with the state, and reading both on every poll would
double the cost of a charging car's fresh state."""
RESET_MARGIN: Final = datetime.timedelta(minutes=1)
"""Wait this long past the announced reset, in case the server's clock is behind."""
FULL_LOAD_BASE_COST: Final = 5
"""Fixed part of a full load: up to three vehicle lists and a two-call token refresh."""

_CLIMATE_RUNNING: Final = frozenset(
    {ClimateActivityState.COOLING, ClimateActivityState.HEATING, ClimateActivityState.VENTILATION}
)


def reserve_for(budget: int) -> int:
    """Requests polling leaves untouched: token renewals (2 calls every 8 h) and commands."""
    return max(5, budget // 10)


@dataclass(frozen=True, slots=True)
class VehicleSnapshot:
    """What the planner needs to know about one vehicle after a refresh."""

    mileage: float | None = None
    position: tuple[float | None, float | None] | None = None
    charging: bool = False
    plugged_in: bool = False
    climate_running: bool = False
    charging_details_supported: bool = False

    @classmethod
    def of(cls, vehicle: MyBMWVehicle) -> VehicleSnapshot:
        """Read the activity signals from a client vehicle."""
        battery = vehicle.fuel_and_battery
        location = vehicle.vehicle_location.location
        return cls(
            mileage=vehicle.mileage.value,
            position=None if location is None else (location.latitude, location.longitude),
            charging=battery.charging_status is ChargingState.CHARGING,
            plugged_in=bool(battery.is_charger_connected),
            climate_running=vehicle.climate.activity in _CLIMATE_RUNNING,
            charging_details_supported=vehicle.is_charging_plan_supported
            or vehicle.is_charging_settings_supported,
        )

    def moved_since(self, previous: VehicleSnapshot | None) -> bool:
        """Whether the car was driven between two refreshes (mileage or position changed)."""
        if previous is None:
            return False
        return self.mileage != previous.mileage or self.position != previous.position

    def is_active(self, previous: VehicleSnapshot | None) -> bool:
        """Whether this car's data is moving right now."""
        return self.charging or self.climate_running or self.moved_since(previous)


class RefreshPlanner(DailyBudget):
    """Plans each car's next read from what is left of one account's daily budget.

    ``clock`` returns the current UTC time; tests pass a fake one.
    """

    def __init__(
        self,
        budget: int = DEFAULT_DAILY_BUDGET,
        *,
        clock: Callable[[], datetime.datetime],
        active_interval: datetime.timedelta = ACTIVE_INTERVAL,
    ) -> None:
        """Start with nothing counted; ``restore`` brings back a stored count."""
        super().__init__(budget, clock=clock)
        self.active_interval = active_interval
        self.next_refresh: datetime.datetime | None = None
        self.vehicle_count = 1
        """Vehicles seen at the last refresh; sizes a full load before the list is read."""
        self._snapshots: dict[str, VehicleSnapshot] = {}
        self._moving: dict[str, bool] = {}
        """Whether each car's data moved between its last two reads."""
        self._commanded: dict[str, datetime.datetime] = {}
        self._due: dict[str, datetime.datetime] = {}
        """When each car is to be read next (a new car: at once)."""
        self._charging_details_at: dict[str, datetime.datetime] = {}

    @property
    def reserve(self) -> int:
        """The part of the budget polling never spends."""
        return reserve_for(self.limit)

    def full_load_cost(self, vehicles: int | None = None) -> int:
        """Worst case of a load that reads the lists and all profiles again."""
        count = self.vehicle_count if vehicles is None else vehicles
        return FULL_LOAD_BASE_COST + 3 * max(1, count)

    # --- activity -----------------------------------------------------------------------

    def note_command(self, vin: str) -> None:
        """A command was sent to this car: its state moves for a while."""
        self._commanded[vin] = self.now()

    def observe(self, vehicles: Mapping[str, VehicleSnapshot]) -> bool:
        """Take the vehicles just read; return whether any of their data is moving."""
        for vin, snapshot in vehicles.items():
            self._moving[vin] = snapshot.is_active(self._snapshots.get(vin))
            self._snapshots[vin] = snapshot
        return any(self.is_active(vin) for vin in vehicles)

    def is_active(self, vin: str) -> bool:
        """Whether this car's data moved at its last read or it had a command just now."""
        commanded = self._commanded.get(vin)
        recent = commanded is not None and self.now() - commanded < COMMAND_WINDOW
        return recent or self._moving.get(vin, False)

    def wants_charging_details(
        self, vin: str, snapshot: VehicleSnapshot, *, pending_states: int = 0
    ) -> bool:
        """Whether this refresh should read the car's charging details (crccs).

        Only when they can have changed: never loaded, older than
        ``PLUGGED_CHARGING_DETAILS_MAX_AGE`` while plugged in or charging, or
        older than ``CHARGING_DETAILS_MAX_AGE``; and only when the budget still
        covers it plus the ``pending_states`` state calls still to come.
        (After our own charging commands the client reads them regardless.)
        """
        if not snapshot.charging_details_supported:
            return False
        now = self.now()
        last = self._charging_details_at.get(vin)
        plugged = snapshot.plugged_in or snapshot.charging
        max_age = PLUGGED_CHARGING_DETAILS_MAX_AGE if plugged else CHARGING_DETAILS_MAX_AGE
        due = last is None or now - last >= max_age
        if not due or not self.can_spend(1 + pending_states, use_reserve=last is None):
            return False
        self._charging_details_at[vin] = now
        return True

    # --- planning -----------------------------------------------------------------------

    def due(self) -> list[str]:
        """The cars to read now: due, or due within ``BATCH_WINDOW``."""
        horizon = self.now() + BATCH_WINDOW
        return [vin for vin, moment in self._due.items() if moment <= horizon]

    def plan(
        self, vehicles: Mapping[str, VehicleSnapshot], *, read: Iterable[str] = ()
    ) -> datetime.timedelta:
        """Set the next read of the cars just ``read``; return the wait until the first is due.

        ``vehicles`` are all cars of the account. What is left of the budget,
        less the reserve, is shared out over the time until the reset, each car
        by its cost (state, plus charging details while plugged in) and its
        weight (``ACTIVE_WEIGHT`` while its data moves). Any movement speeds the
        whole account up (``ACTIVE_SPEEDUP``); an idle account slows down early
        in the day. When the budget cannot cover another read, everything waits
        for the reset.
        """
        now = self._roll()
        self.vehicle_count = max(1, len(vehicles))
        self._due = {vin: self._due.get(vin, now) for vin in vehicles}  # drops cars that left
        if self.is_paused:
            assert self.paused_until is not None
            return self._schedule(now, self.paused_until)
        reset = next_reset(now)
        if not vehicles:  # an account without cars: look for new ones now and then
            return self._schedule(now, min(now + IDLE_MAX_INTERVAL, reset + RESET_MARGIN))
        costs = {vin: _cost(snapshot) for vin, snapshot in vehicles.items()}
        spendable = self.limit - self.reserve - self._used
        if spendable < min(costs.values()):
            return self._schedule(now, reset + RESET_MARGIN)
        intervals = self._intervals(now, reset, costs, spendable)
        for vin in read:
            if vin in intervals:
                self._due[vin] = now + min(intervals[vin], reset - now + RESET_MARGIN)
        return self._schedule(now, min(self._due.values()))

    def _intervals(
        self,
        now: datetime.datetime,
        reset: datetime.datetime,
        costs: Mapping[str, int],
        spendable: int,
    ) -> dict[str, datetime.timedelta]:
        """Each car's time between reads under the budget's current rate."""
        left = reset - now
        rate = spendable / left.total_seconds()  # requests per second, spent evenly
        round_trip = datetime.timedelta(seconds=sum(costs.values()) / rate)
        weights = {vin: ACTIVE_WEIGHT if self.is_active(vin) else 1.0 for vin in costs}
        if any(weight > 1 for weight in weights.values()):
            rate *= ACTIVE_SPEEDUP
        else:
            saving = min(1.0, left / SAVING_FADE)
            rate /= 1 + (IDLE_SLOWDOWN - 1) * saving
        shares = sum(weights[vin] * cost for vin, cost in costs.items())
        intervals = {}
        for vin, weight in weights.items():
            interval = datetime.timedelta(seconds=shares / (weight * rate))
            if weight > 1:
                intervals[vin] = max(self.active_interval, interval)
            else:
                # Parked cars: not faster than IDLE_INTERVAL, and not slower than
                # IDLE_MAX_INTERVAL unless the budget cannot afford that; then at
                # the pace of spending it evenly, however many others move.
                interval = max(IDLE_INTERVAL, interval)
                intervals[vin] = min(interval, max(IDLE_MAX_INTERVAL, round_trip))
        return intervals

    def _schedule(self, now: datetime.datetime, moment: datetime.datetime) -> datetime.timedelta:
        # Whole seconds, at least one: the schedule and the "next refresh" sensor agree.
        delay = datetime.timedelta(seconds=max(1, math.ceil((moment - now).total_seconds())))
        self.next_refresh = now + delay
        return delay

    # --- persistence --------------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        """The count and pause, and how many cars a full load has to cover."""
        return {**super().as_dict(), "vehicles": self.vehicle_count}

    def restore(self, data: Mapping[str, Any] | None) -> None:
        """Bring back a stored count, a running pause and the number of cars."""
        super().restore(data)
        vehicles = data.get("vehicles") if isinstance(data, Mapping) else None
        if isinstance(vehicles, int) and not isinstance(vehicles, bool):
            self.vehicle_count = max(1, vehicles)


def _cost(snapshot: VehicleSnapshot) -> int:
    """Requests one read of this car is expected to send (charging details while plugged in)."""
    return 1 + (snapshot.charging_details_supported and (snapshot.plugged_in or snapshot.charging))
