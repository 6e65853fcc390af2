"""Render a Document as canonical Markdown: the form stored, hashed and shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monitor.model import Document


def document_to_markdown(document: Document) -> str:
    """Canonical Markdown: one block per provision, dates as a front block, "\\n" endings."""
    lines: list[str] = []
    if document.title:
        lines.append(f"<!-- title: {document.title} -->")
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
        label = f"{provision.label} " if provision.label else ""
        if provision.kind == "heading":
            hashes = "#" * max(1, min(provision.level, 6))
            lines.append(f"{hashes} {label}{provision.text}")
        elif provision.kind == "list_item":
            indent = "  " * max(0, provision.level - 1)
            lines.append(f"{indent}- {label}{provision.text}")
        elif provision.kind == "table_row":
            lines.append(f"| {provision.text} |")
        else:
            lines.append(f"{label}{provision.text}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
