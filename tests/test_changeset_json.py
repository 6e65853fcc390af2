"""ChangeSet JSON: round trip, schema validation, versioning."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import jsonschema
import pytest

from monitor.changeset_json import (SCHEMA_VERSION, change_set_from_dict, change_set_to_dict,
                                    load_schema, validate_change_set_dict)
from monitor.model import ChangeSet
from monitor.verdicts import build_change_set
from tests.test_diff_fixtures import load

CASES = [
    ("github-tos/2020-10-01_b059da29.md", "github-tos/2020-11-16_91056f40.md"),
    ("claude-consumer-terms/2025-08-29T003201Z_d8d25b3cb0.md", "claude-consumer-terms/2025-09-27T003203Z_e6ccdf52ec.md"),
    ("hf-tos/2025-03-21T180809Z_c68ad05c30.md", "hf-tos/2025-06-24T180711Z_bfcd629d1c.md"),
]


@pytest.mark.parametrize("old,new", CASES)
def test_round_trip_through_json_text(old, new):
    cs = build_change_set(load(old), load(new), detected_at=datetime(2025, 9, 27, tzinfo=UTC),
                          prev_checked_at=datetime(2025, 9, 26, 12, tzinfo=UTC))
    payload = json.loads(json.dumps(change_set_to_dict(cs)))
    validate_change_set_dict(payload)
    assert payload["schema_version"] == SCHEMA_VERSION == 1
    assert change_set_from_dict(payload) == cs


def test_empty_change_set_round_trips():
    cs = ChangeSet(changes=())
    assert change_set_from_dict(change_set_to_dict(cs)) == cs
    validate_change_set_dict(change_set_to_dict(cs))


def test_schema_rejects_bad_payloads():
    cs = build_change_set(load(CASES[0][0]), load(CASES[0][1]),
                          detected_at=datetime(2020, 11, 16, 18, tzinfo=UTC), prev_checked_at=None)
    good = change_set_to_dict(cs)
    bad_kind = json.loads(json.dumps(good))
    bad_kind["changes"][0]["kind"] = "rewritten"
    bad_date = dict(good, takes_effect_on="16 Nov 2020")
    bad_version = dict(good, schema_version=2)
    for bad in (bad_kind, bad_date, bad_version):
        with pytest.raises(jsonschema.ValidationError):
            validate_change_set_dict(bad)


def test_unknown_version_is_refused_on_load():
    with pytest.raises(ValueError):
        change_set_from_dict({"schema_version": 99, "changes": [], "verdicts": []})


def test_schema_is_itself_valid():
    jsonschema.Draft202012Validator.check_schema(load_schema())
