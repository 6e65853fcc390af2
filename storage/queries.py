"""Read-side queries for the CLI: change sets in a window, versions, the version at a date, sources.

Each function takes an open Session and returns plain records, so rendering never touches
the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage.models import ChangeSetRow, ProvisionRow, Source, Version


@dataclass(frozen=True)
class SourceRef:
    """Who a record belongs to."""

    slug: str
    platform: str
    document_type: str
    url: str


@dataclass(frozen=True)
class ChangeSetRecord:
    """One stored change set with its source and version numbers."""

    id: int
    source: SourceRef
    old_seq: int | None
    new_seq: int
    detected_at: datetime | None
    substantive_count: int
    cosmetic_count: int
    takes_effect_on: date | None
    verdicts: tuple[str, ...]
    payload: dict[str, Any]


@dataclass(frozen=True)
class VersionRecord:
    """One version of a source and the change set that led to it (none for the first)."""

    seq: int
    detected_at: datetime | None
    prev_checked_at: datetime | None
    title: str
    effective_date: date | None
    last_updated_date: date | None
    notice_days: int | None
    provision_count: int
    content_hash: str
    change_set_id: int | None
    substantive_count: int | None
    cosmetic_count: int | None
    takes_effect_on: date | None
    verdicts: tuple[str, ...]


def _source_ref(source: Source) -> SourceRef:
    return SourceRef(source.slug, source.platform, source.document_type, source.url)


def change_sets(session: Session, *, since: datetime | None = None, until: datetime | None = None,
                slugs: list[str] | None = None, platform: str | None = None,
                document_type: str | None = None, substantive_only: bool = False,
                effective_from: date | None = None, effective_to: date | None = None,
                order: str = "detected") -> list[ChangeSetRecord]:
    """Change sets detected in [since, until) (or taking effect in [effective_from, effective_to]).

    Platform and document type match case-insensitively; substantive_only drops change sets
    whose changes are all cosmetic.
    """
    old_v, new_v = aliased(Version), aliased(Version)
    query = (
        # Plain columns, not entities: building ORM objects cost more than the query (~0.1 ms/row).
        select(ChangeSetRow.id, ChangeSetRow.detected_at, ChangeSetRow.substantive_count,
               ChangeSetRow.cosmetic_count, ChangeSetRow.takes_effect_on, ChangeSetRow.verdicts,
               ChangeSetRow.payload, Source.id, Source.slug, Source.platform, Source.document_type, Source.url,
               old_v.seq, new_v.seq)
        .join(Source, col(Source.id) == col(ChangeSetRow.source_id))
        .join(new_v, col(new_v.id) == col(ChangeSetRow.new_version_id))
        .outerjoin(old_v, col(old_v.id) == col(ChangeSetRow.old_version_id))
    )
    if since is not None:
        query = query.where(col(ChangeSetRow.detected_at) >= since)
    if until is not None:
        query = query.where(col(ChangeSetRow.detected_at) < until)
    if effective_from is not None:
        query = query.where(col(ChangeSetRow.takes_effect_on) >= effective_from)
    if effective_to is not None:
        query = query.where(col(ChangeSetRow.takes_effect_on) <= effective_to)
    if slugs:
        query = query.where(col(Source.slug).in_(slugs))
    if platform:
        query = query.where(func.lower(Source.platform) == platform.lower())
    if document_type:
        query = query.where(func.lower(Source.document_type) == document_type.lower())
    if substantive_only:
        query = query.where(col(ChangeSetRow.substantive_count) > 0)
    if order == "effective":
        query = query.order_by(col(ChangeSetRow.takes_effect_on), col(ChangeSetRow.detected_at),
                               col(ChangeSetRow.id))
    else:
        query = query.order_by(col(ChangeSetRow.detected_at), col(ChangeSetRow.id))
    refs: dict[int, SourceRef] = {}
    records = []
    for (cs_id, detected_at, substantive, cosmetic, takes_effect_on, verdicts, payload,
         source_id, slug, platform, document_type, url, old_seq, new_seq) in session.execute(query).all():
        ref = refs.get(source_id)
        if ref is None:
            ref = refs[source_id] = SourceRef(slug, platform, document_type, url)
        records.append(ChangeSetRecord(
            id=cs_id, source=ref, old_seq=old_seq, new_seq=new_seq, detected_at=detected_at,
            substantive_count=substantive, cosmetic_count=cosmetic, takes_effect_on=takes_effect_on,
            verdicts=tuple(verdicts or ()), payload=payload))
    return records


def versions(session: Session, source_id: int) -> list[VersionRecord]:
    """Every version of a source, oldest first, with the counts of the change set that made it."""
    query = (
        select(Version, ChangeSetRow)
        .outerjoin(ChangeSetRow, col(ChangeSetRow.new_version_id) == col(Version.id))
        .where(col(Version.source_id) == source_id)
        .order_by(col(Version.seq))
    )
    records = []
    for version, cs in session.exec(query).all():
        records.append(VersionRecord(
            seq=version.seq, detected_at=version.detected_at, prev_checked_at=version.prev_checked_at,
            title=version.title, effective_date=version.effective_date,
            last_updated_date=version.last_updated_date, notice_days=version.notice_days,
            provision_count=version.provision_count, content_hash=version.content_hash,
            change_set_id=cs.id if cs else None,
            substantive_count=cs.substantive_count if cs else None,
            cosmetic_count=cs.cosmetic_count if cs else None,
            takes_effect_on=cs.takes_effect_on if cs else None,
            verdicts=tuple(cs.verdicts or ()) if cs else ()))
    return records


def version_at(session: Session, source_id: int, at: datetime | None = None) -> Version | None:
    """The version a check would have seen at `at` (the latest version when at is None)."""
    query = select(Version).where(col(Version.source_id) == source_id)
    if at is not None:
        query = query.where(col(Version.detected_at) <= at)
    return session.exec(query.order_by(col(Version.seq).desc()).limit(1)).first()


def first_version(session: Session, source_id: int) -> Version | None:
    """The oldest stored version of a source."""
    return session.exec(select(Version).where(col(Version.source_id) == source_id)
                        .order_by(col(Version.seq)).limit(1)).first()


def provisions(session: Session, version_id: int) -> list[ProvisionRow]:
    """The provisions of a version in document order."""
    return list(session.exec(select(ProvisionRow).where(col(ProvisionRow.version_id) == version_id)
                             .order_by(col(ProvisionRow.position))).all())


def sources(session: Session) -> list[Source]:
    """Every source row, by slug."""
    return list(session.exec(select(Source).order_by(col(Source.slug))).all())


def source_by_slug(session: Session, slug: str) -> Source | None:
    """The source row with this slug, or None."""
    return session.exec(select(Source).where(col(Source.slug) == slug)).first()
