"""Career-guidance bot core: plain Python with no Rasa imports.

knowledge   load and validate data/knowledge.yml
entities    normalise entity values found by the spaCy entity ruler
answers     choose facts and format cited answers
"""
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
KNOWLEDGE_FILE = DATA_DIR / "knowledge.yml"
DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
