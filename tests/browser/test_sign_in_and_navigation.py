"""A person signs in, finds the navigation their role allows, and signs out; pages run clean."""

import pytest
from playwright.sync_api import expect

from klient.customers.services import company_create

pytestmark = pytest.mark.django_db(transaction=True)


def visible_nav(page) -> dict[str, str]:
    """The main navigation's links as {data-nav: label}, only those a person can see."""
    return page.eval_on_selector_all(
        "#main-nav [data-nav]",
        "links => Object.fromEntries(links.filter(l => l.checkVisibility()).map(l => [l.dataset.nav, l.innerText.trim()]))",
    )


def test_it_signs_in_with_the_form_and_out_from_the_user_menu(page, sign_in, sign_out, live_server, alice):
    sign_in(page, "alice")
    assert page.url == f"{live_server.url}/"
    assert page.inner_text("h1") == "Hello, Alice"
    assert page.inner_text("[data-user-menu]") == "Alice Archer"

    sign_out(page)
    assert page.inner_text("h1") == "Sign in"
    assert not page.is_visible("[data-user-menu]")
    page.goto("/companies/")
    assert "/login/?next=/companies/" in page.url
    assert page.is_visible("#id_username")


def test_a_wrong_password_keeps_the_person_on_the_sign_in_page(page, sign_in, alice):
    sign_in(page, "alice", "not-the-password")
    assert page.url.endswith("/login/")
    assert "Please enter a correct username and password" in page.inner_text("main")
    assert page.input_value("#id_username") == "alice"
    assert page.input_value("#id_password") == ""  # the password is never sent back
    assert not page.is_visible("[data-user-menu]")


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        (
            "alice",
            {
                "home": "Home",
                "my_day": "My Day",
                "companies": "Companies",
                "contacts": "Contacts",
                "deals": "Deals",
                "catalog": "Catalogue",
                "contracts": "Contracts",
                "kb": "Knowledge base",
                "competitors": "Competitors",
                "call_lists": "Call lists",
                "calendar": "Calendar",
                "greetings": "Greetings",
                "mail": "Mail",
                "reports": "Reports",
                "delegations": "Delegations",
            },
        ),
        (
            "sam",
            {
                "home": "Home",
                "my_day": "My Day",
                "companies": "Companies",
                "contacts": "Contacts",
                "catalog": "Catalogue",
                "service_desk": "Service desk",
                "satisfaction": "Satisfaction",
                "kb": "Knowledge base",
                "calendar": "Calendar",
                "mail": "Mail",
                "delegations": "Delegations",
            },
        ),
        (
            "root",
            {
                "home": "Home",
                "my_day": "My Day",
                "companies": "Companies",
                "contacts": "Contacts",
                "deals": "Deals",
                "catalog": "Catalogue",
                "contracts": "Contracts",
                "service_desk": "Service desk",
                "satisfaction": "Satisfaction",
                "kb": "Knowledge base",
                "competitors": "Competitors",
                "call_lists": "Call lists",
                "calendar": "Calendar",
                "greetings": "Greetings",
                "mail": "Mail",
                "targets": "Targets",
                "reports": "Reports",
                "delegations": "Delegations",
                "admin": "Administration",
            },
        ),
        # A portal user is sent on to the portal; paula has no portal account yet, so it refuses her.
        ("paula", {"home": "Home"}),
    ],
)
def test_navigation_follows_the_role(page, sign_in, request, persona, expected):
    request.getfixturevalue(persona)
    sign_in(page, persona)
    assert visible_nav(page) == expected


def test_pages_run_without_script_errors_or_policy_violations(page, sign_in, alice):
    company_create(actor=alice, name="Acme", country="PL")
    company_create(actor=alice, name="Bureau Veritas", country="FR")
    sign_in(page, "alice")
    assert page.inner_text("h1") == "Hello, Alice"
    page.goto("/companies/")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-list=companies] tbody tr[data-company]").count() == 2
    # The filters submit through htmx on change: scripts that the policy blocked would break this.
    page.click(".filters-panel summary")
    page.select_option(".filters select[name=country]", "PL")
    expect(page.locator("[data-company]")).to_have_count(1)
    assert "country=PL" in page.url
    page.goto("/search/?q=acme")
    page.wait_for_load_state("networkidle")
    assert page.problems == []

    # The watcher is not blind: an inline script is refused by the policy and reported.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1'; document.body.append(s); }"
    )
    expect(page.locator("body > script:not([src])")).to_have_count(1)
    page.wait_for_timeout(200)
    assert any("CSP violation: script-src" in problem for problem in page.problems), page.problems
    assert page.evaluate("window.x") is None
