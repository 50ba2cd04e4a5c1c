"""The language switcher changes the whole page, Armenian and Chinese included, and remembers the choice."""

import pytest

from klient.core.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def test_switching_to_armenian_then_chinese_renders_those_scripts_and_persists(
    page, sign_in, alice, screenshot
):
    sign_in(page, "alice")
    page.select_option("#language-select", "hy")
    page.wait_for_function("document.documentElement.lang === 'hy'")
    assert page.inner_text("[data-nav=companies]") == "Ընկերություններ"
    screenshot(page, "home-hy")

    page.select_option("#language-select", "zh-hans")
    page.wait_for_function("document.documentElement.lang === 'zh-hans'")
    assert page.inner_text("[data-nav=companies]") == "公司"
    screenshot(page, "home-zh-hans")

    page.reload()
    assert page.evaluate("document.documentElement.lang") == "zh-hans"
    assert User.objects.get(username="alice").language == "zh-hans"


def test_a_visitor_can_choose_the_sign_in_page_language(page, live_server):
    page.goto("/login/")
    page.select_option("#language-select", "ru")
    page.wait_for_function("document.documentElement.lang === 'ru'")
    assert page.inner_text("h1") == "Войти"
