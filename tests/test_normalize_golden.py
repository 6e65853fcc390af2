"""Golden tests on real pages: titles, dates, notice windows, provision ids, and noise immunity."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import pytest

from monitor.normalize import normalize

FIXTURES = Path(__file__).parent / "fixtures" / "normalize"


def load(name: str) -> bytes:
    """A fixture's bytes, gunzipped when stored gzipped."""
    data = (FIXTURES / name).read_bytes()
    return gzip.decompress(data) if name.endswith(".gz") else data


def doc(name: str):  # type: ignore[no-untyped-def]
    content_type = "text/html; charset=utf-8" if ".html" in name else "text/markdown"
    return normalize(load(name), content_type)


# (fixture, title, effective date, last updated, notice days, minimum provision count)
DOCUMENTS = [
    ("claude_2025-08-01_source.html.gz", "Consumer Terms of Service", date(2025, 5, 1), None, 30, 100),
    ("claude_2025-08-29_source.html.gz", "Consumer Terms of Service", date(2025, 9, 28), None, 30, 100),
    ("claude_2025-09-27_source.html.gz", "Consumer Terms of Service", date(2025, 10, 8), None, 30, 100),
    ("hf_content_policy.md", "Content Policy", date(2025, 4, 10), None, 10, 20),
    ("hf_terms_2025-09-23.md", "Terms of Service", date(2022, 9, 15), None, 10, 15),
    ("github_tos_2025-09-29.md", "GitHub Terms of Service", date(2020, 11, 16), None, 30, 25),
    ("mozilla_firefox_privacy_2023-06-15.md", "Firefox Privacy Notice", date(2023, 6, 30), None, None, 5),
    ("claude_privacy_token_a.md", "Privacy Policy", date(2025, 10, 8), None, None, 50),
]


@pytest.mark.parametrize(("name", "title", "effective", "updated", "notice", "minimum"), DOCUMENTS)
def test_document_facts(name, title, effective, updated, notice, minimum):  # type: ignore[no-untyped-def]
    document = doc(name)
    assert document.title == title
    assert document.effective_date == effective
    assert document.last_updated_date == updated
    assert document.notice_days == notice
    assert len(document.provisions) >= minimum


# (fixture, id, kind, label, start of text, heading path)
PROVISIONS = [
    ("claude_2025-08-01_source.html.gz", "consumer-terms-of-service", "heading", "", "Consumer Terms of Service", ()),
    ("claude_2025-08-01_source.html.gz", "_/1", "paragraph", "", "Effective May 1, 2025 Previous Version", ()),
    ("claude_2025-08-01_source.html.gz", "who-we-are", "heading", "1.", "Who we are.", ()),
    ("claude_2025-08-01_source.html.gz", "who-we-are/1", "paragraph", "", "Anthropic is an AI safety", ("Who we are.",)),
    ("claude_2025-08-01_source.html.gz", "account-creation-and-access/1", "paragraph", "", "Minimum age.",
     ("Account creation and access.",)),
    ("hf_content_policy.md", "content-policy", "heading", "", "Content Policy", ()),
    ("hf_content_policy.md", "content-policy/1", "paragraph", "", "Effective Date: April 10, 2025", ("Content Policy",)),
    ("hf_content_policy.md", "key-definitions", "heading", "", "Key definitions", ()),
    ("hf_content_policy.md", "key-definitions/2", "paragraph", "", "“Content” refers to", ("Key definitions",)),
    ("hf_content_policy.md", "key-definitions/4", "list_item", "", "“ML Artifacts”: Code and assets", ("Key definitions",)),
    ("github_tos_2025-09-29.md", "summary/2", "table_row", "", "A. Definitions | Some basic terms", ("Summary",)),
    ("hf_terms_2025-09-23.md", "terms-of-service", "heading", "", "Terms of Service", ()),
    ("hf_terms_2025-09-23.md", "a-few-definitions", "heading", "", "📚 A few definitions", ()),
    ("claude_privacy_token_a.md", "collection-of-personal-data/personal-data-you-provide-to-us-directly",
     "heading", "", "Personal data you provide to us directly", ("Collection of Personal Data",)),
]


@pytest.mark.parametrize(("name", "pid", "kind", "label", "text", "path"), PROVISIONS)
def test_provisions(name, pid, kind, label, text, path):  # type: ignore[no-untyped-def]
    by_id = {p.id: p for p in doc(name).provisions}
    assert pid in by_id, f"{pid} not among {list(by_id)[:20]}"
    provision = by_id[pid]
    assert (provision.kind, provision.label) == (kind, label)
    assert provision.text.startswith(text)
    assert provision.heading_path == path


def test_ids_are_unique():
    for name, *_ in DOCUMENTS:
        ids = [p.id for p in doc(name).provisions]
        assert len(ids) == len(set(ids)), name


def test_no_page_chrome_in_claude_terms():
    text = doc("claude_2025-08-01_source.html.gz").canonical_markdown()
    for chrome in ("Skip to", "Try Claude", "self.__next_f", "nonce", "_next/static", "Footnotes"):
        assert chrome not in text


# Neighbouring snapshots that differ only by noise (nonces, chunk hashes, build ids).
NOISE_PAIRS = [
    ("claude_2025-08-01_source.html.gz", "claude_2025-08-28_noise.html.gz"),
    ("claude_2025-08-29_source.html.gz", "claude_2025-09-26_noise.html.gz"),
    ("claude_2025-09-27_source.html.gz", "claude_2025-09-27_noise.html.gz"),
    ("claude_privacy_token_a.md", "claude_privacy_token_b.md"),
    ("hf_terms_2025-09-23.md", "hf_terms_2026-03-18.md"),
]


@pytest.mark.parametrize(("source", "neighbour"), NOISE_PAIRS)
def test_noise_gives_byte_identical_markdown(source, neighbour):  # type: ignore[no-untyped-def]
    assert load(source) != load(neighbour)  # the inputs do differ
    assert doc(source).canonical_markdown().encode() == doc(neighbour).canonical_markdown().encode()


def test_real_versions_differ_and_dates_move_forward():
    names = ["claude_2025-08-01_source.html.gz", "claude_2025-08-29_source.html.gz", "claude_2025-09-27_source.html.gz"]
    documents = [doc(n) for n in names]
    assert len({d.canonical_markdown() for d in documents}) == 3
    assert [d.effective_date for d in documents] == [date(2025, 5, 1), date(2025, 9, 28), date(2025, 10, 8)]
    # the 08-29 version adds a note at the top; the ids of numbered sections do not shift
    old_ids = {p.id for p in documents[0].provisions if p.kind == "heading"}
    new_ids = {p.id for p in documents[1].provisions if p.kind == "heading"}
    assert old_ids <= new_ids


def test_normalizing_twice_is_byte_identical():
    data = load("claude_2025-08-29_source.html.gz")
    assert normalize(data, "text/html").canonical_markdown() == normalize(data, "text/html").canonical_markdown()


def test_bytes_and_str_inputs_agree():
    data = load("hf_content_policy.md")
    assert normalize(data) == normalize(data.decode("utf-8"))
