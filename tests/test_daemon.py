"""`monitor run`: the scheduler against a local server, restarts, SIGTERM, the SQLite lock, health, logs."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from monitor.cli import main
from monitor.daemon import ReplicaError, single_replica_lock
from monitor.healthz import HealthServer, HealthState, health_report
from monitor.logs import log_check, redact, setup_logging
from storage.db import open_database
from storage.models import FetchAttempt, ProvisionRow, Source, Version
from tests.conftest import write_config
from tests.server import PageServer

ROOT = Path(__file__).resolve().parent.parent


def page(n: int | str) -> str:
    """A small policy page with a distinct clause."""
    return (f"<html><body><main><h1>Terms {n}</h1><p>Effective Date: April 10, 2025</p>"
            f"<h2>1. Use</h2><p>Clause {n}: you may use the service lawfully.</p></main></body></html>")


def serve_sources(server: PageServer, n: int, *, interval: str = "6h", delay: float = 0.0,
                  prefix: str = "/p") -> list[dict[str, object]]:
    """N routes on the server and the matching [[source]] entries."""
    sources = []
    for i in range(n):
        url = server.set(f"{prefix}{i}", page(i), delay=delay)
        sources.append({"slug": f"acme/doc-{i}", "platform": "Acme", "document_type": "Terms of Service",
                        "url": url, "interval": interval})
    return sources


def with_monitor_settings(config: Path, settings: str) -> Path:
    """Add lines to the [monitor] table write_config wrote."""
    text = config.read_text(encoding="utf-8").replace("[monitor]\n", f"[monitor]\n{settings}\n", 1)
    config.write_text(text, encoding="utf-8")
    return config


def spawn(config: Path, db_url: str, *args: str, log_path: Path) -> subprocess.Popen[bytes]:
    """`python -m monitor run ...` running THIS worktree's code, its logs in log_path."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("MONITOR_DATABASE_URL", None)
    handle = open(log_path, "wb")
    return subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "--database-url", db_url,
                             "run", "--log-format", "json", *args],
                            cwd=str(ROOT), env=env, stdout=handle, stderr=subprocess.STDOUT)


def attempts(engine: Engine) -> list[FetchAttempt]:
    with Session(engine) as session:
        return list(session.exec(select(FetchAttempt).order_by(FetchAttempt.id)))


def wait_for(condition, timeout: float, step: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(step)
    return condition()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def assert_no_partial_version(engine: Engine) -> None:
    """Every version has all its provisions and the fetch record that produced it."""
    with Session(engine) as session:
        for version in session.exec(select(Version)):
            rows = session.exec(select(func.count()).select_from(ProvisionRow)
                                .where(ProvisionRow.version_id == version.id)).one()
            assert rows == version.provision_count > 0
            made = session.exec(select(func.count()).select_from(FetchAttempt)
                                .where(FetchAttempt.version_id == version.id)).one()
            assert made == 1


# --- --once: what is due comes from the database -------------------------------------------


def test_run_once_checks_due_sources_and_a_restart_repeats_nothing(tmp_path: Path, page_server: PageServer,
                                                                   db_url: str) -> None:
    config = write_config(tmp_path, serve_sources(page_server, 3, interval="1h"))
    runner = CliRunner()
    args = ["--config", str(config), "--database-url", db_url, "run", "--once", "--worker-id", "w1"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert [page_server.count(f"/p{i}") for i in range(3)] == [1, 1, 1]

    result = runner.invoke(main, args)  # a restart: nothing is due, so nothing is fetched
    assert result.exit_code == 0, result.output
    assert [page_server.count(f"/p{i}") for i in range(3)] == [1, 1, 1]

    engine = open_database(db_url)
    rows = attempts(engine)
    assert len(rows) == 3 and {r.worker for r in rows} == {"w1"} and {r.result for r in rows} == {"new"}
    with Session(engine) as session:
        sources = list(session.exec(select(Source)))
    for source in sources:
        assert source.lease_owner is None and source.lease_expires_at is None
        gap = source.next_due_at.replace(tzinfo=None) - source.last_checked_at.replace(tzinfo=None)
        assert timedelta(hours=1) <= gap <= timedelta(hours=1, minutes=6)  # interval + up to 10 % jitter
    assert_no_partial_version(engine)

    with Session(engine) as session:  # once a source falls due again it is checked once more
        source = session.exec(select(Source).where(Source.slug == "acme/doc-1")).one()
        source.next_due_at = source.last_checked_at
        session.add(source)
        session.commit()
    assert runner.invoke(main, args).exit_code == 0
    assert [page_server.count(f"/p{i}") for i in range(3)] == [1, 2, 1]
    engine.dispose()


def test_sqlite_refuses_a_second_daemon(tmp_path: Path, page_server: PageServer, sqlite_url: str) -> None:
    config = write_config(tmp_path, serve_sources(page_server, 1))
    with single_replica_lock(sqlite_url):
        result = CliRunner().invoke(main, ["--config", str(config), "--database-url", sqlite_url, "run", "--once"])
        assert result.exit_code == 2
        assert "already runs on the SQLite database" in result.output
        assert "PostgreSQL" in result.output
        with pytest.raises(ReplicaError):
            with single_replica_lock(sqlite_url):
                pass
    assert page_server.count("/p0") == 0
    with single_replica_lock(sqlite_url) as lock:  # released with its holder
        assert lock is not None and lock.name == "monitor.db.lock"


# --- the scheduler in a real process ---------------------------------------------------------


def test_scheduler_checks_each_source_on_its_interval_without_duplicates(
        tmp_path: Path, page_server: PageServer, sqlite_url: str) -> None:
    config = write_config(tmp_path, serve_sources(page_server, 3, interval="2s"))
    port = free_port()
    proc = spawn(config, sqlite_url, "--dispatch-every", "0.2", "--health-port", str(port),
                 "--worker-id", "sched", log_path=tmp_path / "daemon.log")
    try:
        assert wait_for(lambda: all(page_server.count(f"/p{i}") >= 1 for i in range(3)), 20)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            health = json.load(response)
        assert response.status == 200 and health["scheduler_alive"] is True
        assert health["failing_sources"]["count"] == 0
        # a second daemon on the same SQLite file is refused while this one runs
        second = CliRunner().invoke(main, ["--config", str(config), "--database-url", sqlite_url, "run", "--once"])
        assert second.exit_code == 2 and "single-replica" in second.output
        time.sleep(4.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(20)
    logs = (tmp_path / "daemon.log").read_text()
    assert code == 0, logs
    engine = open_database(sqlite_url)
    rows = attempts(engine)
    for i in range(3):
        mine = [r for r in rows if r.url.endswith(f"/p{i}")]
        assert 2 <= len(mine) <= 4, logs  # every 2 s (+ up to 10 % jitter) for ~5 s
        assert page_server.count(f"/p{i}") == len(mine)  # one request per recorded check
        starts = [r.started_at for r in mine]
        assert all((b - a).total_seconds() >= 2.0 for a, b in zip(starts, starts[1:]))  # never early
    lines = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    checks = [line for line in lines if line.get("result")]
    assert len(checks) == len(rows)
    assert all({"slug", "result", "elapsed_ms", "worker"} <= set(c) for c in checks)
    engine.dispose()


@pytest.mark.parametrize("delay, grace, finished", [(1.5, 15.0, True), (8.0, 0.3, False)],
                         ids=["finish", "abandon"])
def test_sigterm_during_a_slow_fetch(tmp_path: Path, page_server: PageServer, sqlite_url: str,
                                     delay: float, grace: float, finished: bool) -> None:
    sources = serve_sources(page_server, 1, delay=delay)
    config = write_config(tmp_path, sources)
    proc = spawn(config, sqlite_url, "--dispatch-every", "0.2", "--no-health", "--grace", str(grace),
                 log_path=tmp_path / "daemon.log")
    try:
        assert wait_for(lambda: page_server.count("/p0") == 1, 20)  # the fetch is in flight
    finally:
        proc.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        code = proc.wait(20)
    took = time.monotonic() - signalled
    logs = (tmp_path / "daemon.log").read_text()
    assert code == 0, logs
    engine = open_database(sqlite_url)
    rows = attempts(engine)
    with Session(engine) as session:
        versions = session.exec(select(func.count()).select_from(Version)).one()
    if finished:
        assert [r.result for r in rows] == ["new"] and versions == 1
    else:
        assert took < 5.0, logs  # did not wait for the 8 s response
        assert rows == [] and versions == 0
        assert "abandoning 1 check" in logs
    assert_no_partial_version(engine)
    engine.dispose()


# --- health and logs --------------------------------------------------------------------------


def test_health_report_names_failing_sources_and_goes_503_when_stale(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Source(slug="acme/ok", url="http://127.0.0.1/ok"))
        session.add(Source(slug="acme/bad", url="http://127.0.0.1/bad", consecutive_failures=3,
                           last_error="HTTP 500 Internal Server Error"))
        session.commit()
    state = HealthState(stale_after=10)
    state.scheduler_running = True
    state.cycle_done(4)
    status, body = health_report(state, engine)
    assert status == 200 and body["status"] == "ok" and body["checks_done"] == 4
    assert body["failing_sources"]["count"] == 1
    assert body["failing_sources"]["sources"][0]["slug"] == "acme/bad"
    assert body["last_cycle_at"] is not None
    status, body = health_report(state, engine, now=time.time() + 60)
    assert status == 503 and "no dispatch cycle" in body["problems"][0]
    state.scheduler_running = False
    status, body = health_report(state, engine)
    assert status == 503 and body["problems"] == ["scheduler not running"]

    server = HealthServer("127.0.0.1", 0, lambda: health_report(state, engine)).start()
    try:
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(server.url, timeout=5)
        assert error.value.code == 503 and json.load(error.value)["scheduler_alive"] is False
        assert server.host == "127.0.0.1"
    finally:
        server.stop()


def test_json_log_line_per_check_without_secrets() -> None:
    stream = io.StringIO()
    handler = setup_logging("json", stream=stream)
    try:
        logger = logging.getLogger("monitor.test")
        log_check(logger, "acme/terms", "changed", 12.345, "w1", "version 2")
        logger.warning("delivery to json://user:hunter2@127.0.0.1/hook?token=abc123 failed")
    finally:
        logging.getLogger().removeHandler(handler)
    first, second = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert first["slug"] == "acme/terms" and first["result"] == "changed" and first["elapsed_ms"] == 12.3
    assert first["worker"] == "w1" and first["level"] == "info"
    assert "hunter2" not in second["msg"] and "abc123" not in second["msg"]
    assert redact("postgresql://u:secret@db/x") == "postgresql://u:***@db/x"


def test_dockerfile_key_facts() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    joined = "\n".join(line for line in text.splitlines() if not line.strip().startswith("#"))
    lines = [line.strip() for line in joined.replace("\\\n", " ").splitlines() if line.strip()]
    froms = [line for line in lines if line.upper().startswith("FROM ")]
    assert froms and all("python:3.11-slim" in line for line in froms)
    users = [line.split()[1] for line in lines if line.upper().startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert any(line.upper().startswith("VOLUME") and "/data" in line for line in lines)
    health = next(line for line in lines if line.upper().startswith("HEALTHCHECK"))
    assert "/healthz" in text and "curl" not in health and "python" in health
    cmd = [line for line in lines if line.upper().startswith("CMD")][-1]
    assert json.loads(cmd[3:].strip())[:2] == ["monitor", "run"]
    assert "MONITOR_DATABASE_URL=sqlite:////data/monitor.db" in text


def test_shortened_interval_brings_the_next_check_forward(tmp_path: Path, page_server: PageServer,
                                                          db_url: str) -> None:
    from monitor.config import load_config
    from monitor.daemon import clamp_due_times

    runner = CliRunner()
    config = write_config(tmp_path, serve_sources(page_server, 2, interval="1d"))
    assert runner.invoke(main, ["--config", str(config), "--database-url", db_url, "run", "--once"]).exit_code == 0
    engine = open_database(db_url)
    shorter = write_config(tmp_path, serve_sources(page_server, 2, interval="1h"))
    assert clamp_due_times(engine, load_config(shorter)) == 2
    assert clamp_due_times(engine, load_config(shorter)) == 0  # idempotent
    with Session(engine) as session:
        for source in session.exec(select(Source)):
            gap = source.next_due_at.replace(tzinfo=None) - source.last_checked_at.replace(tzinfo=None)
            assert gap <= timedelta(hours=1, minutes=6)
    engine.dispose()


def test_notifier_runs_the_service_and_tolerates_its_absence(monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    import types

    from monitor.config import Config
    from monitor.daemon import Notifier

    import notifiers

    notifier = Notifier(engine=None, config=Config())  # type: ignore[arg-type]
    monkeypatch.setitem(sys.modules, "notifiers.service", None)  # as before the notifiers work is merged
    monkeypatch.delattr(notifiers, "service", raising=False)
    with caplog.at_level(logging.WARNING, logger="monitor.daemon"):
        notifier.run()
        notifier.run()
    messages = [r.getMessage() for r in caplog.records]
    assert sum(m.startswith("notifications are off: notifiers.service") for m in messages) == 1  # once, not every run

    calls: list[str] = []
    service = types.ModuleType("notifiers.service")
    service.queue_due_digests = lambda engine, config: calls.append("digests") or 1  # type: ignore[attr-defined]

    def deliver_due(engine: object, config: object) -> int:
        calls.append("deliver")
        raise RuntimeError("smtp down")  # a failing run is logged, never raised into the scheduler

    service.deliver_due = deliver_due  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "notifiers.service", service)
    monkeypatch.setattr(notifiers, "service", service, raising=False)
    notifier.run()
    assert calls == ["digests", "deliver"]


def test_run_command_restores_signal_handlers(tmp_path: Path, page_server: PageServer, sqlite_url: str) -> None:
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    config = write_config(tmp_path, serve_sources(page_server, 1))
    result = CliRunner().invoke(main, ["--config", str(config), "--database-url", sqlite_url, "run", "--once"])
    assert result.exit_code == 0, result.output
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
    assert page_server.count("/p0") == 1


def test_slow_check_keeps_its_lease(tmp_path: Path, page_server: PageServer, sqlite_url: str) -> None:
    from monitor.config import load_config
    from monitor.daemon import DaemonOptions, Dispatcher, prepare

    config = load_config(write_config(tmp_path, serve_sources(page_server, 1, delay=2.0)))
    engine = open_database(sqlite_url)
    prepare(engine, config, sqlite_url)
    dispatcher = Dispatcher(engine, config, DaemonOptions(worker_id="slow", lease_seconds=0.9))
    import threading

    from monitor.leases import claim_due

    checked: list[int] = []
    runner = threading.Thread(target=lambda: checked.append(dispatcher.run_cycle()))
    try:
        runner.start()
        assert wait_for(lambda: page_server.count("/p0") == 1, 10)
        time.sleep(1.0)  # past the first 0.9 s lease: only a renewal keeps the source ours
        assert claim_due(engine, "intruder", 5, 10) == []
        runner.join(10)
    finally:
        dispatcher.close()
    assert checked == [1]
    assert [r.result for r in attempts(engine)] == ["new"] and page_server.count("/p0") == 1
    with Session(engine) as session:
        assert session.exec(select(Source)).one().lease_owner is None
    engine.dispose()


def test_dispatch_survives_an_unreachable_database(tmp_path: Path, page_server: PageServer) -> None:
    from sqlmodel import create_engine

    from monitor.config import load_config
    from monitor.daemon import DaemonOptions, Dispatcher

    config = load_config(write_config(tmp_path, serve_sources(page_server, 1)))
    gone = create_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'no.db'}")  # cannot even be opened
    dispatcher = Dispatcher(gone, config, DaemonOptions(worker_id="w"))
    try:
        assert dispatcher.run_cycle() == 0  # logged, not raised: the scheduler keeps its job
        assert dispatcher.state.last_cycle_at is not None
    finally:
        dispatcher.close()
    assert page_server.count("/p0") == 0
