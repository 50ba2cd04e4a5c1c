"""The escalation job (klient.service.sla.sla_escalate, every minute): the assignee warned once at 75 % of
a running target, the breach recorded once, the queue's lead told, `ticket.sla_breached` sent, and the
ticket handed to the lead when the queue says so.

Calendar: UTC, Monday to Friday 09:00–17:00. Policy (default): normal priority first response 60 min,
resolution 480 min. A ticket opened Mon 2026-12-07 09:00: first response 75 % at 09:45, due 10:00;
resolution 75 % (360 min) at 15:00, due 17:00."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings

from klient.core.models import AuditEntry, User
from klient.mail.models import OutboxMessage
from klient.service.models import (
    BusinessCalendar,
    EventKind,
    SlaPolicy,
    SlaStatus,
    SlaTarget,
    Ticket,
    TicketStatus,
)
from klient.service.services import MessageInput, ticket_open, ticket_payload, ticket_update
from klient.service.sla import sla_escalate
from klient.webhooks.models import WebhookDelivery, WebhookEvent
from klient.webhooks.services import webhook_subscription_create


def utc(*parts: int) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=datetime.UTC)


@pytest.fixture
def policy(db: Any) -> SlaPolicy:
    calendar = BusinessCalendar.objects.create(
        name="Office",
        timezone="UTC",
        hours={day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    )
    SlaPolicy.objects.update(is_default=False)
    policy = SlaPolicy.objects.create(name="Office hours", calendar=calendar, is_default=True)
    SlaTarget.objects.create(
        policy=policy, priority="normal", first_response_minutes=60, resolution_minutes=480
    )
    return policy


@pytest.fixture
def ticket(policy: SlaPolicy, support: Any, sam: User, vera: User) -> Ticket:
    support.lead = vera
    support.save()
    with time_machine.travel(utc(2026, 12, 7, 9, 0), tick=False):
        opened = ticket_open(
            message=MessageInput(
                kind="email_in", body_text="Help", sender_email="jan@example.org", subject="Broken"
            )
        )
        ticket_update(ticket=opened, actor=sam, assignee=sam)
    return Ticket.objects.get(pk=opened.pk)


def escalation_events(ticket: Ticket) -> list[tuple[str, dict[str, Any]]]:
    kinds = {EventKind.SLA_WARNING, EventKind.SLA_BREACHED, EventKind.ESCALATED}
    return [
        (kind, data)
        for kind, data in ticket.events.order_by("id").values_list("kind", "data")
        if kind in kinds
    ]


def test_the_job_runs_every_minute():
    assert (
        django_settings.CELERY_BEAT_SCHEDULE["sla-escalate"]["task"]
        == "klient.service.tasks.sla_escalate_due"
    )


def test_nothing_happens_before_75_percent(ticket):
    assert ticket.sla_check_at == utc(2026, 12, 7, 9, 45)
    assert sla_escalate(now=utc(2026, 12, 7, 9, 44, 59)) == {
        "tickets": 0,
        "warned": 0,
        "breached": 0,
        "reassigned": 0,
    }
    ticket.refresh_from_db()
    assert (ticket.warned, ticket.sla_status, escalation_events(ticket)) == ([], SlaStatus.OK, [])


def test_the_assignee_is_warned_once_at_75_percent(
    ticket, sam, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = sla_escalate(now=utc(2026, 12, 7, 9, 45))
        again = sla_escalate(now=utc(2026, 12, 7, 9, 50))
    assert first == {"tickets": 1, "warned": 1, "breached": 0, "reassigned": 0}
    assert again == {"tickets": 0, "warned": 0, "breached": 0, "reassigned": 0}
    ticket.refresh_from_db()
    assert (ticket.warned, ticket.breached, ticket.sla_status) == (["first_response"], [], SlaStatus.WARNING)
    # Next: the first response's due time.
    assert ticket.sla_check_at == utc(2026, 12, 7, 10, 0)
    assert escalation_events(ticket) == [
        (EventKind.SLA_WARNING, {"target": "first_response", "due": "2026-12-07T10:00:00+00:00"})
    ]
    assert smtp_sink.recipients() == ["sam@example.com"]
    assert smtp_sink.subjects() == [f"{ticket.reference}: first response due at 2026-12-07 10:00 UTC"]
    assert OutboxMessage.objects.filter(key__startswith="sla-warning:").count() == 1


def test_a_breach_tells_the_lead_and_sends_the_webhook_once(ticket, root, vera, sam, settings):
    # A receiver on loopback (allowed here); the deliveries are only queued, not sent, in this test.
    settings.WEBHOOKS_ALLOW_INSECURE = True
    webhook_subscription_create(
        actor=root,
        name="Escalations",
        url="http://127.0.0.1:9/sla",
        events=[WebhookEvent.TICKET_SLA_BREACHED],
    )
    assert sla_escalate(now=utc(2026, 12, 7, 9, 45))["warned"] == 1
    assert sla_escalate(now=utc(2026, 12, 7, 10, 0)) == {
        "tickets": 1,
        "warned": 0,
        "breached": 1,
        "reassigned": 0,
    }
    assert sla_escalate(now=utc(2026, 12, 7, 10, 1))["tickets"] == 0
    ticket.refresh_from_db()
    assert (ticket.breached, ticket.sla_status, ticket.assignee) == (
        ["first_response"],
        SlaStatus.BREACHED,
        sam,
    )
    # Next: 75 % of the resolution (Mon 09:00 + 360 min).
    assert ticket.sla_check_at == utc(2026, 12, 7, 15, 0)
    assert escalation_events(ticket)[1:] == [
        (EventKind.SLA_BREACHED, {"target": "first_response", "due": "2026-12-07T10:00:00+00:00"}),
        (EventKind.ESCALATED, {"target": "first_response", "to": vera.pk, "reassigned": False}),
    ]
    mails = list(
        OutboxMessage.objects.filter(key__startswith="sla-").order_by("id").values_list("to_email", "subject")
    )
    assert mails == [
        ("sam@example.com", f"{ticket.reference}: first response due at 2026-12-07 10:00 UTC"),
        (
            "vera@example.com",
            f"SLA breached: {ticket.reference} first response was due at 2026-12-07 10:00 UTC",
        ),
    ]
    [(event, key, payload)] = WebhookDelivery.objects.values_list("event", "key", "payload")
    assert (event, key) == (
        "ticket.sla_breached",
        f"ticket.sla_breached:{ticket.pk}:first_response:{int(utc(2026, 12, 7, 10, 0).timestamp())}",
    )
    # The ticket as the API shows it, with the target breached and its due time.
    assert set(payload) == {*ticket_payload(ticket), "target", "due"}
    assert {
        name: payload[name]
        for name in ("number", "subject", "target", "due", "queue", "assignee", "priority")
    } == {
        "number": ticket.number,
        "subject": "Broken",
        "target": "first_response",
        "due": "2026-12-07T10:00:00+00:00",
        "queue": "Support",
        "assignee": sam.pk,
        "priority": "normal",
    }
    assert payload["first_response_due"] == "2026-12-07T10:00:00+00:00"


def test_a_job_that_was_down_breaches_without_a_late_warning(ticket):
    # At 17:30 both targets are past due: two breaches, no warnings.
    assert sla_escalate(now=utc(2026, 12, 7, 17, 30)) == {
        "tickets": 1,
        "warned": 0,
        "breached": 2,
        "reassigned": 0,
    }
    ticket.refresh_from_db()
    assert (ticket.warned, ticket.breached, ticket.sla_check_at) == (
        ["first_response", "resolution"],
        ["first_response", "resolution"],
        None,
    )
    assert [kind for kind, _data in escalation_events(ticket)] == [
        EventKind.SLA_BREACHED,
        EventKind.ESCALATED,
        EventKind.SLA_BREACHED,
        EventKind.ESCALATED,
    ]


def test_the_queue_may_hand_a_breached_ticket_to_its_lead(ticket, support, vera, sam):
    support.reassign_on_breach = True
    support.save()
    audit_before = AuditEntry.objects.count()
    assert sla_escalate(now=utc(2026, 12, 7, 10, 0)) == {
        "tickets": 1,
        "warned": 0,
        "breached": 1,
        "reassigned": 1,
    }
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.version) == (vera, 3)
    events = list(ticket.events.order_by("id").values_list("kind", "data"))[-3:]
    assert events == [
        (EventKind.SLA_BREACHED, {"target": "first_response", "due": "2026-12-07T10:00:00+00:00"}),
        (EventKind.ESCALATED, {"target": "first_response", "to": vera.pk, "reassigned": True}),
        (EventKind.ASSIGNED, {"to": vera.pk, "by": "escalation"}),
    ]
    entry = AuditEntry.objects.order_by("-id").first()
    assert AuditEntry.objects.count() == audit_before + 1
    assert entry.changes["assignee"]["from"] == sam.pk
    assert entry.changes["assignee"]["to"] == vera.pk
    # The lead is not handed the ticket a second time at the resolution's breach.
    assert sla_escalate(now=utc(2026, 12, 7, 17, 0))["reassigned"] == 0


def test_a_paused_ticket_is_not_escalated_for_resolution(ticket, sam):
    with time_machine.travel(utc(2026, 12, 7, 9, 30), tick=False):
        ticket_update(ticket=ticket, actor=sam, status=TicketStatus.PENDING_CUSTOMER)
    ticket.refresh_from_db()
    # The first response still runs (no public reply yet): its checks stay; the resolution's do not.
    assert ticket.sla_check_at == utc(2026, 12, 7, 9, 45)
    assert sla_escalate(now=utc(2026, 12, 7, 12, 0)) == {
        "tickets": 1,
        "warned": 0,
        "breached": 1,
        "reassigned": 0,
    }
    ticket.refresh_from_db()
    assert (ticket.breached, ticket.sla_check_at, ticket.sla_status) == (
        ["first_response"],
        None,
        SlaStatus.BREACHED,
    )


def test_the_job_reads_only_the_due_tickets(policy, support, django_assert_num_queries):
    with time_machine.travel(utc(2026, 12, 7, 9, 0), tick=False):
        for number in range(20):
            ticket_open(
                message=MessageInput(kind="email_in", body_text="?", sender_email=f"c{number}@example.org")
            )
    # None due yet: the policies, their targets, the queues' policies, one indexed query of the due tickets
    # and the clean-up of closed ones; as many for 20 tickets as for a million.
    with django_assert_num_queries(5):
        assert sla_escalate(now=utc(2026, 12, 7, 9, 30))["tickets"] == 0
