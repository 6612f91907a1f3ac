"""Rasa 3.6 without TensorFlow, JAX or the libraries of channels this bot does not offer.

Rasa declares TensorFlow, matplotlib and every channel's library as dependencies, but this bot's
pipeline (config.yml: spaCy, count vectors, logistic regression, rule and memoization
policies) and its channels (REST, web chat, Slack, shell) use none of them. So
requirements.lock leaves them out (it is installed with --no-deps) and `install()` puts a
guard first on sys.meta_path, in every process that imports `bot`:

- importing a library in LEFT_OUT fails with `LeftOut`, a ModuleNotFoundError that says
  what was left out and why (libraries that merely *can* use TensorFlow, such as spaCy's
  thinc, catch it as "not installed");
- the Rasa modules in STAND_INS import such a library at their top, and are imported
  (through Rasa's registry of default components, its channel list and its training
  utilities) by code this bot does run. Each is replaced by a stand-in module: every name
  imported from it is a class that refuses to be used, with the same message. So
  `DIETClassifier` in a config is "Can't load class" at training, and a `telegram:` entry
  in credentials.yml stops start-up naming aiogram;
- the few modules of boto3, botocore and pymongo that rasa.core.tracker_store imports at
  its top (LIBRARY_STAND_INS: a type hint's name and the exceptions its factory catches)
  are stand-ins as well, their exceptions real exception classes that nothing raises.

Adding a component or channel that needs one of these means adding its libraries to
requirements.in and removing them here (docs/architecture.md, "What the install leaves out").
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types

WHY = "docs/architecture.md, 'What the install leaves out'"

# Top-level import name -> what would need it.
LEFT_OUT = {
    **dict.fromkeys(
        (
            "tensorflow",
            "tensorflow_text",
            "tensorflow_hub",
            "tensorflow_addons",
            "tensorflow_estimator",
            "tensorflow_io_gcs_filesystem",
            "tensorboard",
            "keras",
            "jax",
            "jaxlib",
        ),
        "Rasa's neural components (DIET, TED, ResponseSelector, ConveRT, language models)",
    ),
    "aiogram": "Rasa's Telegram channel",
    "twilio": "Rasa's Twilio channels",
    "webexteamssdk": "Rasa's Webex Teams channel",
    "fbmessenger": "Rasa's Facebook channel",
    "rocketchat_API": "Rasa's Rocket.Chat channel",
    "mattermostwrapper": "Rasa's Mattermost channel",
    "google.auth": "Rasa's Hangouts channel",
    "google.oauth2": "Rasa's Hangouts channel",
    "cachecontrol": "Rasa's Hangouts channel",
    "confluent_kafka": "Rasa's Kafka event broker",
    "matplotlib": "the plots of Rasa's `rasa test` (pass --no-plot)",
    "boto3": "Rasa's DynamoDB tracker store and S3 model storage",
    "botocore": "Rasa's DynamoDB tracker store and S3 model storage",
    "s3transfer": "Rasa's S3 model storage",
    "pymongo": "Rasa's MongoDB tracker store",
}

# Rasa module -> the left-out library it imports at its top.
STAND_INS = {
    **dict.fromkeys(
        (
            "rasa.core.policies.ted_policy",
            "rasa.core.policies.unexpected_intent_policy",
            "rasa.nlu.classifiers.diet_classifier",
            "rasa.nlu.featurizers.dense_featurizer.convert_featurizer",
            "rasa.nlu.featurizers.dense_featurizer.lm_featurizer",
            "rasa.nlu.selectors.response_selector",
            "rasa.utils.tensorflow.callback",
            "rasa.utils.tensorflow.crf",
            "rasa.utils.tensorflow.data_generator",
            "rasa.utils.tensorflow.layers",
            "rasa.utils.tensorflow.layers_utils",
            "rasa.utils.tensorflow.metrics",
            "rasa.utils.tensorflow.models",
            "rasa.utils.tensorflow.rasa_layers",
            "rasa.utils.tensorflow.transformer",
            "rasa.utils.tensorflow.types",
        ),
        "tensorflow",
    ),
    "rasa.core.channels.telegram": "aiogram",
    "rasa.core.channels.twilio": "twilio",
    "rasa.core.channels.twilio_voice": "twilio",
    "rasa.core.channels.webexteams": "webexteamssdk",
    "rasa.core.channels.facebook": "fbmessenger",
    "rasa.core.channels.hangouts": "google.auth",
    "rasa.utils.plotting": "matplotlib",
}


# Modules of left-out libraries that Rasa imports at the top of a module this bot does run
# (rasa.core.tracker_store: a name for a type hint, and the exceptions its factory catches).
# Each is a stand-in too, as are its parent packages; anything else in the library fails.
LIBRARY_STAND_INS = {
    "boto3.dynamodb.conditions": "boto3",
    "botocore.exceptions": "botocore",
    "pymongo.collection": "pymongo",
    "pymongo.errors": "pymongo",
}
STOOD_IN_PACKAGES = {
    ".".join(name.split(".")[:end]): library
    for name, library in LIBRARY_STAND_INS.items()
    for end in range(1, name.count(".") + 1)
}
EXCEPTION_NAME = ("Error", "Failure", "Exception")


class LeftOut(ModuleNotFoundError):
    """An import of something this install leaves out."""


def message(library: str, wanted_by: str = "") -> str:
    subject = f"{wanted_by} needs {library}" if wanted_by else f"{library} is needed only by {LEFT_OUT[library]}"
    return f"{subject}, which this install leaves out ({WHY})"


def _left_out_name(name: str) -> str | None:
    """The LEFT_OUT entry that `name` is, or is inside of."""
    parts = name.split(".")
    for end in range(1, len(parts) + 1):
        if ".".join(parts[:end]) in LEFT_OUT:
            return ".".join(parts[:end])
    return None


class _Refuses(type):
    """The class of a stand-in's names: any use but its name raises LeftOut."""

    def _refuse(cls):
        raise LeftOut(message(cls._library, f"{cls.__module__}.{cls.__qualname__}"), name=cls._library)

    def __getattr__(cls, attribute: str):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        cls._refuse()

    def __call__(cls, *args, **kwargs):
        cls._refuse()


class StandIn(types.ModuleType):
    """A Rasa module that this install cannot import: each name taken from it is a class
    (so registries, `issubclass` and `set`s of classes still work) that refuses to be
    used. Its `name()` is the module's last part, as Rasa's channel classes name
    themselves, so Rasa's table of built-in channels still has an entry for it."""

    def __init__(self, name: str, library: str):
        super().__init__(name, f"Stand-in: {message(library, name)}")
        self.__library = library

    def __getattr__(self, attribute: str):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        short = self.__name__.rsplit(".", 1)[-1]
        stand_in = _Refuses(
            attribute,
            (Exception,) if attribute.endswith(EXCEPTION_NAME) else (),  # never raised, but `except`-able
            {"__module__": self.__name__, "_library": self.__library, "name": classmethod(lambda cls: short)},
        )
        setattr(self, attribute, stand_in)
        return stand_in


class _StandInLoader(importlib.abc.Loader):
    def create_module(self, spec):
        library = STAND_INS.get(spec.name) or LIBRARY_STAND_INS.get(spec.name) or STOOD_IN_PACKAGES[spec.name]
        module = StandIn(spec.name, library)
        if spec.name in STOOD_IN_PACKAGES:
            module.__path__ = []  # a package: its stood-in modules import from it
        return module

    def exec_module(self, module) -> None:
        pass


class Guard(importlib.abc.MetaPathFinder):
    """First on sys.meta_path: left-out libraries fail, Rasa modules that need them are stood in for."""

    def find_spec(self, name, path=None, target=None):
        if name in STAND_INS or name in LIBRARY_STAND_INS or name in STOOD_IN_PACKAGES:
            return importlib.machinery.ModuleSpec(name, _StandInLoader(), is_package=name in STOOD_IN_PACKAGES)
        library = _left_out_name(name)
        if library is not None:
            raise LeftOut(message(library), name=name)
        return None


def install() -> None:
    """Put the guard first on sys.meta_path (once per process). A module already imported
    stays as it is, so this runs before anything imports Rasa: from `bot/__init__.py`."""
    if not any(isinstance(finder, Guard) for finder in sys.meta_path):
        sys.meta_path.insert(0, Guard())
