"""Apprise URLs carry tokens and passwords: only their scheme is ever shown."""

from __future__ import annotations

import re

_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*)://")


def redact_url(url: str) -> str:
    """`slack://T000/B000/XXXX` -> `slack://****`; anything unparsable -> `****`."""
    match = _SCHEME.match(url)
    return f"{match.group(1).lower()}://****" if match else "****"


def redact_text(text: str, secrets: list[str]) -> str:
    """The text with every secret (an expanded URL, a token) replaced by its redacted form."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, redact_url(secret))
    return text
