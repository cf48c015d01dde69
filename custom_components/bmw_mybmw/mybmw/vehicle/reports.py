"""Service (CBS), check-control and head-unit reports (§3.7.5, §3.7.6)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import datetime
import logging
from typing import Any, Self

from ..models import StrEnum, ValueWithUnit
from ..utils import parse_datetime
from .const import (
    UNIT_KM,
    as_dict,
    as_list,
    get_dict,
    get_int,
    get_str,
    none,
    parse_enum,
    parse_part,
    safe,
    state_of,
    to_int,
)

_LOGGER = logging.getLogger(__name__)

_NO_DISTANCE = ValueWithUnit(None, None)


class ConditionBasedServiceStatus(StrEnum):
    """Status of one condition based service."""

    OK = "OK"
    OVERDUE = "OVERDUE"
    PENDING = "PENDING"
    UNKNOWN = "UNKNOWN"


class CheckControlStatus(StrEnum):
    """Severity of a check-control message."""

    OK = "OK"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"
    UNKNOWN = "UNKNOWN"


@dataclass
class ConditionBasedService:
    """One entry of ``requiredServices`` (oil, brake fluid, inspection, ...)."""

    service_type: str
    state: ConditionBasedServiceStatus
    due_date: datetime.datetime | None
    due_distance: ValueWithUnit

    @classmethod
    def from_api_entry(
        cls,
        type: str,
        status: str,
        dateTime: str | None = None,  # noqa: N803
        mileage: int | None = None,
        **kwargs: Any,
    ) -> Self:
        """Parse one API entry; a zero or missing mileage means "no distance"."""
        distance = to_int(mileage)
        return cls(
            service_type=type if isinstance(type, str) else "UNKNOWN",
            state=parse_enum(ConditionBasedServiceStatus, status)
            or ConditionBasedServiceStatus.UNKNOWN,
            due_date=parse_datetime(dateTime),
            due_distance=ValueWithUnit(distance, UNIT_KM) if distance else _NO_DISTANCE,
        )


@dataclass
class ConditionBasedServiceReport:
    """All condition based services of a vehicle and what is due next."""

    messages: list[ConditionBasedService] = field(default_factory=list)
    is_service_required: bool = False

    @classmethod
    def from_vehicle_data(cls, vehicle_data: Mapping[str, Any]) -> Self:
        """Build the report from ``state.requiredServices``."""
        messages: list[ConditionBasedService] = []
        for item in as_list(state_of(vehicle_data).get("requiredServices")):
            if isinstance(item, dict):
                service = parse_part(_service, item, none, "service entry")
                if service is not None:
                    messages.append(service)
        required = any(m.state is not ConditionBasedServiceStatus.OK for m in messages)
        return cls(messages=messages, is_service_required=required)

    @property
    def next_service_by_distance(self) -> ConditionBasedService | None:
        """Service with the smallest due distance (ties: alphabetical type)."""
        due = [m for m in self.messages if m.due_distance.value is not None]
        if not due:
            return None
        return min(due, key=lambda m: (m.due_distance.value or 0, m.service_type))

    @property
    def next_service_by_time(self) -> ConditionBasedService | None:
        """Service with the earliest due date (ties: alphabetical type)."""
        dated = [(m.due_date, m) for m in self.messages if m.due_date is not None]
        if not dated:
            return None
        return min(dated, key=lambda pair: (pair[0], pair[1].service_type))[1]


@dataclass
class CheckControlMessage:
    """A check-control message (e.g. low tire pressure)."""

    description_short: str
    description_long: str | None
    state: CheckControlStatus

    @classmethod
    def from_api_entry(
        cls,
        type: str,
        severity: str,
        longDescription: str | None = None,  # noqa: N803
        **kwargs: Any,
    ) -> Self:
        """Parse one API entry."""
        return cls(
            description_short=type if isinstance(type, str) else "UNKNOWN",
            description_long=longDescription if isinstance(longDescription, str) else None,
            state=parse_enum(CheckControlStatus, severity) or CheckControlStatus.UNKNOWN,
        )


@dataclass
class CheckControlMessageReport:
    """Check-control messages that need attention (severity ``OK`` dropped)."""

    messages: list[CheckControlMessage] = field(default_factory=list)
    has_check_control_messages: bool = False
    urgent_check_control_messages: str | None = None
    """Comma-joined types of the messages above ``LOW``; ``None`` when there are none."""

    @classmethod
    def from_vehicle_data(cls, vehicle_data: Mapping[str, Any]) -> Self:
        """Build the report from ``state.checkControlMessages``."""
        messages: list[CheckControlMessage] = []
        for item in as_list(state_of(vehicle_data).get("checkControlMessages")):
            if isinstance(item, dict):
                message = parse_part(_check_control, item, none, "check-control entry")
                if message is not None and message.state is not CheckControlStatus.OK:
                    messages.append(message)
        urgent = [m.description_short for m in messages if m.state is not CheckControlStatus.LOW]
        return cls(
            messages=messages,
            has_check_control_messages=bool(urgent),
            urgent_check_control_messages=", ".join(urgent) if urgent else None,
        )

    @property
    def urgent_messages(self) -> str:
        """:attr:`urgent_check_control_messages` as text (empty when there are none)."""
        return self.urgent_check_control_messages or ""


@dataclass
class Headunit:
    """Head unit generation, type and software version."""

    idrive_version: str = ""
    headunit_type: str = ""
    software_version: str = ""

    @classmethod
    def from_vehicle_data(cls, vehicle_data: Mapping[str, Any]) -> Self:
        """Build from the profile; empty strings when it lacks a software version."""
        attributes = as_dict(vehicle_data.get("attributes"))
        software = get_dict(attributes, "softwareVersionCurrent")
        if not software:
            return cls()
        return cls(
            idrive_version=get_str(attributes, "hmiVersion") or "",
            headunit_type=get_str(attributes, "headUnitType") or "",
            software_version=safe(
                lambda: _software_version(software, attributes.get("year")), "", "software version"
            ),
        )


def _service(item: Any) -> ConditionBasedService:
    return ConditionBasedService.from_api_entry(
        item.get("type"), item.get("status"), item.get("dateTime"), item.get("mileage")
    )


def _check_control(item: Any) -> CheckControlMessage:
    return CheckControlMessage.from_api_entry(
        item.get("type"), item.get("severity"), item.get("longDescription")
    )


def _software_version(software: dict[str, Any], model_year: Any) -> str:
    """``MM/YYYY.II``: month and year of the PU step, I-step without its first digit."""
    pu_step = get_dict(software, "puStep")
    month, year, i_step = get_int(pu_step, "month"), get_int(pu_step, "year"), software.get("iStep")
    century = str(model_year)[:2] if isinstance(model_year, int | str) else ""
    if (
        month is None
        or year is None
        or not (1 <= month <= 12 and 0 <= year <= 99)
        or isinstance(i_step, bool)
        or not isinstance(i_step, int | str)
        or len(century) != 2
        or not (century.isascii() and century.isdigit())
    ):
        return ""
    return f"{month:02d}/{century}{year:02d}.{str(i_step)[1:]}"
