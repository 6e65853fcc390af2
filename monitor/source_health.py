"""Source health: after N consecutive failures a source is unhealthy; notices go out once.

An error notice is queued when a source crosses `fetch.failure_threshold` consecutive failed or
suspicious checks, and a recovery notice at its first success after that: one of each per
outage, never one per failure. Notices are Delivery rows (kind "health") written in the
check's own transaction; the notifier delivers them.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

from sqlmodel import Session, col, func, select

from monitor.config import Config, SourceConfig
from storage.models import Delivery, FetchAttempt, Source
from notifiers.match import channel_matches  # noqa: F401  (one definition, re-exported)

Transition = Literal["down", "up"]


def transition(healthy: bool, consecutive_failures: int, threshold: int, succeeded: bool) -> Transition | None:
    """"down" when this check makes a healthy source unhealthy, "up" when it recovers, else None.

    CONSECUTIVE_FAILURES is the count after this check was taken into account.
    """
    if succeeded:
        return "up" if not healthy else None
    if healthy and consecutive_failures >= threshold:
        return "down"
    return None


def apply_health(session: Session, config: Config, source_cfg: SourceConfig, source: Source,
                 attempt: FetchAttempt, *, succeeded: bool, error: str | None,
                 previous_success_at: datetime | None, now: datetime) -> Transition | None:
    """Flip Source.healthy on a transition and queue one notice per matching channel.

    The attempt's id names the outage in the item key, so keys never repeat.
    """
    change = transition(source.healthy, source.consecutive_failures, config.fetch.failure_threshold, succeeded)
    if change is None:
        return None
    session.add(attempt)
    session.flush()  # only on a transition: a flush costs time on every ordinary check
    assert attempt.id is not None and source.id is not None
    source.healthy = change == "up"
    since = _outage_start(session, source.id, previous_success_at) or now
    failures = source.consecutive_failures if change == "down" else _failures_in_outage(
        session, source.id, previous_success_at)
    payload = {
        "slug": source_cfg.slug,
        "platform": source_cfg.platform,
        "document_type": source_cfg.document_type,
        "url": source_cfg.url,
        "state": "unhealthy" if change == "down" else "recovered",
        "failures": failures,
        "error": error if change == "down" else None,
        "since": since.isoformat(),
    }
    for channel in config.channel:
        if channel_matches(channel, source_cfg):
            session.add(Delivery(channel=channel.name, item_key=f"health:{source_cfg.slug}:{change}:{attempt.id}",
                                 kind="health", status="pending", next_attempt_at=now, created_at=now,
                                 payload=dict(payload)))
    return change


def _failed_since(source_id: int, previous_success_at: datetime | None):  # type: ignore[no-untyped-def]
    query = [FetchAttempt.source_id == source_id, col(FetchAttempt.result).in_(("failed", "suspicious"))]
    if previous_success_at is not None:
        query.append(col(FetchAttempt.started_at) > previous_success_at)
    return query


def _outage_start(session: Session, source_id: int, previous_success_at: datetime | None) -> datetime | None:
    """When the current run of failures began: the first failed attempt after the last success."""
    start = session.exec(select(func.min(FetchAttempt.started_at))
                         .where(*_failed_since(source_id, previous_success_at))).one()
    if start is not None and start.tzinfo is None:  # SQLite keeps no offset; we store UTC
        start = start.replace(tzinfo=timezone.utc)
    return start


def _failures_in_outage(session: Session, source_id: int, previous_success_at: datetime | None) -> int:
    return session.exec(select(func.count()).select_from(FetchAttempt)
                        .where(*_failed_since(source_id, previous_success_at))).one()
