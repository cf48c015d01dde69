"""CarData REST client; every request is counted against the daily budget.

Mappings, basic data, one reused container, telematic data, image, charging history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
import hashlib
import logging
from typing import Any

import httpx

from ..mybmw.api.transfer import send_bounded
from ..mybmw.utils import parse_datetime
from .auth import CarDataAuth
from .budget import RequestBudget
from .const import (
    API_BASE_URL,
    API_VERSION_HEADER,
    BASIC_DATA_PATH,
    CHARGING_HISTORY_PATH,
    CONTAINER_NAME_PREFIX,
    CONTAINER_PURPOSE,
    CONTAINERS_PATH,
    IMAGE_PATH,
    MAPPING_PRIMARY,
    MAPPINGS_PATH,
    TELEMATIC_DATA_PATH,
)
from .descriptors import MAPPED, normalise_rest_value
from .errors import api_exception, retry_after, transport_exception
from .exceptions import (
    CarDataAPIError,
    CarDataAuthError,
    CarDataContainerGoneError,
    CarDataContainerLimitError,
    CarDataQuotaError,
)
from .models import Container, DescriptorValue, VehicleMapping

_LOGGER = logging.getLogger(__name__)

OnRequest = Callable[[str, str, "int | None"], None]

CONTAINER_ACTIVE = "ACTIVE"


def container_name_for(descriptors: Iterable[str]) -> str:
    """Name that identifies our container and its descriptor set (changes when the set does)."""
    digest = hashlib.sha256("\n".join(sorted(set(descriptors))).encode()).hexdigest()[:8]
    return f"{CONTAINER_NAME_PREFIX}-{digest}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class CarDataClient:
    """REST access for one account.

    ``container_id`` is the persisted id of our container (``on_container``
    reports changes); without it the container is looked up by name, and
    created when missing. ``on_request(method, path, status)`` sees every
    request sent.
    """

    def __init__(
        self,
        auth: CarDataAuth,
        *,
        httpx_client: httpx.AsyncClient | None = None,
        budget: RequestBudget | None = None,
        base_url: str = API_BASE_URL,
        container_id: str | None = None,
        on_container: Callable[[str | None], None] | None = None,
        descriptors: Iterable[str] = MAPPED,
        on_request: OnRequest | None = None,
    ) -> None:
        """Bind the client to a login; nothing is sent yet."""
        self._auth = auth
        self._client = httpx_client
        self._owns_client = httpx_client is None
        self.budget = budget if budget is not None else RequestBudget()
        self._base_url = base_url.rstrip("/")
        self._container_id = container_id
        self._on_container = on_container
        self.descriptors = sorted(set(descriptors))
        self.container_name = container_name_for(self.descriptors)
        self._on_request = on_request

    @property
    def container_id(self) -> str | None:
        """The id of the container in use (``None`` until known)."""
        return self._container_id

    async def close(self) -> None:
        """Close the owned HTTP client."""
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    def plan(self, requests: int) -> None:
        """Refuse (:class:`CarDataQuotaError`) unless ``requests`` more fit in today's budget."""
        self.budget.check(requests)

    # --- transport -----------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        accept: str = "application/json",
        retried: bool = False,
    ) -> httpx.Response:
        self.budget.spend()
        token = await self._auth.access_token()
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=30)
        headers = {"authorization": f"Bearer {token}", "accept": accept, **API_VERSION_HEADER}
        request = self._client.build_request(
            method, f"{self._base_url}{path}", params=params, json=json_body, headers=headers
        )
        try:
            # An overall deadline and a cap on the decoded body (larger for the picture).
            response = await send_bounded(self._client, request)
        except httpx.HTTPError as err:
            if self._on_request is not None:
                self._on_request(method, path, None)
            raise transport_exception(err) from err
        if self._on_request is not None:
            self._on_request(method, path, response.status_code)
        if response.status_code < 400:
            return response
        error = api_exception(response, retry_at=retry_after(response, self.budget.now()))
        if isinstance(error, CarDataQuotaError):
            error.retry_at = self.budget.exhausted(error.retry_at)
        elif response.status_code == 401 and isinstance(error, CarDataAuthError) and not retried:
            _LOGGER.debug("CarData rejected the access token, refreshing once")
            await self._auth.refresh()
            return await self._request(
                method, path, params=params, json_body=json_body, accept=accept, retried=True
            )
        raise error

    async def _json(self, path: str, params: dict[str, str] | None = None) -> Any:
        response = await self._request("GET", path, params=params)
        try:
            return response.json()
        except ValueError as err:
            raise CarDataAPIError("CarData answer is not JSON", status_code=200) from err

    # --- vehicles ---------------------------------------------------------------

    async def get_mappings(self, *, primary_only: bool = True) -> list[VehicleMapping]:
        """Vehicles mapped to the account; data only flows for ``PRIMARY`` mappings."""
        body = await self._json(MAPPINGS_PATH)
        entries = body if isinstance(body, list) else [body] if isinstance(body, dict) else []
        result: list[VehicleMapping] = []
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("vin"), str):
                continue
            mapping = VehicleMapping(
                vin=entry["vin"],
                mapping_type=str(entry.get("mappingType") or ""),
                mapped_since=parse_datetime(entry.get("mappedSince")),
            )
            if not primary_only or mapping.mapping_type.upper() == MAPPING_PRIMARY:
                result.append(mapping)
        return result

    async def get_basic_data(self, vin: str) -> dict[str, Any]:
        """Brand, model, drive train, head unit, colour... of one vehicle."""
        body = await self._json(BASIC_DATA_PATH.format(vin=vin))
        return body if isinstance(body, dict) else {}

    async def get_image(self, vin: str) -> bytes:
        """Rendered PNG of the vehicle; callers should cache it."""
        response = await self._request("GET", IMAGE_PATH.format(vin=vin), accept="image/png")
        return response.content

    async def get_charging_history(
        self, vin: str, start: datetime, end: datetime, *, max_pages: int = 5
    ) -> list[dict[str, Any]]:
        """Charging sessions between ``start`` and ``end``; one request per page."""
        sessions: list[dict[str, Any]] = []
        params = {"from": _iso(start), "to": _iso(end)}
        for _ in range(max_pages):
            body = await self._json(CHARGING_HISTORY_PATH.format(vin=vin), dict(params))
            body = body if isinstance(body, dict) else {}
            data = body.get("data")
            if isinstance(data, list):
                sessions.extend(s for s in data if isinstance(s, dict))
            next_token = body.get("next_token")
            if not isinstance(next_token, str) or not next_token:
                break
            params["nextToken"] = next_token
        return sessions

    # --- containers -------------------------------------------------------------

    async def list_containers(self) -> list[Container]:
        """All containers of the account."""
        body = await self._json(CONTAINERS_PATH)
        entries = body.get("containers") if isinstance(body, dict) else None
        result: list[Container] = []
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("containerId"), str):
                result.append(
                    Container(
                        container_id=entry["containerId"],
                        name=str(entry.get("name") or ""),
                        purpose=str(entry.get("purpose") or ""),
                        state=str(entry.get("state") or ""),
                        created=parse_datetime(entry.get("created")),
                    )
                )
        return result

    async def delete_container(self, container_id: str) -> None:
        """Delete a container."""
        await self._request("DELETE", f"{CONTAINERS_PATH}/{container_id}")
        if container_id == self._container_id:
            self._set_container(None)

    async def create_container(self) -> str:
        """Create our container for :attr:`descriptors`."""
        response = await self._request(
            "POST",
            CONTAINERS_PATH,
            json_body={
                "name": self.container_name,
                "purpose": CONTAINER_PURPOSE,
                "technicalDescriptors": self.descriptors,
            },
        )
        try:
            container_id = response.json()["containerId"]
        except (ValueError, KeyError, TypeError) as err:
            raise CarDataAPIError("Container answer without containerId") from err
        if not isinstance(container_id, str) or not container_id:
            raise CarDataAPIError("Container answer without containerId")
        self._set_container(container_id)
        return container_id

    async def ensure_container(self) -> str:
        """Our container's id: the known one, one found by name, or a new one.

        At the limit of ten (CU-124) an outdated container of ours (same
        prefix, other descriptor set) is deleted to make room.
        """
        if self._container_id is not None:
            return self._container_id
        containers = await self.list_containers()
        for container in containers:
            if container.name == self.container_name and container.state == CONTAINER_ACTIVE:
                self._set_container(container.container_id)
                return container.container_id
        try:
            return await self.create_container()
        except CarDataContainerLimitError:
            outdated = [
                c
                for c in containers
                if c.name.startswith(f"{CONTAINER_NAME_PREFIX}-")
                and c.name != self.container_name
                and c.state == CONTAINER_ACTIVE
            ]
            if not outdated:
                raise CarDataContainerLimitError(
                    "The account already has ten CarData containers; delete unused ones "
                    "(other CarData tools create them too)",
                    status_code=None,
                    error_id="CU-124",
                ) from None
            await self.delete_container(outdated[0].container_id)
            return await self.create_container()

    def _set_container(self, container_id: str | None) -> None:
        if container_id != self._container_id:
            self._container_id = container_id
            if self._on_container is not None:
                self._on_container(container_id)

    # --- telematic data -----------------------------------------------------------

    async def get_telematic_data(self, vin: str) -> dict[str, DescriptorValue]:
        """Current values of our descriptors; recreates the container after CU-105."""
        container_id = await self.ensure_container()
        path = TELEMATIC_DATA_PATH.format(vin=vin)
        try:
            body = await self._json(path, {"containerId": container_id})
        except CarDataContainerGoneError:
            _LOGGER.debug("CarData container is gone, creating it again")
            self._set_container(None)
            container_id = await self.create_container()
            body = await self._json(path, {"containerId": container_id})
        return parse_telematic_data(body)


def parse_telematic_data(body: Any) -> dict[str, DescriptorValue]:
    """``{"telematicData": {name: {value, unit, timestamp}}}`` -> typed readings."""
    data = body.get("telematicData") if isinstance(body, dict) else None
    result: dict[str, DescriptorValue] = {}
    for name, entry in data.items() if isinstance(data, dict) else ():
        if not isinstance(name, str) or not isinstance(entry, dict):
            continue
        value = entry.get("value")
        if value is None:
            continue
        unit = entry.get("unit")
        result[name.replace("\u200b", "").strip()] = DescriptorValue(
            value=normalise_rest_value(value),
            unit=unit if isinstance(unit, str) and unit else None,
            timestamp=parse_datetime(entry.get("timestamp")),
        )
    return result
