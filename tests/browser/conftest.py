"""Browser fixtures: Debian's Chromium driven by Playwright against the live test server.

Install the browser and fonts with `scripts/install-browser`. Screenshots go to /tmp/klient-shots
(or $KLIENT_SCREENSHOTS).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from klient.core.management.commands.compiletranslations import compile_catalogues
from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(os.environ.get("KLIENT_SCREENSHOTS") or Path(tempfile.gettempdir()) / "klient-shots")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}

# Reports every content-security-policy violation to the test, whatever page the browser is on.
WATCH_CSP = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__klientCspViolation(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations() -> None:
    compile_catalogues([Path(p) for p in settings.LOCALE_PATHS])


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module.

    Playwright's sync API keeps an event loop running in the test thread, so Django's ORM (the tests'
    own queries and pytest-django's flush after each test) needs DJANGO_ALLOW_ASYNC_UNSAFE. It is set
    only while Playwright runs, i.e. for a browser module's tests, and removed before other tests run.
    """
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "run scripts/install-browser first"
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def open_page(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """Open a page in a fresh browser context (own cookies): `open_page()` or `open_page(PHONE)`.

    `page.problems` collects console errors, uncaught script errors, CSP violations and failed
    sub-requests (scripts, styles, images, htmx calls).
    """
    contexts: list[Any] = []

    def open_(viewport: dict[str, int] = DESKTOP, **options: Any) -> Any:
        context = browser.new_context(viewport=viewport, base_url=live_server.url, **options)
        contexts.append(context)
        problems: list[str] = []
        context.expose_function("__klientCspViolation", lambda text: problems.append(text))
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.problems = problems
        page.on("console", lambda message: message.type == "error" and problems.append(message.text))
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("response", lambda response: _note_failed_resource(response, problems))
        return page

    yield open_
    for context in contexts:
        context.close()


def _note_failed_resource(response: Any, problems: list[str]) -> None:
    # The page itself may answer 403/404 on purpose; its scripts, styles, images and htmx calls may not.
    if response.status >= 400 and response.request.resource_type != "document":
        problems.append(f"{response.status} {response.request.resource_type} {response.url}")


@pytest.fixture
def page(open_page: Callable[..., Any]) -> Any:
    """A desktop-sized page (1280×800)."""
    return open_page()


@pytest.fixture
def phone_page(open_page: Callable[..., Any]) -> Any:
    """A phone-sized page (375×740, touch)."""
    return open_page(PHONE, is_mobile=True, has_touch=True)


@pytest.fixture
def sign_in() -> Callable[..., None]:
    """Sign in through the real form: `sign_in(page, "alice")`, or with another password."""

    def go(page: Any, username: str, password: str = PASSWORD) -> None:
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("form[action='/login/'] button[type=submit]")
        page.wait_for_load_state()

    return go


@pytest.fixture
def sign_out() -> Callable[[Any], None]:
    """Sign out from the user menu."""

    def go(page: Any) -> None:
        page.click("[data-user-menu]")
        page.click("[data-sign-out]")
        page.wait_for_url("**/login/")

    return go


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    def shoot(page: Any, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot


# The rows that data migrations seed: a browser test runs in a transaction that is committed, and the
# tables are emptied after it, so the next test would find no call outcomes, targets, templates or
# holidays. Each seeding function is idempotent.
SEEDS = [
    ("klient.activities.migrations.0002_default_outcomes", "add_defaults"),
    ("klient.activities.migrations.0007_default_targets", "add_defaults"),
    ("klient.activities.calllists.migrations.0002_default_objections", "add_objections"),
    ("klient.mail.migrations.0002_default_templates", "add_templates"),
    ("klient.activities.greetings.migrations.0002_professional_holidays", "add_holidays"),
    ("klient.catalog.migrations.0002_main_warehouse", "add_main"),
]


@pytest.fixture(autouse=True)
def _seeded_rows(transactional_db: Any) -> None:
    import importlib
    import types

    from django.apps import apps
    from django.db import connection

    for module, function in SEEDS:
        getattr(importlib.import_module(module), function)(apps, types.SimpleNamespace(connection=connection))
