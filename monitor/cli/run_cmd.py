"""`monitor run`: the daemon (or, with --once, one pass over what is due)."""

from __future__ import annotations

import logging
import os
import signal
import sys
from typing import Any

import click

from monitor.cli.app import AppContext, handle_errors, main, pass_app


@main.command()
@click.option("--once", is_flag=True,
              help="Check every due source, process notifications once, then exit (no scheduler).")
@click.option("--worker-id", envvar="MONITOR_WORKER_ID", metavar="ID",
              help="This replica's name in leases and fetch records (default: host:pid:random).")
@click.option("--workers", type=click.IntRange(1, 64), default=4, show_default=True, envvar="MONITOR_WORKERS",
              help="Checks run at the same time.")
@click.option("--dispatch-every", "dispatch_seconds", type=click.FloatRange(0.1), default=5.0, show_default=True,
              metavar="SECONDS", help="How often the database is asked which sources are due.")
@click.option("--notify-every", "notify_seconds", type=click.FloatRange(0.1), default=30.0, show_default=True,
              metavar="SECONDS", help="How often deliveries are sent and digests queued.")
@click.option("--grace", "grace_seconds", type=click.FloatRange(0), default=20.0, show_default=True,
              metavar="SECONDS", help="On SIGTERM/SIGINT, how long in-flight checks may finish before they are abandoned.")
@click.option("--health-port", type=click.IntRange(0, 65535), default=None, metavar="PORT",
              help="Port of /healthz (default: [monitor] health_port; 0 picks a free port).")
@click.option("--no-health", is_flag=True, help="Do not serve /healthz.")
@click.option("--log-format", type=click.Choice(["text", "json"]), default=None,
              help="Log line format (default: [monitor] log_format).")
@pass_app
@handle_errors
def run(app: AppContext, once: bool, worker_id: str | None, workers: int, dispatch_seconds: float,
        notify_seconds: float, grace_seconds: float, health_port: int | None, no_health: bool,
        log_format: str | None) -> None:
    """Run the monitor: check each source on its interval, send alerts and digests.

    What is due comes from the database, so a restart neither skips nor repeats checks. Several
    replicas may share one PostgreSQL database (each check is claimed with a lease); a SQLite
    database takes one daemon only. SIGTERM or SIGINT stops it cleanly with exit status 0.
    """
    from monitor.daemon import DaemonOptions, default_worker_id
    from monitor.logs import setup_logging
    from storage.db import database_url

    config = app.config
    setup_logging(log_format or config.monitor.log_format)  # type: ignore[arg-type]
    url = app.database_url or database_url(config.monitor.database_url, config.data_dir)
    options = DaemonOptions(worker_id=worker_id or default_worker_id(), workers=workers,
                            dispatch_seconds=dispatch_seconds, notify_seconds=notify_seconds,
                            grace_seconds=grace_seconds, lease_seconds=config.monitor.lease_seconds)
    log = logging.getLogger("monitor.daemon")
    # A stop request during start-up (migrations, source sync) exits 0 too; the run modes
    # install their own handlers once the work starts.
    previous = {sig: signal.signal(sig, _exit_now) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        abandoned = _run(app, url, options, once, no_health, health_port, log)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if abandoned:
        # Abandoned checks still hold threads blocked on the network; their transactions never
        # committed, so leaving now loses nothing and keeps the shutdown bound.
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _exit_now(_signum: int, _frame: Any) -> None:
    raise SystemExit(0)


def _run(app: AppContext, url: str, options: Any, once: bool, no_health: bool, health_port: int | None,
         log: logging.Logger) -> int:
    """Take the single-replica lock when needed, prepare, run; returns abandoned checks."""
    from monitor.daemon import prepare, run_forever, run_once, single_replica_lock
    from storage.db import redact_url

    config = app.config
    with single_replica_lock(url):
        engine = app.engine
        log.info("database %s", redact_url(url))
        prepare(engine, config, url)
        if once:
            return run_once(engine, config, options)[1]
        port = None if no_health else (config.monitor.health_port if health_port is None else health_port)
        return run_forever(engine, config, options, health_host=config.monitor.health_host, health_port=port)
