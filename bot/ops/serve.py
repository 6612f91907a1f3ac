"""Rasa's command line as this project runs it: the project's fixes to Rasa 3.6 applied first.

    python -m bot.ops.serve run --model ... --endpoints ... --credentials ...
    python -m bot.ops.serve train | shell | data validate | test core ...

The arguments are Rasa's own CLI's. The launcher starts the Rasa server this way, and the
Makefile trains and validates this way: Rasa's own `rasa` script cannot start in this
install, which leaves TensorFlow out (bot.rasa_ext.left_out; importing `bot` puts its guard
in place). The fixes themselves, each documented and tested against the pinned Rasa, are
in bot/rasa_ext/ (patches/ and the extension points beside it).
"""

from __future__ import annotations

import os
import signal
import sys


def workers_die_with_this_process() -> None:
    """Sanic's workers (SANIC_WORKERS > 1) are forked from this process, which the launcher
    stops with SIGTERM and, after a grace period, SIGKILL; a worker must not outlive it
    (still serving on the port). Each forked child is killed when this process exits,
    however it exits (the launcher's PR_SET_PDEATHSIG, one level down). SIGKILL, not
    SIGTERM: a Sanic worker given SIGTERM waits up to 15 s for its connections, and its
    parent has already had its grace period (after a clean stop the workers are gone
    before their parent exits)."""
    from bot.ops.launcher import PR_SET_PDEATHSIG, _prctl

    if _prctl is None:  # not Linux
        return

    def after_fork_in_child() -> None:
        parent = os.getppid()
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl
            os.kill(os.getpid(), signal.SIGKILL)

    os.register_at_fork(after_in_child=after_fork_in_child)


def main(argv=None) -> None:
    workers_die_with_this_process()
    import bot.rasa_ext.rasa_patched  # noqa: F401 - applies the fixes before Rasa runs

    sys.argv = ["rasa"] + list(sys.argv[1:] if argv is None else argv)
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
