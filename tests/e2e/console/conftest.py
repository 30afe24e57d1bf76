"""Browser tests of the operator console: one real CSMS per test module (SQLite, simulated charge
points from chargepoint_sim), the built console it serves at /console/, and Debian's chromium driven
by Playwright (the Python package; no browser is ever downloaded).

Needs /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it) and a built console
(`make console`; built here when npm is available and the build is missing). Without them the tests
skip with the reason, except under CSMS_TEST_REQUIRE_SERVICES=1 (CI), where they fail."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import pytest_asyncio
from argon2 import PasswordHasher

from csms.services import passwords
from tests.support.server import ADMIN, make_settings, start_csms, stop_csms
from tests.support.services import REQUIRE

ROOT = Path(__file__).resolve().parents[3]
CONSOLE = ROOT / "console"
DIST = CONSOLE / "dist"
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"
DOCS_SHOTS = ROOT / "docs" / "console"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _unavailable(why: str) -> None:
    if REQUIRE:
        pytest.fail(why + " (CSMS_TEST_REQUIRE_SERVICES=1)")
    pytest.skip(why)


def _built_console() -> Path:
    if not (DIST / "index.html").is_file():
        if not (shutil.which("make") and shutil.which("npm")):
            _unavailable("the console is not built (console/dist) and npm is missing: run `make console`")
        done = subprocess.run(["make", "-s", "console"], cwd=ROOT, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            pytest.fail(f"make console failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return DIST


@pytest.fixture(scope="module")
def chromium_path() -> str:
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"{CHROMIUM} not installed (apt-get install chromium)")
    try:
        import playwright.async_api  # noqa: F401  (the test extra of setup.cfg)
    except ImportError:
        _unavailable("the playwright Python package is not installed (pip install -e '.[test]')")
    return CHROMIUM


async def start_console_csms(tmp_path_factory, **flags):
    """A CSMS serving the built console, with some settings changed (``flags``)."""
    dist = _built_console()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        return await start_csms(make_settings(tmp_path_factory.mktemp("console"),
                                              **{"api.console_dir": str(dist), **flags}))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def console_csms(tmp_path_factory, chromium_path):
    """A CSMS serving the built console, for the whole module."""
    server = await start_console_csms(tmp_path_factory)
    try:
        yield server
    finally:
        await stop_csms(server)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser(chromium_path):
    from playwright.async_api import async_playwright

    playwright = await async_playwright().start()
    browser = await playwright.chromium.launch(executable_path=chromium_path, args=ARGS)
    try:
        yield browser
    finally:
        await browser.close()
        await playwright.stop()


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser, request):
    """A fresh browser context at 1366x768 (the small laptop screen the console must fit), in Chinese
    and Beijing time (the operators' own, and the statistics' day); a screenshot of how it ended is
    saved to tests/artifacts/<test>.png."""
    context = await browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN",
                                        timezone_id="Asia/Shanghai")
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
        await context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


async def shot(page, name: str, full_page: bool = False) -> None:
    """A screenshot for docs/console.md, when CSMS_DOCS_SCREENSHOTS=1 (small PNGs, kept in git);
    ``full_page``: the whole page (the console scrolls inside its main area: the window is made as
    tall as that area's content for the shot, then 1366x768 again)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    if full_page:
        height = await page.evaluate("(() => { const m = document.querySelector('.main');"
                                     " return m ? m.scrollHeight + m.getBoundingClientRect().top : 768 })()")
        await page.set_viewport_size({"width": size["width"], "height": max(size["height"], int(height))})
        await page.wait_for_timeout(300)          # the charts follow their boxes' new size
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    if os.environ.get("CSMS_DOCS_SCREENSHOTS") == "1":
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(DOCS_SHOTS / f"{name}.png"))
    if full_page:
        await page.set_viewport_size(size)


async def login(page, csms, path: str = "/console/", user: tuple[str, str] = ADMIN) -> None:
    await page.goto(csms.api_url + path)
    await page.locator('[data-test="username"] input, input[data-test="username"]').first.fill(user[0])
    await page.locator('[data-test="password"] input, input[data-test="password"]').first.fill(user[1])
    await page.locator('[data-test="login-submit"]').click()
    await page.locator('[data-test="feed-state"]').wait_for()
