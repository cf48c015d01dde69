"""Config flow steps of BMW CarData: the client id, then the device-code login."""

from __future__ import annotations

import asyncio
from typing import Any
import uuid

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.httpx_client import get_async_client
from homeassistant.helpers.selector import TextSelector
import voluptuous as vol

from .cardata import CarDataAuth, CarDataTokens, DeviceCode
from .cardata.endpoints import endpoints_from_env
from .cardata.exceptions import (
    CarDataAccessDeniedError,
    CarDataDeviceCodeExpiredError,
    CarDataInvalidClientError,
    CarDataNewClientIdRequiredError,
)
from .const import (
    BACKEND_CARDATA,
    CONF_BACKEND,
    CONF_CLIENT_ID,
    CONF_CONTAINER_ID,
    CONF_TOKENS,
    LOGGER,
)
from .mybmw.models import MyBMWAPIError, MyBMWAuthError

CLIENT_ID_SCHEMA = vol.Schema({vol.Required(CONF_CLIENT_ID): TextSelector()})

# CarData login error -> config flow error key; first match wins (subclasses first).
_CARDATA_ERRORS: tuple[tuple[type[Exception], str], ...] = (
    (CarDataNewClientIdRequiredError, "new_client_id_required"),
    (CarDataInvalidClientError, "invalid_client"),
    (CarDataAccessDeniedError, "access_denied"),
    (CarDataDeviceCodeExpiredError, "code_expired"),
    (MyBMWAuthError, "invalid_auth"),
    (MyBMWAPIError, "cannot_connect"),
)


def _cardata_unique_id(gcid: str) -> str:
    return f"cardata-{gcid}"


def cardata_auth(hass: HomeAssistant, client_id: str) -> CarDataAuth:
    """The login object of one device-code round (tests replace its clock and sleep)."""
    base_url = endpoints_from_env().auth_base_url  # loopback simulator override, if set
    return CarDataAuth(client_id, httpx_client=get_async_client(hass), base_url=base_url)


def _is_uuid(value: str) -> bool:
    """A UUID in its usual 36-character form (as the BMW portal shows it)."""
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _cardata_error(err: Exception) -> str:
    return next((key for cls, key in _CARDATA_ERRORS if isinstance(err, cls)), "unknown")


class CarDataFlowSteps(ConfigFlow):
    """The CarData steps; the entry's flow class combines them with MyBMW's."""

    _client_id: str | None = None
    _auth: CarDataAuth | None = None
    _device_code: DeviceCode | None = None
    _poll_task: asyncio.Task[CarDataTokens] | None = None
    _tokens: CarDataTokens | None = None
    _cardata_error: str | None = None

    async def async_step_cardata(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the client id created in the BMW portal."""
        if user_input is not None:
            self._client_id = user_input[CONF_CLIENT_ID].strip()
            return await self._async_auth_if_client_id_valid("cardata")
        return self._async_show_client_id_form("cardata")

    async def async_step_cardata_reauth(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Confirm first: the login code is only valid for a few minutes."""
        if user_input is not None:
            return await self.async_step_cardata_auth()
        return self.async_show_form(step_id="cardata_reauth", errors=self._pop_cardata_errors())

    async def async_step_cardata_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Switch to another client id (for instance after BMW broke the old one)."""
        if user_input is not None:
            self._client_id = user_input[CONF_CLIENT_ID].strip()
            return await self._async_auth_if_client_id_valid("cardata_reconfigure")
        if self._client_id is None:
            self._client_id = self._get_reconfigure_entry().data[CONF_CLIENT_ID]
        return self._async_show_client_id_form("cardata_reconfigure")

    async def _async_auth_if_client_id_valid(self, step_id: str) -> ConfigFlowResult:
        """Start the login only for a UUID: BMW's portal issues no other client ids."""
        if not _is_uuid(self._client_id or ""):
            self._cardata_error = "invalid_client_id"
            return self._async_show_client_id_form(step_id)
        return await self.async_step_cardata_auth()

    async def async_step_cardata_auth(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the link and code, and wait while the user confirms in the BMW portal."""
        if self._poll_task is None:
            assert self._client_id is not None
            self._auth = cardata_auth(self.hass, self._client_id)
            try:
                self._device_code = await self._auth.request_device_code()
            except Exception as err:
                return self._async_cardata_failed(err)
            self._poll_task = self.hass.async_create_task(
                self._auth.poll_for_tokens(self._device_code), eager_start=False
            )
        if not self._poll_task.done():
            assert self._device_code is not None
            return self.async_show_progress(
                step_id="cardata_auth",
                progress_action="cardata_login",
                progress_task=self._poll_task,
                description_placeholders={
                    "verification_uri": self._device_code.verification_uri_complete,
                    "user_code": self._device_code.user_code,
                },
            )
        task, self._poll_task = self._poll_task, None
        try:
            self._tokens = task.result()
        except Exception as err:
            LOGGER.debug("CarData login failed: %s", type(err).__name__)
            self._cardata_error = _cardata_error(err)
            return self.async_show_progress_done(next_step_id=self._cardata_retry_step())
        return self.async_show_progress_done(next_step_id="cardata_finish")

    async def async_step_cardata_finish(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Store the tokens: a new entry, or the reauthenticated/reconfigured one."""
        assert self._tokens is not None
        assert self._client_id is not None
        await self.async_set_unique_id(_cardata_unique_id(self._tokens.gcid))
        data: dict[str, Any] = {
            CONF_BACKEND: BACKEND_CARDATA,
            CONF_CLIENT_ID: self._client_id,
            CONF_TOKENS: self._tokens.as_dict(),
            CONF_CONTAINER_ID: None,
        }
        if self.source in (SOURCE_REAUTH, SOURCE_RECONFIGURE):
            entry = (
                self._get_reauth_entry()
                if self.source == SOURCE_REAUTH
                else self._get_reconfigure_entry()
            )
            self._abort_if_unique_id_mismatch(reason="wrong_account")
            if entry.data.get(CONF_CLIENT_ID) == self._client_id:
                # Same client: its container is still ours.
                data[CONF_CONTAINER_ID] = entry.data.get(CONF_CONTAINER_ID)
            return self.async_update_reload_and_abort(entry, data=data)
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title="BMW CarData", data=data)

    def _cardata_retry_step(self) -> str:
        if self.source == SOURCE_REAUTH:
            return "cardata_reauth"
        if self.source == SOURCE_RECONFIGURE:
            return "cardata_reconfigure"
        return "cardata"

    @callback
    def _async_cardata_failed(self, err: Exception) -> ConfigFlowResult:
        """The device code could not be requested: back to the form, with the reason."""
        LOGGER.debug("CarData device code request failed: %s", type(err).__name__)
        self._cardata_error = _cardata_error(err)
        if self.source == SOURCE_REAUTH:
            return self.async_show_form(step_id="cardata_reauth", errors=self._pop_cardata_errors())
        return self._async_show_client_id_form(self._cardata_retry_step())

    def _pop_cardata_errors(self) -> dict[str, str]:
        error, self._cardata_error = self._cardata_error, None
        return {"base": error} if error else {}

    @callback
    def _async_show_client_id_form(self, step_id: str) -> ConfigFlowResult:
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                CLIENT_ID_SCHEMA, {CONF_CLIENT_ID: self._client_id} if self._client_id else {}
            ),
            errors=self._pop_cardata_errors(),
        )

    @callback
    def async_remove(self) -> None:
        """Stop polling when the user closes the dialog."""
        if self._poll_task is not None and not self._poll_task.done():
            self._poll_task.cancel()
