"""Config loading: the example config, and every mistake with file, line, key and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import load_config, parse_duration
from monitor.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def test_example_config_declares_the_four_real_documents() -> None:
    config = load_config(ROOT / "config.example.toml")
    types = {s.document_type for s in config.source}
    assert {"Terms of Service", "Privacy Policy", "Code of Conduct"} <= types
    assert len(config.source) == 4
    assert all(s.url.startswith("https://huggingface.co/") for s in config.source)
    assert all(s.platform == "Hugging Face" for s in config.source)
    assert config.interval_seconds(config.sources_by_slug["huggingface/code-of-conduct"]) == 86400


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD_SOURCE = '''
[[source]]
slug = "acme/terms"
platform = "Acme"
document_type = "Terms of Service"
url = "https://acme.example/terms"
'''


def test_unknown_key_names_file_line_and_the_likely_fix(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD_SOURCE + 'intervall = "6h"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message
    assert "line 7" in message
    assert "unknown key 'intervall'" in message
    assert "did you mean 'interval'" in message


def test_bad_url_is_rejected_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD_SOURCE.replace("https://acme.example/terms", "ftp://acme.example/terms"))
    with pytest.raises(ConfigError, match=r"line 6, \[\[source\]\] #1 > url: 'ftp://acme.example/terms' is not an http"):
        load_config(path)


def test_duplicate_slug_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD_SOURCE + GOOD_SOURCE)
    with pytest.raises(ConfigError, match="slug = 'acme/terms'; each slug must be unique"):
        load_config(path)


def test_toml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD_SOURCE + "interval = \n")
    with pytest.raises(ConfigError, match=r"not valid TOML.*line 7"):
        load_config(path)


def test_missing_required_key_says_which(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD_SOURCE.replace('platform = "Acme"\n', ""))
    with pytest.raises(ConfigError, match="missing required key 'platform'"):
        load_config(path)


def test_source_naming_an_undefined_channel_fails(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD_SOURCE + 'channels = ["nowhere"]\n')
    with pytest.raises(ConfigError, match="names 'nowhere', which no \\[\\[channel\\]\\] defines"):
        load_config(path)


def test_missing_file_says_how_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="copy config.example.toml"):
        load_config(tmp_path / "absent.toml")


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("15m", 900), ("6h", 21600), ("1d", 86400), (30, 30)])
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["soon", "-5m", "0", "6 hours"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)
