"""Browser tests: Playwright driving Debian's ``chromium`` (never a downloaded browser) against
real node processes on loopback. Every test leaves a screenshot under ``test-artifacts/``.

``web_net`` is one network for the whole browser run (three sellers behind a gateway, and a
buyer node: :func:`tests.support.networks.three_sellers_network`); tests that change shared
state pick their own dates, items and names so they do not meet.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from tests.support.networks import SellersNetwork, three_sellers_network

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("DUIJIE_TEST_ARTIFACTS", REPO / "test-artifacts")) / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; the test command installs it (scripts/test).

    Module scope, not session: Playwright's sync API keeps an event loop running in the main
    thread while it is started, and every later test that calls ``asyncio.run`` would fail with
    "cannot be called from a running event loop". Stopping it after each browser module leaves
    the rest of the run a thread without a loop (a new Chromium starts in about a second).
    """
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `apt-get install chromium fonts-noto-cjk` "
                    "(./scripts/test does it when it runs as root)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def _shot_name(request: pytest.FixtureRequest, suffix: str = "") -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid.split("::", 1)[-1])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{Path(request.node.fspath).stem}__{name}{suffix}.png"


def new_page(
    browser: Browser, request: pytest.FixtureRequest, locale: str = "zh-CN", suffix: str = ""
) -> Iterator[Page]:
    """A page in a fresh browser context (its own cookies), screenshotted when the test ends."""
    context = browser.new_context(locale=locale, viewport={"width": 1100, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        try:
            page.screenshot(path=str(_shot_name(request, suffix)), full_page=True)
        finally:
            context.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A diner's or merchant's page (Chinese browser), screenshotted at the end."""
    yield from new_page(browser, request)


@pytest.fixture
def second_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """Another visitor's page, with cookies of its own (screenshot suffixed ``-2``)."""
    yield from new_page(browser, request, suffix="-2")


@pytest.fixture(scope="session")
def web_net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SellersNetwork]:
    """川陕名吃, the farm and the factory behind a gateway, and the diner's buyer node."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DUIJIE_PEER_INTERVAL", "0.5")
        mp.setenv("DUIJIE_SEMANTIC", "0")
        with three_sellers_network(tmp_path_factory.mktemp("web-net")) as net:
            yield net
