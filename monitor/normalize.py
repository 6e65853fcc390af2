"""Turn a fetched page (HTML, Markdown or plain text) into a Document of provisions.

Pure: bytes and rules in, Document out, or an ExtractionError saying why not.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from markdown_it import MarkdownIt

from monitor import dates
from monitor.challenge import detect_blocked_page
from monitor.errors import ExtractionError
from monitor.extract import Block, drop_link_rows, parse_html, select_main, walk_blocks
from monitor.model import Document, Provision, ProvisionKind

__all__ = ["Rules", "normalize", "normalize_text", "slugify", "detect_format", "split_label", "decode_body",
           "detect_blocked_page"]

_LABEL = re.compile(
    r"^\s*((?i:section|article|art\.|§)\s*\d+(?:\.\d+)*\.?|\d+(?:\.\d+)+\.?|\d+\.|\([a-zA-Z0-9]{1,4}\)"
    r"|[a-zA-Z0-9]{1,3}\)|[A-Za-z]\.|[ivxlcdm]{1,6}\.|[IVXLCDM]{1,6}\.)(?:\s*[:\-–—]\s*|\s+)(?=\S)",
)
_MARKDOWN = MarkdownIt("commonmark").enable("table")
_FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n---\s*\n", re.S)
_KRAMDOWN_ATTRS = re.compile(r"^\s*\{:[^}\n]*\}\s*$", re.M)  # "{: datetime=... }" lines
_ANCHOR_MARKS = re.compile(r"^(?:[🔗¶#]\s*)+|(?:\s*[🔗¶#])+$")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
_BULLET = re.compile(r"^\s*[-*•]\s+")
_WS = re.compile(r"\s+")
_INVISIBLE_CHARS = (("\u00a0", " "), ("\u200b", ""), ("\u200c", ""), ("\u200d", ""),
                    ("\u2060", ""), ("\ufeff", ""), ("\u00ad", ""))
_BLOCKED_CHECK_TEXT = 4_000  # check for interstitials only when the document is this short


@dataclass(frozen=True)
class Rules:
    """Per-source extraction rules: CSS selectors to keep and to drop."""

    select: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


def normalize_text(text: str) -> str:
    """Unicode NFC, non-breaking, soft and zero-width spaces folded, whitespace runs collapsed."""
    text = unicodedata.normalize("NFC", text)
    for char, replacement in _INVISIBLE_CHARS:  # str.replace is C-fast; translate() is not
        if char in text:
            text = text.replace(char, replacement)
    return _WS.sub(" ", text).strip()


def slugify(text: str) -> str:
    """A URL-style slug of a heading: lower case ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].rstrip("-") or "section"


def split_label(text: str) -> tuple[str, str]:
    """Split a leading numbering label ("5.", "(a)", "A.") from a text: (label, rest)."""
    match = _LABEL.match(text)
    if not match:
        return "", text
    return match.group(1).strip(), text[match.end():]


def decode_body(body: bytes, content_type: str = "") -> str:
    """Bytes to text: BOM, then the content type's charset, then a <meta> charset, then UTF-8, then cp1252."""
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", errors="replace")
    declared = _CHARSET.search(content_type) or _CHARSET.search(body[:4096].decode("ascii", errors="ignore"))
    if declared:
        try:
            return body.decode(declared.group(1).strip("\"'"), errors="replace")
        except LookupError:
            pass  # an unknown charset name: fall through to the guesses
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def detect_format(body: str, content_type: str = "") -> str:
    """'html', 'markdown' or 'text', from the content type, else from the body."""
    ctype = content_type.lower()
    if "html" in ctype or "xml" in ctype:
        return "html"
    if "markdown" in ctype:
        return "markdown"
    head = body.lstrip()[:2000].lower()
    if head.startswith(("<!doctype html", "<html", "<?xml")) or re.search(r"<(body|div|p|h1|main|head)\b", head):
        return "html"
    # raw.githubusercontent.com serves .md files as text/plain, so sniff Markdown there too
    if re.search(r"^#{1,6} |^\s*[-*] |\[[^\]]+\]\([^)]+\)|^[=-]{3,}\s*$", body[:100_000], re.M):
        return "markdown"
    return "text"


def normalize(body: str | bytes, content_type: str = "", rules: Rules | None = None) -> Document:
    """Normalize one page into a Document; raise ExtractionError when it holds none."""
    rules = rules or Rules()
    if isinstance(body, bytes):
        body = decode_body(body, content_type)
    body = body.replace("\x00", "")
    if not body.strip():
        raise ExtractionError("the page is empty")
    kind = detect_format(body, content_type)
    if kind == "markdown":
        html = _markdown_to_html(body)
    elif kind == "text":
        html = _text_to_html(body)
    else:
        html = body
    tree = parse_html(html)
    if kind == "markdown":
        drop_link_rows(tree)
    roots = select_main(tree, rules.select, rules.remove)
    provisions = build_provisions(walk_blocks(roots, keep_chrome=bool(rules.select)))
    text_size = sum(len(p.text) for p in provisions)
    if kind == "html" and text_size < _BLOCKED_CHECK_TEXT:
        reason = detect_blocked_page(body)
        if reason:
            raise ExtractionError(f"the page is a {reason}, not the document")
    if not provisions:
        raise ExtractionError("no text found in the page's main content")
    full_text = "\n".join((f"{p.label} {p.text}" if p.label else p.text) for p in provisions)
    return Document(
        title=_title(provisions, tree),
        provisions=tuple(provisions),
        effective_date=dates.find_effective_date(full_text),
        last_updated_date=dates.find_last_updated_date(full_text),
        notice_days=dates.find_notice_days(full_text),
    )


def _markdown_to_html(body: str) -> str:
    """Render Markdown; YAML front matter is dropped but its title kept as the page title."""
    body = body.replace("\r\n", "\n")
    title = ""
    front = _FRONT_MATTER.match(body)
    if front:
        found = re.search(r"^title:\s*['\"]?(.*?)['\"]?\s*$", front.group(0), re.M)
        title = f"<title>{_escape(found.group(1))}</title>" if found else ""
        body = body[front.end():]
    try:
        rendered = _MARKDOWN.render(_KRAMDOWN_ATTRS.sub("", body))
    except RecursionError as exc:  # markdown-it recurses on nested inline markup
        raise ExtractionError("the Markdown is nested too deeply to render") from exc
    return f"<html><head>{title}</head><body>{rendered}</body></html>"


def _text_to_html(body: str) -> str:
    """Plain text: blank-line separated paragraphs; bullet lines become list items."""
    parts: list[str] = []
    for chunk in re.split(r"\n\s*\n", body.replace("\r\n", "\n")):
        lines = [line for line in chunk.split("\n") if line.strip()]
        if lines and all(_BULLET.match(line) for line in lines):
            items = "".join(f"<li>{_escape(_BULLET.sub('', line))}</li>" for line in lines)
            parts.append(f"<ul>{items}</ul>")
        elif lines:
            parts.append(f"<p>{_escape(' '.join(lines))}</p>")
    return "<html><body>" + "".join(parts) + "</body></html>"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _title(provisions: list[Provision], tree) -> str:  # type: ignore[no-untyped-def]
    """The first top-level heading, else the page's <title>, else the first heading."""
    headings = [p for p in provisions if p.kind == "heading"]
    if headings:
        top = min(p.level for p in headings)
        first_top = next(p for p in headings if p.level == top)
        if top == 1:
            return first_top.text
    titles = tree.xpath("//title")
    if titles:
        text = normalize_text("".join(titles[0].itertext()))
        if text:
            return text
    return headings[0].text if headings else ""


def build_provisions(blocks: Iterable[Block]) -> list[Provision]:
    """Give each block its label, heading path and stable id.

    Ids are heading slugs without numbering ("5. Privacy" -> "privacy"), so renumbering
    sections keeps ids; clauses are numbered within their own section only, so edits in one
    section never shift the ids of another. A single leading h1 is the document title: it is
    not part of the other ids, so retitling the page does not change every id.
    """
    items: list[tuple[str, int, str, str]] = []
    for block in blocks:
        text = block.text
        if block.kind == "table_row":
            cells = [normalize_text(c) for c in text.split("\x00")]
            text, label = " | ".join(c for c in cells if c), ""
        else:
            text = normalize_text(text.replace("\x00", " "))
            if block.kind == "heading":
                text = _ANCHOR_MARKS.sub("", text)  # "🔗 Contact us", "Scope ¶": link icons
            label, text = split_label(text)
        if text:
            items.append((block.kind, block.level, label, text))
    heading_levels = [level for kind, level, _, _ in items if kind == "heading"]
    title_index = _title_index(items, heading_levels)

    provisions: list[Provision] = []
    stack: list[tuple[int, str, str]] = []  # (level, slug, text) of the open headings
    used: dict[str, int] = {}
    counters: dict[str, int] = {}
    for index, (kind, level, label, text) in enumerate(items):
        kind_: ProvisionKind = kind  # type: ignore[assignment]
        if kind == "heading":
            while stack and stack[-1][0] >= level:
                stack.pop()
            slug = slugify(text)
            if index == title_index:
                provisions.append(Provision(id=slug, kind=kind_, text=text, level=level, label=label))
                continue
            parent = "/".join(s for _, s, _ in stack)
            key = f"{parent}/{slug}"
            used[key] = used.get(key, 0) + 1
            if used[key] > 1:
                slug = f"{slug}-{used[key]}"
            stack.append((level, slug, text))
            provisions.append(Provision(
                id="/".join(s for _, s, _ in stack), kind=kind_, text=text,
                heading_path=tuple(t for _, _, t in stack[:-1]), level=level, label=label))
        else:
            section = "/".join(s for _, s, _ in stack) or "_"
            counters[section] = counters.get(section, 0) + 1
            provisions.append(Provision(
                id=f"{section}/{counters[section]}", kind=kind_, text=text,
                heading_path=tuple(t for _, _, t in stack), level=level, label=label))
    return provisions


def _title_index(items: list[tuple[str, int, str, str]], levels: list[int]) -> int | None:
    """Index of the title heading: the first heading, if it is the only one at the top level."""
    if not levels:
        return None
    first = next(i for i, item in enumerate(items) if item[0] == "heading")
    top = items[first][1]
    if top == min(levels) and levels.count(top) == 1 and len(levels) > 1:
        return first
    return None
