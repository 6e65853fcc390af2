"""End to end with real peers: a check finds a change, the outbox sends email (aiosmtpd) and Slack-style webhooks."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from monitor.cli import main
from monitor.config import load_config
from notifiers.service import deliver_due
from storage.db import open_database
from storage.models import Delivery
from tests.conftest import write_config
from tests.notif_peers import HookServer, SmtpServer
from tests.server import PageServer

PAGE = """<html><head><title>Acme Terms</title></head><body><main>
<h1>Terms of Service</h1><p>Effective Date: April 10, 2025</p>
<h2>1. Using the service</h2><p>You may use the service for {use}.</p>
<h2>2. Changes</h2><p>Changes will be effective 10 days following posting.</p>
</main></body></html>"""
HOSTILE = "lawful purposes &lt;!channel&gt; @here &lt;http://evil.example|login&gt; &lt;b&gt;bold&lt;/b&gt; *star*"
TOKEN = "XOXBSECRETTOKEN123"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def hooks() -> Iterator[HookServer]:
    server = HookServer().start()
    yield server
    server.stop()


def _config(tmp_path: Path, url: str, smtp: SmtpServer, hooks: HookServer) -> Path:
    channels = f"""
[[channel]]
name = "email"
urls = ["{smtp.url()}"]

[[channel]]
name = "slack"
urls = ["slackhook://127.0.0.1:{hooks.port}/services/T0/B0/${{SLACK_TOKEN}}"]

[[channel]]
name = "json"
urls = ["json://127.0.0.1:{hooks.port}/json-hook"]
format = "slack"

[[channel]]
name = "other-platform"
urls = ["json://127.0.0.1:{hooks.port}/never"]
platforms = ["Beta"]
"""
    return write_config(tmp_path, [{"slug": "acme/terms", "platform": "Acme", "document_type": "Terms of Service",
                                    "url": url}], extra=channels)


def _check(config: Path, db_url: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), "--database-url", db_url, "check"])
    assert result.exit_code == 0, result.output
    return result.output


def test_change_alert_reaches_email_and_slack_once(tmp_path: Path, page_server: PageServer, db_url: str,
                                                   smtp: SmtpServer, hooks: HookServer,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_TOKEN", TOKEN)
    url = page_server.set("/terms", PAGE.format(use="lawful purposes"))
    config_path = _config(tmp_path, url, smtp, hooks)
    config = load_config(config_path)
    engine = open_database(db_url)

    assert "new" in _check(config_path, db_url)
    assert deliver_due(engine, config) == 0  # a first version is no change: nothing to say
    page_server.set("/terms", PAGE.format(use=HOSTILE))
    assert "changed" in _check(config_path, db_url)

    with Session(engine) as session:
        rows = session.exec(select(Delivery).order_by(Delivery.channel)).all()
        assert [(r.channel, r.kind, r.status) for r in rows] == [
            ("email", "change_set", "pending"), ("json", "change_set", "pending"), ("slack", "change_set", "pending")]

    assert deliver_due(engine, config) == 3
    assert deliver_due(engine, config) == 0  # nothing twice

    # Email: HTML part with <del>/<ins> and escaped page text, plain-text alternative with markers.
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["Subject"].startswith("Acme Terms of Service changed: 1 substantive change")
    html = mail.get_body(("html",)).get_content()
    text = mail.get_body(("plain",)).get_content()
    assert "<ins" in html and "<del" not in html  # the page only added words
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html
    assert "&lt;!channel&gt;" in html
    assert f'<a href="{url}">Page</a>' in html
    assert "Using the service" in html and "Takes effect on:" in html
    assert "for lawful purposes {+<!channel>" in " ".join(text.split())  # markers survive in the text part

    # Slack-style webhook: Block Kit with mrkdwn sections, mentions and control sequences neutralized.
    slack = [h for h in hooks.requests if h.path.startswith("/services/")]
    assert len(slack) == 1 and slack[0].path == f"/services/T0/B0/{TOKEN}"
    payload = slack[0].json()
    assert payload["blocks"][0]["type"] == "header"
    sections = [b["text"] for b in payload["blocks"][1:]]
    assert sections and all(s["type"] == "mrkdwn" and len(s["text"]) <= 3000 for s in sections)
    mrkdwn = payload["text"]
    assert re.findall(r"<[^<>]*>", mrkdwn) == [f"<{url}|Page>"]  # our link is the only control sequence
    assert "&lt;!channel&gt;" in mrkdwn and "@here" not in mrkdwn
    assert "∗star∗" in mrkdwn  # page asterisks cannot make bold text

    # json:// carries the same mrkdwn in its message field; the Beta-only channel got nothing.
    json_hooks = [h for h in hooks.requests if h.path == "/json-hook"]
    assert len(json_hooks) == 1 and "&lt;!channel&gt;" in json_hooks[0].json()["message"]
    assert not [h for h in hooks.requests if h.path == "/never"]

    with Session(engine) as session:
        assert {r.status for r in session.exec(select(Delivery)).all()} == {"sent"}
        assert all(r.attempts == 1 for r in session.exec(select(Delivery)).all())
    engine.dispose()
