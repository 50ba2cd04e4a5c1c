"""The quarantine, mailbox and log-address pages and the quarantine API: what a service-desk manager sees
and does, and that an agent is refused and changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.customers.services import contact_create
from klient.service import intake
from klient.service.models import InboundMail, InboundStatus, LogAddress, Mailbox
from tests.service.test_fetchmail import ImapHandler, ImapServer, ImapState

CORPUS = Path(__file__).parent / "mail"
SCRIPTED = (
    b"From: eve@elsewhere.example\nTo: log@klient.example\nSubject: Hello <b>there</b>\nMessage-ID: <q1@elsewhere.example>\n\n"
    b"<script>alert(1)</script> plain words\n"
)


@pytest.fixture
def quarantined(support: Any) -> InboundMail:
    LogAddress.objects.create(email="log@klient.example")
    inbound, outcome = intake.receive(SCRIPTED, source="mailgate")
    assert outcome.status == "quarantined"
    return inbound


def test_the_manager_sees_the_quarantine_with_reasons_and_a_safe_preview(quarantined, vera, login):
    client = login(vera)
    page = client.get("/service/mail/quarantine/").content.decode()
    assert f'data-inbound="{quarantined.pk}"' in page
    assert "eve@elsewhere.example" in page and "Hello &lt;b&gt;there&lt;/b&gt;" in page
    assert (
        "Mail to the log address log@klient.example from eve@elsewhere.example, who is not a Klient user."
        in page
    )
    assert client.get("/service/mail/quarantine/?q=nobody").content.decode().count("data-inbound=") == 0
    detail = client.get(f"/service/mail/quarantine/{quarantined.pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; plain words" in detail
    assert "<script>alert(1)" not in detail
    assert "Message-ID: &lt;q1@elsewhere.example&gt;" in detail
    raw = client.get(f"/service/mail/quarantine/{quarantined.pk}/raw.eml")
    assert (raw["Content-Type"], raw["Content-Disposition"], raw.content) == (
        "message/rfc822", f'attachment; filename="quarantine-{quarantined.pk}.eml"', SCRIPTED,
    )  # fmt: skip


def test_the_list_reads_the_same_number_of_queries_for_one_or_many(quarantined, vera, login):
    client = login(vera)
    with CaptureQueriesContext(connection) as one:
        client.get("/service/mail/quarantine/")
    for n in range(5):
        intake.receive(b"\n" * (n + 1), source="mailgate")
    with CaptureQueriesContext(connection) as six:
        page = client.get("/service/mail/quarantine/").content.decode()
    assert page.count("data-inbound=") == 6
    assert len(six.captured_queries) == len(one.captured_queries)


def test_process_again_after_a_fix(quarantined, vera, login, alice, mleczarnia):
    client = login(vera)
    response = client.post(f"/service/mail/quarantine/{quarantined.pk}/reprocess/")
    assert response["Location"] == f"/service/mail/quarantine/{quarantined.pk}/"
    quarantined.refresh_from_db()
    assert (quarantined.status, quarantined.attempts) == (InboundStatus.QUARANTINED, 2)
    # The fix: eve's mail was to Marta's log address, but eve is no user; an ordinary address now.
    LogAddress.objects.all().delete()
    response = client.post(f"/service/mail/quarantine/{quarantined.pk}/reprocess/", follow=True)
    assert response.redirect_chain == [("/service/mail/quarantine/", 302)]
    assert "Processed: created, ticket T-1001." in response.content.decode()
    quarantined.refresh_from_db()
    assert (quarantined.status, quarantined.outcome, quarantined.ticket.number) == (
        InboundStatus.PROCESSED,
        "created",
        1001,
    )
    assert client.get(f"/service/mail/quarantine/{quarantined.pk}/").status_code == 404


def test_an_agent_is_refused_and_changes_nothing(quarantined, sam, login, api):
    client = login(sam)
    assert client.get("/service/mail/quarantine/").status_code == 403
    assert client.post(f"/service/mail/quarantine/{quarantined.pk}/reprocess/").status_code == 403
    assert client.post("/service/mail/log-addresses/", {"email": "x@klient.example"}).status_code == 403
    assert client.post("/service/mail/mailboxes/new/", {"name": "X"}).status_code == 403
    assert api(sam).get("/mail/quarantine").status_code == 403
    assert api(sam).post(f"/mail/quarantine/{quarantined.pk}/reprocess", {}).status_code == 403
    quarantined.refresh_from_db()
    assert (quarantined.status, quarantined.attempts) == (InboundStatus.QUARANTINED, 1)
    assert list(LogAddress.objects.values_list("email", flat=True)) == ["log@klient.example"]
    assert Mailbox.objects.count() == 0


def test_the_quarantine_api(quarantined, vera, api, alice, mleczarnia):
    client = api(vera)
    listed = client.get("/mail/quarantine").json()
    assert listed == {
        "items": [
            {
                "id": quarantined.pk,
                "received_at": quarantined.received_at.isoformat(timespec="milliseconds").replace(
                    "+00:00", "Z"
                ),
                "sender": "eve@elsewhere.example",
                "subject": "Hello <b>there</b>",
                "reason": "Mail to the log address log@klient.example from eve@elsewhere.example, who is not a Klient user.",
                "size": len(SCRIPTED),
            }
        ],
        "next": None,
    }
    detail = client.get(f"/mail/quarantine/{quarantined.pk}").json()
    assert (detail["message_id"], detail["source"], detail["attempts"], detail["parse_error"]) == (
        "<q1@elsewhere.example>",
        "mailgate",
        1,
        "",
    )
    assert detail["text"] == "<script>alert(1)</script> plain words"
    assert detail["headers"].startswith("From: eve@elsewhere.example\nTo: log@klient.example\n")
    answer = client.post(f"/mail/quarantine/{quarantined.pk}/reprocess", {})
    assert (answer.status_code, answer.json()["status"]) == (200, "quarantined")
    LogAddress.objects.all().delete()
    assert client.post(f"/mail/quarantine/{quarantined.pk}/reprocess", {}).json() == {
        "status": "created",
        "ticket": 1001,
        "reason": "new ticket; acknowledged",
    }
    assert client.get(f"/mail/quarantine/{quarantined.pk}").status_code == 404
    assert client.get("/mail/quarantine").json() == {"items": [], "next": None}
    assert client.get("/mail/quarantine/99999999999999").status_code == 404


@pytest.fixture
def imap() -> Any:
    import threading

    server = ImapServer(("127.0.0.1", 0), ImapHandler)
    server.state = ImapState()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_mailboxes_are_added_edited_and_tested(vera, login, support, imap):
    client = login(vera)
    data = {
        "name": "Desk",
        "host": "127.0.0.1",
        "port": imap,
        "username": "desk",
        "password": "s3cret pass",
        "folder": "INBOX",
        "queue": support.pk,
        "is_active": "on",
    }
    assert client.post("/service/mail/mailboxes/new/", data)["Location"] == "/service/mail/mailboxes/"
    mailbox = Mailbox.objects.get()
    assert (mailbox.name, mailbox.use_ssl, mailbox.password, mailbox.queue, mailbox.delete_after) == (
        "Desk",
        False,
        "s3cret pass",
        support,
        False,
    )
    # Editing without typing the password keeps it.
    client.post(f"/service/mail/mailboxes/{mailbox.pk}/edit/", {**data, "password": "", "delete_after": "on"})
    mailbox.refresh_from_db()
    assert (mailbox.password, mailbox.delete_after) == ("s3cret pass", True)
    edit_page = client.get(f"/service/mail/mailboxes/{mailbox.pk}/edit/").content.decode()
    assert "s3cret pass" not in edit_page
    tested = client.post(f"/service/mail/mailboxes/{mailbox.pk}/test/", follow=True).content.decode()
    assert "Desk: connected, the folder opens." in tested
    Mailbox.objects.filter(pk=mailbox.pk).update(password="wrong")
    tested = client.post(f"/service/mail/mailboxes/{mailbox.pk}/test/", follow=True).content.decode()
    assert (
        "Desk: the connection failed: error: b&#x27;[AUTHENTICATIONFAILED] Invalid credentials&#x27;"
        in tested
    )


def test_log_addresses_are_added_and_removed(vera, login):
    client = login(vera)
    assert (
        client.post("/service/mail/log-addresses/", {"email": "Log@Klient.example"})["Location"]
        == "/service/mail/log-addresses/"
    )
    address = LogAddress.objects.get()
    assert address.email == "log@klient.example"
    page = client.get("/service/mail/log-addresses/").content.decode()
    assert f'data-log-address="{address.pk}"' in page
    assert (
        client.post(f"/service/mail/log-addresses/{address.pk}/delete/")["Location"]
        == "/service/mail/log-addresses/"
    )
    assert LogAddress.objects.count() == 0


def test_a_contact_added_later_lets_a_logged_mail_through(alice, mleczarnia, root, support):
    LogAddress.objects.create(email="log@klient.example")
    inbound, outcome = intake.receive((CORPUS / "27-log-bcc.eml").read_bytes(), source="mailgate")
    assert outcome.status == "quarantined"
    contact_create(
        actor=alice,
        company=mleczarnia,
        first_name="Marta",
        last_name="Nowak",
        email="marta@mleczarnia.example.pl",
    )
    assert intake.reprocess(inbound=inbound, actor=root).status == "logged"
