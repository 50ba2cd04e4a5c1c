"""Suggestions on a ticket's page: the articles that answer it (its language first; drafts never;
internal ones for staff only) and the resolved tickets with the same words, in a bounded number of
queries; the partial renders them with the "Insert into reply" text."""

import pytest
from django.template.loader import render_to_string

from klient.service.kb.selectors import suggestions_for
from klient.service.models import Ticket
from klient.service.services import MessageInput, ticket_open

pytestmark = pytest.mark.django_db


def open_ticket(subject, body, language="en", status=None):
    ticket = ticket_open(
        message=MessageInput(
            kind="email_in", body_text=body, sender_email="jan@example.org", subject=subject
        ),
        language=language,
    )
    if status:
        # As the services do: a resolved or closed ticket carries when it was resolved.
        Ticket.objects.filter(pk=ticket.pk).update(status=status, resolved_at=ticket.created_at)
        ticket.refresh_from_db()
    return ticket


def test_articles_matching_the_ticket_in_its_language_first(
    sam, public_article, internal_article, draft_article
):
    ticket = open_ticket("Czas dostawy?", "Kiedy wyślecie zamówienie złożone przed południem?", language="pl")
    suggestions = suggestions_for(ticket, sam)
    assert [(item.article.slug, item.translation.language) for item in suggestions["articles"]] == [
        ("delivery-times", "pl")
    ]
    item = suggestions["articles"][0]
    assert item.url == "http://127.0.0.1:8000/help/delivery-times/?lang=pl"
    assert item.insert_text == (
        "Czas dostawy\n\nZamówienia złożone przed południem wysyłamy tego samego dnia. Żółć nie ma tu nic do "
        "rzeczy.\n\nhttp://127.0.0.1:8000/help/delivery-times/?lang=pl"
    )


def test_internal_articles_for_staff_never_drafts(
    sam, alice, paula, public_article, internal_article, draft_article
):
    ticket = open_ticket("Refund to a closed card, returns", "Can you refund by bank transfer?")
    assert [item.article.slug for item in suggestions_for(ticket, sam)["articles"]] == [
        "refunds-to-a-closed-card"
    ]
    internal = suggestions_for(ticket, sam)["articles"][0]
    assert internal.url == ""  # customers cannot open an internal article: its text only
    assert internal.insert_text == "Refunds to a closed card\n\nAsk finance for a bank transfer refund."
    assert [item.article.slug for item in suggestions_for(ticket, alice)["articles"]] == [
        "refunds-to-a-closed-card"
    ]
    assert suggestions_for(ticket, paula)["articles"] == []


def test_similar_resolved_tickets_by_subject_words(sam, public_article):
    closed = open_ticket("Delivery late again", "Where is it?", status="closed")
    resolved = open_ticket("Late delivery of pallets", "Pallets did not come.", status="resolved")
    open_ticket("Delivery late", "Still open", status=None)
    open_ticket("Invoice copy", "Please send", status="resolved")
    ticket = open_ticket("Pallets delivery is late", "Our pallets are late.")
    similar = suggestions_for(ticket, sam)["similar_tickets"]
    assert [(item.number, item.matched) for item in similar] == [(resolved.number, 3), (closed.number, 2)]
    assert (similar[0].subject, similar[0].status_label) == ("Late delivery of pallets", "Resolved")


def test_suggestions_take_a_fixed_number_of_queries(
    sam, public_article, internal_article, django_assert_num_queries
):
    for number in range(6):
        open_ticket(f"Delivery question {number}", "When?", status="resolved")
    ticket = open_ticket("Delivery times and refunds", "When do orders leave? Refund to a card?")
    # The ticket's page has read the user's permissions and visibility already (cached on the user).
    suggestions_for(ticket, sam)
    with django_assert_num_queries(5):
        suggestions = suggestions_for(ticket, sam)
    assert len(suggestions["articles"]) == 2
    assert len(suggestions["similar_tickets"]) == 5


def test_the_partial_lists_articles_with_their_text_and_similar_tickets(sam, public_article):
    resolved = open_ticket("Delivery times", "How long?", status="resolved")
    ticket = open_ticket("Delivery times please", "How long does delivery take?")
    html = render_to_string(
        "kb/_suggestions.html", {"kb_suggestions": suggestions_for(ticket, sam), "ticket": ticket}
    )
    assert f'data-kb-insert="{public_article.pk}"' in html
    assert "Orders placed before noon leave the warehouse the same day." in html
    assert "http://127.0.0.1:8000/help/delivery-times/?lang=en" in html
    assert f'<a href="/service/tickets/{resolved.number}/">T-{resolved.number}</a>' in html
    assert "/static/kb/kb.js" in html
