"""Write a synthetic monitoring history straight into a database, fast (SQLAlchemy bulk inserts).

Default shape: 500 sources x 3 years of daily checks (~550,000 fetch attempts), ~10 versions per
source (~5,000 versions, 20 provisions each), and one change set per new version whose payload
is a real ChangeSet from `build_change_set` over mutated synthetic documents (word diffs,
verdicts, facts).

Run: /work/venv/bin/python benchmarks/synthetic_history.py sqlite:////tmp/history.db
"""

from __future__ import annotations

import random
import sys
import time
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from monitor.changeset_json import change_set_to_dict  # noqa: E402
from monitor.model import Document, Provision, replace  # noqa: E402
from monitor.verdicts import build_change_set  # noqa: E402
from storage.models import (ChangeRow, ChangeSetRow, FetchAttempt, ProvisionRow, Snapshot,  # noqa: E402
                            Source, Version)
from storage.repo import sha256  # noqa: E402

VOCAB = ("we you may shall not must terms service content account data privacy notice days law agree "
         "use license rights users platform policy third party remove suspend").split()
TYPES = ("Terms of Service", "Privacy Policy", "Community Guidelines", "Content Policy", "Acceptable Use Policy")


def _document(rng: random.Random, title: str) -> Document:
    provisions = []
    for section in range(4):
        heading = f"Section {section + 1} {rng.choice(VOCAB)}"
        provisions.append(Provision(id=f"s{section}", kind="heading", text=heading, level=2))
        for k in range(4):
            text = " ".join(rng.choice(VOCAB) for _ in range(35)) + f" ({section}.{k})."
            provisions.append(Provision(id=f"s{section}/{k}", kind="paragraph", text=text, heading_path=(heading,)))
    return Document(title=title, provisions=tuple(provisions), effective_date=None, notice_days=30)


def _mutate(rng: random.Random, doc: Document, day: datetime, rev: int) -> Document:
    provisions = list(doc.provisions)
    for n in range(rng.randint(1, 4)):
        i = rng.randrange(len(provisions))
        if provisions[i].kind == "paragraph" or n == 0:
            words = provisions[i].text.split()
            # The revision number keeps every version distinct, as a real new version is.
            words[rng.randrange(len(words))] = f"{rng.choice(VOCAB)}{rev}" if n == 0 else rng.choice(VOCAB)
            provisions[i] = replace(provisions[i], text=" ".join(words))
    effective = (day + timedelta(days=rng.choice((5, 15, 30, 45)))).date() if rng.random() < 0.5 else doc.effective_date
    return replace(doc, provisions=tuple(provisions), effective_date=effective)


def generate(engine: Engine, *, sources: int = 500, days: int = 3 * 365, versions_per_source: int = 10,
             end: datetime | None = None, seed: int = 7) -> dict[str, int]:
    """Fill an empty, migrated database; returns row counts."""
    rng = random.Random(seed)
    end = (end or datetime.now(UTC)).replace(hour=6, minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    counts = dict.fromkeys(("source", "fetch_attempt", "version", "provision", "change_set", "change"), 0)
    with engine.begin() as conn:
        for s in range(sources):
            platform = f"Platform {s // 5:03d}"
            doc_type = TYPES[s % len(TYPES)]
            source_id = conn.execute(insert(Source).values(
                slug=f"platform-{s // 5:03d}/doc-{s % 5}", platform=platform, document_type=doc_type,
                url=f"https://example.invalid/{s}", settings={}, active=True, created_at=start,
                last_checked_at=end, last_success_at=end, next_due_at=end + timedelta(hours=6),
                consecutive_failures=0, healthy=True)).inserted_primary_key[0]
            counts["source"] += 1
            change_days = sorted(rng.sample(range(1, days), versions_per_source - 1))
            doc = _document(rng, f"{platform} {doc_type}")
            version_days = [0, *change_days]
            version_ids: dict[int, int] = {}
            prev_doc = None
            for seq, day in enumerate(version_days, start=1):
                moment = start + timedelta(days=day)
                if prev_doc is not None:
                    doc = _mutate(rng, prev_doc, moment, seq)
                canonical = doc.canonical_markdown()
                body = canonical.encode()
                snapshot_id = conn.execute(insert(Snapshot).values(
                    source_id=source_id, content_hash=sha256(body), content=zlib.compress(body, 1), size=len(body),
                    content_type="text/markdown", first_fetched_at=moment)).inserted_primary_key[0]
                version_id = conn.execute(insert(Version).values(
                    source_id=source_id, seq=seq, snapshot_id=snapshot_id, detected_at=moment,
                    prev_checked_at=moment - timedelta(days=1) if seq > 1 else None,
                    content_hash=sha256(canonical), canonical=canonical, title=doc.title,
                    effective_date=doc.effective_date, notice_days=30,
                    provision_count=len(doc.provisions))).inserted_primary_key[0]
                version_ids[day] = version_id
                counts["version"] += 1
                conn.execute(insert(ProvisionRow), [
                    dict(version_id=version_id, position=i, provision_id=p.id, kind=p.kind, level=p.level,
                         label=p.label, heading_path=list(p.heading_path), text=p.text)
                    for i, p in enumerate(doc.provisions)])
                counts["provision"] += len(doc.provisions)
                if prev_doc is not None:
                    cs = build_change_set(prev_doc, doc, detected_at=moment,
                                          prev_checked_at=moment - timedelta(days=1), config_notice_days=30)
                    cs_id = conn.execute(insert(ChangeSetRow).values(
                        source_id=source_id, old_version_id=version_ids[version_days[seq - 2]],
                        new_version_id=version_id, detected_at=moment, substantive_count=len(cs.substantive),
                        cosmetic_count=len(cs.cosmetic), takes_effect_on=cs.takes_effect_on,
                        verdicts=[v.name for v in cs.verdicts], payload=change_set_to_dict(cs))).inserted_primary_key[0]
                    conn.execute(insert(ChangeRow), [
                        dict(change_set_id=cs_id, position=i, kind=c.kind, old_provision_id=c.old_id,
                             new_provision_id=c.new_id, heading_path=list(c.heading_path), old_text=c.old_text,
                             new_text=c.new_text, diff=[list(op) for op in c.diff.ops] if c.diff else [],
                             coarse=False, substantive=c.substantive) for i, c in enumerate(cs.changes)])
                    counts["change_set"] += 1
                    counts["change"] += len(cs.changes)
                prev_doc = doc
            # One fetch attempt per daily check; the days with a new version point at it.
            attempts = []
            for day in range(days + 1):
                moment = start + timedelta(days=day)
                new = version_ids.get(day)
                attempts.append(dict(source_id=source_id, started_at=moment, finished_at=moment,
                                     outcome="ok" if new else "unchanged", result="changed" if new else "unchanged",
                                     http_status=200, url=f"https://example.invalid/{s}", version_id=new,
                                     elapsed_ms=120.0))
            conn.execute(insert(FetchAttempt), attempts)
            counts["fetch_attempt"] += len(attempts)
    return counts


if __name__ == "__main__":
    from storage.db import open_database

    url = sys.argv[1] if len(sys.argv) > 1 else "sqlite:////tmp/policy-monitor-history.db"
    began = time.perf_counter()
    print(generate(open_database(url)), f"in {time.perf_counter() - began:.1f} s")
