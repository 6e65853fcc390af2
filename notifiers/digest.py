"""Digest periods and their contents: which change sets a channel's digest covers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from monitor.changeset_json import change_set_from_dict
from monitor.config import ChannelConfig, Config
from notifiers.outbox import source_view, wants
from notifiers.summary import MAX_CHANGES, ChangeSummary, DigestSummary, summarize_change_set
from storage.models import ChangeSetRow, Delivery, Source

# A check stamps detected_at when it starts and commits up to a minute later: waiting this long
# after the digest time keeps a change set detected just before the cut out of the next digest.
GRACE = timedelta(minutes=2)


def aware(moment: datetime) -> datetime:
    """A datetime read back from the database as UTC-aware (SQLite drops the zone)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def period_end(channel: ChannelConfig, now: datetime) -> tuple[date, datetime]:
    """(local date, UTC cut) of the latest digest period that has closed by `now`, with GRACE."""
    tz = ZoneInfo(channel.timezone)
    hour, minute = (int(p) for p in channel.digest_time.split(":"))
    local = (now - GRACE).astimezone(tz)
    cut = datetime.combine(local.date(), time(hour, minute), tz)
    if local < cut:
        cut = datetime.combine(local.date() - timedelta(days=1), time(hour, minute), tz)
    return cut.date(), cut.astimezone(timezone.utc)


def last_digest_until(session: Session, channel: str) -> datetime | None:
    """Where the channel's previous queued digest ended, so the next one starts there."""
    rows = session.exec(select(Delivery.payload).where(Delivery.channel == channel, Delivery.kind == "digest")).all()
    ends = [datetime.fromisoformat(p["until"]) for p in rows if isinstance(p, dict) and p.get("until")
            and not p.get("manual")]
    return max(ends) if ends else None


def change_set_ids(session: Session, config: Config, channel: ChannelConfig, since: datetime,
                   until: datetime) -> list[int]:
    """Ids of the change sets detected in [since, until) that the channel wants, oldest first."""
    rows = session.exec(
        select(ChangeSetRow, Source).join(Source, col(Source.id) == col(ChangeSetRow.source_id))
        .where(col(ChangeSetRow.detected_at) >= since, col(ChangeSetRow.detected_at) < until)
        .order_by(col(ChangeSetRow.detected_at), col(ChangeSetRow.id))
    ).all()
    return [cs.id for cs, src in rows
            if cs.id is not None and wants(channel, source_view(config, src), cs.substantive_count)]


def summaries(session: Session, config: Config, ids: list[int],
              max_changes: int = MAX_CHANGES) -> list[ChangeSummary]:
    """The summaries of stored change sets (missing ids are skipped)."""
    out = []
    for cs_id in ids:
        row = session.get(ChangeSetRow, cs_id)
        if row is None:
            continue
        out.append(summarize_stored(session, config, row, max_changes))
    return out


def summarize_stored(session: Session, config: Config, row: ChangeSetRow,
                     max_changes: int = MAX_CHANGES) -> ChangeSummary:
    """The summary of one stored change set and its source."""
    source = session.get(Source, row.source_id)
    assert source is not None
    return summarize_change_set(change_set_from_dict(row.payload), slug=source.slug, platform=source.platform,
                                document_type=source.document_type, url=source.url, change_set_id=row.id,
                                dashboard_url=config.monitor.dashboard_url, max_changes=max_changes)


def build_digest(session: Session, config: Config, channel: ChannelConfig, since: datetime,
                 until: datetime, period: str, max_changes: int = 3) -> DigestSummary:
    """The digest of one channel for [since, until)."""
    ids = change_set_ids(session, config, channel, since, until)
    return DigestSummary(channel=channel.name, period=period, since=since, until=until,
                         items=tuple(summaries(session, config, ids, max_changes)))
