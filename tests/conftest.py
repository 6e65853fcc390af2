"""Shared fixtures: a loopback HTTP server, databases (SQLite, and PostgreSQL when reachable)."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy.engine import Engine

from storage.db import open_database
from tests.server import PageServer

PG_URL = os.environ.get("MONITOR_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_reachable() -> str | None:
    """None when PostgreSQL answers on the test URL, else the reason it does not."""
    from sqlalchemy.engine import make_url

    url = make_url(PG_URL)
    try:
        with socket.create_connection((url.host or "127.0.0.1", url.port or 5432), timeout=1):
            pass
    except OSError as exc:
        return f"PostgreSQL not reachable at {url.host}:{url.port or 5432} ({exc}); set MONITOR_TEST_PG_URL"
    return None


PG_SKIP_REASON = _pg_reachable()


@pytest.fixture
def page_server() -> Iterator[PageServer]:
    server = PageServer().start()
    yield server
    server.stop()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'monitor.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    if PG_SKIP_REASON:
        pytest.skip(PG_SKIP_REASON)
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    conninfo = PG_URL
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test runs on SQLite and on PostgreSQL (skipped with a reason when absent)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'monitor.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = open_database(db_url)
    yield eng
    eng.dispose()


def write_config(tmp_path: Path, sources: list[dict[str, object]], extra: str = "") -> Path:
    """Write a config file with these sources into tmp_path; returns its path."""
    lines = ["[monitor]", 'data_dir = "data"', "", "[fetch]", "min_host_delay = 0", "retries = 0",
             "respect_robots = false", ""]
    for source in sources:
        lines.append("[[source]]")
        for key, value in source.items():
            if isinstance(value, str):
                lines.append(f'{key} = "{value}"')
            elif isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, list):
                items = ", ".join(f'"{v}"' for v in value)
                lines.append(f"{key} = [{items}]")
            else:
                lines.append(f"{key} = {value}")
        lines.append("")
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path
