"""Rasa 3.6 as this project runs it: importing this module applies bot.server.patches.

Every process that runs Rasa's own code imports this module before it uses Rasa: the
Rasa server (bot.server.serve), the in-process tools (answer_eval, nlu_eval, bench,
profile) and the test run (tests/conftest.py). So what Rasa does never depends on which
module happened to be imported first. The fixes are applied once per process. (What the
install leaves out of Rasa is guarded earlier, when `bot` is imported: bot.rasa_ext.left_out.)
"""

from __future__ import annotations

from bot.server import patches

patches.apply()
