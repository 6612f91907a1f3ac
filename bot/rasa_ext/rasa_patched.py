"""Rasa 3.6 as this project runs it: importing this module applies bot.rasa_ext.patches.

Every process that runs Rasa's own code imports this module before it uses Rasa: the
Rasa server (bot.ops.serve), the in-process tools (answer_eval, nlu_eval, bench,
profile) and the test run (tests/conftest.py). So what Rasa does never depends on which
module happened to be imported first. The fixes are applied once per process. (What the
install leaves out of Rasa is guarded earlier, when `bot` is imported: bot.rasa_ext.left_out.)

Request bodies over bot.channels.guard.REQUEST_MAX_BYTES get 413 from Sanic: its own
REQUEST_MAX_SIZE setting, which every Sanic app created in this process (Rasa's) reads from
the environment (SANIC_ prefix); a value set there already wins.
"""

from __future__ import annotations

import os

from bot import settings
from bot.channels.guard import REQUEST_MAX_BYTES
from bot.rasa_ext import patches

settings.check()  # a bad value stops the server, naming it
os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(REQUEST_MAX_BYTES))  # Sanic reads it
patches.apply()
