"""Every command and subcommand answers --help."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from monitor.cli import main


def _paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            paths.extend(_paths(command, prefix + (name,)))
        else:
            paths.append(prefix + (name,))
    return paths


@pytest.mark.parametrize("path", _paths(main), ids=lambda p: " ".join(p) or "monitor")
def test_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_commands_present() -> None:
    assert {"check", "validate", "diff", "history", "show", "timeline", "sources", "import"} <= set(main.commands)
