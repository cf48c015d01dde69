"""Writes docs/reliability.md: the fault matrix, the fuzz run and the redaction table.

Each part lives between ``<!-- name:start -->`` and ``<!-- name:end -->`` markers, so
``RELIABILITY_DOC=write pytest tests/test_reliability.py`` (matrix, redaction) and
``scripts/fuzz`` (fuzz) update only their own part; a plain test run writes nothing and
only checks that the committed matrix is current. The file is rewritten only when its
text changes.

    python -m tests.reliability_report fuzz <pytest output file> <exit code>
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
import datetime
from pathlib import Path
import re
import sys

DOC = Path(__file__).resolve().parents[1] / "docs" / "reliability.md"
SECTIONS = ("matrix", "elsewhere", "fuzz", "redaction")

SKELETON = """# Reliability

Generated, do not edit by hand. The fault matrix and the redaction table are written by
`RELIABILITY_DOC=write pytest tests/test_reliability.py` (only when the whole module ran
and passed; a plain test run only checks that they are current); the fuzz section by
`scripts/fuzz`. Each fault case runs against the integration in Home Assistant over the
simulated MyBMW cloud (`simulator/cloud.py` mounted into respx); the last rows run the
clients against a real loopback server and the CarData stream against a scripted broker.

## Faults survived

What every case checks: the config entry stays loaded; the affected entities become
unavailable (logged once, no log line on the following failed polls) or keep their last
state where that is honest; the integration recovers at a later scheduled poll without
user action once the fault clears; re-authentication starts only when the refresh token is
truly rejected; entry data (username, region, gcid, `x-user-agent` build) and a usable
refresh token survive.

<!-- matrix:start -->
<!-- matrix:end -->

## Faults proven by their own tests

Faults a user's own action meets (a command, a picture, a reload, an option) are proven where
that action is tested; `tests/test_reliability.py` checks that each test named here exists.

<!-- elsewhere:start -->
<!-- elsewhere:end -->

## Bad input fuzzed

`tests/mybmw/test_parsing_fuzz.py` mutates API answers built from the fleet generator and,
when present, the recorded samples: deleted keys, nulls, wrong types, huge and negative
numbers, odd unicode, truncated lists. The parser never raises and each field degrades alone.
CI runs the `ci` profile (200 examples per target); `scripts/fuzz` runs the `nightly` profile
(10,000 per target) and records the result here.

<!-- fuzz:start -->
Not run yet: `scripts/fuzz`.
<!-- fuzz:end -->

## What is redacted where

<!-- redaction:start -->
<!-- redaction:end -->
"""


def _read() -> str:
    text = DOC.read_text(encoding="utf-8") if DOC.is_file() else SKELETON
    for name in SECTIONS:
        if f"<!-- {name}:start -->" not in text or f"<!-- {name}:end -->" not in text:
            return SKELETON
    return text


def section(text: str, name: str) -> str | None:
    """The body of one marked section of ``text`` (``None`` when its markers are missing)."""
    found = re.search(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", text, re.DOTALL)
    return found.group(1).rstrip("\n") if found else None


def update_section(name: str, body: str) -> bool:
    """Replace one marked section; return whether the file changed."""
    if name not in SECTIONS:
        raise ValueError(f"unknown section {name!r}")
    text = _read()
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.DOTALL)
    new = pattern.sub(lambda m: m.group(1) + body.rstrip("\n") + "\n" + m.group(2), text)
    if DOC.is_file() and DOC.read_text(encoding="utf-8") == new:
        return False
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(new, encoding="utf-8")
    return True


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Render a Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------------- redaction

# (where, what is removed, how); each row is checked by tests/test_secrets.py.
REDACTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "Logs of the client and the integration (every level)",
        "username, password, tokens, VINs, gcid, coordinates",
        "never formatted into log lines: exception class names and HTTP status only; "
        "error texts pass `safe_error` (VIN -> `<vin>`)",
    ),
    (
        "httpx request log lines (`HTTP Request: POST https://…`)",
        "VIN and gcid path segments",
        "a filter the client installs on the `httpx` logger rewrites them to `<vin>` / "
        "`<gcid>`; Home Assistant also raises that logger to WARNING",
    ),
    (
        "Connection error texts (`Cannot connect for POST host/path`)",
        "VIN and gcid in the path",
        "replaced by `<vin>` / `<gcid>` in `api/errors.py`",
    ),
    (
        "Errors shown in the UI (translation placeholders)",
        "VINs",
        "`<vin>` (`coordinator.safe_error`)",
    ),
    (
        "Diagnostics (entry and device)",
        "username, password, refresh token, gcid, title, unique id; VINs, coordinates, "
        "addresses, licence plate and the entry's secrets inside any text",
        "`async_redact_data` for the entry fields; the fingerprint anonymiser for vehicle "
        "data and free text",
    ),
    (
        "Fingerprints (`mybmw fingerprint`, `log_responses`)",
        "VINs (values, array strings, file names), gcid, coordinates, heading, addresses, "
        "names, licence plate, phone",
        "the anonymiser (protocol §7 keys plus the gaps it lists); login answers are never "
        "recorded",
    ),
    (
        "Config entry data",
        "password (north_america, rest_of_world)",
        "not stored: only refresh token, gcid, region, username and the `x-user-agent` "
        "build; China keeps the password because it logs in without a captcha",
    ),
    (
        "CLI token store",
        "tokens on disk",
        "written atomically with mode 0600",
    ),
    (
        "Transport",
        "credentials on the wire",
        "TLS verification always on; the server override (`MYBMW_SERVER_URL`) accepts "
        "loopback hosts only",
    ),
)


ELSEWHERE: tuple[tuple[str, str, str], ...] = (
    (
        "opening a vehicle picture refreshes (rotates) the refresh token",
        "the new token is stored at once; a restart needs no new login",
        "tests/test_user_actions_and_tokens.py::test_token_rotated_by_a_picture_is_stored_at_once",
    ),
    (
        "the entry is reloaded while a command still runs",
        "the old coordinator never writes its spent token over the new one",
        "tests/test_user_actions_and_tokens.py::test_unloaded_coordinator_never_writes_tokens",
    ),
    (
        "a command when the day's budget (reserve included) is spent",
        "refused with a clear message; nothing is sent",
        "tests/test_user_actions_and_tokens.py::test_command_refused_when_the_budget_is_spent",
    ),
    (
        "a command's status polling reaches the last request of the day",
        "polling stops with `command_budget_exhausted`; the budget is not overdrawn",
        "tests/test_user_actions_and_tokens.py::test_status_polling_stops_when_the_reserve_is_gone",
    ),
    (
        "`send_poi` during the 'Blocked' pause",
        "refused; no request is sent",
        "tests/test_user_actions_and_tokens.py::test_send_poi_sends_nothing_while_blocked",
    ),
    (
        "BMW lifts the block; the user sends a command or reloads",
        "the block is checked again at once (reload) or after 10 minutes (command), "
        "not after 6 hours",
        "tests/test_user_actions_and_tokens.py::test_a_command_looks_again_after_a_block",
    ),
    (
        "first load of 10 cars with a daily budget of 20",
        "the cost is checked again once the vehicle list is known; at most 20 requests",
        "tests/test_user_actions_and_tokens.py::TestLargeAccount::"
        "test_first_load_keeps_to_the_budget",
    ),
    (
        "target state of charge set to 80.7 (off the 5 % step)",
        "refused before anything is sent, naming 80 and 85; the shown value stays",
        "tests/test_number.py::test_invalid_target_soc",
    ),
    (
        "an update whose requests each answer in time but never add up to an answer",
        "that update fails at the overall deadline; the entry stays loaded with its values",
        "tests/test_update_deadline.py::test_a_stalled_mybmw_update_fails_at_the_deadline",
    ),
)
"""Fault, what the user sees and what is kept, and the test that proves it."""


def elsewhere_section() -> str:
    """The faults proven by their own tests, as a table."""
    return table(("Fault", "Expected", "Proven by"), [(f, e, f"`{t}`") for f, e, t in ELSEWHERE])


def redaction_section() -> str:
    """Render the redaction table."""
    return table(("Where", "What is removed", "How"), REDACTIONS)


# --------------------------------------------------------------------------- fuzz

_TEST_RE = re.compile(r"^(?P<id>\S+::\S+):\s*$")
_COUNTS_RE = re.compile(r"- (?P<passing>\d+) passing, (?P<failing>\d+) failing")


def parse_hypothesis_statistics(output: str) -> dict[str, tuple[int, int]]:
    """Return ``{test id: (passing, failing)}`` from ``--hypothesis-show-statistics`` output."""
    counts: dict[str, tuple[int, int]] = {}
    current: str | None = None
    for line in output.splitlines():
        if found := _TEST_RE.match(line):
            current = found["id"]
            counts.setdefault(current, (0, 0))
        elif current and (found := _COUNTS_RE.search(line)):
            passing, failing = counts[current]
            counts[current] = (passing + int(found["passing"]), failing + int(found["failing"]))
    return counts


def fuzz_section(output: str, exit_code: int, today: datetime.date | None = None) -> str:
    """Render the fuzz result: examples per target, total and outcome."""
    counts = parse_hypothesis_statistics(output)
    total = sum(passing for passing, _ in counts.values())
    outcome = "passed" if exit_code == 0 else f"FAILED (pytest exit code {exit_code})"
    rows = [
        (test_id.rsplit("::", 1)[-1], str(passing), str(failing))
        for test_id, (passing, failing) in sorted(counts.items())
    ]
    day = (today or datetime.datetime.now(datetime.UTC).date()).isoformat()
    return (
        f"Last run {day} with `HYPOTHESIS_PROFILE=nightly`: **{total} examples** over "
        f"{len(counts)} targets, {outcome}.\n\n"
        + table(("Target", "Passing examples", "Failing examples"), rows)
    )


def main(argv: Sequence[str]) -> int:
    """Command line used by scripts/fuzz."""
    if len(argv) != 3 or argv[0] != "fuzz":
        print(__doc__, file=sys.stderr)
        return 2
    output = Path(argv[1]).read_text(encoding="utf-8", errors="replace")
    update_section("fuzz", fuzz_section(output, int(argv[2])))
    print(f"Recorded the fuzz run in {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
