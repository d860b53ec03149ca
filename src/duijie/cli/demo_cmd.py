"""`duijie demo`: a whole demo network of node processes on loopback."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

from duijie.cli import http_client
from duijie.cli.common import Failure, user_errors
from duijie.cli.node_setup import create_node_dir
from duijie.cli.obvious_node import clear_running_demo_note, write_demo_notes
from duijie.demo.plan import DEMO_NODES, DemoNode, load_demo_document
from duijie.l10n.cli_text import _

READY_TIMEOUT = 60.0
SYNC_TIMEOUT = 30.0


def _prepare(node: DemoNode, root: Path, port: int, registries: tuple[str, ...]) -> dict[str, object]:
    from duijie.bootstrap import build_node

    data_dir = root / node.name
    url = f"http://127.0.0.1:{port}/beckn"
    created = create_node_dir(data_dir, url, subscriber_id=f"{node.name}.demo.duijie", registries=registries)
    providers: list[str] = []
    if node.listings:
        built = build_node(data_dir)
        for name in node.listings:
            providers.append(built.services.catalog.import_document(load_demo_document(name)).provider_id)
        built.engine.dispose()
    return {
        "name": node.name,
        "roles": list(node.roles),
        "url": f"http://127.0.0.1:{port}",
        "subscriber_url": url,
        "subscriber_id": created.subscriber_id,
        "providers": providers,
        "data_dir": str(data_dir),
        "port": port,
    }


def _spawn(
    info: dict[str, object], node: DemoNode, peers: list[str], registries: tuple[str, ...],
    names: tuple[str, ...] = (),
) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable, "-m", "duijie", "serve",
        "--data-dir", str(info["data_dir"]), "--port", str(info["port"]), "--log-level", "warning",
    ]
    for peer in peers:
        cmd += ["--peer", peer]
    for reg in registries:
        cmd += ["--registry", reg]
    for name in names:  # each demo id lives on a loopback port: say where (docs/TRUST.md)
        cmd += ["--resolve", name]
    if node.gateway:
        cmd.append("--gateway")
    env = dict(os.environ)
    if "BAP" not in node.roles:
        env["DUIJIE_LOCAL_INDEX"] = "0"  # only the buyer keeps a search index (and loads the model)
    # Each node gets its own process group so Ctrl-C in the terminal reaches us, and we stop them.
    return subprocess.Popen(cmd, start_new_session=True, env=env)


def _wait_ready(infos: list[dict[str, object]], procs: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    pending = {str(i["url"]): p for i, p in zip(infos, procs, strict=True)}
    while pending:
        for url, proc in list(pending.items()):
            if proc.poll() is not None:
                raise Failure(_("demo node {url} exited with code {code} while starting")
                              .format(url=url, code=proc.returncode))
            try:
                if http_client.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                    del pending[url]
            except http_client.HttpError:
                pass
        if time.monotonic() > deadline:
            raise Failure(_("demo nodes not ready after {seconds}s: {nodes}")
                          .format(seconds=f"{READY_TIMEOUT:.0f}", nodes=", ".join(pending)))
        time.sleep(0.1)


def _wait_indexed(buyer_url: str, providers: set[str], timeout: float = SYNC_TIMEOUT) -> set[str]:
    """Wait until the buyer's local index holds every demo merchant; return those it holds.

    The nodes answer ``/healthz`` before peer exchange has carried the catalogs to the buyer,
    and a demo that says "running" while search still answers nothing looks broken.
    """
    deadline = time.monotonic() + timeout
    found: set[str] = set()
    while True:
        try:
            resp = http_client.get(f"{buyer_url}/api/search", params={"kind": "provider", "limit": 200}, timeout=2.0)
            if resp.status_code == 200:
                found = {r["provider_id"] for r in resp.json().get("results", [])} & providers
        except (http_client.HttpError, ValueError, KeyError, TypeError):
            pass
        if found >= providers or time.monotonic() > deadline:
            return found
        time.sleep(0.25)


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _check_ports_free(base: int, count: int) -> None:
    """Fail before starting anything when a node's port is taken (else one node dies late)."""
    for port in range(base, base + count):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError as exc:
                raise Failure(
                    f"port {port} on 127.0.0.1 is not available ({exc.strerror}); "
                    f"the demo needs ports {base}-{base + count - 1}: choose another --port-base"
                ) from exc


@click.command()
@click.option("--port-base", default=7700, show_default=True, type=click.IntRange(1024, 65000),
              help="First TCP port; node i listens on port-base + i.")
@click.option("--registry", "registries", multiple=True, help="A Beckn registry every node trusts (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON line describing the nodes once all are ready.")
@click.option("--keep", is_flag=True, help="Keep the temporary data dirs after stopping.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Put the node data dirs in ROOT/<name> (must be empty or absent; kept after stopping).")
@user_errors
def demo(port_base: int, registries: tuple[str, ...], as_json: bool, keep: bool, root: Path | None) -> None:
    """Run the demo network: 川陕名吃, a farm, a factory, a gateway and a buyer node.

    Every node is a real `duijie serve` process on 127.0.0.1, peered with all the others;
    node data dirs are ROOT/<name>. While it runs, `duijie search 凉皮` (in any directory, without
    --data-dir) asks its buyer node. Stop with Ctrl-C.
    """
    if root is not None:
        if root.exists() and any(root.iterdir()):
            raise Failure(_("--root {path} is not empty").format(path=root))
        root.mkdir(parents=True, exist_ok=True)
        keep = True
    else:
        root = Path(tempfile.mkdtemp(prefix="duijie-demo-"))
    procs: list[subprocess.Popen[bytes]] = []
    stopping = False

    def _on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    _check_ports_free(port_base, len(DEMO_NODES))
    try:
        infos = [_prepare(n, root, port_base + i, registries) for i, n in enumerate(DEMO_NODES)]
        urls = [str(i["url"]) for i in infos]
        buyer_dir = next((Path(str(i["data_dir"])) for i in infos if i["name"] == "buyer"), None)
        if buyer_dir is not None:  # `duijie search` without --data-dir asks this buyer now
            write_demo_notes(root, buyer_dir)
        names = tuple(f"{i['subscriber_id']}={i['url']}" for i in infos)
        for info, node in zip(infos, DEMO_NODES, strict=True):
            peers = [u for u in urls if u != info["url"]]
            procs.append(_spawn(info, node, peers, registries, names))
            (Path(str(info["data_dir"])) / "serve.pid").write_text(str(procs[-1].pid))
        _wait_ready(infos, procs)
        merchants = {str(p) for i in infos for p in i["providers"]}  # type: ignore[attr-defined]
        buyer_url = next((str(i["url"]) for i in infos if i["name"] == "buyer"), None)
        indexed = _wait_indexed(buyer_url, merchants) if buyer_url else merchants
        public = [{k: v for k, v in i.items() if k not in ("data_dir", "port")} for i in infos]
        if as_json:
            click.echo(json.dumps({"nodes": public, "synced": indexed >= merchants}, ensure_ascii=False), nl=True)
        else:
            click.echo(_("duijie demo running ({root}); Ctrl-C stops it").format(root=root))
            if not indexed >= merchants:
                missing = ", ".join(sorted(merchants - indexed))
                click.echo("  " + _("the buyer's index is still syncing (not yet: {missing}); search may miss them "
                                    "briefly").format(missing=missing))
            for i in public:
                roles, providers = ",".join(i["roles"]), " ".join(i["providers"])  # type: ignore[arg-type]
                click.echo(f"  {i['name']:<10} {i['url']:<24} {roles}  {providers}")
            buyer = next((i for i in public if i["name"] == "buyer"), None)
            shop = next((i for i in public if i["name"] == "chuanshan"), None)
            if buyer and shop:
                click.echo(_("try:"))
                click.echo("  duijie search 凉皮")
                click.echo(f"  curl -G --data-urlencode 'q=凉皮' '{buyer['url']}/api/search'  # buyer's local index")
                click.echo(f"  curl '{shop['url']}/api/providers/chuanshan/open?at=2026-11-27T22:30:00-05:00'")
                click.echo(f"  curl '{shop['url']}/providers/chuanshan.jsonld'")
                shop_dir = next(Path(str(i["data_dir"])) for i in infos if i["name"] == "chuanshan")
                click.echo(_("pages (中文/English):"))
                click.echo("  " + _("diner:    {url}/").format(url=buyer["url"]))
                click.echo("  " + _("merchant: {url}/merchant (sign in as admin, password: the file {file})").format(
                    url=shop["url"], file=shop_dir / "admin-token"))
        sys.stdout.flush()
        reported: set[int] = set()
        while not stopping:
            # A node that dies (or is killed to show the network copes) is reported, not fatal.
            for info, proc in zip(infos, procs, strict=True):
                if proc.poll() is not None and proc.pid not in reported:
                    reported.add(proc.pid)
                    click.echo(_("demo node {name} exited (code {code})").format(name=info["name"],
                                                                             code=proc.returncode), err=True)
            time.sleep(0.2)
    finally:
        clear_running_demo_note()
        _stop(procs)
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
    if os.environ.get("DUIJIE_DEMO_VERBOSE"):
        click.echo(_("demo stopped"), err=True)
