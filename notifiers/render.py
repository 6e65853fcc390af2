"""One template set, four formats: plain text, Markdown, Slack mrkdwn and HTML email.

The templates (`_change_blocks`, `render_change_set`, `render_health`, `render_digest`) are
written once against a small Writer; each Writer escapes untrusted text for its format and
marks word-diff additions and removals its own way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal

from notifiers import escape as esc
from notifiers.summary import ChangeItem, ChangeSummary, DigestSummary, HealthSummary

Format = Literal["text", "markdown", "slack", "html"]
FORMATS: tuple[Format, ...] = ("text", "markdown", "slack", "html")
TITLE_CHARS = 200
PATH_CHARS = 200


@dataclass(frozen=True)
class Message:
    """A rendered notification: title (plain text), body, and the body's format."""

    title: str
    body: str
    format: Format


def _split_ws(text: str) -> tuple[str, str, str]:
    """Leading whitespace, core, trailing whitespace: markers must hug the words."""
    match = re.match(r"^(\s*)(.*?)(\s*)$", text, re.S)
    assert match
    return match.group(1), match.group(2), match.group(3)


class Writer:
    """Plain text: `[-removed-]{+added+}`."""

    name: Format = "text"
    removed = ("[-", "-]")
    added = ("{+", "+}")

    def esc(self, text: str, limit: int | None = None) -> str:
        return esc.escape_text(text, limit)

    def strong(self, inline: str) -> str:
        return inline

    def heading(self, inline: str, level: int = 2) -> str:
        return inline + "\n" + ("=" if level == 1 else "-") * min(len(inline), 60)

    def para(self, inline: str) -> str:
        return inline

    def link(self, url: str, label: str) -> str:
        return f"{self.esc(label)}: {url}"

    def items(self, entries: list[str]) -> str:
        return "\n".join(f"- {e}" for e in entries)

    def quote(self, inline: str) -> str:
        return "\n".join("    " + line for line in inline.splitlines())

    def mark(self, op: int, text: str) -> str:
        if op == 0:
            return self.esc(text)
        left, core, right = _split_ws(text)
        if not core:
            return text
        open_, close = self.removed if op < 0 else self.added
        return f"{left}{open_}{self.esc(core)}{close}{right}"

    def join(self, blocks: list[str]) -> str:
        return "\n\n".join(b for b in blocks if b)


class MarkdownWriter(Writer):
    """CommonMark (GFM strikethrough): `~~removed~~ **added**`."""

    name: Format = "markdown"
    removed = ("~~", "~~")
    added = ("**", "**")

    def esc(self, text: str, limit: int | None = None) -> str:
        return esc.escape_markdown(text, limit)

    def strong(self, inline: str) -> str:
        return f"**{inline}**"

    def heading(self, inline: str, level: int = 2) -> str:
        return "#" * (level + 1) + " " + inline

    def link(self, url: str, label: str) -> str:
        return esc.markdown_link(url, label)

    def quote(self, inline: str) -> str:
        return "\n".join("> " + line for line in inline.splitlines())


class SlackWriter(Writer):
    """Slack mrkdwn: `~removed~ *added*`, links as `<url|label>`, no control sequence from pages."""

    name: Format = "slack"
    removed = ("~", "~")
    added = ("*", "*")

    def esc(self, text: str, limit: int | None = None) -> str:
        return esc.escape_slack(text, limit)

    def strong(self, inline: str) -> str:
        return f"*{inline}*"

    def heading(self, inline: str, level: int = 2) -> str:
        return f"*{inline}*"

    def link(self, url: str, label: str) -> str:
        return esc.slack_link(url, label)

    def items(self, entries: list[str]) -> str:
        return "\n".join(f"• {e}" for e in entries)

    def quote(self, inline: str) -> str:
        return "\n".join("> " + line for line in inline.splitlines())


class HtmlWriter(Writer):
    """HTML email: `<del>` / `<ins>`, with hidden text markers so the plain-text part keeps them."""

    name: Format = "html"
    _hide = 'style="display:none;mso-hide:all"'

    def esc(self, text: str, limit: int | None = None) -> str:
        return esc.escape_html(text, limit)

    def strong(self, inline: str) -> str:
        return f"<strong>{inline}</strong>"

    def heading(self, inline: str, level: int = 2) -> str:
        return f"<h{level + 1}>{inline}</h{level + 1}>"

    def para(self, inline: str) -> str:
        return f'<div style="margin:0 0 12px">{inline}</div>'  # a div: change lines hold blockquotes

    def link(self, url: str, label: str) -> str:
        return esc.html_link(url, label)

    def items(self, entries: list[str]) -> str:
        return "<ul>" + "".join(f"<li>{e}</li>" for e in entries) + "</ul>"

    def quote(self, inline: str) -> str:
        return f'<blockquote style="margin:4px 0 12px 12px">{inline}</blockquote>'

    def mark(self, op: int, text: str) -> str:
        if op == 0:
            return self.esc(text)
        left, core, right = _split_ws(text)
        if not core:
            return text
        if op < 0:
            return (f'{left}<del style="color:#b00020;background:#fde8e8"><span {self._hide}>[-</span>'
                    f'{self.esc(core)}<span {self._hide}>-]</span></del>{right}')
        return (f'{left}<ins style="color:#0a6b2d;background:#e6f6ea;text-decoration:none">'
                f'<span {self._hide}>{{+</span>{self.esc(core)}<span {self._hide}>+}}</span></ins>{right}')

    def join(self, blocks: list[str]) -> str:
        return "\n".join(b for b in blocks if b)


WRITERS: dict[Format, Writer] = {"text": Writer(), "markdown": MarkdownWriter(),
                                 "slack": SlackWriter(), "html": HtmlWriter()}


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "unknown"
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _document(s: ChangeSummary | HealthSummary) -> str:
    return f"{s.platform} {s.document_type}".strip() or s.slug


def change_title(s: ChangeSummary) -> str:
    """The plain-text title of one change-set alert."""
    flags = [label for label, _ in s.verdicts if not label.startswith(("Takes effect", "Upcoming"))]
    extra = f" ({', '.join(flags)})" if flags else ""
    return esc.escape_text(f"{_document(s)} changed: {_plural(s.substantive_count, 'substantive change')}{extra}",
                           TITLE_CHARS)


def _change_line(w: Writer, item: ChangeItem) -> str:
    where = " › ".join(item.heading_path) or "(top of the document)"
    diff = "".join(w.mark(op, text) for op, text in item.ops)
    if item.truncated:
        diff += " " + w.esc("[cut]")
    newline = "" if w.name == "html" else "\n"
    return f"{w.strong(w.esc(item.kind.capitalize()))} {w.esc('in ' + where, PATH_CHARS)}{newline}{w.quote(diff)}"


def _facts(w: Writer, s: ChangeSummary) -> list[str]:
    facts = [w.link(s.url, "Page"), f"Detected at: {w.esc(_when(s.detected_at))}"]
    if s.effective_date:
        facts.append(f"Effective date stated: {w.esc(s.effective_date.isoformat())}")
    if s.takes_effect_on:
        facts.append(f"Takes effect on: {w.esc(s.takes_effect_on.isoformat())}")
    facts.extend(f"{w.strong(w.esc(label))}: {w.esc(words)}" for label, words in s.verdicts
                 if not label.startswith("Takes effect"))
    return facts


def _change_blocks(w: Writer, s: ChangeSummary, heading_level: int = 1) -> list[str]:
    blocks = [w.heading(w.esc(f"{_document(s)} changed", TITLE_CHARS), heading_level), w.items(_facts(w, s))]
    counts = f"{_plural(s.substantive_count, 'substantive change')}, {_plural(s.cosmetic_count, 'cosmetic change')}"
    blocks.append(w.para(w.strong(w.esc(counts))))
    blocks.extend(w.para(_change_line(w, item)) for item in s.changes)
    if s.omitted_count > 0 or any(item.truncated for item in s.changes):
        more = f"{_plural(s.omitted_count, 'more substantive change')} not shown; " if s.omitted_count > 0 else ""
        blocks.append(w.para(w.esc(more) + w.link(s.full_diff_url, "Full diff")))
    elif s.full_diff_url != s.url:
        blocks.append(w.para(w.link(s.full_diff_url, "Full diff")))
    return blocks


def render_change_set(s: ChangeSummary, fmt: Format) -> Message:
    """One change-set alert in the given format."""
    w = WRITERS[fmt]
    return Message(change_title(s), w.join(_change_blocks(w, s)), fmt)


def render_health(h: HealthSummary, fmt: Format) -> Message:
    """A source health notice (unhealthy or recovered) in the given format."""
    w = WRITERS[fmt]
    if h.state == "recovered":
        title = f"{_document(h)} is being checked again"
        words = f"Checks of {h.slug} succeed again" + (f" (failing since {h.since})" if h.since else "") + "."
    else:
        title = f"{_document(h)} cannot be checked"
        words = (f"{_plural(h.failures, 'check')} of {h.slug} failed in a row"
                 + (f" since {h.since}" if h.since else "") + "; changes may be missed.")
    facts = [w.link(h.url, "Page")] if h.url else []
    if h.error:
        facts.append(f"Last error: {w.esc(h.error, 500)}")
    body = w.join([w.heading(w.esc(title, TITLE_CHARS), 1), w.para(w.esc(words)), w.items(facts) if facts else ""])
    return Message(esc.escape_text(title, TITLE_CHARS), body, fmt)


def render_digest(d: DigestSummary, fmt: Format) -> Message:
    """A digest: change sets grouped by platform and document, or "no changes"."""
    w = WRITERS[fmt]
    count = len(d.items)
    title = esc.escape_text(f"Policy digest {d.period}: {_plural(count, 'change set')}", TITLE_CHARS)
    span = f"From {_when(d.since)} to {_when(d.until)}."
    blocks = [w.heading(w.esc(title), 1), w.para(w.esc(span))]
    if not count:
        blocks.append(w.para(w.esc("No changes in this period.")))
    for platform, documents in d.grouped():
        blocks.append(w.heading(w.esc(platform or "(no platform)", TITLE_CHARS), 2))
        for _document_type, summaries in documents:
            for s in summaries:
                blocks.extend(_change_blocks(w, s, heading_level=3))
    return Message(title, w.join(blocks), fmt)
