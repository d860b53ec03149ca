"""What every subcommand shares: the data-dir option and one-line failures with exit code 2."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from duijie.l10n.cli_text import _

F = TypeVar("F", bound=Callable[..., Any])


class Failure(click.ClickException):
    """A user error: one line on stderr and exit code 2, never a traceback."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message


def data_dir_option(f: F) -> F:
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        required=True,
        envvar="DUIJIE_DATA_DIR",
        help="The node's data directory (config, keys, database). Env: DUIJIE_DATA_DIR.",
    )(f)


def db_option(f: F) -> F:
    return click.option(
        "--db",
        "db_url",
        default=None,
        envvar="DUIJIE_DB",
        help="Database URL, e.g. postgresql+psycopg://user:pw@host/db (default: SQLite in the data dir).",
    )(f)


def user_errors(f: F) -> F:
    """Turn expected errors into :class:`Failure`, in the command line's language; a ValidationFailed
    lists every issue, a domain rule's refusal is said by its rule."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except Exception as exc:
            failure = _failure_of(exc)
            if failure is None:
                raise
            raise failure from exc

    return wrapper  # type: ignore[return-value]


def _failure_of(exc: Exception) -> Failure | None:
    """The one-line failure an expected error becomes (None: not one of ours, let it through).

    The error types and the tables that say them are imported here, once a command fails: with
    the domain's rules behind them they cost more start-up time than many commands' own work.
    """
    if isinstance(exc, (click.ClickException, click.exceptions.Exit, click.Abort)):
        return None  # Click's own (a Failure among them) go through as they are
    from duijie.domain.applications import ApplicationError
    from duijie.domain.errors import DomainError, ValidationFailed
    from duijie.l10n import listing_reasons, rule_texts
    from duijie.services.errors import ServiceError
    from duijie.storage.node_config import ConfigError

    if isinstance(exc, ValidationFailed):
        for issue in exc.issues:
            click.echo(f"  {issue.path}: {listing_reasons.say(issue.reason, _)}", err=True)
        return Failure(_("rejected: {count} problem(s), nothing was changed").format(count=len(exc.issues)))
    if isinstance(exc, (DomainError, ApplicationError)):
        return Failure(rule_texts.error_said(exc, _))
    if isinstance(exc, (ServiceError, ConfigError)):
        return Failure(str(exc))
    return None


def echo_list(items: list[Any], as_json: bool, empty: str, line: Callable[[Any], str]) -> None:
    """Print ``items`` as one JSON array, or ``empty`` when there are none, or a ``line`` each."""
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False))
        return
    if not items:
        click.echo(empty)
    for item in items:
        click.echo(line(item))
