"""4. and 5. The terminal chat, `make shell` (rasa.core.channels.console: record_messages,
_get_user_input, _print_bot_output).

4. Leaving. In Rasa's shell, Ctrl-D at the prompt raises EOFError out of the chat task;
   the task dies and the server runs on behind a dead prompt (typed text echoes, nothing
   answers) until Ctrl-C, which prints a traceback; Ctrl-C while a reply is on its way
   raises KeyboardInterrupt through Sanic. Here Ctrl-D or Ctrl-C at the prompt, SIGINT or
   SIGTERM at any time during the chat, and a failed request end the chat as /stop does:
   one goodbye line, then the server stops and the process exits 0.
5. Replies read in the terminal: the answers' Markdown links "[title](url)" print as
   "title (url)", and quick replies print as a list after the text, keeping the free-text
   prompt (Rasa turns the latest message's buttons into a selection menu, which after
   every answer would make the user pick "Type out your own message..." before each
   question; a button's payload can be typed instead). Only the shell prints through it;
   the REST, web chat and Slack replies are unchanged.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import weakref

from bot.channels import MARKDOWN_LINK

WHY = (
    "`rasa shell` builds its chat from these module functions of rasa.core.channels.console, with no class to subclass"
)
PINS = {
    "rasa.core.channels.console:_print_bot_output": "6b153a1d7b65276d",
    "rasa.core.channels.console:record_messages": "fc840eb6c2689eee",
    "rasa.core.channels.console:_get_user_input": "72943a5ff71d48f4",
    # stops the server once record_messages returns (what 4. relies on to exit)
    "rasa.core.run:configure_app": "72da30416f74c648",
}

logger = logging.getLogger(__name__)

GOODBYE = "Goodbye."


def terminal_text(text: str) -> str:
    """A reply as the terminal shows it: each link "[title](url)" as "title (url)"."""
    return MARKDOWN_LINK.sub(r"\1 (\2)", text)


_leaving: weakref.WeakSet[asyncio.Task] = weakref.WeakSet()  # chats a signal has ended


def _leave_on_signals() -> None:
    """SIGINT and SIGTERM end the running chat task as /stop does.

    Called again after every prompt: prompt_toolkit takes SIGINT over while it prompts
    and then resets it to raising KeyboardInterrupt.
    """
    loop, task = asyncio.get_running_loop(), asyncio.current_task()

    def leave() -> None:
        if task not in _leaving:
            _leaving.add(task)
            task.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, leave)


def apply() -> None:
    import questionary
    from prompt_toolkit.styles import Style
    from rasa.cli import utils as cli_utils
    from rasa.core.channels import console

    original_record, original_input = console.record_messages, console._get_user_input
    original_print = console._print_bot_output

    async def record_messages(*args, **kwargs) -> int:
        _leave_on_signals()
        try:
            return await original_record(*args, **kwargs)
        except asyncio.CancelledError:
            if asyncio.current_task() not in _leaving:
                raise
        except Exception as error:  # noqa: BLE001 - a dead chat must not leave the server up
            logger.error("the chat stopped: %s", str(error) or type(error).__name__)
        finally:
            print(GOODBYE, flush=True)
        return 0

    async def get_user_input(previous_response):
        """Rasa's _get_user_input, but Ctrl-C and Ctrl-D give None (leave) at the prompt;
        the last reply's buttons were printed as a list (print_bot_output), not a menu."""
        if previous_response is not None:
            console._print_bot_output(previous_response, is_latest_message=True)
        question = questionary.text("", qmark="Your input ->", style=Style([("qmark", "#b373d6"), ("", "#b373d6")]))
        try:
            response = await question.unsafe_ask_async()  # ask_async swallows Ctrl-C
        except (KeyboardInterrupt, EOFError):
            return None
        finally:
            _leave_on_signals()
        return response.strip()

    def print_bot_output(message, is_latest_message=False, color=console.rasa.shared.utils.io.bcolors.OKBLUE):
        rest = {k: v for k, v in message.items() if k != "buttons"}
        if isinstance(rest.get("text"), str):
            rest["text"] = terminal_text(rest["text"])
        original_print(rest, False, color)
        for index, button in enumerate(message.get("buttons") or []):
            # (button_to_string pops the button's keys: give it a copy)
            console.rasa.shared.utils.cli.print_color(cli_utils.button_to_string(dict(button), index), color=color)
        return None

    record_messages.__wrapped__ = original_record
    get_user_input.__wrapped__ = original_input
    print_bot_output.__wrapped__ = original_print
    console.record_messages = record_messages
    console._get_user_input = get_user_input
    console._print_bot_output = print_bot_output
