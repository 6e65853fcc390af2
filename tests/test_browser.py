"""The optional browser fetcher: Playwright driving the system Chromium (skipped when absent)."""

from __future__ import annotations

from typing import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from monitor import browser
from monitor.check import check_source, sync_sources
from monitor.config import Config, FetchSettings, SourceConfig
from monitor.politeness import Politeness
from storage.db import open_database
from storage.models import FetchAttempt, ProvisionRow
from tests.server import PageServer

UNAVAILABLE = browser.browser_unavailable()


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    """SQLite only: launching Chromium is the slow part, and storage is covered elsewhere on both."""
    eng = open_database(sqlite_url)
    yield eng
    eng.dispose()
SETTINGS = FetchSettings(retries=0, min_host_delay=0, respect_robots=False, total_timeout=30)
SCRIPTED = """<html><head><title>Acme Terms</title></head><body><main id="app">Loading...</main>
<script>document.getElementById('app').innerHTML =
  '<h1>Terms of Service</h1><p>This clause was written by JavaScript.</p><ul><li>Be kind.</li></ul>';</script>
</body></html>"""


def _config(url: str) -> Config:
    return Config(fetch=SETTINGS, source=[SourceConfig(slug="acme/terms", platform="Acme",
                                                       document_type="Terms of Service", url=url, fetcher="browser")])


@pytest.mark.skipif(UNAVAILABLE is not None, reason=f"browser fetcher unavailable: {UNAVAILABLE}")
def test_browser_fetcher_stores_the_rendered_text(engine: Engine, page_server: PageServer) -> None:
    config = _config(page_server.set("/t", SCRIPTED))
    sync_sources(engine, config)
    result = check_source(engine, config, config.source[0], politeness=Politeness(0))
    assert result.result == "new", result.detail
    with Session(engine) as session:
        texts = [p.text for p in session.exec(select(ProvisionRow)).all()]
    assert "This clause was written by JavaScript." in texts and "Loading..." not in texts
    assert page_server.requests[0].headers["User-Agent"].startswith("policy-monitor/")


@pytest.mark.skipif(UNAVAILABLE is not None, reason=f"browser fetcher unavailable: {UNAVAILABLE}")
def test_browser_fetcher_records_http_errors(engine: Engine, page_server: PageServer) -> None:
    config = _config(page_server.url("/missing"))
    sync_sources(engine, config)
    result = check_source(engine, config, config.source[0], politeness=Politeness(0))
    assert (result.result, result.detail) == ("failed", "HTTP 404 Not Found")


def test_missing_chromium_is_a_failed_check_with_the_fix(engine: Engine, page_server: PageServer,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "CHROMIUM_CANDIDATES", ("/nonexistent/chromium",))
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("MONITOR_CHROMIUM", raising=False)
    config = _config(page_server.set("/t", SCRIPTED))
    sync_sources(engine, config)
    result = check_source(engine, config, config.source[0], politeness=Politeness(0))
    assert result.result == "failed"
    assert "needs" in result.detail and page_server.count("/t") == 0
    with Session(engine) as session:
        attempt = session.exec(select(FetchAttempt)).one()
    assert attempt.outcome == "failed" and attempt.error == result.detail
