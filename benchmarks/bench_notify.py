"""Benchmark notifications: rendering a big change set in every format, and outbox delivery throughput.

Run: /work/venv/bin/python benchmarks/bench_notify.py  (prints medians of several runs; loopback only)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.config import load_config  # noqa: E402
from monitor.model import Change, ChangeSet, Verdict, WordDiff  # noqa: E402
from notifiers.render import FORMATS, render_change_set  # noqa: E402
from notifiers.service import deliver_due  # noqa: E402
from notifiers.summary import summarize_change_set  # noqa: E402
from storage.db import open_database  # noqa: E402
from tests.conftest import write_config  # noqa: E402
from tests.notif_peers import HookServer, store_change  # noqa: E402

RUNS = 7


def big_change_set(n: int = 500) -> ChangeSet:
    """n modified provisions of ~60 words each, with a <!channel> in every one."""
    words = "we may suspend your account <!channel> when you break these terms @here " * 6
    changes = tuple(Change(kind="modified", old_id=f"s/{i}", new_id=f"s/{i}", heading_path=("Section", str(i)),
                           old_text=words, new_text=words + " now", substantive=True,
                           diff=WordDiff(((0, words), (1, " now")))) for i in range(n))
    return ChangeSet(changes=changes, detected_at=datetime.now(timezone.utc),
                     verdicts=(Verdict("short_notice", "certain", "posted with 5 days' notice; the policy promises 10"),))


def bench_render() -> None:
    change_set = big_change_set()
    for fmt in FORMATS:
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            summary = summarize_change_set(change_set, slug="a/b", platform="A", document_type="Terms",
                                           url="https://a.example/t")
            body = render_change_set(summary, fmt).body
            times.append(time.perf_counter() - start)
        print(f"summarize+render 500-change set, {fmt:8}: median {statistics.median(times) * 1000:7.2f} ms "
              f"(body {len(body)} chars)")


def bench_deliver(count: int = 100) -> None:
    times = []
    hooks = HookServer().start()
    try:
        for _ in range(3):
            folder = Path(tempfile.mkdtemp())
            config = load_config(write_config(folder, [], extra=(
                f'[[channel]]\nname = "team"\nurls = ["json://127.0.0.1:{hooks.port}/hook"]\n')))
            engine = open_database(f"sqlite:///{folder / 'bench.db'}")
            now = datetime.now(timezone.utc)
            for n in range(count):
                store_change(engine, config, f"a/doc-{n}", [f"Old {n}."], [f"New {n}."], detected_at=now)
            start = time.perf_counter()
            sent = deliver_due(engine, config, now=now + timedelta(minutes=1))
            times.append(time.perf_counter() - start)
            assert sent == count, sent
            engine.dispose()
    finally:
        hooks.stop()
    median = statistics.median(times)
    print(f"deliver_due {count} change-set alerts over json:// on SQLite: median {median:.2f} s "
          f"({count / median:.0f} deliveries/s)")


if __name__ == "__main__":
    bench_render()
    bench_deliver()
