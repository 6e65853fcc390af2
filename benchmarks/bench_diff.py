"""Benchmark diff_documents on ~500 KB documents: 50 scattered edits, and every provision changed.

Run: /work/venv/bin/python benchmarks/bench_diff.py  (prints median and spread of several runs)
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor import diff as diff_module  # noqa: E402
from monitor.diff import diff_documents  # noqa: E402
from monitor.model import Document, Provision  # noqa: E402

VOCAB = ("we you may shall not must terms service content account data privacy notice days "
         "law agree use license rights users platform policy third party remove suspend").split()


def make_document(rng: random.Random, target_bytes: int = 500_000) -> Document:
    """A synthetic policy: sections of headings and ~40-word clauses, about target_bytes of text."""
    provisions: list[Provision] = []
    size = section = 0
    while size < target_bytes:
        section += 1
        heading = f"Section {section} {rng.choice(VOCAB)} {rng.choice(VOCAB)}"
        provisions.append(Provision(id=f"s{section}", kind="heading", text=heading, level=2))
        for k in range(rng.randint(5, 15)):
            # A unique number per clause, like real clause text, keeps paragraphs distinct.
            text = " ".join(rng.choice(VOCAB) for _ in range(40)) + f" ({section}.{k})."
            provisions.append(Provision(id=f"s{section}/{k}", kind="paragraph", text=text,
                                        heading_path=(heading,)))
            size += len(text)
    return Document(title="Bench", provisions=tuple(provisions))


def edit(rng: random.Random, doc: Document, count: int | None) -> Document:
    """Replace a few words in `count` random provisions (None: in every provision)."""
    provisions = list(doc.provisions)
    picks = range(len(provisions)) if count is None else rng.sample(range(len(provisions)), count)
    for i in picks:
        words = provisions[i].text.split()
        for _ in range(3):
            words[rng.randrange(len(words))] = rng.choice(VOCAB).upper()
        p = provisions[i]
        provisions[i] = Provision(id=p.id, kind=p.kind, text=" ".join(words),
                                  heading_path=p.heading_path, level=p.level)
    return Document(title=doc.title, provisions=tuple(provisions))


def mixed_edits(rng: random.Random, doc: Document, count: int) -> Document:
    """count scattered structural edits: a third deletions, a third insertions, a third moves."""
    provisions = list(doc.provisions)
    for k in range(count):
        i = rng.randrange(1, len(provisions))
        if k % 3 == 0:
            provisions.pop(i)
        elif k % 3 == 1:
            provisions.insert(i, Provision(id=f"new{k}", kind="paragraph",
                                           text=" ".join(rng.choice(VOCAB) for _ in range(40)) + f" new {k}."))
        else:
            provisions.insert(rng.randrange(1, len(provisions)), provisions.pop(i))
    return Document(title=doc.title, provisions=tuple(provisions))


def bench(old: Document, new: Document, runs: int) -> tuple[list[float], int]:
    times = []
    changes = 0
    for _ in range(runs):
        # Cold caches each run, so the figures are those of a fresh check.
        diff_module._words.cache_clear()
        diff_module._lead.cache_clear()
        started = time.perf_counter()
        changes = len(diff_documents(old, new))
        times.append((time.perf_counter() - started) * 1000)
    return times, changes


def report(name: str, times: list[float], changes: int) -> None:
    print(f"{name}: median {statistics.median(times):.1f} ms, min {min(times):.1f}, "
          f"max {max(times):.1f} over {len(times)} runs; {changes} changes")


def main() -> None:
    rng = random.Random(4)
    old = make_document(rng)
    chars = sum(len(p.text) for p in old.provisions)
    print(f"document: {len(old.provisions)} provisions, {chars / 1000:.0f} KB of text")
    scattered = edit(rng, old, 50)
    times, n = bench(old, scattered, runs=9)
    report("50 scattered edits", times, n)
    print(f"  goal < 150 ms: {'met' if statistics.median(times) < 150 else 'NOT met'}")
    mixed = mixed_edits(rng, old, 51)
    times, n = bench(old, mixed, runs=9)
    report("51 scattered deletions/insertions/moves", times, n)
    times, n = bench(old, old, runs=9)
    report("identical", times, n)
    worst = edit(rng, old, None)
    times, n = bench(old, worst, runs=3)
    report("every provision changed (worst case)", times, n)
    # Headings renamed too, so ids cannot be trusted: only the capped similarity passes apply.
    renamed = Document(title="Bench", provisions=tuple(
        Provision(id="x" + p.id, kind=p.kind, text=p.text + " v2", heading_path=p.heading_path,
                  level=p.level) for p in worst.provisions))
    times, n = bench(old, renamed, runs=3)
    report("every provision changed, ids changed too", times, n)


if __name__ == "__main__":
    main()
