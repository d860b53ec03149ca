"""Merchant data commands: import and export listings (JSON) and menus (CSV)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from duijie.cli.common import Failure, data_dir_option, db_option, user_errors
from duijie.domain.errors import Issue, ValidationFailed
from duijie.services.trade.catalog import CatalogService


def _catalog(data_dir: Path, db_url: str | None) -> CatalogService:
    from duijie.bootstrap import open_catalog

    return open_catalog(data_dir, db_url=db_url)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise Failure(f"{path}: no such file") from exc
    except UnicodeDecodeError as exc:
        raise Failure(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def _emit(text: str, output: Path | None) -> None:
    """Write an export to ``output``, or to stdout, exactly as produced (no newline translation)."""
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8", newline="")


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
        raise Failure(f"{file}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from exc
    try:
        result = _catalog(data_dir, db_url).import_document(document)
    except ValidationFailed as exc:
        raise _in_file(file, exc) from exc
    state = "imported" if result.changed else "unchanged"
    click.echo(f"{state} provider {result.provider_id} (version {result.version}, digest {result.digest[:16]}…)")


@provider.command("export")
@click.argument("provider_id")
@data_dir_option
@db_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@user_errors
def export_listing(provider_id: str, data_dir: Path, db_url: str | None, output: Path | None) -> None:
    """Export a listing in its stable form (export → import → export is byte-identical)."""
    _emit(_catalog(data_dir, db_url).export_document(provider_id), output)


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
    state = "imported" if result.changed else "unchanged"
    click.echo(f"{state} menu of {result.provider_id} (version {result.version})")


@menu.command("export")
@click.argument("provider_id")
@data_dir_option
@db_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@user_errors
def export_menu(provider_id: str, data_dir: Path, db_url: str | None, output: Path | None) -> None:
    """Export PROVIDER_ID's menu as CSV."""
    _emit(_catalog(data_dir, db_url).export_menu_csv(provider_id), output)
