"""What a person says about their own education and work, read from the sentences a story
set aside (bot.reading): the degree they have (none, a bootcamp, a bachelor's, a master's,
a PhD), its field, and whether they work with data. Plain Python, no Rasa.

Used to tell someone where they seem to be on the path the sources describe
(bot/handlers/advice.py); never to add anything the sources do not say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NO_DEGREE = re.compile(
    r"\bno (?:college |university )?degree\b|\bwithout a degree\b|\bdropped out\b|\bdon'?t have a degree\b|"
    r"\bhigh school diploma\b|\bged\b|\bonly (?:got |have )?(?:my |a )?high school\b|\bnever went to college\b",
    re.I,
)
DEGREES = ("none", "bootcamp", "bachelor", "master", "phd")
BOOTCAMP = re.compile(r"\bboot ?camp\b", re.I)
LEVELS = (
    ("phd", re.compile(r"\bph\.? ?d\b|\bdoctorate\b", re.I)),
    ("master", re.compile(r"\bmaster'?s\b|\bmasters\b|\bm\.?sc?\b(?= in\b)|\bmsc\b|\bmba\b", re.I)),
    (
        "bachelor",
        re.compile(
            r"\bbachelor'?s?\b|\bb\.?sc?\b|\bb\.?a\.?\b(?= in\b)|\bba\b|\bbs\b|\bb\.?tech\b|\bdegree\b|\bgraduated\b|"
            r"\bgrad\b|\bmajor(?:ed)? in\b",
            re.I,
        ),
    ),
)
# Field words -> the field's name; "closely related" is what the sources say of statistics.
FIELDS = {
    "computer science": r"computer science|comp ?sci|\bcs\b|software engineering|computer engineering",
    "statistics": r"statistics|\bstats\b",
    "data science": r"data science",
    "mathematics": r"mathematics|\bmaths?\b|applied math",
    "physics": r"physics",
    "chemistry": r"chemistry|\bchem\b|biochemistry",
    "biology": r"biology|\bbio\b",
    "economics": r"economics|\becon\b",
    "engineering": r"(?:mechanical|electrical|industrial|civil|chemical) engineering",
    "business": r"business|accounting|finance",
    "psychology": r"psychology",
    "nursing": r"nursing|\bbsn\b",
    "law": r"\blaw\b|\bjd\b",
    "English": r"english(?: lit(?:erature)?)?",
    "philosophy": r"philosophy",
}
NAMED_BY_SOURCES = {
    "computer science",
    "statistics",
}  # "computer science or a closely related field such as statistics"
DATA_WORK = re.compile(
    r"\b(?:i'?m|i am|im|work(?:ing|ed)? as|as) an? data (?:analyst|scientist|engineer)\b|"
    r"\bwork(?:ing|ed)? (?:in|with) data(?: science)?\b|\bdata (?:analyst|scientist)\b",
    re.I,
)


@dataclass(frozen=True)
class Background:
    degree: str | None = None  # "none", "bootcamp", "bachelor", "master", "phd"
    field: str | None = None  # "computer science", "chemistry", ...
    data_work: bool = False  # works (or worked) with data: the path's second step

    def as_slot(self) -> dict[str, object]:
        return {"degree": self.degree, "field": self.field, "data_work": self.data_work}

    @classmethod
    def from_slot(cls, value: object) -> Background:
        """The slot as the action set it; anything else (user text cannot set it) is nothing known."""
        if not isinstance(value, dict):
            return cls()
        degree, field = value.get("degree"), value.get("field")
        return cls(
            degree if degree in DEGREES else None,
            field if field in FIELDS else None,
            value.get("data_work") is True,
        )

    def updated(self, newer: Background) -> Background:
        """What is known after a later turn tells more (what it tells wins)."""
        return Background(newer.degree or self.degree, newer.field or self.field, newer.data_work or self.data_work)

    @property
    def known(self) -> bool:
        return self.degree is not None or self.data_work

    def describe(self) -> str:
        """'a chemistry degree', 'no degree and a bootcamp', 'a CS degree and work with data'."""
        if self.degree in (None, "none", "bootcamp"):
            parts = ["no degree"] if self.degree == "none" else []
            parts += ["a bootcamp"] if self.degree == "bootcamp" else []
        else:
            level = {"bachelor": "degree", "master": "master's", "phd": "PhD"}[self.degree]
            parts = [f"a {self.field} {level}" if self.field else f"a {level}"]
        if self.data_work:
            parts.append("work with data")
        return " and ".join(parts)

    @property
    def field_named_by_sources(self) -> bool | None:
        """True for a field the sources name, False for another, None when no field is known."""
        return None if self.field is None else self.field in NAMED_BY_SOURCES


def background_of(sentences: tuple[str, ...] | list[str]) -> Background:
    text = " ".join(sentences)
    degree = None
    for level, pattern in LEVELS:
        if pattern.search(text):
            degree = level
            break
    if degree is None or NO_DEGREE.search(text):
        degree = "bootcamp" if BOOTCAMP.search(text) else ("none" if NO_DEGREE.search(text) else degree)
    field = next((name for name, words in FIELDS.items() if re.search(words, text, re.I)), None)
    if degree in (None, "none", "bootcamp"):
        field = None  # a field studied without a degree is not the degree the path asks for
    return Background(degree, field, bool(DATA_WORK.search(text)))
