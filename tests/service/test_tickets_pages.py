"""The service desk's pages: the queue view (default, filters, words without diacritics, keyset pages,
a constant number of queries), a ticket's page and its forms (reply with a macro, note, header change
with a stale version, claim, merge, split, link, time, copy), phone tickets, attachments, the complaints
register and its export, the client card's tickets, and the navigation."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.mail.models import OutboxMessage
from klient.service import services
from klient.service.models import (
    Channel,
    MessageKind,
    Queue,
    QueueMember,
    Ticket,
    TicketLink,
    TicketMessage,
    TicketStatus,
    TicketType,
)
from klient.service.services import FileInput, MessageInput, ticket_open

pytestmark = pytest.mark.django_db


def _open(sender: str = "marta@mleczarnia.example.pl", subject: str = "Dostawa", **extra: Any) -> Ticket:
    return ticket_open(
        message=MessageInput(
            kind=MessageKind.EMAIL_IN,
            body_text=extra.pop("body", "Gdzie jest dostawa?"),
            sender_email=sender,
            subject=subject,
            message_id=f"<{subject}@x>",
            files=extra.pop("files", ()),
        ),
        **extra,
    )


@pytest.fixture
def ticket(marta: Any, support: Queue) -> Ticket:
    return _open()


def _due(ticket: Ticket, hours: int | None) -> None:
    due = (
        datetime.datetime(2026, 3, 2, 12, tzinfo=datetime.UTC) + datetime.timedelta(hours=hours)
        if hours
        else None
    )
    Ticket.objects.filter(pk=ticket.pk).update(resolution_due=due, next_due_at=due)


def _rows(html: str) -> list[str]:
    import re

    return re.findall(r'data-ticket="(\d+)"', html)


def test_the_queue_view_shows_my_queues_open_tickets_due_first(login, sam, marta, support):
    billing = Queue.objects.create(name="Billing")
    QueueMember.objects.create(queue=support, user=sam)
    late, soon, undated = _open(subject="late"), _open(subject="soon"), _open(subject="undated")
    elsewhere = _open(subject="elsewhere", queue=billing)
    done = _open(subject="done")
    _due(late, 8)
    _due(soon, 2)
    _due(elsewhere, 1)
    services.ticket_update(ticket=done, actor=sam, status=TicketStatus.RESOLVED)
    html = login(sam).get("/service/tickets/").content.decode()
    assert _rows(html) == [str(soon.number), str(late.number), str(undated.number)]
    everything = login(sam).get("/service/tickets/?all=1").content.decode()
    assert sorted(_rows(everything)) == sorted(str(t.number) for t in (late, soon, undated, elsewhere, done))


def test_the_queue_view_filters(login, sam, vera, marta, support):
    mine = _open(subject="mine")
    services.ticket_claim(ticket=mine, actor=sam)
    urgent = _open(subject="urgent", priority="urgent")
    complaint = _open(subject="complaint", type=TicketType.COMPLAINT)
    client = login(sam)

    def numbers(query: str) -> list[str]:
        return _rows(client.get(f"/service/tickets/?{query}").content.decode())

    assert numbers("assignee=me") == [str(mine.number)]
    assert numbers("assignee=none&priority=urgent") == [str(urgent.number)]
    assert numbers("type=complaint") == [str(complaint.number)]
    assert numbers(f"queue={support.pk}&status=open&company={marta.company_id}&q=URGENT") == [
        str(urgent.number)
    ]
    assert numbers("status=closed") == []
    assert numbers("sla_status=breached") == []


def test_words_are_found_without_diacritics_in_subject_requester_and_company(login, sam, mleczarnia, support):
    zolc = _open(sender="zofia@example.com", subject="Zażółć gęślą jaźń")
    dairy = _open(sender="jan@mleczarnia.example.pl", subject="Other")
    client = login(sam)
    assert _rows(client.get("/service/tickets/?q=zazolc+gesla").content.decode()) == [str(zolc.number)]
    assert _rows(client.get("/service/tickets/?q=MLECZARNIA").content.decode()) == [str(dairy.number)]
    assert _rows(client.get("/service/tickets/?q=zofia@example").content.decode()) == [str(zolc.number)]
    assert _rows(client.get(f"/service/tickets/?q=T-{dairy.number}").content.decode()) == [str(dairy.number)]


def test_the_queue_view_pages_by_cursor(login, sam, support, monkeypatch):
    from klient.service import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    tickets = [_open(sender="a@example.com", subject=f"t{index}") for index in range(5)]
    for index, ticket in enumerate(tickets[:3]):
        _due(ticket, 3 - index)
    client = login(sam)
    seen: list[str] = []
    url = "/service/tickets/?all=1"
    for _ in range(5):
        html = client.get(url).content.decode()
        seen += _rows(html)
        if "data-next-page" not in html:
            break
        url = "/service/tickets/?" + html.split('href="?', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    expected = [tickets[2], tickets[1], tickets[0], tickets[3], tickets[4]]
    assert seen == [str(ticket.number) for ticket in expected]
    assert client.get("/service/tickets/?cursor=forged").status_code == 404


def test_the_queue_view_reads_the_same_number_of_queries_whatever_the_tickets(login, sam, support, marta):
    client = login(sam)
    _open()
    client.get("/service/tickets/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/service/tickets/").status_code == 200
    for index in range(6):
        _open(subject=f"more {index}", sender=f"p{index}@example.com")
    with CaptureQueriesContext(connection) as many:
        assert len(_rows(client.get("/service/tickets/").content.decode())) == 7
    assert len(many) == len(few)


def test_the_ticket_page_shows_the_conversation_notes_apart_and_why_each_was_threaded(login, sam, ticket):
    services.ticket_note(ticket=ticket, actor=sam, body="Internal: call the warehouse")
    html = login(sam).get(f"/service/tickets/{ticket.number}/").content.decode()
    assert 'data-public="1"' in html and 'data-public="0"' in html
    assert "Internal: call the warehouse" in html
    assert "Threaded by: new ticket" in html
    assert 'data-action="claim"' in html


def test_the_ticket_page_reads_the_same_number_of_queries_whatever_the_conversation(login, sam, ticket):
    client = login(sam)
    client.get(f"/service/tickets/{ticket.number}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/service/tickets/{ticket.number}/")
    for index in range(3):
        services.ticket_note(
            ticket=ticket, actor=sam, body=f"note {index}", files=[FileInput("a.txt", b"a", "text/plain")]
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/service/tickets/{ticket.number}/").content.decode().count("data-message=") == 4
    assert len(many) == len(few)


def test_a_reply_with_a_macro_sends_and_sets_the_macros_fields(
    login, sam, vera, ticket, smtp_sink, django_capture_on_commit_callbacks
):
    macro = services.macro_save(
        actor=vera,
        name="Done",
        texts={"pl": "Załatwione, {{ contact.name }}."},
        actions={"status": "pending_internal"},
    )
    client = login(sam)
    preview = client.get(f"/service/tickets/{ticket.number}/macro/?macro={macro.pk}").content.decode()
    assert "Załatwione, Marta Nowak." in preview and "Status: Pending internal" in preview
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/service/tickets/{ticket.number}/reply/",
            {"body": "Załatwione, Marta Nowak.", "public": "1", "macro": macro.pk, "version": ticket.version},
        )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING_INTERNAL
    assert smtp_sink.subjects() == [f"Re: [{ticket.reference}] Dostawa"]
    assert smtp_sink.recipients() == ["marta@mleczarnia.example.pl"]


def test_a_note_from_the_reply_box_is_not_mailed(
    login, sam, ticket, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        login(sam).post(f"/service/tickets/{ticket.number}/reply/", {"body": "just us", "public": "0"})
    assert smtp_sink.messages == []
    assert ticket.messages.filter(public=False).count() == 1


def test_a_stale_reply_is_refused_with_the_text_kept(login, sam, vera, ticket):
    stale = ticket.version
    services.ticket_update(ticket=ticket, actor=vera, priority="high")
    response = login(sam).post(
        f"/service/tickets/{ticket.number}/reply/",
        {"body": "my careful text", "public": "1", "version": stale},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone changed this ticket meanwhile" in html and "my careful text" in html
    assert ticket.messages.count() == 1


def test_the_header_form_saves_and_a_stale_version_changes_nothing(login, sam, vera, ticket):
    client = login(sam)
    data = {
        "status": "open",
        "priority": "high",
        "type": "incident",
        "queue": ticket.queue_id,
        "company": ticket.company_id,
        "contact": ticket.contact_id,
        "version": ticket.version,
    }
    client.post(f"/service/tickets/{ticket.number}/update/", data)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.type) == ("open", "high", "incident")
    response = client.post(
        f"/service/tickets/{ticket.number}/update/", {**data, "priority": "low"}, follow=True
    )
    assert "Someone changed this ticket meanwhile" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).priority == "high"


def test_claim_merge_split_link_time_and_copy_from_the_page(login, sam, ticket, marta):
    other = _open(subject="Other")
    later = services.customer_message_add(
        ticket=ticket,
        message=MessageInput(kind=MessageKind.EMAIL_IN, body_text="second", sender_email=marta.email),
    )
    client = login(sam)
    base = f"/service/tickets/{ticket.number}"
    client.post(f"{base}/claim/")
    client.post(f"{base}/time/", {"minutes": "20"})
    client.post(f"{base}/participants/", {"email": "cc@mleczarnia.example.pl"})
    client.post(f"{base}/link/", {"other": other.number, "kind": "related"})
    split = client.post(f"{base}/split/{later.pk}/")
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.time_spent_minutes) == (sam, 20)
    assert ticket.participants.filter(email="cc@mleczarnia.example.pl").exists()
    assert TicketLink.objects.filter(from_ticket=ticket, to_ticket=other).count() == 1
    new = Ticket.objects.get(messages=later)
    assert split["Location"] == f"/service/tickets/{new.number}/"
    client.post(f"/service/tickets/{other.number}/merge/", {"into": ticket.number})
    other.refresh_from_db()
    assert (other.merged_into, other.status) == (ticket, TicketStatus.CLOSED)


def test_a_phone_ticket_is_logged_from_the_form(login, sam, marta, mleczarnia, support):
    response = login(sam).post(
        f"/service/tickets/new/?company={mleczarnia.pk}",
        {
            "company": mleczarnia.pk,
            "contact": marta.pk,
            "channel": "phone",
            "subject": "Faktura",
            "body": "Prosi o korektę",
            "type": "question",
            "priority": "normal",
        },
    )
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/service/tickets/{ticket.number}/"
    assert (ticket.channel, ticket.company, ticket.contact, ticket.created_by) == (
        Channel.PHONE,
        mleczarnia,
        marta,
        sam,
    )
    assert ticket.messages.get().kind == MessageKind.PHONE


def test_an_account_manager_may_not_log_a_ticket(login, alice, support):
    assert login(alice).get("/service/tickets/new/").status_code == 403
    assert Ticket.objects.count() == 0


def test_attachments_are_served_to_who_sees_the_ticket(login, sam, alice, carol, marta, support):
    ticket = _open(files=[FileInput("faktura.pdf", b"%PDF-1", "application/pdf")])
    attachment = TicketMessage.objects.get(ticket=ticket).attachments.get()
    url = f"/service/tickets/files/{attachment.pk}/"
    response = login(sam).get(url)
    assert b"".join(response.streaming_content) == b"%PDF-1"
    assert 'filename="faktura.pdf"' in response["Content-Disposition"]
    assert login(alice).get(url).status_code == 200
    assert login(carol).get(url).status_code == 404


def test_the_complaints_register_and_its_export(login, sam, marta, support):
    complaint = _open(subject="Zepsute", type=TicketType.COMPLAINT)
    services.ticket_update(
        ticket=complaint,
        actor=sam,
        root_cause="Transport",
        compensation="10% rabatu",
        complaint_due=datetime.date(2020, 1, 1),
    )
    _open(subject="Pytanie")
    client = login(sam)
    html = client.get("/service/complaints/").content.decode()
    assert _rows(html) == [str(complaint.number)]
    assert "data-overdue" in html and "Transport" in html
    csv = b"".join(client.get("/service/complaints/export.csv?status=open").streaming_content).decode()
    lines = csv.lstrip("\ufeff").splitlines()
    assert (
        lines[0]
        == "number,subject,company,opened,status,assignee,root_cause,corrective_action,compensation,due,overdue"
    )
    assert lines[1].startswith(f"{complaint.reference},Zepsute,Mleczarnia Sp. z o.o.,")
    assert lines[1].endswith(",New,,Transport,,10% rabatu,2020-01-01,yes")
    assert len(lines) == 2


def test_the_client_card_lists_the_companys_tickets_and_its_timeline_shows_them(
    login, alice, ticket, mleczarnia
):
    html = login(alice).get(f"/companies/{mleczarnia.pk}/").content.decode()
    assert 'id="tickets"' in html
    assert f'data-ticket="{ticket.number}"' in html
    assert f'data-entry="ticket-{ticket.pk}"' in html


def test_the_service_desk_is_in_the_menu_of_service_roles_only(login, sam, alice):
    assert 'href="/service/tickets/"' in login(sam).get("/").content.decode()
    assert 'href="/service/tickets/"' not in login(alice).get("/").content.decode()


def test_macro_and_queue_setup_pages(login, vera, sam):
    client = login(vera)
    client.post(
        "/service/macros/new/",
        {
            "name": "Thanks",
            "is_active": "on",
            "text_en": "Thanks {{ contact.name }}",
            "set_status": "resolved",
        },
    )
    assert services.Macro.objects.get().actions == {"status": "resolved"}
    client.post(
        "/service/queues/new/",
        {
            "name": "Returns",
            "assignment": "round_robin",
            "acknowledge": "on",
            "is_active": "on",
            f"member_{sam.pk}": "1",
            f"available_{sam.pk}": "1",
        },
    )
    returns = Queue.objects.get(name="Returns")
    assert list(returns.memberships.values_list("user__username", "is_available")) == [("sam", True)]
    client.post("/service/categories/", {"name": "Invoices", "is_active": "on"})
    client.post(
        "/service/routing/new/",
        {"name": "PL", "order": 1, "language": "pl", "queue": returns.pk, "is_active": "on"},
    )
    assert services.RoutingRule.objects.get().queue == returns
    assert login(sam).get("/service/queues/").status_code == 403
    assert OutboxMessage.objects.count() == 0


def test_a_reply_carries_its_uploaded_files(
    login, sam, ticket, smtp_sink, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):
        login(sam).post(
            f"/service/tickets/{ticket.number}/reply/",
            {
                "body": "See the invoice",
                "public": "1",
                "attachments": SimpleUploadedFile("fv.pdf", b"%PDF-2"),
            },
        )
    reply = ticket.messages.get(kind=MessageKind.REPLY)
    assert list(reply.attachments.values_list("filename", "size")) == [("fv.pdf", 6)]
    sent = smtp_sink.messages[0][2]
    assert [part.get_filename() for part in sent.iter_attachments()] == ["fv.pdf"]


def test_inline_images_point_at_the_attachment_view(login, sam, marta, support):
    ticket = ticket_open(
        message=MessageInput(
            kind=MessageKind.EMAIL_IN,
            body_text="logo",
            body_html='<p>Logo: <img src="cid:logo@x" alt="logo"></p>',
            sender_email=marta.email,
            subject="Logo",
            files=[FileInput("logo.png", b"\x89PNG", "image/png", content_id="<logo@x>", inline=True)],
        )
    )
    attachment = ticket.messages.get().attachments.get()
    html = login(sam).get(f"/service/tickets/{ticket.number}/").content.decode()
    assert f'<img src="/service/tickets/files/{attachment.pk}/" alt="logo">' in html
    response = login(sam).get(f"/service/tickets/files/{attachment.pk}/")
    assert (response["Content-Type"], b"".join(response.streaming_content)) == ("image/png", b"\x89PNG")
    assert "attachment" not in response["Content-Disposition"]


def test_a_queue_row_shows_the_tickets_fields_labels_link_and_due_time(login, sam, marta, support):
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(pk=sam.pk).update(first_name="Sam", last_name="Kowal", language="pl")
    mine = _open(subject="Mleko kwaśne", priority="high")
    services.ticket_claim(ticket=mine, actor=sam)
    stranger = _open(subject="Pytanie", sender="someone@nowhere.example")
    _due(mine, 3)
    html = login(sam).get("/service/tickets/?all=1", HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    row = html.split(f'data-ticket="{mine.number}"', 1)[1].split("</tr>", 1)[0]
    assert f'<a href="/service/tickets/{mine.number}/">T-{mine.number}</a>' in row
    assert "Mleko kwaśne" in row and "marta@mleczarnia.example.pl" in row and "Mleczarnia Sp. z o.o." in row
    assert '<td data-field="priority">Wysoki</td>' in row
    assert '<td data-field="assignee">Sam Kowal</td>' in row
    assert 'name="selected"' not in row  # assigned: nothing to claim
    assert '<time datetime="2026-03-02T15:00:00+00:00">02-03-2026  15:00</time>' in row
    other = html.split(f'data-ticket="{stranger.number}"', 1)[1].split("</tr>", 1)[0]
    assert f'aria-label="Zaznacz T-{stranger.number}"' in other
    assert "<td>—</td>" in other and "someone@nowhere.example" in other


@pytest.mark.parametrize("memberships", [1, 2])
def test_the_default_queue_view_reads_the_open_tickets_index_in_due_order(login, sam, support, memberships):
    """One queue or several: the open tickets come from a partial index in due order, not from sorting
    every open ticket (SQLite uses it only when the statuses are written out in the query)."""
    index = "ticket_open_queue_due"
    for queue in [support, Queue.objects.create(name="Billing")][:memberships]:
        QueueMember.objects.create(queue=queue, user=sam)
    _open()
    client = login(sam)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/service/tickets/").status_code == 200
    plans = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # a tiny table is read whole unless told otherwise
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
        for query in queries.captured_queries:
            if '"service_ticket"' in query["sql"] and query["sql"].startswith("SELECT"):
                prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
                cursor.execute(prefix + query["sql"])
                plans.append(" ".join(str(row) for row in cursor.fetchall()))
    assert any(index in plan for plan in plans), plans


def test_my_queues_are_paged_in_due_order_across_queues_and_statuses(login, sam, support, monkeypatch):
    from klient.service import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    billing = Queue.objects.create(name="Billing")
    QueueMember.objects.create(queue=support, user=sam)
    QueueMember.objects.create(queue=billing, user=sam)
    tickets = [
        _open(sender="a@example.com", subject=f"t{index}", queue=(support, billing)[index % 2])
        for index in range(6)
    ]
    services.ticket_update(ticket=tickets[1], actor=sam, status=TicketStatus.PENDING_CUSTOMER)
    services.ticket_update(ticket=tickets[2], actor=sam, status=TicketStatus.OPEN)
    services.ticket_update(ticket=tickets[5], actor=sam, status=TicketStatus.CLOSED)
    for ticket, hours in zip(tickets, (5, 1, 3, None, 2, 4), strict=True):
        _due(ticket, hours)
    client = login(sam)
    seen: list[str] = []
    url = "/service/tickets/"
    for _ in range(5):
        html = client.get(url).content.decode()
        seen += _rows(html)
        if "data-next-page" not in html:
            break
        url = "/service/tickets/?" + html.split('href="?', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert seen == [str(tickets[index].number) for index in (1, 4, 2, 0, 3)]
