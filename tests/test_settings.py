"""bot/settings.py: every environment variable the bot reads, read there and nowhere else,
each with its README row; a bad value stops start-up naming it."""

import ast
import re
import subprocess
import sys

import pytest

from bot import PROJECT_ROOT, settings
from bot.settings import SETTINGS, SettingError

SOURCES = sorted([*(PROJECT_ROOT / "bot").rglob("*.py"), *(PROJECT_ROOT / "actions").rglob("*.py")])
NAMES = {setting.name for setting in SETTINGS}


def reads_outside_settings(path) -> list[str]:
    """Where `path` reads the environment itself: os.getenv, os.environ.get or
    os.environ[...], or a setting's name looked up in any mapping (env.get("REDIS_URL"),
    env["TRACKER_DB_URL"]). Copying the environment for a child process is not reading it."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        text = ast.unparse(node)
        if isinstance(node, ast.Call) and text.startswith(("os.getenv(", "os.environ.get(")):
            found.append(text)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            key = node.slice
            if text.startswith("os.environ[") or (isinstance(key, ast.Constant) and key.value in NAMES):
                found.append(text)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            if node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value in NAMES:
                found.append(text)
    return found


def test_no_module_but_settings_reads_the_environment():
    found = {
        str(path.relative_to(PROJECT_ROOT)): reads
        for path in SOURCES
        if path.name != "settings.py" and (reads := reads_outside_settings(path))
    }
    assert not found


def test_the_check_finds_a_read_of_the_environment(tmp_path):
    path = tmp_path / "reader.py"
    path.write_text('import os\nport = os.environ.get("BOT_PORT")\nurl = env["REDIS_URL"]\nenv["X"] = 1\n')
    assert reads_outside_settings(path) == ["os.environ.get('BOT_PORT')", "env['REDIS_URL']"]


def test_every_setting_has_its_readme_row_with_its_default():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if f"| `{s.name}` | {s.readme} |" not in readme]
    assert not missing
    rows = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, re.M))
    assert rows <= NAMES, rows - NAMES  # no row for a variable nothing reads


@pytest.mark.parametrize(
    ("name", "raw", "value"),
    [
        ("BOT_PORT", "", 5005),
        ("BOT_PORT", " 8080 ", 8080),
        ("ACTION_TIMEOUT", "0.5", 0.5),
        ("WEB_ALLOWED_ORIGINS", "https://a.example/, https://b.example", ["https://a.example", "https://b.example"]),
        ("BOT_SPEEDUPS", "OFF", False),
        ("REDIS_URL", "  ", None),
    ],
)
def test_values_are_read_typed_with_their_defaults(name, raw, value):
    assert settings.value(name, {name: raw}) == value


@pytest.mark.parametrize(
    ("name", "raw", "says"),
    [
        ("BOT_PORT", "80a", "BOT_PORT must be a whole number of at least 1, not '80a'"),
        ("MAX_MESSAGE_CHARS", "0", "MAX_MESSAGE_CHARS must be a whole number of at least 1, not '0'"),
        ("ACTION_TIMEOUT", "-1", "ACTION_TIMEOUT must be a positive number, not '-1'"),
        ("ACTION_TIMEOUT", "nan", "ACTION_TIMEOUT must be a positive number, not 'nan'"),
        ("BOT_SPEEDUPS", "fast", "BOT_SPEEDUPS must be on or off, not 'fast'"),
        ("TRACKER_RETENTION_DAYS", "a month", "must be a positive number of days (or unset"),
    ],
)
def test_a_bad_value_is_named_with_what_it_must_be(name, raw, says):
    with pytest.raises(SettingError, match=re.escape(says)):
        settings.value(name, {name: raw})
    with pytest.raises(SettingError, match=re.escape(says)):
        settings.check({name: raw})


def test_check_names_every_bad_value_at_once():
    with pytest.raises(SettingError) as raised:
        settings.check({"BOT_PORT": "x", "RASA_SERVERS": "0", "BOT_HOST": "0.0.0.0"})
    assert str(raised.value).count(" must be ") == 2


@pytest.mark.servers
@pytest.mark.parametrize("module", ["bot.ops.launcher", "bot.ops.cluster", "bot.ops.action_server"])
def test_a_bad_value_stops_start_up_naming_it(module, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "MAX_MESSAGE_CHARS": "lots", "TRACKER_DB": str(tmp_path / "t.db")}
    args = [sys.executable, "-m", module] + (["run"] if module != "bot.ops.action_server" else [])
    run = subprocess.run(args, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "MAX_MESSAGE_CHARS must be a whole number of at least 1, not 'lots'" in run.stderr
    assert "Traceback" not in run.stderr and not list(tmp_path.iterdir())
