"""`monitor diff`, `history`, `show`, `timeline`, `sources`: the questions people ask of a monitor."""

from __future__ import annotations

import difflib
from datetime import datetime, timedelta
from typing import Any

import click
from sqlmodel import Session

from monitor import output
from monitor.cli.app import AppContext, handle_errors, main, pass_app
from monitor.errors import ConfigError
from monitor.when import day_of, parse_when
from storage import queries
from storage.models import utcnow

FORMATS = click.Choice(["text", "markdown", "json"])


class When(click.ParamType):
    """A command-line DATE: ISO date or date-time, or a span back from now ("7d", "2w", "12h")."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_when(str(value), utcnow())
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DATE = When()
format_option = click.option("--format", "fmt", type=FORMATS, default="text", show_default=True,
                             help="Output format; JSON is stable (docs/cli-json.md).")


def _source(session: Session, app: AppContext, slug: str) -> queries.SourceRef:
    row = queries.source_by_slug(session, slug)
    if row is None:
        known = sorted(set(app.config.sources_by_slug) | {s.slug for s in queries.sources(session)})
        guess = difflib.get_close_matches(slug, known, n=1)
        hint = f"did you mean {guess[0]}?" if guess else f"known: {', '.join(known) or 'none'}"
        if slug in app.config.sources_by_slug:
            raise ConfigError(f"source {slug} has no history yet; run `monitor check {slug}` or `monitor import`")
        raise ConfigError(f"unknown source {slug}; {hint}")
    return queries.SourceRef(row.slug, row.platform, row.document_type, row.url)


@main.command()
@click.option("--since", type=DATE, required=True, help="Start of the window: 2025-08-01, 2025-08-01T12:00Z, 7d, 2w.")
@click.option("--until", type=DATE, help="End of the window (exclusive; default: now).")
@click.option("--source", "slugs", multiple=True, metavar="SLUG", help="Only this source (repeatable).")
@click.option("--platform", help="Only sources of this platform (case-insensitive).")
@click.option("--type", "document_type", help='Only this document type, e.g. "Terms of Service".')
@click.option("--substantive-only", is_flag=True, help="Leave out cosmetic changes and all-cosmetic change sets.")
@format_option
@pass_app
@handle_errors
def diff(app: AppContext, since: datetime, until: datetime | None, slugs: tuple[str, ...], platform: str | None,
         document_type: str | None, substantive_only: bool, fmt: str) -> None:
    """Every change set detected in a window, provision by provision, with notice verdicts."""
    if until is not None and until <= since:
        raise click.BadParameter("--until must be after --since", param_hint="--until")
    with Session(app.engine) as session:
        for slug in slugs:
            _source(session, app, slug)
        records = queries.change_sets(session, since=since, until=until, slugs=list(slugs) or None,
                                      platform=platform, document_type=document_type,
                                      substantive_only=substantive_only)
    if fmt == "json":
        filters = {"sources": list(slugs), "platform": platform, "document_type": document_type}
        click.echo(output.dump_json(output.diff_json(records, since=since, until=until, filters=filters,
                                                     substantive_only=substantive_only)))
    elif fmt == "markdown":
        click.echo(output.render_diff_markdown(records, substantive_only), nl=False)
    else:
        click.echo(output.render_diff_text(records, substantive_only), nl=False)


@main.command()
@click.argument("slug")
@format_option
@pass_app
@handle_errors
def history(app: AppContext, slug: str, fmt: str) -> None:
    """The versions of one source: detected at, effective date, counts of changes, verdicts."""
    with Session(app.engine) as session:
        ref = _source(session, app, slug)
        row = queries.source_by_slug(session, slug)
        assert row is not None and row.id is not None
        versions = queries.versions(session, row.id)
    if fmt == "json":
        click.echo(output.dump_json(output.history_json(ref, versions)))
    else:
        click.echo(output.render_history(ref, versions, fmt), nl=False)


@main.command()
@click.argument("slug")
@click.option("--at", type=DATE, help="Show the version a check would have seen then (default: the latest).")
@click.option("--provision", "provision_id", metavar="ID", help="Show only this provision, e.g. 'terms/3'.")
@format_option
@pass_app
@handle_errors
def show(app: AppContext, slug: str, at: datetime | None, provision_id: str | None, fmt: str) -> None:
    """The document, or one provision, as it was at a date (canonical Markdown by default)."""
    with Session(app.engine) as session:
        ref = _source(session, app, slug)
        row = queries.source_by_slug(session, slug)
        assert row is not None and row.id is not None
        version = queries.version_at(session, row.id, at)
        if version is None:
            first = queries.first_version(session, row.id)
            when = f"; the first was detected {output.iso(first.detected_at)}" if first else ""
            raise ConfigError(f"{slug} had no version at {output.iso(at)}{when}")
        assert version.id is not None
        provisions = queries.provisions(session, version.id)
    if provision_id is not None:
        chosen = [p for p in provisions if p.provision_id == provision_id]
        if not chosen:
            guesses = difflib.get_close_matches(provision_id, [p.provision_id for p in provisions], n=3)
            hint = f"; close ids: {', '.join(guesses)}" if guesses else "; list them with --format json"
            raise ConfigError(f"version {version.seq} of {slug} has no provision {provision_id}{hint}")
        provisions = chosen
    if fmt == "json":
        click.echo(output.dump_json(output.show_json(ref, version, provisions, at)))
        return
    header = output.show_header(ref, version)
    if provision_id is None:
        body = output.neutralize(version.canonical, None)
        if fmt == "markdown":
            click.echo(f"<!-- {output.neutralize(header, 500).replace('--', '- -')} -->\n\n{body}")
        else:
            click.echo(f"{output.neutralize(header, 500)}\n\n{body}")
        return
    p = provisions[0]
    where = " > ".join(p.heading_path or []) or "(top)"
    text = f"{p.label} {p.text}".strip()
    if fmt == "markdown":
        click.echo(f"**{output.md(p.provision_id, 500)}** in {output.md(where, 500)}\n\n> {output.md(text, None)}")
    else:
        click.echo(f"{output.neutralize(header, 500)}\n{p.provision_id} in {output.neutralize(where, 500)}\n\n"
                   f"{output.neutralize(text, None)}")


@main.command()
@click.option("--days", type=click.IntRange(min=0), default=30, show_default=True,
              help="How far ahead and back to look.")
@click.option("--today", type=DATE, help="Pretend today is DATE (for reports about the past).")
@format_option
@pass_app
@handle_errors
def timeline(app: AppContext, days: int, today: datetime | None, fmt: str) -> None:
    """Changes that take effect within --days, and recent ones that took effect, in date order."""
    day = day_of(today or utcnow())
    with Session(app.engine) as session:
        records = queries.change_sets(session, effective_from=day - timedelta(days=days),
                                      effective_to=day + timedelta(days=days), order="effective")
    if fmt == "json":
        click.echo(output.dump_json(output.timeline_json(records, day, days)))
    else:
        click.echo(output.render_timeline(records, day, days, fmt), nl=False)


def _status(row: Any, enabled: bool | None, failure_threshold: int) -> str:
    if enabled is None:
        return "not in config"
    if not enabled:
        return "disabled"
    if row is None or row.last_checked_at is None:
        return "never checked"
    if row.consecutive_failures >= failure_threshold:
        return "failing"
    if row.consecutive_failures:
        return "error"
    return "ok"


@main.command()
@format_option
@pass_app
@handle_errors
def sources(app: AppContext, fmt: str) -> None:
    """Every source with status, last check, last change, consecutive failures and next due."""
    config = app.config
    with Session(app.engine) as session:
        rows = {row.slug: row for row in queries.sources(session)}
    entries = []
    for slug in sorted(set(config.sources_by_slug) | set(rows)):
        cfg, row = config.sources_by_slug.get(slug), rows.get(slug)
        entries.append({
            "slug": slug,
            "platform": cfg.platform if cfg else row.platform,  # type: ignore[union-attr]
            "document_type": cfg.document_type if cfg else row.document_type,  # type: ignore[union-attr]
            "url": cfg.url if cfg else row.url,  # type: ignore[union-attr]
            "status": _status(row, cfg.enabled if cfg else None, config.fetch.failure_threshold),
            "last_checked_at": output.iso(row.last_checked_at) if row else None,
            "last_change_at": output.iso(row.last_change_at) if row else None,
            "consecutive_failures": row.consecutive_failures if row else 0,
            "last_error": output.neutralize(row.last_error, 500) if row and row.last_error else None,
            "next_due_at": output.iso(row.next_due_at) if row else None,
        })
    if fmt == "json":
        click.echo(output.dump_json({"schema_version": output.JSON_SCHEMA_VERSION, "command": "sources",
                                     "sources": entries}))
    else:
        click.echo(output.render_sources(entries, fmt), nl=False)


