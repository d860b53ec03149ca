"""The ``duijie`` group imports a command's module only when that command runs: ``duijie --help``
still lists every command with its short help (from the table in cli/main.py), and a command's
own help pulls in neither the web server nor the database layers."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from duijie.cli.main import COMMANDS, cli
from duijie.cli.node_setup import create_node_dir

#: Every command of the group as it was when all modules were imported up front (session 12).
EAGER_COMMANDS = {"applications", "apply", "book", "bookings", "buy", "demand", "demo", "info", "init", "keys",
                  "menu", "orders", "peers", "pool", "provenance", "provider", "search", "serve", "users",
                  "verify"}
HIDDEN = {"back-office"}

IMPORTS_OF = """
import json, sys
from duijie.cli.main import main
sys.argv = ["duijie", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _imports_of(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", IMPORTS_OF, *args], capture_output=True, text=True, timeout=60,
                          check=True, env={"LANG": "C.UTF-8", "PATH": ""})
    assert "Usage: duijie" in done.stdout or "Error: " in done.stderr

    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_help_lists_every_command_the_eager_group_had(english_locale: None) -> None:
    out = CliRunner().invoke(cli, ["--help"], terminal_width=200).output
    listed = {line.split()[0] for line in out.partition("Commands:")[2].splitlines() if line.strip()}
    assert listed == EAGER_COMMANDS
    assert "The merchant's inbox of orders: list, accept, decline, ready, complete." in out
    assert set(COMMANDS) == EAGER_COMMANDS | HIDDEN


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_tables_short_help_is_the_commands_own(name: str) -> None:
    entry = COMMANDS[name]
    command = cli.get_command(click.Context(cli), name)
    assert isinstance(command, click.Command) and command.help
    assert command.hidden == entry.hidden
    own = inspect.cleandoc(command.help)
    if name == "apply":  # its help opens with a usage line, not a sentence to list
        assert own.startswith("Apply for a job at another node") and "withdraw" in own
    else:
        assert " ".join(own.split()).startswith(entry.short_help), f"update COMMANDS[{name!r}] in cli/main.py"


def test_orders_has_the_producers_batch_orders() -> None:
    orders = cli.get_command(click.Context(cli), "orders")
    assert isinstance(orders, click.Group) and "batches" in orders.commands


def test_help_imports_no_command_module() -> None:
    loaded = _imports_of("--help")
    assert not {m for m in loaded if m.startswith("duijie.cli.") and m.endswith(("_cmds", "_cmd"))}
    assert not {"sqlalchemy", "rich", "logging", "aiohttp", "httpx"} & loaded


def test_keys_help_imports_only_what_keys_needs() -> None:
    loaded = _imports_of("keys", "--help")
    assert "duijie.cli.keys_cmds" in loaded
    assert not {"duijie.cli.orders_cmds", "duijie.cli.node_cmds", "duijie.cli.pool_cmds"} & loaded
    assert not {"starlette", "uvicorn", "alembic", "sqlalchemy", "aiohttp"} & loaded


def test_a_node_client_command_that_fails_imports_no_domain_rules(tmp_path: Path) -> None:
    create_node_dir(tmp_path / "shop", "http://127.0.0.1:9/beckn")  # nothing listens there
    loaded = _imports_of("orders", "list", "--data-dir", str(tmp_path / "shop"))
    assert "duijie.cli.orders_cmds" in loaded
    assert not {m for m in loaded if m.startswith(("duijie.domain", "duijie.l10n.rule_texts", "duijie.services"))}
