"""Normalise entity values and decide whether a question is in scope.

The spaCy entity ruler (built from data/entity_patterns.jsonl) reports the text it
matched ("Master's", "Deutschland"); the pattern's `id` is the canonical value the
knowledge file uses ("master", "Germany"). Values typed as ids directly, as in
`/ask_pay{"pay_statistic": "median"}`, are accepted too; anything else is dropped.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Tuple, Union

from bot import DATA_DIR

PATTERNS_FILE = DATA_DIR / "entity_patterns.jsonl"
LABELS = ("pay_statistic", "degree_level", "data_source", "occupation", "country")

# The one region and the one occupation the sources cover (pattern ids).
HOME_COUNTRY = "the US"
HOME_OCCUPATION = "machine learning engineers"


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def load_patterns(path: Union[str, Path] = PATTERNS_FILE) -> List[dict]:
    patterns = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            pattern = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: line {number}: not valid JSON: {error.msg}") from None
        missing = {"label", "pattern", "id"} - set(pattern)
        if missing:
            raise ValueError(f"{path}: line {number}: missing {', '.join(sorted(missing))}")
        if pattern["label"] not in LABELS:
            raise ValueError(f"{path}: line {number}: unknown label {pattern['label']!r}")
        patterns.append(pattern)
    return patterns


@dataclass(frozen=True)
class Scope:
    """Why a question is out of scope: which message, and about what."""

    message: str  # key in knowledge.messages
    subject: str


class EntityNormaliser:
    def __init__(self, patterns: Iterable[dict]):
        self._by_text: Dict[Tuple[str, str], str] = {}
        self._ids: Dict[str, set] = {label: set() for label in LABELS}
        for pattern in patterns:
            label, ident = pattern["label"], pattern["id"]
            self._by_text[(label, _fold(pattern["pattern"]))] = ident
            self._ids[label].add(ident)

    @classmethod
    def from_file(cls, path: Union[str, Path] = PATTERNS_FILE) -> "EntityNormaliser":
        return cls(load_patterns(path))

    def value(self, label: str, raw: object) -> Optional[str]:
        """The canonical id for one raw entity value, or None if it is not one we know."""
        if label not in self._ids or not isinstance(raw, str):
            return None
        if raw in self._ids[label]:
            return raw
        return self._by_text.get((label, _fold(raw)))

    def normalise(self, entities: Iterable[Mapping]) -> Dict[str, List[str]]:
        """{label: [ids in order, no repeats]} from Rasa-style entity dicts."""
        found: Dict[str, List[str]] = {}
        if not isinstance(entities, (list, tuple)):
            return found
        for entity in entities:
            if not isinstance(entity, Mapping):
                continue
            label = entity.get("entity")
            ident = self.value(label, entity.get("value"))
            if ident is not None and ident not in found.setdefault(label, []):
                found[label].append(ident)
        return {label: ids for label, ids in found.items() if ids}

    @staticmethod
    def scope(values: Mapping[str, List[str]]) -> Optional[Scope]:
        """Out of scope if another country is named, or only other occupations are."""
        elsewhere = [c for c in values.get("country", []) if c != HOME_COUNTRY]
        if elsewhere:
            return Scope("out_of_region", elsewhere[0])
        occupations = values.get("occupation", [])
        if occupations and HOME_OCCUPATION not in occupations:
            return Scope("other_occupation", occupations[0])
        return None
