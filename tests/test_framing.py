"""bot/rasa_ext/framing.py without a server: which body framings are refused, and that the
check is where Sanic sends it before reading a body. (Sent to both servers:
tests/test_bad_input.py.)"""

from pathlib import Path

import pytest
import sanic.http
from sanic import Sanic
from sanic.compat import Header

from bot.rasa_ext import framing


@pytest.mark.parametrize(
    "headers, problem",
    [
        ([], None),
        ([("content-length", "0")], None),
        ([("content-length", "29")], None),
        ([("content-length", " 29 ")], None),
        ([("content-length", "29"), ("content-length", "29")], None),
        ([("transfer-encoding", "chunked")], None),
        ([("content-length", "-1")], "Content-Length is not a number of bytes"),
        ([("content-length", "+5")], "Content-Length is not a number of bytes"),
        ([("content-length", "abc")], "Content-Length is not a number of bytes"),
        ([("content-length", "")], "Content-Length is not a number of bytes"),
        ([("content-length", "1e3")], "Content-Length is not a number of bytes"),
        ([("content-length", "5, 5")], "Content-Length is not a number of bytes"),
        ([("content-length", "٣")], "Content-Length is not a number of bytes"),  # a digit to int(), not to HTTP
        ([("content-length", "9" * 19)], "Content-Length is not a number of bytes"),
        ([("content-length", "29"), ("content-length", "30")], "conflicting Content-Length headers"),
        ([("content-length", "29"), ("transfer-encoding", "chunked")], "both Content-Length and Transfer-Encoding"),
        ([("transfer-encoding", "gzip")], "a Transfer-Encoding other than chunked"),
        ([("transfer-encoding", "Chunked")], "a Transfer-Encoding other than chunked"),
        ([("transfer-encoding", "gzip, chunked")], "a Transfer-Encoding other than chunked"),
        (
            [("transfer-encoding", "chunked"), ("transfer-encoding", "chunked")],
            "a Transfer-Encoding other than chunked",
        ),
    ],
)
def test_framing_problem(headers, problem):
    assert framing.framing_problem(Header(headers)) == problem


def test_sanic_sends_the_signal_after_the_headers_and_before_it_reads_a_content_length():
    """Where the check runs (the pinned Sanic): the signal is sent, then the Content-Length
    is taken as int() of the header, which a refused request never reaches."""
    # the file's text: at a server's start Sanic recompiles the method without the dispatch of
    # signals no handler waits for (sanic.touchup), so the live method may differ in this process
    module = Path(sanic.http.__file__).read_text(encoding="utf-8")
    start = module.index("    async def http1_request_header(")
    source = module[start : module.index("\n    async def ", start + 1)]
    signal = source.index(f'"{framing.EVENT}"')
    assert signal < source.index('int(\n                    headers["content-length"]')


def test_both_servers_register_the_check():
    """A channel's blueprint and the action server's app each get the signal handler."""
    from sanic import Blueprint

    blueprint = framing.checking_framing(Blueprint("channel"))
    assert [future.handler for future in blueprint._future_signals] == [framing.refuse_bad_framing]
    app = Sanic("action_server_test")
    framing.ActionServerPlugin.attach_sanic_app_extensions(app)
    assert [signal.handler for signal in app.signal_router.routes] == [framing.refuse_bad_framing]
