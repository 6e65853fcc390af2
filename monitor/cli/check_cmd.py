"""`monitor check` and `monitor validate`: one pass over the sources, config checking."""

from __future__ import annotations

import sys

import click

from monitor.check import check_many
from monitor.cli.app import AppContext, handle_errors, main, pass_app
from monitor.cli.progress import progress_bar
from monitor.errors import ConfigError


@main.command()
@click.argument("slugs", nargs=-1)
@click.option("--strict", is_flag=True, help="Exit with status 1 when any source failed.")
@pass_app
@handle_errors
def check(app: AppContext, slugs: tuple[str, ...], strict: bool) -> None:
    """Fetch each source once (all, or the SLUGs named) and print one line per source.

    A failed fetch is recorded with its reason and never becomes a version.
    """
    unknown = [s for s in slugs if s not in app.config.sources_by_slug]
    if unknown:
        known = ", ".join(sorted(app.config.sources_by_slug))
        raise ConfigError(f"unknown source {', '.join(unknown)}; configured: {known}")
    with progress_bar("checking") as progress:
        results = check_many(app.engine, app.config, list(slugs) or None, progress=progress)
    for result in results:
        click.echo(result.line())
    failed = sum(r.result in ("failed", "suspicious") for r in results)
    click.echo(f"{len(results)} checked, {failed} failed", err=True)
    if strict and failed:
        sys.exit(1)


@main.command()
@pass_app
@handle_errors
def validate(app: AppContext) -> None:
    """Load and validate the config file, then print what it declares."""
    config = app.config
    click.echo(f"{config.path}: OK, {len(config.source)} source(s), {len(config.channel)} channel(s)")
