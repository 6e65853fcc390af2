"""`monitor notify test CHANNEL`: sends a sample, reports per URL, never prints a secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner

from monitor.cli import main
from tests.conftest import write_config
from tests.notif_peers import HookServer, SmtpServer, free_port

REPO = Path(__file__).resolve().parent.parent
TOKEN = "T0KEN-s3cr3t-B1234567"


@pytest.fixture
def hooks() -> Iterator[HookServer]:
    server = HookServer().start()
    yield server
    server.stop()


def test_notify_test_sends_sample_and_hides_the_url(tmp_path: Path, hooks: HookServer,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_TOKEN", TOKEN)
    smtp = SmtpServer().start()
    try:
        channels = (f'[[channel]]\nname = "team"\nurls = ["slackhook://127.0.0.1:{hooks.port}/services/${{HOOK_TOKEN}}",'
                    f' "{smtp.url()}"]\n')
        config = write_config(tmp_path, [], extra=channels)
        result = CliRunner().invoke(main, ["--config", str(config), "notify", "test", "team"])
        assert result.exit_code == 0, result.output
        assert "slackhook://****: sent" in result.output and "mailto://****: sent" in result.output
        assert TOKEN not in result.output and str(hooks.port) not in result.output
        assert hooks.requests[0].path == f"/services/{TOKEN}"  # the expanded URL was used for sending
        assert "policy promises 10" in hooks.requests[0].json()["text"]
        assert smtp.messages[0]["Subject"].startswith("Example Terms of Service changed")
    finally:
        smtp.stop()


def test_notify_test_failure_is_reported_without_secrets(tmp_path: Path) -> None:
    port = free_port()  # nobody listens
    channels = (f'[[channel]]\nname = "team"\nurls = ["json://user:{TOKEN}@127.0.0.1:{port}/{TOKEN}",'
                f' "slack://T000/B000/${{MISSING_SLACK_TOKEN}}"]\n')
    config = write_config(tmp_path, [], extra=channels)
    env = {**os.environ, "PYTHONPATH": str(REPO), "MONITOR_CONFIG": str(config)}
    env.pop("MISSING_SLACK_TOKEN", None)
    proc = subprocess.run([sys.executable, "-m", "monitor", "notify", "test", "team"], capture_output=True,
                          text=True, env=env, timeout=60, cwd=tmp_path)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "json://****: FAILED" in output
    assert "slack://****: FAILED: environment variable MISSING_SLACK_TOKEN is not set" in output
    assert TOKEN not in output


def test_notify_test_unknown_channel(tmp_path: Path) -> None:
    config = write_config(tmp_path, [], extra='[[channel]]\nname = "team"\nurls = ["json://127.0.0.1:1/x"]\n')
    result = CliRunner().invoke(main, ["--config", str(config), "notify", "test", "nope"])
    assert result.exit_code == 2 and "unknown channel 'nope'; configured channels: team" in result.output
