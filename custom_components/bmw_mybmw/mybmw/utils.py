"""Helpers shared by the client: JSON encoding, datetime parsing, response logs."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
import datetime
from enum import Enum
import functools
import inspect
import json
import logging
from pathlib import Path
import re
import time
from typing import Any, Final

from .models import AnonymizedResponse

_LOGGER = logging.getLogger(__name__)

# Older parsers (Python < 3.11 style) reject fractions longer than microseconds
# (the API sends up to 9 digits), a lower-case "z" and a space before the
# offset; the slow path normalises those before trying again.
_FRACTION_RE = re.compile(r"(\.\d{1,6})\d*")
_SPACE_TZ_RE = re.compile(r"\s+(?=[+-]\d{2}:?\d{2}$)")
_UTC = datetime.UTC


def parse_datetime(value: Any) -> datetime.datetime | None:
    """Parse an API timestamp into an aware UTC datetime; ``None`` when unusable.

    Naive values are taken as UTC, which is what the API means by them.
    Malformed input degrades to ``None`` so one bad field never breaks a vehicle.
    """
    if isinstance(value, str):
        try:
            # Fast path: the API's usual ``2024-05-01T12:00:00.000Z`` parses as is.
            parsed = datetime.datetime.fromisoformat(value)
        except ValueError:
            loose = _parse_loose(value)
            if loose is None:
                return None
            parsed = loose
    elif isinstance(value, datetime.datetime):
        parsed = value
    else:
        if value is not None:
            _LOGGER.debug("Timestamp of unexpected type %s", type(value).__name__)
        return None
    zone = parsed.tzinfo
    if zone is None:
        return parsed.replace(tzinfo=_UTC)
    return parsed if zone is _UTC else parsed.astimezone(_UTC)


def _parse_loose(value: str) -> datetime.datetime | None:
    """Normalise what ``fromisoformat`` refused (blanks, ``z``, long fractions) and retry."""
    text = value.strip()
    if not text:
        return None
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    text = _FRACTION_RE.sub(lambda m: m.group(1), text, count=1)
    text = _SPACE_TZ_RE.sub("", text)
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        _LOGGER.debug("Unparsable timestamp (%d characters)", len(value))  # may hold a VIN
        return None


_EPOCH = datetime.datetime(1970, 1, 1)


class SystemTimeZone(datetime.tzinfo):
    """This machine's local zone with its daylight-saving rules, for any date.

    ``datetime.now().astimezone().tzinfo`` is a fixed offset (today's), so an
    18:01 in June read in December would be an hour off in Los Angeles. This
    asks the system's rules for each moment instead.
    """

    def utcoffset(self, dt: datetime.datetime | None) -> datetime.timedelta:
        """Offset of the local wall-clock time ``dt`` (now when ``None``)."""
        moment = dt.replace(tzinfo=None) if dt is not None else datetime.datetime.now()
        stamp = time.mktime((*moment.timetuple()[:8], -1))
        return _offset_at(stamp)

    def dst(self, dt: datetime.datetime | None) -> datetime.timedelta:
        """Daylight-saving part of the offset (what ``time.altzone`` adds)."""
        moment = dt.replace(tzinfo=None) if dt is not None else datetime.datetime.now()
        is_dst = time.localtime(time.mktime((*moment.timetuple()[:8], -1))).tm_isdst > 0
        return datetime.timedelta(seconds=time.timezone - time.altzone) if is_dst else _ZERO

    def tzname(self, dt: datetime.datetime | None) -> str:
        """The system's name of the zone at ``dt``."""
        return time.tzname[1 if self.dst(dt) else 0]

    def fromutc(self, dt: datetime.datetime) -> datetime.datetime:
        """Local wall-clock time of the UTC moment ``dt``."""
        stamp = (dt.replace(tzinfo=None) - _EPOCH).total_seconds()
        return (dt + _offset_at(stamp)).replace(tzinfo=self)

    def __eq__(self, other: object) -> bool:
        """Every instance stands for the same system zone."""
        return isinstance(other, SystemTimeZone)

    def __hash__(self) -> int:
        """One hash for all instances (they are equal)."""
        return hash(SystemTimeZone)

    def __repr__(self) -> str:
        """``SystemTimeZone()``: the rules are the machine's, not a fixed offset."""
        return "SystemTimeZone()"


_ZERO = datetime.timedelta()


def _offset_at(stamp: float) -> datetime.timedelta:
    """The local offset from UTC at the POSIX time ``stamp``."""
    local = datetime.datetime.fromtimestamp(stamp)
    return local - datetime.datetime.fromtimestamp(stamp, _UTC).replace(tzinfo=None)


SYSTEM_TIME_ZONE: Final = SystemTimeZone()


# Back-references that would make the encoder walk in circles (vehicle -> account -> vehicles).
_SKIPPED_PROPERTIES = frozenset({"account", "config", "remote_services"})


def get_class_property_names(obj: object) -> list[str]:
    """Return the public property names of an object's class (inherited ones included)."""
    return sorted(
        name
        for name, member in inspect.getmembers(
            type(obj), lambda m: isinstance(m, property | functools.cached_property)
        )
        if not name.startswith("_")
    )


class MyBMWJSONEncoder(json.JSONEncoder):
    """Encode the client's models: dataclasses, enums, date/times, objects by their properties."""

    def default(self, o: Any) -> Any:
        """Return a JSON-encodable stand-in for ``o``."""
        if isinstance(o, datetime.datetime | datetime.date | datetime.time):
            return o.isoformat()
        if isinstance(o, datetime.timedelta):
            return o.total_seconds()
        if isinstance(o, Enum):
            return o.value
        if isinstance(o, set | frozenset):
            return sorted(o, key=str)
        if isinstance(o, bytes):
            return f"<{len(o)} bytes>"
        result: dict[str, Any] = {}
        if is_dataclass(o) and not isinstance(o, type):
            result.update((f.name, getattr(o, f.name)) for f in fields(o))
        for name in get_class_property_names(o):
            if name in _SKIPPED_PROPERTIES or name in result:
                continue
            try:
                result[name] = getattr(o, name)
            except Exception:  # one failing property must not break the dump
                _LOGGER.debug("Property %s of %s is not available", name, type(o).__name__)
        if result or is_dataclass(o):
            return result
        return super().default(o)


def log_response_store_to_file(
    response_store: list[AnonymizedResponse], logfile_path: Path
) -> None:
    """Write recorded responses as fingerprint files (JSON indented and sorted, text as is)."""
    logfile_path.mkdir(parents=True, exist_ok=True)
    for response in response_store:
        target = logfile_path / Path(response.filename).name
        content = response.content
        if isinstance(content, dict | list):
            target.write_text(json.dumps(content, indent=4, sort_keys=True), encoding="utf-8")
        else:
            target.write_text("" if content is None else str(content), encoding="utf-8")
