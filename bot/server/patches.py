"""Fixes to Rasa 3.6.21 itself, applied at start by bot.server.serve (never by editing
.venv). tests/test_patches.py fails if the pinned Rasa changes a patched function."""
from __future__ import annotations

APPLIED = False


def apply() -> None:
    global APPLIED
    if APPLIED:
        return
    APPLIED = True
