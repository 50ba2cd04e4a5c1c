"""The language switcher changes the whole page, Armenian and Chinese included, and remembers the choice."""

import subprocess

import pytest
from playwright.sync_api import expect

from klient.core.models import User

pytestmark = pytest.mark.django_db(transaction=True)

ARMENIAN = "Ընկերություններ"  # "Companies"
CHINESE = "公司"


def choose_language(page, code: str) -> None:
    # No button: the footer select submits itself on change (data-autosubmit in app.js).
    page.select_option("#language-select", code)
    expect(page.locator("html")).to_have_attribute("lang", code)
    page.wait_for_load_state("networkidle")


def fonts_used(page, selector: str) -> dict[str, int]:
    """The fonts Chromium really drew the element's text with, and how many glyphs each (DevTools' CSS domain)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        # The text node inside the link carries the fonts.
        described = cdp.send("DOM.describeNode", {"nodeId": node, "depth": 1})["node"]
        text_node = next(child for child in described["children"] if child["nodeType"] == 3)
        pushed = cdp.send(
            "DOM.pushNodesByBackendIdsToFrontend", {"backendNodeIds": [text_node["backendNodeId"]]}
        )
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": pushed["nodeIds"][0]})["fonts"]
    finally:
        cdp.detach()
    return {font["familyName"]: font["glyphCount"] for font in fonts}


def families_covering(text: str) -> set[str]:
    """Installed font families (fontconfig) that hold a glyph for every character of the text."""
    charset = " ".join(sorted({f"{ord(char):x}" for char in text}))
    listed = subprocess.run(
        ["fc-list", f":charset={charset}", "family"], capture_output=True, text=True, check=True
    ).stdout
    return {family.strip() for line in listed.splitlines() for family in line.split(",")}


def assert_drawn_with_real_glyphs(page, selector: str, text: str) -> dict[str, int]:
    """No tofu: every font Chromium used for the text has glyphs for all of its characters."""
    used = fonts_used(page, selector)
    assert sum(used.values()) == len(text), used
    assert set(used) <= families_covering(text), (used, families_covering(text))
    return used


def test_switching_to_armenian_then_chinese_renders_those_scripts_and_persists(
    page, open_page, sign_in, alice, screenshot
):
    sign_in(page, "alice")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.inner_text("[data-nav=companies]") == "Companies"

    choose_language(page, "hy")
    assert page.inner_text("[data-nav=companies]") == ARMENIAN
    assert page.input_value("#language-select") == "hy"
    # Every letter is drawn with a real Armenian font, not as a fallback box.
    assert_drawn_with_real_glyphs(page, "[data-nav=companies]", ARMENIAN)
    screenshot(page, "home-hy")

    page.goto("/companies/")
    assert page.inner_text("h1") == ARMENIAN
    choose_language(page, "zh-hans")
    assert page.url.endswith("/companies/")  # the switch returns to the page it was made on
    assert page.inner_text("[data-nav=companies]") == CHINESE
    assert page.inner_text("h1") == CHINESE
    assert assert_drawn_with_real_glyphs(page, "[data-nav=companies]", CHINESE) == {"Noto Sans CJK SC": 2}
    screenshot(page, "companies-zh-hans")

    page.reload()
    assert page.evaluate("document.documentElement.lang") == "zh-hans"
    assert page.inner_text("[data-nav=companies]") == CHINESE
    assert User.objects.get(username="alice").language == "zh-hans"

    # Saved on the user, not only in this browser: a fresh browser signs in to Chinese.
    elsewhere = open_page()
    sign_in(elsewhere, "alice")
    assert elsewhere.evaluate("document.documentElement.lang") == "zh-hans"
    assert elsewhere.inner_text("[data-nav=companies]") == CHINESE
    screenshot(elsewhere, "home-zh-hans")
    label_lines = elsewhere.eval_on_selector(
        "label[for=language-select]",
        "label => { const r = document.createRange(); r.selectNodeContents(label); return r.getClientRects().length; }",
    )
    assert label_lines == 1, "the footer's language label wraps onto a second line"
    assert page.problems == [] and elsewhere.problems == []


def test_a_visitor_can_choose_the_sign_in_page_language(page, live_server):
    page.goto("/login/")
    choose_language(page, "ru")
    assert page.inner_text("h1") == "Войти"
    page.reload()
    assert page.evaluate("document.documentElement.lang") == "ru"  # kept in a cookie until sign-in
