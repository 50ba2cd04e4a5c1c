"""Satisfaction: a resolved ticket's requester is asked once per resolution (never for automatic tickets or
without an address), rates 1–5 with a comment by the mail's link or in the portal (rating again replaces
it), and the results show per agent and per month for the service desk."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from klient.mail.models import OutboxMessage
from klient.service.models import Channel, EventKind, Satisfaction, Ticket, TicketEvent, TicketStatus
from klient.service.portal.services import portal_invite
from klient.service.satisfaction import satisfaction_rate, satisfaction_summary, satisfaction_token
from klient.service.services import MessageInput, ticket_claim, ticket_open, ticket_update

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 3, 3, 12, 0, tzinfo=datetime.UTC)
RATE_LINK = re.compile(r"http://[^/\s]+(/portal/rate/[^/\s]+/)")


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def ticket(marta: Any, support: Any, sam: Any) -> Ticket:
    """Marta's ticket by mail, taken by sam."""
    opened = ticket_open(
        message=MessageInput(
            kind="email_in", body_text="Milk is sour", sender_email=marta.email, subject="Sour milk"
        )
    )
    return ticket_claim(ticket=opened, actor=sam)


def _resolve(ticket: Ticket, actor: Any) -> Ticket:
    return ticket_update(ticket=Ticket.objects.get(pk=ticket.pk), actor=actor, status=TicketStatus.RESOLVED)


def _rate_mails() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(key__startswith="ticket-rate:").order_by("id"))


def test_resolving_asks_the_requester_once_by_mail(
    ticket, sam, smtp_sink, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        _resolve(ticket, sam)

    satisfaction = Satisfaction.objects.get()
    assert (satisfaction.ticket_id, satisfaction.agent, satisfaction.asked_at, satisfaction.rating) == (
        ticket.pk,
        sam,
        NOON,
        None,
    )
    mails = _rate_mails()
    assert len(mails) == 1
    assert (mails[0].to_email, mails[0].language) == ("marta@mleczarnia.example.pl", "pl")
    delivered = [m for _f, to, m in smtp_sink.messages if to == ["marta@mleczarnia.example.pl"]]
    assert len(delivered) == 1
    assert RATE_LINK.search(mails[0].body) is not None

    # Closing a resolved ticket asks nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        ticket_update(ticket=Ticket.objects.get(pk=ticket.pk), actor=sam, status=TicketStatus.CLOSED)
    assert len(_rate_mails()) == 1 and Satisfaction.objects.count() == 1


def test_a_reopened_ticket_resolved_again_asks_again(ticket, sam, vera):
    _resolve(ticket, sam)
    ticket_update(ticket=Ticket.objects.get(pk=ticket.pk), actor=sam, status=TicketStatus.OPEN)
    ticket_update(ticket=Ticket.objects.get(pk=ticket.pk), actor=sam, assignee=vera)
    _resolve(ticket, vera)

    assert len(_rate_mails()) == 2
    assert Satisfaction.objects.get().agent == vera


def test_no_question_for_an_automatic_ticket(marta, support, sam):
    automatic = ticket_open(
        message=MessageInput(
            kind="email_in",
            body_text="I am away",
            sender_email=marta.email,
            subject="Out of office",
            is_automatic=True,
        )
    )
    _resolve(automatic, sam)

    assert Satisfaction.objects.count() == 0 and _rate_mails() == []


def test_no_question_without_a_requester_address(support, sam):
    call = ticket_open(
        message=MessageInput(
            kind="phone", body_text="Caller asked about prices", sender_name="Unknown caller"
        ),
        actor=sam,
        channel=Channel.PHONE,
        subject="Prices",
    )
    _resolve(call, sam)

    assert Satisfaction.objects.count() == 0 and _rate_mails() == []


def test_the_mail_link_rates_without_signing_in_and_rating_again_replaces_it(ticket, sam):
    _resolve(ticket, sam)
    path = RATE_LINK.search(_rate_mails()[0].body).group(1)
    client = Client()

    page = client.get(path)
    assert page.status_code == 200 and 'name="rating"' in page.content.decode()
    first = client.post(path, {"rating": "4", "comment": "Quick, thanks"})
    second = client.post(path, {"rating": "2", "comment": "It broke again"})

    assert first.status_code == second.status_code == 200
    assert "data-thanks" in second.content.decode()
    satisfaction = Satisfaction.objects.get()
    assert (satisfaction.rating, satisfaction.comment, satisfaction.agent) == (2, "It broke again", sam)
    assert satisfaction.rated_at is not None
    events = list(
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.RATED).values_list("data", flat=True)
    )
    assert [(e["rating"], e["previous"]) for e in events] == [(4, None), (2, 4)]


@pytest.mark.parametrize("rating", ["0", "6", "x", ""])
def test_a_rating_out_of_range_is_refused_and_nothing_changes(ticket, sam, rating):
    _resolve(ticket, sam)
    path = f"/portal/rate/{satisfaction_token(ticket)}/"

    response = Client().post(path, {"rating": rating, "comment": "?"})

    assert response.status_code == 400
    satisfaction = Satisfaction.objects.get()
    assert (satisfaction.rating, satisfaction.comment, satisfaction.rated_at) == (None, "", None)
    assert not TicketEvent.objects.filter(kind=EventKind.RATED).exists()


def test_the_service_and_the_database_enforce_the_range(ticket, sam):
    _resolve(ticket, sam)
    for rating in (0, 6, True):
        with pytest.raises(ValidationError) as refused:
            satisfaction_rate(ticket=ticket, rating=rating)
        assert refused.value.message_dict == {"rating": ["Choose a rating from 1 to 5."]}
    with pytest.raises(IntegrityError), transaction.atomic():
        Satisfaction.objects.filter(ticket=ticket).update(rating=9)
    assert Satisfaction.objects.get().rating is None


def test_an_open_ticket_cannot_be_rated(ticket):
    response = Client().post(f"/portal/rate/{satisfaction_token(ticket)}/", {"rating": "5"})

    assert response.status_code == 400
    assert Satisfaction.objects.count() == 0


def test_a_forged_rating_link_is_not_found(ticket):
    assert Client().get("/portal/rate/forged-token/").status_code == 404


def test_a_customer_rates_in_the_portal(ticket, sam, marta):
    account = portal_invite(contact=marta, actor=sam)
    _resolve(ticket, sam)
    client = Client()
    client.force_login(account.user, backend="django.contrib.auth.backends.ModelBackend")

    response = client.post(f"/portal/tickets/{ticket.number}/rate/", {"rating": "5", "comment": "Great"})

    assert response.status_code == 302
    satisfaction = Satisfaction.objects.get()
    assert (satisfaction.rating, satisfaction.comment) == (5, "Great")
    assert TicketEvent.objects.get(kind=EventKind.RATED).actor == account.user


# --- results ----------------------------------------------------------------------------------------------


@pytest.fixture
def ratings(marta: Any, support: Any, sam: Any, vera: Any) -> list[Satisfaction]:
    """Three rated tickets: sam's 5 (February) and 3 (March), vera's 4 (March); one asked, not rated."""
    made = []
    for agent, rating, day in ((sam, 5, 10), (sam, 3, 40), (vera, 4, 41), (vera, None, 42)):
        with time_machine.travel(
            datetime.datetime(2026, 2, 1, 9, tzinfo=datetime.UTC) + datetime.timedelta(days=day)
        ):
            opened = ticket_open(
                message=MessageInput(
                    kind="email_in", body_text="?", sender_email=marta.email, subject=f"Q{day}"
                )
            )
            ticket_claim(ticket=opened, actor=agent)
            _resolve(opened, agent)
            if rating is not None:
                made.append(satisfaction_rate(ticket=opened, rating=rating, comment=f"Comment {day}"))
    return made


def test_the_summary_counts_and_averages_per_agent_and_month(ratings, sam, vera):
    summary = satisfaction_summary(Satisfaction.objects.all())

    assert summary == {
        "asked": 4,
        "count": 3,
        "average": 4.0,
        "response_rate": 0.75,
        "by_agent": [
            {"agent_id": sam.pk, "agent": "sam", "count": 2, "average": 4.0},
            {"agent_id": vera.pk, "agent": "Vera Vance", "count": 1, "average": 4.0},
        ],
        "by_month": [
            {"month": datetime.date(2026, 2, 1), "count": 1, "average": 5.0},
            {"month": datetime.date(2026, 3, 1), "count": 2, "average": 3.5},
        ],
    }


def test_the_service_desk_page_shows_results_of_the_tickets_one_sees(ratings, vera, carol, paula, login):
    with time_machine.travel(datetime.datetime(2026, 3, 20, 9, tzinfo=datetime.UTC), tick=False):
        page = login(vera).get("/service/satisfaction/?months=3")
        other = login(carol).get("/service/satisfaction/?months=3")
        refused = login(paula).get("/service/satisfaction/")

    body = page.content.decode()
    assert page.status_code == 200
    assert "<strong data-count>3</strong>" in body and "<strong data-average>4.00</strong>" in body
    assert "Comment 41" in body and "Comment 10" in body
    assert "<strong data-count>0</strong>" in other.content.decode()
    assert "Comment 41" not in other.content.decode()
    assert refused.status_code == 403


def test_the_ticket_page_block_shows_the_rating(ticket, sam):
    from django.template.loader import render_to_string

    _resolve(ticket, sam)
    asked = render_to_string("portal/_ticket_satisfaction.html", {"satisfaction": Satisfaction.objects.get()})
    satisfaction_rate(ticket=ticket, rating=3, comment="Slow but fine")
    rated = render_to_string("portal/_ticket_satisfaction.html", {"satisfaction": Satisfaction.objects.get()})

    assert "not rated yet" in asked
    assert 'data-satisfaction="3"' in rated and "Rated 3 of 5" in rated and "Slow but fine" in rated


def test_the_staff_ticket_page_shows_the_rating(ticket, sam, login):
    _resolve(ticket, sam)
    before = login(sam).get(f"/service/tickets/{ticket.number}/").content.decode()
    satisfaction_rate(ticket=ticket, rating=5, comment="Excellent")
    after = login(sam).get(f"/service/tickets/{ticket.number}/").content.decode()

    assert "not rated yet" in before and 'data-satisfaction=""' in before
    assert 'data-satisfaction="5"' in after and "Excellent" in after
