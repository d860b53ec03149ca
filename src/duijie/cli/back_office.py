"""``duijie serve``'s back office: the process that handles journaled requests on another core.

``serve`` starts it (see :mod:`duijie.transport.process_link`) and passes it one end of a
socket pair; nobody runs it by hand, so the command is hidden from ``--help``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

import click

from duijie.cli.common import Failure, data_dir_option, db_option, user_errors
from duijie.l10n.cli_text import _
from duijie.services.container import Services, running

log = logging.getLogger("duijie.back_office")

LOG_LEVELS = ["debug", "info", "warning", "error"]

NICENESS = 10
"""The back office yields the CPU to the intake (and anything else on the machine): handling is
deferred work already promised by an ACK, while answering and journaling new requests is not."""


def back_office_mode_default() -> str:
    """A separate process pays off only with a second core to run it on."""
    return "process" if (os.cpu_count() or 1) >= 2 else "inline"


def back_office_argv(
    data_dir: Path, db_url: str | None, registries: tuple[str, ...], gateway: bool, log_level: str
) -> list[str]:
    """The command line ``serve`` starts its back office with (``--link-fd`` is added by the link)."""
    argv = [sys.executable, "-m", "duijie", "back-office", "--data-dir", str(data_dir), "--log-level", log_level]
    if db_url:
        argv += ["--db", db_url]
    for registry in registries:
        argv += ["--registry", registry]
    if gateway:
        argv.append("--gateway")
    return argv


@click.command(name="back-office", hidden=True)
@data_dir_option
@db_option
@click.option("--registry", "registries", multiple=True, help="As for `serve`.")
@click.option("--gateway", is_flag=True, help="As for `serve`.")
@click.option("--log-level", default="info", show_default=True, type=click.Choice(LOG_LEVELS))
@click.option("--link-fd", type=int, required=True, help="The socket `duijie serve` passes to its back office.")
@user_errors
def back_office(
    data_dir: Path, db_url: str | None, registries: tuple[str, ...], gateway: bool, log_level: str, link_fd: int
) -> None:
    """Handle a serving node's journaled requests and send its callbacks (started by `duijie serve`)."""
    import uvloop

    from duijie.bootstrap import build_node
    from duijie.cli.gc_tuning import tune_for_serving
    from duijie.settings import Settings
    from duijie.transport.process_link import BackOfficeLink, inherited_fd_is_socket

    if not inherited_fd_is_socket(link_fd):
        raise Failure(_("--link-fd {fd} is not an open socket; `duijie serve` starts the back office itself")
                      .format(fd=link_fd))
    # Ctrl-C in a terminal reaches the whole process group; the intake decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(NICENESS)
    logging.getLogger("duijie").setLevel(log_level.upper())
    node = build_node(data_dir, db_url=db_url, options=Settings(registries=registries, gateway=gateway),
                      link=BackOfficeLink(link_fd))
    tune_for_serving()
    if not uvloop.run(_run(node.services)):
        sys.exit(1)


async def _run(services: Services) -> bool:
    """Run the back office's jobs until the link closes (True) or one of them fails (False)."""
    async with running(services) as tasks:
        log.info("back office (pid %d) handling journaled requests", os.getpid())
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        failed = [t for t in done if not t.cancelled() and t.exception() is not None]
        for task in failed:
            log.error("back office job %s failed", task.get_name(), exc_info=task.exception())
    log.info("back office (pid %d) stopped", os.getpid())
    return not failed
