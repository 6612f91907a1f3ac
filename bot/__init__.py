"""The career-guidance bot's own Python.

The answering core is plain Python with no Rasa imports:
knowledge   load and validate data/knowledge.yml
domain      the intents and entity labels domain.yml declares
entities    normalise entity values found by the spaCy entity ruler
answers     choose facts and format cited answers
grounding   check that a reply's numbers are those of the facts it states

Around it, modules that do use Rasa: channels/ (input channels), rasa_ext/ (what changes
Rasa, starting with what the install leaves out of it), server/ (starts the servers) and
tools/ (measurement tools and maintainer commands).
"""

from pathlib import Path

from bot.rasa_ext import left_out

# Before anything imports Rasa: TensorFlow, JAX and unused channels' libraries are left
# out of the install, and the Rasa modules that import them are stood in for.
left_out.install()

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
KNOWLEDGE_FILE = DATA_DIR / "knowledge.yml"
DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
STATE_DIR = PROJECT_ROOT / "state"  # what the running bot writes (git-ignored)
DEFAULT_TRACKER_DB = STATE_DIR / "tracker.db"  # where `make run` keeps the conversations (TRACKER_DB)
DEFAULT_MODEL = PROJECT_ROOT / "models" / "career.tar.gz"  # what `make train` writes (MODEL)


def parse_yaml(text: str):
    """YAML text's data, read as yaml.safe_load reads it but by PyYAML's libyaml parser when
    it has one (its wheels do): the knowledge file in 0.03 s instead of 0.46 s, which every
    server and tool paid at start."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def save_results(filename: str, data) -> Path:
    """Write a benchmark or comparison result as JSON under results/ (git-ignored)."""
    import json

    path = PROJECT_ROOT / "results" / filename
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path
