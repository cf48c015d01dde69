"""Translations: en.json generated from strings.json, German complete, every key used exists."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
from pathlib import Path
import re
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPONENT = ROOT / "custom_components" / "bmw_mybmw"


def load_script() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader(
        "translations_script", str(ROOT / "scripts" / "translations")
    )
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def read(name: str) -> dict[str, Any]:
    return json.loads((COMPONENT / name).read_text(encoding="utf-8"))


def leaf_paths(node: Any, prefix: str = "") -> set[str]:
    if isinstance(node, dict):
        return {p for key, value in node.items() for p in leaf_paths(value, f"{prefix}/{key}")}
    return {prefix}


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def test_en_json_is_up_to_date() -> None:
    """Run scripts/translations after editing strings.json."""
    script = load_script()
    assert (COMPONENT / "translations" / "en.json").read_text(encoding="utf-8") == script.render(
        COMPONENT
    )
    assert script.main(["--check"]) == 0


def test_no_reference_to_home_assistant_strings() -> None:
    """Our texts are our own: Home Assistant's common strings change between releases."""
    assert "[%key:common::" not in (COMPONENT / "strings.json").read_text(encoding="utf-8")


def test_references_resolve() -> None:
    script = load_script()
    resolved = script.resolve(
        {
            "a": "[%key:common::config_flow::data::password%]",
            "b": "[%key:component::bmw_mybmw::a%]",
        },
        {"common": {"config_flow": {"data": {"password": "Password"}}}},
    )
    assert resolved == {"a": "Password", "b": "Password"}
    with pytest.raises(KeyError):
        script.resolve({"a": "[%key:common::nope%]"}, {"common": {}})
    with pytest.raises(KeyError):
        script.resolve({"a": "[%key:component::other::x%]"}, {})


def test_german_is_complete() -> None:
    """Every English string has a German one with the same placeholders."""
    en, de = read("translations/en.json"), read("translations/de.json")
    assert leaf_paths(de) == leaf_paths(en)

    def walk(en_node: Any, de_node: Any, path: str) -> None:
        if isinstance(en_node, dict):
            for key in en_node:
                walk(en_node[key], de_node[key], f"{path}/{key}")
        else:
            assert placeholders(de_node) == placeholders(en_node), path
            assert "[%key:" not in de_node, path

    walk(en, de, "")


def test_every_used_key_is_translated() -> None:
    """Translation keys raised in code, flow errors and service fields all exist in strings.json."""
    strings = read("strings.json")
    raising = (
        "__init__.py",
        "coordinator.py",
        "cardata_coordinator.py",
        "services.py",
        "config_flow.py",
        "flow_mybmw.py",
        "flow_cardata.py",
        "messages.py",
    )
    code = "\n".join((COMPONENT / name).read_text(encoding="utf-8") for name in raising)
    used = [
        *re.findall(r'translated\(err, "(\w+)"\)', code),
        *re.findall(r'translation_key="(\w+)"', code),
        *re.findall(r'"translation_key": "(\w+)"', code),
        *re.findall(r'_translation\(\s*"(\w+)"', code),
        *re.findall(r'generic_key = "(\w+)"', code),
    ]
    assert {"auth_failed", "quota_exceeded", "blocked", "read_only"} <= set(used)
    for key in used:
        assert key in strings["exceptions"] or key in strings["selector"], key
    for key in re.findall(r'\(MyBMW\w+Error, "(\w+)"\)', code):
        assert key in strings["config"]["error"]

    services = yaml.safe_load((COMPONENT / "services.yaml").read_text(encoding="utf-8"))
    assert set(services) == set(strings["services"])
    for name, service in services.items():
        assert set(service.get("fields", {})) == set(strings["services"][name].get("fields", {}))
