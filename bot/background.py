"""What a person says about themselves, read from the sentences a story set aside
(bot.reading): the degree they have (none, a bootcamp, a bachelor's, a master's, a PhD),
its field, whether they work with data, their job, years of work, age and where they live
(the last three as context only: no answer depends on them). Plain Python, no Rasa.

Used to tell someone where they seem to be on the path the sources describe
(bot/handlers/advice.py); never to add anything the sources do not say.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

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


AGE = re.compile(
    r"\b(?:i'?m|i am|im|age|aged)\s+(\d{2})\b(?!\s*(?:%|k\b|years? (?:of|in|as)|yrs? (?:of|in|as)))|"
    r"\b(\d{2})\s*(?:yo|y/o|years? old|yrs? old)\b|^\W*(?:[\w.-]+ ){0,3}?[\w.-]+,\s*(\d{2})\s*(?:,|\.|$)",
    re.I,
)
NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
                "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20}  # fmt: skip
YEARS = re.compile(r"\b(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")\+? ?(?:years?|yrs?)\b(?! old)", re.I)
SHORT_TEXT = 60  # a job or place longer than this is not one (the slot keeps no free text)


@dataclass(frozen=True)
class Background:
    degree: str | None = None  # "none", "bootcamp", "bachelor", "master", "phd"
    field: str | None = None  # "computer science", "chemistry", ...
    data_work: bool = False  # works (or worked) with data: the path's second step
    job: str | None = None  # the occupation they name ("nurse"), as the occupation list has it
    years: int | None = None  # years of work they mention (the largest number)
    age: int | None = None
    place: str | None = None  # a US state or city, or a country (the entity patterns' value)

    def as_slot(self) -> dict[str, object]:
        return asdict(self)

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
            _short(value.get("job")),
            _number(value.get("years"), 0, 60),
            _number(value.get("age"), 10, 99),
            _short(value.get("place")),
        )

    def updated(self, newer: Background) -> Background:
        """What is known after a later turn tells more (what it tells wins)."""
        return Background(
            newer.degree or self.degree,
            newer.field or self.field,
            newer.data_work or self.data_work,
            newer.job or self.job,
            newer.years if newer.years is not None else self.years,
            newer.age if newer.age is not None else self.age,
            newer.place or self.place,
        )

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


def _short(value: object) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= SHORT_TEXT else None


def _number(value: object, least: int, most: int) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and least <= value <= most else None


def background_of(
    sentences: tuple[str, ...] | list[str], job: str | None = None, place: str | None = None
) -> Background:
    """What the story's sentences tell; `job` and `place` as the responder found them in
    those sentences (the occupation list, the entity patterns)."""
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
    ages = [int(next(g for g in m.groups() if g)) for m in AGE.finditer(text)]
    years = [int(y) if y.isdigit() else NUMBER_WORDS[y.lower()] for y in YEARS.findall(text)]
    years = [y for y in years if y not in ages]  # ("I'm 34, ... 34 years": the age)
    return Background(
        degree,
        field,
        bool(DATA_WORK.search(text)),
        _short(job),
        _number(max(years), 0, 60) if years else None,
        _number(ages[0], 10, 99) if ages else None,
        _short(place),
    )
