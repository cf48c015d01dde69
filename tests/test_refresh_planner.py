"""The refresh planner on its own: a fake clock, simulated days, no Home Assistant."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest

from custom_components.bmw_mybmw.budget import PAUSE_BLOCKED, next_reset, utc_day
from custom_components.bmw_mybmw.mybmw.models import GPSPosition, ValueWithUnit
from custom_components.bmw_mybmw.mybmw.vehicle.climate import ClimateActivityState
from custom_components.bmw_mybmw.mybmw.vehicle.fuel_and_battery import ChargingState
from custom_components.bmw_mybmw.refresh_planner import (
    ACTIVE_INTERVAL,
    BATCH_WINDOW,
    CHARGING_DETAILS_MAX_AGE,
    COMMAND_WINDOW,
    IDLE_INTERVAL,
    IDLE_MAX_INTERVAL,
    PLUGGED_CHARGING_DETAILS_MAX_AGE,
    RESET_MARGIN,
    RefreshPlanner,
    VehicleSnapshot,
    reserve_for,
)

MIDNIGHT = datetime(2025, 6, 1, tzinfo=UTC)


class FakeClock:
    """UTC time that only moves when the test says so."""

    def __init__(self, start: datetime = MIDNIGHT) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def planner_at(start: datetime = MIDNIGHT, budget: int = 100) -> tuple[RefreshPlanner, FakeClock]:
    clock = FakeClock(start)
    return RefreshPlanner(budget, clock=clock), clock


EV = VehicleSnapshot(mileage=1000, position=(48.1, 11.5), charging_details_supported=True)


# ------------------------------------------------------------------ a simulated day


def phase_at(hour: float) -> str:
    """Parked at night, a drive to work and back, charging in the evening."""
    if 7 <= hour < 8 or 17 <= hour < 18:
        return "driving"
    if 18 <= hour < 22:
        return "charging"
    if hour >= 22:
        return "plugged"
    return "parked"


@dataclass
class DayResult:
    refreshes: list[tuple[datetime, str]] = field(default_factory=list)
    max_used: int = 0
    used: int = 0
    intervals: dict[str, list[timedelta]] = field(default_factory=dict)
    charging_details: int = 0
    reads: dict[str, int] = field(default_factory=dict)


def simulate_day(
    vehicles: int, budget: int = 100, commands: int = 0, movers: int | None = None
) -> DayResult:
    """Poll exactly when the planner says, spending what a refresh really sends.

    Each wake-up reads the cars the planner says are due: their state, and their
    charging details when the planner wants them; token renewals (2 calls every
    8 h) and a few commands (5 calls each) are spent on top, as the client would.
    The first ``movers`` cars (default: all) follow the day's phases; the others
    stay parked.
    """
    planner, clock = planner_at(budget=budget)
    movers = vehicles if movers is None else movers
    vins = [f"VIN{i:014d}" for i in range(vehicles)]
    end = MIDNIGHT + timedelta(days=1)
    result = DayResult()
    mileage = 1000.0
    next_token_renewal = MIDNIGHT
    command_times = [MIDNIGHT + timedelta(hours=9 + 3 * i) for i in range(commands)]
    while clock.now < end:
        phase = phase_at((clock.now - MIDNIGHT).total_seconds() / 3600)
        if phase == "driving":
            mileage += 7
        if clock.now >= next_token_renewal:
            planner.record_request()
            planner.record_request()
            next_token_renewal += timedelta(hours=8)
        while command_times and clock.now >= command_times[0]:
            command_times.pop(0)
            planner.note_command(vins[0])
            for _ in range(5):
                planner.record_request()
        snapshots = {
            vin: VehicleSnapshot(
                mileage=mileage if index < movers else 500.0,
                position=(48.0 + mileage / 1e5, 11.0) if index < movers else (48.0, 11.0),
                charging=index < movers and phase == "charging",
                plugged_in=index < movers and phase in ("charging", "plugged"),
                charging_details_supported=True,
            )
            for index, vin in enumerate(vins)
        }
        read = planner.due() or vins
        for index, vin in enumerate(read):
            planner.record_request()  # state
            result.reads[vin] = result.reads.get(vin, 0) + 1
            pending = len(read) - index - 1
            if planner.wants_charging_details(vin, snapshots[vin], pending_states=pending):
                planner.record_request()
                result.charging_details += 1
        result.max_used = max(result.max_used, planner.used)
        planner.observe({vin: snapshots[vin] for vin in read})
        delay = planner.plan(snapshots, read=read)
        result.refreshes.append((clock.now, phase))
        result.intervals.setdefault(phase, []).append(delay)
        assert planner.next_refresh == clock.now + delay
        if clock.now + delay >= end:
            result.used = planner.used
        clock.advance(delay)
    return result


@pytest.mark.parametrize("vehicles", [1, 3, 10])
@pytest.mark.parametrize("commands", [0, 2])
def test_budget_never_exceeded_over_a_day(vehicles: int, commands: int) -> None:
    result = simulate_day(vehicles, commands=commands)
    assert result.max_used <= 100
    assert result.used <= 100
    # The budget is used, not hoarded: most of what polling may spend is spent.
    assert result.used >= 100 - reserve_for(100) - 2 * vehicles - 15
    # No car is read more often than the former fixed interval allowed.
    assert max(result.reads.values()) <= 24 * 60 / 5


@pytest.mark.parametrize("budget", [20, 37, 250])
def test_any_budget_holds_for_three_cars(budget: int) -> None:
    assert simulate_day(3, budget=budget).max_used <= budget


def test_driving_and_charging_poll_more_often_than_parked() -> None:
    result = simulate_day(1)
    per_hour: dict[str, float] = {}
    hours = {"parked": 15, "driving": 2, "charging": 4, "plugged": 2}
    for phase, count in hours.items():
        per_hour[phase] = sum(1 for _, p in result.refreshes if p == phase) / count
    assert per_hour["driving"] > 1.5 * per_hour["parked"]
    assert per_hour["charging"] > 1.5 * per_hour["parked"]
    # Parked intervals stay within the idle bounds while the budget allows.
    assert all(d >= IDLE_INTERVAL for d in result.intervals["parked"])


def test_ten_cars_spread_the_day() -> None:
    """With ten cars each is read a handful of times, spread over the day."""
    result = simulate_day(10)
    assert all(4 <= reads <= 10 for reads in result.reads.values())
    times = [t for t, _ in result.refreshes]
    assert max(times) >= MIDNIGHT + timedelta(hours=12)


def test_the_car_that_moves_gets_the_reads() -> None:
    """One of ten cars drives and charges: it is read far more often than the parked nine."""
    result = simulate_day(10, movers=1)
    assert result.max_used <= 100
    mover, *parked = result.reads.values()
    assert mover >= 2 * max(parked)
    assert min(parked) >= 2  # parked cars are still looked at


def test_charging_details_only_when_they_can_change() -> None:
    """Parked and unplugged: every 6 h; plugged in or charging: every 30 min."""
    planner, clock = planner_at()
    assert planner.wants_charging_details("A", EV)  # never loaded
    clock.advance(PLUGGED_CHARGING_DETAILS_MAX_AGE)
    assert not planner.wants_charging_details("A", EV)
    plugged = VehicleSnapshot(plugged_in=True, charging_details_supported=True)
    charging = VehicleSnapshot(charging=True, charging_details_supported=True)
    assert planner.wants_charging_details("A", plugged)
    clock.advance(ACTIVE_INTERVAL)
    assert not planner.wants_charging_details("A", charging)
    clock.advance(PLUGGED_CHARGING_DETAILS_MAX_AGE - ACTIVE_INTERVAL)
    assert planner.wants_charging_details("A", charging)
    clock.advance(CHARGING_DETAILS_MAX_AGE - timedelta(seconds=1))
    assert not planner.wants_charging_details("A", EV)
    clock.advance(timedelta(seconds=1))
    assert planner.wants_charging_details("A", EV)
    assert not planner.wants_charging_details("B", VehicleSnapshot())  # not supported


def test_charging_details_skipped_when_the_budget_is_tight() -> None:
    planner, clock = planner_at(budget=20)
    planner.wants_charging_details("A", EV)
    clock.advance(PLUGGED_CHARGING_DETAILS_MAX_AGE)
    charging = VehicleSnapshot(charging=True, charging_details_supported=True)
    for _ in range(20 - reserve_for(20) - 2):
        planner.record_request()
    # One call is left before the reserve; two more state calls are still to come.
    assert not planner.wants_charging_details("A", charging, pending_states=2)
    assert planner.wants_charging_details("A", charging, pending_states=0)


# ------------------------------------------------------------------ reset and pause


def test_count_resets_at_midnight_utc() -> None:
    planner, clock = planner_at(datetime(2025, 6, 1, 23, 59, tzinfo=UTC))
    for _ in range(7):
        planner.record_request()
    assert (planner.used, planner.remaining) == (7, 93)
    clock.advance(timedelta(seconds=59))
    assert planner.used == 7
    clock.advance(timedelta(seconds=1))
    assert (planner.used, planner.remaining) == (0, 100)


def test_next_reset_is_midnight_utc_in_any_zone() -> None:
    berlin = timezone(timedelta(hours=2))
    assert next_reset(datetime(2025, 6, 1, 1, 30, tzinfo=berlin)) == datetime(
        2025, 6, 1, tzinfo=UTC
    )
    assert next_reset(MIDNIGHT) == MIDNIGHT + timedelta(days=1)
    assert utc_day(datetime(2025, 6, 2, 1, 0, tzinfo=berlin)).isoformat() == "2025-06-01"


def test_spent_budget_waits_for_the_reset() -> None:
    planner, clock = planner_at(datetime(2025, 6, 1, 15, 0, tzinfo=UTC))
    for _ in range(100 - reserve_for(100)):
        planner.record_request()
    assert not planner.can_spend(1)
    assert planner.can_spend(reserve_for(100), use_reserve=True)
    delay = planner.plan({"A": EV}, read=["A"])
    assert delay == timedelta(hours=9) + RESET_MARGIN
    assert planner.next_refresh == MIDNIGHT + timedelta(days=1) + RESET_MARGIN
    clock.advance(delay)
    assert planner.due() == ["A"]
    assert planner.can_spend(1)
    assert planner.plan({"A": EV}, read=["A"]) < timedelta(hours=1)


def test_quota_pause_until_the_servers_reset() -> None:
    planner, clock = planner_at(datetime(2025, 6, 1, 21, 0, tzinfo=UTC))
    retry_at = MIDNIGHT + timedelta(days=1)
    planner.pause_until(retry_at)
    assert planner.is_paused
    assert planner.plan({"A": EV}, read=["A"]) == timedelta(hours=3)
    clock.advance(timedelta(hours=2, minutes=59))
    assert planner.is_paused
    assert planner.plan({"A": EV}) == timedelta(minutes=1)
    clock.advance(timedelta(minutes=1))
    assert not planner.is_paused
    assert planner.paused_until is None


def test_plan_is_at_least_one_second() -> None:
    planner, clock = planner_at()
    planner.pause_until(clock.now + timedelta(milliseconds=10))
    assert planner.plan({"A": EV}) == timedelta(seconds=1)


def test_idle_plan_never_passes_the_reset() -> None:
    """Shortly before midnight the next poll is right after the fresh budget arrives."""
    planner, _ = planner_at(datetime(2025, 6, 1, 23, 50, tzinfo=UTC))
    assert planner.plan({"A": EV}, read=["A"]) == timedelta(minutes=10) + RESET_MARGIN


def test_an_account_without_cars_looks_again_within_hours() -> None:
    planner, _ = planner_at(datetime(2025, 6, 1, 8, 0, tzinfo=UTC))
    assert planner.plan({}) == IDLE_MAX_INTERVAL
    assert planner.due() == []


def test_new_cars_are_due_at_once_and_leavers_are_forgotten() -> None:
    planner, clock = planner_at(datetime(2025, 6, 1, 8, 0, tzinfo=UTC))
    planner.plan({"A": EV}, read=["A"])
    assert planner.due() == []
    assert planner.plan({"A": EV, "B": EV}) == timedelta(seconds=1)
    assert planner.due() == ["B"]
    planner.plan({"A": EV, "B": EV}, read=["B"])
    clock.advance(BATCH_WINDOW)
    planner.plan({"B": EV})
    assert "A" not in planner.due()


def test_cars_due_close_together_are_read_together() -> None:
    planner, clock = planner_at(datetime(2025, 6, 1, 8, 0, tzinfo=UTC))
    planner.plan({"A": EV, "B": EV}, read=["A"])
    clock.advance(BATCH_WINDOW / 2)
    delay = planner.plan({"A": EV, "B": EV}, read=["B"])
    clock.advance(delay - timedelta(seconds=1))  # Home Assistant's timer may fire early
    assert planner.due() == ["A", "B"]


# ------------------------------------------------------------------ activity


def test_activity_signals() -> None:
    planner, clock = planner_at()
    parked = {"A": EV}
    assert not planner.observe(parked)  # first sight: nothing to compare
    assert not planner.observe(parked)
    moved = {"A": VehicleSnapshot(mileage=1010, position=EV.position)}
    assert planner.observe(moved)
    assert not planner.observe(moved)
    relocated = {"A": VehicleSnapshot(mileage=1010, position=(48.2, 11.5))}
    assert planner.observe(relocated)
    assert planner.observe({"A": VehicleSnapshot(mileage=1010, climate_running=True)})
    planner.observe(relocated)
    planner.note_command("A")
    assert planner.observe(relocated)
    assert not planner.observe({"B": EV})  # another car's command does not count
    clock.advance(COMMAND_WINDOW)
    assert not planner.observe(relocated)
    assert not planner.is_active("A")


def test_a_moving_car_is_read_sooner_than_parked_ones() -> None:
    planner, _ = planner_at(datetime(2025, 6, 1, 8, 0, tzinfo=UTC))
    fleet = dict.fromkeys("ABC", EV)
    planner.observe(fleet)
    idle = planner.plan(fleet, read=list(fleet))
    planner.note_command("A")
    active = planner.plan(fleet, read=["A"])
    assert ACTIVE_INTERVAL <= active < idle
    parked_again = planner.plan(fleet, read=["B"])  # B's turn moves out, A stays first
    assert parked_again == active


def test_a_plugged_car_costs_its_charging_details_too() -> None:
    """Same activity, but the plugged car's reads cost two calls: it is read less often."""
    planner, _ = planner_at(datetime(2025, 6, 1, 8, 0, tzinfo=UTC))
    plugged = VehicleSnapshot(plugged_in=True, charging_details_supported=True)
    combustion = VehicleSnapshot(plugged_in=True)
    assert planner.plan({"A": combustion}, read=["A"]) < planner.plan({"A": plugged}, read=["A"])
    assert planner.full_load_cost(4) > planner.full_load_cost(1) == planner.full_load_cost()


def _vehicle(**overrides: Any) -> Any:
    values: dict[str, Any] = {
        "charging_status": ChargingState.CHARGING,
        "is_charger_connected": True,
        "location": GPSPosition(48.1, 11.5),
        "activity": ClimateActivityState.HEATING,
        "plan": False,
        "settings": True,
    } | overrides
    return SimpleNamespace(
        mileage=ValueWithUnit(1234, "km"),
        fuel_and_battery=SimpleNamespace(
            charging_status=values["charging_status"],
            is_charger_connected=values["is_charger_connected"],
        ),
        vehicle_location=SimpleNamespace(location=values["location"]),
        climate=SimpleNamespace(activity=values["activity"]),
        is_charging_plan_supported=values["plan"],
        is_charging_settings_supported=values["settings"],
    )


def test_snapshot_of_a_vehicle() -> None:
    snapshot = VehicleSnapshot.of(_vehicle())
    assert snapshot == VehicleSnapshot(
        mileage=1234,
        position=(48.1, 11.5),
        charging=True,
        plugged_in=True,
        climate_running=True,
        charging_details_supported=True,
    )
    idle = VehicleSnapshot.of(
        _vehicle(
            charging_status=None,
            is_charger_connected=False,
            location=None,
            activity=ClimateActivityState.STANDBY,
            settings=False,
        )
    )
    assert idle == VehicleSnapshot(mileage=1234)
    assert not idle.is_active(idle)


# ------------------------------------------------------------------ persistence


def test_round_trip_keeps_the_count_and_the_pause() -> None:
    planner, clock = planner_at(datetime(2025, 6, 1, 12, 0, tzinfo=UTC))
    for _ in range(42):
        planner.record_request()
    planner.pause_until(MIDNIGHT + timedelta(days=1))
    planner.plan({"A": EV, "B": EV, "C": EV})
    stored = planner.as_dict()
    assert stored == {
        "day": "2025-06-01",
        "used": 42,
        "paused_until": "2025-06-02T00:00:00+00:00",
        "pause_reason": "quota",
        "vehicles": 3,
    }

    restarted = RefreshPlanner(100, clock=clock)
    restarted.restore(stored)
    assert restarted.used == 42
    assert restarted.is_paused
    assert restarted.vehicle_count == 3

    planner.pause_until(MIDNIGHT + timedelta(hours=18), PAUSE_BLOCKED)
    restarted.restore(planner.as_dict())
    assert (restarted.paused_until, restarted.pause_reason) == (
        MIDNIGHT + timedelta(hours=18),
        PAUSE_BLOCKED,
    )


def test_restore_ignores_yesterday_and_old_pauses() -> None:
    planner, _ = planner_at(datetime(2025, 6, 2, 0, 5, tzinfo=UTC))
    planner.restore({"day": "2025-06-01", "used": 99, "paused_until": "2025-06-02T00:00:00+00:00"})
    assert planner.used == 0
    assert not planner.is_paused


@pytest.mark.parametrize(
    "data",
    [None, {}, {"day": "yesterday"}, {"day": "2025-06-01", "used": "many"}],
)
def test_restore_ignores_damaged_data(data: dict[str, Any] | None) -> None:
    planner, _ = planner_at()
    planner.record_request()
    planner.restore(data)
    assert planner.used == 1
    assert planner.paused_until is None


def test_restore_never_lowers_the_count() -> None:
    planner, _ = planner_at()
    for _ in range(5):
        planner.record_request()
    planner.restore({"day": "2025-06-01", "used": 3})
    assert planner.used == 5
