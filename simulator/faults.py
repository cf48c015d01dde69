"""Fault injection rules for the simulated cloud.

A rule matches requests by endpoint name (``state``, ``token``, ``*`` …) or by a
path pattern (``re:`` regular expression, or a glob such as ``/eadrax-vcs/*``) and
replaces the answer by a failure, a given number of times or permanently.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass, field
import fnmatch
import functools
import re
from typing import Any, Final
import zlib

FAULT_KINDS: Final = frozenset(
    {
        "429",  # rate limit, JSON message with "Try again in N seconds."
        "quota",  # 403 out of call volume quota
        "401",  # token expired / invalid
        "500",
        "502",
        "503",
        "delay",  # answer normally after `seconds` (async front-ends only)
        "timeout",  # no answer: front-ends raise or stall
        "malformed",  # 200 with a body that is not JSON
        "truncated",  # the real answer, cut in half
        "empty",  # 200 with an empty body
        "blocked",  # 489 "Blocked" (September 2025 block)
        "wrong_password",  # 401 invalid_client body of GCDM
        "gzip_bomb",  # 200, 64 kB of gzip that inflate to 64 MiB
        "absurd_quota",  # 403 quota answer with the countdown "99999999:00:00"
    }
)

ABSURD_QUOTA_MESSAGE: Final = (
    "Out of call volume quota. Quota will be replenished in 99999999:00:00."
)
BOMB_SIZE: Final = 64 * 1024 * 1024

Answer = tuple[int, dict[str, str], bytes]


@functools.lru_cache(maxsize=4)
def gzip_bomb(size: int) -> bytes:
    """Gzip of ``size`` zero bytes: about a thousandth of that on the wire."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(size // len(block))]
    parts.append(compressor.compress(bytes(size % len(block))))
    parts.append(compressor.flush())
    return b"".join(parts)


@dataclass
class FaultRule:
    """One injected failure; ``times`` None means permanent."""

    match: str
    kind: str
    times: int | None = None
    seconds: float = 2.0
    retry_after: int | None = None
    hits: int = 0
    id: int = 0

    def __post_init__(self) -> None:
        """Reject unknown kinds early, where the test or CLI wrote them."""
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {sorted(FAULT_KINDS)}")

    def matches(self, names: Collection[str], path: str) -> bool:
        """Return True when the rule applies to a request with these endpoint names."""
        if self.match == "*" or self.match in names:
            return True
        if self.match.startswith("re:"):
            return re.search(self.match[3:], path) is not None
        if self.match.startswith("/"):
            return fnmatch.fnmatchcase(path, self.match)
        return False

    @property
    def exhausted(self) -> bool:
        """Whether a counted rule has fired as often as asked."""
        return self.times is not None and self.hits >= self.times

    def hostile_answer(self) -> Answer | None:
        """The answer of a hostile server for the kinds that are one; ``None`` otherwise."""
        if self.kind == "gzip_bomb":
            headers = {"content-type": "application/json", "content-encoding": "gzip"}
            return 200, headers, gzip_bomb(BOMB_SIZE)
        if self.kind == "absurd_quota":
            body = f'{{"statusCode": 403, "message": "{ABSURD_QUOTA_MESSAGE}"}}'
            return 403, {"content-type": "application/json"}, body.encode()
        return None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready description (admin endpoint)."""
        return asdict(self)

    @classmethod
    def parse(cls, text: str) -> FaultRule:
        """Parse the CLI form ``endpoint:kind[:count]`` (count omitted = permanent)."""
        head, _, last = text.rpartition(":")
        if not head or not last:
            raise ValueError(f"fault must look like endpoint:kind[:count], got {text!r}")
        if last.isdigit():
            match, _, kind = head.rpartition(":")
            if match and kind in FAULT_KINDS:
                return cls(match=match, kind=kind, times=int(last))
        return cls(match=head, kind=last)


@dataclass
class Faults:
    """The active fault rules of one cloud."""

    rules: list[FaultRule] = field(default_factory=list)
    _next_id: int = 1

    def add(
        self,
        match: str,
        kind: str,
        times: int | None = None,
        *,
        seconds: float = 2.0,
        retry_after: int | None = None,
    ) -> FaultRule:
        """Add a rule; the first matching, not yet exhausted rule wins."""
        rule = FaultRule(match, kind, times, seconds=seconds, retry_after=retry_after)
        return self.add_rule(rule)

    def add_rule(self, rule: FaultRule) -> FaultRule:
        """Add a rule built elsewhere (CLI, admin endpoint)."""
        rule.id = self._next_id
        self._next_id += 1
        self.rules.append(rule)
        return rule

    def remove(self, rule_id: int) -> bool:
        """Remove one rule by id; return whether it existed."""
        before = len(self.rules)
        self.rules = [r for r in self.rules if r.id != rule_id]
        return len(self.rules) != before

    def clear(self) -> None:
        """Remove every rule."""
        self.rules.clear()

    def take(self, names: Collection[str], path: str) -> FaultRule | None:
        """Return the rule that fires for this request (counting the hit), if any."""
        for rule in self.rules:
            if not rule.exhausted and rule.matches(names, path):
                rule.hits += 1
                return rule
        return None
