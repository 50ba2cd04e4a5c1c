"""A ticket's SLA through its life, against due times worked out by hand: the policy applied at opening,
the first response, the clock stopped while pending the customer (across a weekend), the next response,
resolution met or breached, reopening, a priority change, the policy chosen by its conditions, and the
recomputation after a policy is edited.

The calendar: Europe/Warsaw, Monday to Friday 09:00–17:00, Polish public holidays. December 2026 is CET
(UTC+1). The policy "Gold" (the default): normal priority first response 60, next response 120, resolution
480 business minutes; high 30 / 60 / 240; low has no target."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

import pytest
import time_machine

from klient.core.models import User
from klient.service.models import (
    BusinessCalendar,
    EventKind,
    MessageKind,
    SlaPolicy,
    SlaStatus,
    SlaTarget,
    Ticket,
    TicketStatus,
)
from klient.service.services import (
    MessageInput,
    customer_message_add,
    ticket_open,
    ticket_reply,
    ticket_update,
)
from klient.service.sla import sla_recompute_open
from klient.service.sla_services import calendar_update, policy_update

WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SLA_EVENTS = {
    EventKind.SLA_APPLIED,
    EventKind.SLA_RECOMPUTED,
    EventKind.SLA_PAUSED,
    EventKind.SLA_RESUMED,
    EventKind.SLA_WARNING,
    EventKind.SLA_BREACHED,
}


def cet(*parts: int) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=WARSAW)


def utc(*parts: int) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=datetime.UTC)


@pytest.fixture
def warsaw(db: Any) -> BusinessCalendar:
    return BusinessCalendar.objects.create(
        name="Warsaw office",
        timezone="Europe/Warsaw",
        hours={day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
        holiday_country="PL",
    )


def make_policy(
    name: str, calendar: BusinessCalendar, targets: dict[str, tuple[int | None, ...]], **fields: Any
) -> SlaPolicy:
    policy = SlaPolicy.objects.create(name=name, calendar=calendar, **fields)
    for priority, (first, following, resolution) in targets.items():
        SlaTarget.objects.create(
            policy=policy,
            priority=priority,
            first_response_minutes=first,
            next_response_minutes=following,
            resolution_minutes=resolution,
        )
    return policy


@pytest.fixture
def gold(warsaw: BusinessCalendar) -> SlaPolicy:
    SlaPolicy.objects.update(is_default=False)
    return make_policy(
        "Gold", warsaw, {"normal": (60, 120, 480), "high": (30, 60, 240)}, is_default=True, order=1000
    )


def open_ticket(at: datetime.datetime, sender: str = "marta@mleczarnia.example.pl", **fields: Any) -> Ticket:
    with time_machine.travel(at, tick=False):
        ticket = ticket_open(
            message=MessageInput(
                kind=MessageKind.EMAIL_IN,
                body_text="Gdzie jest dostawa?",
                sender_email=sender,
                subject="Dostawa",
            ),
            **fields,
        )
    return Ticket.objects.get(pk=ticket.pk)


# Replies to a requester without an address are kept on the ticket and not mailed: these tests are about
# the clock, not the mail.


def sla_events(ticket: Ticket) -> list[tuple[str, dict[str, Any]]]:
    return [
        (kind, data)
        for kind, data in ticket.events.order_by("at", "id").values_list("kind", "data")
        if kind in SLA_EVENTS
    ]


def test_opening_applies_the_default_policy_in_business_time(gold, marta, support):
    # Opened Fri 2026-12-04 16:30 CET. First response 60 min: 30 min on Friday (to 17:00), 30 min from Monday
    # 09:00 → Mon 09:30 CET = 08:30 UTC. Resolution 480 min: 30 on Friday, 450 on Monday → Mon 16:30 CET =
    # 15:30 UTC. 75 % of the first response (45 min): 30 Friday + 15 Monday → Mon 09:15 CET, the next check.
    ticket = open_ticket(cet(2026, 12, 4, 16, 30))
    assert ticket.sla_policy == gold
    assert (ticket.first_response_due, ticket.next_response_due, ticket.resolution_due) == (
        utc(2026, 12, 7, 8, 30),
        None,
        utc(2026, 12, 7, 15, 30),
    )
    assert ticket.sla_status == SlaStatus.OK
    assert ticket.sla_check_at == utc(2026, 12, 7, 8, 15)
    assert sla_events(ticket) == [
        (
            EventKind.SLA_APPLIED,
            {
                "reason": "created",
                "policy": gold.pk,
                "policy_name": "Gold",
                "first_response_due": "2026-12-07T08:30:00+00:00",
                "next_response_due": None,
                "resolution_due": "2026-12-07T15:30:00+00:00",
            },
        )
    ]


def test_the_clock_stops_while_pending_the_customer_across_a_weekend(gold, marta, support, sam):
    # Opened Fri 2026-12-04 10:00 CET; resolution due 10:00 + 480 min → Fri 17:00 (7 h) + Mon 09:00–10:00
    # → Mon 10:00 CET = 09:00 UTC.
    ticket = open_ticket(sender="", at=cet(2026, 12, 4, 10, 0))
    assert ticket.resolution_due == utc(2026, 12, 7, 9, 0)
    # Sam answers at Fri 15:00 CET: the first response is met and the ticket waits for the customer.
    with time_machine.travel(cet(2026, 12, 4, 15, 0), tick=False):
        ticket_reply(ticket=ticket, actor=sam, body="Sprawdzamy.")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.sla_status, ticket.paused_at) == (
        TicketStatus.PENDING_CUSTOMER,
        SlaStatus.PAUSED,
        utc(2026, 12, 4, 14, 0),
    )
    assert ticket.first_response_due == utc(
        2026, 12, 4, 10, 0
    )  # 10:00 + 60 min = 11:00 CET, kept for reports
    assert ticket.sla_check_at is None  # no clock runs: nothing for the escalation job
    # Marta answers Mon 11:00 CET. Stopped: Fri 15:00–17:00 (2 h) + Mon 09:00–11:00 (2 h) = 14 400 s.
    # Resolution: 480 min + 240 min from Fri 10:00 → Fri 7 h, Mon 8 h (= 900 min > 720) → 720 - 420 = 300 min
    # from Mon 09:00 → Mon 14:00 CET = 13:00 UTC. Next response: Mon 11:00 + 120 min → 13:00 CET = 12:00 UTC.
    with time_machine.travel(cet(2026, 12, 7, 11, 0), tick=False):
        customer_message_add(
            ticket=ticket,
            message=MessageInput(kind=MessageKind.EMAIL_IN, body_text="Nadal nic.", sender_email=""),
        )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.paused_at, ticket.paused_seconds) == (TicketStatus.OPEN, None, 14_400)
    assert (ticket.next_response_due, ticket.resolution_due) == (
        utc(2026, 12, 7, 12, 0),
        utc(2026, 12, 7, 13, 0),
    )
    assert ticket.sla_status == SlaStatus.OK
    kinds = [
        (kind, data.get("reason") or data.get("seconds") or data.get("status"))
        for kind, data in sla_events(ticket)
    ]
    assert kinds == [
        (EventKind.SLA_APPLIED, "created"),
        (EventKind.SLA_PAUSED, TicketStatus.PENDING_CUSTOMER),
        (EventKind.SLA_RESUMED, 14_400),
        (EventKind.SLA_RECOMPUTED, "customer replied"),
    ]
    assert sla_events(ticket)[-1][1]["before"] == {
        "first_response_due": "2026-12-04T10:00:00+00:00",
        "next_response_due": None,
        "resolution_due": "2026-12-07T09:00:00+00:00",
    }


def test_a_reply_answers_the_next_response(gold, marta, support, sam):
    ticket = open_ticket(sender="", at=cet(2026, 12, 7, 9, 0))
    with time_machine.travel(cet(2026, 12, 7, 9, 20), tick=False):
        ticket_reply(ticket=ticket, actor=sam, body="Sprawdzamy.", status=TicketStatus.OPEN)
    with time_machine.travel(cet(2026, 12, 7, 16, 30), tick=False):
        customer_message_add(
            ticket=Ticket.objects.get(pk=ticket.pk),
            message=MessageInput(kind=MessageKind.EMAIL_IN, body_text="I co?", sender_email=""),
        )
    ticket.refresh_from_db()
    # Mon 16:30 CET + 120 min: 30 on Monday, 90 from Tue 09:00 → Tue 10:30 CET = 09:30 UTC.
    assert ticket.next_response_due == utc(2026, 12, 8, 9, 30)
    with time_machine.travel(cet(2026, 12, 8, 9, 5), tick=False):
        ticket_reply(
            ticket=Ticket.objects.get(pk=ticket.pk), actor=sam, body="Jutro.", status=TicketStatus.OPEN
        )
    ticket.refresh_from_db()
    assert ticket.next_response_due is None
    # No pause: resolution Mon 09:00 + 480 min = Mon 17:00 CET = 16:00 UTC, past at Tue 09:05: breached.
    assert (ticket.resolution_due, ticket.sla_status) == (utc(2026, 12, 7, 16, 0), SlaStatus.BREACHED)


def test_resolution_in_time_is_met_and_reopening_continues_the_clock(gold, marta, support, sam):
    ticket = open_ticket(sender="", at=cet(2026, 12, 7, 9, 0))  # resolution due Mon 17:00 CET = 16:00 UTC
    with time_machine.travel(cet(2026, 12, 7, 10, 0), tick=False):
        ticket_reply(ticket=ticket, actor=sam, body="Gotowe.", status=TicketStatus.RESOLVED)
    ticket.refresh_from_db()
    assert (ticket.sla_status, ticket.paused_at, ticket.sla_check_at) == (
        SlaStatus.MET,
        utc(2026, 12, 7, 9, 0),
        None,
    )
    # Marta writes again Wed 2026-12-09 12:00 CET. Resolved Mon 10:00 to Wed 12:00 does not count: Mon 7 h +
    # Tue 8 h + Wed 3 h = 18 h = 64 800 s. Resolution: 480 + 1080 = 1560 min from Mon 09:00 → Mon 480, Tue
    # 480, Wed 480 (1440), 120 more on Thu → Thu 11:00 CET = 10:00 UTC.
    with time_machine.travel(cet(2026, 12, 9, 12, 0), tick=False):
        customer_message_add(
            ticket=Ticket.objects.get(pk=ticket.pk),
            message=MessageInput(kind=MessageKind.EMAIL_IN, body_text="Znowu.", sender_email=""),
        )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reopened_count, ticket.paused_seconds) == (TicketStatus.OPEN, 1, 64_800)
    assert ticket.resolution_due == utc(2026, 12, 10, 10, 0)
    # Wed 12:00 + 120 min → Wed 14:00 CET = 13:00 UTC.
    assert ticket.next_response_due == utc(2026, 12, 9, 13, 0)
    assert ticket.sla_status == SlaStatus.OK


def test_resolution_after_its_due_time_is_breached(gold, marta, support, sam):
    ticket = open_ticket(
        sender="", at=cet(2026, 12, 7, 9, 0)
    )  # first response due 10:00 CET, resolution 17:00 CET
    with time_machine.travel(cet(2026, 12, 8, 9, 30), tick=False):
        ticket_reply(ticket=ticket, actor=sam, body="Gotowe.", status=TicketStatus.RESOLVED)
    ticket.refresh_from_db()
    assert ticket.sla_status == SlaStatus.BREACHED


def test_a_priority_change_recomputes_from_the_creation(gold, marta, support, sam):
    ticket = open_ticket(cet(2026, 12, 7, 9, 0))
    with time_machine.travel(cet(2026, 12, 7, 9, 10), tick=False):
        ticket_update(ticket=ticket, actor=sam, priority="high")
    ticket.refresh_from_db()
    # High: first response 30 min → 09:30 CET = 08:30 UTC; resolution 240 min → 13:00 CET = 12:00 UTC.
    assert (ticket.first_response_due, ticket.resolution_due) == (
        utc(2026, 12, 7, 8, 30),
        utc(2026, 12, 7, 12, 0),
    )
    # 75 % of 30 min = 1350 s = 22 min 30 s → the next check at 09:22:30 CET.
    assert ticket.sla_check_at == utc(2026, 12, 7, 8, 22, 30)
    assert sla_events(ticket)[-1] == (
        EventKind.SLA_RECOMPUTED,
        {
            "reason": "changed",
            "policy": gold.pk,
            "policy_before": gold.pk,
            "before": {
                "first_response_due": "2026-12-07T09:00:00+00:00",
                "next_response_due": None,
                "resolution_due": "2026-12-07T16:00:00+00:00",
            },
            "after": {
                "first_response_due": "2026-12-07T08:30:00+00:00",
                "next_response_due": None,
                "resolution_due": "2026-12-07T12:00:00+00:00",
            },
        },
    )


def test_a_priority_without_a_target_is_not_measured(gold, marta, support):
    ticket = open_ticket(cet(2026, 12, 7, 9, 0), priority="low")
    assert (ticket.sla_policy, ticket.sla_status) == (gold, SlaStatus.NONE)
    assert (
        ticket.first_response_due,
        ticket.next_response_due,
        ticket.resolution_due,
        ticket.sla_check_at,
    ) == (
        None,
        None,
        None,
        None,
    )


def test_the_policy_is_chosen_by_its_conditions(gold, warsaw, marta, mleczarnia, support):
    key_accounts = make_policy(
        "Key accounts", warsaw, {"normal": (15, 30, 120)}, order=10, conditions={"key_account": True}
    )
    make_policy("Phone", warsaw, {"normal": (5, 5, 5)}, order=20, conditions={"channels": ["phone"]})
    # Without conditions a policy is for the queues that name it: it does not capture every ticket.
    make_policy("For a queue", warsaw, {"normal": (1, 1, 1)}, order=1)
    ticket = open_ticket(cet(2026, 12, 7, 9, 0))
    assert ticket.sla_policy == key_accounts
    assert ticket.first_response_due == utc(2026, 12, 7, 8, 15)  # 09:00 + 15 min CET
    stranger = open_ticket(cet(2026, 12, 7, 9, 0), sender="jan@example.org")
    assert stranger.sla_policy == gold
    # An inactive policy is passed over.
    SlaPolicy.objects.filter(pk=key_accounts.pk).update(is_active=False)
    assert open_ticket(cet(2026, 12, 7, 9, 0)).sla_policy == gold


def test_the_queues_policy_comes_first(gold, warsaw, marta, support):
    queue_policy = make_policy("Support queue", warsaw, {"normal": (120, None, None)})
    make_policy("Key accounts", warsaw, {"normal": (15, 30, 120)}, order=10, conditions={"key_account": True})
    support.sla_policy = queue_policy
    support.save()
    ticket = open_ticket(cet(2026, 12, 7, 9, 0))
    assert ticket.sla_policy == queue_policy
    assert (ticket.first_response_due, ticket.resolution_due) == (utc(2026, 12, 7, 10, 0), None)


def test_editing_a_policy_recomputes_the_open_tickets(
    gold, marta, support, vera: User, django_capture_on_commit_callbacks
):
    ticket = open_ticket(cet(2026, 12, 7, 9, 0))
    closed = open_ticket(cet(2026, 12, 7, 9, 0))
    Ticket.objects.filter(pk=closed.pk).update(status=TicketStatus.CLOSED)
    with (
        time_machine.travel(cet(2026, 12, 7, 9, 30), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        policy_update(
            policy=gold,
            actor=vera,
            targets=[{"priority": "normal", "first_response_minutes": 120, "resolution_minutes": 960}],
        )
    ticket.refresh_from_db()
    # 09:00 CET + 120 min = 11:00 CET = 10:00 UTC; + 960 min = two days → Tue 17:00 CET = 16:00 UTC.
    assert (ticket.first_response_due, ticket.resolution_due) == (
        utc(2026, 12, 7, 10, 0),
        utc(2026, 12, 8, 16, 0),
    )
    assert sla_events(ticket)[-1][0] == EventKind.SLA_RECOMPUTED
    assert sla_events(ticket)[-1][1]["reason"] == "policy changed"
    closed_before = (closed.first_response_due, closed.resolution_due)
    closed.refresh_from_db()
    assert (closed.first_response_due, closed.resolution_due) == closed_before


def test_recomputing_unchanged_tickets_changes_nothing(gold, marta, support):
    open_ticket(cet(2026, 12, 7, 9, 0))
    with time_machine.travel(cet(2026, 12, 7, 9, 10), tick=False):
        assert sla_recompute_open() == 0


def test_a_new_closed_day_in_the_calendar_moves_the_due_times(
    gold, warsaw, marta, support, vera: User, django_capture_on_commit_callbacks
):
    ticket = open_ticket(cet(2026, 12, 7, 16, 0))
    # Mon 16:00 CET + 480 min: 60 on Monday, 420 on Tuesday → Tue 16:00 CET = 15:00 UTC.
    assert ticket.resolution_due == utc(2026, 12, 8, 15, 0)
    with (
        time_machine.travel(cet(2026, 12, 7, 16, 30), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        calendar_update(calendar=warsaw, actor=vera, closed_days=["2026-12-08"])
    ticket.refresh_from_db()
    # Tuesday closed: the 420 minutes fall on Wednesday → Wed 16:00 CET = 15:00 UTC; the first response
    # (60 min from Mon 16:00 = Mon 17:00) does not move.
    assert (ticket.first_response_due, ticket.resolution_due) == (
        utc(2026, 12, 7, 16, 0),
        utc(2026, 12, 9, 15, 0),
    )
    assert sla_events(ticket)[-1][1]["reason"] == "calendar changed"


def test_a_pause_across_the_autumn_clock_change_counts_the_real_hours(db, marta, support, sam):
    # A round-the-clock calendar in Warsaw. Pending from Sat 2026-10-24 12:00 CEST (10:00 UTC) to Sun
    # 2026-10-25 12:00 CET (11:00 UTC): the clocks went back at 03:00, so 25 real hours = 90 000 s stopped.
    always = BusinessCalendar.objects.create(
        name="Always", timezone="Europe/Warsaw", hours={day: [["00:00", "24:00"]] for day in WEEKDAY_KEYS}
    )
    SlaPolicy.objects.update(is_default=False)
    make_policy("Round the clock", always, {"normal": (None, None, 48 * 60)}, is_default=True)
    ticket = open_ticket(sender="", at=utc(2026, 10, 24, 6, 0))
    assert ticket.resolution_due == utc(2026, 10, 26, 6, 0)  # 48 real hours later
    with time_machine.travel(utc(2026, 10, 24, 10, 0), tick=False):
        ticket_update(ticket=ticket, actor=sam, status=TicketStatus.PENDING_CUSTOMER)
    with time_machine.travel(utc(2026, 10, 25, 11, 0), tick=False):
        ticket_update(ticket=Ticket.objects.get(pk=ticket.pk), actor=sam, status=TicketStatus.OPEN)
    ticket.refresh_from_db()
    assert ticket.paused_seconds == 90_000
    assert ticket.resolution_due == utc(2026, 10, 27, 7, 0)  # 48 h + 25 h after Sat 06:00 UTC
