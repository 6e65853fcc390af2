"""Load and validate the TOML config; every mistake names the file, line, key and the fix."""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from monitor.errors import ConfigError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?\s*$", re.I)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$")
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
DEFAULT_CONFIG_PATHS = ("config.toml", "config.example.toml")


def parse_duration(value: str | int | float) -> float:
    """Seconds from "90s", "15m", "6h", "1d", "2w" or a bare number of seconds."""
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"'{value}' is not a duration; write e.g. '30m', '6h' or '1d'")
        seconds = float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]
    if seconds <= 0:
        raise ValueError("a duration must be positive")
    return seconds


def expand_env(value: str) -> str:
    """Replace ${VAR} with the environment's value; a missing variable is a ConfigError."""

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ConfigError(f"environment variable {name} is not set (used as ${{{name}}} in the config)")
        return os.environ[name]

    return _ENV.sub(lookup, value)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FetchSettings(_Strict):
    """How pages are fetched: identity, limits, retries and politeness."""

    user_agent: str = "policy-monitor/0.1 (+https://github.com/policy-monitor/policy-monitor; self-hosted legal-page watcher)"
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 60.0
    max_redirects: int = Field(default=5, ge=0, le=20)
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    retries: int = Field(default=3, ge=0, le=10)
    backoff_initial: float = Field(default=1.0, ge=0)
    backoff_max: float = Field(default=60.0, ge=0)
    min_host_delay: float = Field(default=2.0, ge=0)
    respect_robots: bool = True
    robots_ttl: float = Field(default=86400.0, gt=0)  # seconds a host's robots.txt is cached
    shrink_threshold: float = Field(default=0.5, gt=0, le=1)
    failure_threshold: int = Field(default=3, ge=1)


class MonitorSettings(_Strict):
    """Process-wide settings."""

    database_url: str | None = None
    data_dir: str = "data"
    default_interval: str = "6h"
    default_notice_days: int = Field(default=10, ge=0)
    timezone: str = "UTC"
    health_host: str = "127.0.0.1"
    health_port: int = Field(default=8787, ge=0, le=65535)
    log_format: Literal["text", "json"] = "text"
    lease_seconds: float = Field(default=300.0, gt=0)
    dashboard_url: str | None = None  # where full diffs can be read, linked from alerts

    @field_validator("default_interval")
    @classmethod
    def _interval(cls, value: str) -> str:
        parse_duration(value)
        return value


class SourceConfig(_Strict):
    """One watched document."""

    slug: str
    platform: str
    document_type: str
    url: str
    select: list[str] = []
    remove: list[str] = []
    interval: str | None = None
    notice_days: int | None = Field(default=None, ge=0)
    fetcher: Literal["http", "browser"] = "http"
    ignore_robots: str | None = None  # the reason, when robots.txt is overridden
    channels: list[str] | None = None  # None: every channel whose filters match
    enabled: bool = True

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(f"slug '{value}' must be lower case words like 'platform/terms-of-service'")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        check_http_url(value)
        return value

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    @field_validator("ignore_robots")
    @classmethod
    def _reason(cls, value: str | None) -> str | None:
        if value is not None and len(value.strip()) < 3:
            raise ValueError("ignore_robots takes the reason robots.txt is overridden, in words")
        return value


class ChannelConfig(_Strict):
    """Where notifications go: apprise URLs, mode and filters."""

    name: str
    urls: list[str] = Field(min_length=1)
    mode: list[Literal["immediate", "digest"]] = ["immediate"]
    sources: list[str] = []
    platforms: list[str] = []
    document_types: list[str] = []
    substantive_only: bool = True
    digest_time: str = "08:00"
    timezone: str = "UTC"
    send_empty_digest: bool = False
    format: Literal["auto", "text", "markdown", "slack", "html"] = "auto"

    @field_validator("digest_time")
    @classmethod
    def _time(cls, value: str) -> str:
        if not re.match(r"^([01]\d|2[0-3]):[0-5]\d$", value):
            raise ValueError(f"digest_time '{value}' must be HH:MM, e.g. '08:00'")
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone '{value}'; use an IANA name like 'Europe/Paris'") from None
        return value


class Config(_Strict):
    """The whole config file."""

    monitor: MonitorSettings = MonitorSettings()
    fetch: FetchSettings = FetchSettings()
    source: list[SourceConfig] = []
    channel: list[ChannelConfig] = []
    path: str = ""

    @model_validator(mode="after")
    def _unique(self) -> "Config":
        _no_duplicates([s.slug for s in self.source], "source", "slug")
        _no_duplicates([c.name for c in self.channel], "channel", "name")
        names = {c.name for c in self.channel}
        for index, src in enumerate(self.source):
            for name in src.channels or []:
                if name not in names:
                    raise ValueError(f"source[{index}].channels names '{name}', which no [[channel]] defines")
        return self

    @property
    def sources_by_slug(self) -> dict[str, SourceConfig]:
        return {s.slug: s for s in self.source}

    def interval_seconds(self, source: SourceConfig) -> float:
        """The source's check interval in seconds, or the default."""
        return parse_duration(source.interval or self.monitor.default_interval)

    @property
    def data_dir(self) -> Path:
        """The data directory, relative paths taken from the config file's folder."""
        base = Path(self.path).parent if self.path else Path.cwd()
        return (base / self.monitor.data_dir).resolve()


def check_http_url(value: str) -> None:
    """Raise ValueError unless the URL is an absolute http(s) URL with a host."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"'{value}' is not an http(s) URL; write it like 'https://example.com/terms'")


def _no_duplicates(values: list[str], table: str, key: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"two [[{table}]] tables have {key} = '{value}'; each {key} must be unique")
        seen.add(value)


def load_config(path: str | Path) -> Config:
    """Read, parse and validate a config file; raise ConfigError with file, line, key and fix."""
    path = Path(path)
    try:
        raw_text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file; copy config.example.toml to start") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc}") from None
    try:
        data = tomllib.loads(raw_text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    data["path"] = str(path)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, path, raw_text)) from None


def find_default_config() -> Path:
    """$MONITOR_CONFIG, else ./config.toml, else ./config.example.toml."""
    env = os.environ.get("MONITOR_CONFIG")
    if env:
        return Path(env)
    for name in DEFAULT_CONFIG_PATHS:
        if Path(name).exists():
            return Path(name)
    raise ConfigError("no config file: pass --config, set MONITOR_CONFIG, or copy config.example.toml to config.toml")


def _explain(exc: ValidationError, path: Path, raw_text: str) -> str:
    lines = [f"{path}: invalid config:"]
    for error in exc.errors():
        loc = [part for part in error["loc"] if part not in ("function-after",)]
        where = _describe_location(loc)
        line = _find_line(raw_text, loc)
        at = f"line {line}, " if line else ""
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            key = str(loc[-1])
            allowed = _allowed_keys(loc[:-1])
            guess = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean '{guess[0]}'?" if guess else f"allowed keys: {', '.join(sorted(allowed))}"
            message = f"unknown key '{key}'; {hint}"
        elif error["type"] == "missing":
            message = f"missing required key '{loc[-1]}'; add it"
        elif error["type"].startswith("literal_error"):
            message = f"{message} (got {error.get('input')!r})"
        lines.append(f"  {at}{where}: {message}")
    return "\n".join(lines)


def _describe_location(loc: list[Any]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1] = f"[[{parts[-1]}]] #{part + 1}"
        else:
            parts.append(str(part))
    return " > ".join(parts) or "top level"


def _allowed_keys(loc: list[Any]) -> list[str]:
    model: type[BaseModel] = Config
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            break
        annotation = field.annotation
        inner = getattr(annotation, "__args__", (annotation,))[0]
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            model = inner
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
    return [name for name in model.model_fields if name != "path"]


def _find_line(raw_text: str, loc: list[Any]) -> int | None:
    """The line of the key the location names, found by walking the TOML tables."""
    table = next((p for p in loc if isinstance(p, str)), None)
    index = next((p for p in loc if isinstance(p, int)), None)
    key = next((p for p in reversed(loc) if isinstance(p, str)), None)
    if table is None:
        return None
    current: str | None = None
    counts: dict[str, int] = {}
    table_line: int | None = None
    for number, line in enumerate(raw_text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?", stripped)
        if header:
            current = header.group(1)
            counts[current] = counts.get(current, -1) + 1
            if current == table and (index is None or counts[current] == index):
                table_line = number
            continue
        if current == table and (index is None or counts.get(current) == index):
            if key and re.match(rf'^["\']?{re.escape(key)}["\']?\s*=', stripped):
                return number
    return table_line
