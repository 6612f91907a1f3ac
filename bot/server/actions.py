"""The action server: `python -m bot.server.actions --actions actions --port N`.

This is rasa_sdk's own server (what `rasa run actions` runs), started without the `rasa`
command, which imports all of Rasa and with it TensorFlow and JAX although no action uses
them. spaCy's thinc imports TensorFlow too whenever it is installed; here it reads it as
not installed (bot.server.serve.leave_out). docs/performance.md has what this saves.
"""

from __future__ import annotations

import sys

from bot.server.serve import UNUSED, leave_out


def main(argv=None) -> None:
    leave_out(UNUSED + ("tensorflow",))
    from rasa_sdk.__main__ import main as serve

    sys.argv = ["rasa_sdk"] + list(sys.argv[1:] if argv is None else argv)
    serve()


if __name__ == "__main__":
    main()
