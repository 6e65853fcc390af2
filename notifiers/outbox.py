"""The delivery outbox: enqueue, claim, and settle deliveries so each is sent exactly once.

Life of a row: pending -> (claimed by a conditional UPDATE) sending -> sent, or back to pending
with a backoff, or dead after MAX_ATTEMPTS. While a row is "sending", `next_attempt_at` holds
its lease expiry; a row still "sending" after its lease (the process died mid-send) returns to
pending.

A kill exactly between apprise's success and the UPDATE to "sent" cannot be told apart from a
kill before the send. We choose at-least-once for that window: the lease expires and the item
is sent again. A duplicate alert is a nuisance; a lost alert about a policy change is the
failure this tool exists to prevent. Every other path is exactly once: the conditional claim
stops two processes from sending the same row, and a channel with several URLs records which
URLs already succeeded so a retry only resends to the failed ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor.config import ChannelConfig, Config
from notifiers.match import channel_matches
from storage.models import ChangeSetRow, Delivery, Source, utcnow

LEASE = timedelta(minutes=10)
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
MAX_ATTEMPTS = 12  # about 32 hours of retries before a delivery is marked dead


def backoff(attempts: int) -> timedelta:
    """The wait before retry number `attempts` (1 minute doubling, capped at 6 hours)."""
    return min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, min(attempts - 1, 20))))


def source_view(config: Config, source_row: Source) -> Any:
    """The config entry of a source row, or the row itself when the config no longer has it."""
    return config.sources_by_slug.get(source_row.slug) or source_row


def wants(channel: ChannelConfig, source: Any, substantive_count: int) -> bool:
    """True when a change set of this source with this many substantive changes goes to the channel."""
    if channel.substantive_only and substantive_count == 0:
        return False
    return channel_matches(channel, source)


def add_delivery(session: Session, *, channel: str, kind: str, item_key: str, payload: dict[str, Any],
                 now: datetime | None = None) -> bool:
    """Insert a pending delivery unless (channel, item_key) exists; True when inserted. No commit."""
    existing = session.exec(
        select(Delivery.id).where(Delivery.channel == channel, Delivery.item_key == item_key)
    ).first()
    if existing is not None:
        return False
    now = now or utcnow()
    session.add(Delivery(channel=channel, item_key=item_key, kind=kind, status="pending", attempts=0,
                         next_attempt_at=now, created_at=now, payload=payload))
    session.flush()
    return True


def enqueue_change_set(session: Session, config: Config, source_row: Source, change_set_row: ChangeSetRow) -> int:
    """Queue one delivery per immediate channel that wants this change set; runs inside the caller's transaction."""
    source = source_view(config, source_row)
    queued = 0
    for channel in config.channel:
        if "immediate" not in channel.mode or not wants(channel, source, change_set_row.substantive_count):
            continue
        queued += add_delivery(session, channel=channel.name, kind="change_set",
                               item_key=f"change_set:{change_set_row.id}",
                               payload={"change_set_id": change_set_row.id, "slug": source_row.slug})
    return queued


def release_expired(engine: Engine, now: datetime) -> int:
    """Rows left "sending" past their lease (a process died mid-send) go back to pending."""
    with engine.begin() as conn:
        result = conn.execute(
            update(Delivery).where(col(Delivery.status) == "sending", col(Delivery.next_attempt_at) < now)
            .values(status="pending", next_attempt_at=now, last_error="lease expired while sending; resent")
        )
        return result.rowcount or 0


def due_ids(engine: Engine, now: datetime, limit: int = 100) -> list[int]:
    """Ids of pending deliveries whose time has come, oldest first."""
    with Session(engine) as session:
        rows = session.exec(
            select(Delivery.id).where(Delivery.status == "pending", col(Delivery.next_attempt_at) <= now)
            .order_by(col(Delivery.next_attempt_at), col(Delivery.id)).limit(limit)
        ).all()
    return [r for r in rows if r is not None]


def claim(engine: Engine, delivery_id: int, now: datetime, lease: timedelta = LEASE) -> bool:
    """Take a pending delivery for sending; False when another process took it first."""
    with engine.begin() as conn:
        result = conn.execute(
            update(Delivery).where(col(Delivery.id) == delivery_id, col(Delivery.status) == "pending",
                                   col(Delivery.next_attempt_at) <= now)
            .values(status="sending", attempts=Delivery.attempts + 1, next_attempt_at=now + lease)
        )
        return result.rowcount == 1


def mark_sent(engine: Engine, delivery_id: int, now: datetime) -> None:
    """Record a delivery apprise reported as sent."""
    with engine.begin() as conn:
        conn.execute(update(Delivery).where(col(Delivery.id) == delivery_id, col(Delivery.status) == "sending")
                     .values(status="sent", sent_at=now, last_error=None))


def mark_failed(engine: Engine, delivery_id: int, now: datetime, error: str,
                sent_urls: list[int] | None = None, permanent: bool = False) -> str:
    """Put a failed delivery back with a backoff, or mark it dead; returns the new status."""
    with Session(engine) as session:
        row = session.get(Delivery, delivery_id)
        if row is None or row.status != "sending":
            return row.status if row else "missing"
        dead = permanent or row.attempts >= MAX_ATTEMPTS
        row.status = "dead" if dead else "pending"
        row.next_attempt_at = None if dead else now + backoff(row.attempts)
        row.last_error = error[:2000]
        if sent_urls is not None:
            row.payload = {**row.payload, "sent_urls": sorted(set(sent_urls))}  # reassign: JSON is not mutable-tracked
        session.add(row)
        session.commit()
        return row.status


def retry_dead(engine: Engine, now: datetime | None = None) -> int:
    """Give every dead delivery a fresh start (after a channel is fixed)."""
    with engine.begin() as conn:
        result = conn.execute(update(Delivery).where(col(Delivery.status) == "dead")
                              .values(status="pending", attempts=0, next_attempt_at=now or utcnow()))
        return result.rowcount or 0
