"""Find a document's effective date, last-updated date and notice window in its text."""

from __future__ import annotations

import re
from datetime import date

from dateutil import parser as date_parser

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DATE = (
    rf"(?:(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2}"
    r"|\d{1,2}/\d{1,2}/\d{4})"
)
_EFFECTIVE = re.compile(
    rf"\b(?:effective(?:\s+date)?|in\s+effect)\b(?:\s+(?:as\s+of|from|on|since))?\s*[:\-–—]?\s*(?:\*+\s*)?({_DATE})",
    re.IGNORECASE,
)
_UPDATED = re.compile(
    rf"\b(?:last\s+(?:updated|modified|revised)|updated|revised)\b(?:\s+(?:on|as\s+of))?\s*[:\-–—]?\s*(?:\*+\s*)?({_DATE})",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "five": 5, "seven": 7, "ten": 10, "fourteen": 14,
    "fifteen": 15, "twenty": 20, "thirty": 30, "forty-five": 45, "sixty": 60, "ninety": 90,
}
_COUNT = r"(\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")(?:\s*\(\d{1,3}\))?"
_NOTICE = [
    re.compile(rf"effective\s+{_COUNT}\s+days?\s+(?:following|after)\s+(?:the\s+)?post", re.I),
    re.compile(rf"at\s+least\s+{_COUNT}\s+days?\s+(?:prior\s+to|before)", re.I),
    re.compile(rf"{_COUNT}\s+days?\s+(?:following|after)\s+(?:such\s+|the\s+)?(?:posting|notice|we\s+post)", re.I),
    re.compile(rf"{_COUNT}\s+days?['’]?\s+(?:advance\s+|prior\s+)?notice", re.I),
]


def parse_date(text: str) -> date | None:
    """Parse one date as written on a policy page; None when it is not a date."""
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.strip().rstrip("."))
    try:
        return date_parser.parse(cleaned, dayfirst=False, fuzzy=False).date()
    except (ValueError, OverflowError):
        return None


def _first_date(pattern: re.Pattern[str], text: str) -> date | None:
    for match in pattern.finditer(text):
        found = parse_date(match.group(1))
        if found is not None:
            return found
    return None


def find_effective_date(text: str) -> date | None:
    """The first stated effective date ("Effective Date: April 10, 2025")."""
    return _first_date(_EFFECTIVE, text)


def find_last_updated_date(text: str) -> date | None:
    """The first stated last-updated date ("Last updated: 2025-04-10")."""
    return _first_date(_UPDATED, text)


def find_notice_days(text: str) -> int | None:
    """The notice window in days ("Changes will be effective 10 days following posting")."""
    for pattern in _NOTICE:
        match = pattern.search(text)
        if match:
            word = match.group(1).lower()
            return int(word) if word.isdigit() else _NUMBER_WORDS[word]
    return None
