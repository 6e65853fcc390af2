"""`monitor import`: backfill history from saved pages or Open Terms Archive, or turn OTA declarations into sources."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from monitor import importer
from monitor.cli.app import AppContext, handle_errors, main, pass_app
from monitor.cli.progress import progress_bar
from monitor.cli.query_cmds import DATE
from monitor.errors import ConfigError


def _source_mappings(values: tuple[str, ...]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for value in values:
        slug, sep, path = value.partition("=")
        if not sep or not slug.strip() or not path.strip():
            raise click.BadParameter(f"'{value}' is not SLUG=PATH, e.g. acme/terms='Acme/Terms of Service.html'",
                                     param_hint="--source")
        mapping[slug.strip()] = path.strip()
    return mapping


def _print_report(report: importer.ImportReport, verbose: bool) -> None:
    for item in report.lines:
        quiet = item.result == "unchanged" or item.detail == "already imported"
        if verbose or not quiet:
            click.echo(item.line())
    counts = report.counts()
    summary = ", ".join(f"{counts.get(k, 0)} {k}" for k in ("new", "changed", "unchanged", "failed", "skipped"))
    click.echo(f"{len(report.lines)} snapshot(s) imported: {summary}", err=True)
    if report.unmapped:
        shown = ", ".join(report.unmapped[:5]) + (" ..." if len(report.unmapped) > 5 else "")
        click.echo(f"{len(report.unmapped)} file(s) map to no configured source (use --source SLUG=PATH): {shown}",
                   err=True)


@main.command(name="import")
@click.argument("slug", required=False)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--fetched-at", type=DATE, help="Fetch time of a single file (default: from its name, else its mtime).")
@click.option("--ota-snapshots", "ota_repo", type=click.Path(path_type=Path, file_okay=False),
              help="An Open Terms Archive snapshots or versions git clone: import every mapped file's history.")
@click.option("--source", "mappings", multiple=True, metavar="SLUG=PATH",
              help="With --ota-snapshots: import the file at PATH (in the repo) as SLUG. Repeatable.")
@click.option("--ota-declaration", "declaration", type=click.Path(path_type=Path, dir_okay=False),
              help="An OTA declaration (Service.json): print the [[source]] tables it describes.")
@click.option("--write", "write_config", type=click.Path(path_type=Path, dir_okay=False),
              help="With --ota-declaration: append the new [[source]] tables to this config file.")
@click.option("--verbose", "-v", is_flag=True, help="Print unchanged snapshots too.")
@pass_app
@handle_errors
def import_(app: AppContext, slug: str | None, paths: tuple[Path, ...], fetched_at: datetime | None,
            ota_repo: Path | None, mappings: tuple[str, ...], declaration: Path | None,
            write_config: Path | None, verbose: bool) -> None:
    """Backfill history, running each saved page through the check pipeline as if fetched then.

    \b
    monitor import SLUG FILE...            saved HTML/Markdown pages of one configured source;
                                           times from names like 2025-08-29T003201Z_d8d25b3cb0.html
                                           or 2020-11-16_91056f40.md, else the file's mtime
    monitor import --ota-snapshots DIR     an Open Terms Archive snapshots/versions git clone;
                                           "Service/Terms Type.html" maps to the source with that
                                           platform and document_type (commit time = fetch time)
    monitor import --ota-declaration F.json [--write config.toml]

    Pages are imported oldest first; running the same import twice changes nothing.
    """
    modes = sum(x for x in (slug is not None, ota_repo is not None, declaration is not None))
    if modes != 1:
        raise click.UsageError("give SLUG PATH..., or --ota-snapshots DIR, or --ota-declaration FILE (one of them)")
    if declaration is not None:
        _declaration(declaration, write_config, app)
        return
    if write_config is not None:
        raise click.UsageError("--write goes with --ota-declaration")
    if ota_repo is not None:
        if paths or fetched_at:
            raise click.UsageError("--ota-snapshots takes no file arguments nor --fetched-at")
        with progress_bar("importing") as progress:
            report = importer.import_ota_repository(app.engine, app.config, ota_repo,
                                                    explicit=_source_mappings(mappings), progress=progress)
        _print_report(report, verbose)
        return
    assert slug is not None
    if mappings:
        raise click.UsageError("--source goes with --ota-snapshots")
    if not paths:
        raise click.UsageError(f"name the saved files to import, e.g. monitor import {slug} saved/*.html")
    importer.configured_source(app.config, slug)  # before opening the database: a typo costs nothing
    with progress_bar(f"importing {slug}") as progress:
        report = importer.import_files(app.engine, app.config, slug, list(paths), fetched_at=fetched_at,
                                       progress=progress)
    _print_report(report, verbose)


def _declaration(path: Path, write_config: Path | None, app: AppContext) -> None:
    declared = importer.declaration_sources(importer.load_declaration(path))
    existing: set[str] = set()
    if write_config is not None and write_config.exists():
        from monitor.config import load_config

        existing = set(load_config(write_config).sources_by_slug)
    blocks = []
    for item in declared:
        if item.table is None:
            click.echo(f"skipped {item.slug}: {'; '.join(item.notes)}", err=True)
        elif item.slug in existing:
            click.echo(f"skipped {item.slug}: already in {write_config}", err=True)
        else:
            blocks.append(importer.source_toml(item.table, item.notes))
    if write_config is None:
        click.echo("\n".join(blocks), nl=False)
        return
    if not blocks:
        click.echo(f"{write_config}: nothing to add", err=True)
        return
    try:
        importer.append_sources(write_config, blocks)
    except ConfigError as exc:
        raise ConfigError(f"not written, the config would be invalid: {exc}") from None
    click.echo(f"{write_config}: added {len(blocks)} source(s)", err=True)
