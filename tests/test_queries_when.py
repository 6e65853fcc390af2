"""DATE arguments: ISO dates and times, and spans back from now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from monitor.when import parse_when

NOW = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-08-29", datetime(2025, 8, 29, tzinfo=UTC)),
    ("2025-08-29T12:30", datetime(2025, 8, 29, 12, 30, tzinfo=UTC)),
    ("2025-08-29T12:30:00Z", datetime(2025, 8, 29, 12, 30, tzinfo=UTC)),
    ("2025-08-29T14:30+02:00", datetime(2025, 8, 29, 12, 30, tzinfo=UTC)),
    ("7d", NOW - timedelta(days=7)),
    ("2w", NOW - timedelta(days=14)),
    ("12h", NOW - timedelta(hours=12)),
    (" 30m ", NOW - timedelta(minutes=30)),
    ("1y", NOW - timedelta(days=365)),
    ("3D", NOW - timedelta(days=3)),
])
def test_parse_when(text: str, expected: datetime) -> None:
    result = parse_when(text, NOW)
    assert result == expected
    assert result.utcoffset() == timedelta(0)


@pytest.mark.parametrize("text", ["", "yesterday", "7", "7x", "-7d", "2025-13-01", "2025-02-30", "d7"])
def test_bad_dates_say_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError, match="7d"):
        parse_when(text, NOW)


def test_naive_now_is_taken_as_utc() -> None:
    assert parse_when("1d", NOW.replace(tzinfo=None)) == NOW - timedelta(days=1)


@given(st.integers(min_value=0, max_value=10_000), st.sampled_from("hdw"))
def test_relative_spans_go_back_exactly(n: int, unit: str) -> None:
    hours = {"h": 1, "d": 24, "w": 168}[unit]
    assert NOW - parse_when(f"{n}{unit}", NOW) == timedelta(hours=n * hours)


@given(st.datetimes(timezones=st.just(timezone(timedelta(hours=5)))))
def test_iso_round_trip(moment: datetime) -> None:
    assert parse_when(moment.isoformat(), NOW) == moment
