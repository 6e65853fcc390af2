"""Helpers shared by the diff/verdict tests: load fixture versions as Documents."""

from __future__ import annotations

from pathlib import Path

from monitor.model import Document
from monitor.normalize import normalize

FIXTURES = Path(__file__).parent / "fixtures" / "diff"


def load(relative: str) -> Document:
    """Normalize one fixture file (Markdown or HTML by its extension)."""
    path = FIXTURES / relative
    content_type = "text/html" if path.suffix == ".html" else "text/markdown"
    return normalize(path.read_bytes(), content_type)
