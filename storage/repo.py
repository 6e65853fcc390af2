"""The queries the pipeline, CLI and daemon need; each takes an open Session."""

from __future__ import annotations

import hashlib
import zlib
from datetime import datetime
from typing import Any, Iterable

from sqlmodel import Session, col, select

from monitor.model import ChangeSet, Document, Provision
from storage.models import ChangeRow, ChangeSetRow, ProvisionRow, Snapshot, Source, Version, utcnow


def sha256(data: bytes | str) -> str:
    """Hex SHA-256 of bytes or UTF-8 text."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def upsert_source(session: Session, *, slug: str, platform: str, document_type: str, url: str,
                  settings: dict[str, Any], active: bool = True) -> Source:
    """Create or update the source row mirroring one config entry."""
    source = session.exec(select(Source).where(Source.slug == slug)).first()
    if source is None:
        source = Source(slug=slug, platform=platform, document_type=document_type, url=url,
                        settings=settings, active=active, created_at=utcnow())
    else:
        source.platform, source.document_type, source.url = platform, document_type, url
        source.settings, source.active = dict(settings), active
    session.add(source)
    session.flush()
    return source


def get_source(session: Session, slug: str) -> Source | None:
    """The source with this slug, or None."""
    return session.exec(select(Source).where(Source.slug == slug)).first()


def store_snapshot(session: Session, source_id: int, body: bytes, content_type: str,
                   fetched_at: datetime) -> tuple[Snapshot, bool]:
    """The snapshot for these bytes, stored compressed once per content; (row, created)."""
    digest = sha256(body)
    existing = session.exec(
        select(Snapshot).where(Snapshot.source_id == source_id, Snapshot.content_hash == digest)
    ).first()
    if existing is not None:
        return existing, False
    snapshot = Snapshot(source_id=source_id, content_hash=digest, content=zlib.compress(body, 6),
                        size=len(body), content_type=content_type, first_fetched_at=fetched_at)
    session.add(snapshot)
    session.flush()
    return snapshot, True


def snapshot_body(snapshot: Snapshot) -> bytes:
    """The raw bytes of a stored snapshot."""
    return zlib.decompress(snapshot.content)


def latest_version(session: Session, source_id: int) -> Version | None:
    """The newest version of a source, or None before the first."""
    return session.exec(
        select(Version).where(Version.source_id == source_id).order_by(col(Version.seq).desc()).limit(1)
    ).first()


def store_version(session: Session, source_id: int, document: Document, canonical: str, *,
                  snapshot_id: int | None, detected_at: datetime,
                  prev_checked_at: datetime | None, seq: int) -> Version:
    """Store a version and its provisions."""
    version = Version(
        source_id=source_id, seq=seq, snapshot_id=snapshot_id, detected_at=detected_at,
        prev_checked_at=prev_checked_at, content_hash=sha256(canonical), canonical=canonical,
        title=document.title, effective_date=document.effective_date,
        last_updated_date=document.last_updated_date, notice_days=document.notice_days,
        provision_count=len(document.provisions),
    )
    session.add(version)
    session.flush()
    assert version.id is not None
    session.add_all(_provision_rows(version.id, document.provisions))
    return version


def _provision_rows(version_id: int, provisions: Iterable[Provision]) -> list[ProvisionRow]:
    return [
        ProvisionRow(version_id=version_id, position=index, provision_id=p.id, kind=p.kind,
                     level=p.level, label=p.label, heading_path=list(p.heading_path), text=p.text)
        for index, p in enumerate(provisions)
    ]


def load_document(session: Session, version: Version) -> Document:
    """Rebuild the Document of a stored version."""
    rows = session.exec(
        select(ProvisionRow).where(ProvisionRow.version_id == version.id).order_by(col(ProvisionRow.position))
    ).all()
    provisions = tuple(
        Provision(id=r.provision_id, kind=r.kind, text=r.text,  # type: ignore[arg-type]
                  heading_path=tuple(r.heading_path), level=r.level, label=r.label)
        for r in rows
    )
    return Document(title=version.title, provisions=provisions, effective_date=version.effective_date,
                    last_updated_date=version.last_updated_date, notice_days=version.notice_days)


def store_change_set(session: Session, source_id: int, old_version_id: int | None,
                     new_version_id: int, change_set: ChangeSet) -> ChangeSetRow:
    """Store a change set, its JSON payload and one row per change."""
    from monitor.changeset_json import change_set_to_dict

    row = ChangeSetRow(
        source_id=source_id, old_version_id=old_version_id, new_version_id=new_version_id,
        detected_at=change_set.detected_at, substantive_count=len(change_set.substantive),
        cosmetic_count=len(change_set.cosmetic), takes_effect_on=change_set.takes_effect_on,
        verdicts=[v.name for v in change_set.verdicts], payload=change_set_to_dict(change_set),
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    session.add_all(
        ChangeRow(change_set_id=row.id, position=index, kind=c.kind, old_provision_id=c.old_id,
                  new_provision_id=c.new_id, heading_path=list(c.heading_path), old_text=c.old_text,
                  new_text=c.new_text, diff=[list(op) for op in c.diff.ops] if c.diff else [],
                  coarse=bool(c.diff and c.diff.coarse), substantive=c.substantive)
        for index, c in enumerate(change_set.changes)
    )
    return row
