"""Remove personal data from recorded responses before they are shared.

Fingerprints end up in public issue trackers, so this errs on the side of
removing too much. Unlike the reference library (mybmw-api.md §7) it scans
strings inside arrays, replaces the gcid, tokens, contact and dealer data, and
keeps its VIN mapping in an ``Anonymizer`` object: one per fingerprint run,
so files and file names of a run agree without a process-wide table.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from ..models import AnonymizedResponse

# 17 characters; no I, O, Q in the first three (world manufacturer id).
_VIN_RE: Final = re.compile(r"(?<![A-Za-z0-9])[A-HJ-NPR-Z0-9]{3}[A-Z0-9]{14}(?![A-Za-z0-9])")
_EMAIL_RE: Final = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_FINGERPRINT_VIN_RE: Final = re.compile(r"^.{3}0FINGERPRINT\d{2,}$")

# Normalised key (lower case, without "_" and "-") -> replacement of a scalar value.
_REPLACEMENTS: Final[dict[str, Any]] = {
    # position
    "lat": 12.3456,
    "latitude": 12.3456,
    "lon": 34.5678,
    "lng": 34.5678,
    "longitude": 34.5678,
    "heading": 123,
    # identifiers of the customer and the login
    "gcid": "some_gcid",
    "usid": "some_usid",
    "cid": "some_cid",
    "accesstoken": "some_access_token",
    "refreshtoken": "some_refresh_token",
    "idtoken": "some_id_token",
    "token": "some_token",
    "authorization": "some_authorization",
    "password": "some_password",
    "clientsecret": "some_client_secret",
    "sessionid": "some_session_id",
    "bmwsessionid": "some_session_id",
    "username": "some_username",
    # contact data
    "phone": "some_phone",
    "phonenumber": "some_phone",
    "mobile": "some_phone",
    "mobilenumber": "some_phone",
    "fax": "some_phone",
    "email": "some_email",
    "emailaddress": "some_email",
    "mail": "some_email",
    # names
    "name": "some_name",
    "firstname": "some_name",
    "lastname": "some_name",
    "surname": "some_name",
    "fullname": "some_name",
    "nickname": "some_name",
    "displayname": "some_name",
    # addresses
    "licenseplate": "some_license_plate",
    "city": "some_city",
    "street": "some_street",
    "streetnumber": "999",
    "housenumber": "999",
    "postalcode": "some_postal_code",
    "zip": "some_postal_code",
    "zipcode": "some_postal_code",
    "formatted": "some_formatted_address",
    "formattedaddress": "some_formatted_address",
    "address": "some_formatted_address",
    "addressline": "some_formatted_address",
    "subtitle": "some_road • duration • -- EUR",
}
# Keys whose whole subtree is personal (every leaf is replaced).
_SUBTREE_MARKERS: Final = ("dealer", "servicepartner", "retailer")
_SUBTREE_TEXT: Final = "some_dealer_data"
# Values learnt from these keys are also scrubbed wherever they reappear in text.
_LEARNT_KEYS: Final = frozenset(
    {"gcid", "usid", "accesstoken", "refreshtoken", "idtoken", "token", "sessionid", "email"}
)
_MIN_LEARNT_LENGTH: Final = 8

_EXTENSIONS: Final = {
    "application/json": ".json",
    "text/plain": ".txt",
    "text/html": ".html",
    "image/png": ".png",
    "image/jpeg": ".jpg",
}


def _normalise(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "")


class Anonymizer:
    """Replaces personal data consistently within one run (fingerprint, diagnostics)."""

    def __init__(self) -> None:
        self._vins: dict[str, str] = {}
        self._secrets: dict[str, str] = {}

    @property
    def vin_mapping(self) -> dict[str, str]:
        """Original VIN -> replacement, in order of first appearance."""
        return dict(self._vins)

    def anonymize_vin(self, vin: str) -> str:
        """Return the stable replacement of ``vin`` for this run."""
        if vin in self._vins.values() or _FINGERPRINT_VIN_RE.match(vin):
            return vin
        if vin not in self._vins:
            self._vins[vin] = f"{vin[:3]}0FINGERPRINT{len(self._vins) + 1:02d}"
        return self._vins[vin]

    def anonymize_text(self, text: str) -> str:
        """Scrub VINs, e-mail addresses and already seen secrets from free text."""
        for secret, replacement in self._secrets.items():
            if secret in text:
                text = text.replace(secret, replacement)
        text = _EMAIL_RE.sub("some_email", text)
        return _VIN_RE.sub(lambda m: self.anonymize_vin(m.group(0)), text)

    def anonymize_data(self, data: Any) -> Any:
        """Return a copy of a JSON value with personal data replaced at any depth."""
        self._learn(data)
        return self._walk(data)

    def anonymize_response(self, response: httpx.Response) -> AnonymizedResponse:
        """Anonymise a response's body and derive its fingerprint file name (§7)."""
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        content: list[Any] | dict[str, Any] | str | None
        parsed: Any = None
        is_json = False
        if response.content:
            try:
                parsed = response.json()
                is_json = True
            except (json.JSONDecodeError, UnicodeDecodeError):
                is_json = False
        if is_json:
            content = self.anonymize_data(parsed)
            extension = _EXTENSIONS.get(content_type, ".json")
        else:
            content = self.anonymize_text(response.text) if response.content else None
            extension = _EXTENSIONS.get(content_type, ".txt")
        return AnonymizedResponse(self.filename(response.request) + extension, content)

    def filename(self, request: httpx.Request) -> str:
        """``<brand>-<path segments joined by _>[_<VIN>]``, without extension."""
        brand = "bmw"
        fields = request.headers.get("x-user-agent", "").split(";")
        if len(fields) > 1 and fields[1].strip():
            brand = fields[1].strip().lower()
        path = urlsplit(str(request.url)).path.strip("/")
        segments = [self.anonymize_text(segment) for segment in path.split("/") if segment]
        name = f"{brand}-{'_'.join(segments)}"
        vin = request.headers.get("bmw-vin")
        if vin:
            name += f"_{self.anonymize_vin(vin)}"
        return name

    # ------------------------------------------------------------------ helpers

    def _learn(self, data: Any) -> None:
        """Remember secret values so they are removed from text elsewhere too."""
        if isinstance(data, dict):
            for key, value in data.items():
                norm = _normalise(str(key))
                if norm in _LEARNT_KEYS and isinstance(value, str):
                    if len(value) >= _MIN_LEARNT_LENGTH:
                        self._secrets.setdefault(value, _REPLACEMENTS[norm])
                else:
                    self._learn(value)
        elif isinstance(data, list):
            for item in data:
                self._learn(item)

    def _walk(self, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: self._value(str(key), value) for key, value in data.items()}
        if isinstance(data, list):
            return [self._walk(item) for item in data]
        if isinstance(data, str):
            return self.anonymize_text(data)
        return data

    def _value(self, key: str, value: Any) -> Any:
        norm = _normalise(key)
        if any(marker in norm for marker in _SUBTREE_MARKERS):
            return _redact_all(value)
        if norm in ("vin", "bmwvin") and isinstance(value, str) and value:
            return self.anonymize_vin(value)
        if norm in _REPLACEMENTS and not isinstance(value, dict | list):
            return value if value is None else _REPLACEMENTS[norm]
        return self._walk(value)


def _redact_all(value: Any) -> Any:
    """Replace every leaf of a subtree, keeping its shape."""
    if isinstance(value, dict):
        return {key: _redact_all(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_all(item) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return 0
    return _SUBTREE_TEXT


def anonymize_data(json_data: Any, anonymizer: Anonymizer | None = None) -> Any:
    """Anonymise a JSON value; pass one ``anonymizer`` per run for consistent VINs."""
    return (anonymizer or Anonymizer()).anonymize_data(json_data)


def anonymize_response(
    response: httpx.Response, anonymizer: Anonymizer | None = None
) -> AnonymizedResponse:
    """Anonymise a response and name its file; share ``anonymizer`` within a run."""
    return (anonymizer or Anonymizer()).anonymize_response(response)
