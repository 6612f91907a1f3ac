"""Other jobs named in a message, beyond the entity patterns' list (data/entity_patterns.jsonl):
so that a question about a pharmacist's or an actuary's pay is declined as another
occupation instead of getting the ML engineer's figures.

Two ways of knowing a job title:
- the titles in data/occupations.txt (a few hundred, singular; a plural "s" is allowed);
- a rule for titles the list cannot hold: one or two words of a field before a head that
  names a person at work ("UX researcher", "wind turbine technician", "school nurse").
The bot's own occupation (machine learning engineer, ML engineer, AI engineer), the group
its pay figures are for (computer and information research scientists) and seniority alone
("senior engineer") are never another job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from spacy.lang.en.stop_words import STOP_WORDS

from bot import DATA_DIR

TITLES_FILE = DATA_DIR / "occupations.txt"
HEADS = (
    "engineer",
    "designer",
    "developer",
    "technician",
    "technologist",
    "nurse",
    "therapist",
    "hygienist",
    "specialist",
    "analyst",
    "researcher",
    "teacher",
    "driver",
    "operator",
    "inspector",
    "officer",
    "worker",
)
# Words before a head that do not make it another job: the bot's own, seniority, articles.
NOT_A_FIELD = {
    "a", "an", "the", "my", "your", "our", "their", "his", "her", "as", "of", "for", "to", "and", "or", "be",
    "is", "are", "was", "were", "am", "i", "im", "i'm", "being", "been", "become", "becoming", "this", "that",
    "any", "some", "every", "other", "another", "machine", "learning", "ml", "ai", "mle", "senior", "junior",
    "entry", "entry-level", "lead", "principal", "staff", "experienced", "new", "good", "great", "average",
    "typical", "real", "hiring", "what", "which", "how", "do", "does", "many", "most", "more", "less", "than",
    "with", "like", "at", "in", "on", "by", "it", "they", "them", "who", "research", "information",
}  # fmt: skip
OWN = re.compile(
    r"\b(?:machine[- ]learning|ml|ai|mle)\s+(?:engineers?|developers?|specialists?|researchers?)\b|"
    r"\b(?:computer and information )?research scientists?\b",
    re.I,
)


@dataclass(frozen=True)
class Title:
    text: str  # as written
    start: int  # character offset in the message
    name: str  # the plural the bot names it by ("pharmacists")


def plural(title: str) -> str:
    if title.endswith(("s", "sh", "ch", "x")):
        return title + "es"
    if title.endswith("y") and title[-2:-1] not in "aeiou":
        return title[:-1] + "ies"
    return title + "s"


def load_titles(path: Path = TITLES_FILE) -> list[str]:
    lines = (line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


class Occupations:
    def __init__(self, titles: list[str]):
        forms = {form: title for title in titles for form in (title, plural(title))}
        ordered = sorted(forms, key=lambda t: (-len(t), t))  # longest first: "nurse practitioners"
        listed = "|".join(re.escape(t).replace(r"\ ", r"[\s-]+") for t in ordered)
        self.listed = re.compile(rf"\b({listed})\b", re.I)
        self.singular = {re.sub(r"\s+", " ", form): title for form, title in forms.items()}
        heads = "|".join(HEADS)
        self.ruled = re.compile(rf"\b((?:[a-z][a-z-]+\s+){{1,2}})({heads})s?\b", re.I)

    def titles(self, text: str) -> list[Title]:
        """The other jobs `text` names, in order, none inside another or the bot's own."""
        own = [(m.start(), m.end()) for m in OWN.finditer(text)]
        found: list[tuple[int, int, str]] = []
        for match in self.listed.finditer(text):
            form = re.sub(r"[\s-]+", " ", match.group(1).lower())
            found.append((match.start(), match.end(), self.singular.get(form, form)))
        listed = [(start, end) for start, end, _ in found]
        for match in self.ruled.finditer(text):
            words = match.group(1).lower().split()
            while words and (words[0] in NOT_A_FIELD or words[0] in STOP_WORDS):
                words = words[1:]
            if not words or any(w in NOT_A_FIELD or w in STOP_WORDS for w in words):
                continue
            if any(s < match.end() and match.start() < e for s, e in listed):
                continue  # the list's title is the one
            title = " ".join([*words, match.group(2).lower()])
            start = match.end() - len(match.group(0)) + match.group(0).lower().index(words[0])
            found.append((start, match.end(), title))
        kept: list[Title] = []
        for start, end, title in sorted(found, key=lambda f: (f[0], -(f[1] - f[0]))):
            if any(s < end and start < e for s, e in own):
                continue
            if kept and start < kept[-1].start + len(kept[-1].text):
                continue  # inside one already kept
            kept.append(Title(text[start:end], start, plural(re.sub(r"[\s-]+", " ", title))))
        return kept


def load_occupations(path: Path = TITLES_FILE) -> Occupations:
    return Occupations(load_titles(path))
