"""One vehicle: the merged API record, its parsed sub-models and capabilities."""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING, Any

from ..const import VEHICLE_IMAGE_PATH, CarBrands
from ..models import StrEnum, ValueWithUnit
from ..utils import parse_datetime
from .charging_profile import ChargingProfile
from .climate import Climate
from .const import (
    COMBUSTION_ENGINE_DRIVE_TRAINS,
    HV_BATTERY_DRIVE_TRAINS,
    UNIT_KM,
    DriveTrainType,
    as_dict,
    as_list,
    drive_train_of,
    get_bool,
    get_dict,
    get_number,
    get_str,
    none,
    parse_enum,
    parse_part,
)
from .doors_windows import DoorsAndWindows
from .fuel_and_battery import FuelAndBattery
from .location import VehicleLocation
from .reports import CheckControlMessageReport, ConditionBasedServiceReport, Headunit
from .tires import Tires

if TYPE_CHECKING:
    from ..account import MyBMWAccount
    from .remote_services import RemoteServices

__all__ = ["DriveTrainType", "LscType", "MyBMWVehicle", "VehicleViewDirection"]

_LOGGER = logging.getLogger(__name__)


class LscType(StrEnum):
    """Last-state-call support (``capabilities.lastStateCallState``)."""

    ACTIVATED = "ACTIVATED"
    NOT_CAPABLE = "NOT_CAPABLE"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    UNKNOWN = "UNKNOWN"


class VehicleViewDirection(StrEnum):
    """Views of the rendered vehicle image (``carView``)."""

    FRONTSIDE = "VehicleStatus"
    FRONT = "FrontView"
    SIDE = "SideViewLeft"
    DASHBOARD = "Dashboard"
    DRIVERDOOR = "Driverdoor"
    ANGLE_SIDE_VIEW_FORTY = "AngleSideViewForty"
    ANGLE_SIDE_VIEW_SIXTY = "AngleSideViewSixty"
    FRONT_LEFT = "FrontLeft"
    FRONT_RIGHT = "FrontRight"
    REAR_LEFT = "RearLeft"
    REAR_RIGHT = "RearRight"
    REAR = "RearView"
    UNKNOWN = "UNKNOWN"


# Attribute names the reference library lists (names of its former flat vehicle
# API, kept for code that checks them; not all are attributes of this class).
_COMMON_DRIVE_TRAIN_ATTRIBUTES = ("remaining_range_total", "mileage")
_ELECTRIC_ATTRIBUTES = (
    "charging_time_remaining",
    "charging_start_time",
    "charging_end_time",
    "charging_time_label",
    "charging_status",
    "connection_status",
    "remaining_battery_percent",
    "remaining_range_electric",
    "last_charging_end_result",
    "ac_current_limit",
    "charging_target",
    "charging_mode",
    "charging_preferences",
    "is_pre_entry_climatization_enabled",
)
_COMBUSTION_ATTRIBUTES = ("remaining_fuel", "remaining_range_fuel", "remaining_fuel_percent")
_ALWAYS_AVAILABLE = ("gps_position", "vin")
_LSC_ATTRIBUTES = (
    "condition_based_services",
    "check_control_messages",
    "door_lock_state",
    "timestamp",
    "lids",
    "windows",
)


class MyBMWVehicle:
    """State, sub-models and remote services of one vehicle.

    Every sub-model is parsed on its own from :attr:`data`, so a malformed
    block of the server's answer degrades only that sub-model's fields.
    """

    def __init__(
        self,
        account: MyBMWAccount,
        vehicle_base: dict[str, Any],
        vehicle_state: dict[str, Any] | None = None,
        charging_settings: dict[str, Any] | None = None,
        fetched_at: datetime.datetime | None = None,
    ) -> None:
        """Create the vehicle from the profile, state and charging-details answers.

        Only ``account.region``, ``account.config`` and (optionally)
        ``account.timezone`` are used, so tests may pass a small stand-in.
        """
        self.account = account
        self._remote_services: RemoteServices | None = None
        self._build(vehicle_base, vehicle_state, charging_settings, fetched_at, None)

    def update_state(
        self,
        vehicle_base: dict[str, Any],
        vehicle_state: dict[str, Any] | None = None,
        charging_settings: dict[str, Any] | None = None,
        fetched_at: datetime.datetime | None = None,
    ) -> None:
        """Replace the record with new API answers and rebuild every sub-model."""
        finder = self.vehicle_location.remote_service_position
        self._build(vehicle_base, vehicle_state, charging_settings, fetched_at, finder)

    def _build(
        self,
        vehicle_base: dict[str, Any],
        vehicle_state: dict[str, Any] | None,
        charging_settings: dict[str, Any] | None,
        fetched_at: datetime.datetime | None,
        previous_finder: dict[str, Any] | None,
    ) -> None:
        """Merge the answers and parse each sub-model on its own (see :meth:`update_state`)."""
        self.data = data = self.combine_data(
            self.account, vehicle_base, vehicle_state, charging_settings, fetched_at
        )
        self.fuel_and_battery = parse_part(
            FuelAndBattery.from_vehicle_data, data, FuelAndBattery, "fuel and battery"
        )
        self.doors_and_windows = parse_part(
            DoorsAndWindows.from_vehicle_data, data, DoorsAndWindows, "doors and windows"
        )
        self.vehicle_location = parse_part(
            VehicleLocation.from_vehicle_data,
            data,
            lambda: VehicleLocation(account_region=data.get("region")),
            "location",
        )
        if previous_finder:
            # A finder result outlives a state refresh while it is still newer.
            self.vehicle_location.set_remote_service_position(previous_finder)
        self.condition_based_services = parse_part(
            ConditionBasedServiceReport.from_vehicle_data,
            data,
            ConditionBasedServiceReport,
            "condition based services",
        )
        self.check_control_messages = parse_part(
            CheckControlMessageReport.from_vehicle_data,
            data,
            CheckControlMessageReport,
            "check-control messages",
        )
        self.headunit = parse_part(Headunit.from_vehicle_data, data, Headunit, "head unit")
        self.tires: Tires | None = parse_part(Tires.from_vehicle_data, data, none, "tires")
        self.climate = parse_part(Climate.from_vehicle_data, data, Climate, "climate")
        self.charging_profile: ChargingProfile | None = parse_part(
            ChargingProfile.from_vehicle_data, data, none, "charging profile"
        )

    @staticmethod
    def combine_data(
        account: MyBMWAccount,
        vehicle_base: dict[str, Any],
        vehicle_state: dict[str, Any] | None,
        charging_settings: dict[str, Any] | None,
        fetched_at: datetime.datetime | None = None,
    ) -> dict[str, Any]:
        """Merge the API answers into the record all parsers read.

        ``{vin, attributes, capabilities, state, charging_settings, fetched_at,
        region}`` (plus ``timezone`` when the account has one): a second
        backend only has to produce this record.
        """
        attributes = dict(as_dict(vehicle_base))  # a shallow copy without the VIN
        vin = attributes.pop("vin", None)
        answer = as_dict(vehicle_state)
        record: dict[str, Any] = {
            "vin": vin if isinstance(vin, str) else "",
            "attributes": attributes,
            "capabilities": get_dict(answer, "capabilities"),
            "state": get_dict(answer, "state"),
            "charging_settings": charging_settings if isinstance(charging_settings, dict) else None,
            "fetched_at": parse_datetime(fetched_at) or datetime.datetime.now(datetime.UTC),
            "region": getattr(account, "region", None),
        }
        zone = getattr(account, "timezone", None)
        if isinstance(zone, datetime.tzinfo):
            record["timezone"] = zone
        return record

    # --- identity -------------------------------------------------------

    @property
    def attributes(self) -> dict[str, Any]:
        """The profile as the server sent it (without the VIN)."""
        return as_dict(self.data.get("attributes"))

    @property
    def _capabilities(self) -> dict[str, Any]:
        return as_dict(self.data.get("capabilities"))

    @property
    def _state(self) -> dict[str, Any]:
        return as_dict(self.data.get("state"))

    @property
    def vin(self) -> str:
        """Vehicle identification number."""
        vin = self.data.get("vin")
        return vin if isinstance(vin, str) else ""

    @property
    def name(self) -> str:
        """Model name from the profile (e.g. ``i4 eDrive40``)."""
        return get_str(self.attributes, "model") or ""

    @property
    def brand(self) -> CarBrands:
        """Brand: text before the first ``_`` of the profile brand (``BMW_I`` -> bmw)."""
        raw = get_str(self.attributes, "brand")
        if not raw:
            return CarBrands.UNKNOWN
        return parse_enum(CarBrands, raw.split("_", 1)[0].lower()) or CarBrands.UNKNOWN

    @property
    def drive_train(self) -> DriveTrainType:
        """Drive train from the profile."""
        return drive_train_of(self.data)

    @property
    def has_electric_drivetrain(self) -> bool:
        """The vehicle has a high-voltage traction battery."""
        return self.drive_train in HV_BATTERY_DRIVE_TRAINS

    @property
    def has_combustion_drivetrain(self) -> bool:
        """The vehicle has a fuel tank."""
        return self.drive_train in COMBUSTION_ENGINE_DRIVE_TRAINS

    @property
    def is_lsc_enabled(self) -> bool:
        """The car sends its state on its own; if not, only VIN and position mean much."""
        return get_bool(self._state, "isLscSupported")

    @property
    def lsc_type(self) -> LscType:
        """Last-state-call support; ``NOT_CAPABLE`` when the server omits it."""
        value = parse_enum(LscType, self._capabilities.get("lastStateCallState"))
        return value if value is not None else LscType.NOT_CAPABLE

    @property
    def mileage(self) -> ValueWithUnit:
        """Odometer in km (0 when the car reports none)."""
        mileage = get_number(self._state, "currentMileage")
        return ValueWithUnit(mileage if mileage is not None else 0, UNIT_KM)

    @property
    def timestamp(self) -> datetime.datetime | None:
        """When the car last sent data (newest of state and profile ``lastFetched``)."""
        return self.vehicle_location.vehicle_update_timestamp

    @property
    def is_vehicle_active(self) -> bool:
        """Deprecated in the reference library; always False."""
        return False

    # --- capabilities ---------------------------------------------------

    def _capability(self, key: str) -> bool:
        return get_bool(self._capabilities, key)

    def _charging_control(self) -> list[Any]:
        commands = get_dict(self._capabilities, "remoteChargingCommands")
        return as_list(commands.get("chargingControl"))

    @property
    def is_remote_lights_enabled(self) -> bool:
        """Lights can be flashed remotely."""
        return self._capability("lights")

    @property
    def is_remote_horn_enabled(self) -> bool:
        """The horn can be sounded remotely."""
        return self._capability("horn")

    @property
    def is_remote_lock_enabled(self) -> bool:
        """The doors can be locked remotely."""
        return self._capability("lock")

    @property
    def is_remote_unlock_enabled(self) -> bool:
        """The doors can be unlocked remotely."""
        return self._capability("unlock")

    @property
    def is_remote_climate_start_enabled(self) -> bool:
        """Climate control can be started remotely."""
        return self._capability("climateNow")

    @property
    def is_remote_climate_stop_enabled(self) -> bool:
        """Climate control can be stopped (the state reports climate control)."""
        return "climateControlState" in self._state

    @property
    def is_remote_charge_start_enabled(self) -> bool:
        """Charging can be started remotely."""
        return "START" in self._charging_control()

    @property
    def is_remote_charge_stop_enabled(self) -> bool:
        """Charging can be stopped remotely."""
        return "STOP" in self._charging_control()

    @property
    def is_remote_set_target_soc_enabled(self) -> bool:
        """The charging target can be set remotely."""
        return self._capability("isChargingTargetSocEnabled")

    @property
    def is_remote_set_ac_limit_enabled(self) -> bool:
        """The AC current limit can be set remotely."""
        return self._capability("isChargingPowerLimitEnabled")

    @property
    def is_remote_sendpoi_enabled(self) -> bool:
        """Points of interest can be sent to the car."""
        return self._capability("sendPoi")

    @property
    def is_charging_plan_supported(self) -> bool:
        """The charging profile can be read and changed."""
        return self._capability("isChargingPlanSupported")

    @property
    def is_charging_settings_supported(self) -> bool:
        """Charging settings (target, AC limit) are available."""
        return self._capability("isChargingSettingsEnabled")

    @property
    def is_vehicle_tracking_enabled(self) -> bool:
        """The vehicle finder is enabled (informational)."""
        return self._capability("vehicleFinder")

    # --- attribute lists ------------------------------------------------

    @property
    def drive_train_attributes(self) -> list[str]:
        """Names of the attributes that exist for this drive train (the reference's list).

        Range and mileage always; the charging names for cars with a
        high-voltage battery; the fuel names for cars with a tank. Some may
        still be ``None`` depending on the car's state.
        """
        result = list(_COMMON_DRIVE_TRAIN_ATTRIBUTES)
        if self.has_electric_drivetrain:
            result += _ELECTRIC_ATTRIBUTES
        if self.has_combustion_drivetrain:
            result += _COMBUSTION_ATTRIBUTES
        return result

    @property
    def available_attributes(self) -> list[str]:
        """Names of the attributes this car reports (the reference's rule).

        Position and VIN always; with last-state-call support also the drive
        train's attributes, service and check-control reports, lock state,
        timestamp, lids and windows.
        """
        result = list(_ALWAYS_AVAILABLE)
        if self.is_lsc_enabled:
            result += self.drive_train_attributes
            result += _LSC_ATTRIBUTES
        return result

    # --- services ---------------------------------------------------------

    @property
    def remote_services(self) -> RemoteServices:
        """Remote commands for this vehicle (created on first use)."""
        if self._remote_services is None:
            from .remote_services import RemoteServices

            self._remote_services = RemoteServices(self)
        return self._remote_services

    async def get_vehicle_image(self, direction: VehicleViewDirection) -> bytes:
        """Rendered PNG of the vehicle; callers should cache it, it rarely changes."""
        from ..api.client import MyBMWClient

        async with MyBMWClient(self.account.config, brand=self.brand) as client:
            response = await client.get(
                VEHICLE_IMAGE_PATH,
                params={"carView": direction.value, "toCrop": "true"},
                headers={
                    "accept": "image/png",
                    "bmw-app-vehicle-type": "connected",
                    "bmw-vin": self.vin,
                },
            )
        return response.content

    def __repr__(self) -> str:
        """Without the VIN, which must never reach logs."""
        return f"<MyBMWVehicle {self.brand.value} {self.name!r}>"
