"""Engine set-up: SQLite by default (WAL), PostgreSQL by URL; migrations run on open."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlmodel import create_engine

from monitor.errors import StorageError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 0x706F6C6D6F6E  # "polmon": one advisory lock id for schema migrations


def normalize_url(url: str) -> str:
    """Use the psycopg 3 driver for bare postgresql:// URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite files get WAL, a busy timeout and foreign keys."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Bring the schema up to date with alembic (every head)."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # replicas starting together must not run the same migration twice
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
    except OperationalError as exc:
        raise StorageError(f"cannot reach the database {redact_url(str(engine.url))}: {exc.orig}") from exc
    except SQLAlchemyError as exc:
        raise StorageError(f"migrating the database failed: {exc}") from exc


def open_database(url: str) -> Engine:
    """Engine for the URL with the schema migrated: the one way the app opens storage."""
    engine = make_engine(url)
    migrate(engine)
    return engine


def database_url(configured: str | None, data_dir: str | Path) -> str:
    """MONITOR_DATABASE_URL, else the config's URL, else SQLite in the data directory."""
    env = os.environ.get("MONITOR_DATABASE_URL")
    if env:
        return env
    if configured:
        return configured
    return f"sqlite:///{Path(data_dir) / 'monitor.db'}"


def redact_url(url: str) -> str:
    """A database URL with its password hidden, for logs and messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as a placeholder
        return "<database url>"
