"""Load and validate the knowledge file (data/knowledge.yml).

Every problem stops loading with one KnowledgeError whose message names the file,
the entry and the problem, e.g.::

    data/knowledge.yml: facts[3] (pay_median): unknown source id 'blss'
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml
from pydantic import ValidationError

from bot import parse_yaml
from bot.domain import Domain
from bot.knowledge.checks import _check_buttons, _check_domain, _check_keys, _cross_check, _describe
from bot.knowledge.entries import Fact, Gap, KnowledgeError, Source, Topic
from bot.knowledge.model import Knowledge

__all__ = ["Fact", "Gap", "Knowledge", "KnowledgeError", "Source", "Topic", "load_knowledge"]


def load_knowledge(
    path: str | Path, domain: Domain | None = None, entity_ids: Mapping[str, frozenset[str]] | None = None
) -> Knowledge:
    """Read, validate and index the knowledge file, or raise KnowledgeError.

    With `domain` (bot.domain.read_domain) the routes and suggestions are checked against
    its intents; with `entity_ids` (EntityNormaliser.ids) the fact keys and the scope
    against the entity patterns. bot.answers.load_answers passes both.
    """
    path = Path(path)
    try:
        raw = parse_yaml(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise KnowledgeError(f"{path}: cannot read the file: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise KnowledgeError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise KnowledgeError(
            f"{path}: top level: expected a mapping with sources, facts, topics, routes, messages, suggestions, after_answer and scope"
        )
    try:
        kb = Knowledge.parse_obj(raw)
    except ValidationError as error:
        raise KnowledgeError(f"{path}: {_describe(error, raw)}") from None
    kb._sources = {s.id: s for s in kb.sources}
    kb._facts = {f.id: f for f in kb.facts}
    kb._topics = {t.id: t for t in kb.topics}
    kb._gaps = {g.id: g for g in kb.gaps}
    problem = (
        _cross_check(kb)
        or (domain and _check_domain(kb, domain))
        or (entity_ids is not None and _check_keys(kb, entity_ids))
        or _check_buttons(kb)
    )
    if problem:
        raise KnowledgeError(f"{path}: {problem}")
    return kb
