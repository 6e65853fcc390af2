"""`monitor check` end to end against a real loopback server, on SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import zlib
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from monitor.cli import main
from storage.db import open_database
from storage.models import ChangeRow, ChangeSetRow, FetchAttempt, Snapshot, Version
from tests.conftest import write_config
from tests.server import PageServer

PAGE = """<html><head><title>Acme Terms</title><script nonce="{nonce}">var x=1;</script></head>
<body><nav>Home | Pricing</nav><main>
<h1>Terms of Service</h1><p>Effective Date: April 10, 2025</p>
<h2>1. Using the service</h2><p>You may use the service for lawful purposes.</p>
<ul><li>Do not upload malware.</li><li>Do not mine cryptocurrency.</li></ul>
<h2>2. Changes</h2><p>Changes will be effective 10 days following posting.</p>
</main><footer>(c) Acme</footer></body></html>"""


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def _run(config: Path, db_url: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), "--database-url", db_url, "check", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_check_twice_then_change(tmp_path: Path, page_server: PageServer, db_url: str) -> None:
    url = page_server.set("/terms", PAGE.format(nonce="a1"))
    config = write_config(tmp_path, [{"slug": "acme/terms", "platform": "Acme",
                                      "document_type": "Terms of Service", "url": url}])
    engine = open_database(db_url)

    assert "acme/terms: new" in _run(config, db_url)
    assert _count(engine, Version) == 1

    assert "acme/terms: unchanged" in _run(config, db_url)
    assert _count(engine, Version) == 1
    assert _count(engine, Snapshot) == 1  # same bytes: one snapshot

    page_server.set("/terms", PAGE.format(nonce="b2"))  # noise only: new bytes, same text
    assert "acme/terms: unchanged (same text)" in _run(config, db_url)
    assert _count(engine, Version) == 1
    assert _count(engine, Snapshot) == 2

    page_server.set("/terms", PAGE.format(nonce="b2").replace("lawful purposes", "lawful, non-commercial purposes"))
    output = _run(config, db_url)
    assert "acme/terms: changed (version 2" in output
    assert _count(engine, Version) == 2
    assert _count(engine, ChangeSetRow) == 1
    with Session(engine) as session:
        change = session.exec(select(ChangeRow)).one()
        assert change.kind == "modified"
        assert "non-commercial" in (change.new_text or "")
        assert change.substantive
        version = session.exec(select(Version).where(Version.seq == 1)).one()
        assert str(version.effective_date) == "2025-04-10"
        assert version.notice_days == 10
        snapshot = session.exec(select(Snapshot).order_by(Snapshot.id)).first()
        assert zlib.decompress(snapshot.content).decode().startswith("<html>")
    engine.dispose()


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_url_records_a_failed_fetch_and_no_version(tmp_path: Path, db_url: str) -> None:
    url = f"http://127.0.0.1:{_unused_port()}/terms"
    config = write_config(tmp_path, [{"slug": "acme/terms", "platform": "Acme",
                                      "document_type": "Terms of Service", "url": url}])
    output = _run(config, db_url)
    assert "acme/terms: failed (ConnectError" in output
    engine = open_database(db_url)
    assert _count(engine, Version) == 0
    assert _count(engine, Snapshot) == 0
    with Session(engine) as session:
        attempt = session.exec(select(FetchAttempt)).one()
        assert attempt.outcome == "failed" and attempt.result == "failed"
        assert "ConnectError" in (attempt.error or "")
    engine.dispose()


def test_http_500_is_a_failed_fetch_not_a_version(tmp_path: Path, page_server: PageServer, db_url: str) -> None:
    url = page_server.set("/terms", "<h1>Oops</h1><p>Internal error</p>", status=500)
    config = write_config(tmp_path, [{"slug": "acme/terms", "platform": "Acme",
                                      "document_type": "Terms of Service", "url": url}])
    assert "acme/terms: failed (HTTP 500" in _run(config, db_url)
    engine = open_database(db_url)
    assert _count(engine, Version) == 0
    engine.dispose()


def test_strict_exits_nonzero_on_failure(tmp_path: Path, sqlite_url: str) -> None:
    url = f"http://127.0.0.1:{_unused_port()}/terms"
    config = write_config(tmp_path, [{"slug": "acme/terms", "platform": "Acme",
                                      "document_type": "Terms of Service", "url": url}])
    result = CliRunner().invoke(main, ["--config", str(config), "--database-url", sqlite_url, "check", "--strict"])
    assert result.exit_code == 1


def test_unknown_slug_is_a_clear_error(tmp_path: Path, sqlite_url: str) -> None:
    config = write_config(tmp_path, [{"slug": "acme/terms", "platform": "Acme",
                                      "document_type": "Terms of Service", "url": "http://127.0.0.1:9/x"}])
    result = CliRunner().invoke(main, ["--config", str(config), "--database-url", sqlite_url, "check", "acme/nope"])
    assert result.exit_code == 2
    assert "unknown source acme/nope; configured: acme/terms" in result.output


def test_retry_delay_doubles_and_never_exceeds_the_interval() -> None:
    from monitor.check import retry_delay_seconds

    day = 86400.0
    assert [retry_delay_seconds(day, n) for n in (1, 2, 3)] == [300.0, 600.0, 1200.0]
    assert retry_delay_seconds(day, 12) == day
    assert retry_delay_seconds(60.0, 1) == 60.0


def test_failed_check_is_due_again_soon(tmp_path: Path, sqlite_url: str) -> None:
    from storage.models import Source

    url = f"http://127.0.0.1:{_unused_port()}/terms"
    config = write_config(tmp_path, [{"slug": "acme/terms", "platform": "Acme", "interval": "1d",
                                      "document_type": "Terms of Service", "url": url}])
    _run(config, sqlite_url)
    engine = open_database(sqlite_url)
    with Session(engine) as session:
        source = session.exec(select(Source)).one()
        wait = (source.next_due_at - source.last_checked_at).total_seconds()
    assert wait == 300.0  # not a whole day
    engine.dispose()
