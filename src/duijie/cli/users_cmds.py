"""``duijie users``: the accounts that sign in to the merchant pages (add, list, passwd, unlock).

The commands work on the node's database directly (the server need not run, and a running one
sees the change at once). Passwords are read from a prompt (typed twice, not echoed) or, for
scripts, from the first line of standard input with ``--password-stdin``.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from duijie.cli.common import Failure, data_dir_option, db_option, echo_list, user_errors
from duijie.domain.accounts import MIN_PASSWORD, Account, Role
from duijie.l10n import account_reasons
from duijie.l10n.cli_text import _
from duijie.services.accounts import AccountError, AccountService

F = TypeVar("F", bound=Callable[..., Any])


def _accounts(data_dir: Path, db_url: str | None) -> AccountService:
    from duijie.local_node import open_accounts

    return open_accounts(data_dir, db_url=db_url)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt(_("Password (at least {count} characters)").format(count=MIN_PASSWORD), hide_input=True,
                            confirmation_prompt=True))


def _account_errors(f: F) -> F:
    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except AccountError as exc:
            raise Failure(account_reasons.said(str(exc), _)) from exc

    return wrapper  # type: ignore[return-value]


def _line(account: dict[str, Any]) -> str:
    locked = "  " + _("locked until {time}").format(time=account["locked_until"]) if account["locked_until"] else ""
    return f"{account['name']}  {account['role']}{locked}"


def _as_json(account: Account) -> dict[str, Any]:
    return {"name": account.name, "role": account.role.value, "created_at": account.created_at.isoformat(),
            "locked_until": account.locked_until.isoformat() if account.locked_until else None}


password_stdin = click.option("--password-stdin", is_flag=True,
                              help="Read the password from the first line of standard input (no prompt).")


@click.group()
def users() -> None:
    """Accounts of the merchant pages (/merchant). The first one: sign in there as admin with the
    node's admin token (DATA_DIR/admin-token), which makes the owner account admin."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.STAFF.value, show_default=True,
              help="owner: everything; staff: the inbox.")
@password_stdin
@data_dir_option
@db_option
@user_errors
@_account_errors
def add(name: str, role: str, password_stdin: bool, data_dir: Path, db_url: str | None) -> None:
    """Add an account NAME (letters, digits, . _ -)."""
    accounts = _accounts(data_dir, db_url)
    account = accounts.add(name, _password(password_stdin), Role(role))
    click.echo(_("added {role} account {name}").format(role=account.role.value, name=account.name))


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@data_dir_option
@db_option
@user_errors
def list_users(as_json: bool, data_dir: Path, db_url: str | None) -> None:
    """The accounts, with their role and any lock-out."""
    accounts = [_as_json(a) for a in _accounts(data_dir, db_url).list()]
    echo_list(accounts, as_json, _("no accounts yet (sign in as admin with the admin token to make the first)"), _line)


@users.command("passwd")
@click.argument("name")
@password_stdin
@data_dir_option
@db_option
@user_errors
@_account_errors
def passwd(name: str, password_stdin: bool, data_dir: Path, db_url: str | None) -> None:
    """Set NAME's password; NAME's browsers are signed out and any lock-out lifted."""
    _accounts(data_dir, db_url).set_password(name, _password(password_stdin))
    click.echo(_("password of {name} changed; its sessions have ended").format(name=name))


@users.command("unlock")
@click.argument("name")
@data_dir_option
@db_option
@user_errors
@_account_errors
def unlock(name: str, data_dir: Path, db_url: str | None) -> None:
    """Lift NAME's lock-out after too many wrong passwords."""
    _accounts(data_dir, db_url).unlock(name)
    click.echo(_("{name} unlocked").format(name=name))
