"""Config flow: log in once (with the user's hCaptcha where needed), keep only the token."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.httpx_client import get_async_client
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from .backends import is_cardata
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
    BACKEND_MYBMW,
    CAPTCHA_REGIONS,
    CONF_BACKEND,
    CONF_CAPTCHA_TOKEN,
    CONF_CLIENT_ID,
    CONF_CONTAINER_ID,
    CONF_DAILY_REQUEST_BUDGET,
    CONF_GCID,
    CONF_READ_ONLY,
    CONF_REFRESH_TOKEN,
    CONF_REGION,
    CONF_TOKENS,
    CONF_USER_AGENT_BUILD,
    DOMAIN,
    LOGGER,
    REGION_CHINA,
    REGIONS,
)
from .contract import BMWConfigEntry
from .mybmw.api.authentication import LoginTransport, MyBMWAuthentication
from .mybmw.api.regions import CAPTCHA_URLS, get_region_from_name
from .mybmw.api.utils import generate_user_agent_build
from .mybmw.models import (
    MyBMWAPIError,
    MyBMWAuthError,
    MyBMWBlockedError,
    MyBMWCaptchaMissingError,
    MyBMWQuotaError,
)
from .refresh_planner import DEFAULT_DAILY_BUDGET, MAX_DAILY_BUDGET, MIN_DAILY_BUDGET

_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_REGION = SelectSelector(
    SelectSelectorConfig(
        options=REGIONS, translation_key="region", mode=SelectSelectorMode.DROPDOWN
    )
)

USER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_USERNAME): TextSelector(
            TextSelectorConfig(type=TextSelectorType.TEXT, autocomplete="username")
        ),
        vol.Required(CONF_PASSWORD): _PASSWORD,
        vol.Required(CONF_REGION): _REGION,
    }
)
CLIENT_ID_SCHEMA = vol.Schema({vol.Required(CONF_CLIENT_ID): TextSelector()})
CAPTCHA_SCHEMA = vol.Schema({vol.Required(CONF_CAPTCHA_TOKEN): TextSelector()})
REAUTH_SCHEMA = vol.Schema({vol.Required(CONF_PASSWORD): _PASSWORD})
RECONFIGURE_SCHEMA = vol.Schema(
    {vol.Required(CONF_REGION): _REGION, vol.Required(CONF_PASSWORD): _PASSWORD}
)
OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Optional(CONF_READ_ONLY, default=False): BooleanSelector(),
        vol.Optional(CONF_DAILY_REQUEST_BUDGET, default=DEFAULT_DAILY_BUDGET): NumberSelector(
            NumberSelectorConfig(
                min=MIN_DAILY_BUDGET,
                max=MAX_DAILY_BUDGET,
                step=1,
                mode=NumberSelectorMode.BOX,
            )
        ),
    }
)

# Client error -> config flow error key; first match wins (subclasses first).
_LOGIN_ERRORS: tuple[tuple[type[MyBMWAPIError], str], ...] = (
    (MyBMWCaptchaMissingError, "missing_captcha"),
    (MyBMWQuotaError, "quota_exceeded"),
    (MyBMWBlockedError, "blocked"),
    (MyBMWAuthError, "invalid_auth"),
    (MyBMWAPIError, "cannot_connect"),
)


# CarData login error -> config flow error key; first match wins (subclasses first).
_CARDATA_ERRORS: tuple[tuple[type[Exception], str], ...] = (
    (CarDataNewClientIdRequiredError, "new_client_id_required"),
    (CarDataInvalidClientError, "invalid_client"),
    (CarDataAccessDeniedError, "access_denied"),
    (CarDataDeviceCodeExpiredError, "code_expired"),
    (MyBMWAuthError, "invalid_auth"),
    (MyBMWAPIError, "cannot_connect"),
)


def _unique_id(region: str, username: str) -> str:
    return f"{region}-{username}"


def _cardata_unique_id(gcid: str) -> str:
    return f"cardata-{gcid}"


def cardata_auth(hass: HomeAssistant, client_id: str) -> CarDataAuth:
    """The login object of one device-code round (tests replace its clock and sleep)."""
    base_url = endpoints_from_env().auth_base_url  # loopback simulator override, if set
    return CarDataAuth(client_id, httpx_client=get_async_client(hass), base_url=base_url)


def _cardata_error(err: Exception) -> str:
    return next((key for cls, key in _CARDATA_ERRORS if isinstance(err, cls)), "unknown")


class MyBMWConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a MyBMW account: credentials, then a captcha for na/row, then one login."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing; the steps collect username, password, region and build."""
        self._data: dict[str, Any] = {}
        self._client_id: str | None = None
        self._auth: CarDataAuth | None = None
        self._device_code: DeviceCode | None = None
        self._poll_task: asyncio.Task[CarDataTokens] | None = None
        self._tokens: CarDataTokens | None = None
        self._cardata_error: str | None = None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: BMWConfigEntry) -> MyBMWOptionsFlow:
        """Return the options flow."""
        return MyBMWOptionsFlow()

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        """CarData entries have no options (no commands, BMW's fixed request limit)."""
        return not is_cardata(config_entry.data)

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask which BMW service to connect to."""
        return self.async_show_menu(step_id="user", menu_options=[BACKEND_MYBMW, BACKEND_CARDATA])

    async def async_step_mybmw(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the account's credentials and region."""
        if user_input is not None:
            username = user_input[CONF_USERNAME].strip()
            region = user_input[CONF_REGION]
            await self.async_set_unique_id(_unique_id(region, username))
            self._abort_if_unique_id_configured()
            self._data.update(user_input, **{CONF_USERNAME: username})
            self._data.setdefault(CONF_USER_AGENT_BUILD, generate_user_agent_build())
            return await self._async_login_or_ask_captcha()
        return self._async_show_user_form({})

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start re-authentication when the stored refresh token was rejected."""
        if entry_data.get(CONF_BACKEND) == BACKEND_CARDATA:
            self._client_id = entry_data[CONF_CLIENT_ID]
            return await self.async_step_cardata_reauth()
        self._data = {
            CONF_USERNAME: entry_data[CONF_USERNAME],
            CONF_REGION: entry_data[CONF_REGION],
            CONF_USER_AGENT_BUILD: entry_data.get(CONF_USER_AGENT_BUILD)
            or generate_user_agent_build(),
        }
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the password again."""
        if user_input is not None:
            self._data[CONF_PASSWORD] = user_input[CONF_PASSWORD]
            return await self._async_login_or_ask_captcha()
        return self._async_show_reauth_form({})

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the region or password of an existing account."""
        entry = self._get_reconfigure_entry()
        if is_cardata(entry.data):
            return await self.async_step_cardata_reconfigure()
        if user_input is not None:
            region = user_input[CONF_REGION]
            unique_id = _unique_id(region, entry.data[CONF_USERNAME])
            if unique_id != entry.unique_id:
                await self.async_set_unique_id(unique_id)
                self._abort_if_unique_id_configured()
            self._data = {
                CONF_USERNAME: entry.data[CONF_USERNAME],
                CONF_REGION: region,
                CONF_PASSWORD: user_input[CONF_PASSWORD],
                CONF_USER_AGENT_BUILD: entry.data.get(CONF_USER_AGENT_BUILD)
                or generate_user_agent_build(),
            }
            return await self._async_login_or_ask_captcha()
        self._data = {CONF_REGION: entry.data[CONF_REGION]}
        return self._async_show_reconfigure_form({})

    async def async_step_captcha(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a freshly solved hCaptcha token (single use)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = await self._async_login(user_input[CONF_CAPTCHA_TOKEN].strip())
            if not errors:
                return self._async_finish()
            if errors["base"] == "invalid_auth":
                # Wrong password: back to the form that asked for it.
                return self._async_show_credentials_form(errors)
        return self.async_show_form(
            step_id="captcha",
            data_schema=CAPTCHA_SCHEMA,
            errors=errors,
            description_placeholders={
                "captcha_url": CAPTCHA_URLS[get_region_from_name(self._data[CONF_REGION])]
            },
        )

    async def _async_login_or_ask_captcha(self) -> ConfigFlowResult:
        if self._data[CONF_REGION] in CAPTCHA_REGIONS:
            return await self.async_step_captcha()
        if errors := await self._async_login(None):
            return self._async_show_credentials_form(errors)
        return self._async_finish()

    async def _async_login(self, captcha_token: str | None) -> dict[str, str]:
        """Log in only (no vehicle load, to spare the quota); return form errors."""
        auth = MyBMWAuthentication(
            self._data[CONF_USERNAME],
            self._data[CONF_PASSWORD],
            get_region_from_name(self._data[CONF_REGION]),
            hcaptcha_token=captcha_token,
        )
        transport = LoginTransport(
            http=get_async_client(self.hass), user_agent_build=self._data[CONF_USER_AGENT_BUILD]
        )
        try:
            await auth.login(transport)
        except MyBMWAPIError as err:
            key = next(key for cls, key in _LOGIN_ERRORS if isinstance(err, cls))
            LOGGER.debug("Login failed: %s", type(err).__name__)
            return {"base": key}
        except Exception:
            LOGGER.exception("Unexpected error during login")
            return {"base": "unknown"}
        if not auth.refresh_token:
            return {"base": "unknown"}
        self._data[CONF_REFRESH_TOKEN] = auth.refresh_token
        self._data[CONF_GCID] = auth.gcid
        return {}

    @callback
    def _async_finish(self) -> ConfigFlowResult:
        """Store the tokens; the password only where it can log in unattended (China)."""
        data = {
            key: self._data[key]
            for key in (
                CONF_USERNAME,
                CONF_REGION,
                CONF_REFRESH_TOKEN,
                CONF_GCID,
                CONF_USER_AGENT_BUILD,
            )
        }
        if data[CONF_REGION] == REGION_CHINA:
            data[CONF_PASSWORD] = self._data[CONF_PASSWORD]
        if self.source == SOURCE_REAUTH:
            return self.async_update_reload_and_abort(self._get_reauth_entry(), data=data)
        if self.source == SOURCE_RECONFIGURE:
            return self.async_update_reload_and_abort(
                self._get_reconfigure_entry(),
                unique_id=_unique_id(data[CONF_REGION], data[CONF_USERNAME]),
                data=data,
            )
        return self.async_create_entry(title=data[CONF_USERNAME], data=data)

    @callback
    def _async_show_credentials_form(self, errors: dict[str, str]) -> ConfigFlowResult:
        if self.source == SOURCE_REAUTH:
            return self._async_show_reauth_form(errors)
        if self.source == SOURCE_RECONFIGURE:
            return self._async_show_reconfigure_form(errors)
        return self._async_show_user_form(errors)

    @callback
    def _async_show_user_form(self, errors: dict[str, str]) -> ConfigFlowResult:
        suggested = {k: v for k, v in self._data.items() if k in (CONF_USERNAME, CONF_REGION)}
        return self.async_show_form(
            step_id=BACKEND_MYBMW,
            data_schema=self.add_suggested_values_to_schema(USER_SCHEMA, suggested),
            errors=errors,
        )

    @callback
    def _async_show_reauth_form(self, errors: dict[str, str]) -> ConfigFlowResult:
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=REAUTH_SCHEMA,
            errors=errors,
            description_placeholders={CONF_USERNAME: self._data[CONF_USERNAME]},
        )

    @callback
    def _async_show_reconfigure_form(self, errors: dict[str, str]) -> ConfigFlowResult:
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                RECONFIGURE_SCHEMA, {CONF_REGION: self._data[CONF_REGION]}
            ),
            errors=errors,
        )

    # --- BMW CarData: client id, then the device-code login ----------------------------

    async def async_step_cardata(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the client id created in the BMW portal."""
        if user_input is not None:
            self._client_id = user_input[CONF_CLIENT_ID].strip()
            return await self.async_step_cardata_auth()
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
            return await self.async_step_cardata_auth()
        if self._client_id is None:
            self._client_id = self._get_reconfigure_entry().data[CONF_CLIENT_ID]
        return self._async_show_client_id_form("cardata_reconfigure")

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


class MyBMWOptionsFlow(OptionsFlow):
    """Options: read-only mode (no command entities) and the daily request budget."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and store the options, keeping any this form does not show."""
        if user_input is not None:
            if CONF_DAILY_REQUEST_BUDGET in user_input:
                # The number selector answers floats; the planner counts whole requests.
                user_input[CONF_DAILY_REQUEST_BUDGET] = int(user_input[CONF_DAILY_REQUEST_BUDGET])
            entry = self.config_entry
            options = {**entry.options, **user_input}
            if _without_budget(options) != _without_budget(dict(entry.options)):
                # Read-only mode changes which entities exist: reload to apply.
                self.hass.config_entries.async_schedule_reload(entry.entry_id)
            elif CONF_DAILY_REQUEST_BUDGET in options and entry.state is ConfigEntryState.LOADED:
                # A new daily budget alone is applied in place: a reload would cost a login.
                entry.runtime_data.async_set_budget(int(options[CONF_DAILY_REQUEST_BUDGET]))
            return self.async_create_entry(data=options)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                OPTIONS_SCHEMA, self.config_entry.options
            ),
        )


def _without_budget(options: dict[str, Any]) -> dict[str, Any]:
    """The options that need a reload; read-only off is the same as not set."""
    rest = {k: v for k, v in options.items() if k != CONF_DAILY_REQUEST_BUDGET}
    rest.setdefault(CONF_READ_ONLY, False)
    return rest
