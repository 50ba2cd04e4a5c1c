"""Routing (a rule per condition, the queue's own address, the default queue) and allocation (round robin
in turn, least loaded, absent members passed over, members not taking new tickets left out), and the
setup services' permissions."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from klient.core.exceptions import NotAllowed
from klient.core.models import Role
from klient.core.services import delegation_create
from klient.customers.services import company_create
from klient.service import services
from klient.service.models import (
    Assignment,
    Category,
    MessageKind,
    Queue,
    QueueMember,
    RoutingRule,
    TicketStatus,
)
from klient.service.services import MessageInput, route, ticket_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def billing(db: Any) -> Queue:
    return Queue.objects.create(name="Billing", email="billing@klient.example")


def _rule(queue: Queue, **conditions: Any) -> RoutingRule:
    return RoutingRule.objects.create(name=f"to {queue.name}", queue=queue, **conditions)


def test_without_rules_mail_goes_to_the_queue_it_was_sent_to_else_the_default(support, billing):
    assert route(recipients=["Billing@Klient.example"]) == (billing, "", "sent to billing@klient.example")
    assert route(recipients=["help@klient.example"]) == (support, "", "default queue")


def test_a_rule_by_recipient(billing, support):
    _rule(billing, recipient="faktury@klient.example", set_priority="high")
    assert route(recipients=["faktury@klient.example"])[:2] == (billing, "high")
    assert route(recipients=["inne@klient.example"])[0] == support


def test_a_rule_by_category(billing, support):
    invoices = Category.objects.create(name="Invoices")
    _rule(billing, category=invoices)
    assert route(category=invoices)[0] == billing
    assert route(category=Category.objects.create(name="Other"))[0] == support
    assert route()[0] == support


def test_a_rule_by_company(billing, support, mleczarnia, alice):
    _rule(billing, company=mleczarnia)
    assert route(company=mleczarnia)[0] == billing
    assert route(company=company_create(actor=alice, name="Inna"))[0] == support


def test_a_rule_for_key_accounts(billing, support, mleczarnia, alice):
    _rule(billing, key_account=True)
    assert route(company=mleczarnia)[0] == billing
    assert route(company=company_create(actor=alice, name="Zwykła"))[0] == support
    assert route()[0] == support


def test_a_rule_by_language(billing, support):
    _rule(billing, language="pl")
    assert route(language="pl")[0] == billing
    assert route(language="en")[0] == support


def test_the_first_rule_by_order_wins_and_inactive_rules_are_skipped(billing, support):
    vip = Queue.objects.create(name="VIP")
    _rule(billing, order=20, language="pl")
    RoutingRule.objects.create(name="off", queue=vip, order=1, language="pl", is_active=False)
    _rule(vip, order=10, language="pl")
    assert route(language="pl") == (vip, "", "rule to VIP")


def test_a_routed_mail_opens_its_ticket_in_the_rules_queue_with_its_priority(billing, marta):
    _rule(billing, language="pl", set_priority="urgent")
    ticket = ticket_open(
        message=MessageInput(kind=MessageKind.EMAIL_IN, body_text="?", sender_email=marta.email)
    )
    assert (ticket.queue, ticket.priority) == (billing, "urgent")


@pytest.fixture
def agents(make_user: Any) -> list[Any]:
    return [make_user(name, Role.SERVICE_AGENT) for name in ("ala", "ola", "ela")]


def _open(queue: Queue) -> Any:
    return ticket_open(
        message=MessageInput(kind=MessageKind.EMAIL_IN, body_text="?", sender_email="x@example.com"),
        queue=queue,
    )


def _members(queue: Queue, users: list[Any], assignment: str) -> None:
    queue.assignment = assignment
    queue.save()
    for user in users:
        QueueMember.objects.create(queue=queue, user=user)


def test_round_robin_gives_tickets_in_turn(support, agents):
    _members(support, agents, Assignment.ROUND_ROBIN)
    assignees = [_open(support).assignee.username for _ in range(4)]
    assert assignees == ["ala", "ola", "ela", "ala"]


def test_least_loaded_gives_the_ticket_to_the_member_with_fewest_open_tickets(support, agents):
    _members(support, agents, Assignment.LEAST_LOADED)
    ala, ola, ela = agents
    for owner, count in ((ala, 2), (ola, 1)):
        for _ in range(count):
            ticket = _open(Queue.objects.create(name=f"other {owner.username} {_}"))
            services.ticket_update(ticket=ticket, actor=owner, assignee=owner)
    assert _open(support).assignee == ela
    assert _open(support).assignee == ola  # ela now has 1, ola 1: ola has waited longer
    resolved = _open(Queue.objects.get(name="other ala 0"))
    services.ticket_update(ticket=resolved, actor=ala, assignee=ala, status=TicketStatus.RESOLVED)
    assert _open(support).assignee == ela


def test_an_absent_member_with_a_deputy_and_one_not_taking_tickets_are_passed_over(support, agents):
    _members(support, agents, Assignment.ROUND_ROBIN)
    ala, ola, ela = agents
    today = timezone.localdate()
    delegation_create(absent_user=ala, deputy=ola, starts_on=today, ends_on=today, actor=ala)
    QueueMember.objects.filter(user=ela).update(is_available=False)
    assert [_open(support).assignee for _ in range(2)] == [ola, ola]


def test_a_manual_queue_assigns_nobody(support, agents):
    _members(support, agents, Assignment.MANUAL)
    assert _open(support).assignee is None


def test_queues_are_set_up_by_service_managers_only(vera, sam, agents):
    queue = services.queue_save(
        actor=vera,
        name="Returns",
        assignment=Assignment.ROUND_ROBIN,
        members={agents[0].pk: True, agents[1].pk: False},
    )
    assert list(queue.memberships.values_list("user__username", "is_available")) == [
        ("ala", True),
        ("ola", False),
    ]
    services.queue_save(actor=vera, queue=queue, members={agents[1].pk: True})
    assert list(queue.memberships.values_list("user__username", "is_available")) == [("ola", True)]
    with pytest.raises(NotAllowed):
        services.queue_save(actor=sam, name="Mine")
    assert not Queue.objects.filter(name="Mine").exists()
