"""One check of one source, end to end: fetch, store snapshot, normalize, version, diff.

The only place that strings the stages together. All database writes of one check happen
in one transaction after the fetch, so a crash either keeps the whole result or none of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

import httpx
from sqlalchemy.engine import Engine
from sqlalchemy import select as sa_select
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from monitor.bogus import html_title, redirected_home, shrink_share, soft_404_reason
from monitor.challenge import detect_blocked_page
from monitor.config import Config, SourceConfig
from monitor.errors import ExtractionError
from monitor.fetch import decode_body, fetch, make_client
from monitor.model import Document, FetchResult
from monitor.normalize import Rules, normalize
from monitor.politeness import Politeness
from monitor.politeness import shared as shared_politeness
from monitor.source_health import apply_health
from storage import repo
from storage.models import FetchAttempt, Snapshot, Source, Version, utcnow


@dataclass(frozen=True)
class CheckResult:
    """What one check did, as `monitor check` prints it."""

    slug: str
    result: str  # new | changed | unchanged | failed | suspicious
    detail: str = ""
    version_seq: int | None = None
    change_set_id: int | None = None

    def line(self) -> str:
        """One line for the terminal."""
        text = f"{self.slug}: {self.result}"
        return f"{text} ({self.detail})" if self.detail else text


def source_settings(source: SourceConfig) -> dict[str, object]:
    """The config entry's settings kept on the source row."""
    return source.model_dump(exclude={"slug", "platform", "document_type", "url"})


def sync_sources(engine: Engine, config: Config) -> dict[str, int]:
    """Mirror the config's sources into the database; returns slug -> source id."""
    ids: dict[str, int] = {}
    with Session(engine) as session:
        for src in config.source:
            row = repo.upsert_source(session, slug=src.slug, platform=src.platform,
                                     document_type=src.document_type, url=src.url,
                                     settings=source_settings(src), active=src.enabled)
            assert row.id is not None
            ids[src.slug] = row.id
        session.commit()
    return ids


def check_source(engine: Engine, config: Config, source_cfg: SourceConfig, *,
                 client: httpx.Client | None = None, now: datetime | None = None,
                 worker: str | None = None, politeness: Politeness | None = None) -> CheckResult:
    """Fetch and process one source once; never raises for a page's fault."""
    started_at = now or utcnow()
    with engine.connect() as connection:  # a core query: this runs on every check, keep it cheap
        row = connection.execute(sa_select(Source.etag, Source.last_modified)  # type: ignore[call-overload]
                                 .where(Source.slug == source_cfg.slug)).first()
    if row is None:
        raise LookupError(f"source {source_cfg.slug} is not in the database; run sync_sources first")
    etag, last_modified = row
    own_client = client is None
    client = client or make_client(config.fetch)
    gate = politeness or shared_politeness(config.fetch)
    ignore_robots = source_cfg.ignore_robots is not None
    try:
        if source_cfg.fetcher == "browser":
            from monitor.browser import fetch_rendered

            fetched = fetch_rendered(client, source_cfg.url, config.fetch, politeness=gate,
                                     ignore_robots=ignore_robots)
        else:
            fetched = fetch(client, source_cfg.url, config.fetch, etag=etag, last_modified=last_modified,
                            politeness=gate, ignore_robots=ignore_robots)
    finally:
        if own_client:
            client.close()
    return record_fetch(engine, config, source_cfg, fetched, started_at=started_at, worker=worker)


def record_fetch(engine: Engine, config: Config, source_cfg: SourceConfig, fetched: FetchResult, *,
                 started_at: datetime, worker: str | None = None) -> CheckResult:
    """Store what a fetch brought and derive the version and change set, in one transaction."""
    with Session(engine) as session:
        source = repo.get_source(session, source_cfg.slug)
        assert source is not None and source.id is not None
        attempt = FetchAttempt(source_id=source.id, started_at=started_at, finished_at=utcnow(),
                               outcome=fetched.status, http_status=fetched.http_status,
                               error=fetched.error, url=fetched.final_url or fetched.url,
                               elapsed_ms=fetched.elapsed_ms, worker=worker)
        result = _process(session, config, source_cfg, source, fetched, attempt, started_at)
        attempt.result = result.result
        if result.result in ("failed", "suspicious"):
            attempt.error = attempt.error or result.detail
        session.add(attempt)
        previous_success_at = source.last_success_at
        _update_source_state(source, result, fetched, started_at, config.interval_seconds(source_cfg))
        apply_health(session, config, source_cfg, source, attempt,
                     succeeded=result.result not in ("failed", "suspicious"), error=result.detail or None,
                     previous_success_at=previous_success_at, now=started_at)
        session.add(source)
        session.commit()
        return result


def _process(session: Session, config: Config, source_cfg: SourceConfig, source: Source,
             fetched: FetchResult, attempt: FetchAttempt, checked_at: datetime) -> CheckResult:
    slug = source_cfg.slug
    if fetched.status == "failed":
        return CheckResult(slug, "failed", fetched.error or "fetch failed")
    if fetched.status == "suspicious":
        return CheckResult(slug, "suspicious", fetched.error or "suspicious response")
    if fetched.status == "not_modified":
        attempt.outcome = "not_modified"
        return CheckResult(slug, "unchanged", "not modified")
    assert source.id is not None
    latest, latest_body_hash = _latest_version(session, source.id)
    if latest is not None and latest_body_hash == repo.sha256(fetched.body):
        attempt.outcome, attempt.snapshot_id = "unchanged", latest.snapshot_id
        source.pending_shrink_hash = None
        return CheckResult(slug, "unchanged", "same bytes")
    home = redirected_home(source_cfg.url, fetched.final_url)
    if home:
        attempt.outcome = "failed"
        return CheckResult(slug, "failed", home)
    text = decode_body(fetched.body, fetched.encoding)
    if "html" in fetched.content_type:
        blocked = detect_blocked_page(text)
        if blocked:
            attempt.outcome = "failed"
            return CheckResult(slug, "failed", f"not the document: {blocked}")
    try:
        document = normalize(text, fetched.content_type, Rules(tuple(source_cfg.select), tuple(source_cfg.remove)))
    except ExtractionError as exc:
        attempt.outcome = "failed"
        return CheckResult(slug, "failed", f"extraction failed: {exc}")
    soft = soft_404_reason(document, html_title(text) if "html" in fetched.content_type else "")
    if soft:
        attempt.outcome = "failed"
        return CheckResult(slug, "failed", soft)
    canonical = document.canonical_markdown()
    content_hash = repo.sha256(canonical)
    if latest is not None and latest.content_hash == content_hash:
        snapshot, _ = repo.store_snapshot(session, source.id, fetched.body, fetched.content_type, checked_at)
        attempt.outcome, attempt.snapshot_id = "unchanged", snapshot.id
        source.pending_shrink_hash = None
        return CheckResult(slug, "unchanged", "same text")
    confirmed = ""
    shrink = shrink_share(latest.provision_count if latest else 0, len(document.provisions))
    if shrink > config.fetch.shrink_threshold:
        assert latest is not None
        message = (f"provisions shrank from {latest.provision_count} to {len(document.provisions)} "
                   f"(-{shrink:.0%})")
        if source.pending_shrink_hash != content_hash:
            source.pending_shrink_hash = content_hash
            attempt.outcome = "suspicious"
            return CheckResult(slug, "suspicious", f"{message}; not a version until the next check confirms it")
        confirmed = f"{message}, confirmed by a second fetch; "
    source.pending_shrink_hash = None
    snapshot, _ = repo.store_snapshot(session, source.id, fetched.body, fetched.content_type, checked_at)
    attempt.snapshot_id = snapshot.id
    version = repo.store_version(session, source.id, document, canonical, snapshot_id=snapshot.id,
                                 detected_at=checked_at, prev_checked_at=_aware(source.last_success_at),
                                 seq=(latest.seq + 1) if latest else 1)
    attempt.version_id = version.id
    if latest is None:
        return CheckResult(slug, "new", f"version 1, {len(document.provisions)} provisions", version.seq)
    change_set_id, summary = _store_changes(session, config, source_cfg, source, latest, version, document,
                                            checked_at)
    return CheckResult(slug, "changed", f"{confirmed}version {version.seq}: {summary}", version.seq, change_set_id)


def _latest_version(session: Session, source_id: int) -> tuple[Version | None, str | None]:
    """The newest version (without its canonical text, 500 KB a page) and its snapshot's hash.

    One query: it runs on every check that gets a body, and same-bytes is the common case.
    """
    row = session.exec(
        select(Version, Snapshot.content_hash)  # type: ignore[call-overload]
        .options(defer(Version.canonical))  # type: ignore[arg-type]
        .outerjoin(Snapshot, col(Version.snapshot_id) == col(Snapshot.id))
        .where(Version.source_id == source_id).order_by(col(Version.seq).desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row is not None else (None, None)


def _store_changes(session: Session, config: Config, source_cfg: SourceConfig, source: Source,
                   old_version, new_version, new_document: Document,  # type: ignore[no-untyped-def]
                   detected_at: datetime) -> tuple[int, str]:
    from monitor.verdicts import build_change_set
    from notifiers.outbox import enqueue_change_set

    old_document = repo.load_document(session, old_version)
    change_set = build_change_set(
        old_document, new_document, detected_at=detected_at, prev_checked_at=_aware(source.last_success_at),
        config_notice_days=source_cfg.notice_days, default_notice_days=config.monitor.default_notice_days,
        now=detected_at,
    )
    row = repo.store_change_set(session, source.id, old_version.id, new_version.id, change_set)
    enqueue_change_set(session, config, source, row)  # same transaction: no change set without its alerts
    substantive, cosmetic = len(change_set.substantive), len(change_set.cosmetic)
    verdicts = ", ".join(v.name for v in change_set.verdicts)
    summary = f"{substantive} substantive, {cosmetic} cosmetic change(s)"
    return row.id, f"{summary}; {verdicts}" if verdicts else summary


def _aware(moment: datetime | None) -> datetime | None:
    """A stored time as aware UTC: SQLite hands DateTime(timezone=True) values back naive."""
    from monitor.when import as_utc

    return as_utc(moment) if moment is not None else None


RETRY_BASE_SECONDS = 300.0


def retry_delay_seconds(interval_seconds: float, consecutive_failures: int) -> float:
    """When to try a failing source again: 5 min doubling per failure, never later than its interval.

    A daily source whose fetch failed (network blip, 503, a shrink to confirm) should not wait a
    day; the doubling keeps a source that stays down from being hammered.
    """
    exponent = min(max(consecutive_failures, 1) - 1, 20)
    return min(interval_seconds, RETRY_BASE_SECONDS * 2 ** exponent)


def _update_source_state(source: Source, result: CheckResult, fetched: FetchResult,
                         checked_at: datetime, interval_seconds: float) -> None:
    source.last_checked_at = checked_at
    source.next_due_at = checked_at + timedelta(seconds=interval_seconds)
    if result.result in ("failed", "suspicious"):
        source.consecutive_failures += 1
        source.last_error = result.detail
        source.next_due_at = checked_at + timedelta(
            seconds=retry_delay_seconds(interval_seconds, source.consecutive_failures))
        return
    source.consecutive_failures = 0
    source.last_error = None
    source.last_success_at = checked_at
    if fetched.status in ("ok", "not_modified"):  # replay the server's own validators next time
        source.etag, source.last_modified = fetched.etag, fetched.last_modified
    if result.result in ("new", "changed"):
        source.last_change_at = checked_at


def check_many(engine: Engine, config: Config, slugs: list[str] | None = None,
               worker: str | None = None,
               progress: Callable[[int, int, str], None] | None = None) -> list[CheckResult]:
    """Check the named sources (all enabled ones by default), one after the other.

    progress, when given, is called after each source with (done, total, slug).
    """
    wanted = [config.sources_by_slug[s] for s in slugs] if slugs else [s for s in config.source if s.enabled]
    sync_sources(engine, config)
    client = make_client(config.fetch)
    gate = shared_politeness(config.fetch)
    results = []
    try:
        for index, src in enumerate(wanted, start=1):
            results.append(check_source(engine, config, src, client=client, worker=worker, politeness=gate))
            if progress:
                progress(index, len(wanted), src.slug)
        return results
    finally:
        client.close()
