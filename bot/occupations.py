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


def _word(match: re.Match) -> tuple[int, int, str]:
    """A word's span and lower-case text; a possessive is its word ("a pharmacist's pay")."""
    word, end = match.group(0).lower().replace("-", " "), match.end()
    if word.endswith("'s"):
        word, end = word[:-2], end - 2
    return match.start(), end, word


def plural(title: str) -> str:
    if title.endswith(("s", "sh", "ch", "x")):
        return title + "es"
    if title.endswith("y") and title[-2:-1] not in "aeiou":
        return title[:-1] + "ies"
    return title + "s"


def load_titles(path: Path = TITLES_FILE) -> list[str]:
    lines = (line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


WORD = re.compile(r"[A-Za-z]+(?:[-'][A-Za-z]+)*")
HEAD_FORMS = {form: head for head in HEADS for form in (head, plural(head))}


class Occupations:
    def __init__(self, titles: list[str]):
        # every form (singular, plural) of every title, as its words: ("nurse", "practitioners")
        self.forms = {tuple(form.split()): title for title in titles for form in (title, plural(title))}
        self.longest = max((len(words) for words in self.forms), default=1)

    def titles(self, text: str) -> list[Title]:
        """The other jobs `text` names, in order, none inside another or the bot's own."""
        words = [_word(match) for match in WORD.finditer(text)]
        tokens = [word for _, _, word in words]
        own = [(m.start(), m.end()) for m in OWN.finditer(text)]
        found: list[tuple[int, int, str]] = []
        index = 0
        while index < len(words):
            for size in range(min(self.longest, len(words) - index), 0, -1):  # the list's, longest first
                key = tuple(" ".join(tokens[index : index + size]).split())
                if key in self.forms:
                    found.append((words[index][0], words[index + size - 1][1], self.forms[key]))
                    index += size
                    break
            else:
                head = HEAD_FORMS.get(tokens[index])
                field = tokens[max(0, index - 2) : index]
                while field and (field[0] in NOT_A_FIELD or field[0] in STOP_WORDS):
                    field = field[1:]
                if head and field and not any(t in NOT_A_FIELD or t in STOP_WORDS for t in field):
                    start = words[index - len(field)][0]
                    found.append((start, words[index][1], " ".join([*field, head])))
                index += 1
        kept: list[Title] = []
        for start, end, title in found:
            if any(s < end and start < e for s, e in own):
                continue
            if kept and start < kept[-1].start + len(kept[-1].text):
                kept.pop()  # "nurse technician": the rule's longer title, not the list's "nurse"
            kept.append(Title(text[start:end], start, plural(title)))
        return kept


def load_occupations(path: Path = TITLES_FILE) -> Occupations:
    return Occupations(load_titles(path))
