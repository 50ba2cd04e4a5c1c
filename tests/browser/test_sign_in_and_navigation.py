"""A person signs in, finds the navigation their role allows, and signs out."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def nav_keys(page) -> list[str]:
    return page.eval_on_selector_all("#main-nav [data-nav]", "links => links.map(l => l.dataset.nav)")


def test_it_signs_in_with_the_form_and_out_from_the_user_menu(page, sign_in, alice):
    sign_in(page, "alice")
    assert page.url.endswith("/")
    assert page.inner_text("h1") == "Hello, Alice"
    page.click("[data-user-menu]")
    page.click("[data-sign-out]")
    page.wait_for_url("**/login/")
    page.goto("/companies/")
    assert "/login/?next=/companies/" in page.url


def test_a_wrong_password_keeps_the_person_on_the_sign_in_page(page, sign_in, alice):
    sign_in(page, "alice", "not-the-password")
    assert page.url.endswith("/login/")
    assert "Please enter a correct username and password" in page.inner_text("main")


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("alice", ["home", "companies", "delegations"]),
        ("sam", ["home", "companies", "delegations"]),
        ("root", ["home", "companies", "delegations", "admin"]),
        ("paula", ["home"]),
    ],
)
def test_navigation_follows_the_role(page, sign_in, request, persona, expected):
    request.getfixturevalue(persona)
    sign_in(page, persona)
    assert nav_keys(page) == expected


def test_pages_load_without_script_errors_or_policy_violations(page, sign_in, alice):
    sign_in(page, "alice")
    page.goto("/companies/")
    page.goto("/search/?q=acme")
    assert page.problems == []
