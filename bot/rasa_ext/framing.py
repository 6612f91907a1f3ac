"""Requests whose body framing Sanic 21.12 mishandles are refused with 400 before it reads a
body, on the Rasa server and on the action server.

Sanic takes `Content-Length` as `int(...)` of the header (sanic/http.py,
Http.http1_request_header): "-1" makes its body reader loop for good at 100% CPU without
yielding (the server answers nothing again), and "abc" is a 500. A request with both
`Content-Length` and `Transfer-Encoding`, or with a transfer coding other than "chunked"
(read as a Content-Length the request may not have), is how requests are smuggled past a
proxy, so it is refused too.

The check is Sanic's `http.lifecycle.request` signal, which Sanic sends once the headers are
read and before the body is (every request, whatever its route):
- on the Rasa server, each of the bot's channels (bot/channels/) registers it on its
  blueprint (checking_framing): a blueprint's signal is sent for every request to the app;
- on the action server, rasa_sdk's plugin hook `attach_sanic_app_extensions` registers it on
  the app (ActionServerPlugin, registered by bot.ops.action_server).
"""

from __future__ import annotations

import logging
import re

import pluggy
from sanic import Blueprint, Request, Sanic, response
from sanic.exceptions import InvalidUsage

logger = logging.getLogger(__name__)

EVENT = "http.lifecycle.request"
LENGTH = re.compile(r"[0-9]{1,18}")  # a number of bytes (larger ones get Sanic's 413)


def framing_problem(headers) -> str | None:
    """What is wrong with a request's body framing (Sanic's headers), or None."""
    lengths = [value.strip() for value in headers.getall("content-length", [])]
    codings = [value.strip() for value in headers.getall("transfer-encoding", [])]
    if lengths and codings:
        return "both Content-Length and Transfer-Encoding"
    if not all(LENGTH.fullmatch(length) for length in lengths):
        return "Content-Length is not a number of bytes"
    if len({int(length) for length in lengths}) > 1:
        return "conflicting Content-Length headers"
    if codings and codings != ["chunked"]:
        return "a Transfer-Encoding other than chunked"
    return None


class BadFraming(InvalidUsage):
    """A 400: the request's body framing is refused."""


async def refuse_bad_framing(request: Request) -> None:
    problem = framing_problem(request.headers)
    if problem:
        logger.warning("Refused a request with bad framing (%s)", problem)
        raise BadFraming(f"Bad request: {problem}.")


def checking_framing(blueprint: Blueprint) -> Blueprint:
    """`blueprint` (a channel's), checking the framing of every request to its app."""
    blueprint.signal(EVENT)(refuse_bad_framing)
    return blueprint


class ActionServerPlugin:
    """rasa_sdk's plugin hook: the action server's app checks the framing too."""

    @staticmethod
    @pluggy.HookimplMarker("rasa_sdk")
    def attach_sanic_app_extensions(app: Sanic) -> None:
        app.signal(EVENT)(refuse_bad_framing)

        # a 400, not rasa_sdk's handler of every exception (a 500 and a traceback in the log)
        @app.exception(BadFraming)
        async def bad_framing(_: Request, error: BadFraming):
            return response.json({"error": str(error)}, status=400)
