"""One bounded HTTP exchange: an overall deadline and a cap on the decoded body.

httpx's timeouts apply per read, so a server that trickles a byte now and then
keeps a call open for ever; and it inflates compressed bodies without a limit,
so a small gzip answer can fill the memory. Every request of both clients
(MyBMW and CarData, logins included) goes through :func:`send_bounded`.
The failures are httpx exceptions, so each client's one error-mapping place
turns them into its own exceptions.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterable
from typing import cast
import zlib

import httpx

REQUEST_DEADLINE_SECONDS = 60.0
"""Sending, waiting for and reading one answer together take at most this long."""

MAX_BODY_BYTES = 4 * 1024 * 1024
"""Decoded size limit of an API answer (the largest real one is well below 100 kB)."""

MAX_IMAGE_BYTES = 16 * 1024 * 1024
"""Decoded size limit of a vehicle picture."""

ACCEPTED_ENCODINGS = "gzip, deflate"
"""The encodings asked for; they are the ones :class:`_Inflater` can bound."""

_IDENTITY = frozenset({"", "identity"})
_COMPRESSED = frozenset({"gzip", "x-gzip", "deflate"})


class DeadlineExceededError(httpx.TimeoutException):
    """The whole exchange took longer than its deadline."""

    def __init__(self, seconds: float, request: httpx.Request) -> None:
        super().__init__(f"no complete answer within {seconds:g} s", request=request)
        self.seconds = seconds


class ResponseTooLargeError(httpx.DecodingError):
    """The decoded body grew past its cap; reading stopped there."""

    def __init__(self, limit: int, request: httpx.Request) -> None:
        super().__init__(f"answer larger than {_size(limit)} once decoded", request=request)
        self.limit = limit


def _size(limit: int) -> str:
    if limit >= 1024 * 1024 and limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MiB"
    return f"{limit} bytes"


def body_limit(request: httpx.Request) -> int:
    """The cap for this request: pictures may be larger than API answers."""
    accept = request.headers.get("accept", "")
    return MAX_IMAGE_BYTES if accept.strip().lower().startswith("image/") else MAX_BODY_BYTES


class _Inflater:
    """Decodes the body chunk by chunk and never produces more than the cap allows."""

    def __init__(self, encoding: str, request: httpx.Request) -> None:
        self._request = request
        self._zlib: zlib._Decompress | None = None
        if encoding in _COMPRESSED:
            # Window bits 32+: zlib detects a gzip or zlib header by itself.
            self._zlib = zlib.decompressobj(32 + zlib.MAX_WBITS)
        elif encoding not in _IDENTITY:
            raise httpx.DecodingError(f"unsupported content encoding {encoding!r}", request=request)

    def feed(self, data: bytes, room: int) -> bytes:
        """Decode ``data``; at most ``room + 1`` bytes come out, so an overflow shows."""
        if self._zlib is None:
            return data[: room + 1]
        try:
            return self._zlib.decompress(data, room + 1)
        except zlib.error as err:
            raise httpx.DecodingError("corrupt compressed body", request=self._request) from err


async def _read_capped(response: httpx.Response, limit: int) -> bytes:
    request = response.request
    if response.is_stream_consumed:  # already read: only a mock transport does that
        if len(response.content) > limit:
            raise ResponseTooLargeError(limit, request)
        return response.content
    length = response.headers.get("content-length", "")
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if length.isdigit() and encoding in _IDENTITY and int(length) > limit:
        raise ResponseTooLargeError(limit, request)
    inflater = _Inflater(encoding, request)
    body = bytearray()
    # The transport's own byte iterator, closed here when the cap stops the read: an abandoned
    # async generator (aiter_raw closes only itself, not the one it reads) is finalised later
    # by a task of its own, after its request is long gone.
    chunks = aiter(cast("AsyncIterable[bytes]", response.stream))
    try:
        async for chunk in chunks:
            body += inflater.feed(chunk, limit - len(body))
            if len(body) > limit:
                raise ResponseTooLargeError(limit, request)
    finally:
        if isinstance(chunks, AsyncGenerator):
            await chunks.aclose()
    return bytes(body)


async def send_bounded(
    http: httpx.AsyncClient,
    request: httpx.Request,
    *,
    deadline: float | None = None,
    limit: int | None = None,
) -> httpx.Response:
    """Send ``request`` (no redirects) and read its body within the deadline and the cap.

    The answer comes back fully read, its body already decoded.
    """
    seconds = REQUEST_DEADLINE_SECONDS if deadline is None else deadline
    cap = body_limit(request) if limit is None else limit
    request.headers["accept-encoding"] = ACCEPTED_ENCODINGS
    timer = asyncio.timeout(seconds)
    try:
        async with timer:
            response = await http.send(request, stream=True, follow_redirects=False)
            try:
                content = await _read_capped(response, cap)
            finally:
                await response.aclose()
    except TimeoutError as err:
        if not timer.expired():
            raise
        raise DeadlineExceededError(seconds, request) from err
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=content,
        request=request,
        extensions=response.extensions,
    )
