"""The configuration files the project ships for several machines (deploy/): what the code
would write for them, and accepted by the programs that read them."""

import subprocess

import pytest

from bot import PROJECT_ROOT
from bot.ops.cluster import haproxy_config
from bot.ops.launcher import base_env, without_unset
from bot.ops.services import MissingProgram, program

DEPLOY = PROJECT_ROOT / "deploy"
EXAMPLE_HOSTS = ["10.0.0.11:5005", "10.0.0.12:5005"]  # the README's and the file's


def haproxy() -> str:
    try:
        return program("haproxy", ["/usr/sbin"])
    except MissingProgram as missing:
        pytest.fail(str(missing))


def test_the_shipped_haproxy_config_is_what_make_haproxy_config_prints():
    shipped = (DEPLOY / "haproxy.cfg").read_text(encoding="utf-8")
    assert shipped == haproxy_config("0.0.0.0:5005", EXAMPLE_HOSTS), (
        'run: make -s haproxy-config BOT_HOSTS="10.0.0.11:5005 10.0.0.12:5005" > deploy/haproxy.cfg'
    )


@pytest.mark.parametrize("actions", [[], ["10.0.0.21:5055", "10.0.0.22:5055"]])
def test_haproxy_accepts_the_config(tmp_path, actions):
    path = tmp_path / "haproxy.cfg"
    path.write_text(haproxy_config("127.0.0.1:5005", EXAMPLE_HOSTS, actions), encoding="utf-8")
    checked = subprocess.run([haproxy(), "-c", "-f", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_bot_host_with_the_example_environment_shares_postgresql_and_redis(tmp_path, monkeypatch):
    """deploy/bot-host.env, read as a shell would: the server it starts uses the shared
    database and Redis, and its own action server."""
    values = (
        subprocess.run(
            ["bash", "-c", f"set -a; CAREERBOT_DB_PASSWORD=secret; . {DEPLOY / 'bot-host.env'}; env -0"],
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    env = dict(v.split("=", 1) for v in values if "=" in v)
    for name in ("TRACKER_DB_URL", "REDIS_URL", "ACTION_URL"):
        monkeypatch.delenv(name, raising=False)
    for name in ("TRACKER_DB_URL", "REDIS_URL", "BOT_HOST", "SANIC_WORKERS"):
        monkeypatch.setenv(name, env[name])
    full = base_env(5055, tmp_path / "unused.db")
    assert full["TRACKER_DB_URL"] == "postgresql://careerbot:secret@db.internal:5432/careerbot"
    assert full["ACTION_URL"] == "http://127.0.0.1:5055/webhook"
    assert without_unset(PROJECT_ROOT / "endpoints.yml", tmp_path / "endpoints.yml", full) == {}
