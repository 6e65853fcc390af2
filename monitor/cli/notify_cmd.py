"""`monitor notify test`, `monitor digest` and `monitor outbox`: channels, digests, deliveries."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta

import click
from sqlmodel import Session, col, select

from monitor.cli.app import AppContext, handle_errors, main, pass_app
from monitor.config import ChannelConfig, Config
from monitor.errors import ConfigError
from storage.models import Delivery, utcnow


def _channel(config: Config, name: str) -> ChannelConfig:
    channels = {c.name: c for c in config.channel}
    if name not in channels:
        known = ", ".join(sorted(channels)) or "none"
        raise ConfigError(f"unknown channel '{name}'; configured channels: {known}")
    return channels[name]


def _sample(now: datetime):  # type: ignore[no-untyped-def]
    from notifiers.summary import ChangeItem, ChangeSummary

    return ChangeSummary(
        slug="example/terms-of-service", platform="Example", document_type="Terms of Service",
        url="https://example.com/terms", full_diff_url="https://example.com/terms", detected_at=now,
        effective_date=None, takes_effect_on=(now + timedelta(days=10)).date(),
        verdicts=(("Short notice (possible)", "posted with 5 days' notice; the policy promises 10"),),
        changes=(ChangeItem("modified", ("Using the service",),
                            ((0, "You may use the service for "), (-1, "any"), (1, "lawful, non-commercial"),
                             (0, " purposes."))),),
        substantive_count=1, cosmetic_count=2)


@main.group()
def notify() -> None:
    """Notification channels: try them out."""


@notify.command("test")
@click.argument("channel")
@pass_app
@handle_errors
def notify_test(app: AppContext, channel: str) -> None:
    """Send a sample change alert to every URL of CHANNEL and say which worked (URLs shown redacted)."""
    from notifiers.render import render_change_set
    from notifiers.send import send_to_channel

    summary = _sample(utcnow())
    results = send_to_channel(_channel(app.config, channel), lambda fmt: render_change_set(summary, fmt))
    for result in results:
        click.echo(f"{result.target}: sent" if result.ok else f"{result.target}: FAILED: {result.error}")
    if not all(r.ok for r in results):
        sys.exit(1)


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    from monitor.when import parse_when

    try:
        return parse_when(value, utcnow())
    except ValueError as exc:
        raise ConfigError(f"--since: {exc}") from None


@main.command()
@click.option("--since", "since_text", metavar="DATE", help="Start of the digest: ISO date or time (UTC when no zone), or 12h/7d/2w ago. "
              "Default: the end of the channel's last digest, else 24 hours ago.")
@click.option("--channel", "channel_name", metavar="NAME", help="Only this channel (default: every channel).")
@click.option("--send", is_flag=True, help="Send the digest now through the outbox instead of printing it.")
@pass_app
@handle_errors
def digest(app: AppContext, since_text: str | None, channel_name: str | None, send: bool) -> None:
    """Show (or --send) a digest of the change sets detected since DATE, per digest channel.

    A digest sent here is extra: the scheduled daily digests still cover their own periods.
    """
    from notifiers.digest import aware, build_digest, last_digest_until
    from notifiers.render import render_digest
    from notifiers.service import deliver_one, queue_digest

    config, engine = app.config, app.engine
    channels = [_channel(config, channel_name)] if channel_name else [c for c in config.channel if "digest" in c.mode]
    if not channels:
        raise ConfigError("no [[channel]] has mode \"digest\"; name one with --channel")
    now = utcnow()
    since_opt = _parse_since(since_text)
    failed = 0
    for channel in channels:
        with Session(engine) as session:
            previous = last_digest_until(session, channel.name)
            since = since_opt or (aware(previous) if previous else now - timedelta(days=1))
            if not send:
                summary = build_digest(session, config, channel, since, now, now.date().isoformat())
                click.echo(f"== channel {channel.name}")
                click.echo(render_digest(summary, "text").body)
                continue
            row = queue_digest(session, config, channel, since, now, now.date().isoformat(),
                               f"digest:manual:{now.isoformat()}", manual=True, now=now)
            session.commit()
            delivery_id = row.id if row else None
        if delivery_id is None:
            continue
        status = deliver_one(engine, config, delivery_id, now)
        click.echo(f"channel {channel.name}: digest {status}")
        failed += status != "sent"
    if failed:
        sys.exit(1)


@main.command()
@click.option("--all", "show_all", is_flag=True, help="Also list sent deliveries.")
@click.option("--retry-dead", is_flag=True, help="Put dead deliveries back in the queue (after fixing a channel).")
@pass_app
@handle_errors
def outbox(app: AppContext, show_all: bool, retry_dead: bool) -> None:
    """List pending, sending and dead deliveries (the outbox), with attempts and last error."""
    from notifiers.outbox import retry_dead as retry

    if retry_dead:
        click.echo(f"{retry(app.engine)} dead deliveries queued again")
    with Session(app.engine) as session:
        query = select(Delivery).order_by(col(Delivery.id))
        if not show_all:
            query = query.where(col(Delivery.status) != "sent")
        rows = session.exec(query).all()
    for row in rows:
        when = row.next_attempt_at.isoformat(timespec="seconds") if row.next_attempt_at else "-"
        error = f"  {row.last_error}" if row.last_error else ""
        click.echo(f"{row.id}\t{row.status}\t{row.channel}\t{row.item_key}\tattempts={row.attempts}\tnext={when}{error}")
    click.echo(f"{len(rows)} deliveries", err=True)
