"""The ``mybmw`` command line: status, fingerprints, images and remote commands.

Subcommands, positional arguments and defaults follow the reference library's
``bimmerconnected`` tool; ``lock`` and ``unlock`` are added. Tokens are kept in
an OAuth store file (mode 0600) so only the first login needs a captcha.

Secrets need not be arguments (which every local user sees in ``ps``): the
password may be left out and comes from ``MYBMW_PASSWORD`` or a prompt, the
captcha token from ``MYBMW_CAPTCHA_TOKEN`` or ``--captcha-token`` without a
value (a prompt). The reference's ``USER PASSWORD REGION`` form still works.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Sequence
import contextlib
import datetime
import enum
import getpass
import json
import logging
import os
from pathlib import Path
import sys
from typing import Any, Final, TextIO

import httpx

from . import __version__
from .account import MyBMWAccount
from .api.anonymize import Anonymizer
from .api.log_redaction import RedactingFilter
from .api.regions import CAPTCHA_URLS, Regions, get_region_from_name
from .const import SESSION_ID_MAX_AGE_DAYS
from .models import (
    DEFAULT_POI_NAME,
    AnonymizedResponse,
    MyBMWAPIError,
    MyBMWAuthError,
    MyBMWBlockedError,
    MyBMWCaptchaInvalidError,
    MyBMWCaptchaMissingError,
    MyBMWConnectionError,
    MyBMWQuotaError,
    MyBMWRemoteServiceError,
    PointOfInterest,
)
from .utils import MyBMWJSONEncoder
from .vehicle.charging_profile import ChargingMode
from .vehicle.remote_services import ExecutionState, RemoteServiceStatus, Services

_LOGGER = logging.getLogger(__name__)

DEFAULT_OAUTH_STORE: Final = Path("~/.mybmw_oauth_store.json")
DEFAULT_FINGERPRINT_DIR: Final = Path("~/vehicle_fingerprint")
NOMINATIM_URL: Final = "https://nominatim.openstreetmap.org/search"
NOMINATIM_USER_AGENT: Final = (
    f"bmw-mybmw-cli/{__version__} (+https://github.com/bmw-mybmw/bmw_mybmw)"
)
REGION_CHOICES: Final = [r.name.lower() for r in Regions]
PASSWORD_ENV: Final = "MYBMW_PASSWORD"
CAPTCHA_ENV: Final = "MYBMW_CAPTCHA_TOKEN"
PROMPT: Final = "-"
"""``--captcha-token`` without a value: ask for it."""
NO_PASSWORD: Final = f"no password given (set {PASSWORD_ENV} or run in a terminal)"
TRANSPORT_LOGGERS: Final = ("httpcore", "hpack", "h2")
"""Their debug traces print raw headers; the login's ``location`` carries the OAuth code."""


class ExitCode(enum.IntEnum):
    """Process exit codes a shell script can branch on."""

    OK = 0
    ERROR = 1  # API or remote-command failure
    USAGE = 2  # bad arguments / invalid value (argparse uses 2 as well)
    AUTH = 3  # wrong user name or password, token rejected
    CAPTCHA = 4  # a password login needs --captcha-token
    QUOTA = 5  # rate limit or daily quota exhausted
    UNKNOWN_VIN = 6  # no such vehicle in the account
    BLOCKED = 7  # BMW blocks this client
    CONNECTION = 8  # server not reachable
    NOT_FOUND = 9  # geocoding found nothing


class CLIError(Exception):
    """A user-facing failure with its exit code."""

    def __init__(self, message: str, code: ExitCode) -> None:
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------- parser


def _bool_arg(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="mybmw", description="Query and control vehicles of a MyBMW account."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    # bimmer_connected 0.17's tool takes these before the subcommand; so do we.
    parser.add_argument("--debug", dest="top_debug", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--oauth-store", dest="top_oauth_store", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--disable-oauth-store", dest="top_disable", action="store_true", help=argparse.SUPPRESS
    )

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("username", help="MyBMW user name (China: mobile number with 86 prefix)")
    common.add_argument(
        "password",
        nargs="?",
        default=None,
        help=f"MyBMW password; better left out: ${PASSWORD_ENV} or a prompt (argv shows in ps)",
    )
    # Checked in parse_args (not by choices): a region in the password's place means "no password".
    common.add_argument(
        "region",
        metavar="{" + ",".join(REGION_CHOICES) + "}",
        help="Region of the MyBMW account",
    )
    common.add_argument(
        "--captcha-token",
        nargs="?",
        const=PROMPT,
        default=None,
        help=f"hCaptcha token for a password login; without a value: prompt (or ${CAPTCHA_ENV})",
    )
    common.add_argument(
        "--oauth-store",
        type=Path,
        default=DEFAULT_OAUTH_STORE,
        help="File keeping the login tokens between runs (default: %(default)s)",
    )
    common.add_argument(
        "--disable-oauth-store", action="store_true", help="Neither read nor write the token file"
    )
    common.add_argument("--debug", action="store_true", help="Print debug logs")

    with_vin = argparse.ArgumentParser(add_help=False, parents=[common])
    with_vin.add_argument("vin", help="Vehicle Identification Number")

    sub = parser.add_subparsers(dest="cmd", metavar="cmd", required=True)

    def add(name: str, help_text: str, parent: argparse.ArgumentParser) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text, parents=[parent])

    _add_commands(add, common, with_vin)
    return parser


_NO_PASSWORD: Final = "\x00no-password"
"""Stands in for a left-out password while parsing (no real password holds a NUL)."""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse with the password optional in the reference's ``USER PASSWORD REGION`` order.

    With trailing optional positionals (``[lat] [lng]``) argparse would give a
    left-out password's place to the region; when the region is not one and
    the "password" is, the password was left out: parse again with a
    placeholder after the user name.
    """
    parser = build_parser()
    tokens = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(tokens)
    if args.region not in REGION_CHOICES and args.password in REGION_CHOICES:
        at = next(
            (
                i + 1
                for i in range(len(tokens) - 1)
                if tokens[i] == args.username and tokens[i + 1] == args.password
            ),
            None,
        )
        if at is not None:
            args = parser.parse_args([*tokens[:at], _NO_PASSWORD, *tokens[at:]])
    if args.password == _NO_PASSWORD:
        args.password = None
    if args.region not in REGION_CHOICES:
        parser.error(
            f"argument region: invalid choice: {args.region!r} (choose from {REGION_CHOICES})"
        )
    args.debug = args.debug or args.top_debug
    args.disable_oauth_store = args.disable_oauth_store or args.top_disable
    if args.top_oauth_store is not None:
        args.oauth_store = args.top_oauth_store
    return args


def _add_position(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "lat", type=float, nargs="?", help="(optional) Your current GPS latitude (as float)"
    )
    p.add_argument(
        "lng", type=float, nargs="?", help="(optional) Your current GPS longitude (as float)"
    )


def _add_commands(
    add: Callable[[str, str, argparse.ArgumentParser], argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    with_vin: argparse.ArgumentParser,
) -> None:
    """Declare every subcommand with the reference tool's arguments and defaults."""
    status = add("status", "Get the current status of the vehicle.", common)
    status.add_argument(
        "-j", "--json", action="store_true", help="Output as JSON only. Removes all other output."
    )
    status.add_argument("-v", "--vin", nargs="?", default=None, help="Only this vehicle")
    _add_position(status)

    fingerprint = add("fingerprint", "Save a vehicle fingerprint.", common)
    _add_position(fingerprint)
    fingerprint.add_argument(
        "--output-dir",
        type=Path,
        default=DEFAULT_FINGERPRINT_DIR,
        help="Base folder; a timestamped sub-folder is created (default: %(default)s)",
    )

    add("lightflash", "Flash the vehicle lights.", with_vin)
    add("horn", "Trigger the vehicle horn", with_vin)
    add("lock", "Lock the vehicle.", with_vin)
    add("unlock", "Unlock the vehicle.", with_vin)

    finder = add("vehiclefinder", "Update the vehicle GPS location.", with_vin)
    _add_position(finder)

    settings = add("chargingsettings", "Set vehicle charging settings.", with_vin)
    settings.add_argument(
        "--target-soc", type=int, nargs="?", default=None, help="Desired charging target SoC"
    )
    settings.add_argument("--ac-limit", type=int, nargs="?", default=None, help="Maximum AC limit")

    profile = add("chargingprofile", "Set vehicle charging profile.", with_vin)
    profile.add_argument(
        "--charging-mode",
        nargs="?",
        choices=[ChargingMode.IMMEDIATE_CHARGING.value, ChargingMode.DELAYED_CHARGING.value],
        default=None,
        help="Desired charging mode",
    )
    profile.add_argument(
        "--precondition-climate",
        type=_bool_arg,
        nargs="?",
        default=None,
        help="Precondition climate on charging windows (true/false)",
    )

    charge = add("charge", "Start/stop charging on enabled vehicles.", with_vin)
    charge.add_argument("action", choices=["start", "stop"])

    image = add("image", "Download a vehicle image.", with_vin)
    image.add_argument(
        "--output-dir", type=Path, default=Path(), help="Folder for the PNG files (default: .)"
    )

    poi = add("sendpoi", "Send a point of interest to the vehicle.", with_vin)
    poi.add_argument("latitude", type=float, help="Latitude of the POI")
    poi.add_argument("longitude", type=float, help="Longitude of the POI")
    poi.add_argument("--name", nargs="?", default=DEFAULT_POI_NAME, help="Name of the POI")
    poi.add_argument(
        "--street", nargs="?", default=None, help="(optional, display only) Street & House No."
    )
    poi.add_argument("--city", nargs="?", default=None, help="(optional, display only) City")
    poi.add_argument(
        "--postalcode", nargs="?", default=None, help="(optional, display only) Postal code"
    )
    poi.add_argument("--country", nargs="?", default=None, help="(optional, display only) Country")

    poi_address = add(
        "sendpoi_from_address",
        "Send a point of interest parsed from a street address to the vehicle.",
        with_vin,
    )
    poi_address.add_argument(
        "-n", "--name", nargs="?", default=None, help="(optional, display only) Name of the POI"
    )
    poi_address.add_argument(
        "-a",
        "--address",
        nargs="+",
        required=True,
        help="Address (e.g. 'Street 17, city, zip, country')",
    )


# ---------------------------------------------------------------------- token store


class OAuthStore:
    """Login tokens persisted between runs in a file only the user can read."""

    FIELDS: Final = ("refresh_token", "gcid", "access_token", "session_id", "user_agent_build")

    def __init__(self, path: Path | None) -> None:
        self.path = path.expanduser() if path is not None else None

    def load(self) -> dict[str, Any]:
        """Return the stored values; an absent or unreadable file means none."""
        if self.path is None or not self.path.is_file():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            _LOGGER.warning("Ignoring unreadable OAuth store %s", self.path)
            return {}
        if not isinstance(data, dict):
            return {}
        created = data.get("session_id_created")
        if isinstance(created, str):
            with contextlib.suppress(ValueError):
                age = datetime.datetime.now(datetime.UTC) - datetime.datetime.fromisoformat(created)
                if age > datetime.timedelta(days=SESSION_ID_MAX_AGE_DAYS):
                    data.pop("session_id", None)  # rotate it like the app does
                    data.pop("session_id_created", None)
        return data

    def save(self, values: dict[str, Any], previous: dict[str, Any]) -> None:
        """Write atomically with mode 0600 (the file holds a refresh token)."""
        if self.path is None or not values.get("refresh_token"):
            return
        data = {key: values.get(key) for key in self.FIELDS}
        created = previous.get("session_id_created")
        if values.get("session_id") != previous.get("session_id") or not created:
            created = datetime.datetime.now(datetime.UTC).isoformat()
        data["session_id_created"] = created
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def _apply_stored_tokens(account: MyBMWAccount, stored: dict[str, Any]) -> None:
    refresh_token = stored.get("refresh_token")
    if isinstance(refresh_token, str) and refresh_token:
        account.set_refresh_token(
            refresh_token,
            gcid=stored.get("gcid"),
            access_token=stored.get("access_token"),
            session_id=stored.get("session_id"),
        )


def _current_tokens(account: MyBMWAccount) -> dict[str, Any]:
    auth = account.config.authentication
    return {
        "refresh_token": getattr(auth, "refresh_token", None),
        "gcid": getattr(auth, "gcid", None) or account.gcid,
        "access_token": getattr(auth, "access_token", None),
        "session_id": getattr(auth, "session_id", None),
        "user_agent_build": account.config.user_agent_build,
    }


# ------------------------------------------------------------------------- commands

Command = Callable[[argparse.Namespace, MyBMWAccount, TextIO], Awaitable[None]]


def _print_progress(out: TextIO) -> Callable[[str, Services, RemoteServiceStatus], None]:
    def report(_vin: str, service: Services, status: RemoteServiceStatus) -> None:
        print(f"{service.value}: {status.state.value}", file=out)

    return report


async def _load(account: MyBMWAccount, args: argparse.Namespace) -> None:
    lat, lng = getattr(args, "lat", None), getattr(args, "lng", None)
    if (lat is None) != (lng is None):
        raise CLIError("Give both latitude and longitude, or neither", ExitCode.USAGE)
    if lat is not None and lng is not None:
        try:
            account.set_observer_position(lat, lng)
        except ValueError as err:
            raise CLIError(str(err), ExitCode.USAGE) from err
    await account.get_vehicles()


async def _vehicle(account: MyBMWAccount, args: argparse.Namespace) -> Any:
    await _load(account, args)
    vehicle = _find(account, args.vin)
    account.config.on_remote_service_progress = _print_progress(sys.stderr)
    return vehicle


def _find(account: MyBMWAccount, vin: str) -> Any:
    """The loaded vehicle with this VIN, or the unknown-VIN error."""
    vehicle = account.get_vehicle(vin)
    if vehicle is None:
        known = ", ".join(v.vin for v in account.vehicles) or "none"
        raise CLIError(
            f"No vehicle with VIN {vin} in this account (vehicles: {known})", ExitCode.UNKNOWN_VIN
        )
    return vehicle


def _finish(status: RemoteServiceStatus, out: TextIO) -> None:
    if status.state == ExecutionState.IGNORED:
        print("Ignored: the vehicle is not in a state where this makes sense.", file=out)
    else:
        print(f"Result: {status.state.value}", file=out)


async def cmd_status(args: argparse.Namespace, account: MyBMWAccount, out: TextIO) -> None:
    """Print every vehicle's state."""
    await _load(account, args)
    vehicles = [_find(account, args.vin)] if args.vin else account.vehicles
    if args.json:
        print(json.dumps(vehicles, cls=MyBMWJSONEncoder, indent=4), file=out)
        return
    print(f"Found {len(account.vehicles)} vehicle(s)", file=out)
    for vehicle in vehicles:
        print(format_vehicle(vehicle), file=out)


async def cmd_fingerprint(args: argparse.Namespace, account: MyBMWAccount, out: TextIO) -> None:
    """Record every response of a full load, anonymised, into a timestamped folder."""
    account.config.anonymizer = Anonymizer()  # one VIN mapping for all files of this run
    await _load(account, args)
    stamp = datetime.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    folder = args.output_dir.expanduser() / stamp
    responses = account.get_stored_responses()
    count = write_fingerprint(responses, folder)
    print(f"{count} anonymised response(s) written to {folder}", file=out)


async def cmd_lightflash(args: argparse.Namespace, account: MyBMWAccount, out: TextIO) -> None:
    """Flash the lights."""
    vehicle = await _vehicle(account, args)
    _finish(await vehicle.remote_services.trigger_remote_light_flash(), out)


async def cmd_horn(args: argparse.Namespace, account: MyBMWAccount, out: TextIO) -> None:
    """Sound the horn."""
    vehicle = await _vehicle(account, args)
    _finish(await vehicle.remote_services.trigger_remote_horn(), out)


async def cmd_lock(args: argparse.Namespace, account: MyBMWAccount, out: TextIO) -> None:
    """Lock the doors."""
    vehicle = await _vehicle(account, args)
    _finish(await vehicle.remote_services.trigger_remote_door_lock(), out)
    print(f"Door lock state: {_text(vehicle.doors_and_windows.door_lock_state)}", file=out)


async def cmd_unlock(args: argparse.Namespace, account: MyBMWAccount, out: TextIO) -> None:
    """Unlock the doors."""
    vehicle = await _vehicle(account, args)
    _finish(await vehicle.remote_services.trigger_remote_door_unlock(), out)
    print(f"Door lock state: {_text(vehicle.doors_and_windows.door_lock_state)}", file=out)


async def cmd_vehiclefinder(args: argparse.Namespace, account: MyBMWAccount, out: TextIO) -> None:
    """Locate the vehicle."""
    if args.lat is None or args.lng is None:
        raise CLIError(
            "The vehicle finder needs your own position: give lat and lng", ExitCode.USAGE
        )
    vehicle = await _vehicle(account, args)
    _finish(await vehicle.remote_services.trigger_remote_vehicle_finder(), out)
    location = vehicle.vehicle_location
    print(f"Position: {_position(location.location, location.heading)}", file=out)


async def cmd_chargingsettings(
    args: argparse.Namespace, account: MyBMWAccount, out: TextIO
) -> None:
    """Change target SoC and/or AC limit."""
    if args.target_soc is None and args.ac_limit is None:
        raise CLIError("Give --target-soc and/or --ac-limit", ExitCode.USAGE)
    vehicle = await _vehicle(account, args)
    status = await vehicle.remote_services.trigger_charging_settings_update(
        target_soc=args.target_soc, ac_limit=args.ac_limit
    )
    _finish(status, out)
    print(
        f"Charging target: {_text(vehicle.fuel_and_battery.charging_target)} %, "
        f"AC limit: {_text(getattr(vehicle.charging_profile, 'ac_current_limit', None))} A",
        file=out,
    )


async def cmd_chargingprofile(args: argparse.Namespace, account: MyBMWAccount, out: TextIO) -> None:
    """Change charging mode and/or preconditioning."""
    if args.charging_mode is None and args.precondition_climate is None:
        raise CLIError("Give --charging-mode and/or --precondition-climate", ExitCode.USAGE)
    vehicle = await _vehicle(account, args)
    status = await vehicle.remote_services.trigger_charging_profile_update(
        charging_mode=ChargingMode(args.charging_mode) if args.charging_mode else None,
        precondition_climate=args.precondition_climate,
    )
    _finish(status, out)
    profile = vehicle.charging_profile
    print(
        f"Charging mode: {_text(getattr(profile, 'charging_mode', None))}, "
        f"precondition climate: "
        f"{_text(getattr(profile, 'is_pre_entry_climatization_enabled', None))}",
        file=out,
    )


async def cmd_charge(args: argparse.Namespace, account: MyBMWAccount, out: TextIO) -> None:
    """Start or stop charging."""
    vehicle = await _vehicle(account, args)
    services = vehicle.remote_services
    if args.action == "start":
        status = await services.trigger_charge_start()
    else:
        status = await services.trigger_charge_stop()
    _finish(status, out)
    print(f"Charging status: {_text(vehicle.fuel_and_battery.charging_status)}", file=out)


async def cmd_image(args: argparse.Namespace, account: MyBMWAccount, out: TextIO) -> None:
    """Save every rendered view as a PNG file."""
    from .vehicle.vehicle import VehicleViewDirection

    vehicle = await _vehicle(account, args)
    images: dict[str, bytes] = {}
    for direction in VehicleViewDirection:
        if direction.name != "UNKNOWN":
            images[f"{direction.name.lower()}.png"] = await vehicle.get_vehicle_image(direction)
    try:
        saved = save_files(args.output_dir.expanduser(), images)
    except OSError as err:
        raise CLIError(
            f"Cannot write the images to {args.output_dir}: {err.strerror or err}", ExitCode.ERROR
        ) from None
    for target in saved:
        print(f"Vehicle image saved to {target}", file=out)


async def cmd_sendpoi(args: argparse.Namespace, account: MyBMWAccount, out: TextIO) -> None:
    """Send a destination given by coordinates."""
    try:
        poi = PointOfInterest(
            lat=args.latitude,
            lon=args.longitude,
            name=args.name,
            street=args.street,
            postal_code=args.postalcode,
            city=args.city,
            country=args.country,
        )
    except ValueError as err:
        raise CLIError(str(err), ExitCode.USAGE) from err
    vehicle = await _vehicle(account, args)
    _finish(await vehicle.remote_services.trigger_send_poi(poi), out)


async def cmd_sendpoi_from_address(
    args: argparse.Namespace, account: MyBMWAccount, out: TextIO
) -> None:
    """Geocode an address with OpenStreetMap Nominatim and send it."""
    poi = await geocode(" ".join(args.address), args.name)
    print(f"Found: {poi.formatted_address} ({poi.lat}, {poi.lon})", file=out)
    vehicle = await _vehicle(account, args)
    _finish(await vehicle.remote_services.trigger_send_poi(poi), out)


COMMANDS: Final[dict[str, Command]] = {
    "status": cmd_status,
    "fingerprint": cmd_fingerprint,
    "lightflash": cmd_lightflash,
    "horn": cmd_horn,
    "lock": cmd_lock,
    "unlock": cmd_unlock,
    "vehiclefinder": cmd_vehiclefinder,
    "chargingsettings": cmd_chargingsettings,
    "chargingprofile": cmd_chargingprofile,
    "charge": cmd_charge,
    "image": cmd_image,
    "sendpoi": cmd_sendpoi,
    "sendpoi_from_address": cmd_sendpoi_from_address,
}


# ------------------------------------------------------------------------- helpers


async def geocode(address: str, name: str | None = None) -> PointOfInterest:
    """Resolve a free-text address through the Nominatim search API."""
    params = {"q": address, "format": "jsonv2", "addressdetails": "1", "limit": "1"}
    headers = {"User-Agent": NOMINATIM_USER_AGENT, "Accept": "application/json"}
    try:
        async with httpx.AsyncClient(timeout=30.0) as client:
            response = await client.get(NOMINATIM_URL, params=params, headers=headers)
            response.raise_for_status()
            results = response.json()
    except (httpx.HTTPError, ValueError) as err:
        raise CLIError(
            f"Address lookup at OpenStreetMap failed: {type(err).__name__}", ExitCode.CONNECTION
        ) from err
    if not isinstance(results, list) or not results or not isinstance(results[0], dict):
        raise CLIError(f"OpenStreetMap found no place for {address!r}", ExitCode.NOT_FOUND)
    place = results[0]
    details = place.get("address")
    parts: dict[str, Any] = details if isinstance(details, dict) else {}
    street = " ".join(str(p) for p in (parts.get("road"), parts.get("house_number")) if p)
    city = next(
        (parts[k] for k in ("city", "town", "village", "municipality") if parts.get(k)), None
    )
    try:
        return PointOfInterest(
            lat=float(place["lat"]),
            lon=float(place["lon"]),
            name=name or DEFAULT_POI_NAME,
            street=street or None,
            postal_code=parts.get("postcode"),
            city=city,
            country=parts.get("country"),
            formatted_address=place.get("display_name"),
        )
    except (KeyError, TypeError, ValueError) as err:
        raise CLIError("OpenStreetMap returned an unusable position", ExitCode.NOT_FOUND) from err


def save_files(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write binary files into ``folder`` (created if needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in files.items():
        target = folder / name
        target.write_bytes(data)
        written.append(target)
    return written


def write_fingerprint(responses: Sequence[AnonymizedResponse], folder: Path) -> int:
    """Write anonymised responses, JSON sorted with 4-space indent, text as is."""
    folder.mkdir(parents=True, exist_ok=True)
    used: dict[str, int] = {}
    for response in responses:
        name = response.filename
        if name in used:  # never overwrite: the same endpoint may be called twice
            used[name] += 1
            stem, dot, ext = name.rpartition(".")
            name = f"{stem}_{used[name]}.{ext}" if dot else f"{name}_{used[name]}"
        else:
            used[name] = 1
        target = folder / name
        content = response.content
        if isinstance(content, dict | list):
            target.write_text(json.dumps(content, indent=4, sort_keys=True), encoding="utf-8")
        else:
            target.write_text(content or "", encoding="utf-8")
    return len(responses)


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, tuple) and len(value) == 2:  # ValueWithUnit
        number, unit = value
        return "-" if number is None else f"{number} {unit or ''}".strip()
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def _position(location: Any, heading: Any) -> str:
    if location is None or getattr(location, "latitude", None) is None:
        return "unknown"
    text = f"{location.latitude}, {location.longitude}"
    return f"{text} (heading {heading}°)" if heading is not None else text


def _get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if obj is None:
            return None
        obj = getattr(obj, part, None)
    return obj


def format_vehicle(vehicle: Any) -> str:
    """Human-readable summary of one vehicle."""
    lines = [f"\n{_text(_get(vehicle, 'name'))} ({vehicle.vin})"]

    def row(label: str, value: str) -> None:
        lines.append(f"  {label + ':':<20}{value}")

    row("Brand", _text(_get(vehicle, "brand")))
    row("Drive train", _text(_get(vehicle, "drive_train")))
    row("Updated", _text(_get(vehicle, "timestamp")))
    row("Mileage", _text(_get(vehicle, "mileage")))
    row("Range total", _text(_get(vehicle, "fuel_and_battery.remaining_range_total")))
    if _get(vehicle, "has_electric_drivetrain") is not False:
        row("Range electric", _text(_get(vehicle, "fuel_and_battery.remaining_range_electric")))
        row("Battery", f"{_text(_get(vehicle, 'fuel_and_battery.remaining_battery_percent'))} %")
        row("Charging", _text(_get(vehicle, "fuel_and_battery.charging_status")))
        row("Charger connected", _text(_get(vehicle, "fuel_and_battery.is_charger_connected")))
        row("Charging target", f"{_text(_get(vehicle, 'fuel_and_battery.charging_target'))} %")
    if _get(vehicle, "has_combustion_drivetrain") is not False:
        row("Range fuel", _text(_get(vehicle, "fuel_and_battery.remaining_range_fuel")))
        row("Fuel", _text(_get(vehicle, "fuel_and_battery.remaining_fuel")))
    row("Doors locked", _text(_get(vehicle, "doors_and_windows.door_lock_state")))
    open_lids = _get(vehicle, "doors_and_windows.open_lids") or []
    row("Open lids", ", ".join(lid.name for lid in open_lids) or "none")
    open_windows = _get(vehicle, "doors_and_windows.open_windows") or []
    row("Open windows", ", ".join(w.name for w in open_windows) or "none")
    row("Climate", _text(_get(vehicle, "climate.activity")))
    row(
        "Position",
        _position(
            _get(vehicle, "vehicle_location.location"),
            _get(vehicle, "vehicle_location.heading"),
        ),
    )
    messages = _get(vehicle, "check_control_messages.messages") or []
    row(
        "Check control",
        ", ".join(_text(getattr(m, "description_short", m)) for m in messages) or "none",
    )
    return "\n".join(lines)


# ---------------------------------------------------------------------------- main


def _error_message(err: Exception, region: Regions | None) -> tuple[str, ExitCode]:
    """Map client errors to something a user can act on."""
    if isinstance(err, MyBMWCaptchaInvalidError):
        return (
            "The captcha token was rejected (each token works once, within a few minutes): "
            "solve a new captcha and pass its token.",
            ExitCode.CAPTCHA,
        )
    if isinstance(err, MyBMWCaptchaMissingError):
        url = CAPTCHA_URLS.get(region) if region is not None else None
        where = f"Solve it at {url} and" if url else "Solve it and"
        return (
            f"A captcha is needed for the password login. {where} "
            "pass the token with --captcha-token (it works once, within a few minutes).",
            ExitCode.CAPTCHA,
        )
    if isinstance(err, MyBMWQuotaError):
        when = (
            f" Try again after {err.retry_at.astimezone().strftime('%Y-%m-%d %H:%M:%S %Z')}."
            if err.retry_at
            else " Try again later."
        )
        return f"BMW's request quota is exhausted ({err}).{when}", ExitCode.QUOTA
    if isinstance(err, MyBMWBlockedError):
        return (
            "BMW blocks this client (HTTP 489 'Blocked'); retrying will not help.",
            ExitCode.BLOCKED,
        )
    if isinstance(err, MyBMWAuthError):
        return "Login failed: check user name, password and region.", ExitCode.AUTH
    if isinstance(err, MyBMWConnectionError):
        return f"The MyBMW server cannot be reached: {err}", ExitCode.CONNECTION
    if isinstance(err, MyBMWRemoteServiceError):
        return f"The remote command failed: {err}", ExitCode.ERROR
    if isinstance(err, MyBMWAPIError):
        return f"MyBMW API error: {err}", ExitCode.ERROR
    return str(err), ExitCode.USAGE


def _secret(given: str | None, env: str, prompt: str, needed: bool) -> str | None:
    """The argument, else the environment variable, else (when needed) a prompt without echo."""
    if given is not None and given != PROMPT:
        return given
    if given is None and os.environ.get(env):
        return os.environ[env]
    if given == PROMPT or (needed and sys.stdin.isatty()):
        return getpass.getpass(prompt)
    return None


def _credentials(args: argparse.Namespace, stored: dict[str, Any]) -> tuple[str, str | None]:
    """Password and captcha token; asks only for what a login without stored tokens needs."""
    if args.password is not None:
        print(
            f"Warning: a password on the command line is visible to other users (ps); "
            f"leave it out and use ${PASSWORD_ENV} or the prompt.",
            file=sys.stderr,
        )
    needs_login = not stored.get("refresh_token")
    password = _secret(args.password, PASSWORD_ENV, "MyBMW password: ", needs_login)
    if needs_login and not password:
        # An empty password can only fail, and the failed login would use up the captcha token.
        raise EOFError
    captcha = _secret(args.captcha_token, CAPTCHA_ENV, "Captcha token: ", False)
    return password or "", captcha


async def _run(args: argparse.Namespace) -> int:
    region = get_region_from_name(args.region)
    store = OAuthStore(None if args.disable_oauth_store else args.oauth_store)
    stored = store.load()
    try:
        password, captcha = _credentials(args, stored)
    except (EOFError, KeyboardInterrupt):
        print(f"Error: {NO_PASSWORD}", file=sys.stderr)
        return ExitCode.USAGE
    account = MyBMWAccount(
        args.username,
        password,
        region,
        log_responses=args.cmd == "fingerprint",
        hcaptcha_token=captcha,
        user_agent_build=stored.get("user_agent_build"),
    )
    _apply_stored_tokens(account, stored)
    try:
        await COMMANDS[args.cmd](args, account, sys.stdout)
    except CLIError as err:
        print(f"Error: {err}", file=sys.stderr)
        return err.code
    except (MyBMWAPIError, ValueError) as err:
        _LOGGER.debug("Command failed", exc_info=True)
        message, code = _error_message(err, region)
        print(f"Error: {message}", file=sys.stderr)
        return code
    finally:
        try:
            store.save(_current_tokens(account), stored)
        except OSError as err:
            print(f"Warning: could not write the OAuth store: {err}", file=sys.stderr)
    return ExitCode.OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mybmw`` console script; returns the exit code."""
    try:
        args = parse_args(argv)
    except SystemExit as exc:  # --help, --version or a usage error
        return int(exc.code or 0) if not isinstance(exc.code, str) else ExitCode.USAGE
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    _quiet_transport_logs()
    return asyncio.run(_run(args))


def _quiet_transport_logs() -> None:
    """Keep secrets out of ``--debug`` output.

    httpcore's trace logs raw response headers, among them the login's redirect
    with the OAuth authorization code: those loggers stay at WARNING, and every
    handler redacts VINs and gcids as the httpx logger's filter does.
    """
    for name in TRANSPORT_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


# Exposed for tests and for callers that record fingerprints themselves.
__all__ = ["ExitCode", "build_parser", "geocode", "main", "parse_args", "write_fingerprint"]
