"""Base entity of the MyBMW integration: device info, vehicle lookup, dynamic vehicles."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Container, Iterable
from typing import Protocol, TypeVar

from homeassistant.core import callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import (
    AddConfigEntryEntitiesCallback,
    async_get_current_platform,
)
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .contract import BMWConfigEntry, BMWCoordinator
from .mybmw.vehicle import MyBMWVehicle
from .mybmw.vehicle.remote_services import ExecutionState, RemoteServices, RemoteServiceStatus
from .values import enum_state

__all__ = ["enum_state"]  # platforms import it from here

# The API's brand keys; the device shows the name customers know.
BRAND_NAMES: dict[str, str] = {"bmw": "BMW", "mini": "MINI", "toyota": "Toyota"}


def vehicle_unique_id(entry_id: str, vin: str, key: str) -> str:
    """The unique id of one vehicle entity of one config entry.

    A car can be in several entries (MyBMW and CarData, two family accounts,
    two regions). They share the car's device, and each keeps its own entities:
    the entry id makes them distinct. Entries of version 1 used ``{vin}-{key}``;
    ``migration.py`` rewrites those in place, so entity ids and history stay.
    """
    return f"{entry_id}-{vin}-{key}"


def vehicle_of_unique_id(entry_id: str, unique_id: str) -> tuple[str, str] | None:
    """The VIN and key of one of the entry's vehicle unique ids; None for any other id."""
    vin, _, key = unique_id.removeprefix(f"{entry_id}-").partition("-")
    if not unique_id.startswith(f"{entry_id}-") or not vin or not key:
        return None
    return vin, key


def device_info(vehicle: MyBMWVehicle) -> DeviceInfo:
    """Describe one vehicle as a Home Assistant device keyed by its VIN.

    Keyed by the VIN alone, so every entry that has the car adds to one device.
    """
    brand = str(vehicle.brand).lower()
    headunit = getattr(vehicle, "headunit", None)
    return DeviceInfo(
        identifiers={(DOMAIN, vehicle.vin)},
        manufacturer=BRAND_NAMES.get(brand, brand.upper() or None),
        model=vehicle.name,
        name=vehicle.name,
        serial_number=vehicle.vin,
        sw_version=(headunit.software_version if headunit else None) or None,
    )


class MyBMWEntity(CoordinatorEntity[BMWCoordinator]):
    """One entity of one vehicle; subclasses fill their ``_attr_*`` in ``_update_attrs``."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: BMWCoordinator,
        vehicle: MyBMWVehicle,
        description: EntityDescription,
    ) -> None:
        """Bind the entity to a vehicle by VIN, never by object: refreshes replace objects."""
        super().__init__(coordinator)
        self.vin = vehicle.vin
        self.entity_description = description
        self._attr_unique_id = vehicle_unique_id(
            coordinator.config_entry.entry_id, vehicle.vin, description.key
        )
        self._attr_device_info = device_info(vehicle)
        self._update_attrs()

    @property
    def vehicle(self) -> MyBMWVehicle:
        """The vehicle as of the coordinator's latest data."""
        return self.coordinator.data[self.vin]

    @property
    def available(self) -> bool:
        """Available only while the account still lists the vehicle."""
        return super().available and self.vin in (self.coordinator.data or {})

    @callback
    def _update_attrs(self) -> None:
        """Copy the vehicle's values into the entity's attributes."""

    async def _async_run_command(
        self,
        service: str,
        action: Callable[[RemoteServices], Awaitable[RemoteServiceStatus]],
    ) -> bool:
        """Send one remote command through the coordinator; True once the car executed it.

        The coordinator turns client errors into translated Home Assistant
        errors and publishes the refreshed vehicle.
        """
        status = await self.coordinator.async_run_command(
            self.vin, lambda: action(self.vehicle.remote_services), service=service
        )
        return status.state is ExecutionState.EXECUTED

    async def _async_command_then_show(
        self,
        service: str,
        action: Callable[[RemoteServices], Awaitable[RemoteServiceStatus]],
        show: Callable[[], None],
    ) -> None:
        """Send a command; once the car executed it, ``show`` the new value at once.

        The car's own report can lag behind; the next poll corrects a mismatch.
        """
        if await self._async_run_command(service, action):
            show()
            self.async_write_ha_state()

    @callback
    def _handle_coordinator_update(self) -> None:
        # A vehicle that left the account keeps its last values; it is unavailable anyway.
        if self.vin in (self.coordinator.data or {}):
            self._update_attrs()
        super()._handle_coordinator_update()


def async_add_vehicle_entities(
    entry: BMWConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    build: Callable[[BMWCoordinator, MyBMWVehicle], Iterable[Entity]],
) -> None:
    """Add a platform's entities for every vehicle, now and whenever a new VIN appears.

    Each VIN is built once, so a vehicle added to the account later gets its
    entities at the next refresh without reloading the entry.
    """
    coordinator = entry.runtime_data
    known: set[str] = set()

    @callback
    def _add_new() -> None:
        new = [vehicle for vin, vehicle in (coordinator.data or {}).items() if vin not in known]
        known.update(vehicle.vin for vehicle in new)
        entities = [entity for vehicle in new for entity in build(coordinator, vehicle)]
        if entities:
            async_add_entities(entities)

    _add_new()
    entry.async_on_unload(coordinator.async_add_listener(_add_new))


class VehicleEntityDescription(Protocol):
    """What the shared platform setup needs from a description."""

    @property
    def exists_fn(self) -> Callable[[MyBMWVehicle], bool]:
        """Whether the vehicle has the data or the capability for this entity."""


DescriptionT = TypeVar("DescriptionT", bound=VehicleEntityDescription)


def async_add_described_entities(
    entry: BMWConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    entity_class: Callable[[BMWCoordinator, MyBMWVehicle, DescriptionT], Entity],
    descriptions: Iterable[DescriptionT],
    *,
    sends_commands: bool = False,
) -> None:
    """Add one entity per description a vehicle supports, for every vehicle.

    Platforms that send commands add nothing in read-only mode.
    """
    async_add_entities_where(
        entry,
        async_add_entities,
        entity_class,
        descriptions,
        lambda coordinator, vehicle, description: description.exists_fn(vehicle),
        sends_commands=sends_commands,
    )


AnyDescriptionT = TypeVar("AnyDescriptionT")


def async_add_entities_where(
    entry: BMWConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    entity_class: Callable[[BMWCoordinator, MyBMWVehicle, AnyDescriptionT], Entity],
    descriptions: Iterable[AnyDescriptionT],
    exists: Callable[[BMWCoordinator, MyBMWVehicle, AnyDescriptionT], bool],
    *,
    sends_commands: bool = False,
) -> None:
    """Add one entity per description where ``exists`` says so, for every vehicle.

    A platform that sends commands adds nothing in read-only mode, and drops
    the entities an earlier setup without read-only registered.
    """
    described = tuple(descriptions)
    if sends_commands and entry.runtime_data.read_only:
        async_remove_command_entities(entry, async_get_current_platform().domain)

    def build(coordinator: BMWCoordinator, vehicle: MyBMWVehicle) -> list[Entity]:
        if sends_commands and coordinator.read_only:
            return []
        return [
            entity_class(coordinator, vehicle, description)
            for description in described
            if exists(coordinator, vehicle, description)
        ]

    async_add_vehicle_entities(entry, async_add_entities, build)


@callback
def async_remove_command_entities(
    entry: BMWConfigEntry, domain: str, keys: Container[str] | None = None
) -> None:
    """Forget the entry's vehicle entities of ``domain`` (only ``keys``, if given).

    Read-only mode creates no command entities; without this, those of an
    earlier setup stayed in the registry as "unavailable" and in automations.
    """
    registry = er.async_get(entry.runtime_data.hass)
    for registered in er.async_entries_for_config_entry(registry, entry.entry_id):
        vehicle_key = vehicle_of_unique_id(entry.entry_id, registered.unique_id)
        if registered.domain != domain or vehicle_key is None:
            continue
        if keys is None or vehicle_key[1] in keys:
            registry.async_remove(registered.entity_id)
