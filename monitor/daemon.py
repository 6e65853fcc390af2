"""`monitor run`: the scheduler that checks every source on its own cadence and sends notifications.

What is due lives in the database (`source.next_due_at`, written by each check), not in the
scheduler: a frequent *dispatch* job claims due sources with a lease (`monitor.leases`) and
checks them on a small thread pool, so a restart neither skips nor repeats work and several
replicas can share one PostgreSQL database. A second job delivers notifications and queues
digests. APScheduler 3.11 is used as FIELD-NOTES recommends: BlockingScheduler, fixed job ids
with replace_existing, coalesce, one instance per job, jitter, a generous misfire grace time;
SIGTERM/SIGINT only raise SystemExit and `shutdown(wait=True)` runs in a `finally`.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from monitor.check import CheckResult, check_source, sync_sources
from monitor.config import Config
from monitor.errors import MonitorError
from monitor.fetch import make_client
from monitor.healthz import HealthServer, HealthState, health_report
from monitor.leases import Claim, claim_due, jitter_seconds, release, release_all, renew
from monitor.logs import log_check
from storage.models import utcnow

log = logging.getLogger("monitor.daemon")


class ReplicaError(MonitorError):
    """A second daemon was started on a single-replica (SQLite) database."""


@dataclass(frozen=True)
class DaemonOptions:
    """How one daemon process runs; the defaults suit a small self-hosted install."""

    worker_id: str
    workers: int = 4  # concurrent checks: one slow host does not hold up the others
    dispatch_seconds: float = 5.0  # how often the database is asked what is due
    notify_seconds: float = 30.0  # how often deliveries and digests are processed
    grace_seconds: float = 20.0  # on SIGTERM, in-flight checks get this long, then are abandoned
    jitter: float = 0.1  # next due time gets up to this fraction of the interval added
    retry_seconds: float = 300.0  # a check that crashed (not a failed fetch) is retried after this
    lease_seconds: float = 300.0


def default_worker_id() -> str:
    """host:pid:random, unique even when containers reuse hostnames and pid 1."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL, None for other databases or in-memory SQLite."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[1] if "///" in url else ""
    path = path.split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


@contextmanager
def single_replica_lock(url: str) -> Iterator[Path | None]:
    """On SQLite, hold an exclusive flock on `<db>.lock` for the daemon's life; else do nothing.

    A kernel file lock rather than a row or a pid file: it needs no open database transaction
    (which would block SQLite writers), and it vanishes with the process, even on kill -9, so a
    crash never leaves a stale lock behind.
    """
    path = sqlite_path(url)
    if path is None:
        yield None
        return
    lock_path = path.with_name(path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = open(lock_path, "a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise ReplicaError(
                f"another daemon ({holder}) already runs on the SQLite database {path}; SQLite "
                "deployments are single-replica. Stop it, or use PostgreSQL to run several replicas."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
        handle.flush()
        yield lock_path
    finally:
        handle.close()  # closing releases the flock


def sync_with_retry(engine: Engine, config: Config, attempts: int = 3) -> dict[str, int]:
    """sync_sources, retried when replicas starting together insert the same new source."""
    for attempt in range(attempts):
        try:
            return sync_sources(engine, config)
        except IntegrityError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


class Dispatcher:
    """Claims due sources and checks them on a thread pool until nothing is due."""

    def __init__(self, engine: Engine, config: Config, options: DaemonOptions,
                 state: HealthState | None = None) -> None:
        self.engine, self.config, self.options = engine, config, options
        self.state = state or HealthState()
        self.sources = {s.slug: s for s in config.source if s.enabled}
        self.stopping = threading.Event()
        self.abandoned = 0
        self.client = make_client(config.fetch)
        self.pool = ThreadPoolExecutor(max_workers=options.workers, thread_name_prefix="check")

    def close(self, wait_for_checks: bool = True) -> None:
        """Stop the pool and the HTTP client (skipped while abandoned checks still use them)."""
        self.pool.shutdown(wait=wait_for_checks, cancel_futures=True)
        if wait_for_checks:
            self.client.close()

    def run_cycle(self) -> int:
        """Check everything due now (and what falls due meanwhile); returns how many checks ran."""
        in_flight: dict[Future[CheckResult | None], Claim] = {}
        done, need_claim, deadline = 0, True, None
        renewed = time.monotonic()
        while True:
            self.state.beat()
            if in_flight and time.monotonic() - renewed > self.options.lease_seconds / 3:
                self._renew(in_flight.values())
                renewed = time.monotonic()
            if self.stopping.is_set():
                deadline = deadline or time.monotonic() + self.options.grace_seconds
            elif need_claim and len(in_flight) < self.options.workers:
                claims = self._claim(self.options.workers - len(in_flight))
                for claim in claims:
                    in_flight[self.pool.submit(self._check, claim)] = claim
                need_claim = bool(claims)  # a short batch means nothing else is due now
            if not in_flight:
                break
            finished, _ = wait(in_flight, timeout=0.25, return_when=FIRST_COMPLETED)
            for future in finished:
                in_flight.pop(future)
                done += 1
                need_claim = True
            if deadline is not None and in_flight and time.monotonic() > deadline:
                self.abandoned = len(in_flight)
                log.warning("shutting down: abandoning %d check(s) still in flight; their results are "
                            "not stored and their leases expire", len(in_flight),
                            extra={"count": len(in_flight)})
                break
        self.state.cycle_done(done)
        return done

    def _claim(self, limit: int) -> list[Claim]:
        try:
            return claim_due(self.engine, self.options.worker_id, limit, self.options.lease_seconds,
                             slugs=self.sources)
        except Exception:  # noqa: BLE001 - the database may be away; the next dispatch tries again
            log.exception("claiming due sources failed; retrying on the next dispatch")
            return []

    def _renew(self, claims: Any) -> None:
        """Keep leases of slow checks (politeness waits, retries) from expiring under them."""
        try:
            renew(self.engine, self.options.worker_id, [c.source_id for c in claims], self.options.lease_seconds)
        except Exception:  # noqa: BLE001 - a missed renewal only risks one duplicate fetch
            log.exception("renewing leases failed")

    def _check(self, claim: Claim) -> CheckResult | None:
        """One check of one claimed source; the lease is released whatever happens."""
        source_cfg = self.sources[claim.slug]
        interval = self.config.interval_seconds(source_cfg)
        started, clock = utcnow(), time.perf_counter()
        worker = self.options.worker_id
        try:
            result = check_source(self.engine, self.config, source_cfg, client=self.client, now=started,
                                  worker=worker)
        except Exception:  # noqa: BLE001 - one broken check must not stop the daemon
            log.exception("check %s crashed; retrying in %d s", claim.slug, min(self.options.retry_seconds, interval),
                          extra={"slug": claim.slug, "result": "error", "worker": worker})
            retry = started + timedelta(seconds=min(self.options.retry_seconds, interval))
            self._release(claim, next_due_at=retry)
            return None
        log_check(log, result.slug, result.result, (time.perf_counter() - clock) * 1000, worker, result.detail)
        self._release(claim, jitter=jitter_seconds(interval, self.options.jitter))
        return result

    def _release(self, claim: Claim, **kwargs: Any) -> None:
        try:
            if not release(self.engine, claim, self.options.worker_id, **kwargs):
                log.warning("lease on %s expired before its check finished; raise lease_seconds above "
                            "the longest fetch", claim.slug, extra={"slug": claim.slug})
        except Exception:  # noqa: BLE001 - the lease will expire on its own
            log.exception("releasing the lease on %s failed", claim.slug, extra={"slug": claim.slug})


class Notifier:
    """Runs the notification service's deliveries and digests, when that package is present."""

    def __init__(self, engine: Engine, config: Config) -> None:
        self.engine, self.config = engine, config
        self._missing_logged = False

    def run(self) -> None:
        """Queue due digests, then deliver what is due; faults are logged, never raised."""
        try:
            from notifiers import service  # imported late: the daemon works without notifiers
        except ImportError as exc:
            if not self._missing_logged:
                log.warning("notifications are off: notifiers.service is not available (%s)", exc)
                self._missing_logged = True
            return
        try:
            queued = service.queue_due_digests(self.engine, self.config)
            sent = service.deliver_due(self.engine, self.config)
            if queued or sent:
                log.info("notifications: %d digest(s) queued, %d delivery(ies) processed", queued, sent,
                         extra={"event": "notify"})
        except Exception:  # noqa: BLE001 - a delivery fault is retried on the next run
            log.exception("notification run failed; it is retried on the next run")


def clamp_due_times(engine: Engine, config: Config, jitter: float = 0.1) -> int:
    """Bring next_due_at forward when a source's interval was shortened in the config."""
    from sqlmodel import Session, col, select

    from storage.models import Source

    moved = 0
    with Session(engine) as session:
        rows = session.exec(select(Source).where(col(Source.slug).in_([s.slug for s in config.source]),
                                                 col(Source.last_checked_at).is_not(None))).all()
        for source in rows:
            limit = source.last_checked_at + timedelta(  # type: ignore[operator]
                seconds=config.interval_seconds(config.sources_by_slug[source.slug]) * (1 + jitter))
            if source.next_due_at is not None and source.next_due_at > limit:
                source.next_due_at = limit
                session.add(source)
                moved += 1
        session.commit()
    return moved


def prepare(engine: Engine, config: Config, url: str) -> None:
    """Start-up work shared by both run modes: mirror sources, clear stale leases on SQLite."""
    sync_with_retry(engine, config)
    moved = clamp_due_times(engine, config)
    if moved:
        log.info("%d source(s) fall due sooner: their interval was shortened", moved)
    if sqlite_path(url) is not None or url.startswith("sqlite"):
        cleared = release_all(engine)  # we hold the single-replica lock: every lease is stale
        if cleared:
            log.info("cleared %d stale lease(s) left by a previous run", cleared)


def run_once(engine: Engine, config: Config, options: DaemonOptions) -> tuple[int, int]:
    """Check every due source, run notifications once, and return (checks, abandoned)."""
    dispatcher = Dispatcher(engine, config, options)

    def stop(signum: int, _frame: Any) -> None:  # here the loop runs in this thread: just ask it to stop
        log.info("signal %d: finishing in-flight checks", signum)
        dispatcher.stopping.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        checked = dispatcher.run_cycle()
        if not dispatcher.stopping.is_set():
            Notifier(engine, config).run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        dispatcher.close(wait_for_checks=not dispatcher.abandoned)
    log.info("run finished: %d check(s)", checked, extra={"checked": checked})
    return checked, dispatcher.abandoned


def run_forever(engine: Engine, config: Config, options: DaemonOptions, *, health_host: str | None,
                health_port: int | None, on_ready: Any = None) -> int:
    """Run the scheduler until SIGTERM/SIGINT; returns how many checks were abandoned."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    state = HealthState(stale_after=max(60.0, 5 * options.dispatch_seconds, options.grace_seconds))
    dispatcher = Dispatcher(engine, config, options, state)
    notifier = Notifier(engine, config)
    scheduler = BlockingScheduler(
        timezone=timezone.utc,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    now = datetime.now(timezone.utc)
    scheduler.add_job(dispatcher.run_cycle, "interval", seconds=options.dispatch_seconds, id="dispatch",
                      name="claim and check due sources", replace_existing=True,
                      jitter=min(1.0, options.dispatch_seconds / 5), next_run_time=now)
    scheduler.add_job(notifier.run, "interval", seconds=options.notify_seconds, id="notify",
                      name="deliver notifications and queue digests", replace_existing=True,
                      jitter=min(5.0, options.notify_seconds / 5), next_run_time=now + timedelta(seconds=1))
    health = None
    if health_port is not None:
        slugs = list(dispatcher.sources)
        health = HealthServer(health_host or "127.0.0.1", health_port,
                              lambda: health_report(state, engine, slugs)).start()
        log.info("health endpoint on %s", health.url, extra={"url": health.url})

    stop_requested = threading.Event()

    def raise_exit(signum: int, _frame: Any) -> None:
        # Only raise: shutdown() from a handler can deadlock (FIELD-NOTES). A second signal is ignored.
        if not stop_requested.is_set():
            stop_requested.set()
            raise SystemExit(0)

    previous = {sig: signal.signal(sig, raise_exit) for sig in (signal.SIGTERM, signal.SIGINT)}
    log.info("daemon %s started: %d source(s), %d worker(s), dispatch every %g s", options.worker_id,
             len(dispatcher.sources), options.workers, options.dispatch_seconds,
             extra={"worker": options.worker_id, "count": len(dispatcher.sources)})
    try:
        state.scheduler_running = True
        if on_ready is not None:
            on_ready(health)
        scheduler.start()
    except (SystemExit, KeyboardInterrupt):
        log.info("stopping: waiting up to %g s for in-flight checks", options.grace_seconds)
    finally:
        state.scheduler_running = False
        dispatcher.stopping.set()
        if scheduler.running:
            scheduler.shutdown(wait=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if health is not None:
            health.stop()
        dispatcher.close(wait_for_checks=not dispatcher.abandoned)
    log.info("daemon %s stopped", options.worker_id, extra={"worker": options.worker_id})
    return dispatcher.abandoned
