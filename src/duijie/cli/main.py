"""The ``duijie`` command: one group, one module per family of subcommands, imported on demand.

Importing every command module costs more start-up time than most commands' own work, so the
group knows each command by the table :data:`COMMANDS` (module, attribute, short help) and
imports a module only when its command runs; ``duijie --help`` lists the table without importing
any (a test keeps the table's short helps in step with the commands' own help texts).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import click

from duijie import __version__
from duijie.cli import language
from duijie.l10n import cli_text
from duijie.l10n.cli_text import _


class LazyCommand(NamedTuple):
    """Where a subcommand lives, and what ``duijie --help`` says of it without importing it."""

    module: str
    attribute: str
    short_help: str
    hidden: bool = False
    then: Callable[[click.Command], None] | None = None
    """Run on the command once imported (to attach subcommands that live in another module)."""


def _with_batch_orders(orders: click.Command) -> None:
    """The producer's batch orders live with the pools: `duijie orders batches`."""
    from duijie.cli import pool_cmds

    assert isinstance(orders, click.Group)
    orders.add_command(pool_cmds.batches)


_CLI = "duijie.cli."
COMMANDS: Mapping[str, LazyCommand] = {
    "init": LazyCommand(_CLI + "node_cmds", "init",
                        "Create a node: config, Ed25519 signing key, X25519 encryption key, admin token."),
    "info": LazyCommand(_CLI + "node_cmds", "info", "Show this node's subscriber_id, URL and public keys."),
    "serve": LazyCommand(_CLI + "node_cmds", "serve", "Serve the node over HTTP (uvicorn with uvloop and httptools)."),
    "back-office": LazyCommand(_CLI + "back_office", "back_office",
                               "Handle a serving node's journaled requests and send its callbacks "
                               "(started by `duijie serve`).", hidden=True),
    "provider": LazyCommand(_CLI + "provider_cmds", "provider", "Listings this node hosts: import, export, list."),
    "menu": LazyCommand(_CLI + "provider_cmds", "menu", "A provider's menu as CSV, for spreadsheets."),
    "demo": LazyCommand(_CLI + "demo_cmd", "demo",
                        "Run the demo network: 川陕名吃, a farm, a factory, a gateway and a buyer node."),
    "keys": LazyCommand(_CLI + "keys_cmds", "keys", "This node's signing and encryption keys."),
    "orders": LazyCommand(_CLI + "orders_cmds", "orders",
                          "The merchant's inbox of orders: list, accept, decline, ready, complete.",
                          then=_with_batch_orders),
    "buy": LazyCommand(_CLI + "buy_cmds", "buy", "Buy from another node: search, order, status, cancel, rate."),
    "book": LazyCommand(_CLI + "book_cmds", "book",
                        "Reserve a room at another node: availability, request, status, take, cancel, ics."),
    "bookings": LazyCommand(_CLI + "bookings_cmds", "bookings",
                            "The merchant's reservations: list (or a day view), show, accept, decline, no-show, "
                            "complete, block, approval mode, calendar."),
    "apply": LazyCommand(_CLI + "apply_cmds", "apply",
                         "Apply for a job at another node, then follow the application up: status, withdraw."),
    "applications": LazyCommand(_CLI + "apply_cmds", "applications",
                                "The job applications this node's providers received: list, show, move."),
    "verify": LazyCommand(_CLI + "verify_cmd", "verify",
                          "Check a receipt, a producer's signed offer, a relisting or a pool's signed terms and "
                          "print what it proves."),
    "search": LazyCommand(_CLI + "search_cmd", "search",
                          "Search the network and what this buyer node has learned, in Chinese or English."),
    "peers": LazyCommand(_CLI + "peers_cmds", "peers", "Peers and node records this node knows."),
    "provenance": LazyCommand(_CLI + "provenance_cmds", "provenance",
                              "源头直供: sign an offer's origin (producer), relist a signed offer (anyone)."),
    "pool": LazyCommand(_CLI + "pool_cmds", "pool",
                        "云拼 pools: gather buyers' pledges until a producer's minimum batch is met."),
    "demand": LazyCommand(_CLI + "pool_cmds", "demand",
                          "The producer's live pooled demand per offer, across the organizers' open pools."),
    "users": LazyCommand(_CLI + "users_cmds", "users", "Accounts of the merchant pages (/merchant)."),
}
"""Every subcommand of ``duijie``, in the order of no importance (``--help`` sorts them)."""


def _trimmed(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a word (or, in Chinese, anywhere), as Click trims."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 3, 1)]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + "..."


class LazyGroup(click.Group):
    """A group whose subcommands are imported when they are asked for (Click's lazy-loading pattern).

    ``speaking`` (set by :func:`main`) translates each subcommand's help texts as it is imported,
    as :func:`language.speak` did to the whole tree when every command was imported up front.
    """

    def __init__(self, *args: Any, lazy: Mapping[str, LazyCommand], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy)
        self.speaking = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self._load(cmd_name)
        return self.commands.get(cmd_name)

    def _load(self, name: str) -> None:
        entry = self.lazy[name]
        command = getattr(importlib.import_module(entry.module), entry.attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{entry.module}.{entry.attribute} is not a click command")
        command.short_help = entry.short_help  # what the listing said of it, for a translations check
        if entry.then is not None:
            entry.then(command)
        if self.speaking:
            language.speak(command)
        self.add_command(command, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their short helps from the table: no command module is imported."""
        say = cli_text._ if self.speaking else str
        rows: list[tuple[str, str]] = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                command = self.commands[name]
                hidden, short = command.hidden, command.short_help or command.get_short_help_str()
            else:
                hidden, short = self.lazy[name].hidden, self.lazy[name].short_help
            if not hidden:
                rows.append((name, say(short)))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _short in rows)
            with formatter.section(say("Commands")):
                formatter.write_dl([(name, _trimmed(short, limit)) for name, short in rows])


@click.group(cls=LazyGroup, lazy=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="duijie", message=_("%(prog)s, version %(version)s"))
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def cli(verbose: int) -> None:
    """duijie (对接): run a node of the open, decentralized Beckn trade network.

    Start with `duijie init --data-dir DIR`, load a listing with `duijie provider import`,
    then `duijie serve --data-dir DIR`. `duijie demo` runs a whole demo network.
    """
    import logging  # here, not at import: `duijie --help` needs no logging

    from rich.logging import RichHandler

    level = logging.WARNING - 10 * verbose
    logging.basicConfig(
        level=max(level, logging.DEBUG),
        format="%(name)s: %(message)s",
        handlers=[RichHandler(console=None, show_path=False, rich_tracebacks=False)],
    )


def main() -> None:
    """Console-script entry point: the command line speaks the locale's language (LANG=zh_CN.UTF-8: Chinese)."""
    language.speak(cli)
    if cli_text.language_of_environment() != "en":
        cli.speaking = True  # the commands imported later are translated as they come
    cli(prog_name="duijie")


if __name__ == "__main__":  # pragma: no cover
    main()
