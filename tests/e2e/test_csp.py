"""The Content-Security-Policy in Chromium: an injected script is blocked and reported, and
the page's own scripts, the theme, the API docs and both admins keep working.

Every browser test also fails on any CSP message in the console (tests/e2e/conftest.py,
``new_context``): this file provokes one on purpose, checks it, then clears it.
"""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.world import open_live, person

pytestmark = pytest.mark.e2e


def wait_for_log(server, text, timeout=10.0):
    """Wait until the server's log shows ``text`` (a report arrives a moment after the page)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in server.log():
            return
        time.sleep(0.1)
    pytest.fail(f"{text!r} not in the server log:\n{server.log()[-3000:]}")


# The classic stored-XSS payload: markup with an inline handler. Resolves with the
# violation the page saw, or with none after 5 s (then the test fails). (A <script>
# element appended from page.evaluate is no test: Chromium runs it under 'strict-dynamic',
# as DevTools' own code is trusted; markup from the server or innerHTML is what XSS is.)
INJECT = """() => new Promise((resolve) => {
    document.addEventListener("securitypolicyviolation", (event) => resolve({
        directive: event.effectiveDirective, blocked: event.blockedURI,
    }), { once: true });
    setTimeout(() => resolve({ directive: null, injected: window.injected === true }), 5000);
    document.querySelector("#post-2").insertAdjacentHTML(
        "beforeend", '<img src="/static/none.png" alt="" onerror="window.injected = true">'
    );
})"""


def test_an_injected_script_is_blocked_reported_and_nothing_breaks(
    new_context, daphne_server, world
):
    url = world["urls"]["talk"]
    mia = person(new_context, daphne_server, world, "member")
    open_live(mia, url)  # realtime.js (nonced) ran and opened the socket

    violation = mia.evaluate(INJECT)
    assert violation == {"directive": "script-src-attr", "blocked": "inline"}
    assert mia.evaluate("window.injected") is None
    reported = "CSP violation: script-src-attr blocked inline on "
    wait_for_log(daphne_server, reported)
    assert url in daphne_server.log().split(reported)[-1].splitlines()[0]
    assert any("inline event handler" in m for m in new_context.csp_violations)
    new_context.csp_violations.clear()  # provoked on purpose, checked above

    # The page's own scripts still work: a reaction toggles in place, without a reload.
    love = mia.locator("#post-2").get_by_role("button", name="Love")
    expect(love).to_be_visible()
    love.click()
    expect(love).to_have_attribute("aria-pressed", "true")
    assert mia.evaluate("window.sameDocument") is True


def test_the_api_docs_and_both_admins_run_under_their_policies(new_context, daphne_server, world):
    staff = person(new_context, daphne_server, world, "admin")
    staff.goto("/api/v1/docs")
    expect(staff.locator(".swagger-ui .info .title")).to_be_visible()
    staff.goto("/admin/")
    expect(staff.locator("#site-name")).to_be_visible()
    staff.goto("/cms/")
    expect(staff.get_by_role("link", name=re.compile("^(Images)$")).first).to_be_visible()
    # new_context's teardown fails the test on any CSP message these pages logged.
