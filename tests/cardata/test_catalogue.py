"""BMW's catalogue, the mapping and the descriptor entities agree; the table is current."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from custom_components.bmw_mybmw.cardata import descriptors as d
from custom_components.bmw_mybmw.cardata.catalogue import DESCRIPTORS
from custom_components.bmw_mybmw.cardata.telematics import CLOCK, ENUM, FLAG, KINDS

from .conftest import reference

ROOT = Path(__file__).resolve().parents[2]
COMPONENT = ROOT / "custom_components" / "bmw_mybmw"
C = "vehicle.drivetrain.electricEngine.charging"


def load_script() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader(
        "cardata_catalogue_script", str(ROOT / "scripts" / "cardata_catalogue")
    )
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def read(name: str) -> dict[str, Any]:
    return json.loads((COMPONENT / name).read_text(encoding="utf-8"))


def test_committed_files_match_the_catalogue() -> None:
    """Run scripts/cardata_catalogue after changing the catalogue, the rules or the mapping."""
    catalogue = reference("telematics-catalogue.json")
    script = load_script()
    for path, wanted in script.outputs(catalogue).items():
        assert path.read_text(encoding="utf-8") == wanted, path
    assert script.main(["--check"]) == 0


def test_every_streamable_descriptor_is_an_entity_or_merged_into_one() -> None:
    catalogue = reference("telematics-catalogue.json")
    streamable = {e["technical_identifier"] for e in catalogue if e["streaming_capable"]}
    sources = [name for row in DESCRIPTORS for name in row.sources]
    assert len(sources) == len(set(sources)), "a descriptor feeds two entities"
    assert set(sources) | set(d.MERGED_INTO) == streamable
    assert not set(sources) & set(d.MERGED_INTO), "a value would be shown twice"
    # Merged ones fill the vehicle models; mapped ones without a CarData entity get their own.
    assert set(d.MERGED_INTO) <= d.MAPPED
    assert d.MAPPED - set(d.MERGED_INTO) == {
        d.CLIMATE_ACTIVITY,
        d.CLIMATE_REMAINING,
        d.COMFORT_STATE,
        d.COMFORT_REMAINING,
    }
    assert len(d.MERGED_INTO) == 48
    assert all(reason.count(".") == 1 for reason in d.MERGED_INTO.values())


def test_catalogue_names_are_used() -> None:
    catalogue = {e["technical_identifier"]: e for e in reference("telematics-catalogue.json")}
    strings, german = read("strings.json"), read("translations/de.json")
    power = "vehicle.powertrain.electric.battery.charging.power"
    row = next(r for r in DESCRIPTORS if r.key == power)
    assert (
        strings["entity"]["sensor"][row.translation_key]["name"]
        == (catalogue[power]["cardata_element"])
    )
    assert (
        german["entity"]["sensor"][row.translation_key]["name"]
        == (catalogue[power]["cardata_element_de"])
    )


def test_rows_are_translated_and_consistent() -> None:
    """Works without the catalogue: the committed table against the committed translations."""
    en, de = read("translations/en.json"), read("translations/de.json")
    keys = [row.translation_key for row in DESCRIPTORS]
    assert len(keys) == len(set(keys))
    for row in DESCRIPTORS:
        assert row.kind in KINDS
        assert row.platform == ("binary_sensor" if row.kind == FLAG else "sensor")
        for language in (en, de):
            node = language["entity"][row.platform][row.translation_key]
            assert node["name"], row.key
            if row.kind == ENUM:
                assert set(node["state"]) == set(row.options), row.key
                assert all(text for text in node["state"].values())
        if row.kind == ENUM:
            assert row.device_class == "enum"
            assert row.options
        if row.kind == FLAG:
            assert row.options
            assert row.off
            assert not set(row.options) & set(row.off)
        if row.kind == CLOCK:
            assert len(row.parts) == 2
        if row.state_class == "total_increasing":
            assert row.key in {
                f"{C}.consumptionOverLifeTime.overall.gridEnergy",
                "vehicle.trip.segment.end.travelledDistance",
            }


def test_default_set() -> None:
    enabled = {row.key: row for row in DESCRIPTORS if row.enabled}
    tyres = {f"{stem}.temperature" for stem in d.TIRE_WHEELS.values()}
    assert set(enabled) == {
        "vehicle.powertrain.electric.battery.charging.power",
        f"{C}.acVoltage",
        f"{C}.acAmpere",
        f"{C}.smeEnergyDeltaFullyCharged",
        f"{C}.consumptionOverLifeTime.overall.gridEnergy",
        "vehicle.electricalSystem.battery.stateOfCharge",
        "vehicle.electricalSystem.battery.voltage",
        "vehicle.powertrain.electric.battery.preconditioning.state",
        f"{C}.reasonChargingEnd",
        *tyres,
    }
    units = {
        "vehicle.powertrain.electric.battery.charging.power": ("W", "power", "measurement"),
        f"{C}.acVoltage": ("V", "voltage", "measurement"),
        f"{C}.acAmpere": ("A", "current", "measurement"),
        f"{C}.smeEnergyDeltaFullyCharged": ("kWh", "energy_storage", "measurement"),
        f"{C}.consumptionOverLifeTime.overall.gridEnergy": ("kWh", "energy", "total_increasing"),
        "vehicle.electricalSystem.battery.stateOfCharge": ("%", "battery", "measurement"),
        "vehicle.electricalSystem.battery.voltage": ("V", "voltage", "measurement"),
        **dict.fromkeys(tyres, ("°C", "temperature", "measurement")),
    }
    for key, expected in units.items():
        row = enabled[key]
        assert (row.unit, row.device_class, row.state_class) == expected, key
    assert enabled[f"{C}.reasonChargingEnd"].kind == ENUM
    assert enabled["vehicle.powertrain.electric.battery.preconditioning.state"].kind == ENUM


def test_generator_rules() -> None:
    script = load_script()
    assert script.translation_key("vehicle.drivetrain.electricEngine.charging.acVoltage") == (
        "charging_ac_voltage"
    )
    entry = {
        "technical_identifier": "vehicle.body.flap.isLocked",
        "data_type": "boolean",
        "typical_value_range": ["FLAP_UNLOCKED", "FLAP_LOCKED", "INVALID"],
        "unit": "",
    }
    row = script._row(entry)
    # Home Assistant's lock class: on means unlocked.
    assert (row.options, row.off, row.device_class) == (
        ("FLAP_UNLOCKED", "FALSE"),
        ("FLAP_LOCKED", "TRUE"),
        "lock",
    )
    number = script._row(
        {
            "technical_identifier": "vehicle.x.distance",
            "data_type": "uint16",
            "typical_value_range": "0 km to 100000 km or 0 mi to 62137 mi",
            "unit": "",
        }
    )
    assert (number.unit, number.device_class, number.state_class) == (
        "km",
        "distance",
        "measurement",
    )
    assert script.label("idle") == ("Idle", "Bereit")
    assert script.label("renewable_energey") == ("Renewable energy", "Erneuerbare Energie")


def test_stale_translation_keys_are_removed() -> None:
    script = load_script()
    generated = script.Generated()
    row = DESCRIPTORS[0]
    generated.rows.append(row)
    generated.names[row.translation_key] = ("Name", "Name")
    tree = {"entity": {row.platform: {"kept": {"name": "x"}, "gone": {"name": "y"}}}}
    merged = script.merge_translations(tree, generated, {"gone"}, 0)
    assert list(merged["entity"][row.platform]) == ["kept", row.translation_key]


def test_script_check_reports_stale_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalogue = reference("telematics-catalogue.json")
    trimmed = [e for e in catalogue if e["technical_identifier"] != "vehicle.isMoving"]
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(trimmed), encoding="utf-8")
    assert load_script().main(["--catalogue", str(path), "--check"]) == 1
    assert "out of date" in capsys.readouterr().out
