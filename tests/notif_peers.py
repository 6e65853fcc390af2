"""Real loopback peers for notification tests: an SMTP server (aiosmtpd) and an HTTP webhook receiver."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A loopback port nobody listens on (at the time of asking)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Collect:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 OK"


class SmtpServer:
    """aiosmtpd on 127.0.0.1; `.messages` holds the parsed emails received."""

    def __init__(self) -> None:
        self.port = free_port()
        self._handler = _Collect()
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[EmailMessage]:
        return self._handler.messages

    def url(self, to: str = "legal@example.com") -> str:
        return f"mailto://127.0.0.1:{self.port}?from=monitor@example.com&to={to}"

    def start(self) -> "SmtpServer":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


@dataclass
class Hook:
    """A received webhook request."""

    path: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)


class HookServer:
    """An HTTP server on 127.0.0.1 recording POSTs; `status` is what it answers (500 = a dead channel)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.requests: list[Hook] = []
        self.status = 200
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> "HookServer":
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server hook name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if outer.status < 300:
                    outer.requests.append(Hook(self.path, body, dict(self.headers)))
                self.send_response(outer.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def store_change(engine: Any, config: Any, slug: str, old: list[str], new: list[str], *,
                 detected_at: Any, platform: str = "Acme", document_type: str = "Terms of Service",
                 url: str = "https://acme.example/terms", enqueue: bool = True) -> int:
    """Store two versions of a source and their change set (as a check would); returns the change set id."""
    from sqlmodel import Session

    from monitor.model import Document, Provision
    from monitor.verdicts import build_change_set
    from notifiers.outbox import enqueue_change_set
    from storage import repo

    def doc(texts: list[str]) -> Document:
        provisions = tuple(Provision(id=f"terms/{i}", kind="paragraph", text=t, heading_path=("Terms", "Use"))
                           for i, t in enumerate(texts))
        return Document(title="Terms", provisions=provisions)

    with Session(engine) as session:
        source = repo.upsert_source(session, slug=slug, platform=platform, document_type=document_type,
                                    url=url, settings={})
        latest = repo.latest_version(session, source.id)
        seq = latest.seq + 1 if latest else 1
        old_doc, new_doc = doc(old), doc(new)
        v1 = repo.store_version(session, source.id, old_doc, old_doc.canonical_markdown() + str(seq),
                                snapshot_id=None, detected_at=detected_at, prev_checked_at=None, seq=seq)
        v2 = repo.store_version(session, source.id, new_doc, new_doc.canonical_markdown() + str(seq + 1),
                                snapshot_id=None, detected_at=detected_at, prev_checked_at=None, seq=seq + 1)
        change_set = build_change_set(old_doc, new_doc, detected_at=detected_at, prev_checked_at=None,
                                      config_notice_days=None, default_notice_days=10, now=detected_at)
        row = repo.store_change_set(session, source.id, v1.id, v2.id, change_set)
        if enqueue:
            enqueue_change_set(session, config, source, row)
        session.commit()
        return int(row.id)
