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
from typing import Any

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
