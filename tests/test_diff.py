"""Provision diff: word diffs, substance, alignment, and golden tests on real histories."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from monitor.diff import align, apply_changes, diff_documents, diff_provisions, is_substantive, word_diff
from monitor.model import Provision
from tests.test_diff_fixtures import load


def P(id: str, text: str, kind: str = "paragraph", path: tuple[str, ...] = (), label: str = "") -> Provision:
    return Provision(id=id, kind=kind, text=text, heading_path=path, label=label)  # type: ignore[arg-type]


def _texts(ops, which: int) -> str:
    return "".join(t for op, t in ops if op in (0, which))


# ---------------------------------------------------------------- word_diff

def test_word_diff_reconstructs_both_sides():
    old, new = "We may change these terms at any time.", "We may amend these Terms with 30 days notice."
    d = word_diff(old, new)
    assert _texts(d.ops, -1) == old and _texts(d.ops, 1) == new
    assert not d.coarse


def test_word_diff_works_on_words_not_characters():
    d = word_diff("the cat sat", "the car sat")
    assert (-1, "cat") in d.ops and (1, "car") in d.ops


def test_word_diff_identical_is_one_equal_op():
    assert word_diff("same text here", "same text here").ops == ((0, "same text here"),)


def test_word_diff_marks_timeout_as_coarse_but_stays_correct():
    import random

    rng = random.Random(7)
    words = [f"w{rng.randrange(5000)}" for _ in range(40000)]
    other = [w if rng.random() < 0.5 else f"x{rng.randrange(5000)}" for w in words]
    old, new = " ".join(words), " ".join(other)
    d = word_diff(old, new, timeout=0.001)
    assert d.coarse
    assert _texts(d.ops, -1) == old and _texts(d.ops, 1) == new


# ---------------------------------------------------------------- substance

@pytest.mark.parametrize("old,new", [
    ("You agree to the terms.", "You  agree to the Terms"),
    ("1. You agree.", "2. You agree."),
    ("See [our policy](https://a.example/x?token=1).", "See [our policy](https://a.example/y?token=2)."),
    ("Use it (as permitted) — only.", "Use it, as permitted, only"),
    ("Go to https://x.example/settings?t=abc1.", "Go to https://x.example/settings?t=def2."),
])
def test_cosmetic_edits_are_not_substantive(old, new):
    assert not is_substantive(old, new)


@pytest.mark.parametrize("old,new", [
    ("We give 30 days notice.", "We give 10 days notice."),
    ("You may not sell content.", "You may sell content."),
    ("Inference API", "Inference Providers"),
    ("Send notices to https://a.example/legal.", "Send notices to https://b.example/legal."),
])
def test_word_edits_are_substantive(old, new):
    assert is_substantive(old, new)


# ---------------------------------------------------------------- alignment

def test_renamed_heading_is_renamed_not_removed_and_added():
    old = [P("a", "Your Content", "heading"), P("a/1", "You own your content.", path=("Your Content",))]
    new = [P("b", "Content You Post", "heading"), P("b/1", "You own your content.", path=("Content You Post",))]
    changes = diff_provisions(old, new)
    assert [c.kind for c in changes] == ["renamed"]
    assert changes[0].old_text == "Your Content" and changes[0].new_text == "Content You Post"


def test_renumbered_list_is_cosmetic():
    old = [P("s/1", "First rule.", "list_item", label="1."), P("s/2", "Second rule.", "list_item", label="2.")]
    new = [P("s/1", "First rule.", "list_item", label="2."), P("s/2", "Second rule.", "list_item", label="3.")]
    changes = diff_provisions(old, new)
    assert changes and all(c.kind == "modified" and not c.substantive for c in changes)


def test_moved_clause_is_reported_as_moved():
    body = [P(f"s/{k}", f"Clause number {k} says something distinctive {k * 7}.") for k in range(8)]
    new = body[1:5] + [body[0]] + body[5:]
    changes = diff_provisions(body, new)
    assert [c.kind for c in changes] == ["moved"]
    assert changes[0].old_text == body[0].text == changes[0].new_text


def test_edited_clause_is_modified_with_word_diff():
    old = [P("s/1", "Keep."), P("s/2", "We may suspend your account without notice."), P("s/3", "End.")]
    new = [P("s/1", "Keep."), P("s/2", "We may suspend your account with notice."), P("s/3", "End.")]
    (change,) = diff_provisions(old, new)
    assert change.kind == "modified" and change.substantive
    assert (-1, "without") in change.diff.ops and (1, "with") in change.diff.ops


def test_split_paragraph_is_modified_plus_added():
    first = "You are responsible for your account and for all activity on it, including by others."
    second = "You must tell us at once of any unauthorized use of your account or password."
    old = [P("s/1", "Intro."), P("s/2", f"{first} {second}"), P("s/3", "End.")]
    new = [P("s/1", "Intro."), P("s/2", first), P("s/3", second), P("s/4", "End.")]
    kinds = sorted(c.kind for c in diff_provisions(old, new))
    assert kinds == ["added", "modified"]


def test_unrelated_replacement_is_removed_and_added():
    old = [P("s/1", "Alpha beta gamma delta.")]
    new = [P("s/1", "Completely different words appear here now.")]
    assert sorted(c.kind for c in diff_provisions(old, new)) == ["added", "removed"]


def test_align_covers_every_provision_once():
    old = [P(f"o{k}", f"text {k} {'x' * k}") for k in range(6)]
    new = [old[0], P("n", "new clause entirely"), old[3], old[2], old[5]]
    pairs = align(old, new)
    assert [b for _, b in pairs if b is not None] == new
    assert sorted(id(a) for a, _ in pairs if a is not None) == sorted(id(a) for a in old)


def test_apply_changes_replays_a_diff():
    old = [P("h", "Title", "heading"), P("1", "One."), P("2", "Two."), P("3", "Three.")]
    new = [P("h", "New Title", "heading"), P("3", "Three."), P("1", "One, amended."), P("4", "Four.")]
    rebuilt = apply_changes(old, diff_provisions(old, new))
    assert [p.text for p in rebuilt] == [p.text for p in new]


# ---------------------------------------------------------------- golden: real histories

def test_github_2020_rewrite_changes_effective_date_and_notice_clause():
    old, new = load("github-tos/2020-10-01_b059da29.md"), load("github-tos/2020-11-16_91056f40.md")
    changes = diff_documents(old, new)
    kinds = {c.kind for c in changes}
    assert {"modified", "added", "removed"} <= kinds
    assert len(changes) < len(new.provisions) / 4  # a rewrite of parts, not everything
    texts = [(c.old_text or "") + " " + (c.new_text or "") for c in changes if c.substantive]
    assert any("November 16, 2020" in t and "April 2, 2020" in t for t in texts)
    notice = [c for c in changes if c.kind == "modified" and "30 days" in (c.new_text or "")
              and any(h.lower().startswith("changes to these terms") or "changes" in h.lower()
                      for h in c.heading_path)]
    assert notice and all(c.substantive and c.diff is not None for c in notice)


def test_github_2021_punctuation_edit_touches_one_provision():
    old, new = load("github-tos/2020-11-16_91056f40.md"), load("github-tos/2021-03-11_a2386cff.md")
    changes = diff_documents(old, new)
    assert [c.kind for c in changes] == ["modified"]
    words = lambda text: Counter(re.findall(r"[\w']+", text.casefold()))  # noqa: E731
    # Sentences split: only punctuation and case changed, and one "and" went.
    assert words(changes[0].old_text) - words(changes[0].new_text) == Counter({"and": 1})
    assert not words(changes[0].new_text) - words(changes[0].old_text)


def test_github_2025_new_section_is_added_in_place():
    old, new = load("github-tos/2025-03-24_1f3daffd.md"), load("github-tos/2025-09-29_68e3dbe6.md")
    changes = diff_documents(old, new)
    added = [c for c in changes if c.kind == "added"]
    assert added and any("Access Reciprocity" in (c.new_text or "") for c in added)
    assert all(c.kind in ("added", "modified") for c in changes)
    assert old.effective_date == new.effective_date


def test_github_2026_whitespace_only_version_has_no_changes():
    old, new = load("github-tos/2025-09-29_68e3dbe6.md"), load("github-tos/2026-01-27_23771939.md")
    assert all(not c.substantive for c in diff_documents(old, new))


def test_huggingface_inference_api_renamed_in_place():
    old = load("hf-tos/2025-03-21T180809Z_c68ad05c30.md")
    new = load("hf-tos/2025-06-24T180711Z_bfcd629d1c.md")
    changes = diff_documents(old, new)
    assert changes and all(c.kind == "modified" and c.substantive for c in changes)
    assert all("Inference API" in c.old_text and "Inference Providers" in c.new_text for c in changes)
    assert all(dict(c.diff.ops).get(1, "").strip() or True for c in changes)
    assert all((-1, "API") in c.diff.ops and (1, "Providers") in c.diff.ops for c in changes)


@pytest.mark.parametrize("old,new", [
    ("hf-tos/2025-03-18T180810Z_ccf64976ac.md", "hf-tos/2025-03-21T180809Z_c68ad05c30.md"),
    ("hf-tos/2025-06-24T180711Z_bfcd629d1c.md", "hf-tos/2025-09-23T061100Z_9f75e751f4.md"),
])
def test_huggingface_anchor_and_marker_noise_is_not_substantive(old, new):
    assert not [c for c in diff_documents(load(old), load(new)) if c.substantive]


def test_token_flapping_privacy_versions_have_no_substantive_change():
    old = load("claude-privacy-token-flapping/2025-12-21T113132Z_b3e69e5.md")
    new = load("claude-privacy-token-flapping/2025-12-21T233153Z_b5ac01b.md")
    assert not [c for c in diff_documents(old, new) if c.substantive]


def test_diff_of_a_document_with_itself_is_empty():
    doc = load("github-tos/2020-11-16_91056f40.md")
    assert diff_documents(doc, doc) == ()


def test_duplicate_text_is_not_matched_twice():
    old = [P("p0", "we", "heading"), P("p1", "we", "heading")]
    new = [P("p1", "we", "heading")]
    changes = diff_provisions(old, new)
    assert [c.kind for c in changes] == ["removed"]
    assert [p.text for p in apply_changes(old, changes)] == ["we"]


def test_big_gap_with_new_ids_still_pairs_edits_in_place():
    old = [P(f"o{k}", f"clause {k} about data retention and deletion of account {k * 13}") for k in range(90)]
    new = [P(f"n{k}", f"clause {k} about data retention and removal of account {k * 13}") for k in range(90)]
    changes = diff_provisions(old, new)
    assert [c.kind for c in changes] == ["modified"] * 90
    assert [c.old_index for c in changes] == list(range(90)) == [c.new_index for c in changes]
    assert [p.text for p in apply_changes(old, changes)] == [p.text for p in new]


def test_rewritten_clause_under_the_same_title_is_modified():
    old = [P("s/1", "Intro."), P("s/2", "Our use of Materials. We will not train our models on your data."),
           P("s/3", "End.")]
    new = [P("s/1", "Intro."), P("s/2", "Our use of Materials. Unless you opt out, we use chats for training, "
                                 "including to improve safety classifiers and future products."), P("s/3", "End.")]
    (change,) = diff_provisions(old, new)
    assert change.kind == "modified" and change.substantive


def test_claude_2025_training_clause_is_reported_as_a_modification():
    old = load("claude-consumer-terms/2025-08-01T003205Z_8f977d4aa5.md")
    new = load("claude-consumer-terms/2025-08-29T003201Z_d8d25b3cb0.md")
    changes = diff_documents(old, new)
    training = [c for c in changes if c.kind == "modified" and "Our use of Materials" in (c.new_text or "")]
    assert len(training) == 1 and training[0].substantive
    assert "train" in " ".join(t for op, t in training[0].diff.ops if op == 1)


def test_removals_are_listed_where_they_stood():
    old = [P(f"s/{k}", f"Distinct clause {k} with words {k * 11} here.") for k in range(6)]
    new = [old[4], old[0], old[2], old[3], old[5]]  # clause 1 removed, clause 4 moved to the top
    changes = diff_provisions(old, new)
    assert sorted(c.kind for c in changes) == ["moved", "removed"]
    order = [c.old_id if c.kind == "removed" else c.new_id for c in changes]
    assert order == ["s/4", "s/1"]
