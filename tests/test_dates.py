"""Table-driven tests of date and notice-window extraction on phrasings seen in real policies."""

from __future__ import annotations

from datetime import date

import pytest

from monitor.dates import find_effective_date, find_last_updated_date, find_notice_days, parse_date

EFFECTIVE = [
    ("Effective Date: April 10, 2025", date(2025, 4, 10)),
    ("Effective May 1, 2025Previous Version", date(2025, 5, 1)),  # claude header, comment removed
    ("Effective as of 1 May 2025", date(2025, 5, 1)),
    ("**🗓 Effective Date: September 15, 2022**", date(2022, 9, 15)),
    ("*Effective June 30, 2023*", date(2023, 6, 30)),
    ("Effective date: November 16, 2020", date(2020, 11, 16)),
    ("Note: This policy is effective on September 28, 2025 or the date you acknowledge", date(2025, 9, 28)),
    ("These terms take effect on 2025-03-01.", date(2025, 3, 1)),
    ("Effective from the 1st of June, 2024", date(2024, 6, 1)),
    ("Effective: Thursday, May 1, 2025", date(2025, 5, 1)),
    ("Effective Date: Sept. 5, 2024", date(2024, 9, 5)),
    ("Effective Date: 04/10/2025", date(2025, 4, 10)),
    ("Changes will be effective 10 days following posting.", None),
    ('"Effective Date" refers to the last date of signature of the Agreement', None),
    ("Effective immediately, we may terminate.", None),
    ("Effective Date: February 30, 2025", None),  # not a date
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), EFFECTIVE)
def test_effective_date(text, expected):  # type: ignore[no-untyped-def]
    assert find_effective_date(text) == expected


def test_first_effective_date_wins():
    text = "Effective October 8, 2025\n...\nThe previous version was effective May 1, 2025."
    assert find_effective_date(text) == date(2025, 10, 8)


UPDATED = [
    ("Last updated: 2025-04-10", date(2025, 4, 10)),
    ("Last Updated: April 10, 2025", date(2025, 4, 10)),
    ("Last modified on 3 March 2024", date(2024, 3, 3)),
    ("Last revised: January 2, 2023", date(2023, 1, 2)),
    ("Updated: Dec 1, 2022", date(2022, 12, 1)),
    ("Date of last revision: 2021-07-01", date(2021, 7, 1)),
    ("We updated the Services last year.", None),
    ("Effective Date: April 10, 2025", None),
]


@pytest.mark.parametrize(("text", "expected"), UPDATED)
def test_last_updated_date(text, expected):  # type: ignore[no-untyped-def]
    assert find_last_updated_date(text) == expected


NOTICE = [
    ("Changes will be effective 10 days following posting the updated Policy on the Website.", 10),
    ("we will notify our Users of material changes to this Agreement at least 30 days prior to the change taking effect", 30),
    ("We may modify this agreement, but we will give you 30 days' notice of material changes.", 30),
    ("Changes become effective thirty (30) days after we post them.", 30),
    ("We will provide no less than fourteen days notice before changes to these Terms take effect.", 14),
    ("Updates take effect 15 days following notice to you.", 15),
    ("We may revise these Terms. These changes will come into effect no less than 30 days from when we notify you.", 30),
    ("We will inform you at least 14 days in advance of changes to fees. We may revise these Terms. "
     "These changes will come into effect no less than 30 days from when we notify you.", 30),
    ("Either party may terminate this agreement on 30 days' notice.", None),  # not about changes
    ("We may change these Terms at any time.", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), NOTICE)
def test_notice_days(text, expected):  # type: ignore[no-untyped-def]
    assert find_notice_days(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("April 10, 2025", date(2025, 4, 10)), ("1st May 2025", date(2025, 5, 1)),
     ("2025-04-10", date(2025, 4, 10)), ("not a date", None), ("13/45/2025", None)],
)
def test_parse_date(text, expected):  # type: ignore[no-untyped-def]
    assert parse_date(text) == expected
