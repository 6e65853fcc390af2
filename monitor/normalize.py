"""Turn a fetched page (HTML, Markdown or plain text) into a Document of provisions.

Pure: bytes and rules in, Document out, or an ExtractionError saying why not.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from markdown_it import MarkdownIt

from monitor import dates
from monitor.errors import ExtractionError
from monitor.model import Document, Provision, ProvisionKind

_PARSER = "lxml"  # pinned: parsers build different trees from sloppy markup
_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "nav", "header", "footer",
              "form", "button", "iframe", "object", "embed", "canvas", "dialog")
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BLOCKS = ("p", "li", "tr", "dt", "dd", "blockquote", "pre")
_LABEL = re.compile(r"^\s*((?:\d+(?:\.\d+)*\.?)|(?:\([a-zA-Z0-9]{1,4}\))|(?:[a-zA-Z]\.)|(?:[ivxlcdm]{1,6}\.))\s+", re.I)
_MARKDOWN = MarkdownIt("commonmark").enable("table")


@dataclass(frozen=True)
class Rules:
    """Per-source extraction rules: CSS selectors to keep and to drop."""

    select: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


def normalize_text(text: str) -> str:
    """Unicode NFC, non-breaking and zero-width spaces folded, whitespace runs collapsed."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    return re.sub(r"\s+", " ", text).strip()


def slugify(text: str) -> str:
    """A URL-style slug of a heading: lower case ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].rstrip("-") or "section"


def detect_format(body: str, content_type: str = "") -> str:
    """'html', 'markdown' or 'text', from the content type, else from the body."""
    ctype = content_type.lower()
    if "html" in ctype or "xml" in ctype:
        return "html"
    if "markdown" in ctype:
        return "markdown"
    head = body.lstrip()[:2000].lower()
    if head.startswith(("<!doctype html", "<html", "<?xml")) or re.search(r"<(body|div|p|h1|main)\b", head):
        return "html"
    if re.search(r"^#{1,6} |^\s*[-*] |\[[^\]]+\]\([^)]+\)", body, re.M):
        return "markdown"
    return "text" if "plain" in ctype else "markdown"


def normalize(body: str | bytes, content_type: str = "", rules: Rules | None = None) -> Document:
    """Normalize one page into a Document; raise ExtractionError when it holds none."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if not body.strip():
        raise ExtractionError("the page is empty")
    kind = detect_format(body, content_type)
    if kind == "markdown":
        html = _MARKDOWN.render(body)
    elif kind == "text":
        html = "".join(f"<p>{_escape(par)}</p>" for par in re.split(r"\n\s*\n", body))
    else:
        html = body
    soup = BeautifulSoup(html, _PARSER)
    root = _main_content(soup, rules or Rules())
    blocks = list(_blocks(root))
    provisions = _provisions(blocks)
    if not provisions:
        raise ExtractionError("no text found in the page's main content")
    full_text = "\n".join(p.text for p in provisions)
    title = next((p.text for p in provisions if p.kind == "heading"), "")
    if not title and soup.title and soup.title.string:
        title = normalize_text(soup.title.string)
    return Document(
        title=title,
        provisions=tuple(provisions),
        effective_date=dates.find_effective_date(full_text),
        last_updated_date=dates.find_last_updated_date(full_text),
        notice_days=dates.find_notice_days(full_text),
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _main_content(soup: BeautifulSoup, rules: Rules) -> Tag:
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    if rules.select:
        selected = [tag for selector in rules.select for tag in soup.select(selector)]
        if not selected:
            raise ExtractionError(f"the select rule {list(rules.select)} matched nothing on the page")
        wrapper = soup.new_tag("div")
        for tag in selected:
            wrapper.append(tag.extract())
        root: Tag = wrapper
    else:
        root = soup.find("main") or soup.find("article") or soup.find(attrs={"role": "main"}) or soup.body or soup
    for selector in rules.remove:
        for tag in root.select(selector):
            tag.decompose()
    for tag in root.find_all(_DROP_TAGS):
        tag.decompose()
    return root


def _blocks(root: Tag):  # type: ignore[no-untyped-def]
    """Yield (kind, level, text) for each heading and clause, in document order."""
    for element in root.find_all(list(_HEADINGS) + list(_BLOCKS)):
        name = element.name
        if name in _HEADINGS:
            yield "heading", _HEADINGS[name], normalize_text(element.get_text(" "))
            continue
        if element.find_parent(_BLOCKS) is not None and name != "li":
            continue  # a paragraph inside a list item belongs to the item
        if name == "li":
            depth = len(element.find_parents(["ul", "ol"]))
            text = normalize_text(_own_text(element))
            yield "list_item", depth, text
        elif name == "tr":
            cells = [normalize_text(c.get_text(" ")) for c in element.find_all(["td", "th"])]
            yield "table_row", 0, " | ".join(cells)
        else:
            yield "paragraph", 0, normalize_text(element.get_text(" "))


def _own_text(item: Tag) -> str:
    """A list item's text without its nested lists (they are provisions of their own)."""
    parts: list[str] = []
    for child in item.children:
        if isinstance(child, NavigableString):
            parts.append(str(child))
        elif isinstance(child, Tag) and child.name not in ("ul", "ol"):
            parts.append(child.get_text(" "))
    return " ".join(parts)


def _provisions(blocks) -> list[Provision]:  # type: ignore[no-untyped-def]
    provisions: list[Provision] = []
    stack: list[tuple[int, str, str]] = []  # (level, slug, text) of the open headings
    used_slugs: dict[str, int] = {}
    counters: dict[str, int] = {}
    for kind, level, text in blocks:
        if not text:
            continue
        label = ""
        match = _LABEL.match(text)
        if match and kind != "table_row":
            label, text = match.group(1), text[match.end():]
        kind_: ProvisionKind = kind
        if kind == "heading":
            while stack and stack[-1][0] >= level:
                stack.pop()
            parent = "/".join(s for _, s, _ in stack)
            slug = slugify(text)
            key = f"{parent}/{slug}"
            used_slugs[key] = used_slugs.get(key, 0) + 1
            if used_slugs[key] > 1:
                slug = f"{slug}-{used_slugs[key]}"
            stack.append((level, slug, text))
            path_id = "/".join(s for _, s, _ in stack)
            provisions.append(Provision(id=path_id, kind=kind_, text=text,
                                        heading_path=tuple(t for _, _, t in stack[:-1]),
                                        level=level, label=label))
        else:
            section = "/".join(s for _, s, _ in stack) or "_"
            counters[section] = counters.get(section, 0) + 1
            provisions.append(Provision(id=f"{section}/{counters[section]}", kind=kind_, text=text,
                                        heading_path=tuple(t for _, _, t in stack),
                                        level=level, label=label))
    return provisions
