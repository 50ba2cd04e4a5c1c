"""Password reset by email: one mail with a one-time link; the new password signs in, the old does not."""

import re

import pytest
from django.core import mail

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-Passphrase-42"
LINK = re.compile(r"http://testserver(/password/reset/[^/\s]+/[^/\s]+/)")


def signs_in(client, password: str) -> bool:
    response = client.post("/login/", {"username": "alice", "password": password})
    return response.status_code == 302


def test_a_reset_link_by_mail_sets_a_new_password(client, alice):
    response = client.post("/password/reset/", {"email": "alice@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/password/reset/sent/"

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert message.subject == "Klient: choose a new password"
    assert "“alice”" in message.body
    links = LINK.findall(message.body)
    assert len(links) == 1

    form = client.get(links[0], follow=True)
    assert 'name="new_password1"' in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert done["Location"] == "/password/reset/done/"

    assert not signs_in(client, PASSWORD)
    assert signs_in(client, NEW_PASSWORD)


def test_the_link_works_once(client, alice):
    client.post("/password/reset/", {"email": "alice@example.com"})
    link = LINK.findall(mail.outbox[0].body)[0]
    form = client.get(link, follow=True)
    set_password_url = form.redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = client.get(link, follow=True)
    assert "This link is no longer valid" in again.content.decode()


def test_an_unknown_address_sends_nothing_and_says_the_same(client, alice):
    response = client.post("/password/reset/", {"email": "nobody@example.com"})
    assert response["Location"] == "/password/reset/sent/"
    assert mail.outbox == []


def test_a_weak_new_password_is_refused_and_the_old_one_still_works(client, alice):
    client.post("/password/reset/", {"email": "alice@example.com"})
    form = client.get(LINK.findall(mail.outbox[0].body)[0], follow=True)
    response = client.post(form.redirect_chain[-1][0], {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200
    assert "This password is too short." in response.content.decode()
    assert signs_in(client, PASSWORD)
