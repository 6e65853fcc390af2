"""The structured summary model: what an alert or digest says, before any format is chosen."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from monitor.model import ChangeSet

MAX_CHANGES = 10  # substantive changes shown in one alert; the rest are counted and linked
MAX_CHANGE_CHARS = 700  # characters of diff text shown per change
CONTEXT_CHARS = 80  # unchanged text kept on each side of an edit

VERDICT_LABELS = {
    "short_notice": "Short notice",
    "retroactive": "Retroactive",
    "postponed": "Postponed",
    "silent_change": "Silent change",
    "takes_effect": "Takes effect",
    "upcoming": "Upcoming",
}


@dataclass(frozen=True)
class ChangeItem:
    """One substantive change as shown: kind, heading path and a trimmed word diff."""

    kind: str
    heading_path: tuple[str, ...]
    ops: tuple[tuple[int, str], ...]  # -1 removed, 0 kept, 1 added; whole text for added/removed
    truncated: bool = False


@dataclass(frozen=True)
class ChangeSummary:
    """One change set of one source, ready to render."""

    slug: str
    platform: str
    document_type: str
    url: str
    full_diff_url: str
    detected_at: datetime | None
    effective_date: date | None
    takes_effect_on: date | None
    verdicts: tuple[tuple[str, str], ...]  # (label, plain words)
    changes: tuple[ChangeItem, ...]
    substantive_count: int
    cosmetic_count: int
    change_set_id: int | None = None

    @property
    def omitted_count(self) -> int:
        return self.substantive_count - len(self.changes)


@dataclass(frozen=True)
class HealthSummary:
    """A source that stopped (or started again) answering."""

    slug: str
    platform: str
    document_type: str
    url: str
    state: str  # unhealthy | recovered
    failures: int
    error: str | None
    since: str | None


@dataclass(frozen=True)
class DigestSummary:
    """Every change set of one channel's digest period, grouped by platform and document."""

    channel: str
    period: str  # the local date of the period, YYYY-MM-DD
    since: datetime
    until: datetime
    items: tuple[ChangeSummary, ...] = field(default_factory=tuple)

    def grouped(self) -> list[tuple[str, list[tuple[str, list[ChangeSummary]]]]]:
        """[(platform, [(document type, [summaries])])] in name order, detection order inside."""
        platforms: dict[str, dict[str, list[ChangeSummary]]] = {}
        for item in sorted(self.items, key=lambda s: (s.platform.lower(), s.document_type.lower(),
                                                      s.detected_at or datetime.min)):
            platforms.setdefault(item.platform, {}).setdefault(item.document_type, []).append(item)
        return [(p, list(docs.items())) for p, docs in platforms.items()]


def full_diff_url(dashboard_url: str | None, change_set_id: int | None, source_url: str) -> str:
    """Where the whole diff can be read: the dashboard when configured, else the page itself."""
    if dashboard_url and change_set_id is not None:
        return f"{dashboard_url.rstrip('/')}/change-sets/{change_set_id}"
    return source_url


def trim_ops(ops: tuple[tuple[int, str], ...], limit: int = MAX_CHANGE_CHARS,
             context: int = CONTEXT_CHARS) -> tuple[tuple[tuple[int, str], ...], bool]:
    """Word-diff ops with long unchanged runs elided and the whole cut to `limit` characters."""
    out: list[tuple[int, str]] = []
    for index, (op, text) in enumerate(ops):
        if op == 0 and len(text) > 2 * context:
            first, last = index == 0, index == len(ops) - 1
            if first and last:
                text = text[: 2 * context] + " …"
            elif first:
                text = "… " + text[-context:]
            elif last:
                text = text[:context] + " …"
            else:
                text = text[:context] + " … " + text[-context:]
        out.append((op, text))
    kept: list[tuple[int, str]] = []
    used = 0
    for op, text in out:
        if used + len(text) > limit:
            room = limit - used
            if room > 20:
                kept.append((op, text[:room].rstrip() + "…"))
            return tuple(kept), True
        kept.append((op, text))
        used += len(text)
    return tuple(kept), False


def _change_item(change: Any) -> ChangeItem:
    if change.diff is not None and change.diff.ops:
        ops = tuple(change.diff.ops)
    elif change.kind == "removed":
        ops = ((-1, change.old_text or ""),)
    else:
        ops = ((1, change.new_text or ""),)
    trimmed, truncated = trim_ops(ops)
    return ChangeItem(kind=change.kind, heading_path=tuple(change.heading_path), ops=trimmed, truncated=truncated)


def summarize_change_set(change_set: ChangeSet, *, slug: str, platform: str, document_type: str,
                         url: str, change_set_id: int | None = None, dashboard_url: str | None = None,
                         max_changes: int = MAX_CHANGES) -> ChangeSummary:
    """The summary of one change set: facts, plain-word verdicts, the first substantive changes."""
    substantive = change_set.substantive
    verdicts = tuple(
        (VERDICT_LABELS.get(v.name, v.name.replace("_", " ").capitalize())
         + (" (possible)" if v.certainty == "possible" else ""), v.message)
        for v in change_set.verdicts
    )
    return ChangeSummary(
        slug=slug, platform=platform, document_type=document_type, url=url,
        full_diff_url=full_diff_url(dashboard_url, change_set_id, url),
        detected_at=change_set.detected_at,
        effective_date=change_set.new_effective_date,
        takes_effect_on=change_set.takes_effect_on, verdicts=verdicts,
        changes=tuple(_change_item(c) for c in substantive[:max_changes]),
        substantive_count=len(substantive), cosmetic_count=len(change_set.cosmetic),
        change_set_id=change_set_id,
    )


def summarize_health(payload: dict[str, Any]) -> HealthSummary:
    """The summary of a health notice payload (as the fetch stage writes it)."""
    return HealthSummary(
        slug=str(payload.get("slug", "")), platform=str(payload.get("platform", "")),
        document_type=str(payload.get("document_type", "")), url=str(payload.get("url", "")),
        state=str(payload.get("state", "unhealthy")), failures=int(payload.get("failures") or 0),
        error=payload.get("error"), since=payload.get("since"),
    )
