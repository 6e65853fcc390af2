"""The root command, its shared options and the context every command reads."""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import click
from sqlalchemy.engine import Engine

from monitor.config import Config, find_default_config, load_config
from monitor.errors import MonitorError


@dataclass
class AppContext:
    """Lazily loaded config and database engine, shared by the subcommands."""

    config_path: Path | None = None
    database_url: str | None = None
    _config: Config | None = field(default=None, repr=False)
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path or find_default_config())
        return self._config

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from storage.db import database_url, open_database

            url = self.database_url or database_url(self.config.monitor.database_url, self.config.data_dir)
            self._engine = open_database(url)
        return self._engine


pass_app = click.make_pass_decorator(AppContext)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a MonitorError into its message on stderr and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MonitorError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "-c", "config_path", type=click.Path(path_type=Path),
              envvar="MONITOR_CONFIG", help="Config file (default: ./config.toml, else ./config.example.toml).")
@click.option("--database-url", envvar="MONITOR_DATABASE_URL", metavar="URL",
              help="Database URL (default: SQLite in the config's data_dir).")
@click.version_option(package_name="policy-monitor")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, database_url: str | None) -> None:
    """Watch the legal pages of online platforms and report what changed, provision by provision."""
    ctx.obj = AppContext(config_path=config_path, database_url=database_url)
