"""The action server: `python -m bot.ops.action_server --actions actions --port N`.

(The action it serves is actions/actions.py.)

This is rasa_sdk's own server (what `rasa run actions` runs), started without the `rasa`
command, which would import all of Rasa although no action uses it. docs/performance.md
has what this saves.
"""

from __future__ import annotations

import sys


def main(argv=None) -> None:
    from rasa_sdk.__main__ import main as serve
    from rasa_sdk.plugin import plugin_manager

    from bot import settings
    from bot.rasa_ext.framing import ActionServerPlugin

    try:
        settings.check()
    except settings.SettingError as error:
        raise SystemExit(f"Cannot start the action server: {error}") from None

    plugin_manager().register(ActionServerPlugin)  # bad body framing refused with 400
    sys.argv = ["rasa_sdk"] + list(sys.argv[1:] if argv is None else argv)
    serve()


if __name__ == "__main__":
    main()
