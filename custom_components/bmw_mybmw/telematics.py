"""CarData descriptor entities: one per descriptor a car has sent, typed by the generated table.

A CarData car streams far more than the vehicle models hold. Every
streamable descriptor that no model entity shows already has a row in
:mod:`.cardata.catalogue`; its entity is created when the car first sends
it (a car that never sends a descriptor gets no entity), and after a
restart for every entity the registry already knows, showing its last
state until the car sends again. A deliberate default set is enabled;
the rest is created disabled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import STATE_OFF, STATE_ON, EntityCategory, Platform
from homeassistant.core import callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity

from .cardata.catalogue import DESCRIPTORS
from .cardata.models import DescriptorValue
from .cardata.telematics import TelematicsDescriptor, read_state
from .contract import BMWConfigEntry, BMWCoordinator
from .entity import MyBMWEntity, vehicle_of_unique_id
from .mybmw.vehicle import MyBMWVehicle

ROWS: Final[dict[str, tuple[TelematicsDescriptor, ...]]] = {
    platform: tuple(row for row in DESCRIPTORS if row.platform == platform)
    for platform in (Platform.SENSOR, Platform.BINARY_SENSOR)
}


def _common(row: TelematicsDescriptor) -> dict[str, Any]:
    return {
        "key": row.key,
        "translation_key": row.translation_key,
        "entity_registry_enabled_default": row.enabled,
        "entity_category": EntityCategory.DIAGNOSTIC if row.diagnostic else None,
    }


def sensor_description(row: TelematicsDescriptor) -> SensorEntityDescription:
    """The Home Assistant description of a sensor row."""
    return SensorEntityDescription(
        **_common(row),
        device_class=SensorDeviceClass(row.device_class) if row.device_class else None,
        state_class=SensorStateClass(row.state_class) if row.state_class else None,
        native_unit_of_measurement=row.unit,
        suggested_display_precision=row.precision,
        options=list(row.options) if row.kind == "enum" else None,
    )


def binary_sensor_description(row: TelematicsDescriptor) -> BinarySensorEntityDescription:
    """The Home Assistant description of a binary sensor row."""
    return BinarySensorEntityDescription(
        **_common(row),
        device_class=BinarySensorDeviceClass(row.device_class) if row.device_class else None,
    )


def _values(coordinator: BMWCoordinator, vin: str) -> Mapping[str, DescriptorValue]:
    return coordinator.descriptor_readings(vin) or {}


class TelematicsEntity(MyBMWEntity):
    """One row's entity; writes its state only when its own readings changed."""

    def __init__(
        self,
        coordinator: BMWCoordinator,
        vehicle: MyBMWVehicle,
        row: TelematicsDescriptor,
        description: EntityDescription,
    ) -> None:
        """Bind to the row before the base class reads the first state."""
        self.row = row
        self._snapshot: tuple[Any, ...] | None = None
        super().__init__(coordinator, vehicle, description)

    def _readings(self) -> tuple[DescriptorValue | None, ...]:
        values = _values(self.coordinator, self.vin)
        return tuple(values.get(name) for name in self.row.sources)

    @callback
    def _update_attrs(self) -> None:
        if any(reading is not None for reading in self._readings()):
            self._set_state(read_state(self.row, _values(self.coordinator, self.vin)))

    def _set_state(self, value: Any) -> None:
        """Show ``value`` (``None``: unknown)."""

    @callback
    def _handle_coordinator_update(self) -> None:
        # Every message updates the coordinator; most rows did not change.
        snapshot = (self.available, *self._readings())
        if snapshot == self._snapshot:
            return
        self._snapshot = snapshot
        super()._handle_coordinator_update()


class TelematicsSensor(TelematicsEntity, RestoreSensor):
    """A number, enum option, time or text the car sent."""

    def _set_state(self, value: Any) -> None:
        self._attr_native_value = value

    async def async_added_to_hass(self) -> None:
        """Show the last state until the car sends this descriptor again."""
        await super().async_added_to_hass()
        if self._attr_native_value is not None or any(self._readings()):
            return
        last = await self.async_get_last_sensor_data()
        if last is None or last.native_value is None:
            return
        options = self.entity_description.options
        if options is None or last.native_value in options:
            self._attr_native_value = last.native_value


class TelematicsBinarySensor(TelematicsEntity, BinarySensorEntity, RestoreEntity):
    """A flag the car sent (placeholders and unexpected tokens show as unknown)."""

    def _set_state(self, value: Any) -> None:
        self._attr_is_on = value

    async def async_added_to_hass(self) -> None:
        """Show the last state until the car sends this descriptor again."""
        await super().async_added_to_hass()
        if self._attr_is_on is not None or any(self._readings()):
            return
        last = await self.async_get_last_state()
        if last is not None and last.state in (STATE_ON, STATE_OFF):
            self._attr_is_on = last.state == STATE_ON


def build_entity(
    coordinator: BMWCoordinator, vehicle: MyBMWVehicle, row: TelematicsDescriptor
) -> Entity:
    """The entity of one row for one vehicle."""
    if row.platform == Platform.BINARY_SENSOR:
        return TelematicsBinarySensor(coordinator, vehicle, row, binary_sensor_description(row))
    return TelematicsSensor(coordinator, vehicle, row, sensor_description(row))


def rows_sent(
    values: Iterable[str], rows: Iterable[TelematicsDescriptor]
) -> list[TelematicsDescriptor]:
    """The rows whose descriptors appear among ``values`` (descriptor names)."""
    sent = set(values)
    return [row for row in rows if not sent.isdisjoint(row.sources)]


def async_add_telematics_entities(
    entry: BMWConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    platform: Platform,
) -> None:
    """Add a CarData entry's descriptor entities of ``platform``, now and as descriptors arrive.

    Does nothing for a MyBMW entry. Listens to the coordinator: a car's
    readings only grow, so a vehicle is looked at again only when it has
    sent a descriptor it never sent before.
    """
    coordinator = entry.runtime_data
    rows = ROWS[platform]
    by_key = {row.key: row for row in rows}
    created: set[tuple[str, str]] = set()
    seen: dict[str, int] = {}
    remembered: dict[str, set[str]] = {}
    registry = er.async_get(coordinator.hass)
    for registered in er.async_entries_for_config_entry(registry, entry.entry_id):
        parsed = vehicle_of_unique_id(entry.entry_id, registered.unique_id)
        if parsed is not None and registered.domain == platform and parsed[1] in by_key:
            remembered.setdefault(parsed[0], set()).add(parsed[1])

    @callback
    def _add_new() -> None:
        vehicles = coordinator.data or {}
        new: list[Entity] = []
        for vin, vehicle in vehicles.items():
            readings = coordinator.descriptor_readings(vin)
            if readings is None:  # a backend that streams no descriptors (MyBMW)
                continue
            count = len(readings)
            if seen.get(vin) == count and vin not in remembered:
                continue
            seen[vin] = count
            wanted = rows_sent(readings, rows)
            wanted += [by_key[key] for key in sorted(remembered.pop(vin, ()))]
            for row in wanted:
                if (vin, row.key) not in created:
                    created.add((vin, row.key))
                    new.append(build_entity(coordinator, vehicle, row))
        if new:
            async_add_entities(new)

    _add_new()
    entry.async_on_unload(coordinator.async_add_listener(_add_new))
