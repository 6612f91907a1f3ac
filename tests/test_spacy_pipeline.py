"""bot/spacy_pipeline.py: the project's spaCy pipeline, loaded without reading its saved
tokenizer again (the blank English one it makes first is the same)."""

import spacy

from bot.spacy_pipeline import DEFAULT_OUTPUT, load


def test_the_loaded_tokenizer_is_the_saved_one():
    loaded, whole = load(), spacy.load(DEFAULT_OUTPUT)
    assert loaded.tokenizer.to_bytes() == whole.tokenizer.to_bytes()
    assert loaded.pipe_names == whole.pipe_names and loaded.path == whole.path
    text = "U.S. ML engineers' pay: $131,490 (2021), e.g. don't-stop 24/7 at Indeed.com!"
    assert [(t.text, t.lemma_, t.ent_type_) for t in loaded(text)] == [
        (t.text, t.lemma_, t.ent_type_) for t in whole(text)
    ]
