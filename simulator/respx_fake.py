"""Mount a MyBMWCloud into respx, so httpx clients in tests talk to the simulated cloud.

cloud = MyBMWCloud()
with mock_mybmw_api(cloud) as router:
    ...  # every request to the MyBMW hosts (and loopback URLs) reaches `cloud`
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

import httpx
import respx

from .cloud import MyBMWCloud, SimulatedTimeout

DEFAULT_BASE_URLS: tuple[str, ...] = (
    "https://cocoapi.bmwgroup.com",
    "https://cocoapi.bmwgroup.us",
    "https://myprofile.bmw.com.cn",
    "https://customer.bmwgroup.com",
    "https://login.bmwusa.com",
)
LOOPBACK_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")


def mock_mybmw_api(
    cloud: MyBMWCloud,
    *,
    base_urls: Iterable[str] | None = None,
    assert_all_called: bool = False,
) -> respx.MockRouter:
    """Return a respx router (use it as a context manager) that answers from ``cloud``.

    Unrouted hosts raise inside respx, so a test can never reach the real network.
    Injected ``timeout`` faults raise ``httpx.ReadTimeout``; ``delay`` faults sleep.
    """
    hosts = {urlsplit(url).hostname for url in (base_urls or DEFAULT_BASE_URLS)}
    if cloud.gcdm_base_url:
        hosts.add(urlsplit(cloud.gcdm_base_url).hostname)
    hosts.update(LOOPBACK_HOSTS)

    async def answer(request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        try:
            reply = await cloud.handle_async(
                request.method, str(request.url), dict(request.headers), body
            )
        except SimulatedTimeout as err:
            raise httpx.ReadTimeout(str(err), request=request) from err
        return httpx.Response(reply.status, headers=reply.headers, content=reply.body)

    router = respx.mock(assert_all_called=assert_all_called, assert_all_mocked=True)
    router.route(host__in=sorted(h for h in hosts if h)).mock(side_effect=answer)
    return router
