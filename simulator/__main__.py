"""Command line: ``python -m simulator --port 8765 [--fleet default|N] [--fingerprint DIR] …``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import sys

from . import fleet
from .cloud import DEMO_PASSWORD, DEMO_USERNAME, MyBMWCloud, load_fingerprint
from .faults import FaultRule
from .server import is_loopback_host, run


def build_parser() -> argparse.ArgumentParser:
    """The simulator's options."""
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="bind address (loopback only)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--force", action="store_true", help="allow a non-loopback bind address")
    parser.add_argument("--fleet", default="default", help="'default' or a number of vehicles")
    parser.add_argument("--seed", type=int, default=0, help="seed of a generated fleet")
    parser.add_argument("--fingerprint", metavar="DIR", help="serve the vehicles of a fingerprint")
    parser.add_argument("--daily-quota", type=int, default=None, metavar="N")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="ENDPOINT:KIND[:COUNT]",
        help="inject a fault, e.g. state:429:2 or vehicle_list:blocked",
    )
    parser.add_argument(
        "--event-seconds",
        type=float,
        default=None,
        metavar="S",
        help="commands advance one step every S seconds (default: one step per status poll)",
    )
    parser.add_argument("--token-lifetime", type=float, default=28799, metavar="S")
    parser.add_argument(
        "--state-file",
        metavar="PATH",
        help="keep issued tokens and vehicle state in this JSON file across restarts",
    )
    return parser


def build_cloud(args: argparse.Namespace) -> MyBMWCloud:
    """Turn parsed options into a cloud."""
    vehicles = load_fingerprint(args.fingerprint) if args.fingerprint else None
    specs = None
    if vehicles is None:
        specs = fleet.default_fleet() if args.fleet == "default" else None
        specs = specs or fleet.build_fleet(int(args.fleet), seed=args.seed)
    cloud = MyBMWCloud(
        specs,
        vehicles=vehicles,
        daily_quota=args.daily_quota,
        access_token_lifetime=args.token_lifetime,
        event_mode="poll" if args.event_seconds is None else "time",
        event_seconds=3.0 if args.event_seconds is None else args.event_seconds,
    )
    for text in args.fault:
        cloud.faults.add_rule(FaultRule.parse(text))
    return cloud


def main(argv: Sequence[str] | None = None) -> int:
    """Parse options and serve."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.force and not is_loopback_host(args.host):
        parser.error(f"{args.host} is not a loopback address; pass --force to bind anyway")
    try:
        cloud = build_cloud(args)
    except (ValueError, FileNotFoundError) as err:
        parser.error(str(err))
    restored = False
    if args.state_file:
        try:
            restored = cloud.load_state(args.state_file)
        except (OSError, ValueError) as err:
            print(f"Ignoring the state file: {err}", file=sys.stderr, flush=True)
    print(
        f"MyBMW simulator on http://{args.host}:{args.port} - {len(cloud.vehicles)} vehicles; "
        f"login {DEMO_USERNAME} / {DEMO_PASSWORD} (any captcha token); "
        f"clients: MYBMW_SERVER_URL=http://{args.host}:{args.port}"
        + (f"; tokens restored from {args.state_file}" if restored else ""),
        flush=True,
    )
    run(cloud, args.host, args.port, force=args.force, state_file=args.state_file)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
