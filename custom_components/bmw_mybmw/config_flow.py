"""Config flow: pick the backend (its steps log in once and keep only tokens), and options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)
import voluptuous as vol

from .backends import is_cardata
from .const import (
    BACKEND_CARDATA,
    BACKEND_MYBMW,
    CONF_CLIENT_ID,
    CONF_DAILY_REQUEST_BUDGET,
    CONF_READ_ONLY,
    DOMAIN,
)
from .contract import BMWConfigEntry
from .flow_cardata import CarDataFlowSteps
from .flow_mybmw import MyBMWFlowSteps
from .refresh_planner import DEFAULT_DAILY_BUDGET, MAX_DAILY_BUDGET, MIN_DAILY_BUDGET

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


class MyBMWConfigFlow(MyBMWFlowSteps, CarDataFlowSteps, domain=DOMAIN):
    """Set up an account: the user picks the backend, its steps do the login."""

    VERSION = 2  # 2: vehicle entity unique ids per entry (migration.py)

    def __init__(self) -> None:
        """Start with nothing; the steps collect what their login needs."""
        self._data: dict[str, Any] = {}

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

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start re-authentication when the stored login was rejected."""
        if is_cardata(entry_data):
            self._client_id = entry_data[CONF_CLIENT_ID]
            return await self.async_step_cardata_reauth()
        self._async_start_mybmw_reauth(entry_data)
        return await self.async_step_reauth_confirm()

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the login of an existing account."""
        if is_cardata(self._get_reconfigure_entry().data):
            return await self.async_step_cardata_reconfigure()
        return await self._async_mybmw_reconfigure(user_input)


class MyBMWOptionsFlow(OptionsFlow):
    """Options: read-only mode (no command entities) and the daily request budget."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and store the options, keeping any this form does not show."""
        errors: dict[str, str] = {}
        budget = (user_input or {}).get(CONF_DAILY_REQUEST_BUDGET)
        if budget is not None and budget != int(budget):
            # The planner counts whole requests; the selector's step is only a hint.
            errors[CONF_DAILY_REQUEST_BUDGET] = "budget_not_whole"
        if user_input is not None and not errors:
            if budget is not None:
                # The number selector answers floats.
                user_input[CONF_DAILY_REQUEST_BUDGET] = int(budget)
            entry = self.config_entry
            options = {**entry.options, **user_input}
            if _without_budget(options) != _without_budget(dict(entry.options)):
                # Read-only mode changes which entities exist: store, then reload to apply.
                self.hass.config_entries.async_update_entry(entry, options=options)
                self.hass.config_entries.async_schedule_reload(entry.entry_id)
            elif CONF_DAILY_REQUEST_BUDGET in options and entry.state is ConfigEntryState.LOADED:
                # A new daily budget alone is applied in place: a reload would cost a login.
                entry.runtime_data.async_set_budget(int(options[CONF_DAILY_REQUEST_BUDGET]))
            return self.async_create_entry(data=options)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                OPTIONS_SCHEMA, user_input or self.config_entry.options
            ),
            errors=errors,
        )


def _without_budget(options: dict[str, Any]) -> dict[str, Any]:
    """The options that need a reload; read-only off is the same as not set."""
    rest = {k: v for k, v in options.items() if k != CONF_DAILY_REQUEST_BUDGET}
    rest.setdefault(CONF_READ_ONLY, False)
    return rest
