"""Merchant data commands: import and export listings (JSON) and menus (CSV)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click

from duijie.cli.common import Failure, data_dir_option, db_option, user_errors
from duijie.domain.errors import Issue, ValidationFailed
from duijie.l10n.cli_text import _
from duijie.services.trade.catalog import CatalogService


def _catalog(data_dir: Path, db_url: str | None) -> CatalogService:
    from duijie.local_node import open_catalog

    return open_catalog(data_dir, db_url=db_url)


def _read_text(path: Path) -> str:
    try:
        # utf-8-sig: a file an editor saved with a byte-order mark (Excel, Notepad) reads the same.
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise Failure(_("{path}: no such file").format(path=path)) from exc
    except UnicodeDecodeError as exc:
        raise Failure(_("{path}: not UTF-8 text ({reason} at byte {at})").format(path=path, reason=exc.reason,
                                                                                at=exc.start)) from exc


def _emit(text: str, output: Path | None, what: str) -> None:
    """Write an export to ``output`` and say so, or to stdout, exactly as produced (no newline
    translation)."""
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8", newline="")
    click.echo(_("wrote {what} to {path} ({size} bytes)").format(what=what, path=output,
                                                                 size=len(text.encode("utf-8"))))


def _in_file(path: Path, exc: ValidationFailed) -> ValidationFailed:
    """Prefix every issue with the file it came from, so a long report stays clear."""
    return ValidationFailed([Issue(f"{path}: {i.path}", i.reason) for i in exc.issues])


@click.group()
def provider() -> None:
    """Listings this node hosts: import, export, list."""


@provider.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@data_dir_option
@db_option
@user_errors
def import_listing(file: Path, data_dir: Path, db_url: str | None) -> None:
    """Import a listing document (format duijie.listing/1, see docs/listing-format.md).

    The file is checked whole: every problem is listed and nothing is stored unless all is well.
    """
    text = _read_text(file)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Failure(_("{where}: invalid JSON: {reason}").format(where=f"{file}:{exc.lineno}:{exc.colno}",
                                                                  reason=exc.msg)) from exc
    try:
        result = _catalog(data_dir, db_url).import_document(document)
    except ValidationFailed as exc:
        raise _in_file(file, exc) from exc
    said = (_("imported provider {id} (version {version}, digest {digest}…)") if result.changed
            else _("unchanged provider {id} (version {version}, digest {digest}…)"))
    click.echo(said.format(id=result.provider_id, version=result.version, digest=result.digest[:16]))


@provider.command("export")
@click.argument("provider_id")
@data_dir_option
@db_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@user_errors
def export_listing(provider_id: str, data_dir: Path, db_url: str | None, output: Path | None) -> None:
    """Export a listing in its stable form (export → import → export is byte-identical)."""
    _emit(_catalog(data_dir, db_url).export_document(provider_id), output,
          _("the listing of {provider}").format(provider=provider_id))


@provider.command("list")
@data_dir_option
@db_option
@user_errors
def list_providers(data_dir: Path, db_url: str | None) -> None:
    """List the providers on this node with their version and digest."""
    for s in _catalog(data_dir, db_url).providers():
        click.echo(f"{s.provider_id}\tv{s.version}\t{s.digest[:16]}…\t{s.updated_at.isoformat()}")


@click.group()
def menu() -> None:
    """A provider's menu as CSV, for spreadsheets."""


@menu.command("import")
@click.argument("provider_id")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@data_dir_option
@db_option
@user_errors
def import_menu(provider_id: str, file: Path, data_dir: Path, db_url: str | None) -> None:
    """Replace PROVIDER_ID's menu with the one in FILE (CSV); all-or-nothing."""
    text = _read_text(file)
    result = _catalog(data_dir, db_url).import_menu_csv(provider_id, text, source=str(file))
    said = (_("imported the menu of {id} (version {version})") if result.changed
            else _("unchanged menu of {id} (version {version})"))
    click.echo(said.format(id=result.provider_id, version=result.version))


@menu.command("export")
@click.argument("provider_id")
@data_dir_option
@db_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@user_errors
def export_menu(provider_id: str, data_dir: Path, db_url: str | None, output: Path | None) -> None:
    """Export PROVIDER_ID's menu as CSV."""
    text = _catalog(data_dir, db_url).export_menu_csv(provider_id)
    rows = max(len(list(csv.reader(io.StringIO(text, newline="")))) - 1, 0)  # the header is not a row
    _emit(text, output, _("the menu of {provider} ({rows} rows)").format(provider=provider_id, rows=rows))
