"""Access to a MyBMW account and all vehicles in it."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
import datetime
import logging
from typing import Any
import weakref

import httpx

from .api.authentication import MyBMWAuthentication
from .api.client import MyBMWClient, MyBMWClientConfiguration
from .api.errors import response_json
from .api.regions import Regions
from .const import (
    VEHICLE_CHARGING_DETAILS_PATH,
    VEHICLE_LIST_PATH,
    VEHICLE_PROFILE_PATH,
    VEHICLE_STATE_PATH,
    CarBrands,
)
from .models import (
    AnonymizedResponse,
    GPSPosition,
    MyBMWAPIError,
    MyBMWAuthError,
    MyBMWBlockedError,
    MyBMWCaptchaMissingError,
    MyBMWQuotaError,
)
from .utils import SYSTEM_TIME_ZONE
from .vehicle.vehicle import MyBMWVehicle

_LOGGER = logging.getLogger(__name__)

LIST_BRANDS = (CarBrands.BMW, CarBrands.MINI, CarBrands.TOYOTA)
"""Each brand has its own vehicle list; the brand is chosen by ``x-user-agent``."""

ChargingDetailsPolicy = Callable[[MyBMWVehicle], bool]


# Errors that concern the whole account: stop at once instead of trying the next vehicle.
_ACCOUNT_ERRORS = (MyBMWAuthError, MyBMWCaptchaMissingError, MyBMWQuotaError, MyBMWBlockedError)


def _capabilities(vehicle_state: dict[str, Any] | None) -> dict[str, Any]:
    capabilities = (vehicle_state or {}).get("capabilities")
    return capabilities if isinstance(capabilities, dict) else {}


def supports_charging_details(vehicle_state: dict[str, Any] | None) -> bool:
    """Return True when the state says the charging-details call has something to return."""
    capabilities = _capabilities(vehicle_state)
    return bool(
        capabilities.get("isChargingPlanSupported") or capabilities.get("isChargingSettingsEnabled")
    )


def _brand_of(vehicle_base: dict[str, Any]) -> CarBrands:
    """Return the brand for API calls from a profile's ``brand`` (``BMW_I`` -> bmw)."""
    brand = CarBrands(str(vehicle_base.get("brand") or "").split("_")[0])
    return brand if brand in LIST_BRANDS else CarBrands.BMW


def _json_dict(response: httpx.Response, what: str) -> dict[str, Any]:
    data = response_json(response)
    if not isinstance(data, dict):
        raise MyBMWAPIError(f"Unexpected {what} answer")
    return data


_ACCOUNTS: weakref.WeakSet[MyBMWAccount] = weakref.WeakSet()
"""Live accounts, for ``MyBMWAccount.get_stored_responses()`` called on the class."""


class _StoredResponses:
    """``get_stored_responses`` on an account, or on the class as the reference library has it.

    ``account.get_stored_responses()`` returns that account's recorded
    responses (kept). ``MyBMWAccount.get_stored_responses()`` (the reference's
    static form) returns those of every live account and empties the stores, so
    a second call returns only what was recorded since.
    """

    def __get__(
        self, account: MyBMWAccount | None, owner: type[MyBMWAccount] | None = None
    ) -> Callable[[], list[AnonymizedResponse]]:
        if account is not None:
            store = account.config.response_store
            return lambda: store
        return _take_all_responses


def _take_all_responses() -> list[AnonymizedResponse]:
    """Every live account's recorded responses; the stores are emptied."""
    taken: list[AnonymizedResponse] = []
    for account in list(_ACCOUNTS):
        store = account.config.response_store
        taken.extend(store)
        store.clear()
    return taken


@dataclass
class _VehicleRecord:
    """The raw answers a vehicle was last built from; kept so a partial refresh keeps the rest."""

    brand: CarBrands
    base: dict[str, Any]
    state: dict[str, Any] | None = None
    charging_settings: dict[str, Any] | None = None
    fetched_at: datetime.datetime | None = None
    charging_settings_at: datetime.datetime | None = None


class MyBMWAccount:
    """A MyBMW account: its login state and its vehicles."""

    def __init__(  # noqa: PLR0917 - positional order of the reference library
        self,
        username: str,
        password: str,
        region: Regions,
        config: MyBMWClientConfiguration | None = None,
        log_responses: bool = False,
        observer_position: GPSPosition | None = None,
        use_metric_units: bool | None = None,
        *,
        hcaptcha_token: str | None = None,
        httpx_client: httpx.AsyncClient | None = None,
        user_agent_build: str | None = None,
    ) -> None:
        """Positional order as the reference library documents it.

        ``use_metric_units`` is accepted for code written for the reference
        (which deprecated it): values are always metric (km, L).
        """
        if use_metric_units is False:
            _LOGGER.warning("use_metric_units=False is ignored: values are always metric")
        if config is None:
            config = MyBMWClientConfiguration(
                MyBMWAuthentication(username, password, region, hcaptcha_token=hcaptcha_token),
                log_responses=log_responses,
                observer_position=observer_position,
                httpx_client=httpx_client,
                user_agent_build=user_agent_build,
            )
        self.config = config
        self.username = config.authentication.username
        self.region = config.authentication.region
        self._vehicles: dict[str, MyBMWVehicle] = {}
        self._timezone: datetime.tzinfo | None = None
        self._records: dict[str, _VehicleRecord] = {}
        self._listed_brands: tuple[CarBrands, ...] | None = None
        self._missing_profiles: dict[str, CarBrands] = {}
        """Listed vehicles whose profile failed to load; retried on the next call."""
        self._failing: set[str] = set()
        """Keys of loads that failed last time: warn when one starts failing, not every poll."""
        _ACCOUNTS.add(self)

    # --- properties ---------------------------------------------------------------------

    @property
    def vehicles(self) -> list[MyBMWVehicle]:
        """The vehicles of the account, in the order the server listed them."""
        return list(self._vehicles.values())

    @property
    def refresh_token(self) -> str | None:
        """The current refresh token."""
        return self.config.authentication.refresh_token

    @property
    def gcid(self) -> str | None:
        """The current customer id (GCID)."""
        return self.config.authentication.gcid

    @property
    def timezone(self) -> datetime.tzinfo:
        """The zone the cars' local clock times (e.g. the charging window) are read in.

        The one set with ``account.timezone = zone`` (Home Assistant sets its
        configured zone: a container often runs in UTC while the owner's car
        does not); otherwise this machine's zone, with its daylight-saving
        rules for every date (:class:`~.utils.SystemTimeZone`).
        """
        return self._timezone if self._timezone is not None else SYSTEM_TIME_ZONE

    @timezone.setter
    def timezone(self, zone: datetime.tzinfo | None) -> None:
        """Use ``zone`` for local clock times from now on (``None``: this machine's zone)."""
        self._timezone = zone

    @property
    def utcdiff(self) -> int:
        """The difference of :attr:`timezone` to UTC now, in minutes."""
        now = datetime.datetime.now(datetime.UTC).astimezone(self.timezone)
        offset = now.utcoffset() or datetime.timedelta()
        return round(offset.total_seconds() / 60)

    # --- setters ------------------------------------------------------------------------

    def set_observer_position(self, latitude: float, longitude: float) -> None:
        """Set the position used to locate vehicles that report none themselves."""
        self.config.observer_position = GPSPosition(latitude, longitude)

    def set_refresh_token(
        self,
        refresh_token: str | None,
        gcid: str | None = None,
        *,
        access_token: str | None = None,
        expires_at: datetime.datetime | None = None,
        session_id: str | None = None,
    ) -> None:
        """Restore stored login state (refresh token, gcid; optionally access token and session)."""
        self.config.authentication.set_refresh_token(
            refresh_token,
            gcid,
            access_token=access_token,
            expires_at=expires_at,
            session_id=session_id,
        )

    get_stored_responses = _StoredResponses()

    def get_vehicle(self, vin: str) -> MyBMWVehicle | None:
        """Return the vehicle with this VIN (any case), or None."""
        return self._vehicles.get(vin.upper())

    def add_vehicle(
        self,
        vehicle_base: dict[str, Any],
        vehicle_state: dict[str, Any] | None,
        charging_settings: dict[str, Any] | None,
        fetched_at: datetime.datetime | None = None,
    ) -> None:
        """Add a vehicle, or update it when the account already holds it."""
        vin = str(vehicle_base["vin"]).upper()
        record = self._records.get(vin)
        if record is None:
            record = self._records[vin] = _VehicleRecord(
                brand=_brand_of(vehicle_base), base=vehicle_base
            )
        record.base, record.state = vehicle_base, vehicle_state
        record.charging_settings, record.fetched_at = charging_settings, fetched_at
        vehicle = self._vehicles.get(vin)
        if vehicle is None:
            self._vehicles[vin] = MyBMWVehicle(
                self, vehicle_base, vehicle_state, charging_settings, fetched_at
            )
        else:
            vehicle.update_state(vehicle_base, vehicle_state, charging_settings, fetched_at)

    # --- loading ------------------------------------------------------------------------

    def _note_failure(
        self, key: str, what: str, err: MyBMWAPIError, *, quiet: bool = False
    ) -> None:
        """Log a per-vehicle failure once per outage (no VIN: ``key`` stays internal)."""
        level = logging.DEBUG if quiet or key in self._failing else logging.WARNING
        self._failing.add(key)
        _LOGGER.log(level, "%s: %s (HTTP %s)", what, type(err).__name__, err.status_code)

    def _note_success(self, key: str) -> None:
        if key in self._failing:
            self._failing.discard(key)
            _LOGGER.info("A vehicle that failed to load is readable again")

    async def get_vehicles(
        self,
        force_init: bool = False,
        *,
        charging_details: ChargingDetailsPolicy | None = None,
        vins: Collection[str] | None = None,
        relist: bool = False,
    ) -> None:
        """Load the account's vehicles, or refresh their state.

        The vehicle lists and profiles are read on the first call and on
        ``force_init``; ``relist`` reads every brand's list again but only the
        profiles of new vehicles (to notice cars added or removed for a few
        calls). Later calls only read each vehicle's state (only those in
        ``vins`` when given), and its charging details when
        ``charging_details(vehicle)`` says so (default: whenever the vehicle
        supports them). A vehicle that fails keeps its previous data; only when
        every vehicle read fails is the error raised.
        """
        async with MyBMWClient(self.config) as client:
            if force_init or relist or self._listed_brands is None or not self._vehicles:
                await self._init_vehicles(client, force_init, every_brand=force_init or relist)
            elif self._missing_profiles:
                await self._load_profiles(client, dict(self._missing_profiles), force_init=False)
            wanted = None if vins is None else {vin.upper() for vin in vins}
            selected = [vin for vin in self._vehicles if wanted is None or vin in wanted]
            failures: list[tuple[str, MyBMWAPIError]] = []
            for vin in selected:
                try:
                    await self._update_vehicle(client, vin, charging_details)
                except _ACCOUNT_ERRORS:
                    raise
                except MyBMWAPIError as err:
                    failures.append((vin, err))
                else:
                    self._note_success(vin)
            every_one = bool(failures) and len(failures) == len(selected)
            for vin, failure in failures:
                # When all failed, the caller reports the raised error: say it once, not per car.
                self._note_failure(vin, "Updating a vehicle failed", failure, quiet=every_one)
            if every_one:
                raise failures[-1][1]

    async def refresh_vehicle(
        self, vin: str, *, charging_details: bool | None = None
    ) -> MyBMWVehicle:
        """Refresh one vehicle's state (and charging details: True, or None = when supported)."""
        key = vin.upper()
        if key not in self._records:
            raise ValueError("This vehicle is not part of the account; load the vehicles first")

        def policy(vehicle: MyBMWVehicle) -> bool:
            if charging_details is None:
                return supports_charging_details(self._records[key].state)
            return charging_details

        async with MyBMWClient(self.config) as client:
            await self._update_vehicle(client, key, policy)
        return self._vehicles[key]

    async def refresh_charging_details(self, vin: str, *, max_age: datetime.timedelta) -> None:
        """Read the vehicle's charging details again if they are older than ``max_age``.

        A command built from charging details (the charging profile) would
        otherwise send back settings changed in the app since they were read.
        One request: the state is not read again.
        """
        key = vin.upper()
        record = self._records.get(key)
        if record is None:
            raise ValueError("This vehicle is not part of the account; load the vehicles first")
        read_at = record.charging_settings_at
        if read_at is None or datetime.datetime.now(datetime.UTC) - read_at > max_age:
            async with MyBMWClient(self.config) as client:
                await self._update_charging_details(client, key)

    async def _init_vehicles(
        self, client: MyBMWClient, force_init: bool, *, every_brand: bool
    ) -> None:
        """Read the vehicle lists and the profiles of vehicles not known yet (all on force_init)."""
        brands = LIST_BRANDS if every_brand or not self._listed_brands else self._listed_brands
        listed: dict[str, CarBrands] = {}
        for brand in brands:
            response = await client.post(VEHICLE_LIST_PATH, brand=brand)
            mapping_infos = _json_dict(response, "vehicle list").get("mappingInfos")
            for info in mapping_infos if isinstance(mapping_infos, list) else []:
                vin = info.get("vin") if isinstance(info, dict) else None
                if isinstance(vin, str) and vin and vin.upper() not in listed:
                    listed[vin.upper()] = brand

        for vin in [known for known in self._records if known not in listed]:
            _LOGGER.info("A vehicle is no longer part of the account; removing it")
            self._vehicles.pop(vin, None)
            del self._records[vin]
        self._missing_profiles = {
            vin: brand for vin, brand in self._missing_profiles.items() if vin in listed
        }

        # Later initialisations (e.g. after every profile failed) only ask the
        # brands that had vehicles; force_init and relist ask all of them again.
        self._listed_brands = tuple(dict.fromkeys(listed.values()))
        await self._load_profiles(client, listed, force_init=force_init)

    async def _load_profiles(
        self, client: MyBMWClient, listed: dict[str, CarBrands], *, force_init: bool
    ) -> None:
        """Read the profiles of new vehicles (of all listed ones on force_init)."""
        errors: list[MyBMWAPIError] = []
        for vin, brand in listed.items():
            if vin in self._records and not force_init:
                continue
            try:
                base = await self._fetch_profile(client, vin, brand)
            except _ACCOUNT_ERRORS:
                raise
            except MyBMWAPIError as err:
                self._note_failure(f"profile {vin}", "Loading a vehicle profile failed", err)
                errors.append(err)
                self._missing_profiles[vin] = brand
                continue
            self._missing_profiles.pop(vin, None)
            self._note_success(f"profile {vin}")
            record = self._records.get(vin)
            if record is None:
                self._records[vin] = _VehicleRecord(brand=brand, base=base)
                self._vehicles[vin] = MyBMWVehicle(self, base)
            else:
                record.brand, record.base = brand, base
        if errors and not self._vehicles:
            raise errors[-1]

    async def _fetch_profile(
        self, client: MyBMWClient, vin: str, brand: CarBrands
    ) -> dict[str, Any]:
        response = await client.get(VEHICLE_PROFILE_PATH, headers={"bmw-vin": vin}, brand=brand)
        base = _json_dict(response, "vehicle profile")
        base["vin"] = vin
        if brand == CarBrands.TOYOTA:
            # The server names Toyota "DRITTKUNDE" (third-party customer).
            base["brand"] = CarBrands.TOYOTA.value.upper()
        return base

    async def _update_vehicle(
        self, client: MyBMWClient, vin: str, policy: ChargingDetailsPolicy | None
    ) -> None:
        """Read one vehicle's state (and maybe charging details) and apply it."""
        record = self._records[vin]
        fetched_at = datetime.datetime.now(datetime.UTC)
        response = await client.get(
            VEHICLE_STATE_PATH,
            params={"apptimezone": 0, "appDateTime": int(fetched_at.timestamp() * 1000)},
            headers={"bmw-vin": vin},
            brand=record.brand,
        )
        state = _json_dict(response, "vehicle state")

        vehicle = self._vehicles[vin]
        # Apply the state first, so a policy sees the current capabilities.
        record.state, record.fetched_at = state, fetched_at
        vehicle.update_state(record.base, state, record.charging_settings, fetched_at)
        wanted = supports_charging_details(state) if policy is None else policy(vehicle)
        if wanted:
            await self._update_charging_details(client, vin)

    async def _update_charging_details(self, client: MyBMWClient, vin: str) -> None:
        """Read one vehicle's charging details and apply them to its last state."""
        record = self._records[vin]
        capabilities = _capabilities(record.state)
        response = await client.get(
            VEHICLE_CHARGING_DETAILS_PATH,
            params={
                "fields": "charging-profile",
                "has_charging_settings_capabilities": str(
                    bool(capabilities.get("isChargingSettingsEnabled"))
                ).lower(),
            },
            headers={
                "bmw-vin": vin,
                "bmw-current-date": datetime.datetime.now(datetime.UTC)
                .replace(microsecond=0)
                .isoformat(),
            },
            brand=record.brand,
        )
        record.charging_settings = _json_dict(response, "charging details")
        record.charging_settings_at = datetime.datetime.now(datetime.UTC)
        self._vehicles[vin].update_state(
            record.base, record.state, record.charging_settings, record.fetched_at
        )
