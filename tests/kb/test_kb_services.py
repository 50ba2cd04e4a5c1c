"""Articles, translations and their versions, status and who may change it, votes, categories, the
demo: exact values, and refused changes change nothing."""

import pytest
from django.core.exceptions import ValidationError

from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import AuditEntry
from klient.service.kb.demo import kb_demo
from klient.service.kb.models import Article, ArticleTranslation, ArticleVersion, ArticleVote, KbCategory
from klient.service.kb.services import (
    article_create,
    article_set_status,
    article_update,
    article_vote,
    category_create,
    translation_save,
    version_diff,
    version_restore,
)

pytestmark = pytest.mark.django_db


def versions(article, language="en"):
    return list(
        ArticleVersion.objects.filter(translation__article=article, translation__language=language)
        .order_by("number")
        .values_list("number", "title", "body", "created_by__username")
    )


def test_each_save_of_a_translation_writes_a_version(sam):
    article = article_create(actor=sam, language="en", title="Returns", body="Within 14 days.")
    assert (article.status, article.slug, article.version) == ("draft", "returns", 1)
    translation_save(
        article=article, actor=sam, language="en", title="Returns", body="Within 30 days.", version=1
    )
    same = translation_save(
        article=article, actor=sam, language="en", title="Returns", body="Within 30 days."
    )
    assert same.version == 2  # nothing changed: no third version
    assert versions(article) == [
        (1, "Returns", "Within 14 days.", "sam"),
        (2, "Returns", "Within 30 days.", "sam"),
    ]
    article.refresh_from_db()
    assert article.version == 2


def test_a_stale_version_is_refused_and_changes_nothing(sam):
    article = article_create(actor=sam, language="en", title="Returns", body="Within 14 days.")
    translation_save(
        article=article, actor=sam, language="en", title="Returns", body="Within 30 days.", version=1
    )
    entries = AuditEntry.objects.count()
    with pytest.raises(VersionConflict) as caught:
        translation_save(article=article, actor=sam, language="en", title="Returns", body="Never.", version=1)
    assert caught.value.current_version == 2
    assert ArticleTranslation.objects.get(article=article).body == "Within 30 days."
    assert ArticleVersion.objects.count() == 2
    assert AuditEntry.objects.count() == entries


def test_a_version_is_restored_as_a_new_version_and_compared(sam):
    article = article_create(actor=sam, language="en", title="Returns", body="Within 14 days.\nKeep the box.")
    translation = translation_save(
        article=article,
        actor=sam,
        language="en",
        title="Returns policy",
        body="Within 30 days.\nKeep the box.",
    )
    restored = version_restore(translation=translation, number=1, actor=sam)
    assert (restored.version, restored.title, restored.body) == (
        3,
        "Returns",
        "Within 14 days.\nKeep the box.",
    )
    assert [row[0] for row in versions(article)] == [1, 2, 3]
    older, newer = ArticleVersion.objects.filter(translation=translation, number__in=[1, 2]).order_by(
        "number"
    )
    lines = version_diff(older=older, newer=newer)
    assert [(line.kind, line.old, line.new) for line in lines] == [
        ("change", "Returns", "Returns policy"),
        ("equal", "", ""),
        ("change", "Within 14 days.", "Within 30 days."),
        ("equal", "Keep the box.", "Keep the box."),
    ]
    assert lines[2].words == [("equal", "Within "), ("delete", "14"), ("insert", "30"), ("equal", " days.")]
    with pytest.raises(ValidationError):
        version_restore(translation=translation, number=9, actor=sam)


def test_translations_are_one_per_language_and_audited(sam):
    article = article_create(actor=sam, language="en", title="Returns", body="Within 14 days.")
    translation_save(article=article, actor=sam, language="pl", title="Zwroty", body="W ciągu 14 dni.")
    assert sorted(article.translations.values_list("language", "version")) == [("en", 1), ("pl", 1)]
    last = AuditEntry.objects.order_by("-id").first()
    assert last.changes["title_pl"]["to"] == "Zwroty"
    with pytest.raises(ValidationError):
        translation_save(article=article, actor=sam, language="xx", title="X", body="Y")


def test_writers_make_drafts_internal_publishers_publish(sam, vera, alice):
    article = article_create(actor=sam, language="en", title="Returns", body="Within 14 days.")
    with pytest.raises(NotAllowed):
        article_set_status(article=article, actor=sam, status="public")
    assert Article.objects.get(pk=article.pk).status == "draft"
    article = article_set_status(article=article, actor=sam, status="internal")
    assert article.status == "internal"
    with pytest.raises(NotAllowed):
        article_create(actor=alice, language="en", title="Mine", body="Text")
    article = article_set_status(article=article, actor=vera, status="public")
    assert (article.status, article.published_at is not None) == ("public", True)
    # A public article's text, status and settings are changed by publishers only.
    for change in (
        lambda: translation_save(article=article, actor=sam, language="en", title="Returns", body="Changed"),
        lambda: article_set_status(article=article, actor=sam, status="draft"),
        lambda: article_update(article=article, actor=sam, slug="returns-policy"),
    ):
        with pytest.raises(NotAllowed):
            change()
    assert (Article.objects.get(pk=article.pk).slug, ArticleTranslation.objects.get().body) == (
        "returns",
        "Within 14 days.",
    )


def test_slugs_are_unique(sam):
    first = article_create(actor=sam, language="en", title="Returns", body="A")
    second = article_create(actor=sam, language="en", title="Returns", body="B")
    chinese = article_create(actor=sam, language="zh-hans", title="退货", body="C")
    assert (first.slug, second.slug, chinese.slug) == ("returns", "returns-2", "article")
    with pytest.raises(ValidationError):
        article_update(article=second, actor=sam, slug="returns")


def test_a_vote_counts_once_per_voter_and_can_change(public_article, alice, bob):
    article_vote(article=public_article, helpful=True, user=alice)
    article_vote(article=public_article, helpful=True, user=alice)
    article_vote(article=public_article, helpful=True, session_key="visitor-1")
    article_vote(article=public_article, helpful=False, user=bob)
    public_article.refresh_from_db()
    assert (public_article.helpful_count, public_article.not_helpful_count) == (2, 1)
    article_vote(article=public_article, helpful=False, user=alice, language="pl")
    public_article.refresh_from_db()
    assert (public_article.helpful_count, public_article.not_helpful_count) == (1, 2)
    assert ArticleVote.objects.count() == 3
    assert ArticleVote.objects.get(user=alice).language == "pl"
    with pytest.raises(ValidationError):
        article_vote(article=public_article, helpful=True)


def test_categories_need_an_english_name_and_a_publisher(sam, vera):
    with pytest.raises(NotAllowed):
        category_create(actor=sam, names={"en": "Delivery"})
    with pytest.raises(ValidationError):
        category_create(actor=vera, names={"pl": "Dostawa"})
    category = category_create(actor=vera, names={"en": "Delivery", "ru": "Доставка", "pl": ""})
    assert (category.slug, category.names) == ("delivery", {"en": "Delivery", "ru": "Доставка"})
    assert (category.name("ru"), category.name("hy")) == ("Доставка", "Delivery")


def test_the_demo_writes_every_article_in_every_language_once(make_user):
    from klient.core.models import Role

    make_user("li.wei", Role.SERVICE_MANAGER)
    assert kb_demo() == 8
    assert kb_demo() == 0
    assert KbCategory.objects.count() == 3
    assert (
        sorted(Article.objects.values_list("status", flat=True))
        == ["draft"] + ["internal"] * 2 + ["public"] * 5
    )
    for article in Article.objects.all():
        assert sorted(article.translations.values_list("language", flat=True)) == sorted(
            ["en", "pl", "bs", "hy", "zh-hans", "ru"]
        )
