"""Consecutive failures flag a source unhealthy; one error notice per outage, one recovery notice."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor.check import check_source, sync_sources
from monitor.config import ChannelConfig, Config, FetchSettings, SourceConfig
from monitor.politeness import Politeness
from monitor.source_health import channel_matches, transition
from storage.models import Delivery, Source
from tests.server import PageServer

PAGE = "<html><body><main><h1>Terms</h1><p>Be nice to each other.</p><p>Do not spam.</p></main></body></html>"
SETTINGS = FetchSettings(retries=0, min_host_delay=0, respect_robots=False, failure_threshold=3)


def _src(**kw: object) -> SourceConfig:
    base: dict[str, object] = {"slug": "acme/terms", "platform": "Acme", "document_type": "Terms of Service",
                               "url": "https://acme.example/terms"}
    return SourceConfig(**{**base, **kw})  # type: ignore[arg-type]


def _chan(**kw: object) -> ChannelConfig:
    return ChannelConfig(**{"name": "c", "urls": ["json://127.0.0.1:1/x"], **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize("source,channel,expected", [
    (_src(), _chan(), True),
    (_src(channels=["c"]), _chan(), True),
    (_src(channels=["other"]), _chan(), False),
    (_src(), _chan(sources=["acme/terms"]), True),
    (_src(), _chan(sources=["acme/privacy"]), False),
    (_src(), _chan(platforms=["Acme", "Beta"]), True),
    (_src(), _chan(platforms=["Beta"]), False),
    (_src(), _chan(document_types=["Privacy Policy"]), False),
    (_src(), _chan(document_types=["Terms of Service"], platforms=["Acme"]), True),
])
def test_channel_matches(source: SourceConfig, channel: ChannelConfig, expected: bool) -> None:
    assert channel_matches(channel, source) is expected


@pytest.mark.parametrize("healthy,failures,succeeded,expected", [
    (True, 1, False, None), (True, 3, False, "down"), (False, 4, False, None),
    (False, 0, True, "up"), (True, 0, True, None),
])
def test_transition(healthy: bool, failures: int, succeeded: bool, expected: str | None) -> None:
    assert transition(healthy, failures, 3, succeeded) == expected


def _deliveries(engine: Engine) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(Delivery).order_by(col(Delivery.id))).all())


def test_one_error_notice_per_outage_and_one_recovery(engine: Engine, page_server: PageServer) -> None:
    url = page_server.url("/t")  # 404 until set
    channels = [_chan(name="ops"), _chan(name="privacy-team", document_types=["Privacy Policy"]),
                _chan(name="legal", platforms=["Acme"])]
    config = Config(fetch=SETTINGS, source=[_src(url=url)], channel=channels)
    sync_sources(engine, config)

    def check() -> str:
        return check_source(engine, config, config.source[0], politeness=Politeness(0)).result

    assert [check() for _ in range(2)] == ["failed", "failed"]
    assert _deliveries(engine) == []
    assert check() == "failed"  # the third: unhealthy
    down = _deliveries(engine)
    assert sorted(d.channel for d in down) == ["legal", "ops"]
    for d in down:
        assert d.kind == "health" and d.status == "pending" and d.next_attempt_at is not None
        assert d.item_key.startswith("health:acme/terms:down:")
        assert d.payload["state"] == "unhealthy" and d.payload["failures"] == 3
        assert d.payload["error"] == "HTTP 404 Not Found" and d.payload["url"] == url
        assert d.payload["platform"] == "Acme" and d.payload["document_type"] == "Terms of Service"
    with Session(engine) as session:
        source = session.exec(select(Source)).one()
        assert source.healthy is False and source.consecutive_failures == 3
        first_failure = source.last_checked_at
    assert check() == "failed" and check() == "failed"
    assert len(_deliveries(engine)) == 2  # not once per failure

    page_server.set("/t", PAGE)
    assert check() == "new"
    up = [d for d in _deliveries(engine) if ":up:" in d.item_key]
    assert sorted(d.channel for d in up) == ["legal", "ops"]
    assert up[0].payload["state"] == "recovered" and up[0].payload["failures"] == 5 and up[0].payload["error"] is None
    assert up[0].payload["since"] == down[0].payload["since"]
    assert check() == "unchanged"
    assert len(_deliveries(engine)) == 4
    with Session(engine) as session:
        assert session.exec(select(Source)).one().healthy is True

    page_server.set("/t", "", status=500)  # a second outage gets its own notices
    for _ in range(3):
        check()
    keys = {d.item_key for d in _deliveries(engine)}
    assert len(keys) == 3 and len(_deliveries(engine)) == 6
    assert first_failure is not None
