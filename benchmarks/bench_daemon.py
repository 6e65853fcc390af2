"""Daemon figures: 1,000 sources on a local server through one `monitor run --once` cycle, and
the SQLite database size after 30 simulated days.

    python benchmarks/bench_daemon.py [--sources 1000] [--days 30] [--interval-hours 6]
                                      [--change-rate 0.02] [--workers 8] [--runs 3]

1. A loopback server serves N distinct policy pages (~40 provisions, ~7 KB each).
2. `python -m monitor run --once` (a real subprocess, this worktree's code) checks all of them,
   then, with every source made due again, once more (steady state: same bytes, no new version):
   wall time of the whole run and of the check cycle (from the first to the last check line),
   and the child's peak RSS (ru_maxrss from wait4 on that process). Repeated --runs times on fresh
   databases; medians printed.
3. 30 simulated days, synthetic clock: every source is checked every --interval-hours. A check
   that sees the same page stores one fetch_attempt row, exactly what the pipeline writes for
   "unchanged"; those rows are bulk-inserted with their simulated timestamps. Each day a
   --change-rate share of sources gets a new page (one provision edited, one added), which goes
   through the real pipeline (`record_fetch`: snapshot, normalize, version, change set) at its
   simulated time. The database file (+ WAL, after a checkpoint) is measured at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from monitor.check import record_fetch  # noqa: E402
from monitor.config import load_config  # noqa: E402
from monitor.model import FetchResult  # noqa: E402
from storage.db import open_database  # noqa: E402
from storage.models import FetchAttempt, Source  # noqa: E402
from tests.conftest import write_config  # noqa: E402
from tests.server import PageServer  # noqa: E402

WORDS = ("service account content user data platform law notice terms rights license privacy policy "
         "access security payment dispute court warranty liability termination update").split()


def policy_page(n: int, edit: int = 0) -> str:
    """A deterministic policy page for source n; `edit` > 0 changes one clause and adds one."""
    rng = random.Random(n)
    parts = [f"<html><head><title>Terms {n}</title></head><body><main><h1>Terms of Service {n}</h1>",
             "<p>Effective Date: April 10, 2025</p>"]
    for section in range(8):
        parts.append(f"<h2>{section + 1}. {rng.choice(WORDS).title()} {rng.choice(WORDS)}</h2>")
        for clause in range(4):
            words = " ".join(rng.choice(WORDS) for _ in range(22))
            if edit and section == edit % 8 and clause == 0:
                words += f" (amended, revision {edit})"
            parts.append(f"<p>{section + 1}.{clause + 1} {words}.</p>")
    if edit:
        parts.append(f"<h2>9. Changes</h2><p>Revision {edit}: changes take effect 30 days after posting.</p>")
    parts.append("</main></body></html>")
    return "".join(parts)


def _monitor_once(config: Path, workers: int) -> dict[str, float]:
    """One `monitor run --once` process: wall time, cycle time, its peak RSS, check results."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("MONITOR_DATABASE_URL", None)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "run", "--once",
                             "--workers", str(workers), "--log-format", "json"],
                            cwd=str(ROOT), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak RSS
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"monitor run failed:\n{err.decode()[-2000:]}")
    lines = [json.loads(line) for line in err.decode().splitlines() if line.startswith("{")]
    checks = [line for line in lines if line.get("result")]
    first, last = datetime.fromisoformat(checks[0]["ts"]), datetime.fromisoformat(checks[-1]["ts"])
    return {"wall_s": wall, "cycle_s": (last - first).total_seconds(), "peak_rss_mb": usage.ru_maxrss / 1024,
            "checks": len(checks), "results": Counter(c["result"] for c in checks)}


def one_cycle(n: int, workers: int) -> dict[str, dict[str, float]]:
    """n fresh sources: a first cycle (every page new), then a steady one (every page the same)."""
    server = PageServer().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sources = [{"slug": f"bench/doc-{i}", "platform": "Bench", "document_type": "Terms of Service",
                        "url": server.set(f"/d{i}", policy_page(i)), "interval": "6h"} for i in range(n)]
            config = write_config(Path(tmp), sources)
            first = _monitor_once(config, workers)
            with sqlite3.connect(Path(tmp) / "data" / "monitor.db") as db:  # everything falls due again
                db.execute("UPDATE source SET next_due_at = NULL")
            steady = _monitor_once(config, workers)
            assert len(server.requests) == 2 * n, len(server.requests)
            return {"first": first, "steady": steady}
    finally:
        server.stop()


def simulate_days(n: int, days: int, interval_hours: float, change_rate: float) -> dict[str, float]:
    """Database size after `days` simulated days (see the module docstring)."""
    with tempfile.TemporaryDirectory() as tmp:
        sources = [{"slug": f"bench/doc-{i}", "platform": "Bench", "document_type": "Terms of Service",
                    "url": f"http://127.0.0.1:9/d{i}", "interval": f"{interval_hours}h"} for i in range(n)]
        config = load_config(write_config(Path(tmp), sources))
        db = Path(tmp) / "sim.db"
        engine = open_database(f"sqlite:///{db}")
        from monitor.check import sync_sources

        ids = sync_sources(engine, config)
        start = datetime(2026, 1, 1, tzinfo=timezone.utc)
        rng = random.Random(42)
        revision = dict.fromkeys(ids, 0)
        started = time.perf_counter()
        changes = 0

        def through_pipeline(slug: str, at: datetime) -> None:
            body = policy_page(int(slug.rsplit("-", 1)[1]), revision[slug]).encode()
            fetched = FetchResult(url=config.sources_by_slug[slug].url, status="ok", http_status=200, body=body,
                                  content_type="text/html", encoding="utf-8", elapsed_ms=40.0)
            record_fetch(engine, config, config.sources_by_slug[slug], fetched, started_at=at, worker="sim")

        for slug in ids:  # day 0: the first version of every source
            through_pipeline(slug, start)
        checks_per_day = int(round(24 / interval_hours))
        for day in range(days):
            changed_today = {slug for slug in ids if rng.random() < change_rate}
            for slot in range(checks_per_day):
                at = start + timedelta(days=day, hours=slot * interval_hours, minutes=5)
                rows = []
                for slug, source_id in ids.items():
                    if slot == 0 and slug in changed_today:
                        revision[slug] += 1
                        through_pipeline(slug, at)
                        changes += 1
                    else:
                        rows.append({"source_id": source_id, "started_at": at, "finished_at": at, "outcome": "unchanged",
                                     "result": "unchanged", "http_status": 200, "url": config.sources_by_slug[slug].url,
                                     "elapsed_ms": 40.0, "worker": "sim"})
                with Session(engine) as session:
                    session.execute(insert(FetchAttempt), rows)
                    session.commit()
        with engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            attempts = conn.execute(text("SELECT count(*) FROM fetch_attempt")).scalar_one()
            versions = conn.execute(text("SELECT count(*) FROM version")).scalar_one()
        with Session(engine) as session:
            assert len(session.exec(select(Source)).all()) == n
        engine.dispose()
        size = sum(p.stat().st_size for p in Path(tmp).glob("sim.db*"))
        return {"db_mb": size / 1e6, "fetch_attempts": attempts, "versions": versions, "changes": changes,
                "sim_s": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--interval-hours", type=float, default=6.0)
    parser.add_argument("--change-rate", type=float, default=0.02, help="share of sources changing per day")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-simulation", action="store_true")
    args = parser.parse_args()

    cycles = [one_cycle(args.sources, args.workers) for _ in range(args.runs)]
    for c in cycles:
        assert c["first"]["results"] == {"new": args.sources}, c
        assert c["steady"]["results"] == {"unchanged": args.sources}, c
    print(f"one daemon cycle (`monitor run --once`), {args.sources} sources, {args.workers} workers, "
          f"{args.runs} run(s), SQLite; medians, then each run:")
    for phase, label in (("first", "first cycle, every page new (normalize + store)"),
                         ("steady", "steady cycle, every page unchanged")):
        print(f"  {label}:")
        for key, unit in (("wall_s", "s  process start to exit"), ("cycle_s", "s  first to last check"),
                          ("peak_rss_mb", "MB peak RSS (goal < 150)")):
            values = [c[phase][key] for c in cycles]
            print(f"    {statistics.median(values):8.2f} {unit}   ({', '.join(f'{v:.2f}' for v in values)})")
    if not args.skip_simulation:
        sim = simulate_days(args.sources, args.days, args.interval_hours, args.change_rate)
        print(f"{args.days} simulated days, check every {args.interval_hours:g} h, {args.change_rate:.0%} of sources "
              f"changing per day:")
        print(f"  database {sim['db_mb']:.1f} MB; {sim['fetch_attempts']} fetch attempts, {sim['versions']} versions "
              f"({sim['changes']} changes); simulated in {sim['sim_s']:.0f} s")


if __name__ == "__main__":
    main()
