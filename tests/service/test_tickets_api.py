"""/api/v1/tickets: list (filters, `q`, cursor), create (with `created_at` for history), read, change with
the version (409 when stale), merge, and messages (list, reply mailed, note not); visibility (404) and the
right to work tickets (403)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from klient.mail.models import OutboxMessage
from klient.service import services
from klient.service.models import MessageKind, Queue, Ticket, TicketStatus
from klient.service.services import MessageInput, ticket_open

pytestmark = pytest.mark.django_db

FIELDS = {
    "number", "subject", "status", "priority", "type", "queue", "assignee", "company", "contact", "channel",
    "created_at", "first_response_due", "resolution_due", "first_responded_at", "resolved_at", "sla_status",
    "version",
}  # fmt: skip


def _open(sender: str = "marta@mleczarnia.example.pl", subject: str = "Dostawa", **extra: Any) -> Ticket:
    return ticket_open(
        message=MessageInput(
            kind=MessageKind.EMAIL_IN,
            body_text="?",
            sender_email=sender,
            subject=subject,
            message_id=f"<{subject}@x>",
        ),
        **extra,
    )


@pytest.fixture
def ticket(marta: Any, support: Queue) -> Ticket:
    return _open()


def test_a_ticket_reads_with_its_fields(api, sam, ticket, marta, mleczarnia):
    body = api(sam).get(f"/tickets/{ticket.number}").json()
    assert set(body) == FIELDS
    assert (body["number"], body["subject"], body["queue"], body["company"], body["contact"], body["channel"]) == (
        ticket.number, "Dostawa", "Support", mleczarnia.pk, marta.pk, "email",
    )  # fmt: skip
    assert (body["status"], body["assignee"], body["version"]) == ("new", None, ticket.version)


def test_the_list_filters_searches_and_pages(api, sam, marta, support):
    first = _open(subject="Zażółć")
    second = _open(subject="Faktura", priority="high")
    third = _open(sender="jan@example.com", subject="Inne")
    client = api(sam)
    assert [t["number"] for t in client.get("/tickets").json()["items"]] == [
        third.number,
        second.number,
        first.number,
    ]
    assert [t["number"] for t in client.get("/tickets", q="zazolc").json()["items"]] == [first.number]
    assert [t["number"] for t in client.get("/tickets", priority="high").json()["items"]] == [second.number]
    assert [t["number"] for t in client.get("/tickets", company=marta.company_id).json()["items"]] == [
        second.number,
        first.number,
    ]
    assert client.get("/tickets", queue="Support").json()["items"][0]["number"] == third.number
    assert client.get("/tickets", queue="Nowhere").json()["items"] == []
    assert client.get("/tickets", status="unresolved", assignee="none").json()["next"] is None
    page = client.get("/tickets", limit=2).json()
    assert [t["number"] for t in page["items"]] == [third.number, second.number]
    rest = client.get("/tickets", limit=2, cursor=page["next"]).json()
    assert ([t["number"] for t in rest["items"]], rest["next"]) == ([first.number], None)
    assert client.get("/tickets", cursor="forged").status_code == 400


def test_creating_a_ticket_matches_the_requester_and_keeps_the_history_time(
    api, sam, marta, mleczarnia, support, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(sam).post(
            "/tickets",
            {
                "subject": "Migrated",
                "body": "From the old system",
                "requester_email": "Marta@Mleczarnia.example.pl",
                "cc": ["szef@mleczarnia.example.pl"],
                "priority": "high",
                "created_at": "2025-01-10T09:00:00Z",
            },
        )
    assert response.status_code == 201
    body = response.json()
    assert (body["company"], body["contact"], body["channel"], body["priority"], body["created_at"]) == (
        mleczarnia.pk, marta.pk, "api", "high", "2025-01-10T09:00:00Z",
    )  # fmt: skip
    ticket = Ticket.objects.get(number=body["number"])
    assert list(ticket.participants.values_list("email", flat=True)) == [
        "marta@mleczarnia.example.pl",
        "szef@mleczarnia.example.pl",
    ]
    assert ticket.messages.get().created_at == datetime.datetime(2025, 1, 10, 9, tzinfo=datetime.UTC)


def test_creating_refuses_bad_input_and_changes_nothing(api, sam, alice, support):
    client = api(sam)
    assert (
        client.post(
            "/tickets", {"subject": "x", "body": "y", "requester_email": "not-an-address"}
        ).status_code
        == 422
    )
    assert client.post("/tickets", {"subject": "x", "body": "y", "queue": "Nowhere"}).status_code == 422
    assert client.post("/tickets", {"subject": "x", "body": "y", "company": 999999}).status_code == 404
    assert api(alice).post("/tickets", {"subject": "x", "body": "y"}).status_code == 403
    assert Ticket.objects.count() == 0


def test_a_change_with_a_stale_version_is_a_409_and_changes_nothing(api, sam, vera, ticket):
    client = api(sam)
    changed = client.patch(
        f"/tickets/{ticket.number}", {"version": ticket.version, "priority": "urgent", "queue": "Support"}
    )
    assert (changed.status_code, changed.json()["priority"]) == (200, "urgent")
    stale = client.patch(f"/tickets/{ticket.number}", {"version": ticket.version, "priority": "low"})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == changed.json()["version"]
    assert Ticket.objects.get(pk=ticket.pk).priority == "urgent"
    assigned = client.patch(
        f"/tickets/{ticket.number}", {"version": changed.json()["version"], "assignee": vera.pk}
    )
    assert assigned.json()["assignee"] == vera.pk


def test_merge_by_number(api, sam, ticket):
    other = _open(subject="Again")
    response = api(sam).post(f"/tickets/{other.number}/merge", {"into": ticket.number})
    assert (response.status_code, response.json()["number"]) == (200, ticket.number)
    other.refresh_from_db()
    assert (other.status, other.merged_into_id) == (TicketStatus.CLOSED, ticket.pk)
    assert api(sam).post(f"/tickets/{ticket.number}/merge", {"into": 999999}).status_code == 404


def test_messages_reply_mailed_and_note_not(api, sam, ticket, smtp_sink, django_capture_on_commit_callbacks):
    client = api(sam)
    with django_capture_on_commit_callbacks(execute=True):
        reply = client.post(f"/tickets/{ticket.number}/messages", {"body": "Jutro", "status": "open"})
        note = client.post(f"/tickets/{ticket.number}/messages", {"body": "Tylko my", "public": False})
    assert (reply.status_code, reply.json()["public"], reply.json()["sender"]) == (201, True, sam.email)
    assert (note.status_code, note.json()["public"]) == (201, False)
    assert smtp_sink.subjects() == [f"Re: [{ticket.reference}] Dostawa"]
    listed = client.get(f"/tickets/{ticket.number}/messages").json()
    assert [(m["kind"], m["public"], m["body_text"]) for m in listed["items"]] == [
        ("email_in", True, "?"),
        ("reply", True, "Jutro"),
        ("note", False, "Tylko my"),
    ]
    assert listed["items"][0]["threading"] == "new ticket"
    assert Ticket.objects.get(pk=ticket.pk).status == "open"


def test_visibility_and_rights(api, alice, bob, carol, sam, ticket):
    assert api(alice).get(f"/tickets/{ticket.number}").status_code == 200
    assert api(bob).get(f"/tickets/{ticket.number}").status_code == 404
    assert api(carol).get(f"/tickets/{ticket.number}").status_code == 404
    assert api(carol).get(f"/tickets/{ticket.number}/messages").status_code == 404
    assert api(carol).get("/tickets").json()["items"] == []
    assert (
        api(alice)
        .patch(f"/tickets/{ticket.number}", {"version": ticket.version, "priority": "low"})
        .status_code
        == 403
    )
    assert api(alice).post(f"/tickets/{ticket.number}/messages", {"body": "hi"}).status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).priority == "normal"
    assert OutboxMessage.objects.filter(key__startswith="ticket-reply").count() == 0
    assert api(sam).get("/tickets/999999").status_code == 404


def test_macros_are_listed_with_their_texts_to_agents(api, vera, sam, alice):
    services.macro_save(
        actor=vera, name="Thanks", texts={"en": "Thanks", "pl": "Dzięki"}, actions={"status": "resolved"}
    )
    body = api(sam).get("/macros").json()
    assert body["items"][0]["name"] == "Thanks"
    assert body["items"][0]["actions"] == {"status": "resolved"}
    assert body["items"][0]["texts"] == [
        {"language": "en", "body": "Thanks"},
        {"language": "pl", "body": "Dzięki"},
    ]
    assert api(alice).get("/macros").status_code == 403
