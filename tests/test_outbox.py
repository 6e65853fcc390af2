"""The outbox: retries with backoff, exactly-once claims, leases after a kill, dead rows kept, filters."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from monitor.cli import main
from monitor.config import Config, load_config
from notifiers import outbox
from notifiers.service import deliver_due
from storage.db import make_engine
from storage.models import Delivery
from tests.conftest import write_config
from tests.notif_peers import HookServer, free_port, store_change



@pytest.fixture
def T0() -> datetime:  # noqa: N802 - reads like the constant it is
    """Deliveries are queued at the real time, so each test's simulated clock starts just after it."""
    return datetime.now(timezone.utc).replace(microsecond=0) + timedelta(minutes=1)


@pytest.fixture
def hooks() -> Iterator[HookServer]:
    server = HookServer().start()
    yield server
    server.stop()


def _config(tmp_path: Path, channels: str, sources: list[dict[str, object]] | None = None) -> Config:
    return load_config(write_config(tmp_path, sources or [], extra=channels))


def _hook_channel(name: str, *ports: int, extra: str = "") -> str:
    urls = ", ".join(f'"json://127.0.0.1:{p}/{name}"' for p in ports)
    return f'\n[[channel]]\nname = "{name}"\nurls = [{urls}]\n{extra}\n'


def _rows(engine: Engine) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(Delivery).order_by(Delivery.id)).all())


def _aware(moment: datetime | None) -> datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def test_backoff_doubles_and_caps() -> None:
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert outbox.backoff(40) == timedelta(hours=6)


def test_dead_channel_loses_nothing_and_delivers_once_when_back(T0: datetime, tmp_path: Path, engine: Engine,
                                                                 hooks: HookServer) -> None:
    config = _config(tmp_path, _hook_channel("team", hooks.port))
    store_change(engine, config, "acme/terms", ["Use it for any purpose."], ["Use it for lawful purposes."],
                 detected_at=T0)
    hooks.status = 500  # the channel answers with an error
    assert deliver_due(engine, config, now=T0) == 0
    [row] = _rows(engine)
    assert (row.status, row.attempts) == ("pending", 1)
    assert _aware(row.next_attempt_at) == T0 + timedelta(minutes=1)
    assert "delivery failed" in (row.last_error or "")

    assert deliver_due(engine, config, now=T0 + timedelta(seconds=30)) == 0  # not due yet: no hammering
    assert _rows(engine)[0].attempts == 1

    hooks.stop()  # the channel is down altogether
    assert deliver_due(engine, config, now=T0 + timedelta(minutes=1)) == 0
    row = _rows(engine)[0]
    assert (row.status, row.attempts) == ("pending", 2)
    assert _aware(row.next_attempt_at) == T0 + timedelta(minutes=3)

    back = HookServer(port=hooks.port).start()  # it comes back
    try:
        assert deliver_due(engine, config, now=T0 + timedelta(minutes=3)) == 1
        assert deliver_due(engine, config, now=T0 + timedelta(hours=1)) == 0
        assert len(back.requests) == 1
        assert "lawful" in back.requests[0].json()["message"]
    finally:
        back.stop()
    row = _rows(engine)[0]
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)


def test_kill_mid_send_is_resent_after_the_lease(T0: datetime, tmp_path: Path, engine: Engine, hooks: HookServer) -> None:
    config = _config(tmp_path, _hook_channel("team", hooks.port))
    store_change(engine, config, "acme/terms", ["A."], ["B."], detected_at=T0)
    [row] = _rows(engine)
    assert outbox.claim(engine, row.id, T0)  # a process claimed it ... and was killed
    assert not outbox.claim(engine, row.id, T0)  # nobody else can take it meanwhile
    assert deliver_due(engine, config, now=T0 + timedelta(minutes=5)) == 0  # lease still running
    assert hooks.requests == []
    assert deliver_due(engine, config, now=T0 + outbox.LEASE + timedelta(seconds=1)) == 1
    assert len(hooks.requests) == 1
    assert _rows(engine)[0].status == "sent"


def test_concurrent_deliverers_send_each_item_once(T0: datetime, tmp_path: Path, engine: Engine, hooks: HookServer) -> None:
    config = _config(tmp_path, _hook_channel("team", hooks.port))
    for n in range(12):
        store_change(engine, config, f"acme/doc-{n}", [f"Old {n}."], [f"New {n} text."], detected_at=T0)
    url = engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url) for _ in range(4)]
    counts: list[int] = []
    threads = [threading.Thread(target=lambda e=e: counts.append(deliver_due(e, config, now=T0))) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for extra in engines:
        extra.dispose()
    assert sum(counts) == 12
    assert len(hooks.requests) == 12
    messages = [h.json()["message"] for h in hooks.requests]
    assert len(set(messages)) == 12  # twelve different change sets, none twice


def test_after_max_attempts_a_delivery_is_dead_but_kept(T0: datetime, tmp_path: Path, engine: Engine,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 2)
    port = free_port()  # nobody listens
    config = _config(tmp_path, _hook_channel("team", port))
    store_change(engine, config, "acme/terms", ["A."], ["B."], detected_at=T0)
    deliver_due(engine, config, now=T0)
    deliver_due(engine, config, now=T0 + timedelta(hours=1))
    [row] = _rows(engine)
    assert (row.status, row.attempts) == ("dead", 2)
    assert deliver_due(engine, config, now=T0 + timedelta(days=3)) == 0
    assert outbox.retry_dead(engine, T0) == 1
    assert _rows(engine)[0].status == "pending"


def test_partial_failure_resends_only_to_failed_urls(T0: datetime, tmp_path: Path, engine: Engine, hooks: HookServer) -> None:
    second_port = free_port()
    config = _config(tmp_path, _hook_channel("team", hooks.port, second_port))
    store_change(engine, config, "acme/terms", ["A."], ["B."], detected_at=T0)
    assert deliver_due(engine, config, now=T0) == 0
    assert len(hooks.requests) == 1
    assert _rows(engine)[0].payload["sent_urls"] == [0]
    second = HookServer(port=second_port).start()
    try:
        assert deliver_due(engine, config, now=T0 + timedelta(minutes=5)) == 1
        assert len(second.requests) == 1
    finally:
        second.stop()
    assert len(hooks.requests) == 1  # the first URL did not get it twice


def test_health_notices_are_delivered(T0: datetime, tmp_path: Path, engine: Engine, hooks: HookServer) -> None:
    config = _config(tmp_path, _hook_channel("team", hooks.port))
    payload = {"slug": "acme/terms", "platform": "Acme", "document_type": "Terms of Service",
               "url": "https://acme.example/terms", "state": "unhealthy", "failures": 3,
               "error": "HTTP 503 from server", "since": "2026-11-23T08:00:00+00:00"}
    with Session(engine) as session:
        outbox.add_delivery(session, channel="team", kind="health", item_key="health:acme/terms:down:1",
                            payload=payload, now=T0)
        outbox.add_delivery(session, channel="team", kind="health", item_key="health:acme/terms:up:1",
                            payload={**payload, "state": "recovered", "error": None}, now=T0)
        assert not outbox.add_delivery(session, channel="team", kind="health", item_key="health:acme/terms:up:1",
                                       payload=payload, now=T0)  # the same notice is never queued twice
        session.commit()
    assert deliver_due(engine, config, now=T0) == 2
    titles = sorted(h.json()["title"] for h in hooks.requests)
    assert titles == ["Acme Terms of Service cannot be checked", "Acme Terms of Service is being checked again"]
    assert any("HTTP 503 from server" in h.json()["message"] for h in hooks.requests)


def test_enqueue_respects_filters_and_modes(T0: datetime, tmp_path: Path, engine: Engine) -> None:
    channels = (_hook_channel("all", 1) + _hook_channel("everything", 1, extra="substantive_only = false")
                + _hook_channel("digest-only", 1, extra='mode = ["digest"]')
                + _hook_channel("beta", 1, extra='platforms = ["Beta"]')
                + _hook_channel("privacy", 1, extra='document_types = ["Privacy Policy"]'))
    sources = [{"slug": "acme/terms", "platform": "Acme", "document_type": "Terms of Service",
                "url": "https://acme.example/terms"},
               {"slug": "acme/privacy", "platform": "Acme", "document_type": "Privacy Policy",
                "url": "https://acme.example/privacy", "channels": ["everything"]}]
    config = _config(tmp_path, channels, sources)
    substantive = store_change(engine, config, "acme/terms", ["Use it for any purpose."],
                               ["Use it for lawful purposes."], detected_at=T0)
    cosmetic = store_change(engine, config, "acme/terms", ["Use it, for any purpose."],
                            ["Use it for any purpose"], detected_at=T0)
    restricted = store_change(engine, config, "acme/privacy", ["We keep data."], ["We sell data."],
                              detected_at=T0, document_type="Privacy Policy")
    got = {(r.channel, r.item_key) for r in _rows(engine)}
    assert got == {("all", f"change_set:{substantive}"), ("everything", f"change_set:{substantive}"),
                   ("everything", f"change_set:{cosmetic}"), ("everything", f"change_set:{restricted}")}


def test_outbox_command_lists_pending_and_dead(T0: datetime, tmp_path: Path, engine: Engine) -> None:
    port = free_port()
    config_path = write_config(tmp_path, [], extra=_hook_channel("team", port))
    config = load_config(config_path)
    store_change(engine, config, "acme/terms", ["A."], ["B."], detected_at=T0)
    deliver_due(engine, config, now=T0)
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(main, ["--config", str(config_path), "--database-url", url, "outbox"])
    assert result.exit_code == 0, result.output
    assert "pending\tteam\tchange_set:" in result.output and "attempts=1" in result.output
    assert str(port) not in result.output  # the channel URL stays secret
    result = CliRunner().invoke(main, ["--config", str(config_path), "--database-url", url, "outbox",
                                       "--retry-dead"])
    assert "0 dead deliveries queued again" in result.output
