"""The `monitor` command line: a thin click layer over the library.

Each command group lives in its own module and is registered here.
"""

from __future__ import annotations

from monitor.cli.app import main
from monitor.cli import check_cmd  # noqa: F401  (registers commands)
from monitor.cli import import_cmd, query_cmds  # noqa: F401  (registers commands)
from monitor.cli import notify_cmd  # noqa: F401  (registers commands)
from monitor.cli import check_cmd, run_cmd  # noqa: F401  (registers commands)

__all__ = ["main"]
