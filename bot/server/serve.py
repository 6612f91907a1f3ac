"""`rasa run` / `rasa shell` with the project's fixes to Rasa 3.6 applied first.

    python -m bot.server.serve run --model ... --endpoints ... --credentials ...

The launcher starts the Rasa server this way; the arguments are Rasa's own CLI's.
The fixes themselves, each documented and tested against the pinned Rasa, are in
bot/server/patches.py.
"""
from __future__ import annotations

import sys

# Optional libraries that are installed but that nothing in the server uses: a None entry
# in sys.modules makes their import fail with ImportError, which every importer of them
# handles (TensorFlow's TFLite utilities read "no JAX"). JAX alone is about 65 MiB of
# the Rasa server's memory (docs/performance.md).
UNUSED = ("jax",)


def leave_out(names=UNUSED) -> None:
    for name in names:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def main(argv=None) -> None:
    leave_out()
    from bot.server import patches

    patches.apply()
    sys.argv = ["rasa"] + list(sys.argv[1:] if argv is None else argv)
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
