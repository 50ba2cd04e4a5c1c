"""The customer portal: invitations and sign-in (password, one-time link), what a customer sees (their own
tickets, or their company's when allowed; never internal notes, never another company's), opening a
ticket, replying, closing, and staff pages refused to portal users."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from klient.core.models import Role, User
from klient.core.services import api_token_create
from klient.mail.models import OutboxMessage
from klient.service.models import (
    Channel,
    EventKind,
    MessageKind,
    Ticket,
    TicketAttachment,
    TicketEvent,
    TicketMessage,
    TicketStatus,
    TicketType,
)
from klient.service.portal.models import PortalAccount, SignInLink
from klient.service.services import FileInput, ticket_note, ticket_reply
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://[^/\s]+(/portal/link/[^/\s]+/)")


def _link_path(message: OutboxMessage) -> str:
    match = LINK.search(message.body)
    assert match is not None, message.body
    return match.group(1)


# --- invitations -------------------------------------------------------------------------------------------


def test_an_invitation_makes_one_portal_user_for_the_contact_and_mails_a_link(marta, sam, support, login):
    response = login(sam).post(f"/portal/invite/{marta.pk}/", {"next": "/companies/"})

    assert response.status_code == 302 and response["Location"] == "/companies/"
    account = PortalAccount.objects.select_related("user").get()
    assert (account.contact, account.can_see_company_tickets, account.invited_by) == (marta, False, sam)
    user = account.user
    assert (user.username, user.email, user.role, user.language) == (
        "marta@mleczarnia.example.pl",
        "marta@mleczarnia.example.pl",
        Role.PORTAL,
        "pl",
    )
    assert not user.has_usable_password()
    mail = OutboxMessage.objects.get()
    assert mail.to_email == "marta@mleczarnia.example.pl"
    assert mail.language == "pl"
    assert SignInLink.objects.get().expires_at - SignInLink.objects.get().created_at == datetime.timedelta(
        days=7
    )
    assert _link_path(mail).startswith("/portal/link/")


def test_a_second_invitation_keeps_the_account_and_may_widen_what_it_sees(marta, sam, support, login):
    client = login(sam)
    client.post(f"/portal/invite/{marta.pk}/")
    client.post(f"/portal/invite/{marta.pk}/", {"can_see_company_tickets": "1"})

    assert PortalAccount.objects.get().can_see_company_tickets is True
    assert User.objects.filter(role=Role.PORTAL).count() == 1
    assert OutboxMessage.objects.count() == 2


def test_an_invitation_is_refused_without_the_right_to_change_contacts(marta, rita, support, login):
    response = login(rita).post(f"/portal/invite/{marta.pk}/")

    assert response.status_code == 403
    assert PortalAccount.objects.count() == 0 and OutboxMessage.objects.count() == 0


def test_an_invitation_of_a_contact_one_cannot_see_is_not_found(marta, carol, support, login):
    response = login(carol).post(f"/portal/invite/{marta.pk}/")

    assert response.status_code == 404
    assert PortalAccount.objects.count() == 0 and OutboxMessage.objects.count() == 0


# --- sign-in -------------------------------------------------------------------------------------------------


def test_a_sign_in_link_works_once(marta_account):
    client = Client()
    OutboxMessage.objects.all().delete()
    response = client.post("/portal/login/link/", {"email": "Marta@Mleczarnia.example.pl"})
    assert response.status_code == 200
    mail = OutboxMessage.objects.get()
    path = _link_path(mail)
    link = SignInLink.objects.order_by("-id").first()
    assert link is not None and link.expires_at - link.created_at == datetime.timedelta(minutes=30)

    # Opening the link (as a mail scanner would) does not use it up; the button does.
    assert 'data-action="use-link"' in client.get(path).content.decode()
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200

    again = Client().post(path)
    assert again.status_code == 400
    assert "This sign-in link is not valid any more." in again.content.decode()
    assert Client().get("/portal/").status_code == 302


def test_a_sign_in_link_expires_after_30_minutes(marta_account):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        Client().post("/portal/login/link/", {"email": "marta@mleczarnia.example.pl"})
    path = _link_path(OutboxMessage.objects.order_by("-id").first())
    with time_machine.travel(start + datetime.timedelta(minutes=31), tick=False):
        response = Client().post(path)
    assert response.status_code == 400
    assert SignInLink.objects.filter(used_at__isnull=False).count() == 0


def test_a_forged_link_is_refused(marta_account):
    response = Client().post("/portal/link/not-a-token/")
    assert response.status_code == 400
    assert SignInLink.objects.filter(used_at__isnull=False).count() == 0


def test_asking_for_a_link_never_tells_whether_an_address_has_an_account(marta_account, olga):
    OutboxMessage.objects.all().delete()
    answers = {}
    for email in ("marta@mleczarnia.example.pl", "olga@serownia.example.pl", "nobody@example.com"):
        response = Client().post("/portal/login/link/", {"email": email})
        answers[email] = (response.status_code, response.content.decode().replace(email, "EMAIL"))

    assert len(set(answers.values())) == 1
    # Only the account's address got a link: Olga is a contact without an account, the third nobody.
    assert list(OutboxMessage.objects.values_list("to_email", flat=True)) == ["marta@mleczarnia.example.pl"]


def test_links_to_one_account_are_limited_to_three_an_hour(marta_account):
    OutboxMessage.objects.all().delete()
    for _attempt in range(5):
        Client().post("/portal/login/link/", {"email": "marta@mleczarnia.example.pl"})
    # The invitation's link and two asked for.
    assert SignInLink.objects.count() == 3
    assert OutboxMessage.objects.count() == 2


def test_a_customer_signs_in_with_a_password(marta_account):
    user = marta_account.user
    user.set_password(PASSWORD)
    user.save()
    client = Client()

    response = client.post("/portal/login/", {"username": user.email, "password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert PortalAccount.objects.get(pk=marta_account.pk).last_sign_in_at is not None


def test_staff_cannot_sign_in_to_the_portal_and_are_told_as_for_a_wrong_password(alice, marta_account):
    wrong = Client().post("/portal/login/", {"username": "marta@mleczarnia.example.pl", "password": "nope"})
    client = Client()
    staff = client.post("/portal/login/", {"username": "alice", "password": PASSWORD})

    assert wrong.status_code == staff.status_code == 200
    error = re.compile(r'<div class="form-errors" role="alert">(.*?)</div>', re.S)
    assert error.findall(staff.content.decode()) == error.findall(wrong.content.decode())
    assert "Please enter a correct" in staff.content.decode()
    assert "_auth_user_id" not in client.session


def test_portal_users_never_reach_staff_pages_or_the_api(portal_client, marta_account, mleczarnia):
    assert portal_client.get("/companies/").status_code == 403
    assert portal_client.get(f"/companies/{mleczarnia.pk}/").status_code in {403, 404}
    assert portal_client.get("/service/satisfaction/").status_code == 403
    _token, raw = api_token_create(user=marta_account.user, name="portal")
    response = Client().get("/api/v1/companies", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 403


def test_staff_and_portal_users_without_an_account_are_refused_portal_pages(alice, paula, login):
    assert login(alice).get("/portal/").status_code == 403
    assert login(paula).get("/portal/").status_code == 403
    response = Client().get("/portal/tickets/new/")
    assert response.status_code == 302 and response["Location"] == "/portal/login/?next=/portal/tickets/new/"


# --- what a customer sees ------------------------------------------------------------------------------------


@pytest.fixture
def tickets(marta, piotr, olga, mail_ticket) -> dict[str, Ticket]:
    return {
        "marta": mail_ticket(marta.email, "Marta's delivery"),
        "piotr": mail_ticket(piotr.email, "Piotr's invoice"),
        "olga": mail_ticket(olga.email, "Olga's cheese"),
    }


def _numbers(response: Any) -> list[int]:
    return [int(n) for n in re.findall(r'data-ticket="(\d+)"', response.content.decode())]


def test_a_customer_sees_their_own_tickets(portal_client, tickets):
    response = portal_client.get("/portal/")

    assert _numbers(response) == [tickets["marta"].number]
    assert portal_client.get(f"/portal/tickets/{tickets['piotr'].number}/").status_code == 404
    assert portal_client.get(f"/portal/tickets/{tickets['olga'].number}/").status_code == 404


def test_a_customer_allowed_sees_the_company_tickets_but_never_another_company(
    portal_client, marta_account, tickets
):
    PortalAccount.objects.filter(pk=marta_account.pk).update(can_see_company_tickets=True)

    response = portal_client.get("/portal/")

    assert _numbers(response) == [tickets["piotr"].number, tickets["marta"].number]
    assert portal_client.get(f"/portal/tickets/{tickets['piotr'].number}/").status_code == 200
    assert portal_client.get(f"/portal/tickets/{tickets['olga'].number}/").status_code == 404
    before = TicketMessage.objects.count()
    refused = portal_client.post(f"/portal/tickets/{tickets['olga'].number}/reply/", {"body": "Mine?"})
    assert refused.status_code == 404 and TicketMessage.objects.count() == before


def test_internal_notes_and_their_files_are_never_shown(portal_client, tickets, sam):
    ticket = tickets["marta"]
    note = ticket_note(
        ticket=ticket, actor=sam, body="Customer is difficult", files=[FileInput("secret.txt", b"internal")]
    )
    ticket_reply(ticket=ticket, actor=sam, body="We are on it", files=[FileInput("plan.txt", b"the plan")])
    public_file = TicketAttachment.objects.get(filename="plan.txt")
    note_file = TicketAttachment.objects.get(message=note)

    page = portal_client.get(f"/portal/tickets/{ticket.number}/").content.decode()

    assert "We are on it" in page and "plan.txt" in page
    assert "Customer is difficult" not in page and "secret.txt" not in page
    download = portal_client.get(f"/portal/tickets/{ticket.number}/files/{public_file.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"the plan"
    assert portal_client.get(f"/portal/tickets/{ticket.number}/files/{note_file.pk}/").status_code == 404


# --- opening, replying, closing --------------------------------------------------------------------------------


def test_a_customer_opens_a_ticket_with_files(portal_client, marta, mleczarnia):
    response = portal_client.post(
        "/portal/tickets/new/",
        {
            "type": TicketType.INCIDENT,
            "subject": "Broken  valve",
            "body": "The valve leaks.",
            "attachments": [
                SimpleUploadedFile("a.jpg", b"jpeg", "image/jpeg"),
                SimpleUploadedFile("b.txt", b"text"),
            ],
        },
    )

    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/portal/tickets/{ticket.number}/"
    assert (ticket.subject, ticket.type, ticket.channel, ticket.company, ticket.contact, ticket.language) == (
        "Broken valve",
        TicketType.INCIDENT,
        Channel.PORTAL,
        mleczarnia,
        marta,
        "pl",
    )
    assert ticket.requester_email == "marta@mleczarnia.example.pl"
    message = ticket.messages.get()
    assert (message.kind, message.contact, message.body_text) == (
        MessageKind.PORTAL,
        marta,
        "The valve leaks.",
    )
    assert sorted(a.filename for a in message.attachments.all()) == ["a.jpg", "b.txt"]


def test_a_new_ticket_without_a_subject_names_the_field_and_stores_nothing(portal_client):
    response = portal_client.post("/portal/tickets/new/", {"type": "question", "subject": "", "body": "Hi"})

    assert response.status_code == 200
    assert 'id="id_subject-error"' in response.content.decode()
    assert Ticket.objects.count() == 0


def test_a_reply_reopens_a_resolved_ticket_and_keeps_its_file(portal_client, tickets, marta, sam):
    from klient.service.services import ticket_update

    ticket = ticket_update(ticket=tickets["marta"], actor=sam, status=TicketStatus.RESOLVED)

    response = portal_client.post(
        f"/portal/tickets/{ticket.number}/reply/",
        {"body": "Still leaking", "attachments": [SimpleUploadedFile("c.txt", b"more")]},
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    message = ticket.messages.order_by("-id").first()
    assert (message.kind, message.contact, message.body_text, message.public) == (
        MessageKind.PORTAL,
        marta,
        "Still leaking",
        True,
    )
    assert [a.filename for a in message.attachments.all()] == ["c.txt"]


def test_an_empty_reply_names_the_field_and_adds_nothing(portal_client, tickets):
    before = TicketMessage.objects.count()
    response = portal_client.post(f"/portal/tickets/{tickets['marta'].number}/reply/", {"body": "  "})
    assert response.status_code == 400
    assert 'id="id_body-error"' in response.content.decode()
    assert TicketMessage.objects.count() == before


def test_a_customer_closes_their_ticket(portal_client, tickets, marta_account):
    ticket = tickets["marta"]

    response = portal_client.post(f"/portal/tickets/{ticket.number}/close/")

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED and ticket.closed_at is not None
    closed = TicketEvent.objects.get(ticket=ticket, kind=EventKind.CLOSED)
    assert closed.actor == marta_account.user


def test_the_profile_changes_the_language_and_sets_a_password(portal_client, marta_account):
    response = portal_client.post("/portal/profile/", {"form": "language", "language": "ru"})
    assert response.status_code == 302
    response = portal_client.post(
        "/portal/profile/",
        {"form": "password", "new_password1": "Zielona-Krowa-42", "new_password2": "Zielona-Krowa-42"},
    )
    assert response.status_code == 302
    user = User.objects.get(pk=marta_account.user_id)
    assert user.language == "ru" and user.check_password("Zielona-Krowa-42")
    # The page speaks the customer's language now.
    assert 'lang="ru"' in portal_client.get("/portal/").content.decode()


def test_the_invitation_button_shows_for_staff_who_may_change_a_contact_with_an_address(marta, sam, rita, rf):
    from django.contrib.auth.context_processors import PermWrapper
    from django.template.loader import render_to_string

    def button(user: User, contact: Any) -> str:
        request = rf.get("/companies/contacts/1/")
        request.user = user
        context = {"contact": contact, "perms": PermWrapper(user), "request": request}
        return render_to_string("portal/_invite_button.html", context)

    assert f'action="/portal/invite/{marta.pk}/"' in button(sam, marta)
    assert "portal-invite" not in button(rita, marta)
    marta.email = ""
    assert "portal-invite" not in button(sam, marta)


def test_the_address_signs_in_whatever_its_case(marta_account):
    marta_account.user.set_password(PASSWORD)
    marta_account.user.save()

    response = Client().post(
        "/portal/login/", {"username": " Marta@MLECZARNIA.example.pl", "password": PASSWORD}
    )

    assert response.status_code == 302 and response["Location"] == "/portal/"


def test_the_ticket_list_and_a_ticket_read_the_same_number_of_queries_however_many_rows(
    portal_client, marta_account, marta, mail_ticket, sam
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert portal_client.get(path).status_code == 200
        return len(queries)

    first = mail_ticket(marta.email, "First")
    few_list, few_detail = count("/portal/"), count(f"/portal/tickets/{first.number}/")
    for n in range(5):
        mail_ticket(marta.email, f"More {n}")
        customer_message_add_file(first, n)
    assert count("/portal/") == few_list
    assert count(f"/portal/tickets/{first.number}/") == few_detail


def customer_message_add_file(ticket: Ticket, n: int) -> None:
    from klient.service.services import MessageInput, customer_message_add

    customer_message_add(
        ticket=ticket,
        message=MessageInput(kind="email_in", body_text=f"Also {n}", files=[FileInput(f"f{n}.txt", b"x")]),
    )


def test_the_contact_card_offers_the_invitation_to_those_who_may_change_the_contact(
    marta, alice, rita, login
):
    path = f"/companies/contacts/{marta.pk}/"
    assert 'data-action="portal-invite"' in login(alice).get(path).content.decode()
    assert 'data-action="portal-invite"' not in login(rita).get(path).content.decode()
