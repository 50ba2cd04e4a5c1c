"""The demo service desk: queues, calendars, a key-account policy, rules, macros, log address, articles,
and two hundred tickets in every state, channel and language, made once."""

import datetime
from collections import Counter

import pytest
import time_machine

from klient.core.models import Role
from klient.customers.services import company_create, contact_create
from klient.service.demo import demo_service_load
from klient.service.kb.models import Article
from klient.service.models import BusinessCalendar, Macro, Queue, Satisfaction, Ticket, TicketMessage

pytestmark = pytest.mark.django_db
NOON = datetime.datetime(2026, 3, 4, 12, 0, tzinfo=datetime.UTC)
LANGUAGES = ["en", "pl", "bs", "hy", "zh-hans", "ru"]


@pytest.fixture
def desk(make_user):
    return {
        "li.wei": make_user("li.wei", Role.SERVICE_MANAGER),
        "wang.fang": make_user("wang.fang", Role.SERVICE_AGENT),
        "james.wilson": make_user("james.wilson", Role.SERVICE_AGENT),
    }


@pytest.fixture
def customers(alice):
    for number, language in enumerate(LANGUAGES):
        company = company_create(
            actor=alice, name=f"Client {number}", status="customer", is_key_account=number == 0
        )
        contact_create(
            actor=alice,
            company=company,
            first_name=f"Buyer {number}",
            email=f"buyer{number}@client{number}.example",
            language=language,
        )


def test_the_demo_desk_has_tickets_in_every_state_channel_and_language_once(desk, customers):
    with time_machine.travel(NOON, tick=False):
        assert demo_service_load(desk) == 200
        assert demo_service_load(desk) == 0

    tickets = Ticket.objects.all()
    assert Counter(tickets.values_list("status", flat=True)) == {
        "new": 30, "open": 30, "pending_customer": 30, "pending_internal": 20, "resolved": 50, "closed": 40,
    }  # fmt: skip
    assert Counter(tickets.values_list("channel", flat=True)) == {
        "email": 120, "portal": 30, "phone": 20, "web_form": 20, "api": 10,
    }  # fmt: skip
    assert set(tickets.values_list("language", flat=True)) == set(LANGUAGES)
    assert set(Queue.objects.values_list("name", flat=True)) == {"Support", "Key accounts", "Complaints"}
    assert set(tickets.values_list("queue__name", flat=True)) == {"Support", "Key accounts", "Complaints"}
    assert BusinessCalendar.objects.count() == 3 and Macro.objects.count() == 2
    assert Satisfaction.objects.filter(rating__isnull=False).count() == 30
    # Every answered ticket's replies are dated after it was opened, and none in the future.
    replies = TicketMessage.objects.filter(kind="reply").select_related("ticket")
    assert replies.exists()
    assert all(reply.ticket.created_at < reply.created_at <= NOON for reply in replies)
    assert Article.objects.count() == 8
