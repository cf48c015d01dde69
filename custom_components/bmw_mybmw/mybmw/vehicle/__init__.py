"""Pure parsers from MyBMW API answers to typed vehicle models, one module per area.

They read the merged record ``{vin, attributes, capabilities, state,
charging_settings, fetched_at, region}`` only, never HTTP, so another backend
can fill the same models.
"""

from .vehicle import MyBMWVehicle

__all__ = ["MyBMWVehicle"]
