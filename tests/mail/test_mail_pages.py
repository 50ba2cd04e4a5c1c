"""The mail screens: send from the client card, the outbox, mailings from the company list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.activities.models import Activity
from klient.core.models import User
from klient.customers.models import Company, Contact
from klient.customers.services import company_create, contact_create
from klient.mail.models import Mailing, OutboxMessage
from klient.mail.services import mail_to_contact

pytestmark = pytest.mark.django_db


def test_the_send_page_offers_the_contacts_with_an_address(
    login, alice: User, acme: Company, jan: Contact
) -> None:
    contact_create(actor=alice, company=acme, first_name="Phone", last_name="Only")
    page = login(alice).get(f"/mail/companies/{acme.pk}/send/?contact={jan.pk}")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'<option value="{jan.pk}" selected>Jan Kowalski &lt;jan@acme.example&gt;</option>' in html
    assert "Phone Only" not in html
    assert '<option value="proposal">Commercial proposal</option>' in html


def test_preview_shows_the_message_in_the_contacts_language_and_sends_nothing(
    login, alice: User, acme: Company, jan: Contact
) -> None:
    page = login(alice).post(
        f"/mail/companies/{acme.pk}/send/", {"contact": jan.pk, "template": "proposal", "action": "preview"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "<span data-preview-subject>Oferta handlowa dla Acme</span>" in html
    assert "Szanowna Pani / Szanowny Panie Jan," in html
    assert OutboxMessage.objects.count() == 0


def test_send_queues_the_message_and_logs_it_on_the_timeline(
    login, alice: User, acme: Company, jan: Contact
) -> None:
    response = login(alice).post(
        f"/mail/companies/{acme.pk}/send/",
        {"contact": jan.pk, "subject": "Samples", "body": "The samples left today.", "action": "send"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/companies/{acme.pk}/#timeline"
    message = OutboxMessage.objects.get()
    assert (message.to_email, message.subject, message.sender) == ("jan@acme.example", "Samples", alice)
    assert Activity.objects.get().subject == "Samples"


def test_a_message_without_subject_is_refused_and_nothing_is_made(
    login, alice: User, acme: Company, jan: Contact
) -> None:
    response = login(alice).post(f"/mail/companies/{acme.pk}/send/", {"contact": jan.pk, "action": "send"})
    assert response.status_code == 400
    assert "Give the message a subject, or choose a template." in response.content.decode()
    assert (OutboxMessage.objects.count(), Activity.objects.count()) == (0, 0)


def test_another_teams_company_is_not_found_and_read_only_users_are_refused(
    login, carol: User, rita: User, acme: Company, jan: Contact
) -> None:
    data = {"contact": jan.pk, "subject": "Hi", "body": "Hi", "action": "send"}
    assert login(carol).post(f"/mail/companies/{acme.pk}/send/", data).status_code == 404
    assert login(rita).post(f"/mail/companies/{acme.pk}/send/", data).status_code == 403
    assert OutboxMessage.objects.count() == 0


def test_the_outbox_page_lists_own_messages_in_constant_queries(login, alice: User, acme: Company) -> None:
    def page_queries() -> tuple[int, str]:
        client = login(alice)
        client.get("/mail/")  # warm the session and permission caches
        with CaptureQueriesContext(connection) as queries:
            html = client.get("/mail/").content.decode()
        return len(queries), html

    contact = contact_create(actor=alice, company=acme, first_name="A", email="a@acme.example")
    mail_to_contact(actor=alice, contact=contact, subject="First", body="1")
    few, html = page_queries()
    assert html.count("data-message=") == 1 and "First" in html
    for index in range(5):
        other = company_create(actor=alice, name=f"Co {index}")
        person = contact_create(actor=alice, company=other, first_name="P", email=f"p{index}@co.example")
        mail_to_contact(actor=alice, contact=person, subject=f"Mail {index}", body="x")
    many, html = page_queries()
    assert html.count("data-message=") == 6
    assert many == few


def test_a_mailing_from_the_company_list_filter(login, alice: User, acme: Company, jan: Contact) -> None:
    empty = company_create(actor=alice, name="Empty Ltd")
    client = login(alice)
    query = f"ids={acme.pk}&ids={empty.pk}"
    preview = client.get(f"/mail/mailings/new/?{query}")
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "1 company will get a message." in html
    assert '<span data-skipped="no_address">1 — no contact with an email address</span>' in html
    assert "<span data-preview-subject>Oferta handlowa dla Acme</span>" in html
    assert Mailing.objects.count() == 0
    created = client.post("/mail/mailings/new/", {"confirm": "1", "template": "proposal", "selection": query})
    mailing = Mailing.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/mail/mailings/{mailing.pk}/"
    assert (mailing.queued_count, mailing.skipped) == (1, {"no_address": 1})
    progress = client.get(created["Location"]).content.decode()
    assert '<dd data-count="queued">1</dd>' in progress
    assert '<dd data-count="skipped">1</dd>' in progress
    assert f'<li data-skipped-company="{empty.pk}">' in progress


def test_ticked_rows_posted_from_the_company_list_open_the_preview(login, alice: User, acme: Company) -> None:
    response = login(alice).post("/mail/mailings/new/", {"selected": [f"{acme.pk}:1"], "action": "mailing"})
    assert response.status_code == 302
    assert response["Location"] == f"/mail/mailings/new/?ids={acme.pk}&sort=name"
    assert Mailing.objects.count() == 0


def test_without_a_selection_no_mailing_goes_to_every_company(login, alice: User, jan: Contact) -> None:
    client = login(alice)
    assert "Choose the companies first" in client.get("/mail/mailings/new/").content.decode()
    client.post("/mail/mailings/new/", {"confirm": "1", "template": "proposal", "selection": ""})
    assert (Mailing.objects.count(), OutboxMessage.objects.count()) == (0, 0)


def test_service_agents_may_send_mail_but_not_mailings(login, sam: User, jan: Contact) -> None:
    client = login(sam)
    assert client.get(f"/mail/companies/{jan.company_id}/send/").status_code == 200
    assert client.get(f"/mail/mailings/new/?ids={jan.company_id}").status_code == 403
