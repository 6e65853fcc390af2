"""Databases filled by the real pipeline: corpus-derived fixture files imported through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from monitor.cli import main
from tests.conftest import write_config

FIXTURES = Path(__file__).parent / "fixtures" / "diff"
GITHUB_TOS = sorted((FIXTURES / "github-tos").glob("*.md"))
HF_TOS = sorted((FIXTURES / "hf-tos").glob("*.md"))
CLAUDE_HTML = sorted((FIXTURES / "claude-consumer-terms-html").glob("*.html"))

SOURCES = [
    {"slug": "github/terms-of-service", "platform": "GitHub", "document_type": "Terms of Service",
     "url": "https://docs.github.com/en/site-policy/github-terms/github-terms-of-service", "notice_days": 30},
    {"slug": "hugging-face/terms-of-service", "platform": "Hugging Face", "document_type": "Terms of Service",
     "url": "https://huggingface.co/terms-of-service"},
    {"slug": "anthropic/consumer-terms", "platform": "Anthropic", "document_type": "Terms of Service",
     "url": "https://www.anthropic.com/legal/consumer-terms", "notice_days": 30},
]


def cli(config: Path, db_url: str, *args: str) -> Result:
    """Run `monitor --config ... --database-url ... ARGS` in-process."""
    return CliRunner().invoke(main, ["--config", str(config), "--database-url", db_url, *args])


def ok(config: Path, db_url: str, *args: str) -> str:
    """Run a command that must succeed; its stdout."""
    result = cli(config, db_url, *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def ok_json(config: Path, db_url: str, *args: str) -> dict:
    """Run a command with --format json; the parsed document."""
    return json.loads(ok(config, db_url, *args, "--format", "json"))


def filled(tmp_path: Path, db_url: str, which: tuple[str, ...] = ("github",)) -> Path:
    """Write the config and import the chosen histories through `monitor import`; returns the config."""
    config = write_config(tmp_path, SOURCES)
    files = {"github": ("github/terms-of-service", GITHUB_TOS),
             "hf": ("hugging-face/terms-of-service", HF_TOS),
             "claude": ("anthropic/consumer-terms", CLAUDE_HTML)}
    for name in which:
        slug, paths = files[name]
        result = cli(config, db_url, "import", slug, *map(str, paths))
        assert result.exit_code == 0, result.output
    return config
