"""Structured logging for the daemon: text or JSON lines, one line per check, no secrets."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import datetime, timezone
from typing import Any, Literal

# Fields a record may carry through `extra=` that belong in the structured line.
FIELDS = ("slug", "result", "elapsed_ms", "worker", "detail", "claimed", "checked", "event", "url", "count")
# user:password@ in any URL (database URLs, apprise URLs) is masked before a line is written.
_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^/\s:@]*):(?P<secret>[^/\s@]+)@")
_TOKEN_QUERY = re.compile(r"(?i)([?&](?:token|password|pass|secret|key|apikey|api_key)=)[^&\s]+")


def redact(text: str) -> str:
    """Mask passwords in URLs and secret-looking query parameters."""
    text = _CREDENTIALS.sub(r"\g<scheme>\g<user>:***@", text)
    return _TOKEN_QUERY.sub(r"\1***", text)


class RedactingFilter(logging.Filter):
    """Rewrites every record's message with secrets masked (defence in depth)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg and the known structured fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name in FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`time level logger: message key=value ...` for people reading a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        pairs = [f"{name}={getattr(record, name)}" for name in FIELDS if hasattr(record, name)]
        text = f"{text} {' '.join(pairs)}" if pairs else text
        return redact(text)


def setup_logging(fmt: Literal["text", "json"] = "text", level: int = logging.INFO,
                  stream: Any = None) -> logging.Handler:
    """Send the root logger's records to stderr in the chosen format; returns the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_monitor_handler", False):
            root.removeHandler(old)
    handler._monitor_handler = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request at INFO: one line per check is ours to write.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # APScheduler logs every job run at INFO; the dispatch job runs every few seconds.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    return handler


def log_check(logger: logging.Logger, slug: str, result: str, elapsed_ms: float, worker: str,
              detail: str = "") -> None:
    """The one line written per check."""
    level = logging.WARNING if result in ("failed", "suspicious") else logging.INFO
    logger.log(level, "check %s: %s", slug, result,
               extra={"slug": slug, "result": result, "elapsed_ms": round(elapsed_ms, 1), "worker": worker,
                      "detail": detail[:300]})
