"""The article search: diacritics and case ignored, Cyrillic, Armenian, Chinese by any run of characters,
every word must match, visibility by status and role."""

import pytest

from klient.service.kb.selectors import article_search
from klient.service.kb.services import article_create, article_set_status

pytestmark = pytest.mark.django_db


def slugs(queryset):
    return sorted(article.slug for article in queryset)


@pytest.fixture
def many(vera):
    texts = [
        ("en", "Invoice copies", "Download a copy of any invoice from the portal."),
        ("pl", "Żółć i faktury", "Zażółć gęślą jaźń: kopia faktury w portalu."),
        ("ru", "Ёлка и счета", "Счёт-фактура в личном кабинете."),
        ("hy", "Հաշիվ-ապրանքագիր", "Ներբեռնեք հաշիվը պորտալից։"),
        ("zh-hans", "发票副本", "您可以在客户门户下载发票副本。"),
    ]
    made = {}
    for language, title, body in texts:
        article = article_create(actor=vera, language=language, title=title, body=body)
        made[language] = article_set_status(article=article, actor=vera, status="public")
    return made


def test_zolc_finds_zolc_with_its_marks(many):
    assert slugs(article_search("zolc", "", None)) == [many["pl"].slug]
    assert slugs(article_search("ZAZOLC gesla", "", None)) == [many["pl"].slug]


def test_cyrillic_is_found_without_case_or_yo(many):
    assert slugs(article_search("елка", "", None)) == [many["ru"].slug]
    assert slugs(article_search("СЧЕТ", "", None)) == [many["ru"].slug]


def test_armenian_is_found(many):
    assert slugs(article_search("պորտալից", "", None)) == [many["hy"].slug]


def test_chinese_is_found_by_any_run_of_characters(many):
    assert slugs(article_search("副本", "", None)) == [many["zh-hans"].slug]
    assert slugs(article_search("下载发票", "", None)) == [many["zh-hans"].slug]
    assert slugs(article_search("门", "", None)) == [many["zh-hans"].slug]
    assert slugs(article_search("发货", "", None)) == []


def test_every_word_must_match_and_words_are_prefixes(many):
    assert slugs(article_search("invoice portal", "", None)) == [many["en"].slug]
    assert slugs(article_search("invo", "", None)) == [many["en"].slug]
    assert slugs(article_search("invoice nowhere", "", None)) == []


def test_a_language_narrows_to_its_translations(many):
    assert slugs(article_search("", "pl", None)) == [many["pl"].slug]
    assert slugs(article_search("zolc", "en", None)) == []


def test_a_changed_text_is_found_by_its_new_words_only(vera, many):
    from klient.service.kb.services import translation_save

    translation_save(
        article=many["en"], actor=vera, language="en", title="Invoice copies", body="Ask us by mail."
    )
    assert slugs(article_search("download", "", None)) == []
    assert slugs(article_search("mail", "", None)) == [many["en"].slug]


def test_visibility_by_status_and_role(
    public_article, internal_article, draft_article, sam, vera, alice, rita, paula, fiona
):
    everything = sorted([public_article.slug, internal_article.slug, draft_article.slug])
    assert slugs(article_search("", "", None)) == [public_article.slug]
    assert slugs(article_search("", "", paula)) == [public_article.slug]
    assert slugs(article_search("", "", fiona)) == [public_article.slug]
    assert slugs(article_search("", "", alice)) == sorted([public_article.slug, internal_article.slug])
    assert slugs(article_search("", "", rita)) == sorted([public_article.slug, internal_article.slug])
    assert slugs(article_search("", "", sam)) == everything
    assert slugs(article_search("", "", vera)) == everything
    assert slugs(article_search("", "", vera, status="draft")) == [draft_article.slug]
