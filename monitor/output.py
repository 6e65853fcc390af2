"""Query results as text, Markdown or JSON for the CLI (pure functions over storage.queries records).

Page text is untrusted: terminal control characters and bidi overrides are removed, Markdown is
escaped, and long provisions are capped in text and Markdown (JSON carries everything).
The JSON shapes are documented in docs/cli-json.md and checked by monitor/schemas/*.schema.json.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any, Iterable

from monitor.when import as_utc
from notifiers.escape import strip_controls
from storage.queries import ChangeSetRecord, SourceRef, VersionRecord

JSON_SCHEMA_VERSION = 1
TEXT_CAP = 1500  # characters of one provision shown in text/Markdown
# Mid-line only: every md() result follows a prefix ("## ", "> ", "| "), so block starts need no escape.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~])")


def neutralize(text: str | None, cap: int | None = TEXT_CAP) -> str:
    """Page text made safe for a terminal: no control characters or bidi overrides, capped."""
    text = strip_controls(text or "")
    if cap is not None and len(text) > cap:
        return f"{text[:cap]}… [{len(text) - cap} more characters; --format json has them all]"
    return text


def md(text: str | None, cap: int | None = TEXT_CAP) -> str:
    """Page text made safe for Markdown: neutralized, Markdown syntax escaped, one line."""
    return _MD_SPECIAL.sub(r"\\\1", neutralize(text, cap)).replace("\n", " ")


def iso(value: date | datetime | None) -> str | None:
    """ISO form (datetimes in UTC), or None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    return value.isoformat()


def _when(value: date | datetime | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return as_utc(value).strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def dump_json(data: dict[str, Any]) -> str:
    """Stable JSON: sorted keys, one line, UTF-8 kept."""
    # One line: the C encoder only runs without indent (5x faster on a year of change sets); pipe to jq to read.
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def _source_json(ref: SourceRef) -> dict[str, Any]:
    return {"slug": ref.slug, "platform": ref.platform, "document_type": ref.document_type, "url": ref.url}


def _changes(record: ChangeSetRecord, substantive_only: bool) -> list[dict[str, Any]]:
    changes = record.payload.get("changes", [])
    return [c for c in changes if c.get("substantive")] if substantive_only else list(changes)


def change_set_json(record: ChangeSetRecord, substantive_only: bool = False) -> dict[str, Any]:
    """One change set for JSON output; its payload is the stored ChangeSet JSON (schema 1)."""
    payload = dict(record.payload)
    payload["changes"] = _changes(record, substantive_only)
    return {
        "id": record.id, "source": _source_json(record.source), "old_version": record.old_seq,
        "new_version": record.new_seq, "detected_at": iso(record.detected_at),
        "substantive_count": record.substantive_count, "cosmetic_count": record.cosmetic_count,
        "takes_effect_on": iso(record.takes_effect_on), "verdicts": list(record.verdicts),
        "change_set": payload,
    }


# --- diff -------------------------------------------------------------------------------------

def diff_json(records: list[ChangeSetRecord], *, since: datetime | None, until: datetime | None,
              filters: dict[str, Any], substantive_only: bool) -> dict[str, Any]:
    """The `monitor diff --format json` document."""
    return {"schema_version": JSON_SCHEMA_VERSION, "command": "diff", "since": iso(since), "until": iso(until),
            "filters": filters, "substantive_only": substantive_only,
            "change_sets": [change_set_json(r, substantive_only) for r in records]}


def _word_diff_text(change: dict[str, Any]) -> str:
    ops = (change.get("diff") or {}).get("ops") or []
    parts = []
    for op, text in ops:
        text = neutralize(text, None)
        parts.append(text if op == 0 else f"[-{text}-]" if op < 0 else f"{{+{text}+}}")
    return neutralize("".join(parts))


def _word_diff_md(change: dict[str, Any]) -> str:
    ops = (change.get("diff") or {}).get("ops") or []
    parts = []
    for op, text in ops:
        body = md(text, None)
        if op == 0 or not body.strip():
            parts.append(body)
        else:
            lead, core, trail = _split_ws(body)
            parts.append(f"{lead}~~{core}~~{trail}" if op < 0 else f"{lead}**{core}**{trail}")
    joined = "".join(parts)
    return joined if len(joined) <= 3 * TEXT_CAP else joined[: 3 * TEXT_CAP] + "… (capped; see --format json)"


def _split_ws(text: str) -> tuple[str, str, str]:
    core = text.strip()
    start = text.find(core)
    return text[:start], core, text[start + len(core):]


def _verdict_lines(payload: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(v["name"], v.get("certainty", ""), v.get("message", "")) for v in payload.get("verdicts", [])]


def _change_heading(change: dict[str, Any]) -> str:
    where = " > ".join(change.get("heading_path") or []) or "(top)"
    pid = change.get("new_id") or change.get("old_id") or ""
    flag = "" if change.get("substantive") else " (cosmetic)"
    return f"{change['kind']}{flag} {pid} in {where}"


def _versions(record: ChangeSetRecord) -> str:
    return f"v{record.old_seq} -> v{record.new_seq}" if record.old_seq else f"v{record.new_seq}"


def render_diff_text(records: list[ChangeSetRecord], substantive_only: bool = False) -> str:
    """Change sets for a terminal, provision by provision, with word diffs as [-old-]{+new+}."""
    if not records:
        return "No change sets in this window."
    out: list[str] = []
    for record in records:
        out.append(f"== {record.source.slug} ({neutralize(record.source.platform, 200)}, "
                   f"{neutralize(record.source.document_type, 200)}) {_versions(record)}")
        out.append(f"   detected {_when(record.detected_at)}; takes effect {_when(record.takes_effect_on)}; "
                   f"{record.substantive_count} substantive, {record.cosmetic_count} cosmetic")
        for name, certainty, message in _verdict_lines(record.payload):
            out.append(f"   ! {name} ({certainty}): {neutralize(message, 500)}")
        for change in _changes(record, substantive_only):
            out.append(f"  - {neutralize(_change_heading(change), 500)}")
            if change.get("diff"):
                out.append(f"      {_word_diff_text(change)}")
            elif change["kind"] == "added":
                out.append(f"      + {neutralize(change.get('new_text'))}")
            elif change["kind"] == "removed":
                out.append(f"      - {neutralize(change.get('old_text'))}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def render_diff_markdown(records: list[ChangeSetRecord], substantive_only: bool = False) -> str:
    """Change sets as Markdown: a section per change set, removed ~~struck~~, added **bold**."""
    if not records:
        return "_No change sets in this window._\n"
    out: list[str] = []
    for record in records:
        out.append(f"## {md(record.source.slug, 200)}: {md(record.source.document_type, 200)} ({_versions(record)})")
        out.append("")
        out.append(f"- Detected: {_when(record.detected_at)}")
        out.append(f"- Takes effect: {_when(record.takes_effect_on)}")
        out.append(f"- Changes: {record.substantive_count} substantive, {record.cosmetic_count} cosmetic")
        for name, certainty, message in _verdict_lines(record.payload):
            out.append(f"- **{md(name, 100)}** ({certainty}): {md(message, 500)}")
        out.append("")
        for change in _changes(record, substantive_only):
            out.append(f"### {md(_change_heading(change), 500)}")
            out.append("")
            if change.get("diff"):
                out.append(f"> {_word_diff_md(change)}")
            elif change["kind"] == "added":
                out.append(f"> **{md(change.get('new_text'))}**")
            elif change["kind"] == "removed":
                out.append(f"> ~~{md(change.get('old_text'))}~~")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


# --- history ----------------------------------------------------------------------------------

def _version_json(v: VersionRecord) -> dict[str, Any]:
    return {"seq": v.seq, "detected_at": iso(v.detected_at), "prev_checked_at": iso(v.prev_checked_at),
            "title": v.title, "effective_date": iso(v.effective_date),
            "last_updated_date": iso(v.last_updated_date), "notice_days": v.notice_days,
            "provision_count": v.provision_count, "content_hash": v.content_hash,
            "change_set_id": v.change_set_id, "substantive_count": v.substantive_count,
            "cosmetic_count": v.cosmetic_count, "takes_effect_on": iso(v.takes_effect_on),
            "verdicts": list(v.verdicts)}


def history_json(ref: SourceRef, versions: list[VersionRecord]) -> dict[str, Any]:
    """The `monitor history --format json` document."""
    return {"schema_version": JSON_SCHEMA_VERSION, "command": "history", "source": _source_json(ref),
            "versions": [_version_json(v) for v in versions]}


def _history_rows(versions: list[VersionRecord]) -> list[list[str]]:
    rows = []
    for v in versions:
        counts = "first version" if v.change_set_id is None else f"{v.substantive_count} / {v.cosmetic_count}"
        rows.append([str(v.seq), _when(v.detected_at), _when(v.effective_date), _when(v.last_updated_date),
                     str(v.provision_count), counts, _when(v.takes_effect_on), ", ".join(v.verdicts) or "-"])
    return rows


_HISTORY_HEAD = ["version", "detected", "effective", "last updated", "provisions",
                 "substantive / cosmetic", "takes effect", "verdicts"]


def render_history(ref: SourceRef, versions: list[VersionRecord], fmt: str) -> str:
    """The versions of one source as a text or Markdown table."""
    title = f"{ref.slug}: {ref.platform}, {ref.document_type}"
    if not versions:
        return f"{neutralize(title, 300)}\nNo versions yet: run `monitor check` or `monitor import`.\n"
    if fmt == "markdown":
        return f"## {md(title, 300)}\n\n" + _md_table(_HISTORY_HEAD, _history_rows(versions))
    return neutralize(title, 300) + "\n" + _text_table(_HISTORY_HEAD, _history_rows(versions))


# --- show -------------------------------------------------------------------------------------

def show_json(ref: SourceRef, version: Any, provisions: list[Any], at: datetime | None) -> dict[str, Any]:
    """The `monitor show --format json` document (one version, its provisions)."""
    return {"schema_version": JSON_SCHEMA_VERSION, "command": "show", "source": _source_json(ref), "at": iso(at),
            "version": {"seq": version.seq, "detected_at": iso(version.detected_at), "title": version.title,
                        "effective_date": iso(version.effective_date),
                        "last_updated_date": iso(version.last_updated_date), "notice_days": version.notice_days,
                        "content_hash": version.content_hash},
            "provisions": [{"id": p.provision_id, "kind": p.kind, "level": p.level, "label": p.label,
                            "heading_path": list(p.heading_path or []), "text": p.text} for p in provisions]}


def show_header(ref: SourceRef, version: Any) -> str:
    """One line saying which version is shown."""
    return (f"{ref.slug} version {version.seq}, detected {_when(version.detected_at)}, "
            f"effective {_when(version.effective_date)}")


# --- timeline ---------------------------------------------------------------------------------

def timeline_json(records: list[ChangeSetRecord], today: date, days: int) -> dict[str, Any]:
    """The `monitor timeline --format json` document."""
    entries = []
    for r in records:
        assert r.takes_effect_on is not None
        entries.append({"takes_effect_on": iso(r.takes_effect_on), "status": _status(r.takes_effect_on, today),
                        "days_from_today": (r.takes_effect_on - today).days, "change_set_id": r.id,
                        "source": _source_json(r.source), "new_version": r.new_seq,
                        "detected_at": iso(r.detected_at), "substantive_count": r.substantive_count,
                        "verdicts": list(r.verdicts)})
    return {"schema_version": JSON_SCHEMA_VERSION, "command": "timeline", "today": today.isoformat(),
            "days": days, "entries": entries}


def _status(day: date, today: date) -> str:
    return "upcoming" if day > today else "today" if day == today else "in_effect"


def render_timeline(records: list[ChangeSetRecord], today: date, days: int, fmt: str) -> str:
    """Changes taking effect within `days` of today, in date order, as text or Markdown."""
    if not records:
        return f"Nothing takes effect between {today.isoformat()} ± {days} days.\n"
    head = ["takes effect", "when", "source", "version", "substantive", "verdicts"]
    rows = []
    for r in records:
        assert r.takes_effect_on is not None
        delta = (r.takes_effect_on - today).days
        when = "today" if delta == 0 else f"in {delta} d" if delta > 0 else f"{-delta} d ago"
        rows.append([r.takes_effect_on.isoformat(), when, r.source.slug, str(r.new_seq),
                     str(r.substantive_count), ", ".join(r.verdicts) or "-"])
    if fmt == "markdown":
        return _md_table(head, rows)
    return _text_table(head, rows)


# --- sources ----------------------------------------------------------------------------------

def render_sources(entries: list[dict[str, Any]], fmt: str) -> str:
    """Sources with status and check state as a text or Markdown table."""
    if not entries:
        return "No sources configured.\n"
    head = ["source", "status", "last check", "last change", "failures", "next due"]
    rows = [[e["slug"], e["status"], _when(_dt(e["last_checked_at"])), _when(_dt(e["last_change_at"])),
             str(e["consecutive_failures"]), _when(_dt(e["next_due_at"]))] for e in entries]
    return _md_table(head, rows) if fmt == "markdown" else _text_table(head, rows)


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# --- tables -----------------------------------------------------------------------------------

def _text_table(head: list[str], rows: Iterable[list[str]]) -> str:
    rows = [[neutralize(cell, 200) for cell in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines) + "\n"


def _md_table(head: list[str], rows: Iterable[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(md(c, 200) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


# --- schemas ----------------------------------------------------------------------------------

COMMANDS_WITH_JSON = ("diff", "history", "show", "timeline", "sources")


def load_output_schema(command: str) -> dict[str, Any]:
    """The JSON Schema of one command's --format json output (package data)."""
    from importlib import resources

    text = resources.files("monitor").joinpath(f"schemas/{command}.schema.json").read_text("utf-8")
    return json.loads(text)


def validate_output(command: str, data: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError unless data matches the command's schema (ChangeSets included)."""
    import jsonschema
    from referencing import Registry, Resource

    from monitor.changeset_json import load_schema

    changeset = load_schema()
    registry = Registry().with_resource(changeset["$id"], Resource.from_contents(changeset))
    validator = jsonschema.Draft202012Validator(load_output_schema(command), registry=registry,
                                                format_checker=jsonschema.FormatChecker())
    validator.validate(data)
