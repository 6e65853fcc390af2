"""Claiming due sources with a lease, so replicas sharing one database never check a slot twice.

A claim is one short transaction: `SELECT ... FOR UPDATE SKIP LOCKED` picks due, unleased
sources and the same transaction writes `lease_owner` and `lease_expires_at`, then commits.
Writing the lease inside the locking transaction is what makes it safe: a bare SKIP LOCKED
select followed by a commit and then the fetch lets another replica pick the same row once the
lock is gone (see FIELD-NOTES). A replica that dies keeps its leases until they expire; then
any replica may take them over. SQLite has no SKIP LOCKED: it is single-replica (see
`monitor.daemon.single_replica_lock`).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from storage.models import Source, utcnow


@dataclass(frozen=True)
class Claim:
    """One source this worker holds a lease on."""

    source_id: int
    slug: str
    expires_at: datetime


def due_filter(now: datetime):  # type: ignore[no-untyped-def]
    """SQL condition: active, due by `now`, and not leased (or the lease ran out)."""
    return and_(
        col(Source.active),
        or_(col(Source.next_due_at).is_(None), col(Source.next_due_at) <= now),
        or_(col(Source.lease_expires_at).is_(None), col(Source.lease_expires_at) < now),
    )


def claim_due(engine: Engine, worker: str, limit: int, lease_seconds: float, *,
              slugs: Iterable[str] | None = None, now: datetime | None = None) -> list[Claim]:
    """Lease up to `limit` due sources to `worker`, in one short transaction; oldest due first."""
    if limit <= 0:
        return []
    now = now or utcnow()
    expires = now + timedelta(seconds=lease_seconds)
    query = select(Source.id, Source.slug).where(due_filter(now))
    if slugs is not None:
        query = query.where(col(Source.slug).in_(list(slugs)))
    query = (query.order_by(col(Source.next_due_at).asc().nulls_first(), col(Source.id))
             .limit(limit).with_for_update(skip_locked=True))  # SQLite ignores FOR UPDATE
    with Session(engine) as session:
        rows = session.exec(query).all()
        if not rows:
            return []
        ids = [row[0] for row in rows]
        session.exec(update(Source).where(col(Source.id).in_(ids))  # type: ignore[call-overload]
                     .values(lease_owner=worker, lease_expires_at=expires))
        session.commit()
    return [Claim(source_id=row[0], slug=row[1], expires_at=expires) for row in rows]


def jitter_seconds(interval_seconds: float, fraction: float = 0.1, rng: random.Random | None = None) -> float:
    """A random delay of up to `fraction` of the interval, so sources added together drift apart."""
    return (rng or random).uniform(0.0, max(fraction, 0.0) * interval_seconds)


def release(engine: Engine, claim: Claim, worker: str, *, next_due_at: datetime | None = None,
            jitter: float = 0.0) -> bool:
    """Drop our lease (only if still ours); push the next due time by `jitter` seconds, or set it.

    The check pipeline already wrote `next_due_at = checked_at + interval`; adding the jitter
    here, to whatever it wrote, keeps any later backoff rule in the pipeline intact.
    """
    with Session(engine) as session:
        due = next_due_at
        if due is None and jitter > 0:
            current = session.exec(select(Source.next_due_at).where(col(Source.id) == claim.source_id)).first()
            due = current + timedelta(seconds=jitter) if current is not None else None
        values: dict[str, object] = {"lease_owner": None, "lease_expires_at": None}
        if due is not None:
            values["next_due_at"] = due
        result = session.exec(update(Source)  # type: ignore[call-overload]
                              .where(col(Source.id) == claim.source_id, col(Source.lease_owner) == worker)
                              .values(**values))
        session.commit()
        return bool(result.rowcount)


def renew(engine: Engine, worker: str, source_ids: Iterable[int], lease_seconds: float,
          now: datetime | None = None) -> int:
    """Extend our leases on sources still being checked; returns how many were still ours."""
    ids = list(source_ids)
    if not ids:
        return 0
    expires = (now or utcnow()) + timedelta(seconds=lease_seconds)
    with Session(engine) as session:
        result = session.exec(update(Source)  # type: ignore[call-overload]
                              .where(col(Source.id).in_(ids), col(Source.lease_owner) == worker)
                              .values(lease_expires_at=expires))
        session.commit()
        return int(result.rowcount or 0)


def release_all(engine: Engine, owner: str | None = None) -> int:
    """Clear leases (all, or one owner's); for a single-replica start or a clean shutdown."""
    statement = update(Source).where(col(Source.lease_owner).is_not(None))
    if owner is not None:
        statement = statement.where(col(Source.lease_owner) == owner)
    with Session(engine) as session:
        result = session.exec(statement.values(lease_owner=None, lease_expires_at=None))  # type: ignore[call-overload]
        session.commit()
        return int(result.rowcount or 0)


def count_due(engine: Engine, *, slugs: Iterable[str] | None = None, now: datetime | None = None) -> int:
    """How many sources are claimable now (for health and the `--once` loop)."""
    from sqlalchemy import func

    query = select(func.count()).select_from(Source).where(due_filter(now or utcnow()))
    if slugs is not None:
        query = query.where(col(Source.slug).in_(list(slugs)))
    with Session(engine) as session:
        return int(session.exec(query).one())
