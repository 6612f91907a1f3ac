"""Build the project's own spaCy pipeline from files in data/ (no download).

blank English -> lookup lemmatizer (tables from spacy-lookups-data) -> entity_ruler
(data/entity_patterns.jsonl, matched case-insensitively). config.yml loads the
result by path with SpacyNLP. Usage: python -m bot.spacy_pipeline [OUTPUT_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

import spacy

from bot import PROJECT_ROOT
from bot.entities import PATTERNS_FILE, load_patterns

DEFAULT_OUTPUT = PROJECT_ROOT / "models" / "spacy_en_career"


def build(patterns_file: Path = PATTERNS_FILE) -> spacy.language.Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    nlp.initialize()  # loads the lookup tables from spacy-lookups-data
    ruler.add_patterns(load_patterns(patterns_file))
    nlp.meta["name"] = "en_career"
    nlp.meta["description"] = "Blank English + lookup lemmatizer + entity ruler, built from data/"
    return nlp


def load(path: Path = DEFAULT_OUTPUT) -> spacy.language.Language:
    """The pipeline `make spacy` built. Its tokenizer is blank English's, which the pipeline
    makes anyway before reading the saved one, so it is not read again (0.3 s of each
    start: 4,000 special cases; tests/test_spacy_pipeline.py checks the two are the same)."""
    return spacy.load(path, exclude=["tokenizer"])


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    output = Path(argv[0]) if argv else DEFAULT_OUTPUT
    nlp = build()
    output.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    print(f"spaCy pipeline {nlp.pipe_names} written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
