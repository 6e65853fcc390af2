"""Render a Document as canonical Markdown: the form stored, hashed and shown."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monitor.model import Document, Provision

# A paragraph starting like this would read back as a heading, list, quote or table.
_BLOCK_START = re.compile(r"^(#{1,6}\s|[-+*>|]|\d+[.)]\s)")


def _escape_start(text: str) -> str:
    return "\\" + text if _BLOCK_START.match(text) else text


def provision_to_markdown(provision: Provision) -> str:
    """One provision as one Markdown line (label kept, block syntax of its kind)."""
    label = f"{provision.label} " if provision.label else ""
    if provision.kind == "heading":
        return f"{'#' * max(1, min(provision.level, 6))} {label}{provision.text}"
    if provision.kind == "list_item":
        indent = "  " * max(0, provision.level - 1)
        return f"{indent}- {label}{provision.text}"
    if provision.kind == "table_row":
        return f"| {provision.text} |"
    return f"{label}{provision.text}" if label else _escape_start(provision.text)


def document_to_markdown(document: Document) -> str:
    """Canonical Markdown: one block per provision, dates as a front block, "\\n" endings."""
    lines: list[str] = []
    if document.title:
        lines.append(f"<!-- title: {document.title.replace('--', '- -')} -->")
    for name, value in (
        ("effective", document.effective_date),
        ("last-updated", document.last_updated_date),
        ("notice-days", document.notice_days),
    ):
        if value is not None:
            lines.append(f"<!-- {name}: {value} -->")
    if lines:
        lines.append("")
    for provision in document.provisions:
        lines.append(provision_to_markdown(provision))
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
