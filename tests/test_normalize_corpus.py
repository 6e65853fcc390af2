"""The full development corpus, when present (skipped elsewhere): every snapshot and version."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from monitor.normalize import normalize

CORPUS = Path("/work/shared/corpus")
pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="development corpus not on this machine")

SNAPSHOTS = CORPUS / "ota-genai-contrib_claude-consumer-terms/snapshots_html"
EFFECTIVE = {"2025-08-01": date(2025, 5, 1), "2025-08-29": date(2025, 9, 28), "2025-09-27": date(2025, 10, 8)}


def test_every_claude_snapshot_equals_its_version_source():
    current: tuple[str, str] | None = None  # (version-source name, its canonical markdown)
    seen = 0
    for path in sorted(SNAPSHOTS.glob("*.html")):
        document = normalize(path.read_bytes(), "text/html")
        markdown = document.canonical_markdown()
        if "VERSION-SOURCE" in path.name:
            assert current is None or current[1] != markdown, f"{path.name} should differ from {current[0]}"
            current = (path.name, markdown)
            assert document.effective_date == EFFECTIVE[path.name[:10]]
        else:
            assert current is not None and markdown == current[1], f"{path.name} differs from {current[0]}"
            seen += 1
    assert seen == 5


def test_every_markdown_version_normalizes_with_an_effective_date():
    paths = [p for p in CORPUS.rglob("*.md") if p.name != "README.md"]
    assert len(paths) >= 30
    for path in paths:
        document = normalize(path.read_bytes(), "text/markdown")
        assert document.effective_date is not None, path
        assert len(document.provisions) > 20, path


def test_whitespace_only_github_revision_is_not_a_change():
    folder = CORPUS / "github-site-policy_terms-of-service"
    old = normalize((folder / "2025-09-29_68e3dbe6.md").read_bytes(), "text/markdown")
    new = normalize((folder / "2026-01-27_23771939.md").read_bytes(), "text/markdown")
    assert old.canonical_markdown() == new.canonical_markdown()
