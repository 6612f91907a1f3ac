"""The career-guidance bot's own Python.

The answering core is plain Python with no Rasa imports:
knowledge   load and validate data/knowledge.yml
domain      the intents and entity labels domain.yml declares
entities    normalise entity values found by the spaCy entity ruler
answers     choose facts and format cited answers
grounding   check that a reply's numbers are those of the facts it states

Around it, modules that do use Rasa: channels/ (input channels), launcher (starts the
servers), nlu_eval, nlu_compare and bench (measurement tools).
"""

import sys
from contextlib import contextmanager
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
KNOWLEDGE_FILE = DATA_DIR / "knowledge.yml"
DOMAIN_FILE = PROJECT_ROOT / "domain.yml"


def save_results(filename: str, data) -> Path:
    """Write a benchmark or comparison result as JSON under results/ (git-ignored)."""
    import json

    path = PROJECT_ROOT / "results" / filename
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


@contextmanager
def without_modules(*modules: str):
    """Make `import <module>` fail inside the block, for modules not yet imported.

    Libraries that merely *can* use a heavy backend import it whenever it is installed:
    thinc (under spaCy) imports TensorFlow and PyTorch, bm25s imports JAX. Rasa installs
    them all; the action server needs none (about 2.5 s and 400 MiB saved).
    """
    blocked = [name for name in modules if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
