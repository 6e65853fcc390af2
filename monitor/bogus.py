"""Responses that parse but are not the document: soft 404s, redirects home, drastic shrinks."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from monitor.model import Document

_NOT_FOUND = re.compile(
    r"\b(404|page not found|not found|page (?:does not|doesn't|cannot be found|could not be found)|"
    r"no longer (?:exists|available)|page (?:is )?missing|nothing (?:was )?found)\b",
    re.I,
)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.I | re.S)
_SOFT_404_MAX_TEXT = 1_500  # characters: a real legal page that says "not found" is far longer


def html_title(text: str) -> str:
    """The <title> of an HTML page, whitespace-collapsed, or ""."""
    match = _TITLE.search(text[:200_000])
    return " ".join(match.group(1).split()) if match else ""


def soft_404_reason(document: Document, page_title: str = "") -> str | None:
    """A reason when a 200 page is really a "not found" page: says so in a title or top heading, and is short."""
    text_size = sum(len(p.text) for p in document.provisions)
    if text_size > _SOFT_404_MAX_TEXT:
        return None
    headings = [p.text for p in document.provisions[:3] if p.kind == "heading"]
    for candidate in (page_title, document.title, *headings):
        match = _NOT_FOUND.search(candidate or "")
        if match:
            return f"soft 404: the page says {candidate[:80]!r} ({text_size} characters of text)"
    return None


def redirected_home(requested_url: str, final_url: str | None) -> str | None:
    """A reason when a document URL was redirected to a site's home page (a common soft 404)."""
    if not final_url or final_url == requested_url:
        return None
    requested, final = urlsplit(requested_url), urlsplit(final_url)
    if requested.path.strip("/") and not final.path.strip("/") and not final.query:
        return f"soft 404: {requested_url} redirected to the home page {final_url}"
    return None


def shrink_share(old_count: int, new_count: int) -> float:
    """The share of provisions lost from OLD_COUNT to NEW_COUNT (0 when none were lost)."""
    if old_count <= 0 or new_count >= old_count:
        return 0.0
    return (old_count - new_count) / old_count
