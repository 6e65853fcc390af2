"""Replicas on PostgreSQL: 3 processes share 200 due sources with 0 duplicate fetches; a killed
replica's leases expire and another replica takes its sources over."""

from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import Session, select

from monitor.leases import claim_due
from storage.db import open_database
from storage.models import Source
from tests.conftest import write_config
from tests.server import PageServer
from tests.test_daemon import assert_no_partial_version, attempts, serve_sources, spawn, wait_for, with_monitor_settings

pytestmark = pytest.mark.postgres


def test_three_replicas_share_200_sources_without_duplicates(tmp_path: Path, page_server: PageServer,
                                                             pg_url: str) -> None:
    # 50 ms per response (and the checks' CPU time) keeps every replica busy long enough that all three overlap.
    config = write_config(tmp_path, serve_sources(page_server, 200, delay=0.05))
    open_database(pg_url).dispose()  # migrate once; the replicas race only on claims and source sync
    procs = [spawn(config, pg_url, "--once", "--workers", "4", "--worker-id", f"r{i}",
                   log_path=tmp_path / f"r{i}.log") for i in range(3)]
    codes = [proc.wait(60) for proc in procs]
    logs = "\n".join((tmp_path / f"r{i}.log").read_text() for i in range(3))
    assert codes == [0, 0, 0], logs

    counts = [page_server.count(f"/p{i}") for i in range(200)]
    assert Counter(counts) == {1: 200}  # full coverage, and no path fetched twice
    engine = open_database(pg_url)
    rows = attempts(engine)
    assert len(rows) == 200 and len({r.source_id for r in rows}) == 200
    by_worker = Counter(r.worker for r in rows)
    assert len(by_worker) >= 2, by_worker  # the work was actually shared
    with Session(engine) as session:
        assert all(s.lease_owner is None for s in session.exec(select(Source)))
    assert_no_partial_version(engine)
    engine.dispose()


def test_killed_replica_sources_are_taken_over_after_lease_expiry(tmp_path: Path, page_server: PageServer,
                                                                  pg_url: str) -> None:
    # Replica A hangs on every fetch. The per-host gate lets one request at a time reach this one
    # host, so A holds all four leases while only one of its fetches is on the wire.
    sources = serve_sources(page_server, 4, delay=30.0)
    config = with_monitor_settings(write_config(tmp_path, sources), "lease_seconds = 3")
    engine = open_database(pg_url)
    victim = spawn(config, pg_url, "--once", "--workers", "4", "--worker-id", "A", log_path=tmp_path / "a.log")
    try:
        assert wait_for(lambda: sum(page_server.count(f"/p{i}") for i in range(4)) == 1, 30)
        assert wait_for(lambda: _lease_owners(engine) == {"A"}, 30)
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
    with Session(engine) as session:
        leased = session.exec(select(Source)).all()
    assert {s.lease_owner for s in leased} == {"A"}
    expires = max(s.lease_expires_at for s in leased)
    assert claim_due(engine, "B", 10, 3) == []  # A's leases still hold: nobody may take them yet

    for i in range(4):
        page_server.set(f"/p{i}", f"<html><body><main><h1>T{i}</h1><p>Clause {i}.</p></main></body></html>")
    wait_for(lambda: time.time() > expires.timestamp() + 0.1, 10)
    taker = spawn(config, pg_url, "--once", "--worker-id", "B", log_path=tmp_path / "b.log")
    assert taker.wait(60) == 0, (tmp_path / "b.log").read_text()

    rows = attempts(engine)
    assert sorted(r.url.rsplit("/", 1)[1] for r in rows) == ["p0", "p1", "p2", "p3"]
    assert {r.worker for r in rows} == {"B"} and {r.result for r in rows} == {"new"}
    counts = [page_server.count(f"/p{i}") for i in range(4)]
    assert sorted(counts) == [1, 1, 1, 2]  # B fetched each once; one also has A's lost try
    with Session(engine) as session:
        assert all(s.lease_owner is None and s.last_checked_at for s in session.exec(select(Source)))
    assert_no_partial_version(engine)
    engine.dispose()


def _lease_owners(engine) -> set[str | None]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return {s.lease_owner for s in session.exec(select(Source))}
