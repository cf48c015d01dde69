"""Every icon the integration names exists in the frontend's icon set (else it renders blank).

The list is ``hass_frontend/static/mdi/iconList.json`` of the ``home-assistant-frontend``
package, which Home Assistant installs but the test environment does not have to;
``MDI_ICON_LIST`` may point at a copy of that file instead.
"""

from __future__ import annotations

from collections.abc import Iterator
import importlib.util
import json
import os
from pathlib import Path
import re
from typing import Any

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "custom_components" / "bmw_mybmw"
ICON = re.compile(r"mdi:[a-z0-9-]+")


def _icon_list() -> Path | None:
    configured = os.environ.get("MDI_ICON_LIST")
    if configured:
        return Path(configured)
    spec = importlib.util.find_spec("hass_frontend")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "static" / "mdi" / "iconList.json"
        if candidate.is_file():
            return candidate
    return None


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def named_icons() -> dict[str, set[str]]:
    """Icon -> files naming it: icons.json and any ``mdi:`` string in the Python code."""
    found: dict[str, set[str]] = {}
    icons_json = json.loads((PACKAGE / "icons.json").read_text(encoding="utf-8"))
    for text in _strings(icons_json):
        found.setdefault(text, set()).add("icons.json")
    for module in PACKAGE.rglob("*.py"):
        for icon in ICON.findall(module.read_text(encoding="utf-8")):
            found.setdefault(icon, set()).add(str(module.relative_to(PACKAGE)))
    return found


def test_icons_json_names_only_mdi_icons() -> None:
    """A typo such as "mdi car" would slip past the set comparison below."""
    icons = named_icons()
    assert icons
    assert all(ICON.fullmatch(icon) for icon in icons), sorted(icons)


def test_every_icon_exists_in_the_frontend() -> None:
    path = _icon_list()
    if path is None:
        pytest.skip("home-assistant-frontend is not installed (set MDI_ICON_LIST to its iconList)")
    known = {f"mdi:{item['name']}" for item in json.loads(path.read_text(encoding="utf-8"))}
    assert len(known) > 5000, "not the full icon list"
    missing = {icon: sorted(files) for icon, files in named_icons().items() if icon not in known}
    assert not missing


def test_generic_openings_have_a_car_icon() -> None:
    """Home Assistant shows a plain square for the "opening" class: hood and trunk get car icons."""
    from homeassistant.components.binary_sensor import BinarySensorDeviceClass

    from custom_components.bmw_mybmw.binary_sensor import BINARY_SENSOR_TYPES

    icons = json.loads((PACKAGE / "icons.json").read_text(encoding="utf-8"))["entity"]
    binary = icons["binary_sensor"]
    generic = {
        d.translation_key
        for d in BINARY_SENSOR_TYPES
        if d.device_class is BinarySensorDeviceClass.OPENING
    }
    assert {"hood", "trunk"} <= generic
    for key in generic:
        assert binary.get(key, {}).get("default", "").startswith("mdi:car"), key
