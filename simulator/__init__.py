"""The local MyBMW cloud: one server behaviour, served to tests (respx) and over HTTP (aiohttp)."""

from .cloud import (
    DEMO_CN_PASSWORD,
    DEMO_CN_USERNAME,
    DEMO_GCID,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    Account,
    Clock,
    CloudResponse,
    MyBMWCloud,
    SimulatedTimeout,
    cloud_from_fingerprint,
    load_fingerprint,
)
from .faults import FaultRule, Faults
from .fleet import VehicleSpec, build_fleet, default_fleet, make_vin

__all__ = [
    "DEMO_CN_PASSWORD",
    "DEMO_CN_USERNAME",
    "DEMO_GCID",
    "DEMO_PASSWORD",
    "DEMO_USERNAME",
    "Account",
    "Clock",
    "CloudResponse",
    "FaultRule",
    "Faults",
    "MyBMWCloud",
    "SimulatedTimeout",
    "VehicleSpec",
    "build_fleet",
    "cloud_from_fingerprint",
    "default_fleet",
    "load_fingerprint",
    "make_vin",
]
