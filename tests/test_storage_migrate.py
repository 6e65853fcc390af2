"""Migrations: idempotent on every open, and safe when replicas open a fresh database together."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import inspect, text

from storage.db import open_database


def test_open_twice_keeps_one_schema(db_url: str) -> None:
    open_database(db_url).dispose()
    engine = open_database(db_url)
    with engine.connect() as conn:
        heads = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    assert len(heads) >= 1
    assert {"source", "snapshot", "fetch_attempt", "version", "change_set", "delivery"} <= set(
        inspect(engine).get_table_names())
    engine.dispose()


@pytest.mark.postgres
def test_concurrent_first_opens_on_postgresql(pg_url: str) -> None:
    def open_and_close(_: int) -> int:
        engine = open_database(pg_url)
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one()
        engine.dispose()
        return count

    with ThreadPoolExecutor(max_workers=4) as pool:
        counts = list(pool.map(open_and_close, range(4)))
    assert counts == [counts[0]] * 4 and counts[0] >= 1
