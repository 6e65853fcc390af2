"""Provision-level diff of two versions of one document: alignment, word diffs, substance.

Pure functions. Alignment anchors on exact text first (cheap, hash-based), and only compares
similarity inside the gaps between anchors, with caps, so cost stays near-linear on real edits.
"""

from __future__ import annotations

import bisect
import difflib
import re
import time
import unicodedata
from collections import defaultdict
from functools import lru_cache
from typing import Iterable, Sequence

from diff_match_patch import diff_match_patch

from monitor.model import Change, ChangeKind, Document, Provision, WordDiff

Pair = tuple[Provision | None, Provision | None]

# Pairs below this similarity are reported as removed + added rather than modified.
MIN_SIMILARITY = 0.5
# A moved-and-edited clause must be closer than an in-place edit to be believed.
MIN_MOVE_SIMILARITY = 0.75
# Similarity is only computed for gaps up to this many candidate pairs; beyond it, pair by id.
GAP_PAIR_CAP = 2500
# In gaps over the cap, each provision is compared with this many neighbours either side.
BAND = 8
# Same cap for the global moved-and-edited pass over whatever is still unmatched.
MOVE_PAIR_CAP = 10000

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)
_URL = re.compile(r"https?://\S+|www\.\S+", re.I)
_MD_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_LABEL = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.?|\([a-zA-Z0-9]{1,4}\)|[a-zA-Z]\.|[ivxlcdm]{1,6}\.)\s+", re.I)
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


# ---------------------------------------------------------------- word diff

def _tokens(text: str) -> list[str]:
    """Words, whitespace runs and single punctuation marks, which concatenate back to text."""
    return _TOKEN.findall(text)


def word_diff(old: str, new: str, timeout: float = 0.5) -> WordDiff:
    """A word-level diff (diff-match-patch, words as 'lines'); coarse when the timeout was hit."""
    dmp = diff_match_patch()
    dmp.Diff_Timeout = timeout
    # The linesToChars recipe, applied to words: each distinct token becomes one character.
    token_array: list[str] = [""]
    token_hash: dict[str, int] = {}

    def encode(text: str) -> str:
        chars = []
        for token in _tokens(text):
            if token not in token_hash:
                token_array.append(token)
                token_hash[token] = len(token_array) - 1
            chars.append(chr(token_hash[token]))
        return "".join(chars)

    chars_old, chars_new = encode(old), encode(new)
    started = time.perf_counter()
    diffs = dmp.diff_main(chars_old, chars_new, False)
    elapsed = time.perf_counter() - started
    dmp.diff_charsToLines(diffs, token_array)
    dmp.diff_cleanupSemantic(diffs)
    # diff_main gives up silently at its deadline; elapsed time is the only way to know.
    coarse = timeout > 0 and elapsed >= timeout
    return WordDiff(ops=_snap_to_words(diffs), coarse=coarse)


def _snap_to_words(diffs: list[tuple[int, str]]) -> tuple[tuple[int, str], ...]:
    """Widen edits that cleanupSemantic cut inside a word ("with|out") to the whole word."""
    # Group into alternating [equal, (deleted, inserted), equal, ...] clusters.
    equals: list[str] = [""]
    edits: list[list[str]] = []
    for op, text in diffs:
        if op == 0:
            if len(equals) == len(edits):
                equals.append("")
            equals[-1] += text
        else:
            if len(edits) < len(equals):
                edits.append(["", ""])
            edits[-1][0 if op == -1 else 1] += text
    if len(equals) == len(edits):
        equals.append("")
    is_word = re.compile(r"\w")
    for k, (deleted, inserted) in enumerate(edits):
        before, after = equals[k], equals[k + 1]
        if before and is_word.match(before[-1]) and (is_word.match(deleted[:1]) or is_word.match(inserted[:1])):
            cut = re.search(r"\w+$", before)
            assert cut is not None
            piece, equals[k] = cut.group(0), before[:cut.start()]
            deleted, inserted = piece + deleted, piece + inserted
        if after and is_word.match(after[0]) and (is_word.match(deleted[-1:]) or is_word.match(inserted[-1:])):
            cut = re.match(r"\w+", after)
            assert cut is not None
            piece, equals[k + 1] = cut.group(0), after[cut.end():]
            deleted, inserted = deleted + piece, inserted + piece
        edits[k] = [deleted, inserted]
    out: list[tuple[int, str]] = []

    def emit(op: int, text: str) -> None:
        if not text:
            return
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        elif op == -1 and out and out[-1][0] == 1:
            # Keep deletions before insertions when two edit clusters merge.
            last = out.pop()
            emit(-1, text)
            out.append(last)
        else:
            out.append((op, text))

    for k, equal in enumerate(equals):
        emit(0, equal)
        if k < len(edits):
            emit(-1, edits[k][0])
            emit(1, edits[k][1])
    return tuple(out)


# ---------------------------------------------------------------- substance

def _substance(text: str) -> str:
    """Text reduced to what carries meaning: no labels, link targets, case, punctuation, spacing."""
    text = unicodedata.normalize("NFKC", text)
    text = _MD_LINK_TARGET.sub("]", text)
    # A URL written out is visible text: keep where it points, drop per-request query/fragment.
    text = _URL.sub(lambda m: re.split(r"[?#]", m.group(0), maxsplit=1)[0], text)
    text = _LABEL.sub("", text)
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


def is_substantive(old_text: str | None, new_text: str | None) -> bool:
    """False when only whitespace, punctuation, case, numbering labels or link targets changed."""
    return _substance(old_text or "") != _substance(new_text or "")


# ---------------------------------------------------------------- alignment

@lru_cache(maxsize=1 << 16)
def _words(text: str) -> tuple[str, ...]:
    """Substance words of a text, cached: the same provision is compared many times."""
    return tuple(_substance(text).split())


def _similarity(a: Provision, b: Provision) -> float:
    """Word-level similarity ratio in [0, 1]; 0 for provisions of different kinds."""
    if a.kind != b.kind:
        return 0.0
    wa, wb = _words(a.text), _words(b.text)
    if not wa and not wb:
        return 1.0
    matcher = difflib.SequenceMatcher(None, wa, wb, autojunk=False)
    # A clause rewritten under the same lead-in title ("Our use of Materials. ...") is still
    # that clause: floor its similarity so it pairs as modified rather than removed + added.
    floor = MIN_SIMILARITY if _lead(a.text) and _lead(a.text) == _lead(b.text) else 0.0
    if matcher.real_quick_ratio() < MIN_SIMILARITY or matcher.quick_ratio() < MIN_SIMILARITY:
        return max(floor, matcher.quick_ratio())
    return max(floor, matcher.ratio())


_LEAD = re.compile(r"^\W*(\w[^.:!?]{2,60}?)[.:]\s+\S")


@lru_cache(maxsize=1 << 16)
def _lead(text: str) -> str:
    """A short title sentence opening a clause ("Our use of Materials."), casefolded; else ""."""
    match = _LEAD.match(text)
    if not match or not 2 <= len(match.group(1).split()) <= 8:
        return ""
    return match.group(1).casefold()


def _pair_gap(old: Sequence[int], new: Sequence[int], olds: Sequence[Provision],
              news: Sequence[Provision]) -> list[tuple[int, int]]:
    """In-order pairs of similar provisions within one gap between anchors."""
    if not old or not new:
        return []
    if len(old) * len(new) > GAP_PAIR_CAP:
        return _pair_big_gap(old, new, olds, news)
    # Needleman-Wunsch-style DP keeping order: maximise total similarity of kept pairs.
    n, m = len(old), len(new)
    sim = [[0.0] * m for _ in range(n)]
    for a in range(n):
        for b in range(m):
            s = _similarity(olds[old[a]], news[new[b]])
            sim[a][b] = s if s >= MIN_SIMILARITY else 0.0
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for a in range(n - 1, -1, -1):
        for b in range(m - 1, -1, -1):
            best = max(score[a + 1][b], score[a][b + 1])
            if sim[a][b]:
                best = max(best, sim[a][b] + score[a + 1][b + 1])
            score[a][b] = best
    pairs: list[tuple[int, int]] = []
    a = b = 0
    while a < n and b < m:
        if sim[a][b] and score[a][b] == sim[a][b] + score[a + 1][b + 1]:
            pairs.append((old[a], new[b]))
            a, b = a + 1, b + 1
        elif score[a + 1][b] >= score[a][b + 1]:
            a += 1
        else:
            b += 1
    return pairs


def _pair_big_gap(old: Sequence[int], new: Sequence[int], olds: Sequence[Provision],
                  news: Sequence[Provision]) -> list[tuple[int, int]]:
    """Pairs in a gap too big for all-pairs similarity: same id first, then a diagonal band."""
    by_id = {news[j].id: j for j in new}
    # Ids are positional ("section/3"), so an insertion shifts them: check the text too.
    pairs = _increasing([(i, by_id[olds[i].id]) for i in old if olds[i].id in by_id
                         and _similarity(olds[i], news[by_id[olds[i].id]]) >= MIN_SIMILARITY])
    # Whatever ids did not explain: compare each old provision only with the new ones near
    # its proportional position, so the cost is linear in the gap size (BAND per provision).
    paired_old = {i for i, _ in pairs}
    paired_new = {j for _, j in pairs}
    rest_old = [i for i in old if i not in paired_old]
    rest_new = [j for j in new if j not in paired_new]
    if not rest_old or not rest_new:
        return pairs
    scale = len(rest_new) / len(rest_old)
    band: list[tuple[int, int]] = []
    last = -1
    for a, i in enumerate(rest_old):
        centre = int(a * scale)
        best, best_b = MIN_SIMILARITY, -1
        low, high = max(last + 1, centre - BAND), min(len(rest_new), centre + BAND + 1)
        # Nearest first, and stop at a clear match: edits in place then cost O(1) each.
        for b in sorted(range(low, high), key=lambda b: abs(b - centre)):
            s = _similarity(olds[i], news[rest_new[b]])
            if s > best:
                best, best_b = s, b
                if s >= MIN_MOVE_SIMILARITY:
                    break
        if best_b >= 0:
            band.append((i, rest_new[best_b]))
            last = best_b
    return _increasing(sorted(pairs + band))


def _pair_headings(old: Sequence[int], new: Sequence[int], olds: Sequence[Provision],
                   news: Sequence[Provision], pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Headings of one level left over in a gap: a rename, however different the words."""
    paired_old = {i for i, _ in pairs}
    paired_new = {j for _, j in pairs}
    old_h = [i for i in old if i not in paired_old and olds[i].kind == "heading"]
    new_h = [j for j in new if j not in paired_new and news[j].kind == "heading"]
    if not old_h or len(old_h) != len(new_h):
        return []
    extra = []
    for i, j in zip(old_h, new_h):
        # Same level and no crossing with pairs already made, or it is not the same slot.
        if olds[i].level == news[j].level and all((a < i) == (b < j) for a, b in pairs + extra):
            extra.append((i, j))
    return extra


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of pairs increasing in both indexes (pairs sorted by old)."""
    tails: list[int] = []  # tails[k] = smallest new index ending an increasing run of k+1
    tail_at: list[int] = []
    prev: list[int] = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        pos = bisect.bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tail_at.append(k)
        else:
            tails[pos] = j
            tail_at[pos] = k
        prev[k] = tail_at[pos - 1] if pos else -1
    out: list[tuple[int, int]] = []
    k = tail_at[-1] if tail_at else -1
    while k >= 0:
        out.append(pairs[k])
        k = prev[k]
    return out[::-1]


def _match(old: Sequence[Provision], new: Sequence[Provision]) -> tuple[dict[int, int], set[int]]:
    """Old index -> new index for every matched provision, and the set of moved old indexes."""
    old_keys = [(p.kind, p.text) for p in old]
    new_keys = [(p.kind, p.text) for p in new]
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    matched: dict[int, int] = {}
    gaps: list[tuple[list[int], list[int]]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            matched.update(zip(range(i1, i2), range(j1, j2)))
        else:
            gaps.append((list(range(i1, i2)), list(range(j1, j2))))
    # Identical text that left one gap and arrived in another is a move, not delete + add.
    waiting: dict[tuple[str, str], list[int]] = defaultdict(list)
    for _, new_gap in gaps:
        for j in new_gap:
            waiting[new_keys[j]].append(j)
    taken_new: set[int] = set(matched.values())
    for old_gap, new_gap in gaps:
        local = set(new_gap)
        for i in old_gap:
            candidates = waiting.get(old_keys[i])
            if candidates and not any(j in local for j in candidates):
                j = candidates.pop(0)
                matched[i] = j
                taken_new.add(j)
    # Within each gap, pair edited provisions in order by similarity.
    for old_gap, new_gap in gaps:
        old_left = [i for i in old_gap if i not in matched]
        new_left = [j for j in new_gap if j not in taken_new]
        pairs = _pair_gap(old_left, new_left, old, new)
        pairs += _pair_headings(old_left, new_left, old, new, pairs)
        for i, j in pairs:
            matched[i] = j
            taken_new.add(j)
    # Last, edited provisions that also moved: global, capped, stricter threshold.
    old_left = [i for i in range(len(old)) if i not in matched]
    new_left = [j for j in range(len(new)) if j not in taken_new]
    if old_left and new_left and len(old_left) * len(new_left) <= MOVE_PAIR_CAP:
        scored = sorted(((s, i, j) for i in old_left for j in new_left
                         if (s := _similarity(old[i], new[j])) >= MIN_MOVE_SIMILARITY), reverse=True)
        for _, i, j in scored:
            if i not in matched and j not in taken_new:
                matched[i] = j
                taken_new.add(j)
    # A pair is "moved" only if it breaks the order the other pairs keep.
    in_order = {i for i, _ in _increasing(sorted(matched.items()))}
    return matched, {i for i in matched if i not in in_order}


def align(old: Sequence[Provision], new: Sequence[Provision]) -> list[Pair]:
    """Pairs (old, new) in new-document order; (old, None) removed, (None, new) added."""
    matched, moved = _match(old, new)
    return _pairs(old, new, matched, moved)


def _pairs(old: Sequence[Provision], new: Sequence[Provision], matched: dict[int, int],
           moved: set[int]) -> list[Pair]:
    by_new = {j: i for i, j in matched.items()}
    out: list[Pair] = []
    pending_removed = sorted(i for i in range(len(old)) if i not in matched)
    r = 0
    for j, provision in enumerate(new):
        i = by_new.get(j)
        # Emit removals where they sat in the old document, before the next old anchor.
        if i is not None and i not in moved:  # moved ones say nothing about old positions
            while r < len(pending_removed) and pending_removed[r] < i:
                out.append((old[pending_removed[r]], None))
                r += 1
        out.append((old[i] if i is not None else None, provision))
    out.extend((old[k], None) for k in pending_removed[r:])
    return out


# ---------------------------------------------------------------- changes

def _full(p: Provision) -> str:
    """The provision's text as a reader sees it, numbering label included."""
    return f"{p.label} {p.text}" if p.label else p.text


def _same_place(a: Provision, b: Provision) -> bool:
    return [_substance(h) for h in a.heading_path] == [_substance(h) for h in b.heading_path]


def _change(kind: ChangeKind, old: Provision | None, new: Provision | None,
            old_index: int | None, new_index: int | None) -> Change:
    old_text = _full(old) if old else None
    new_text = _full(new) if new else None
    if kind in ("added", "removed"):
        substantive = is_substantive(old_text, new_text)
        diff = None
    else:
        substantive = is_substantive(old_text, new_text)
        if kind == "moved" and old and new and not _same_place(old, new):
            substantive = True  # a clause moved to another section may change its scope
        diff = word_diff(old_text or "", new_text or "") if old_text != new_text else None
    source = new or old
    assert source is not None
    return Change(kind=kind, old_id=old.id if old else None, new_id=new.id if new else None,
                  heading_path=source.heading_path, old_text=old_text, new_text=new_text,
                  substantive=substantive, diff=diff, old_index=old_index, new_index=new_index,
                  provision_kind=source.kind)


def diff_provisions(old: Sequence[Provision], new: Sequence[Provision]) -> tuple[Change, ...]:
    """Changes between two provision lists, in new-document order (removals where they were)."""
    matched, moved = _match(old, new)
    old_index = {id(p): k for k, p in enumerate(old)}
    new_index = {id(p): k for k, p in enumerate(new)}
    changes: list[Change] = []
    for a, b in _pairs(old, new, matched, moved):
        i = old_index[id(a)] if a is not None else None
        j = new_index[id(b)] if b is not None else None
        if a is None:
            changes.append(_change("added", None, b, None, j))
        elif b is None:
            changes.append(_change("removed", a, None, i, None))
        elif i in moved:
            changes.append(_change("moved", a, b, i, j))
        elif _full(a) != _full(b):
            changes.append(_change("renamed" if a.kind == "heading" else "modified", a, b, i, j))
    return tuple(changes)


def diff_documents(old: Document, new: Document) -> tuple[Change, ...]:
    """Provision-level changes from old to new; empty when the provisions are identical."""
    return diff_provisions(old.provisions, new.provisions)


def apply_changes(old: Sequence[Provision], changes: Iterable[Change]) -> list[Provision]:
    """Rebuild the new provision list from the old one and a diff (label + text, and order)."""
    changes = list(changes)
    touched_old = {c.old_index for c in changes if c.old_index is not None}
    placed: dict[int, Provision] = {}
    for c in changes:
        if c.new_index is None or c.new_text is None:
            continue
        base = old[c.old_index] if c.old_index is not None else None
        label, text = _split_label(c.new_text, base)
        placed[c.new_index] = Provision(
            id=c.new_id or "", kind=c.provision_kind or (base.kind if base else "paragraph"),
            text=text, heading_path=c.heading_path, level=base.level if base else 0, label=label)
    # Untouched provisions keep their relative order and fill the remaining slots.
    kept = iter(p for k, p in enumerate(old) if k not in touched_old)
    size = len(old) - len(touched_old) + len(placed)
    return [placed[k] if k in placed else next(kept) for k in range(size)]


def _split_label(full: str, base: Provision | None) -> tuple[str, str]:
    """Undo _full: a leading label is split off again when the text starts with one."""
    match = _LABEL.match(full)
    if match and (base is None or base.label):
        return match.group(0).strip(), full[match.end():]
    return "", full
