"""Per-format escaping of untrusted page text: plain text, Markdown, Slack mrkdwn, HTML.

Page text comes from the watched sites, so it may carry mentions (`@here`), Slack control
sequences (`<!channel>`, `<@U123>`, `<http://x|y>`), Markdown links or raw HTML. Each format
gets its own escaping; every function also caps the length so one huge provision cannot
flood a channel.
"""

from __future__ import annotations

import html
import re

ELLIPSIS = "…"
# A word joiner after "@" keeps the text readable but stops services from matching a mention.
_MENTION = re.compile(r"@(?=(here|channel|everyone|all|room)\b)", re.I)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()!|<>~&])")
# Block markers only act at the start of a line: "# x", "- x", "+ x", "> x", "1. x", "1) x".
_MARKDOWN_LINE_START = re.compile(r"^(\s*)([#+\-=>]|\d+[.)])", re.M)
# mrkdwn has no backslash escape: lookalikes stop *bold*, _italic_, ~strike~ and `code`.
_SLACK_LOOKALIKES = str.maketrans({"*": "∗", "_": "ˍ", "~": "∼", "`": "ˋ"})
# C0/C1 controls (tab and newline kept) and bidi overrides/isolates, which can make page text
# display as something it is not.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def cap(text: str, limit: int) -> str:
    """The text cut to at most `limit` characters, an ellipsis marking the cut."""
    if limit <= 0:
        return ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def strip_controls(text: str) -> str:
    """Page text without control characters or bidi overrides (tab and newline kept)."""
    return _CONTROL.sub("", text)


def _clean(text: str, limit: int | None) -> str:
    text = strip_controls(text)
    return cap(text, limit) if limit is not None else text


def neutralize_mentions(text: str) -> str:
    """`@here`, `@channel`, `@everyone` made inert with a word joiner after the `@`."""
    return _MENTION.sub("@\u2060", text)


def escape_text(text: str, limit: int | None = None) -> str:
    """Untrusted text for a plain-text message."""
    return neutralize_mentions(_clean(text, limit))


def escape_markdown(text: str, limit: int | None = None) -> str:
    """Untrusted text for CommonMark: every Markdown punctuation backslash-escaped."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", _clean(text, limit))
    text = _MARKDOWN_LINE_START.sub(lambda m: m.group(1) + "".join("\\" + c if not c.isdigit() else c
                                                                   for c in m.group(2)), text)
    return neutralize_mentions(text)


def escape_slack(text: str, limit: int | None = None) -> str:
    """Untrusted text for Slack mrkdwn: `&<>` escaped (no control sequence survives), no formatting."""
    text = _clean(text, limit)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return neutralize_mentions(text.translate(_SLACK_LOOKALIKES))


def escape_html(text: str, limit: int | None = None) -> str:
    """Untrusted text for HTML email."""
    return neutralize_mentions(html.escape(_clean(text, limit), quote=True))


def slack_link(url: str, label: str) -> str:
    """A Slack `<url|label>` link whose parts cannot break out of the sequence."""
    safe_url = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{safe_url}|{escape_slack(label).replace('|', '¦')}>"


def markdown_link(url: str, label: str) -> str:
    """A CommonMark link with an escaped label and an angle-bracketed URL."""
    safe_url = url.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")
    return f"[{escape_markdown(label)}](<{safe_url}>)"


def html_link(url: str, label: str) -> str:
    """An HTML link; only http(s) and mailto URLs become links."""
    if not re.match(r"^(https?:|mailto:)", url, re.I):
        return escape_html(label)
    return f'<a href="{html.escape(url, quote=True)}">{escape_html(label)}</a>'
