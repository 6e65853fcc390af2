"""Digests: queued once per local period after the digest time, grouped, empty only on request; `monitor digest`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from monitor.cli import main
from monitor.config import load_config
from notifiers.digest import period_end
from notifiers.service import deliver_due, queue_due_digests
from storage.models import Delivery
from tests.conftest import write_config
from tests.notif_peers import HookServer, store_change

UTC = timezone.utc


@pytest.fixture
def hooks() -> Iterator[HookServer]:
    server = HookServer().start()
    yield server
    server.stop()


def _channel(port: int, name: str = "daily", extra: str = "") -> str:
    return (f'\n[[channel]]\nname = "{name}"\nurls = ["json://127.0.0.1:{port}/{name}"]\nmode = ["digest"]\n'
            f'digest_time = "08:00"\ntimezone = "Europe/Paris"\n{extra}\n')


def _digests(engine: Engine) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(Delivery).where(Delivery.kind == "digest").order_by(Delivery.id)).all())


def test_period_end_follows_the_local_clock(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, [], extra=_channel(1)))
    channel = config.channel[0]
    day, cut = period_end(channel, datetime(2030, 1, 15, 7, 5, tzinfo=UTC))  # 08:05 in Paris
    assert (day.isoformat(), cut) == ("2030-01-15", datetime(2030, 1, 15, 7, 0, tzinfo=UTC))
    day, cut = period_end(channel, datetime(2030, 1, 15, 6, 59, tzinfo=UTC))  # 07:59 in Paris
    assert (day.isoformat(), cut) == ("2030-01-14", datetime(2030, 1, 14, 7, 0, tzinfo=UTC))
    day, cut = period_end(channel, datetime(2030, 7, 15, 6, 5, tzinfo=UTC))  # summer time: 08:05 in Paris
    assert (day.isoformat(), cut) == ("2030-07-15", datetime(2030, 7, 15, 6, 0, tzinfo=UTC))


def test_digest_queued_once_per_period_grouped_and_sent(tmp_path: Path, engine: Engine, hooks: HookServer) -> None:
    config = load_config(write_config(tmp_path, [], extra=_channel(hooks.port)))
    store_change(engine, config, "acme/terms", ["Old rule."], ["Earlier rule."],
                 detected_at=datetime(2030, 1, 14, 6, 0, tzinfo=UTC))  # before the first period
    store_change(engine, config, "acme/terms", ["Use for any purpose."], ["Use for lawful purposes."],
                 detected_at=datetime(2030, 1, 14, 10, 0, tzinfo=UTC))
    store_change(engine, config, "beta/privacy", ["We keep data."], ["We sell data."],
                 detected_at=datetime(2030, 1, 14, 20, 0, tzinfo=UTC), platform="Beta",
                 document_type="Privacy Policy", url="https://beta.example/privacy")
    store_change(engine, config, "acme/terms", ["Late rule."], ["Later rule."],
                 detected_at=datetime(2030, 1, 15, 7, 30, tzinfo=UTC))  # after the cut: next digest
    with Session(engine) as session:
        assert session.exec(select(Delivery)).all() == []  # digest-only channel: no immediate alerts

    assert queue_due_digests(engine, config, now=datetime(2030, 1, 15, 6, 59, tzinfo=UTC)) == 1  # Jan 14's period
    assert queue_due_digests(engine, config, now=datetime(2030, 1, 15, 7, 0, tzinfo=UTC)) == 0  # within grace
    assert queue_due_digests(engine, config, now=datetime(2030, 1, 15, 7, 3, tzinfo=UTC)) == 1
    assert queue_due_digests(engine, config, now=datetime(2030, 1, 15, 9, 0, tzinfo=UTC)) == 0  # once per period
    first, second = _digests(engine)
    assert first.item_key == "digest:2030-01-14" and second.item_key == "digest:2030-01-15"
    assert second.payload["since"] == first.payload["until"]  # periods chain: nothing falls between
    assert len(first.payload["change_set_ids"]) == 1 and len(second.payload["change_set_ids"]) == 2

    assert deliver_due(engine, config, now=datetime(2030, 1, 15, 7, 4, tzinfo=UTC)) == 2
    message = [h.json() for h in hooks.requests if h.json()["title"].startswith("Policy digest 2030-01-15")][0]
    assert message["title"] == "Policy digest 2030-01-15: 2 change sets"
    body = message["message"]
    assert body.index("Acme") < body.index("Beta") and "lawful" in body and "{+sell+}" in body
    assert "Later" not in body and "Earlier" not in body

    assert queue_due_digests(engine, config, now=datetime(2030, 1, 16, 7, 5, tzinfo=UTC)) == 1
    assert _digests(engine)[-1].payload["change_set_ids"] != []  # the 07:30 change set is in the next one


def test_empty_digest_only_when_asked(tmp_path: Path, engine: Engine, hooks: HookServer) -> None:
    channels = _channel(hooks.port) + _channel(hooks.port, "always", "send_empty_digest = true")
    config = load_config(write_config(tmp_path, [], extra=channels))
    now = datetime(2030, 3, 2, 9, 0, tzinfo=UTC)
    assert queue_due_digests(engine, config, now=now) == 1
    assert [d.channel for d in _digests(engine)] == ["always"]
    assert deliver_due(engine, config, now=now) == 1
    assert "No changes in this period." in hooks.requests[0].json()["message"]


def test_digest_command_shows_and_sends(tmp_path: Path, engine: Engine, hooks: HookServer) -> None:
    config_path = write_config(tmp_path, [], extra=_channel(hooks.port))
    config = load_config(config_path)
    store_change(engine, config, "acme/terms", ["Use for any purpose."], ["Use for lawful purposes."],
                 detected_at=datetime.now(UTC) - timedelta(hours=2))
    url = engine.url.render_as_string(hide_password=False)
    base = ["--config", str(config_path), "--database-url", url, "digest"]
    shown = CliRunner().invoke(main, base)
    assert shown.exit_code == 0, shown.output
    assert "1 change set" in shown.output and "lawful" in shown.output and "{+" in shown.output
    assert hooks.requests == []  # showing sends nothing
    old = CliRunner().invoke(main, [*base, "--since", "2000-01-01"])
    assert "1 change set" in old.output
    future = CliRunner().invoke(main, [*base, "--since", (datetime.now(UTC) - timedelta(hours=1)).isoformat()])
    assert "0 change sets" in future.output and "No changes" in future.output
    bad = CliRunner().invoke(main, [*base, "--since", "yesterday"])
    assert bad.exit_code == 2 and "is not a date" in bad.output
    sent = CliRunner().invoke(main, [*base, "--send", "--channel", "daily"])
    assert sent.exit_code == 0, sent.output
    assert "channel daily: digest sent" in sent.output
    assert len(hooks.requests) == 1 and "lawful" in hooks.requests[0].json()["message"]
    unknown = CliRunner().invoke(main, [*base, "--channel", "nope"])
    assert unknown.exit_code == 2 and "unknown channel 'nope'" in unknown.output


def test_replicas_queue_a_period_once(tmp_path: Path, engine: Engine) -> None:
    import threading

    from storage.db import make_engine

    config = load_config(write_config(tmp_path, [], extra=_channel(1, extra="send_empty_digest = true")))
    url = engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url) for _ in range(4)]
    now = datetime(2030, 3, 2, 9, 0, tzinfo=UTC)
    counts: list[int] = []
    start = threading.Barrier(len(engines))

    def replica(own: Engine) -> None:
        start.wait()
        counts.append(queue_due_digests(own, config, now=now))  # a lost race must not raise

    threads = [threading.Thread(target=replica, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for own in engines:
        own.dispose()
    assert len(counts) == 4 and sum(counts) == 1
    assert len(_digests(engine)) == 1
