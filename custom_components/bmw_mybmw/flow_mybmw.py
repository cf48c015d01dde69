"""Config flow steps of a MyBMW login: credentials, a captcha for na/row, then one login."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import callback
from homeassistant.helpers.httpx_client import get_async_client
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from .const import (
    BACKEND_MYBMW,
    CAPTCHA_REGIONS,
    CONF_CAPTCHA_TOKEN,
    CONF_GCID,
    CONF_REFRESH_TOKEN,
    CONF_REGION,
    CONF_USER_AGENT_BUILD,
    LOGGER,
    REGION_CHINA,
    REGIONS,
)
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
from .region_default import region_for_country

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
CAPTCHA_SCHEMA = vol.Schema({vol.Required(CONF_CAPTCHA_TOKEN): TextSelector()})
REAUTH_SCHEMA = vol.Schema({vol.Required(CONF_PASSWORD): _PASSWORD})
RECONFIGURE_SCHEMA = vol.Schema(
    {vol.Required(CONF_REGION): _REGION, vol.Required(CONF_PASSWORD): _PASSWORD}
)
# Client error -> config flow error key; first match wins (subclasses first).
_LOGIN_ERRORS: tuple[tuple[type[MyBMWAPIError], str], ...] = (
    (MyBMWCaptchaMissingError, "missing_captcha"),
    (MyBMWQuotaError, "quota_exceeded"),
    (MyBMWBlockedError, "blocked"),
    (MyBMWAuthError, "invalid_auth"),
    (MyBMWAPIError, "cannot_connect"),
)


def _unique_id(region: str, username: str) -> str:
    return f"{region}-{username}"


class MyBMWFlowSteps(ConfigFlow):
    """The MyBMW steps; the entry's flow class combines them with CarData's."""

    _data: dict[str, Any]

    def _async_start_mybmw_reauth(self, entry_data: Mapping[str, Any]) -> None:
        """Keep what the login needs besides the password."""
        self._data = {
            CONF_USERNAME: entry_data[CONF_USERNAME],
            CONF_REGION: entry_data[CONF_REGION],
            CONF_USER_AGENT_BUILD: entry_data.get(CONF_USER_AGENT_BUILD)
            or generate_user_agent_build(),
        }

    async def _async_mybmw_reconfigure(self, user_input: dict[str, Any] | None) -> ConfigFlowResult:
        """Change the region or password of an existing account."""
        entry = self._get_reconfigure_entry()
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

    async def async_step_mybmw(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the account's credentials and region."""
        if user_input is not None:
            username = user_input[CONF_USERNAME].strip()
            if not username:
                return self._async_show_user_form({CONF_USERNAME: "username_empty"})
            region = user_input[CONF_REGION]
            await self.async_set_unique_id(_unique_id(region, username))
            self._abort_if_unique_id_configured()
            self._data.update(user_input, **{CONF_USERNAME: username})
            self._data.setdefault(CONF_USER_AGENT_BUILD, generate_user_agent_build())
            return await self._async_login_or_ask_captcha()
        return self._async_show_user_form({})

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the password again."""
        if user_input is not None:
            self._data[CONF_PASSWORD] = user_input[CONF_PASSWORD]
            return await self._async_login_or_ask_captcha()
        return self._async_show_reauth_form({})

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
        suggested = {CONF_REGION: region_for_country(self.hass.config.country)}
        suggested |= {k: v for k, v in self._data.items() if k in (CONF_USERNAME, CONF_REGION)}
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
