"""Rasa 3.6 as this project runs it: importing this module applies bot.rasa_ext.patches and
registers the plugin hook of bot.rasa_ext.action_call (unless BOT_SPEEDUPS=off).

Every process that runs Rasa's own code imports this module before it uses Rasa: the
Rasa server (bot.ops.serve), the in-process tools (answer_eval, nlu_eval, bench,
profile) and the test run (tests/conftest.py). So what Rasa does never depends on which
module happened to be imported first. The fixes are applied once per process. (What the
install leaves out of Rasa is guarded earlier, when `bot` is imported: bot.rasa_ext.left_out.)

Request bodies over bot.channels.guard.REQUEST_MAX_BYTES get 413 from Sanic: its own
REQUEST_MAX_SIZE setting, which every Sanic app created in this process (Rasa's) reads from
the environment (SANIC_ prefix); a value set there already wins.

Stopped (SIGTERM), the server waits GRACEFUL_SHUTDOWN_TIMEOUT for the requests in progress,
and Sanic's default is 15 s: an open web chat (a websocket, or a long poll, which waits up
to 25 s) kept every stop waiting that long, and the launcher, whose grace is also 15 s,
then killed the server. A turn takes well under a second (the action server at most
ACTION_TIMEOUT, 2.5 s), so 5 s (the setting's default) let a message being answered finish and
then close what is only waiting.
"""

from __future__ import annotations

import os

from bot import settings
from bot.rasa_ext import action_call, patches

settings.check()  # a bad value stops the server, naming it
for name in ("SANIC_REQUEST_MAX_SIZE", "SANIC_GRACEFUL_SHUTDOWN_TIMEOUT"):  # Sanic reads them
    os.environ.setdefault(name, str(settings.default(name)))
patches.apply()
if patches.speedups():
    action_call.register()
