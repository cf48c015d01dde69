"""The versions we claim: hacs.json, the README and the Home Assistant this lane runs agree."""

from __future__ import annotations

import json
from pathlib import Path

from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as ha_version

ROOT = Path(__file__).resolve().parents[1]
MINIMUM = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))["homeassistant"]


def test_this_lane_is_not_older_than_the_claim() -> None:
    """Each lane runs a release hacs.json admits; the oldest lane runs the claim itself."""
    assert AwesomeVersion(ha_version) >= AwesomeVersion(MINIMUM)


def test_readme_states_the_claim() -> None:
    assert f"Home Assistant {MINIMUM}" in (ROOT / "README.md").read_text(encoding="utf-8")
