"""What domain.yml declares that bot/ checks the data files against.

domain.yml is the one list of intents and entity labels: the entity patterns may only
use its labels, the knowledge file's suggestions only its intents, and its `ask_*`
intents must each have a route in the knowledge file. The order of the entity labels
is also the order in which a fact's `keys` are tried (most specific first).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot import DOMAIN_FILE, parse_yaml

TOPIC_INTENT_PREFIX = "ask_"


@dataclass(frozen=True)
class Domain:
    intents: tuple[str, ...]
    entities: tuple[str, ...]

    @property
    def topic_intents(self) -> tuple[str, ...]:
        """The intents named ask_*: each needs a route in the knowledge file."""
        return tuple(i for i in self.intents if i.startswith(TOPIC_INTENT_PREFIX))


def _names(items) -> tuple[str, ...]:
    return tuple(next(iter(item)) if isinstance(item, dict) else str(item) for item in items or [])


def read_domain(path: str | Path = DOMAIN_FILE) -> Domain:
    raw = parse_yaml(Path(path).read_text(encoding="utf-8")) or {}
    return Domain(intents=_names(raw.get("intents")), entities=_names(raw.get("entities")))
