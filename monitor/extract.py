"""Find a page's main content with lxml and walk it into text blocks, without recursion."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from monitor.errors import ExtractionError

BlockKind = str  # "heading" | "paragraph" | "list_item" | "table_row"

# Always invisible or interactive: never part of a legal text.
_HARD_NOISE = frozenset({
    "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas",
    "input", "select", "textarea", "dialog", "link", "meta", "head",
})
# Usually widgets, but ASP.NET pages wrap the whole page in one <form> and accordions put
# section headings in <button>: kept when they hold a heading or real text.
_WIDGETS = frozenset({"form", "button"})
# Page chrome: dropped unless a select rule chose the region explicitly.
_CHROME = frozenset({"nav", "footer", "aside"})
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_OWN_BLOCKS = frozenset({"p", "li", "tr", "dt", "dd", "pre", "blockquote", "caption", "figcaption"})
_INLINE = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd",
    "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var",
    "wbr", "del", "ins", "label", "img", "picture", "source",
})
_NOISE_ATTR = re.compile(
    # banner names only: a Cookie Policy's own <section id="cookies"> must survive
    r"cookie-?(?:banner|consent|notice|bar|popup|modal|law)|consent-?(?:banner|manager|modal|popup)|"
    r"onetrust|cookiebot|truste|gdpr-?(?:banner|consent)|skip-?(?:link|to|nav)|theme-?(?:toggle|switch)|"
    r"breadcrumb",  # not sr-only: screen-reader text can carry "Effective date:" itself
    re.I,
)
_NOISE_TEXT = re.compile(
    r"^(?:skip to (?:main )?content|skip to main|skip navigation|toggle (?:dark |light )?(?:theme|mode)|"
    r"(?:switch to )?(?:system|dark|light|auto) (?:mode|theme)|theme|copy link|back to top|[#¶🔗]|link)$",
    re.I,
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_SEPARATE_INLINE = frozenset({"a", "span", "time", "label", "button"})
_CONTAINERS = frozenset({"div", "section", "article", "main"})
_SKIP = "data-pm-skip"
_CELL = "\x00"  # table cell separator inside a row's text buffer


@dataclass(frozen=True)
class Block:
    """One heading or clause as found in the page: kind, level and raw text."""

    kind: BlockKind
    level: int
    text: str


def _parser() -> etree.HTMLParser:
    # plain etree, not lxml.html: its per-element Python class lookup costs ~15% of a run
    return etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)


def parse_html(html: str) -> etree._Element:
    """Parse HTML into an lxml tree; flatten pathological nesting instead of losing text."""
    data = html.encode("utf-8", errors="replace")
    parser = _parser()
    root = _parse(data, parser)
    if any("Excessive depth" in e.message for e in parser.error_log):
        # libxml2 silently drops everything past depth 256: replace container tags by
        # void separators so the text survives, flat.
        flat = re.sub(rb"</?(?:div|section|span|article|main)\b[^>]*>", b"<hr>", data, flags=re.I)
        parser = _parser()
        root = _parse(flat, parser)
        if any("Excessive depth" in e.message for e in parser.error_log):
            raise ExtractionError("the page nests elements more than 255 levels deep even without "
                                  "its div/section/span wrappers; its text cannot be read whole")
    return root


def _parse(data: bytes, parser: etree.HTMLParser) -> etree._Element:
    try:
        root = etree.fromstring(data, parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ExtractionError(f"the page could not be parsed as HTML ({exc})") from exc
    if root is None:
        raise ExtractionError("no text found in the page (no HTML elements)")
    return root


def _tag(element: etree._Element) -> str:
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else ""


def _text_len(element: etree._Element) -> int:
    return len("".join(element.itertext()).strip())


def _is_noise(element: etree._Element, tag: str, keep_chrome: bool) -> bool:
    """Whether an element and its subtree are page furniture rather than document text."""
    if tag in _HARD_NOISE or not tag:
        return True
    if tag in _WIDGETS:
        has_heading = any(True for _ in element.iter("h1", "h2", "h3", "h4", "h5", "h6"))
        if not has_heading and _text_len(element) < (500 if tag == "form" else 80):
            return True
    if not keep_chrome:
        if tag in _CHROME:
            return True
        if tag == "header" and not any(True for _ in element.iter("h1", "h2", "h3")):
            return True  # a site banner; a header holding the page title is content
    get = element.get
    if get("hidden") is not None or get("aria-hidden") == "true":
        return True
    style = get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    role = get("role")
    if role in ("navigation", "banner", "contentinfo", "search", "dialog", "alertdialog") and not keep_chrome:
        return True
    marks = f"{get('id', '')} {get('class', '')}"
    if marks.strip() and _NOISE_ATTR.search(marks) and tag not in ("body", "html", "main"):
        return True
    if tag == "a":
        href = get("href", "")
        if href.startswith("#"):
            text = "".join(element.itertext()).strip()
            if not text or _NOISE_TEXT.match(text):
                return True  # heading anchor or skip link
    if tag in ("a", "div", "span", "p") and len(element) < 3 and len(element.text or "") < 40:
        text = "".join(element.itertext()).strip()
        if text and len(text) < 40 and _NOISE_TEXT.match(text):
            return True
    return False


def select_main(root: etree._Element, select: tuple[str, ...], remove: tuple[str, ...]) -> list[etree._Element]:
    """The element(s) holding the document: the select rules, else main/article, else the densest block."""
    for selector in remove:
        for element in _css(root, selector):
            _drop(element)
    if select:
        found: list[etree._Element] = []
        for selector in select:
            found.extend(e for e in _css(root, selector) if e not in found)
        if not found:
            raise ExtractionError(f"the select rule {list(select)} matched nothing on the page")
        # Keep only outermost matches so nested matches are not walked twice.
        chosen = set(found)
        return [e for e in found if not any(a in chosen for a in e.iterancestors())]
    body = root.find("body")
    body = body if body is not None else root
    for path in ("//main", "//*[@role='main']", "//article"):
        candidates = [e for e in root.xpath(path) if isinstance(e.tag, str)]
        if candidates:
            best = max(candidates, key=_text_len)
            if _text_len(best) >= 200:
                return [best]
    return [_densest(body)]


def _densest(body: etree._Element) -> etree._Element:
    """The deepest container (div, section...) holding at least 90% of the text in blocks.

    Descending only into plain containers and only when nearly all the text is inside keeps
    an intro paragraph outside the main wrapper from being cut; what it removes is stray
    chrome that is not marked up as nav/header/footer.
    """
    weights: dict[etree._Element, int] = {}
    total = 0
    for element in body.iter("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "dd"):
        if any(_tag(a) in ("nav", "footer", "header", "aside", "form") for a in element.iterancestors()):
            continue
        text = element.text or "" if element.tag == "li" else "".join(element.itertext())
        size = len(text.strip()) + 1
        total += size
        for ancestor in element.iterancestors():
            weights[ancestor] = weights.get(ancestor, 0) + size
            if ancestor is body:
                break
    node = body
    while total:
        heavy = [c for c in node if _tag(c) in _CONTAINERS and weights.get(c, 0) >= 0.9 * total]
        if not heavy:
            break
        node = heavy[0]
    return node


def drop_link_rows(root: etree._Element) -> None:
    """Drop paragraphs made only of two or more links: site navigation rendered as text."""
    for paragraph in list(root.iter("p")):
        links = [a for a in paragraph if _tag(a) == "a"]
        if len(links) < 2 or (paragraph.text or "").strip():
            continue
        if all(not (a.tail or "").strip() for a in links) and len(links) == len(paragraph):
            _drop(paragraph)


def _css(root: etree._Element, selector: str) -> list[etree._Element]:
    from lxml.cssselect import CSSSelector  # cssselect is only needed with rules
    from cssselect import SelectorError

    try:
        return list(CSSSelector(selector, translator="html")(root))
    except SelectorError as exc:
        raise ExtractionError(f"the CSS selector {selector!r} is invalid ({exc})") from exc


def _drop(element: etree._Element) -> None:
    """Remove an element but keep its tail text, which belongs to the parent."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def _opens(tag: str, inside: str | None) -> str | None:
    """The kind of block an element starts, given the kind of the open block (None if none)."""
    if tag == "li" and inside == "table_row":
        return None  # a list inside a table cell is part of the row
    if tag in ("li", "tr"):
        return "list_item" if tag == "li" else "table_row"  # nested items are clauses of their own
    if inside is not None:
        return None  # a paragraph or heading inside a clause belongs to that clause
    if tag in _HEADINGS:
        return "heading"
    return "paragraph" if tag in _OWN_BLOCKS else None


def _is_layout_row(row: etree._Element) -> bool:
    """A table row used for page layout: it holds headings, tables or pages of text."""
    if any(True for _ in row.iter("h1", "h2", "h3", "h4", "h5", "h6", "table")):
        return True
    return _text_len(row) > 2000


class _Open:
    """A block being filled while its element is open."""

    __slots__ = ("kind", "level", "parts", "element")

    def __init__(self, kind: str, level: int, element: etree._Element | None) -> None:
        self.kind, self.level, self.parts, self.element = kind, level, [], element


def walk_blocks(roots: list[etree._Element], keep_chrome: bool = False) -> Iterator[Block]:
    """Yield headings and clauses in document order; iterative, so depth cannot overflow."""
    out: list[_Open] = []
    stack: list[_Open] = []  # explicit blocks (p, li, headings...) currently open
    loose: list[_Open] = []  # text outside any explicit block, up to the next block boundary
    list_depth = 0

    def sink() -> list[str]:
        if stack:
            return stack[-1].parts
        if not loose:
            block = _Open("paragraph", 0, None)
            loose.append(block)
            out.append(block)
        return loose[-1].parts

    def flush_loose() -> None:
        loose.clear()

    for root in roots:
        walker = etree.iterwalk(root, events=("start", "end"))
        for event, element in walker:
            tag = _tag(element)
            if not tag:  # comment or processing instruction: only its tail is text
                if event == "end" and element.tail:
                    sink().append(element.tail)
                continue
            if event == "start":
                if element is not root and _is_noise(element, tag, keep_chrome):
                    walker.skip_subtree()
                    element.set(_SKIP, "")  # its end event still comes, carrying the tail
                    continue
                if tag in ("ul", "ol"):
                    list_depth += 1
                if tag in _SEPARATE_INLINE:
                    previous = element.getprevious()
                    if previous is not None and _tag(previous) in _SEPARATE_INLINE and not previous.tail:
                        # <span>Effective May 1</span><a>Previous Version</a>: laid out apart
                        # by CSS, so read apart; also makes "[A](x)[B](y)" equal "[A](x) [B](y)"
                        sink().append(" ")
                kind = _opens(tag, stack[-1].kind if stack else None)
                if kind == "table_row" and _is_layout_row(element):
                    kind = None  # read as a container: its headings and paragraphs are provisions
                if kind:
                    flush_loose()
                    level = _HEADINGS.get(tag) or (list_depth if tag == "li" else 0)
                    block = _Open(kind, level, element)
                    stack.append(block)
                    out.append(block)
                elif tag in ("td", "th") and stack and stack[-1].kind == "table_row":
                    stack[-1].parts.append(_CELL)
                elif tag not in _INLINE:
                    if stack:
                        stack[-1].parts.append(" ")
                    else:
                        flush_loose()
                if tag == "br":
                    sink().append(" ")
                if element.text:
                    sink().append(element.text)
            else:
                if element.get(_SKIP) is None:
                    if tag in ("ul", "ol"):
                        list_depth -= 1
                    if stack and stack[-1].element is element:
                        stack.pop()
                    elif tag not in _INLINE:
                        if stack:
                            stack[-1].parts.append(" ")
                        else:
                            flush_loose()
                if element is not root and element.tail:
                    sink().append(element.tail)
    for block in out:
        yield Block(block.kind, block.level, "".join(block.parts))
