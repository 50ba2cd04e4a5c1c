"""The knowledge base screens: the staff list with its filters, an article's tabs, editing a language,
versions compared and restored, status buttons; the public help pages (no sign-in): public articles only,
in the visitor's language with English as fallback, and one vote per browser session."""

import pytest
from django.test import Client

from klient.service.kb.models import Article, ArticleTranslation, ArticleVersion, ArticleVote
from klient.service.kb.services import translation_save

pytestmark = pytest.mark.django_db


def body(response):
    return response.content.decode()


def test_the_staff_list_filters_by_words_status_and_language(
    login, sam, public_article, internal_article, draft_article
):
    client = login(sam)
    everything = body(client.get("/kb/"))
    for article in (public_article, internal_article, draft_article):
        assert f'data-article="{article.pk}"' in everything
    found = body(client.get("/kb/", {"q": "zolc"}))
    assert f'data-article="{public_article.pk}"' in found
    assert f'data-article="{internal_article.pk}"' not in found
    drafts = body(client.get("/kb/", {"status": "draft"}))
    assert (
        f'data-article="{draft_article.pk}"' in drafts,
        f'data-article="{public_article.pk}"' in drafts,
    ) == (True, False)
    polish = body(client.get("/kb/", {"language": "pl"}))
    assert "Czas dostawy" in polish and f'data-article="{internal_article.pk}"' not in polish


def test_sales_roles_read_internal_articles_but_not_drafts(
    login, alice, public_article, internal_article, draft_article
):
    client = login(alice)
    page = body(client.get("/kb/"))
    assert f'data-article="{internal_article.pk}"' in page
    assert f'data-article="{draft_article.pk}"' not in page
    assert client.get(f"/kb/{draft_article.pk}/").status_code == 404
    assert client.get(f"/kb/{public_article.pk}/edit/en/").status_code == 403


def test_an_article_shows_a_tab_per_translation(login, sam, public_article):
    page = body(login(sam).get(f"/kb/{public_article.pk}/?lang=pl"))
    assert 'data-tab="en"' in page and 'data-tab="pl" aria-selected="true"' in page
    assert "Zamówienia złożone przed południem" in page
    # The history names each language's changes.
    assert '<tr data-field="title_pl"><td>Title (Polish)</td><td>—</td><td>Czas dostawy</td></tr>' in page
    # Links in the text are shown as links, the rest escaped.
    english = body(login(sam).get(f"/kb/{public_article.pk}/?lang=en"))
    assert '<a href="https://track.example.com" rel="nofollow">https://track.example.com</a>' in english


def test_editing_a_language_writes_a_version_and_a_stale_form_is_refused(login, sam, internal_article):
    client = login(sam)
    response = client.post(
        f"/kb/{internal_article.pk}/edit/pl/",
        {"title": "Zwrot na zamkniętą kartę", "body": "Poproś finanse.", "version": 2},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/kb/{internal_article.pk}/?lang=pl"
    assert (
        ArticleTranslation.objects.get(article=internal_article, language="pl").title
        == "Zwrot na zamkniętą kartę"
    )
    stale = client.post(
        f"/kb/{internal_article.pk}/edit/pl/", {"title": "Stale", "body": "Stale.", "version": 2}
    )
    assert stale.status_code == 400
    assert "Someone changed this article meanwhile" in body(stale)
    assert (
        ArticleTranslation.objects.get(article=internal_article, language="pl").title
        == "Zwrot na zamkniętą kartę"
    )


def test_versions_are_compared_and_restored(login, sam, internal_article):
    translation_save(
        article=internal_article,
        actor=sam,
        language="en",
        title="Refunds to a closed card",
        body="Ask finance.",
    )
    client = login(sam)
    page = body(client.get(f"/kb/{internal_article.pk}/versions/en/?from=1&to=2"))
    assert 'data-version="1"' in page and 'data-version="2"' in page
    assert "Ask <del>finance for a bank transfer refund.</del><ins>finance.</ins>" in page
    response = client.post(f"/kb/{internal_article.pk}/versions/en/restore/", {"number": "1"})
    assert response.status_code == 302
    translation = ArticleTranslation.objects.get(article=internal_article, language="en")
    assert (translation.version, translation.body) == (3, "Ask finance for a bank transfer refund.")
    assert ArticleVersion.objects.filter(translation=translation).count() == 3


def test_status_buttons_follow_the_permissions(login, sam, vera, internal_article):
    refused = login(sam).post(f"/kb/{internal_article.pk}/status/", {"status": "public"})
    assert refused.status_code == 302
    assert Article.objects.get(pk=internal_article.pk).status == "internal"
    assert 'data-action="publish"' not in body(login(sam).get(f"/kb/{internal_article.pk}/"))
    assert 'data-action="publish"' in body(login(vera).get(f"/kb/{internal_article.pk}/"))
    login(vera).post(f"/kb/{internal_article.pk}/status/", {"status": "public"})
    assert Article.objects.get(pk=internal_article.pk).status == "public"


def test_a_new_article_is_a_draft(login, sam, delivery):
    response = login(sam).post(
        "/kb/new/",
        {"language": "ru", "title": "Сроки доставки", "body": "Один-два дня.", "category": delivery.pk},
    )
    article = Article.objects.get()
    assert response["Location"] == f"/kb/{article.pk}/?lang=ru"
    assert (article.status, article.slug, article.category) == ("draft", "article", delivery)


def test_the_public_help_shows_public_articles_only_to_anyone(
    public_article, internal_article, draft_article, login, paula
):
    for client in (Client(), login(paula)):
        page = body(client.get("/help/?lang=en"))
        assert "Delivery times" in page
        assert "Refunds to a closed card" not in page and "Draft on returns" not in page
        assert client.get(f"/help/{internal_article.slug}/").status_code == 404
        assert client.get(f"/help/{draft_article.slug}/").status_code == 404


def test_the_public_article_in_the_visitors_language_or_english(public_article):
    client = Client()
    polish = body(client.get("/help/delivery-times/?lang=pl"))
    assert "Czas dostawy" in polish and "data-also-in" in polish and ">English<" in polish
    russian = body(client.get("/help/delivery-times/?lang=ru"))
    assert "Delivery times" in russian and "data-fallback" in russian
    found = body(client.get("/help/", {"q": "zolc", "lang": "pl"}))
    assert 'data-article="delivery-times"' in found
    assert 'data-article="delivery-times"' not in body(client.get("/help/", {"q": "nothing-like-it"}))


def test_a_browser_session_votes_once_and_may_change_its_vote(public_article):
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get("/help/delivery-times/?lang=pl")
    token = page.cookies["csrftoken"].value
    for _time in range(2):
        visitor.post(
            "/help/delivery-times/vote/", {"helpful": "yes", "lang": "pl", "csrfmiddlewaretoken": token}
        )
    public_article.refresh_from_db()
    assert (public_article.helpful_count, public_article.not_helpful_count) == (1, 0)
    visitor.post("/help/delivery-times/vote/", {"helpful": "no", "lang": "pl", "csrfmiddlewaretoken": token})
    Client().post("/help/delivery-times/vote/", {"helpful": "no"})
    public_article.refresh_from_db()
    assert (public_article.helpful_count, public_article.not_helpful_count) == (0, 2)
    assert ArticleVote.objects.count() == 2
    assert 'data-vote="no"' in body(visitor.get("/help/delivery-times/"))


def test_a_vote_without_the_csrf_token_is_refused(public_article):
    response = Client(enforce_csrf_checks=True).post("/help/delivery-times/vote/", {"helpful": "yes"})
    assert response.status_code == 403
    assert ArticleVote.objects.count() == 0


@pytest.mark.parametrize("path", ["/kb/", "/kb/?q=delivery", "/help/", "/help/?q=delivery"])
def test_lists_take_the_same_number_of_queries_for_more_articles(path, login, vera):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from klient.service.kb.services import article_create, article_set_status

    def add(count):
        for number in range(count):
            article = article_create(actor=vera, language="en", title=f"Delivery {number}", body="Text")
            article_set_status(article=article, actor=vera, status="public")

    client = login(vera)
    add(2)
    client.get(path)  # sessions, permissions: read once
    with CaptureQueriesContext(connection) as few:
        assert client.get(path).status_code == 200
    add(6)
    with CaptureQueriesContext(connection) as many:
        page = client.get(path)
    assert body(page).count(">Delivery ") == 8
    assert len(many) == len(few)
