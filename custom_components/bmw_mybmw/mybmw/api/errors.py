"""The one place that turns HTTP answers and transport failures into the client's exceptions."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import datetime
from email.utils import parsedate_to_datetime
import json
import logging
import math
import random
import re
from typing import Any, TypeVar

import httpx

from ..const import HTTP_STATUS_BLOCKED
from ..models import (
    MyBMWAPIError,
    MyBMWAuthError,
    MyBMWBlockedError,
    MyBMWConnectionError,
    MyBMWQuotaError,
)
from .log_redaction import redact_text
from .transfer import DeadlineExceededError, ResponseTooLargeError, send_bounded

_LOGGER = logging.getLogger(__name__)

MAX_RETRIES_429 = 3
"""429 answers are retried this often, so one call makes at most four requests."""

MAX_RETRY_WAIT_SECONDS = 120.0
"""A longer announced wait is not slept through; the caller gets the quota error at once."""

MAX_MESSAGE_LENGTH = 200

MAX_QUOTA_PAUSE = datetime.timedelta(hours=48)
"""The quota is daily: a countdown beyond two days is a server error, cut to this."""

MAX_ANNOUNCED_WAIT = datetime.timedelta(hours=24)
"""A longer ``Retry-After`` is cut to this (a huge one would overflow the date)."""

UPDATE_DEADLINE_SECONDS = 300.0
"""Suggested overall limit of one update (several requests) for :func:`within_deadline`."""

_T = TypeVar("_T")


class MyBMWResponseTooLargeError(MyBMWAPIError):
    """An answer grew past its size cap once decoded (e.g. a gzip bomb); it was not kept."""


# OAuth error codes that mean "try again later" rather than "these credentials are bad".
_TRANSIENT_OAUTH_ERRORS = frozenset({"server_error", "temporarily_unavailable"})

_QUOTA_RESET_RE = re.compile(r"replenished in (\d+):(\d{1,2}):(\d{1,2})", re.IGNORECASE)
_TRY_AGAIN_RE = re.compile(r"try again in (\d+(?:\.\d+)?)\s*second", re.IGNORECASE)

OnRequest = Callable[[str, str, "int | None"], None]
Sleep = Callable[[float], Awaitable[None]]


async def async_sleep(seconds: float) -> None:
    """Wait between retries; tests patch this module attribute instead of asyncio.sleep."""
    await asyncio.sleep(seconds)


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def response_json(response: httpx.Response) -> Any:
    """Return the decoded JSON body, or ``None`` when the body is not JSON."""
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _body_text(response: httpx.Response) -> str:
    try:
        return response.text
    except (UnicodeDecodeError, LookupError):  # pragma: no cover - httpx decodes leniently
        return ""


def _truncate(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > MAX_MESSAGE_LENGTH:
        return text[: MAX_MESSAGE_LENGTH - 1] + "…"
    return text


def error_message(response: httpx.Response) -> str:
    """Return a short, human readable description of an error answer.

    OAuth bodies become ``"<error> - <error_description>"``; API bodies their
    ``message``; China envelopes their ``description``; anything else the
    (truncated) body text.
    """
    data = response_json(response)
    if isinstance(data, dict):
        if isinstance(data.get("error"), str):
            description = data.get("error_description")
            return _truncate(f"{data['error']} - {description}" if description else data["error"])
        for key in ("message", "description"):
            if isinstance(data.get(key), str) and data[key]:
                text = data[key]
                if key == "description" and data.get("code") is not None:
                    text = f"{text} (code {data['code']})"
                return _truncate(text)
    text = _truncate(_body_text(response))
    return text or (response.reason_phrase or f"HTTP {response.status_code}")


def _bounded_int(digits: str, limit: int) -> int:
    """``int(digits)``, but at most ``limit`` (also for numbers too long to convert)."""
    return limit if len(digits) > len(str(limit)) else min(int(digits), limit)


def parse_quota_reset(text: str, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """Return when a daily quota is replenished ("…replenished in HH:MM:SS.").

    The countdown is cut to :data:`MAX_QUOTA_PAUSE`, so an absurd one still pauses
    the account instead of overflowing the date.
    """
    match = _QUOTA_RESET_RE.search(text)
    if not match:
        return None
    hours, minutes, seconds = (_bounded_int(part, 10**6) for part in match.groups())
    delta = datetime.timedelta(hours=hours, minutes=minutes, seconds=seconds)
    return (now or _utcnow()) + min(delta, MAX_QUOTA_PAUSE)


def parse_retry_wait(
    response: httpx.Response, now: datetime.datetime | None = None
) -> float | None:
    """Return the seconds a 429 answer asks us to wait (``Retry-After``, then the message).

    Never more than :data:`MAX_ANNOUNCED_WAIT`; unreadable figures count as absent.
    """
    wait = _announced_wait(response, now)
    if wait is None or math.isnan(wait):
        return None
    return min(max(0.0, wait), MAX_ANNOUNCED_WAIT.total_seconds())


def _announced_wait(response: httpx.Response, now: datetime.datetime | None) -> float | None:
    header = response.headers.get("retry-after")
    if header:
        header = header.strip()
        try:
            return float(header)
        except ValueError:
            try:
                when = parsedate_to_datetime(header)
            except (TypeError, ValueError, IndexError):
                when = None
            if when is not None:
                if when.tzinfo is None:
                    when = when.replace(tzinfo=datetime.UTC)
                return (when - (now or _utcnow())).total_seconds()
    match = _TRY_AGAIN_RE.search(_body_text(response))
    if match:
        return float(match.group(1))
    return None


def is_blocked(response: httpx.Response) -> bool:
    """Return True for BMW's block of third-party clients (489 or a bare ``Blocked`` body)."""
    if response.status_code == HTTP_STATUS_BLOCKED:
        return True
    return response.status_code >= 400 and _body_text(response).strip().lower() == "blocked"


def is_quota_exceeded(response: httpx.Response) -> bool:
    """Return True for the 403 answer of an exhausted daily quota."""
    if response.status_code != 403:
        return False
    return "quota" in _body_text(response).lower() or "quota" in response.reason_phrase.lower()


def exception_for_response(
    response: httpx.Response, now: datetime.datetime | None = None
) -> MyBMWAPIError | None:
    """Return the exception an answer stands for, or ``None`` for a success."""
    status = response.status_code
    if status < 400:
        return None
    message = error_message(response)
    if is_blocked(response):
        return MyBMWBlockedError(
            f"BMW blocks access for this client (HTTP {status}): {message}", status_code=status
        )
    if status == 401:
        return MyBMWAuthError(f"Unauthorized: {message}", status_code=status)
    if is_quota_exceeded(response):
        return MyBMWQuotaError(
            f"Quota exceeded: {message}",
            status_code=status,
            retry_at=parse_quota_reset(message, now),
        )
    if status == 403:
        return MyBMWAuthError(f"Forbidden: {message}", status_code=status)
    if status == 429:
        wait = parse_retry_wait(response, now)
        retry_at = None if wait is None else (now or _utcnow()) + datetime.timedelta(seconds=wait)
        return MyBMWQuotaError(f"Rate limited: {message}", status_code=status, retry_at=retry_at)
    return MyBMWAPIError(f"HTTP {status}: {message}", status_code=status)


def raise_for_response(response: httpx.Response) -> None:
    """Raise the mapped exception for an error answer; do nothing for a success."""
    error = exception_for_response(response)
    if error is not None:
        raise error


def is_credential_rejection(response: httpx.Response) -> bool:
    """Return True when a token or credential request was refused for good.

    Only a 400/401 that is not a quota or block answer and not an OAuth
    "try later" code counts: after it a retry with the same secret cannot
    succeed, so falling back to a password login is right. Everything else
    (5xx, 429, quota, timeouts) is transient and must keep the refresh token.
    """
    if response.status_code not in (400, 401) or is_blocked(response):
        return False
    data = response_json(response)
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return data["error"] not in _TRANSIENT_OAUTH_ERRORS
    return "quota" not in _body_text(response).lower()


def is_captcha_rejection(response: httpx.Response) -> bool:
    """Return True when a login step was refused because of its captcha token.

    The authenticate step answers a used or invalid token with a 4xx whose error
    text names the captcha; a wrong password never mentions it.
    """
    if not 400 <= response.status_code < 500 or is_blocked(response):
        return False
    if is_quota_exceeded(response) or response.status_code == 429:
        return False
    return "captcha" in error_message(response).lower()


def connection_error(err: httpx.HTTPError, request: httpx.Request | None = None) -> MyBMWAPIError:
    """Map an httpx transport failure to the client's exception."""
    # Error texts end up in logs and the UI; paths can carry a VIN or the gcid.
    target = (
        redact_text(f"{request.method} {request.url.host}{request.url.path}")
        if request
        else "request"
    )
    if isinstance(err, ResponseTooLargeError):
        return MyBMWResponseTooLargeError(f"Refused the answer to {target}: {err}")
    if isinstance(err, DeadlineExceededError):
        return MyBMWConnectionError(f"Gave up on {target}: {err}")
    if isinstance(err, httpx.TimeoutException):
        return MyBMWConnectionError(f"Timeout during {target}")
    if isinstance(err, httpx.TransportError):
        return MyBMWConnectionError(f"Cannot connect for {target}: {type(err).__name__}")
    return MyBMWAPIError(f"HTTP failure during {target}: {type(err).__name__}")


async def send_counted(
    http: httpx.AsyncClient, request: httpx.Request, on_request: OnRequest | None = None
) -> httpx.Response:
    """Send one request without following redirects; report it; map transport errors.

    The exchange has an overall deadline and a cap on the decoded body (``transfer``).
    """
    try:
        response = await send_bounded(http, request)
    except httpx.HTTPError as err:
        if on_request is not None:
            on_request(request.method, str(request.url), None)
        raise connection_error(err, request) from err
    if on_request is not None:
        on_request(request.method, str(request.url), response.status_code)
    return response


def retry_wait(response: httpx.Response, attempt: int) -> float:
    """Return how long to wait before retry ``attempt`` (0-based) of a 429 answer.

    The server's own figure wins; without one, back off exponentially with a
    little jitter so parallel clients do not retry in lockstep.
    """
    wait = parse_retry_wait(response)
    if wait is not None:
        return wait
    return float(2.0 * 2**attempt + random.uniform(0, 1))  # noqa: S311 - jitter, not crypto


async def send_with_retry(
    http: httpx.AsyncClient,
    build_request: Callable[[], httpx.Request],
    *,
    on_request: OnRequest | None = None,
    sleep: Sleep | None = None,
    max_retries: int = MAX_RETRIES_429,
) -> httpx.Response:
    """Send a request, retrying 429 answers up to ``max_retries`` times.

    The request is rebuilt for every attempt (fresh correlation ids). The last
    answer is returned as is, so the caller maps it like any other answer.
    """
    attempt = 0
    while True:
        response = await send_counted(http, build_request(), on_request)
        if response.status_code != 429 or is_blocked(response) or attempt >= max_retries:
            return response
        wait = retry_wait(response, attempt)
        if wait > MAX_RETRY_WAIT_SECONDS:
            return response
        _LOGGER.debug("Rate limited, retrying in %.1f s (attempt %d)", wait, attempt + 1)
        await (sleep or async_sleep)(wait)
        attempt += 1


async def within_deadline(operation: Awaitable[_T], seconds: float, what: str) -> _T:
    """Await ``operation`` for at most ``seconds``; past that, a connection error.

    For work made of several requests (an update, a login): each request has its
    own deadline, this one bounds them together.
    """
    timer = asyncio.timeout(seconds)
    try:
        async with timer:
            return await operation
    except TimeoutError as err:
        if not timer.expired():
            raise
        raise MyBMWConnectionError(f"{what} did not finish within {seconds:g} s") from err
