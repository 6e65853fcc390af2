"""SQLModel tables: sources, snapshots, fetch attempts, versions, provisions, changes, deliveries.

Every datetime is timezone-aware UTC (SQLModel rejects naive ones on some paths; we store UTC).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, Column, DateTime, LargeBinary, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

JSON_TYPE = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def _ts(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable, index=index))


class Source(SQLModel, table=True):
    """One watched document of one platform, mirrored from the config, plus its check state."""

    __tablename__ = "source"

    id: Optional[int] = Field(default=None, primary_key=True)
    slug: str = Field(index=True, unique=True, max_length=200)
    platform: str = Field(default="", max_length=200)
    document_type: str = Field(default="", max_length=200)
    url: str = Field(max_length=2000)
    settings: dict = Field(default_factory=dict, sa_type=JSON_TYPE)  # select/remove/interval/...
    active: bool = Field(default=True)
    created_at: Optional[datetime] = _ts()
    # check state
    last_checked_at: Optional[datetime] = _ts()
    last_success_at: Optional[datetime] = _ts()
    last_change_at: Optional[datetime] = _ts()
    next_due_at: Optional[datetime] = _ts(index=True)
    consecutive_failures: int = Field(default=0)
    healthy: bool = Field(default=True)
    last_error: Optional[str] = Field(default=None)
    etag: Optional[str] = Field(default=None, max_length=500)
    last_modified: Optional[str] = Field(default=None, max_length=200)
    pending_shrink_hash: Optional[str] = Field(default=None, max_length=64)
    # replicas: a due check is claimed with a lease
    lease_owner: Optional[str] = Field(default=None, max_length=200)
    lease_expires_at: Optional[datetime] = _ts()


class Snapshot(SQLModel, table=True):
    """Raw bytes as fetched, stored once per distinct content (zlib-compressed)."""

    __tablename__ = "snapshot"
    __table_args__ = (UniqueConstraint("source_id", "content_hash"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    content_hash: str = Field(max_length=64)  # sha256 of the raw body
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    size: int = Field(default=0)
    content_type: str = Field(default="", max_length=200)
    first_fetched_at: Optional[datetime] = _ts()


class FetchAttempt(SQLModel, table=True):
    """One fetch of one source and what came of it."""

    __tablename__ = "fetch_attempt"

    id: Optional[int] = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    started_at: Optional[datetime] = _ts(index=True)
    finished_at: Optional[datetime] = _ts()
    # ok | not_modified | unchanged | failed | suspicious
    outcome: str = Field(max_length=20)
    # new | changed | unchanged | failed | suspicious (what `monitor check` prints)
    result: str = Field(default="", max_length=20)
    http_status: Optional[int] = Field(default=None)
    error: Optional[str] = Field(default=None)
    url: str = Field(default="", max_length=2000)
    snapshot_id: Optional[int] = Field(default=None, foreign_key="snapshot.id")
    version_id: Optional[int] = Field(default=None, foreign_key="version.id")
    elapsed_ms: float = Field(default=0.0)
    worker: Optional[str] = Field(default=None, max_length=200)


class Version(SQLModel, table=True):
    """A normalized document, stored only when its canonical text differs from the latest."""

    __tablename__ = "version"
    __table_args__ = (UniqueConstraint("source_id", "seq"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    seq: int  # 1, 2, 3 ... per source
    snapshot_id: Optional[int] = Field(default=None, foreign_key="snapshot.id")
    detected_at: Optional[datetime] = _ts(index=True)
    prev_checked_at: Optional[datetime] = _ts()
    content_hash: str = Field(max_length=64)  # sha256 of the canonical Markdown
    canonical: str  # canonical Markdown
    title: str = Field(default="")
    effective_date: Optional[date] = Field(default=None)
    last_updated_date: Optional[date] = Field(default=None)
    notice_days: Optional[int] = Field(default=None)
    provision_count: int = Field(default=0)


class ProvisionRow(SQLModel, table=True):
    """One provision of one version."""

    __tablename__ = "provision"

    id: Optional[int] = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="version.id", index=True)
    position: int
    provision_id: str = Field(max_length=500)
    kind: str = Field(max_length=20)
    level: int = Field(default=0)
    label: str = Field(default="", max_length=50)
    heading_path: list = Field(default_factory=list, sa_type=JSON_TYPE)
    text: str


class ChangeSetRow(SQLModel, table=True):
    """The changes between two consecutive versions, with notice verdicts (JSON payload)."""

    __tablename__ = "change_set"

    id: Optional[int] = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    old_version_id: Optional[int] = Field(default=None, foreign_key="version.id")
    new_version_id: int = Field(foreign_key="version.id", unique=True)
    detected_at: Optional[datetime] = _ts(index=True)
    substantive_count: int = Field(default=0)
    cosmetic_count: int = Field(default=0)
    takes_effect_on: Optional[date] = Field(default=None, index=True)
    verdicts: list = Field(default_factory=list, sa_type=JSON_TYPE)  # verdict names
    payload: dict = Field(default_factory=dict, sa_type=JSON_TYPE)  # the ChangeSet JSON


class ChangeRow(SQLModel, table=True):
    """One provision-level change of a change set."""

    __tablename__ = "change"

    id: Optional[int] = Field(default=None, primary_key=True)
    change_set_id: int = Field(foreign_key="change_set.id", index=True)
    position: int = Field(default=0)
    kind: str = Field(max_length=20)
    old_provision_id: Optional[str] = Field(default=None, max_length=500)
    new_provision_id: Optional[str] = Field(default=None, max_length=500)
    heading_path: list = Field(default_factory=list, sa_type=JSON_TYPE)
    old_text: Optional[str] = Field(default=None)
    new_text: Optional[str] = Field(default=None)
    diff: list = Field(default_factory=list, sa_type=JSON_TYPE)  # [[op, text], ...]
    coarse: bool = Field(default=False)
    substantive: bool = Field(default=True)


class Delivery(SQLModel, table=True):
    """Outbox row: one item (change set, digest period, health notice) for one channel."""

    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("channel", "item_key"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    channel: str = Field(max_length=200, index=True)
    item_key: str = Field(max_length=200)  # "change_set:12", "digest:2026-11-23", "health:5:down:3"
    kind: str = Field(max_length=20)  # change_set | digest | health | test
    status: str = Field(default="pending", max_length=20, index=True)  # pending|sending|sent|dead
    attempts: int = Field(default=0)
    next_attempt_at: Optional[datetime] = _ts(index=True)
    last_error: Optional[str] = Field(default=None)
    created_at: Optional[datetime] = _ts()
    sent_at: Optional[datetime] = _ts()
    payload: dict = Field(default_factory=dict, sa_type=JSON_TYPE)
