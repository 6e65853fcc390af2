"""Leases on SQLite and PostgreSQL: claims never overlap, expire, and only the owner releases."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from monitor.leases import claim_due, count_due, jitter_seconds, release, release_all
from storage.models import Source, utcnow


def _sources(engine: Engine, n: int, due_in: float = -1.0) -> None:
    now = utcnow()
    with Session(engine) as session:
        for i in range(n):
            session.add(Source(slug=f"p/s{i}", url=f"http://127.0.0.1/{i}",
                               next_due_at=None if i == 0 else now + timedelta(seconds=due_in + i * 0.001)))
        session.commit()


def test_claims_do_not_overlap_and_skip_not_due(engine: Engine) -> None:
    _sources(engine, 6)
    with Session(engine) as session:  # one source is not due yet, one is inactive
        session.exec(select(Source).where(Source.slug == "p/s4")).one().next_due_at = utcnow() + timedelta(hours=1)
        inactive = session.exec(select(Source).where(Source.slug == "p/s5")).one()
        inactive.active = False
        session.add_all([inactive])
        session.commit()
    first = claim_due(engine, "a", 2, 60)
    second = claim_due(engine, "b", 10, 60)
    assert [c.slug for c in first] == ["p/s0", "p/s1"]  # never-checked first, then oldest due
    assert sorted(c.slug for c in second) == ["p/s2", "p/s3"]
    assert claim_due(engine, "c", 10, 60) == []
    assert count_due(engine) == 0
    with Session(engine) as session:
        owners = {s.slug: s.lease_owner for s in session.exec(select(Source))}
    assert owners == {"p/s0": "a", "p/s1": "a", "p/s2": "b", "p/s3": "b", "p/s4": None, "p/s5": None}


def test_expired_lease_is_taken_over_and_only_owner_releases(engine: Engine) -> None:
    _sources(engine, 1)
    [claim] = claim_due(engine, "a", 5, 30)
    assert claim_due(engine, "b", 5, 30) == []
    later = utcnow() + timedelta(seconds=31)
    [taken] = claim_due(engine, "b", 5, 30, now=later)
    assert taken.slug == claim.slug
    assert release(engine, claim, "a") is False  # a's lease is gone: a must not clear b's
    assert release(engine, taken, "b") is True
    with Session(engine) as session:
        assert session.exec(select(Source)).one().lease_owner is None


def test_release_adds_jitter_to_the_pipeline_due_time(engine: Engine) -> None:
    _sources(engine, 2)
    claims = claim_due(engine, "a", 5, 30)
    base = utcnow().replace(microsecond=0) + timedelta(hours=6)
    with Session(engine) as session:
        for source in session.exec(select(Source)):
            source.next_due_at = base
            session.add(source)
        session.commit()
    release(engine, claims[0], "a", jitter=120.0)
    release(engine, claims[1], "a", next_due_at=base + timedelta(seconds=5))
    with Session(engine) as session:
        dues = {s.slug: s.next_due_at.replace(tzinfo=None) for s in session.exec(select(Source))}
    assert dues[claims[0].slug] - base.replace(tzinfo=None) == timedelta(seconds=120)
    assert dues[claims[1].slug] - base.replace(tzinfo=None) == timedelta(seconds=5)


def test_release_all_clears_stale_leases(engine: Engine) -> None:
    _sources(engine, 3)
    claim_due(engine, "a", 2, 300)
    claim_due(engine, "b", 1, 300)
    assert release_all(engine, owner="b") == 1
    assert release_all(engine) == 2
    assert count_due(engine) == 3


def test_jitter_stays_within_its_fraction() -> None:
    rng = random.Random(7)
    values = [jitter_seconds(3600, 0.1, rng) for _ in range(500)]
    assert all(0 <= v <= 360 for v in values)
    assert max(values) - min(values) > 200  # actually spread, not a constant
    assert jitter_seconds(3600, 0.0, rng) == 0.0


def test_renew_extends_only_our_leases(engine: Engine) -> None:
    from monitor.leases import renew

    _sources(engine, 2)
    mine = claim_due(engine, "a", 1, 5)
    theirs = claim_due(engine, "b", 1, 5)
    later = utcnow() + timedelta(seconds=4)
    assert renew(engine, "a", [mine[0].source_id, theirs[0].source_id], 5, now=later) == 1
    after_first_lease = utcnow() + timedelta(seconds=6)
    assert [c.slug for c in claim_due(engine, "c", 5, 5, now=after_first_lease)] == [theirs[0].slug]
