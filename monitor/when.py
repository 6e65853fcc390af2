"""Dates typed by people on the command line: ISO dates and times, or "7d", "2w", "12h" ago."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

_RELATIVE = re.compile(r"^\s*(\d+)\s*(m|h|d|w|y)\s*$", re.I)
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}


def parse_when(text: str, now: datetime) -> datetime:
    """A UTC moment from "2025-08-29", "2025-08-29T12:00", "2025-08-29T12:00+02:00" or "7d" (ago).

    A bare date means the start of that UTC day; a time without offset is UTC.
    Raises ValueError with an example of what is accepted.
    """
    value = text.strip()
    match = _RELATIVE.match(value)
    if match:
        seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
        return as_utc(now) - timedelta(seconds=seconds)
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(0), UTC)
        return as_utc(datetime.fromisoformat(value.replace("z", "Z")))
    except ValueError:
        raise ValueError(f"'{text}' is not a date; write 2025-08-29, 2025-08-29T12:00Z, "
                         "or a span back from now like 12h, 7d, 2w, 1y") from None


def as_utc(moment: datetime) -> datetime:
    """The moment in UTC; naive datetimes (SQLite returns them) are taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def day_of(moment: datetime) -> date:
    """The UTC calendar day of a moment."""
    return as_utc(moment).date()
