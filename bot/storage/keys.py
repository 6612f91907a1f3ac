"""The bot's own secret keys: each from its setting, or else a random key kept in state/
(made on first use, readable by its owner only), so that every process on this machine,
and every start, uses the same one. Several machines share one by setting it.

    SENDER_HASH_KEY   state/sender-hash.key   sender ids in reports and `make forget`
    WEB_SESSION_KEY   state/web-session.key   the web chat's session ids (bot.channels.webchat)
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping

from bot import DEFAULT_TRACKER_DB, settings

FILES = {"SENDER_HASH_KEY": "sender-hash.key", "WEB_SESSION_KEY": "web-session.key"}


def key(setting: str, env: Mapping[str, str] | None = None) -> bytes:
    """The key `setting` names (one of FILES)."""
    value = settings.value(setting, env)
    if value:
        return value.encode()
    path = DEFAULT_TRACKER_DB.parent / FILES[setting]
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it just now
            pass
        else:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_hex(32))
    return path.read_text().strip().encode()
