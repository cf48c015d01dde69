"""A real loopback HTTP server that answers some paths and trickles the rest (slow-loris).

async with TricklingServer({"/config": b'{"a": 1}'}, interval=0.2) as server:
    ...  # http://127.0.0.1:{server.port}/config answers; any other path sends one
         # byte of its status line every 0.2 s and never finishes

Tests that use it need pytest-socket's ``socket_enabled`` fixture (the Home Assistant
plugin blocks sockets otherwise); it listens on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from typing import Self

TRICKLE = b"HTTP/1.1 200 OK\r\nx-slow: " + b"." * 10_000


class TricklingServer:
    """Answers ``answers`` (path -> JSON body) at once and trickles every other path."""

    def __init__(self, answers: dict[str, bytes] | None = None, *, interval: float = 0.2) -> None:
        self.answers = answers or {}
        self.interval = interval
        self.trickled: list[str] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode().split("?", 1)[0]
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if length:
                await reader.readexactly(length)
            if path in self.answers:
                body = self.answers[path]
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    + f"content-length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
                return
            self.trickled.append(path)
            for byte in TRICKLE:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(self.interval)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()
