"""Figures a user puts forward as true ("they make $400k, right?", "I heard thirty
percent"), read from a message's text.

Plain Python with no Rasa imports. bot.responder checks each claimed figure against the
facts it states: a figure they do not hold is never repeated, and the reply says its
sources don't support it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.grounding import numbers_in
from bot.knowledge import Fact

CLAIM_CUE = re.compile(
    r"\b(right|correct|true|accurate|heard|read|said|says|told|claim|think|thought|swears?|reckon|"
    r"believe|believed|impression|pretty sure|saw|seen|according|"
    r"isn'?t|wasn'?t|didn'?t|don'?t|doesn'?t|aren'?t|no|yeah|yes|really|only|actually|supposedly|"
    r"apparently|like|around|roughly|approximately|nearly|almost|over)\b|\?\s*$",
    re.I,
)
YEAR = re.compile(r"(19|20)\d\d")
# A figure about the user ("I have 2 years of experience", "my salary is 80k") is not a claim
# about the job, unless they say where they got it ("I read ...").
OWN_FIGURE = re.compile(
    r"\b(i|i'?m|i'?ve)\s+(am|have|make|earn|got|get|had|was|work|worked|spent|been|"
    r"studied|did|do|finished|completed|took|making|earning|getting)\b|\bmy\b|"
    r"\bi'?m\b|\bim\b|\bam i\b|\b(at|my) age\b|\byears? old\b",
    re.I,
)
HEARD = re.compile(
    r"\b(heard|read|saw|seen|told|says|said|claim|according|think|thought|believe|"
    r"reckon|sure|guess|impression|understand|understood|figured)\b",
    re.I,
)
USER_FIGURE = re.compile(r"[$€£]?\d[\d,.]*\s*(?:%|k\b|percent|stars?|million|billion|thousand|m\b|bn\b)?", re.I)
SCALE = re.compile(r"(k|million|billion|thousand|m|bn|doubled|tripled|quadrupled|halved|fold)$", re.I)
# Figures in words ("over a million", "postings tripled"): no fact states one this way
WORD_FIGURE = re.compile(
    r"\b(?:(?:a|one|two|three|four|five|six|seven|eight|nine|ten|a few|several|half a|"
    r"hundreds of|tens of)\s+)?(?:million|billion|thousand)s?\b|"
    r"\b(?:doubled|tripled|quadrupled|halved|\w+fold)\b",
    re.I,
)
# Figures spelled out ("thirty percent", "two hundred grand", "a million dollars") are
# written as digits before claims are read; "bucks"/"dollars" and "grand" become $ and k.
UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
MULTIPLIERS = {"hundred": 100, "thousand": 1000, "million": 1000000, "billion": 1000000000}
NUMBER_WORD = r"(?:" + "|".join(list(UNITS) + list(MULTIPLIERS)) + r")"
SPELLED_FIGURE = re.compile(
    r"\b(?:(a|an|one|half a|a half|a quarter|quarter of a)\s+)?("
    + NUMBER_WORD
    + r"(?:(?:\s+and\s+|[\s-]+)"
    + NUMBER_WORD
    + r")*)"
    r"(\s*(?:percent|per cent|%|grand|k|bucks|dollars|usd)\b)?",
    re.I,
)


def digits_for_words(text: str) -> str:
    """'thirty percent' -> '30%', 'two hundred grand' -> '200k', 'a million dollars' ->
    '$1000000'; number words without a unit or a tens, hundred or larger word ('three
    steps', 'one of the best') are left as they are."""

    def number(match) -> str:
        article, words, unit = match.group(1), match.group(2).lower(), (match.group(3) or "").strip().lower()
        parts = re.split(r"(?:\s+and\s+|[\s-]+)", words)
        if not unit and not any(w in MULTIPLIERS or UNITS.get(w, 0) >= 20 for w in parts):
            return match.group()
        total, current = 0, 0
        for word in parts:
            if word in UNITS:
                current += UNITS[word]
            elif word == "hundred":
                current = max(current, 1) * 100
            else:
                total += max(current, 1) * MULTIPLIERS[word]
                current = 0
        value = total + current
        if article and article.lower() in ("half a", "a half"):
            value //= 2
        elif article and "quarter" in article.lower():
            value //= 4
        if unit in ("percent", "per cent", "%"):
            return f"{value}%"
        if unit in ("grand", "k"):
            return f"{value}k"
        if unit in ("bucks", "dollars", "usd"):
            return f"${value}"
        return str(value)

    text = SPELLED_FIGURE.sub(number, text)
    text = re.sub(r"\b(\d[\d,.]*)\s*(?:bucks|dollars|usd)\b", r"$\1", text, flags=re.I)
    return re.sub(r"\b(\d[\d,.]*)\s*grand\b", r"\1k", text, flags=re.I)


SPELLED = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}  # "six figures" in a fact supports "6 figures"
AMOUNT_PATTERN = r"[$€£%]|\d\s*(?:k|percent|million|billion|thousand)\b"
AMOUNT = re.compile(AMOUNT_PATTERN, re.I)  # money or a share
# A figure with a unit claims even without a cue word ("postings grew 500%", "200k", "tripled")
UNIT = re.compile(AMOUNT_PATTERN + r"|[a-z]$", re.I)
# A figure after "with" says who is meant, not what is true ("someone senior with like 10 yrs?")
WHO_IS_MEANT = re.compile(r"\bwith\s+(?:like\s+|about\s+|around\s+|over\s+)?$", re.I)


def claimed_figures(clean: str) -> list[str]:
    """Figures the user puts forward as true ("they make $400k, right?"). A bare year
    counts only with a word of claim ("it only goes to 2028, right"), not with a
    question mark alone ("will it still grow when I graduate in 2027?")."""
    cue = CLAIM_CUE.search(clean)
    worded = any(m.group(1) for m in CLAIM_CUE.finditer(clean))
    found = [m for m in USER_FIGURE.finditer(clean) if numbers_in(m.group())]
    found += list(WORD_FIGURE.finditer(clean))
    figures = []
    for match in found:
        figure = match.group().strip()
        if not cue and not (
            UNIT.search(figure)
            or re.match(r"\s*[a-z]{2,}", clean[match.end() :], re.I)
            or clean[: match.start()].endswith("#")
        ):
            continue  # "postings grew 500%", "so it's 5 steps" claim without a cue; a bare number needs one
        clause = re.split(r"[.,;!?]", clean[: match.start()])[-1]
        if OWN_FIGURE.search(clause + figure) and not HEARD.search(clause):
            continue
        if WHO_IS_MEANT.search(clause):
            continue
        figures.append(figure)
    if not worded and all(YEAR.fullmatch(f) for f in figures):
        return []  # a year alone, with a question mark only, is a question's date
    return figures


def spelled_in(claim: str, clean: str, facts: Sequence[Fact]) -> bool:
    """Does a fact spell out this figure with the word the user put after it ("6 figures":
    "six figures")?"""
    number = claim.strip().lstrip("$#")
    word = next((w for w, n in SPELLED.items() if str(n) == number), None)
    after = re.search(rf"\b{re.escape(number)}\s+([a-z]+)", clean, re.I)
    return bool(word and after) and any(
        re.search(rf"\b{word}\s+{re.escape(after.group(1).lower())}", f.text, re.I) for f in facts
    )
