"""`GET /healthz`: is the scheduler alive, when did the last cycle run, which sources fail.

Served from a daemon thread by the standard library's HTTP server, bound to 127.0.0.1 unless
the config says otherwise. 200 when healthy, 503 when the scheduler stopped, the dispatch loop
has not been seen for too long, or the database does not answer.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from storage.models import Source

MAX_LISTED = 20  # failing sources named in the body; the count is always complete


@dataclass
class HealthState:
    """What the daemon tells the health endpoint; written by the scheduler thread."""

    stale_after: float = 60.0  # seconds without a dispatch heartbeat before we call it stuck
    scheduler_running: bool = False
    started_at: float = field(default_factory=time.time)
    last_cycle_at: float | None = None  # end of the last finished dispatch cycle
    heartbeat: float | None = None  # last sign of life from the dispatch loop
    checks_done: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def beat(self) -> None:
        """The dispatch loop is alive."""
        with self.lock:
            self.heartbeat = time.time()

    def cycle_done(self, checked: int) -> None:
        """A dispatch cycle finished after `checked` checks."""
        with self.lock:
            self.last_cycle_at = self.heartbeat = time.time()
            self.checks_done += checked


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds") if ts else None


def failing_sources(engine: Engine, slugs: list[str] | None = None) -> tuple[int, list[dict[str, Any]]]:
    """How many active sources' last check failed, and the first few with their error."""
    query = (select(Source.slug, Source.consecutive_failures, Source.last_error, Source.last_success_at)
             .where(col(Source.active), col(Source.consecutive_failures) > 0)
             .order_by(col(Source.consecutive_failures).desc(), col(Source.slug)))
    if slugs is not None:
        query = query.where(col(Source.slug).in_(slugs))
    with Session(engine) as session:
        rows = session.exec(query).all()
    listed = [{"slug": r[0], "consecutive_failures": r[1], "last_error": (r[2] or "")[:200],
               "last_success_at": r[3].isoformat() if r[3] else None} for r in rows[:MAX_LISTED]]
    return len(rows), listed


def health_report(state: HealthState, engine: Engine, slugs: list[str] | None = None,
                  now: float | None = None) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) for the current state."""
    now = now or time.time()
    with state.lock:
        running, heartbeat, last_cycle = state.scheduler_running, state.heartbeat, state.last_cycle_at
        checks, started = state.checks_done, state.started_at
    problems: list[str] = []
    if not running:
        problems.append("scheduler not running")
    seen = heartbeat or started
    if now - seen > state.stale_after:
        problems.append(f"no dispatch cycle for {int(now - seen)} s")
    body: dict[str, Any] = {"scheduler_alive": running, "last_cycle_at": _iso(last_cycle),
                            "last_heartbeat_at": _iso(heartbeat), "checks_done": checks}
    try:
        count, listed = failing_sources(engine, slugs)
        body["failing_sources"] = {"count": count, "sources": listed}
    except Exception as exc:  # noqa: BLE001 - any database fault makes us unhealthy, not crash
        problems.append(f"database unavailable: {type(exc).__name__}")
    body["status"] = "ok" if not problems else "unhealthy"
    body["problems"] = problems
    return (200 if not problems else 503), body


class HealthServer:
    """A tiny threaded HTTP server answering `/healthz` from a report function."""

    def __init__(self, host: str, port: int, report: Callable[[], tuple[int, dict[str, Any]]]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # the daemon logs; probes are noise
                pass

            def do_GET(self) -> None:  # noqa: N802
                if self.path.split("?")[0] != "/healthz":
                    status, body = 404, {"error": "not found; try /healthz"}
                else:
                    try:
                        status, body = report()
                    except Exception as exc:  # noqa: BLE001
                        status, body = 503, {"status": "unhealthy", "problems": [type(exc).__name__]}
                data = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.host, self.port = host, self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="healthz", daemon=True)

    def start(self) -> "HealthServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/healthz"
