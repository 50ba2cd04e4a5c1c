"""Language and time zone: the language switcher and the profile page persist the user's choice."""

import datetime

import pytest
import time_machine

from klient.core.models import AuditEntry, User
from klient.customers.services import company_create

pytestmark = pytest.mark.django_db


def html_lang(response) -> str:
    page = response.content.decode()
    return page.split('<html lang="', 1)[1].split('"', 1)[0]


def test_switching_language_is_saved_on_the_user_and_the_next_page_uses_it(login, alice):
    client = login(alice)
    assert html_lang(client.get("/me/")) == "en"

    response = client.post("/language/", {"language": "pl", "next": "/me/"})

    assert response.status_code == 302
    assert response["Location"] == "/me/"
    assert User.objects.get(pk=alice.pk).language == "pl"
    assert response.cookies["klient_language"].value == "pl"
    assert html_lang(client.get("/me/")) == "pl"


def test_the_saved_language_wins_in_a_new_session(login, alice):
    login(alice).post("/language/", {"language": "ru", "next": "/"})
    fresh = login(User.objects.get(pk=alice.pk))
    assert html_lang(fresh.get("/")) == "ru"


@pytest.mark.parametrize("language", ["en", "pl", "bs", "hy", "zh-hans", "ru"])
def test_every_language_renders(login, alice, language):
    client = login(alice)
    client.post("/language/", {"language": language})
    assert html_lang(client.get("/")) == language


def test_an_unknown_language_changes_nothing(login, alice):
    client = login(alice)
    response = client.post("/language/", {"language": "xx", "next": "/me/"})
    assert response.status_code == 302
    assert User.objects.get(pk=alice.pk).language == "en"
    assert "Unknown language." in client.get("/me/").content.decode()


def test_an_anonymous_visitor_gets_a_cookie_only(client):
    response = client.post("/language/", {"language": "hy", "next": "/login/"})
    assert response["Location"] == "/login/"
    assert response.cookies["klient_language"].value == "hy"
    assert html_lang(client.get("/login/")) == "hy"


def test_a_foreign_next_url_is_not_followed(login, alice):
    response = login(alice).post("/language/", {"language": "pl", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_the_profile_saves_language_and_time_zone(login, alice):
    client = login(alice)
    audit_before = AuditEntry.objects.count()

    response = client.post("/me/", {"language": "hy", "timezone": "Asia/Yerevan"})

    assert response.status_code == 302
    assert response["Location"] == "/me/"
    stored = User.objects.get(pk=alice.pk)
    assert (stored.language, stored.timezone) == ("hy", "Asia/Yerevan")
    assert AuditEntry.objects.count() == audit_before + 1
    page = client.get("/me/")
    assert html_lang(page) == "hy"
    assert '<option value="Asia/Yerevan" selected>' in page.content.decode()


def test_the_profile_refuses_an_unknown_time_zone(login, alice):
    response = login(alice).post("/me/", {"language": "en", "timezone": "Mars/Olympus"})
    assert response.status_code == 200
    assert (
        "Select a valid choice. Mars/Olympus is not one of the available choices."
        in response.content.decode()
    )
    assert User.objects.get(pk=alice.pk).timezone == "UTC"


def test_the_users_time_zone_is_used_for_dates_on_pages(login, alice):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 22, 30, tzinfo=datetime.UTC), tick=False):
        company = company_create(actor=alice, name="Acme")
    alice.timezone = "Asia/Yerevan"
    alice.save(update_fields=["timezone"])
    card = login(alice).get(f"/companies/{company.pk}/").content.decode()
    assert "03/03/2026 2:30 a.m." in card
