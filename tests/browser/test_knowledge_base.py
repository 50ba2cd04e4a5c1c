"""The knowledge base in the browser: on a ticket's page an agent inserts a suggested article into the
reply box; a visitor who is not signed in reads the article on /help/ in Polish and says it helped."""

import pytest
from playwright.sync_api import expect

from klient.core.models import Role
from klient.service import services
from klient.service.kb.models import Article
from klient.service.kb.services import article_create, article_set_status, translation_save
from klient.service.models import MessageKind, Queue

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def delivery_article(make_user):
    vera = make_user("vera", Role.SERVICE_MANAGER)
    article = article_create(
        actor=vera,
        language="en",
        title="Delivery times",
        body="Orders placed before noon leave the warehouse the same day.",
        slug="delivery-times",
    )
    translation_save(
        article=article,
        actor=vera,
        language="pl",
        title="Czas dostawy",
        body="Zamówienia złożone przed południem wysyłamy tego samego dnia.",
    )
    return article_set_status(article=article, actor=vera, status="public")


def test_an_agent_inserts_a_suggested_article_into_the_reply(
    page, sign_in, screenshot, sam, delivery_article
):
    Queue.objects.get_or_create(name="Support", defaults={"is_default": True})
    ticket = services.ticket_open(
        message=services.MessageInput(
            kind=MessageKind.EMAIL_IN,
            body_text="How long does delivery take to Kraków?",
            sender_email="jan@example.org",
            subject="Delivery times",
        )
    )
    sign_in(page, "sam")
    page.goto(f"/service/tickets/{ticket.number}/")
    suggestion = page.locator(f'[data-suggested-articles] [data-article="{delivery_article.pk}"]')
    expect(suggestion).to_contain_text("Delivery times")
    page.locator("#id_body").fill("Hello Jan,")
    suggestion.locator("[data-kb-insert]").click()
    expect(page.locator("#id_body")).to_have_value(
        "Hello Jan,\n\nDelivery times\n\nOrders placed before noon leave the warehouse the same day.\n\n"
        "http://127.0.0.1:8000/help/delivery-times/?lang=en"  # the public address, under KLIENT_BASE_URL
    )
    screenshot(page, "kb-insert-into-reply")
    assert page.problems == []


def test_a_visitor_reads_an_article_in_polish_and_votes(page, delivery_article):
    page.goto("/help/?lang=pl")
    page.locator('[data-article="delivery-times"] a').click()
    expect(page.locator("article h1")).to_have_text("Czas dostawy")
    page.locator('[data-action="helpful"]').click()
    expect(page.locator("[data-vote]")).to_have_attribute("data-vote", "yes")
    page.locator('[data-action="helpful"]').click()
    delivery_article.refresh_from_db()
    assert (delivery_article.helpful_count, delivery_article.not_helpful_count) == (1, 0)
    assert Article.objects.get().votes.count() == 1
    assert page.problems == []
