"""Rasa's SpacyNLP, loading its spaCy pipeline once per process (config.yml names it).

Rasa's graph holds two nodes of the model loader: `provide_SpacyNLP0` hands the pipeline
to the tokenizer and the entity extractor, `run_SpacyNLP0` processes each message. Each is
built by `SpacyNLP.create`, which loads the pipeline from disk, so every Rasa server loaded
it twice (0.5 s and 16 MiB each, most of it the tokenizer's 4,000 special cases). This
subclass keeps what it loaded, by model path, and hands both nodes the same pipeline (which
processing only reads).

It is registered under Rasa's own class name, because Rasa's recipe finds the component
that provides the tokenizer's model by that name (`model_from="SpacyNLP"`); importing this
module (config.yml's `bot.rasa_ext.spacy_nlp.SpacyNLP` does) makes the name mean this class.
"""

from __future__ import annotations

from pathlib import Path

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.utils import spacy_utils
from rasa.nlu.utils.spacy_utils import SpacyModel

_LOADED: dict[str, SpacyModel] = {}


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MODEL_LOADER, DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER],
    is_trainable=False,
    model_from="SpacyNLP",
)
class SpacyNLP(spacy_utils.SpacyNLP):
    @staticmethod
    def load_model(spacy_model_name: str) -> SpacyModel:
        """Loaded as the action server loads it (bot.spacy_pipeline.load: without reading its
        saved tokenizer again). Rasa's own check that the pipeline suits the installed spaCy
        is left out: `make` builds it with that spaCy. A path that holds none gets Rasa's own
        error, from Rasa's own loader."""
        from bot.spacy_pipeline import load

        if spacy_model_name not in _LOADED:
            try:
                _LOADED[spacy_model_name] = SpacyModel(model=load(Path(spacy_model_name)), model_name=spacy_model_name)
            except OSError:
                return spacy_utils.SpacyNLP.load_model(spacy_model_name)  # raises InvalidModelError
        return _LOADED[spacy_model_name]
