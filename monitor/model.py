"""Plain data passed between the pipeline stages: no I/O, no database.

fetch -> FetchResult -> normalize -> Document -> diff -> ChangeSet
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

ProvisionKind = Literal["heading", "paragraph", "list_item", "table_row"]
ChangeKind = Literal["added", "removed", "modified", "moved", "renamed"]


@dataclass(frozen=True)
class Provision:
    """One heading or clause of a document, with an id stable across versions."""

    id: str  # heading-slug path + position, e.g. "restricted-content/platform-abuse/3"
    kind: ProvisionKind
    text: str  # whitespace-normalized
    heading_path: tuple[str, ...] = ()  # texts of the enclosing headings, outermost first
    level: int = 0  # heading level (1-6) for headings, nesting depth for clauses
    label: str = ""  # "5.", "(a)", "•" is not a label


@dataclass(frozen=True)
class Document:
    """The normalized form of one snapshot of one source."""

    title: str
    provisions: tuple[Provision, ...]
    effective_date: date | None = None
    last_updated_date: date | None = None
    notice_days: int | None = None  # from the text ("effective 10 days following posting")

    def canonical_markdown(self) -> str:
        """The document as canonical Markdown; equal documents give equal bytes."""
        from monitor.render_markdown import document_to_markdown

        return document_to_markdown(self)


@dataclass(frozen=True)
class FetchResult:
    """What one fetch of a source produced: a body, a 304, or a failure with its reason."""

    url: str
    status: Literal["ok", "not_modified", "failed", "suspicious"]
    http_status: int | None = None
    body: bytes = b""
    content_type: str = ""
    encoding: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    final_url: str | None = None
    elapsed_ms: float = 0.0


@dataclass(frozen=True)
class WordDiff:
    """A word-level diff: a list of (op, text) with op -1 removed, 0 kept, 1 added."""

    ops: tuple[tuple[int, str], ...]
    coarse: bool = False  # True when the diff hit its timeout and is not minimal


@dataclass(frozen=True)
class Change:
    """One provision-level difference between two versions."""

    kind: ChangeKind
    old_id: str | None
    new_id: str | None
    heading_path: tuple[str, ...]
    old_text: str | None
    new_text: str | None
    substantive: bool
    diff: WordDiff | None = None
    # Positions in the old/new provision lists, so a diff can be replayed (apply_changes).
    old_index: int | None = None
    new_index: int | None = None
    provision_kind: ProvisionKind | None = None  # kind of the new (else old) provision


@dataclass(frozen=True)
class Verdict:
    """A notice verdict with the facts it was drawn from."""

    name: str  # short_notice, retroactive, silent_change, upcoming, takes_effect
    certainty: Literal["certain", "possible"] = "certain"
    message: str = ""
    facts: dict[str, str | int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class ChangeSet:
    """All changes between two versions of a source and what they mean in time."""

    changes: tuple[Change, ...]
    detected_at: datetime | None = None
    prev_checked_at: datetime | None = None
    old_effective_date: date | None = None
    new_effective_date: date | None = None
    old_last_updated_date: date | None = None
    new_last_updated_date: date | None = None
    notice_days: int | None = None
    notice_days_source: Literal["document", "config", "default"] | None = None
    takes_effect_on: date | None = None
    verdicts: tuple[Verdict, ...] = ()

    @property
    def substantive(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.substantive)

    @property
    def cosmetic(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if not c.substantive)


def replace(obj, **changes):  # type: ignore[no-untyped-def]
    """dataclasses.replace, re-exported so callers need one import."""
    return dataclasses.replace(obj, **changes)
