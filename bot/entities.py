"""Normalise entity values and decide whether a question is in scope.

The spaCy entity ruler (built from data/entity_patterns.jsonl) reports the text it
matched ("Master's", "Deutschland"); the pattern's `id` is the canonical value the
knowledge file uses ("master", "Germany"). Values typed as ids directly, as in
`/ask_pay{"pay_statistic": "median"}`, are accepted too; anything else is dropped.
The labels are domain.yml's entities (bot.domain), in its order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from bot import DATA_DIR
from bot.domain import read_domain

PATTERNS_FILE = DATA_DIR / "entity_patterns.jsonl"


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def load_patterns(path: str | Path = PATTERNS_FILE, labels: Sequence[str] | None = None) -> list[dict]:
    """The entity ruler's patterns; every label must be one of `labels` (domain.yml's)."""
    labels = read_domain().entities if labels is None else labels
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
        if pattern["label"] not in labels:
            raise ValueError(
                f"{path}: line {number}: unknown label {pattern['label']!r}"
                f" (domain.yml's entities: {', '.join(labels)})"
            )
        patterns.append(pattern)
    return patterns


class EntityNormaliser:
    def __init__(self, patterns: Iterable[dict], labels: Sequence[str] | None = None):
        patterns = list(patterns)
        labels = labels or list(dict.fromkeys(p["label"] for p in patterns))
        self._by_text: dict[tuple[str, str], str] = {}
        self._ids: dict[str, set] = {label: set() for label in labels}
        for pattern in patterns:
            label, ident = pattern["label"], pattern["id"]
            self._by_text[(label, _fold(pattern["pattern"]))] = ident
            self._ids[label].add(ident)

    @classmethod
    def from_file(cls, path: str | Path = PATTERNS_FILE, labels: Sequence[str] | None = None) -> EntityNormaliser:
        labels = read_domain().entities if labels is None else labels
        return cls(load_patterns(path, labels), labels)

    @property
    def labels(self) -> list[str]:
        """The labels in domain.yml's order (the order fact keys are tried in)."""
        return list(self._ids)

    @property
    def ids(self) -> dict[str, frozenset[str]]:
        """{label: every canonical id the patterns give it}."""
        return {label: frozenset(ids) for label, ids in self._ids.items()}

    def value(self, label: str, raw: object) -> str | None:
        """The canonical id for one raw entity value, or None if it is not one we know."""
        if label not in self._ids or not isinstance(raw, str):
            return None
        if raw in self._ids[label]:
            return raw
        return self._by_text.get((label, _fold(raw)))

    def normalise(self, entities: Iterable[Mapping]) -> dict[str, list[str]]:
        """{label: [ids in order, no repeats]} from Rasa-style entity dicts."""
        found: dict[str, list[str]] = {}
        if not isinstance(entities, (list, tuple)):
            return found
        for entity in entities:
            if not isinstance(entity, Mapping):
                continue
            label = entity.get("entity")
            ident = self.value(label, entity.get("value"))
            if ident is not None and ident not in found.setdefault(label, []):
                found[label].append(ident)
        return found
