"""A rich progress bar on stderr for long operations, shown only on a terminal."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, Iterator

ProgressCallback = Callable[[int, int, str], None]  # (done, total, label)


@contextmanager
def progress_bar(description: str, *, force: bool | None = None) -> Iterator[ProgressCallback]:
    """Yield a (done, total, label) callback that drives a bar; a no-op when stderr is not a TTY."""
    show = sys.stderr.isatty() if force is None else force
    if not show:
        yield lambda done, total, label: None
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
               TextColumn("{task.fields[label]}"))
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=None, label="")

        def update(done: int, total: int, label: str) -> None:
            # Labels are file names or slugs: escape so "[...]" is not read as rich markup.
            bar.update(task, completed=done, total=total, label=escape(label[-60:]))

        yield update
