"""The `monitor` command line: a thin click layer over the library.

Each command group lives in its own module and is registered here.
"""

from __future__ import annotations

from monitor.cli.app import main
from monitor.cli import check_cmd, import_cmd, notify_cmd, query_cmds, run_cmd  # noqa: F401  (registers commands)

__all__ = ["main"]
