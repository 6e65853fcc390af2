"""Property tests of the provision diff: identity, replay, and whole-word diffs."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.diff import apply_changes, diff_provisions, word_diff
from monitor.model import Provision

WORDS = st.sampled_from(["we", "may", "you", "terms", "notice", "30", "days", "not", "shall",
                         "data", "account", "content", "Service", "must", "agree"])
TEXT = st.lists(WORDS, min_size=1, max_size=12).map(" ".join)


@st.composite
def provisions(draw) -> list[Provision]:
    out = []
    for k in range(draw(st.integers(0, 14))):
        kind = draw(st.sampled_from(["heading", "paragraph", "paragraph", "list_item"]))
        label = draw(st.sampled_from(["", "", "1.", "(a)"])) if kind == "list_item" else ""
        out.append(Provision(id=f"p{k}", kind=kind, text=draw(TEXT), level=1 if kind == "heading" else 0,
                             label=label))
    return out


@st.composite
def edited(draw, base: list[Provision]) -> list[Provision]:
    """base with random deletions, insertions, edits and moves."""
    items = list(base)
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["delete", "insert", "edit", "move"]))
        if op == "insert" or not items:
            items.insert(draw(st.integers(0, len(items))),
                         Provision(id=f"n{len(items)}", kind="paragraph", text=draw(TEXT)))
            continue
        k = draw(st.integers(0, len(items) - 1))
        if op == "delete":
            items.pop(k)
        elif op == "edit":
            items[k] = Provision(id=items[k].id, kind=items[k].kind, text=draw(TEXT),
                                 level=items[k].level, label=items[k].label)
        else:
            items.insert(draw(st.integers(0, len(items) - 1)), items.pop(k))
    return items


def full(p: Provision) -> str:
    return f"{p.label} {p.text}" if p.label else p.text


@settings(max_examples=60, deadline=None)
@given(provisions())
def test_diff_of_identical_lists_is_empty(a):
    assert diff_provisions(a, list(a)) == ()


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_applying_the_diff_of_a_and_b_to_a_yields_b(data):
    a = data.draw(provisions())
    b = data.draw(edited(a))
    rebuilt = apply_changes(a, diff_provisions(a, b))
    assert [full(p) for p in rebuilt] == [full(p) for p in b]


@settings(max_examples=150, deadline=None)
@given(TEXT, TEXT)
def test_word_diff_is_lossless_and_never_cuts_a_word(old, new):
    ops = word_diff(old, new).ops
    assert "".join(t for op, t in ops if op <= 0) == old
    assert "".join(t for op, t in ops if op >= 0) == new
    for (op1, t1), (op2, t2) in zip(ops, ops[1:]):
        if op1 != op2 and (op1 or op2) and not (op1 and op2):
            assert not (re.search(r"\w$", t1) and re.match(r"\w", t2)), ops


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_replay_holds_for_heavy_rewrites_beyond_the_similarity_cap(data):
    # Long lists with most provisions edited make gaps larger than GAP_PAIR_CAP (band path).
    n = data.draw(st.integers(60, 120))
    a = [Provision(id=f"p{k}", kind="paragraph", text=data.draw(TEXT) + f" {k}") for k in range(n)]
    b = [Provision(id=data.draw(st.sampled_from([p.id, f"q{k}"])), kind="paragraph",
                   text=p.text if data.draw(st.booleans()) and k % 5 == 0 else data.draw(TEXT))
         for k, p in enumerate(a)]
    b = b[: data.draw(st.integers(n - 10, n))]
    rebuilt = apply_changes(a, diff_provisions(a, b))
    assert [full(p) for p in rebuilt] == [full(p) for p in b]
