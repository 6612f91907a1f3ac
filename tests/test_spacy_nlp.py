"""bot/rasa_ext/spacy_nlp.py: the served model loads its spaCy pipeline once."""

from rasa.nlu.utils import spacy_utils
from rasa.nlu.utils.spacy_utils import SpacyModel

from bot.rasa_ext.spacy_nlp import SpacyNLP


def test_both_nodes_of_the_served_model_share_one_loaded_pipeline(agent):
    nodes = agent.processor.graph_runner._instantiated_nodes
    loaders = {
        name.split("_", 1)[0]: node._component
        for name, node in nodes.items()
        if isinstance(node._component, spacy_utils.SpacyNLP)
    }
    assert sorted(loaders) == ["provide", "run"]
    assert all(type(component) is SpacyNLP for component in loaders.values())
    provided = [component.provide() for component in loaders.values()]
    assert isinstance(provided[0], SpacyModel) and provided[0] is provided[1]


def test_a_second_model_path_gets_a_pipeline_of_its_own(tmp_path):
    import shutil

    from bot import PROJECT_ROOT

    source = PROJECT_ROOT / "models" / "spacy_en_career"
    copy = shutil.copytree(source, tmp_path / "copy")
    first, second = SpacyNLP.load_model(str(source)), SpacyNLP.load_model(str(copy))
    assert first is not second and SpacyNLP.load_model(str(copy)) is second
    assert [t.lemma_ for t in second.model("engineers earn")] == [t.lemma_ for t in first.model("engineers earn")]
