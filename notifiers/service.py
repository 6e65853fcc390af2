"""What the daemon calls: send every due delivery, and queue the digests whose time has come."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from monitor.config import ChannelConfig, Config
from notifiers import outbox
from notifiers.digest import aware, build_digest, last_digest_until, period_end, summaries, summarize_stored
from notifiers.render import Format, Message, render_change_set, render_digest, render_health
from notifiers.send import send_to_channel
from notifiers.summary import DigestSummary, summarize_health
from storage.models import ChangeSetRow, Delivery, utcnow

log = logging.getLogger(__name__)
DIGEST_CHANGES = 3  # substantive changes shown per change set in a digest; the rest are linked


class Unrenderable(Exception):
    """A delivery whose content cannot be built (missing change set, unknown kind): retrying won't help."""


def _now(now: datetime | None) -> datetime:
    return (now or utcnow()).astimezone(timezone.utc)


def renderer(session: Session, config: Config, delivery: Delivery):  # type: ignore[no-untyped-def]
    """A function format -> Message for one delivery's content."""
    payload = delivery.payload or {}
    if delivery.kind == "change_set":
        row = session.get(ChangeSetRow, payload.get("change_set_id"))
        if row is None:
            raise Unrenderable(f"change set {payload.get('change_set_id')} no longer exists")
        summary = summarize_stored(session, config, row)
        return lambda fmt: render_change_set(summary, fmt)
    if delivery.kind == "health":
        health = summarize_health(payload)
        return lambda fmt: render_health(health, fmt)
    if delivery.kind == "digest":
        digest = DigestSummary(channel=delivery.channel, period=str(payload.get("period", "")),
                               since=datetime.fromisoformat(payload["since"]),
                               until=datetime.fromisoformat(payload["until"]),
                               items=tuple(summaries(session, config, list(payload.get("change_set_ids", [])),
                                                     max_changes=DIGEST_CHANGES)))
        return lambda fmt: render_digest(digest, fmt)
    raise Unrenderable(f"unknown delivery kind '{delivery.kind}'")


def deliver_one(engine: Engine, config: Config, delivery_id: int, now: datetime) -> str:
    """Claim, render, send and settle one delivery; returns its new status ("" when not claimed)."""
    if not outbox.claim(engine, delivery_id, now):
        return ""
    channels = {c.name: c for c in config.channel}
    with Session(engine) as session:
        delivery = session.get(Delivery, delivery_id)
        assert delivery is not None
        channel = channels.get(delivery.channel)
        if channel is None:
            return outbox.mark_failed(engine, delivery_id, now, f"channel '{delivery.channel}' is not configured",
                                      permanent=True)
        try:
            render = renderer(session, config, delivery)
            messages: dict[Format, Message] = {}
            cached = lambda fmt: messages.setdefault(fmt, render(fmt))  # noqa: E731 - render each format once
            done = set(int(i) for i in (delivery.payload or {}).get("sent_urls", []))
        except (Unrenderable, KeyError, ValueError) as exc:
            return outbox.mark_failed(engine, delivery_id, now, f"cannot render: {exc}", permanent=True)
    results = send_to_channel(channel, cached, skip=done)
    failed = [r for r in results if not r.ok]
    if not failed:
        outbox.mark_sent(engine, delivery_id, _now(None))
        return "sent"
    done |= {r.index for r in results if r.ok}
    error = "; ".join(f"{r.target}: {r.error}" for r in failed)
    status = outbox.mark_failed(engine, delivery_id, now, error, sent_urls=sorted(done))
    log.warning("delivery %s to channel %s failed (%s): %s", delivery_id, delivery.channel, status, error)
    return status


def deliver_due(engine: Engine, config: Config, now: datetime | None = None) -> int:
    """Send every due pending delivery (after releasing expired leases); returns how many were sent."""
    now = _now(now)
    outbox.release_expired(engine, now)
    sent = 0
    seen: set[int] = set()
    # Batches of 100; a row that failed is rescheduled into the future, so the loop ends.
    while batch := [i for i in outbox.due_ids(engine, now) if i not in seen]:
        seen.update(batch)
        for delivery_id in batch:
            sent += deliver_one(engine, config, delivery_id, now) == "sent"
    return sent


def queue_digest(session: Session, config: Config, channel: ChannelConfig, since: datetime, until: datetime,
                 period: str, item_key: str, manual: bool = False, now: datetime | None = None) -> Delivery | None:
    """Insert a digest delivery for [since, until) unless empty and unwanted; no commit."""
    digest = build_digest(session, config, channel, since, until, period)
    if not digest.items and not channel.send_empty_digest and not manual:
        return None
    payload = {"period": period, "since": since.isoformat(), "until": until.isoformat(),
               "change_set_ids": [s.change_set_id for s in digest.items], "manual": manual}
    if not outbox.add_delivery(session, channel=channel.name, kind="digest", item_key=item_key,
                               payload=payload, now=now):
        return None
    return session.exec(select(Delivery).where(Delivery.channel == channel.name,
                                                      Delivery.item_key == item_key)).one()


def queue_due_digests(engine: Engine, config: Config, now: datetime | None = None) -> int:
    """Queue each digest channel's digest for the latest period closed by now; returns how many were queued."""
    now = _now(now)
    queued = 0
    for channel in config.channel:
        if "digest" not in channel.mode:
            continue
        local_day, until = period_end(channel, now)
        with Session(engine) as session:
            previous = last_digest_until(session, channel.name)
            since = aware(previous) if previous else until - timedelta(days=1)
            if since >= until:
                continue
            try:
                if queue_digest(session, config, channel, since, until, local_day.isoformat(),
                                f"digest:{local_day.isoformat()}", now=now) is not None:
                    session.commit()
                    queued += 1
            except IntegrityError:
                session.rollback()  # another replica queued this period first: UNIQUE(channel, item_key)
    return queued
