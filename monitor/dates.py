"""Find a document's effective date, last-updated date and notice window in its text."""

from __future__ import annotations

import re
from datetime import date

from dateutil import parser as date_parser

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_WEEKDAY = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?"
_DATE = (
    rf"(?:{_WEEKDAY}(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|{_WEEKDAY}\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{4}}"
    r"|\d{4}-\d{1,2}-\d{1,2}"
    r"|\d{1,2}/\d{1,2}/\d{4})"
)
# Between the keyword and the date: a colon or dash, emphasis marks, a calendar emoji.
_GAP = r"\s*[:\-–—]?\s*(?:[*_]+\s*)?(?:\W{0,2}\s*)?"
_EFFECTIVE = re.compile(
    rf"\b(?:effective(?:\s+date)?|in\s+effect|(?:takes?|took)\s+effect|date\s+of\s+effect)\b[*_]*"
    rf"(?:\s+(?:as\s+of|from|on|since|starting))?(?:\s+the)?{_GAP}({_DATE})",
    re.IGNORECASE,
)
_UPDATED = re.compile(
    rf"\b(?:last\s+(?:updated|modified|revised|changed|amended)|updated|revised|"
    rf"date\s+of\s+(?:last\s+)?(?:revision|update)|last\s+revision)\b[*_]*"
    rf"(?:\s+(?:on|as\s+of))?{_GAP}({_DATE})",
    re.IGNORECASE,
)
_EFFECTIVE_STARTS = re.compile(r"\b(?:effective|in|takes?|took|date)\b", re.I)
_UPDATED_STARTS = re.compile(r"\b(?:last|updated|revised|date)\b", re.I)
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "five": 5, "seven": 7, "ten": 10, "fourteen": 14,
    "fifteen": 15, "twenty": 20, "thirty": 30, "forty-five": 45, "sixty": 60, "ninety": 90,
}
_COUNT = r"(\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")(?:\s*\(\d{1,3}\))?"
# Specific phrasings first; each is about changes to the document taking effect.
_NOTICE = [
    re.compile(rf"effective\s+{_COUNT}\s+(?:calendar\s+|business\s+)?days?\s+(?:following|after)\s+(?:the\s+|its\s+|their\s+)?post", re.I),
    re.compile(rf"at\s+least\s+{_COUNT}\s+(?:calendar\s+)?days?\s+(?:prior\s+to|before|in\s+advance)", re.I),
    re.compile(rf"(?:no|not)\s+(?:less|fewer)\s+than\s+{_COUNT}\s+days?\s+(?:prior\s+to|before|in\s+advance|notice)", re.I),
    re.compile(rf"{_COUNT}\s+days?\s+(?:following|after|from)\s+(?:such\s+|the\s+|when\s+|the\s+date\s+)?(?:we\s+)?"
               r"(?:posting|notice|post|notif|publish|provid|send)", re.I),
    re.compile(rf"{_COUNT}\s+days?['’]?\s+(?:advance\s+|prior\s+)?(?:written\s+)?notice", re.I),
]
_ABOUT_CHANGES = re.compile(r"chang|modif|updat|amend|revis", re.I)
_DOCUMENT = r"(?:terms|policy|agreement|notice|statement|conditions)"
_ABOUT_DOCUMENT_CHANGES = re.compile(
    rf"(?:chang|modif|updat|amend|revis)\w*\s+(?:\w+\s+){{0,4}}?{_DOCUMENT}|"
    rf"{_DOCUMENT}\s+(?:\w+\s+){{0,6}}?(?:chang|modif|updat|amend|revis)", re.I)
_DAYS = re.compile(r"\bdays?\b", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n")


def parse_date(text: str) -> date | None:
    """Parse one date as written on a policy page; None when it is not a date."""
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.strip().rstrip("."))
    cleaned = re.sub(r"\bof\b", " ", cleaned)
    try:
        return date_parser.parse(cleaned, dayfirst=False, fuzzy=False).date()
    except (ValueError, OverflowError):
        return None


def _first_date(pattern: re.Pattern[str], starts: re.Pattern[str], text: str) -> date | None:
    # A cheap scan for the words that can start a match, then the full pattern there only:
    # the full pattern tried at every position of a 500 KB page costs ~15 ms.
    for start in starts.finditer(text):
        match = pattern.match(text, start.start())
        if match:
            found = parse_date(match.group(1))
            if found is not None:
                return found
    return None


def find_effective_date(text: str) -> date | None:
    """The first stated effective date ("Effective Date: April 10, 2025")."""
    return _first_date(_EFFECTIVE, _EFFECTIVE_STARTS, text)


def find_last_updated_date(text: str) -> date | None:
    """The first stated last-updated date ("Last updated: 2025-04-10")."""
    return _first_date(_UPDATED, _UPDATED_STARTS, text)


def find_notice_days(text: str) -> int | None:
    """The notice window in days ("Changes will be effective 10 days following posting").

    Only sentences about changes to the terms count, so "terminate on 30 days' notice"
    is not taken for a notice window.
    """
    # only lines counting days can hold a window; splitting just those keeps this cheap
    sentences = [s for line in text.split("\n") if _DAYS.search(line) for s in _SENTENCE.split(line)]
    # Sentences about changes to the document itself (judged with the one before, as in
    # "We may revise these Terms. These changes will come into effect 30 days after...")
    # outrank sentences about other changes (fees, features).
    # only sentences counting days can hold a window; filtering first keeps this cheap
    indexed = [(i, s) for i, s in enumerate(sentences) if _DAYS.search(s) and _ABOUT_CHANGES.search(s)]
    about_document = [s for i, s in indexed
                      if _ABOUT_DOCUMENT_CHANGES.search(" ".join(sentences[max(0, i - 1):i + 1]))]
    about_changes = [s for _, s in indexed]
    for candidates in (about_document, about_changes):
        for pattern in _NOTICE:
            for sentence in candidates:
                match = pattern.search(sentence)
                if match:
                    word = match.group(1).lower()
                    return int(word) if word.isdigit() else _NUMBER_WORDS[word]
    return None
