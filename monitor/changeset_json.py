"""ChangeSet <-> JSON-ready dict, versioned and checked against monitor/schemas/changeset.schema.json."""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from monitor.model import Change, ChangeSet, Verdict, WordDiff

SCHEMA_VERSION = 1


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value is not None else None


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def _change_to_dict(change: Change) -> dict[str, Any]:
    return {
        "kind": change.kind,
        "old_id": change.old_id,
        "new_id": change.new_id,
        "heading_path": list(change.heading_path),
        "old_text": change.old_text,
        "new_text": change.new_text,
        "substantive": change.substantive,
        "diff": None if change.diff is None else {
            "ops": [[op, text] for op, text in change.diff.ops], "coarse": change.diff.coarse},
        "old_index": change.old_index,
        "new_index": change.new_index,
        "provision_kind": change.provision_kind,
    }


def _change_from_dict(data: dict[str, Any]) -> Change:
    diff = data.get("diff")
    return Change(
        kind=data["kind"], old_id=data["old_id"], new_id=data["new_id"],
        heading_path=tuple(data["heading_path"]), old_text=data["old_text"],
        new_text=data["new_text"], substantive=data["substantive"],
        diff=None if diff is None else WordDiff(
            ops=tuple((int(op), text) for op, text in diff["ops"]), coarse=diff["coarse"]),
        old_index=data.get("old_index"), new_index=data.get("new_index"),
        provision_kind=data.get("provision_kind"))


def change_set_to_dict(change_set: ChangeSet) -> dict[str, Any]:
    """A JSON-ready dict of a ChangeSet, schema_version included."""
    cs = change_set
    return {
        "schema_version": SCHEMA_VERSION,
        "detected_at": _iso(cs.detected_at),
        "prev_checked_at": _iso(cs.prev_checked_at),
        "old_effective_date": _iso(cs.old_effective_date),
        "new_effective_date": _iso(cs.new_effective_date),
        "old_last_updated_date": _iso(cs.old_last_updated_date),
        "new_last_updated_date": _iso(cs.new_last_updated_date),
        "notice_days": cs.notice_days,
        "notice_days_source": cs.notice_days_source,
        "takes_effect_on": _iso(cs.takes_effect_on),
        "changes": [_change_to_dict(c) for c in cs.changes],
        "verdicts": [{"name": v.name, "certainty": v.certainty, "message": v.message,
                      "facts": dict(v.facts)} for v in cs.verdicts],
    }


def change_set_from_dict(data: dict[str, Any]) -> ChangeSet:
    """The ChangeSet a change_set_to_dict payload describes; ValueError on another version."""
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"unsupported changeset schema_version {data.get('schema_version')!r}")
    return ChangeSet(
        changes=tuple(_change_from_dict(c) for c in data["changes"]),
        detected_at=_datetime(data.get("detected_at")),
        prev_checked_at=_datetime(data.get("prev_checked_at")),
        old_effective_date=_date(data.get("old_effective_date")),
        new_effective_date=_date(data.get("new_effective_date")),
        old_last_updated_date=_date(data.get("old_last_updated_date")),
        new_last_updated_date=_date(data.get("new_last_updated_date")),
        notice_days=data.get("notice_days"),
        notice_days_source=data.get("notice_days_source"),
        takes_effect_on=_date(data.get("takes_effect_on")),
        verdicts=tuple(Verdict(name=v["name"], certainty=v["certainty"], message=v["message"],
                               facts=dict(v["facts"])) for v in data.get("verdicts", [])),
    )


@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    """The JSON Schema of the payload (shipped as package data)."""
    text = resources.files("monitor").joinpath("schemas/changeset.schema.json").read_text("utf-8")
    return json.loads(text)


def validate_change_set_dict(data: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError when data is not a valid schema-1 ChangeSet payload."""
    import jsonschema  # test/ops dependency: only needed when validating

    jsonschema.validate(data, load_schema(), cls=jsonschema.Draft202012Validator,
                        format_checker=jsonschema.FormatChecker())
