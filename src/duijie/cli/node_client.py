"""Talking to a running node's JSON API from the command line, with its admin token."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from duijie.cli import http_client
from duijie.cli.common import Failure
from duijie.cli.obvious_node import obvious_data_dir
from duijie.l10n.cli_text import _
from duijie.storage.node_config import load_config, read_admin_token

__all__ = ["NodeClient", "node_base_url", "node_option", "obvious_data_dir", "optional_data_dir_option",
           "refusal_text", "refused", "unreachable"]


# The Beckn callback a node names before a seller's refusal ("on_select: ...") and the Beckn code
# after it are for logs; a person reading the command line needs the reason.
_INTERNAL_PREFIX = re.compile(r"^(?:on_)?(?:search|select|init|confirm|status|track|cancel|update|rating|support): ")
_CODE_SUFFIX = re.compile(r" \(code [\w:]+\)$")


def refusal_text(status: int, data: Any, raw: str) -> str:
    """A node's refusal as a person reads it, in the command line's language: its message plainly
    (a domain rule's by the rule), then the field it names; no method, path, status code or
    internal prefix (those are for logs)."""
    err = data.get("error") if isinstance(data, dict) else None
    err = err if isinstance(err, dict) else {}
    message = err.get("message")
    if not isinstance(message, str) or not message:
        if status == 401:
            return _("the node refused the admin token: is --data-dir the node's own data dir?")
        if status == 404:
            return _("not found on this node (is it the right node, and is it up to date?)")
        return _("the node answered an error ({status}): {text}").format(status=status, text=raw[:200].strip())
    details = err.get("details")
    problems = [d for d in details if isinstance(d, dict)] if isinstance(details, list) else []
    if len(problems) == 1 and problems[0].get("code"):  # one listing problem: said by its code
        return f"{problems[0].get('path')}: {_problem(problems[0])}"
    if len(problems) > 1:  # every problem of the input, one a line
        lines = [f"  {d.get('path')}: {_problem(d)}" for d in problems]
        return "\n".join([_("refused: {count} problem(s)").format(count=len(lines)), *lines])
    from duijie.l10n import rule_texts  # here: the rules' tables cost start-up time on every command

    message = _CODE_SUFFIX.sub("", _INTERNAL_PREFIX.sub("", message))
    named = rule_texts.refusal_rule(message)
    if named is not None:  # the operator reads the rule, and may grep or script on its name
        said = rule_texts.refusal_said(message, _) or named[1]
        message = _("{message} (rule: {rule})").format(message=said, rule=named[0])
    field = err.get("field") or err.get("path")
    if isinstance(field, str) and field and field not in message:
        return _("{message} (field: {field})").format(message=message, field=field)
    return message


def _problem(detail: dict[str, Any]) -> str:
    """One problem of a refused input: a listing problem said by its code and values, any other
    (or one whose code this version does not know) by the node's own words."""
    from duijie.l10n import listing_reasons

    code, params, reason = detail.get("code"), detail.get("params"), detail.get("reason")
    if isinstance(code, str) and isinstance(params, dict):
        said = listing_reasons.said(code, {str(k): str(v) for k, v in params.items()}, _)
        if said is not None:
            return said
    return str(reason)


def refused(resp: http_client.Reply) -> Failure:
    """A node's (or seller's) error answer as a :class:`Failure` reading like :func:`refusal_text`."""
    try:
        data = resp.json()
    except ValueError:
        data = None
    return Failure(refusal_text(resp.status_code, data, resp.text))


def unreachable(base: str, exc: Exception) -> Failure:
    """A node that did not answer at all."""
    return Failure(_("cannot reach the node at {url} ({reason}): is `duijie serve` running?")
                   .format(url=base, reason=exc))


def node_base_url(data_dir: Path | None, node: str | None) -> str:
    """``--node`` if given, else the scheme://host:port of the node's configured URL."""
    if node:
        return node.rstrip("/")
    if data_dir is None:
        raise Failure(_("no node found here: give --data-dir DIR (or DUIJIE_DATA_DIR), run the command in a "
                        "node's data dir, give --node URL, or start `duijie demo`"))
    parts = urlsplit(load_config(data_dir).url)
    return f"{parts.scheme}://{parts.netloc}"


def optional_data_dir_option(f: Any) -> Any:
    """``--data-dir`` for commands that can do without: default the one obvious node data dir."""
    return click.option(
        "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None, envvar="DUIJIE_DATA_DIR",
        help="The node's data directory. Env: DUIJIE_DATA_DIR. Default: the current directory if it is a data "
             "dir; in a `duijie demo --root` directory its buyer node; else the only subdirectory that is a data "
             "dir; else the buyer node of the `duijie demo` running now (not needed with --node).",
    )(f)


def node_option(f: Any) -> Any:
    return click.option("--node", default=None, help="Base URL of the running node (default: from its config).")(f)


class NodeClient:
    """A small JSON client; every failure becomes a one-line :class:`Failure`."""

    def __init__(self, data_dir: Path | None, node: str | None = None, timeout: float = 30.0) -> None:
        self.base = node_base_url(data_dir, node)
        token = read_admin_token(data_dir) if data_dir is not None else None
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._timeout = timeout

    def request(self, method: str, path: str, json: Any = None, params: dict[str, Any] | None = None) -> Any:
        try:
            resp = http_client.request(method, self.base + path, json=json, params=params, headers=self._headers,
                                       timeout=self._timeout)
        except http_client.HttpError as exc:
            raise unreachable(self.base, exc) from exc
        if resp.status_code >= 400:
            raise refused(resp)
        try:
            return resp.json()
        except ValueError:
            return None

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None)

    def post(self, path: str, json: Any = None) -> Any:
        return self.request("POST", path, json=json)
