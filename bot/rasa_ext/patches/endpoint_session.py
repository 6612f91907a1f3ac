"""12. The connection to the action server (EndpointConfig.session).

Rasa opens a new HTTP session, and with it a new TCP connection, for every call to the
action server. Here each endpoint keeps one session per event loop, and with it its
connection. An idle connection is dropped after KEEP_IDLE seconds, before the action
server (Sanic, 5 s) would close it; if the server has closed it anyway (it was restarted,
say), the call is made once more on a new connection (the action only reads the state it
is sent, so a second call is harmless) instead of the user getting the apology.
"""

from __future__ import annotations

import asyncio

WHY = "Rasa builds the action endpoint's EndpointConfig itself from endpoints.yml; its class is not configurable"
PINS = {
    # Rasa's session(), made once per loop; request uses it as `async with
    # self.session() as session: async with session.request(...)`
    "rasa.utils.endpoints:EndpointConfig.session": "e55aa13d9d4fb4bc",
    "rasa.utils.endpoints:EndpointConfig.request": "ccdb778aed8208e2",
}

KEEP_IDLE = 2.0  # seconds an idle connection to an endpoint is kept (Sanic closes at 5)


class _Kept:
    """What `async with endpoint.session()` gives Rasa's request: the endpoint's kept
    session (left open afterwards), whose request is made again once if the server had
    closed the kept connection."""

    def __init__(self, session) -> None:
        self.session = session

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc) -> bool:
        return False

    def request(self, *args, **kwargs):
        return _Once(self.session, args, kwargs)


class _Once:
    def __init__(self, session, args, kwargs) -> None:
        self.session, self.args, self.kwargs, self.made = session, args, kwargs, None

    async def __aenter__(self):
        import aiohttp

        self.made = self.session.request(*self.args, **self.kwargs)
        try:
            return await self.made.__aenter__()
        except aiohttp.ServerDisconnectedError:  # a kept connection the server had closed
            self.made = self.session.request(*self.args, **self.kwargs)
            return await self.made.__aenter__()

    async def __aexit__(self, *exc):
        return await self.made.__aexit__(*exc)


def apply() -> None:
    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    original = EndpointConfig.session

    def session(self):
        loop = asyncio.get_running_loop()
        kept = self.__dict__.setdefault("_bot_sessions", {})
        for gone in [other for other in kept if other.is_closed()]:
            del kept[gone]  # a loop that has ended (tests run several)
        found = kept.get(loop)
        if found is None or found.closed:
            auth = (
                aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
            )  # as Rasa's session()
            found = kept[loop] = aiohttp.ClientSession(
                headers=self.headers,
                auth=auth,
                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=KEEP_IDLE),
            )
        return _Kept(found)

    session.__wrapped__ = original
    EndpointConfig.session = session


async def close_sessions(endpoint) -> None:
    """Close the session `endpoint` keeps for the running loop (12.), before the loop ends."""
    found = endpoint.__dict__.get("_bot_sessions", {}).pop(asyncio.get_running_loop(), None)
    if found is not None:
        await found.close()
