"""The demo service desk: queues (Support, Key accounts, Complaints) with the demo agents, business calendars
for the Warsaw and Shanghai offices (the Shanghai one with a lunch break), a key-account SLA policy,
categories, routing rules, two macros in every language, a log address, the knowledge base's articles,
and about two hundred tickets of the demo companies' contacts in their languages, in every state and
channel: opened weeks ago and worked since (acknowledged, answered, waiting for the customer, resolved,
closed and rated), through the services, with each step dated when it happened.

Idempotent: nothing is made when the desk already has tickets."""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from klient.core.models import User
from klient.customers.models import Contact
from klient.service.demo_texts import ANSWERS, MACROS, REQUESTS, SCENARIOS
from klient.service.models import (
    Assignment,
    BusinessCalendar,
    Category,
    Channel,
    LogAddress,
    MessageKind,
    Priority,
    Queue,
    QueueMember,
    RoutingRule,
    SlaPolicy,
    SlaTarget,
    Ticket,
    TicketStatus,
    TicketType,
)
from klient.service.services import (
    MessageInput,
    customer_message_add,
    macro_save,
    ticket_open,
    ticket_reply,
    ticket_update,
)

TICKETS = 200
CHANNELS = (
    [Channel.EMAIL] * 12 + [Channel.PORTAL] * 3 + [Channel.PHONE] * 2 + [Channel.WEB_FORM] * 2 + [Channel.API]
)
# Where each demo ticket ends, with its share (of 20).
STATES = (
    ["new"] * 3
    + ["open"] * 3
    + ["pending_customer"] * 3
    + ["pending_internal"] * 2
    + ["resolved"] * 5
    + ["closed"] * 4
)
ROOT_CAUSES = {
    "damaged_goods": ("Pallets stacked too high on the truck.", "Loading instruction updated; drivers briefed.", "12 pallets replaced free of charge."),
    "wrong_item": ("Picking error: two foil rolls with similar labels.", "Labels changed to show the thickness in large print.", "Courier collection and delivery paid by us."),
}  # fmt: skip


def _setup(manager: User, agents: list[User]) -> dict[str, Queue]:
    warsaw = BusinessCalendar.objects.create(
        name="Warsaw office",
        timezone="Europe/Warsaw",
        hours={day: [["08:00", "16:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
        holiday_country="PL",
        closed_days=["2026-12-24", "2026-12-31"],
    )
    BusinessCalendar.objects.create(
        name="Shanghai office",
        timezone="Asia/Shanghai",
        hours={day: [["09:00", "12:00"], ["13:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
        holiday_country="CN",
    )
    key_policy = SlaPolicy.objects.create(
        name="Key accounts", calendar=warsaw, order=10, conditions={"key_account": True}
    )
    SlaTarget.objects.bulk_create(
        SlaTarget(policy=key_policy, priority=priority, first_response_minutes=first, next_response_minutes=following, resolution_minutes=resolution)
        for priority, first, following, resolution in (
            (Priority.URGENT, 30, 60, 240),
            (Priority.HIGH, 60, 120, 480),
            (Priority.NORMAL, 120, 240, 1440),
            (Priority.LOW, 240, 480, 2880),
        )
    )  # fmt: skip
    categories = {
        name: Category.objects.get_or_create(name=name)[0] for name in {c for _t, _p, c in SCENARIOS.values()}
    }
    support = Queue.objects.get(is_default=True)
    Queue.objects.filter(pk=support.pk).update(
        email="support@demo.klient.example", lead=manager, assignment=Assignment.ROUND_ROBIN
    )
    key_accounts = Queue.objects.create(
        name="Key accounts",
        email="keyaccounts@demo.klient.example",
        lead=manager,
        assignment=Assignment.LEAST_LOADED,
        sla_policy=key_policy,
        reassign_on_breach=True,
    )
    complaints = Queue.objects.create(name="Complaints", email="complaints@demo.klient.example", lead=manager)
    for queue in (support, key_accounts, complaints):
        for agent in agents:
            QueueMember.objects.get_or_create(queue=queue, user=agent)
    RoutingRule.objects.create(name="Key accounts", order=10, queue=key_accounts, key_account=True)
    RoutingRule.objects.create(
        name="Complaints address", order=20, queue=complaints, recipient=complaints.email
    )
    RoutingRule.objects.create(
        name="Defects are complaints", order=30, queue=complaints, category=categories["Product defect"]
    )
    LogAddress.objects.get_or_create(email="log@demo.klient.example")
    for name, (actions, texts) in MACROS.items():
        macro_save(actor=manager, name=name, texts=texts, actions=actions)
    return {"support": support, "key_accounts": key_accounts, "complaints": complaints}


def _requesters() -> list[Contact]:
    return list(
        Contact.objects.filter(left_on__isnull=True, company__status__in=["customer", "prospect"])
        .exclude(email="")
        .select_related("company")
        .order_by("id")[:400]
    ) or list(Contact.objects.exclude(email="").select_related("company").order_by("id")[:400])


def _language(contact: Contact) -> str:
    language = contact.language or contact.company.document_language or "en"
    return language if language in REQUESTS else "en"


def _work(
    ticket: Ticket,
    state: str,
    agent: User,
    scenario: str,
    language: str,
    opened: datetime.datetime,
    rng: random.Random,
) -> None:
    """Take the ticket from new to `state`, each step some business hours after the one before."""
    if state == "new":
        return
    asked, settled = ANSWERS[language]
    follow_up = REQUESTS[language][scenario][2]
    step = opened + datetime.timedelta(minutes=rng.randint(20, 180))
    if state == "open":
        ticket_update(ticket=ticket, actor=agent, at=step, assignee=agent, status=TicketStatus.OPEN)
        return
    ticket_reply(ticket=ticket, actor=agent, body=asked, at=step)
    if state == "pending_customer":
        return
    if state == "pending_internal":
        ticket_update(
            ticket=Ticket.objects.get(pk=ticket.pk),
            actor=agent,
            at=step + datetime.timedelta(minutes=5),
            status=TicketStatus.PENDING_INTERNAL,
        )
        return
    step += datetime.timedelta(hours=rng.randint(2, 20))
    customer_message_add(
        ticket=ticket,
        message=MessageInput(
            kind=MessageKind.EMAIL_IN,
            body_text=follow_up,
            sender_email=ticket.requester_email,
            sender_name=ticket.requester_name,
            created_at=step,
        ),
    )
    step += datetime.timedelta(hours=rng.randint(1, 6))
    if ticket.type == TicketType.COMPLAINT and scenario in ROOT_CAUSES:
        cause, action, compensation = ROOT_CAUSES[scenario]
        ticket_update(
            ticket=Ticket.objects.get(pk=ticket.pk),
            actor=agent,
            at=step,
            root_cause=cause,
            corrective_action=action,
            compensation=compensation,
            complaint_due=(opened + datetime.timedelta(days=14)).date(),
        )
    ticket_reply(
        ticket=Ticket.objects.get(pk=ticket.pk),
        actor=agent,
        body=settled,
        status=TicketStatus.RESOLVED,
        at=step,
    )
    if state == "closed":
        ticket_update(
            ticket=Ticket.objects.get(pk=ticket.pk),
            actor=agent,
            at=step + datetime.timedelta(days=3),
            status=TicketStatus.CLOSED,
        )


@transaction.atomic
def demo_service_load(users: dict[str, User]) -> int:
    """The demo desk and its tickets (see the module's docstring); how many tickets were made."""
    from klient.service.kb.demo import kb_demo
    from klient.service.satisfaction import satisfaction_rate

    kb_demo()
    if Ticket.objects.exists():
        return 0
    manager = users["li.wei"]
    agents = [users["wang.fang"], users["james.wilson"]]
    _setup(manager, agents)
    requesters = _requesters()
    if not requesters:
        return 0
    rng = random.Random(6)  # noqa: S311 - demo data, not secrets
    now = timezone.now()
    scenarios = list(SCENARIOS)
    made = 0
    for index in range(TICKETS):
        contact = requesters[(index * 7) % len(requesters)]
        language = _language(contact)
        scenario = scenarios[index % len(scenarios)]
        type_, priority, _category = SCENARIOS[scenario]
        state = STATES[index % len(STATES)]
        subject, body, _follow_up = REQUESTS[language][scenario]
        reference = {"order": f"O-2026-{1200 + index:05d}", "invoice": f"FV/{index + 300}/2026"}
        days_ago = rng.randint(5, 45) if state in ("resolved", "closed") else rng.randint(0, 6)
        opened = now - datetime.timedelta(days=days_ago, hours=rng.randint(1, 8), minutes=rng.randint(0, 59))
        channel = CHANNELS[index % len(CHANNELS)]
        agent = agents[index % len(agents)]
        ticket = ticket_open(
            actor=agent if channel in (Channel.PHONE, Channel.API) else None,
            message=MessageInput(
                kind={Channel.EMAIL: MessageKind.EMAIL_IN, Channel.PORTAL: MessageKind.PORTAL, Channel.PHONE: MessageKind.PHONE, Channel.WEB_FORM: MessageKind.WEB_FORM, Channel.API: MessageKind.API}[channel],
                body_text=body.format(**reference),
                subject=subject.format(**reference),
                sender_email=contact.email,
                sender_name=contact.full_name,
                to="support@demo.klient.example",
                created_at=opened,
            ),
            channel=channel,
            company=contact.company,
            contact=contact,
            type=type_,
            priority=priority,
            category=Category.objects.get(name=_category),
            language=language,
            created_at=opened,
        )  # fmt: skip
        _work(ticket, state, agent, scenario, language, opened, rng)
        if state in ("resolved", "closed") and index % 3 == 0:
            satisfaction_rate(ticket=ticket, rating=rng.choice((3, 4, 4, 5, 5, 5, 2)), comment="")
        made += 1
    return made
