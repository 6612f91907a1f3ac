"""What the install leaves out of Rasa (bot/rasa_ext/left_out.py, bot/tools/lock.py): not
installed, not importable, and asked for by name, a clear error instead of a traceback."""

import importlib
import importlib.machinery
import importlib.metadata
import re
import sys
from pathlib import Path

import pytest

from bot import PROJECT_ROOT
from bot.rasa_ext import left_out
from bot.rasa_ext.left_out import LEFT_OUT, STAND_INS, LeftOut
from bot.tools import lock

TOP_LEVEL = sorted({name for name in LEFT_OUT if "." not in name})


@pytest.mark.parametrize("name", sorted(LEFT_OUT))
def test_importing_what_is_left_out_fails_and_says_why(name):
    says_why = r"which this install leaves out \(docs/architecture.md"
    if name in left_out.STOOD_IN_PACKAGES:  # boto3, pymongo: Rasa imports a few of their modules
        module = importlib.import_module(name)
        assert isinstance(module, left_out.StandIn)
        with pytest.raises(LeftOut, match=says_why):
            module.client("dynamodb")  # any use of any of its names
    else:
        with pytest.raises(LeftOut, match=says_why):
            importlib.import_module(name)
    with pytest.raises(ModuleNotFoundError):  # what libraries that can do without it catch
        importlib.import_module(name + ".anything")


def test_rasas_tracker_store_module_imports_and_its_factory_still_catches_what_fails(monkeypatch):
    """rasa.core.tracker_store imports boto3's and pymongo's modules at its top, and catches
    their exceptions (stand-ins here) beside SQLAlchemy's when a store cannot connect: an
    `except` naming a class that is not an exception would be a TypeError instead."""
    import rasa.core.tracker_store as tracker_store
    import sqlalchemy.exc
    from rasa.core.tracker_store import TrackerStore
    from rasa.shared.exceptions import ConnectionException
    from rasa.utils.endpoints import EndpointConfig

    def cannot_connect(*args, **kwargs):  # what SQLAlchemy raises when the database is unreachable
        raise sqlalchemy.exc.OperationalError("connect", {}, OSError("connection refused"))

    monkeypatch.setattr(tracker_store, "create_tracker_store", cannot_connect)

    site = Path(importlib.util.find_spec("rasa").origin).parent
    source = (site / "core" / "tracker_store.py").read_text(encoding="utf-8")
    with pytest.raises(ConnectionException, match="Cannot connect to tracker store"):
        TrackerStore.create(EndpointConfig(type="sql"))
    for module in left_out.LIBRARY_STAND_INS:
        assert re.search(rf"^\s*(from {re.escape(module)} import|import {re.escape(module)}\b)", source, re.M), module
        assert isinstance(sys.modules[module], left_out.StandIn)
    assert issubclass(sys.modules["botocore.exceptions"].BotoCoreError, Exception)


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_what_is_left_out_is_not_installed_either(name):
    assert importlib.machinery.PathFinder.find_spec(name) is None, f"{name} is installed"


def test_no_left_out_distribution_is_installed_or_locked():
    names = {lock.canonical(d.metadata["Name"]) for d in importlib.metadata.distributions()}
    for path in ("requirements.lock", "requirements-dev.lock"):
        text = (PROJECT_ROOT / path).read_text(encoding="utf-8")
        names |= {lock.canonical(line.split("==")[0]) for line in text.splitlines() if "==" in line}
    family = {n for n in names if re.match(r"(tensorflow|tensorboard|jax|keras)", n)}
    assert family == set()
    assert names & {lock.canonical(n) for n in lock.LEFT_OUT} == set()


def test_a_stand_in_names_what_rasa_imports_and_refuses_its_use():
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier

    module = sys.modules["rasa.nlu.classifiers.diet_classifier"]
    assert isinstance(module, left_out.StandIn)
    assert DIETClassifier.__name__ == "DIETClassifier" and DIETClassifier in {DIETClassifier}
    needs = "rasa.nlu.classifiers.diet_classifier.DIETClassifier needs tensorflow, which this install leaves out"
    with pytest.raises(LeftOut, match=re.escape(needs)):
        DIETClassifier()
    with pytest.raises(LeftOut, match=re.escape(needs)):
        DIETClassifier.get_default_config()
    assert not hasattr(DIETClassifier, "__wrapped__")  # dunders are plain AttributeErrors


def test_a_neural_component_in_a_config_is_an_unknown_component():
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.shared.exceptions import InvalidConfigException

    assert DefaultV1Recipe._from_registry("LogisticRegressionClassifier").clazz.__name__ == (
        "LogisticRegressionClassifier"
    )
    for name in ("DIETClassifier", "TEDPolicy", "ResponseSelector", "LanguageModelFeaturizer"):
        with pytest.raises(InvalidConfigException, match=f"Can't load class for name '{name}'"):
            DefaultV1Recipe._from_registry(name)


def test_a_channel_left_out_is_named_when_credentials_ask_for_it(tmp_path):
    from rasa.core.channels import BUILTIN_CHANNELS
    from rasa.core.run import create_http_input_channels

    assert {"rest", "socketio", "slack", "cmdline"} <= set(BUILTIN_CHANNELS)
    assert {"telegram", "twilio", "twilio_voice", "webexteams", "facebook", "hangouts"} <= set(BUILTIN_CHANNELS)
    credentials = tmp_path / "credentials.yml"
    credentials.write_text("telegram:\n  access_token: x\n  verify: y\n  webhook_url: z\n", encoding="utf-8")
    with pytest.raises(LeftOut, match="TelegramInput needs aiogram, which this install leaves out"):
        create_http_input_channels(None, str(credentials))


def test_every_stand_in_is_a_rasa_module_that_imports_what_is_left_out():
    site = Path(importlib.util.find_spec("rasa").origin).parent.parent
    for module, library in STAND_INS.items():
        source = (site / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8")
        top = library.split(".")[0]
        assert re.search(rf"^(import|from) {re.escape(library)}\b|^(import|from) {top}\b", source, re.M), module
        assert library in LEFT_OUT


@pytest.mark.servers
def test_neither_server_loads_tensorflow_or_jax(bot):
    maps = {}
    for process in bot.processes:
        maps[bot._names[process]] = Path(f"/proc/{process.pid}/maps").read_text()
    assert set(maps) == {"actions", "rasa"}
    for name, text in maps.items():
        assert "site-packages/numpy" in text, name  # the maps do list the libraries loaded
        assert not re.search(r"tensorflow|jax|libtf", text), name
