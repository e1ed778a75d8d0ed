"""Browser fixtures: Debian's headless Chromium, a fresh context per test, the demo, and axe-core.

Tests here run against pytest-django's ``live_server``. Its transactional database is flushed
between tests, so the session-level demo load in ``tests/conftest.py`` is not there: the ``demo``
fixture loads it again before each browser test.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the main thread; Django's ORM (the demo load, the
# live server's flush) would otherwise refuse to run there.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
BLOCKING_IMPACTS = ("serious", "critical")


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


# Use as ``pytestmark`` in browser test modules: without Chromium, skip on a developer's machine
# but never under CI, where the ``browser`` fixture then fails loudly instead.
requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and not running_in_ci(),
    reason=f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver (skipped outside CI only)",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one module: Playwright's event loop stops when the module's tests end."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: browser tests cannot run under CI without Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def demo(transactional_db) -> None:
    """The demo partnerships, loaded into the live server's (flushed) database."""
    from commissioning.demo import load_demo

    load_demo(say=lambda message: None)


@pytest.fixture
def page(browser, live_server, demo) -> Iterator[Any]:
    """A page in a fresh browser context (no cookies), pointed at the live server."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    # Hermetic: nothing but the live server (NHS.UK frontend's CSS asks for fonts from assets.nhs.uk,
    # whose failing DNS look-ups would otherwise stall page loads for seconds).
    local = live_server.url.rstrip("/") + "/"
    context.route(lambda url: not url.startswith(local), lambda route: route.abort())
    try:
        yield context.new_page()
    finally:
        context.close()


def axe_violations(page) -> list[dict[str, Any]]:
    """Run axe-core on the page as it stands and return every violation it finds."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run npm install in the repository root")
    page.add_script_tag(path=str(AXE))
    return page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    at {node['target']}" for node in violation["nodes"])
    return "\n".join(lines)


def assert_no_serious_violations(page) -> None:
    """Fail on any axe-core violation whose impact is serious or critical."""
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    if blocking:
        pytest.fail(f"Serious accessibility violations on {page.url}:\n{describe_violations(blocking)}")


@pytest.fixture
def check_accessibility() -> Callable[[Any], None]:
    return assert_no_serious_violations
