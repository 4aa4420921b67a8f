"""Browser tests: Playwright's sync API driving Debian's Chromium against a real daphne.

Run in their own pytest process (Playwright keeps an event loop running in
the main thread, which breaks pytest-asyncio and the ORM)::

    .venv/bin/pytest tests/e2e -p no:asyncio -o addopts="-p no:cacheprovider --strict-markers"

One daphne (migrated and seeded, see tests/servers.py) and one browser serve
the whole session; each test gets fresh browser contexts (cookies, storage),
so tests share only the server's database: each journey either creates the
people it changes (a signup with a unique address) or changes a seeded
person no other journey looks at.
"""

import os
import shutil
import uuid
from pathlib import Path

import pytest

from tests import servers
from tests.e2e.world import make_world
from tests.netcut import CuttableProxy

# Playwright's sync API leaves a running event loop in the main thread; Django
# would then refuse any ORM call from this process (stack.md 5).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def daphne_server():
    """The daphne every browser test talks to (started once per session)."""
    return servers.shared_daphne()


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    executable = shutil.which(CHROMIUM) or CHROMIUM
    if not Path(executable).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    browser = playwright_instance.chromium.launch(
        executable_path=executable, args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser, daphne_server):
    """Open browser contexts (separate people) on the live server; closed after the test.

    Chromium logs every Content-Security-Policy violation to the console: a test
    whose pages break the policy fails (``make.csp_violations``; a test that
    provokes one on purpose clears it).
    """
    contexts = []
    violations = []

    def on_console(message):
        if "Content Security Policy" in message.text:
            violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    def make(**options):
        options.setdefault("base_url", daphne_server.base_url)
        context = browser.new_context(locale="en-GB", **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        context.on("console", on_console)
        contexts.append(context)
        return context

    make.csp_violations = violations
    yield make
    for context in contexts:
        context.close()
    assert not violations, "\n".join(violations)


@pytest.fixture
def page(new_context):
    """A page in a fresh context: a visitor with no cookies."""
    return new_context().new_page()


@pytest.fixture
def proxy(daphne_server):
    """A way to the server whose network can be cut (tests/netcut.py), for one person."""
    proxy = CuttableProxy(daphne_server.host, daphne_server.port)
    yield proxy
    proxy.close()


@pytest.fixture
def world(daphne_server, unique):
    """This test's own community, people and threads, with sessions (tests/e2e/world.py)."""
    return make_world(daphne_server, unique)


@pytest.fixture
def unique():
    """A short unique token, for addresses and usernames nobody else uses."""
    return uuid.uuid4().hex[:10]
