"""Browser-test helpers of the merchant pages (Playwright, sync API)."""

from __future__ import annotations

from urllib.parse import quote

from playwright.sync_api import Page
from tests.support.processes import ServerProcess

from duijie.domain.accounts import BOOTSTRAP_ADMIN
from duijie.storage.node_config import read_admin_token


def admin_password(node: ServerProcess) -> str:
    """The bootstrap admin's password: the node's admin token (``DATA_DIR/admin-token``)."""
    token = read_admin_token(node.data_dir)
    assert token, f"{node.data_dir} has no admin-token"
    return token


def login_as_merchant(page: Page, node: ServerProcess, next_path: str = "/merchant") -> None:
    """Sign in on ``node``'s ``/merchant/login`` as ``admin`` with the admin token, and wait until
    the browser is on ``next_path`` (the first sign-in creates the owner account ``admin``)."""
    page.goto(f"{node.base}/merchant/login?next={quote(next_path, safe='')}")
    page.fill("#f-name", BOOTSTRAP_ADMIN)
    page.fill("#f-password", admin_password(node))
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/merchant/login" not in url)
