"""Keep VINs and customer ids out of the request lines httpx logs.

httpx logs every request URL at INFO level, and some MyBMW paths carry the
VIN (charging commands) or the gcid (send POI). Home Assistant raises the
httpx logger to WARNING, but a user who enables debug logging, and any other
program using this client, would otherwise write them into their logs.
"""

from __future__ import annotations

import logging
import re
from typing import Final

HTTPX_LOGGERS: Final = ("httpx",)

# The VIN alphabet (no I, O, Q in the first three characters), as the anonymiser uses it.
_VIN_RE: Final = re.compile(r"(?<![A-Za-z0-9])[A-HJ-NPR-Z0-9]{3}[A-Z0-9]{14}(?![A-Za-z0-9])")
_GCID_PATH_RE: Final = re.compile(r"(/user/)[^/?#\s\"']+", re.IGNORECASE)


def redact_text(text: str) -> str:
    """Replace VINs and the gcid path segment of a URL or log line."""
    return _GCID_PATH_RE.sub(r"\1<gcid>", _VIN_RE.sub("<vin>", text))


class RedactingFilter(logging.Filter):
    """Rewrites a record's message with identifiers removed; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message once, redact it, and keep the record."""
        try:
            message = record.getMessage()
        except Exception:
            return True
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_FILTER: Final = RedactingFilter()


def install() -> None:
    """Attach the filter to the httpx logger once (idempotent)."""
    for name in HTTPX_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
