"""Hand rendered messages to apprise, one URL at a time, with secrets kept out of every message.

Also registers `slackhook://` and `slackhooks://`: a Slack incoming-webhook style POST of
`{"text", "blocks"}` (mrkdwn in a Block Kit section) to any host, for Slack-compatible
endpoints and relays that apprise's slack:// (fixed to hooks.slack.com) cannot reach.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

import apprise
import httpx
from apprise.decorators import notify as apprise_notify

from monitor.config import ChannelConfig, expand_env
from monitor.errors import ConfigError
from notifiers.escape import escape_slack
from notifiers.redact import redact_text, redact_url
from notifiers.render import Format, Message

SLACK_SECTION_CHARS = 3000  # Block Kit's limit for a section's text
SLACK_TEXT_CHARS = 39000  # under Slack's 40,000-character message limit
_APPRISE_FORMATS = {"text": apprise.NotifyFormat.TEXT, "markdown": apprise.NotifyFormat.MARKDOWN,
                    "slack": apprise.NotifyFormat.TEXT, "html": apprise.NotifyFormat.HTML}
# Which rendering each apprise scheme reads best; anything unknown gets plain text.
_SCHEME_FORMATS: dict[str, Format] = {
    "mailto": "html", "mailtos": "html",
    "slackhook": "slack", "slackhooks": "slack",
    "slack": "markdown",  # apprise turns CommonMark into mrkdwn and escapes <, > and & itself
    "discord": "markdown", "matrix": "markdown", "matrixs": "markdown", "tgram": "markdown",
    "ntfy": "markdown", "ntfys": "markdown", "mmost": "markdown", "mmosts": "markdown",
    "msteams": "markdown", "rocket": "markdown", "rockets": "markdown",
}
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendResult:
    """What sending one message to one channel URL did; `target` is redacted."""

    index: int
    target: str
    ok: bool
    error: str = ""


def format_for(url: str, configured: str) -> Format:
    """The format a channel URL receives: the channel's `format`, or one chosen by scheme."""
    if configured != "auto":
        return configured  # type: ignore[return-value]
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "https" and urlsplit(url).hostname in ("hooks.slack.com", "discord.com", "discordapp.com"):
        return "markdown"  # native webhook URLs apprise maps to its slack:// and discord:// plugins
    return _SCHEME_FORMATS.get(scheme, "text")


def slack_payload(title: str, body: str) -> dict[str, Any]:
    """An incoming-webhook payload: mrkdwn text plus Block Kit header and section blocks."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": title[:150]}}]
    chunk = ""
    for paragraph in body.split("\n\n"):
        paragraph = paragraph[:SLACK_SECTION_CHARS]
        if chunk and len(chunk) + len(paragraph) + 2 > SLACK_SECTION_CHARS:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": chunk}})
            chunk = ""
        chunk = f"{chunk}\n\n{paragraph}" if chunk else paragraph
        if len(blocks) >= 49:  # Block Kit allows 50 blocks per message
            break
    if chunk:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": chunk}})
    return {"text": f"*{escape_slack(title)}*\n\n{body}"[:SLACK_TEXT_CHARS], "blocks": blocks, "mrkdwn": True}


def _slackhook(body: str, title: str, notify_type: str, meta: dict[str, Any], *args: Any, **kwargs: Any) -> bool:
    scheme = "https" if meta.get("schema") == "slackhooks" else "http"
    host = meta.get("host", "")
    port = f":{meta['port']}" if meta.get("port") else ""
    target = f"{scheme}://{host}{port}{meta.get('fullpath', '/')}"
    try:
        response = httpx.post(target, json=slack_payload(title, body), timeout=30.0)
    except httpx.HTTPError as exc:
        log.warning("slackhook delivery failed: %s", type(exc).__name__)
        return False
    if response.status_code >= 300:
        log.warning("slackhook delivery refused with HTTP %s", response.status_code)
        return False
    return True


apprise_notify(on="slackhook", name="Slack-style incoming webhook")(_slackhook)
apprise_notify(on="slackhooks", name="Slack-style incoming webhook (TLS)")(_slackhook)


def send_to_channel(channel: ChannelConfig, render: Callable[[Format], Message],
                    skip: set[int] | frozenset[int] = frozenset()) -> list[SendResult]:
    """Send to every URL of the channel not in `skip`; never raises, never reveals a URL."""
    results = []
    for index, raw in enumerate(channel.urls):
        if index in skip:
            continue
        target = redact_url(raw)
        try:
            url = expand_env(raw)
        except ConfigError as exc:
            results.append(SendResult(index, target, False, str(exc)))
            continue
        results.append(_send_one(index, url, target, render(format_for(url, channel.format))))
    return results


def _send_one(index: int, url: str, target: str, message: Message) -> SendResult:
    secrets = [url, urlsplit(url).password or "", urlsplit(url).path.strip("/") if "://" in url else ""]
    secrets = [s for s in secrets if len(s) >= 6]
    client = apprise.Apprise()
    if not client.add(url):
        return SendResult(index, target, False, "apprise does not accept this URL; check the channel's urls")
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        try:
            ok = bool(client.notify(body=message.body, title=message.title,
                                    body_format=_APPRISE_FORMATS[message.format]))
        except Exception as exc:  # noqa: BLE001 - a plugin bug must not stop the outbox
            ok, captured_error = False, f"{type(exc).__name__}: {exc}"
        else:
            captured_error = ""
        detail = captured_error or " ".join(captured.getvalue().split())[-500:]
    if ok:
        return SendResult(index, target, True)
    error = redact_text("delivery failed" + (f": {detail}" if detail else ""), secrets)
    return SendResult(index, target, False, error)
