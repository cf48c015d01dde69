"""The CarData simulator's charging session: a plausible curve that ends at the target."""

from __future__ import annotations

import itertools
import random
from typing import Any

from custom_components.bmw_mybmw.cardata.stream import parse_message
from simulator import cardata_server, fleet
from simulator.cardata import (
    CURRENT,
    END_REASON,
    ENERGY_TO_FULL,
    GRID_ENERGY,
    HV_STATUS,
    PHASES,
    PLUG,
    POWER,
    SOC,
    TIME_TO_FULL,
    VOLTAGE,
    CarDataCloud,
    charge_step,
    descriptors_for,
)

Readings = dict[str, tuple[Any, str | None]]


def plugged_mini() -> Readings:
    return descriptors_for(fleet.electric_mini(4))


def test_charging_curve_until_the_target() -> None:
    readings = plugged_mini()
    rng = random.Random(1)
    samples: list[dict[str, Any]] = []
    for _ in range(400):
        changed = charge_step(readings, 60, rng)
        samples.append({name: readings[name][0] for name in readings} | {"_": changed})
        if not changed:
            break
    charging = [s for s in samples if s[HV_STATUS] == "CHARGING"]
    assert len(charging) > 100
    for before, after in itertools.pairwise(charging):
        assert after[SOC] > before[SOC]
        assert after[ENERGY_TO_FULL] < before[ENERGY_TO_FULL]
        assert after[GRID_ENERGY] > before[GRID_ENERGY]
    for sample in charging:
        assert 227 <= sample[VOLTAGE] <= 233
        assert sample[PHASES] == "3-PHASES"
        assert abs(sample[POWER] - 3 * sample[VOLTAGE] * sample[CURRENT]) <= 1
    # The curve: full current below 80 %, tapering above.
    low = [s[CURRENT] for s in charging if s[SOC] < 75]
    high = [s[CURRENT] for s in charging if s[SOC] > 95]
    assert min(low) == max(low) == 16
    assert max(high) < 8
    assert charging[0][TIME_TO_FULL] > charging[-1][TIME_TO_FULL]
    # The session ends at the target (100 %) and stays ended.
    final = samples[-2]
    assert final[HV_STATUS] == "FINISHED_FULLY_CHARGED"
    assert final[POWER] == 0
    assert final[END_REASON] == "HV_BATTERY_FULLY_CHARGED"
    assert final[SOC] == 100
    assert samples[-1]["_"] == []
    # The grid gave more than the battery took (charger losses).
    grid_gain = final[GRID_ENERGY] - plugged_mini()[GRID_ENERGY][0]
    assert grid_gain > 32.6 * 0.45


def test_an_unplugged_car_does_not_charge() -> None:
    readings = descriptors_for(fleet.electric_bmw(1))
    assert readings[PLUG][0] == "DISCONNECTED"
    before = dict(readings)
    assert charge_step(readings, 600, random.Random(0)) == []
    assert readings == before


def test_a_target_below_100_ends_not_full() -> None:
    readings = plugged_mini()
    readings["vehicle.powertrain.electric.battery.stateOfCharge.target"] = (56, "%")
    rng = random.Random(0)
    while charge_step(readings, 300, rng):
        pass
    assert readings[HV_STATUS][0] == "FINISHED_NOT_FULL"
    assert readings[END_REASON][0] == "CUSTOMER_INTERACTION_HMI_CHARGING_TARGET_REACHED"


class Recorder:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def publish(self, topic: str, payload: bytes, qos: int = 0) -> None:
        self.sent.append(payload)


def test_publisher_streams_the_charging_session() -> None:
    cloud = CarDataCloud()
    recorder = Recorder()
    publisher = cardata_server.StreamPublisher(cloud, recorder, step_seconds=120)
    publisher.step()
    mini = next(vin for vin, spec in cloud.specs.items() if spec.brand == "mini")
    powers = []
    for _ in range(3):
        recorder.sent.clear()
        cloud.advance(30)
        publisher.step()
        messages = [parse_message(p) for p in recorder.sent]
        message = next(m for m in messages if m.vin == mini)
        powers.append(message.values[POWER].value)
        assert {SOC, VOLTAGE, CURRENT, ENERGY_TO_FULL, GRID_ENERGY} <= set(message.values)
        assert "vehicle.vehicle.travelledDistance" not in message.values  # it stands still
    assert all(power > 10_000 for power in powers)
    assert len(set(powers)) > 1  # the voltage wanders
