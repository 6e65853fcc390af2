"""Backfill history from saved files or an Open Terms Archive git repository.

Every saved page goes through the same pipeline as a live check (`record_fetch`), with its
fetch time as the check time, so versions, diffs and verdicts come out as if observed then.
Snapshots of one source are imported oldest first (the pipeline takes the previous
successful check as the lower bound of the posting window); a snapshot already imported
(same bytes, same time) is skipped, so running an import twice changes nothing.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor.check import record_fetch, sync_sources
from monitor.config import Config, SourceConfig
from monitor.errors import ConfigError, MonitorError
from monitor.model import FetchResult
from monitor.normalize import slugify
from monitor.when import as_utc
from storage import repo
from storage.models import FetchAttempt, Snapshot

# "2025-08-29T003201Z_d8d25b3cb0.md" (OTA exports) or "2020-11-16_91056f40.md" (dated copies)
_STAMPED_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:T(\d{2})(\d{2})(\d{2})Z)?(?:[_.-]|$)")
_CONTENT_TYPES = {".html": "text/html", ".htm": "text/html", ".md": "text/markdown",
                  ".markdown": "text/markdown", ".txt": "text/plain", ".pdf": "application/pdf"}
IMPORT_WORKER = "import"

Progress = Callable[[int, int, str], None]  # (done, total, label)


class BackfillError(MonitorError):
    """An import cannot start: unknown source, unreadable path, not a git repository."""


@dataclass(frozen=True)
class SavedSnapshot:
    """One saved page to import: when it was fetched, what it holds, where it came from."""

    fetched_at: datetime
    content_type: str
    label: str  # a file name or "commit:path", for messages
    load: Callable[[], bytes] = field(compare=False, repr=False)


@dataclass(frozen=True)
class ImportLine:
    """What importing one saved page did."""

    slug: str
    label: str
    fetched_at: datetime
    result: str  # new | changed | unchanged | failed | skipped
    detail: str = ""

    def line(self) -> str:
        """One line for the terminal."""
        text = f"{self.fetched_at.isoformat()} {self.slug}: {self.result}"
        return f"{text} ({self.detail}) [{self.label}]" if self.detail else f"{text} [{self.label}]"


@dataclass
class ImportReport:
    """Every imported page's line, in the order imported, plus what could not be mapped."""

    lines: list[ImportLine] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many pages ended in each result."""
        counts: dict[str, int] = {}
        for item in self.lines:
            counts[item.result] = counts.get(item.result, 0) + 1
        return counts


def time_from_name(name: str) -> datetime | None:
    """The fetch time an OTA-style or dated file name carries, in UTC; None when it has none."""
    match = _STAMPED_NAME.match(name)
    if not match:
        return None
    day, hh, mm, ss = match.groups()
    try:
        if hh is None:
            return datetime.fromisoformat(day).replace(tzinfo=UTC)
        return datetime.fromisoformat(f"{day}T{hh}:{mm}:{ss}").replace(tzinfo=UTC)
    except ValueError:
        return None


def content_type_for(name: str) -> str:
    """The content type a saved file's extension implies (HTML when unknown: the normalizer sniffs)."""
    return _CONTENT_TYPES.get(PurePosixPath(name).suffix.lower(), "text/html")


def saved_files(paths: Iterable[Path], fetched_at: datetime | None = None) -> list[SavedSnapshot]:
    """Saved files as snapshots, oldest first: time from the name, else the file's mtime."""
    files = []
    for path in paths:
        if path.is_dir():
            raise BackfillError(f"{path} is a directory; pass the files (e.g. {path}/*.html)")
        if not path.is_file():
            raise BackfillError(f"{path}: no such file")
        when = fetched_at or time_from_name(path.name)
        if when is None:
            when = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        files.append(SavedSnapshot(as_utc(when), content_type_for(path.name), path.name,
                                   load=path.read_bytes))
    return sorted(files, key=lambda s: (s.fetched_at, s.label))


def import_snapshots(engine: Engine, config: Config, source_cfg: SourceConfig,
                     snapshots: list[SavedSnapshot], *, progress: Progress | None = None,
                     report: ImportReport | None = None) -> ImportReport:
    """Run each snapshot through the check pipeline as if fetched at its time, oldest first."""
    report = report or ImportReport()
    ordered = sorted(snapshots, key=lambda s: (s.fetched_at, s.label))
    for index, snap in enumerate(ordered, start=1):
        report.lines.append(_import_one(engine, config, source_cfg, snap))
        if progress:
            progress(index, len(ordered), snap.label)
    return report


def _import_one(engine: Engine, config: Config, source_cfg: SourceConfig, snap: SavedSnapshot) -> ImportLine:
    slug = source_cfg.slug
    try:
        body = snap.load()
    except OSError as exc:
        return ImportLine(slug, snap.label, snap.fetched_at, "failed", f"cannot read: {exc}")
    skip = _skip_reason(engine, slug, snap.fetched_at, repo.sha256(body))
    if skip:
        return ImportLine(slug, snap.label, snap.fetched_at, "skipped", skip)
    fetched = FetchResult(url=source_cfg.url, status="ok", http_status=200, body=body,
                          content_type=snap.content_type)
    result = record_fetch(engine, config, source_cfg, fetched, started_at=snap.fetched_at,
                          worker=IMPORT_WORKER)
    return ImportLine(slug, snap.label, snap.fetched_at, result.result, result.detail)


def _skip_reason(engine: Engine, slug: str, fetched_at: datetime, body_hash: str) -> str | None:
    """Why this snapshot must not be imported now, or None."""
    with Session(engine) as session:
        source = repo.get_source(session, slug)
        assert source is not None and source.id is not None
        seen = session.exec(
            select(FetchAttempt.id).join(Snapshot, col(Snapshot.id) == col(FetchAttempt.snapshot_id))
            .where(col(FetchAttempt.source_id) == source.id, col(FetchAttempt.started_at) == fetched_at,
                   col(Snapshot.content_hash) == body_hash)
        ).first()
        if seen is not None:
            return "already imported"
        last = source.last_checked_at
        if last is not None and as_utc(last) >= fetched_at:
            # Versions are a chain in time: a page older than the last check cannot be slotted in.
            return (f"older than the source's last check ({as_utc(last).isoformat()}); "
                    "import history before live checks, or into a new database")
    return None


def configured_source(config: Config, slug: str) -> SourceConfig:
    """The config entry for a slug, or a ConfigError naming the configured ones."""
    source = config.sources_by_slug.get(slug)
    if source is None:
        known = ", ".join(sorted(config.sources_by_slug)) or "none"
        raise ConfigError(f"unknown source {slug}; add a [[source]] with this slug to {config.path or 'the config'} "
                          f"first (configured: {known})")
    return source


def import_files(engine: Engine, config: Config, slug: str, paths: list[Path], *,
                 fetched_at: datetime | None = None, progress: Progress | None = None) -> ImportReport:
    """Import saved files of one configured source."""
    source_cfg = configured_source(config, slug)
    if fetched_at is not None and len(paths) != 1:
        raise BackfillError("--fetched-at applies to a single file; name one file, or let the file names "
                           "(2025-08-29T003201Z_....html) or modification times give each file its time")
    snapshots = saved_files(paths, fetched_at)
    sync_sources(engine, config)
    return import_snapshots(engine, config, source_cfg, snapshots, progress=progress)


# --- Open Terms Archive git repositories -------------------------------------------------------

def _git(repo_dir: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(repo_dir), *args], capture_output=True, text=True, check=True)
    except FileNotFoundError:
        raise BackfillError("git is not installed; it is needed to read an Open Terms Archive repository") from None
    except subprocess.CalledProcessError as exc:
        raise BackfillError(f"{repo_dir}: git {args[0]} failed: {exc.stderr.strip()}") from None
    return done.stdout


class _BlobReader:
    """Reads file contents at commits through one `git cat-file --batch` process."""

    def __init__(self, repo_dir: Path) -> None:
        self._proc = subprocess.Popen(["git", "-C", str(repo_dir), "cat-file", "--batch"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def read(self, commit: str, path: str) -> bytes:
        assert self._proc.stdin and self._proc.stdout
        self._proc.stdin.write(f"{commit}:{path}\n".encode())
        self._proc.stdin.flush()
        header = self._proc.stdout.readline().decode().split()
        if len(header) < 3 or header[1] != "blob":
            raise OSError(f"{path} is missing at commit {commit[:10]}")
        data = self._proc.stdout.read(int(header[2]))
        self._proc.stdout.read(1)  # the newline after each object
        return data

    def close(self) -> None:
        if self._proc.stdin:
            self._proc.stdin.close()
        self._proc.wait(timeout=10)


def _mapping(config: Config, files: list[str], explicit: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """path -> slug for the repository's files: --source SLUG=PATH first, then Service/Type.ext."""
    by_key: dict[tuple[str, str], str] = {}
    for src in config.source:
        by_key[(slugify(src.platform), slugify(src.document_type))] = src.slug
        head, _, tail = src.slug.partition("/")
        by_key.setdefault((head, tail), src.slug)
    wanted = {path.strip("/"): slug for slug, path in explicit.items()}
    mapping: dict[str, str] = {}
    unmapped = []
    for path in files:
        parts = PurePosixPath(path)
        if path in wanted:
            mapping[path] = wanted[path]
            continue
        if len(parts.parts) == 2 and not path.startswith("."):
            key = (slugify(parts.parts[0]), slugify(parts.stem))
            if key in by_key:
                mapping[path] = by_key[key]
                continue
        if not path.startswith(".") and parts.name not in ("README.md", "LICENSE"):
            unmapped.append(path)
    missing = [p for p in wanted if p not in files]
    if missing:
        raise BackfillError(f"--source names paths the repository does not hold: {', '.join(missing)}")
    return mapping, unmapped


def ota_history(repo_dir: Path, path: str, reader: _BlobReader) -> list[SavedSnapshot]:
    """Every committed content of one file, oldest first; commit time = fetch time."""
    log = _git(repo_dir, "log", "--reverse", "--format=%H %cI", "--", path)
    snapshots = []
    for line in log.splitlines():
        commit, _, stamp = line.partition(" ")
        if not commit:
            continue
        snapshots.append(SavedSnapshot(
            as_utc(datetime.fromisoformat(stamp)), content_type_for(path), f"{commit[:10]}:{path}",
            load=lambda c=commit, p=path: reader.read(c, p)))
    return snapshots


def import_ota_repository(engine: Engine, config: Config, repo_dir: Path, *,
                          explicit: dict[str, str] | None = None,
                          progress: Progress | None = None) -> ImportReport:
    """Import the git history of every file of an OTA snapshots/versions repo mapped to a source.

    Files map to sources by `Service Name/Terms Type.ext` against each source's platform and
    document_type (compared as slugs), or by explicit {slug: path}.
    """
    if not (repo_dir / ".git").exists() and not _is_git(repo_dir):
        raise BackfillError(f"{repo_dir} is not a git repository (clone an Open Terms Archive "
                           "snapshots or versions repository first)")
    for slug in (explicit or {}):
        configured_source(config, slug)
    files = _git(repo_dir, "ls-files").splitlines()
    mapping, unmapped = _mapping(config, files, explicit or {})
    if not mapping:
        raise BackfillError(f"{repo_dir}: no file maps to a configured source; name them with "
                           "--source SLUG=PATH (e.g. --source acme/terms='Acme/Terms of Service.html')")
    sync_sources(engine, config)
    report = ImportReport(unmapped=unmapped)
    reader = _BlobReader(repo_dir)
    try:
        per_source = {path: ota_history(repo_dir, path, reader) for path in sorted(mapping)}
        total = sum(len(s) for s in per_source.values())
        done = 0
        for path, snapshots in per_source.items():
            source_cfg = configured_source(config, mapping[path])

            def step(_i: int, _n: int, label: str) -> None:
                nonlocal done
                done += 1
                if progress:
                    progress(done, total, label)

            import_snapshots(engine, config, source_cfg, snapshots, progress=step, report=report)
    finally:
        reader.close()
    return report


def _is_git(repo_dir: Path) -> bool:
    try:
        return _git(repo_dir, "rev-parse", "--is-inside-work-tree").strip() == "true"
    except BackfillError:
        return False


# --- Open Terms Archive declarations -> [[source]] tables --------------------------------------

@dataclass(frozen=True)
class DeclaredSource:
    """A source derived from an OTA declaration, or why one document could not be converted."""

    slug: str
    table: dict[str, Any] | None
    notes: tuple[str, ...] = ()


def _selectors(value: Any, key: str, notes: list[str]) -> list[str]:
    items = value if isinstance(value, list) else [value] if value is not None else []
    kept = [item for item in items if isinstance(item, str)]
    if len(kept) != len(items):
        # OTA range selectors ({"startBefore": ..., "endBefore": ...}) have no CSS equivalent.
        notes.append(f"{len(items) - len(kept)} range {key} selector(s) dropped (no CSS equivalent); "
                     f"check the extracted text and add a CSS selector by hand")
    return kept


def declaration_sources(declaration: dict[str, Any]) -> list[DeclaredSource]:
    """The [[source]] tables an OTA service declaration describes, one per document."""
    from pydantic import ValidationError

    name = declaration.get("name")
    documents = declaration.get("documents") or declaration.get("terms")
    if not isinstance(name, str) or not name.strip() or not isinstance(documents, dict) or not documents:
        raise BackfillError('not an Open Terms Archive declaration: expected {"name": "...", '
                           '"documents": {"Terms of Service": {"fetch": "https://...", "select": [...]}}}')
    results = []
    for doc_type, spec in documents.items():
        slug = f"{slugify(name)}/{slugify(doc_type)}"
        notes: list[str] = []
        if isinstance(spec, dict) and isinstance(spec.get("combine"), list):
            results.append(DeclaredSource(slug, None, ("a document combined from several pages is not "
                                                       "supported; declare each page as its own source",)))
            continue
        if not isinstance(spec, dict) or not isinstance(spec.get("fetch"), str):
            results.append(DeclaredSource(slug, None, ("no 'fetch' URL",)))
            continue
        table: dict[str, Any] = {"slug": slug, "platform": name, "document_type": doc_type, "url": spec["fetch"]}
        select_ = _selectors(spec.get("select"), "select", notes)
        remove = _selectors(spec.get("remove"), "remove", notes)
        if select_:
            table["select"] = select_
        if remove:
            table["remove"] = remove
        if spec.get("executeClientScripts"):
            table["fetcher"] = "browser"
            notes.append("the page needs a browser (executeClientScripts): fetcher = \"browser\"")
        for unknown in ("filter",):
            if spec.get(unknown):
                notes.append(f"OTA {unknown}s {spec[unknown]} have no equivalent here; ignored")
        try:
            SourceConfig.model_validate(table)
        except ValidationError as exc:
            reason = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
            results.append(DeclaredSource(slug, None, (reason,)))
            continue
        results.append(DeclaredSource(slug, table, tuple(notes)))
    return results


def load_declaration(path: Path) -> dict[str, Any]:
    """An OTA declaration file as a dict, or a clear error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackfillError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackfillError(f"{path}: not a readable JSON declaration: {exc}") from None
    if not isinstance(data, dict):
        raise BackfillError(f"{path}: not an Open Terms Archive declaration (expected a JSON object)")
    if "name" not in data:
        data = {**data, "name": path.stem}  # OTA names declaration files after the service
    return data


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON string escapes are valid TOML basic strings
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)


def source_toml(table: dict[str, Any], notes: Iterable[str] = ()) -> str:
    """A [[source]] block, with notes as comments above it."""
    lines = [f"# note: {note}" for note in notes]
    lines.append("[[source]]")
    lines.extend(f"{key} = {_toml_value(value)}" for key, value in table.items())
    return "\n".join(lines) + "\n"


def append_sources(config_path: Path, blocks: list[str]) -> None:
    """Append [[source]] blocks to a config file, only if the result still validates."""
    from monitor.config import load_config

    original = config_path.read_text(encoding="utf-8") if config_path.exists() else ""
    text = original.rstrip("\n") + ("\n\n" if original.strip() else "") + "\n".join(blocks)
    temp = config_path.with_name(f".{config_path.name}.import.tmp")
    temp.write_text(text, encoding="utf-8")
    try:
        load_config(temp)  # a config we would break is left as it was
    except ConfigError:
        temp.unlink()
        raise
    temp.replace(config_path)
