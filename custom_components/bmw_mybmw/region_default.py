"""The MyBMW region a new login most likely belongs to, from Home Assistant's country."""

from __future__ import annotations

from .const import REGION_CHINA, REGION_NORTH_AMERICA, REGION_REST_OF_WORLD

# BMW's North American server serves the US, Canada and Mexico; China has its own.
_COUNTRY_REGIONS = {
    "US": REGION_NORTH_AMERICA,
    "CA": REGION_NORTH_AMERICA,
    "MX": REGION_NORTH_AMERICA,
    "CN": REGION_CHINA,
}


def region_for_country(country: str | None) -> str:
    """Preselect a region: a wrong one only reads "invalid authentication" later."""
    return _COUNTRY_REGIONS.get((country or "").upper(), REGION_REST_OF_WORLD)
