"""The ``duijie`` command: one group, one module per family of subcommands."""

from __future__ import annotations

import logging

import click
from rich.logging import RichHandler

from duijie import __version__
from duijie.cli import (
    apply_cmds,
    back_office,
    book_cmds,
    bookings_cmds,
    buy_cmds,
    demo_cmd,
    keys_cmds,
    language,
    node_cmds,
    orders_cmds,
    peers_cmds,
    pool_cmds,
    provenance_cmds,
    provider_cmds,
    search_cmd,
    users_cmds,
    verify_cmd,
)
from duijie.l10n.cli_text import _


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="duijie", message=_("%(prog)s, version %(version)s"))
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def cli(verbose: int) -> None:
    """duijie (对接): run a node of the open, decentralized Beckn trade network.

    Start with `duijie init --data-dir DIR`, load a listing with `duijie provider import`,
    then `duijie serve --data-dir DIR`. `duijie demo` runs a whole demo network.
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(
        level=max(level, logging.DEBUG),
        format="%(name)s: %(message)s",
        handlers=[RichHandler(console=None, show_path=False, rich_tracebacks=False)],
    )


cli.add_command(node_cmds.init)
cli.add_command(node_cmds.info)
cli.add_command(node_cmds.serve)
cli.add_command(back_office.back_office)
cli.add_command(provider_cmds.provider)
cli.add_command(provider_cmds.menu)
cli.add_command(demo_cmd.demo)
cli.add_command(keys_cmds.keys)
cli.add_command(orders_cmds.orders)
cli.add_command(buy_cmds.buy)
cli.add_command(book_cmds.book)
cli.add_command(bookings_cmds.bookings)
cli.add_command(apply_cmds.apply)
cli.add_command(apply_cmds.applications)
cli.add_command(verify_cmd.verify)
cli.add_command(search_cmd.search)
cli.add_command(peers_cmds.peers)
cli.add_command(provenance_cmds.provenance)
cli.add_command(pool_cmds.pool)
cli.add_command(pool_cmds.demand)
orders_cmds.orders.add_command(pool_cmds.batches)  # the producer's batch orders: `duijie orders batches`
cli.add_command(users_cmds.users)


def main() -> None:
    """Console-script entry point: the command line speaks the locale's language (LANG=zh_CN.UTF-8: Chinese)."""
    language.speak(cli)
    cli(prog_name="duijie")


if __name__ == "__main__":  # pragma: no cover
    main()
