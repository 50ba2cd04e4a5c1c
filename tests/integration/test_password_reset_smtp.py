"""Password reset mail goes out through a real SMTP server (aiosmtpd sink on loopback)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from klient.core.models import User

pytestmark = pytest.mark.django_db


def test_it_mails_a_working_reset_link_through_smtp(smtp_sink, alice: User) -> None:
    client = Client()
    response = client.post("/password/reset/", {"email": "alice@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/password/reset/sent/"

    assert len(smtp_sink.messages) == 1
    mail_from, recipients, message = smtp_sink.messages[0]
    assert mail_from == "klient@localhost"
    assert recipients == ["alice@example.com"]
    assert message["Subject"] == "Klient: choose a new password"
    body = message.get_payload(decode=True).decode()
    link = re.search(r"http://testserver(/password/reset/\S+/)", body)
    assert link, body

    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    set_password = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Brand-new-Pass-42", "new_password2": "Brand-new-Pass-42"},
    )
    assert set_password["Location"] == "/password/reset/done/"
    alice.refresh_from_db()
    assert alice.check_password("Brand-new-Pass-42")


def test_it_sends_nothing_for_an_unknown_address(smtp_sink, alice: User) -> None:
    response = Client().post("/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert smtp_sink.messages == []
