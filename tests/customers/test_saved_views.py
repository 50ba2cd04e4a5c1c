"""Saved views: save the current filters under a name, choose one, make it the default, delete it —
each user's own, never seen or changed by anyone else."""

import pytest
from django.core.exceptions import ValidationError

from klient.core.models import SavedView
from klient.core.saved_views import saved_view_save
from klient.customers.services import company_create

pytestmark = pytest.mark.django_db


def views_of(user, list_name="companies"):
    return list(
        SavedView.objects.filter(user=user, list_name=list_name)
        .order_by("name")
        .values_list("name", "query", "is_default")
    )


def everything():
    return list(
        SavedView.objects.order_by("pk").values_list(
            "user__username", "list_name", "name", "query", "is_default"
        )
    )


def test_saving_keeps_the_canonical_filters_and_returns_to_them(login, alice):
    response = login(alice).post(
        "/companies/views/",
        {
            "list_name": "companies",
            "name": "  My   lost ones ",
            "query": "status=lost&owner=me&q=&cursor=abc",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/companies/?owner=me&status=lost&sort=name"
    assert views_of(alice) == [("My lost ones", "owner=me&status=lost&sort=name", False)]


def test_the_list_offers_the_users_views_and_marks_the_current_one(login, alice):
    mine = SavedView.objects.create(
        user=alice, list_name="companies", name="Mine", query="owner=me&sort=name"
    )
    SavedView.objects.create(user=alice, list_name="companies", name="Lost", query="status=lost&sort=name")
    SavedView.objects.create(user=alice, list_name="contacts", name="Poles", query="language=pl&sort=name")
    body = login(alice).get("/companies/?owner=me&sort=name").content.decode()
    assert '<a href="/companies/?status=lost&amp;sort=name" data-view=' in body
    assert (
        f'<a href="/companies/?owner=me&amp;sort=name" data-view="{mine.pk}" aria-current="true">Mine</a>'
        in body
    )
    assert "Poles" not in body
    assert f'action="/companies/views/{mine.pk}/delete/"' in body
    assert f'action="/companies/views/{mine.pk}/default/"' in body


def test_saving_under_an_existing_name_replaces_its_filters(login, alice):
    client = login(alice)
    client.post("/companies/views/", {"list_name": "companies", "name": "Mine", "query": "owner=me"})
    client.post(
        "/companies/views/", {"list_name": "companies", "name": "Mine", "query": "owner=me&country=PL"}
    )
    assert views_of(alice) == [("Mine", "owner=me&country=PL&sort=name", False)]


def test_the_default_view_opens_when_the_list_is_opened_without_filters(login, alice):
    client = login(alice)
    client.post(
        "/companies/views/",
        {"list_name": "companies", "name": "Mine", "query": "owner=me", "is_default": "on"},
    )
    opened = client.get("/companies/")
    assert opened.status_code == 302
    assert opened["Location"] == "/companies/?owner=me&sort=name"
    # Any filter in the URL (even just the sort, as "Clear filters" sends) shows that instead.
    assert client.get("/companies/?sort=name").status_code == 200


def test_one_default_per_list_and_it_can_be_switched_off(login, alice):
    client = login(alice)
    client.post(
        "/companies/views/", {"list_name": "companies", "name": "A", "query": "owner=me", "is_default": "on"}
    )
    client.post("/companies/views/", {"list_name": "companies", "name": "B", "query": "country=PL"})
    client.post(
        "/companies/views/",
        {"list_name": "contacts", "name": "C", "query": "language=pl", "is_default": "on"},
    )
    b = SavedView.objects.get(name="B")
    response = client.post(f"/companies/views/{b.pk}/default/")
    assert response["Location"] == "/companies/?country=PL&sort=name"
    assert views_of(alice) == [("A", "owner=me&sort=name", False), ("B", "country=PL&sort=name", True)]
    assert views_of(alice, "contacts") == [("C", "language=pl&sort=name", True)]
    client.post(f"/companies/views/{b.pk}/default/", {"is_default": "off"})
    assert views_of(alice) == [("A", "owner=me&sort=name", False), ("B", "country=PL&sort=name", False)]
    assert client.get("/companies/").status_code == 200


def test_deleting_a_view(login, alice):
    view = SavedView.objects.create(
        user=alice, list_name="companies", name="Mine", query="owner=me&sort=name"
    )
    response = login(alice).post(f"/companies/views/{view.pk}/delete/")
    assert response["Location"] == "/companies/?sort=name"
    assert views_of(alice) == []


def test_one_user_never_sees_or_changes_another_users_views(login, alice, bob):
    company_create(actor=alice, name="Acme")
    view = SavedView.objects.create(
        user=alice, list_name="companies", name="Alice secret", query="owner=me&sort=name", is_default=True
    )
    before = everything()
    client = login(bob)
    assert "Alice secret" not in client.get("/companies/?owner=me&sort=name").content.decode()
    assert client.get("/companies/").status_code == 200  # alice's default does not open for bob
    assert client.post(f"/companies/views/{view.pk}/delete/").status_code == 404
    assert client.post(f"/companies/views/{view.pk}/default/", {"is_default": "off"}).status_code == 404
    assert everything() == before
    # Bob's view of the same name is his own.
    client.post(
        "/companies/views/", {"list_name": "companies", "name": "Alice secret", "query": "country=PL"}
    )
    assert views_of(bob) == [("Alice secret", "country=PL&sort=name", False)]
    assert views_of(alice) == [("Alice secret", "owner=me&sort=name", True)]


def test_contacts_have_views_of_their_own(login, alice):
    client = login(alice)
    response = client.post(
        "/companies/views/",
        {"list_name": "contacts", "name": "Poles", "query": "language=pl&consent=true", "is_default": "on"},
    )
    assert response["Location"] == "/companies/contacts/?language=pl&consent=true&sort=name"
    assert (
        client.get("/companies/contacts/")["Location"]
        == "/companies/contacts/?language=pl&consent=true&sort=name"
    )
    assert client.get("/companies/").status_code == 200


def test_a_view_without_a_name_is_refused_with_a_message(login, alice):
    response = login(alice).post(
        "/companies/views/", {"list_name": "companies", "name": "  ", "query": "owner=me"}, follow=True
    )
    assert "Give the view a name." in response.content.decode()
    assert views_of(alice) == []


def test_an_unknown_list_or_a_list_the_user_may_not_open(login, alice, paula):
    assert login(alice).post("/companies/views/", {"list_name": "deals", "name": "X"}).status_code == 404
    assert login(paula).post("/companies/views/", {"list_name": "companies", "name": "X"}).status_code == 403
    assert everything() == []


def test_the_service_limits_names_and_counts(alice):
    with pytest.raises(ValidationError):
        saved_view_save(user=alice, list_name="companies", name="x" * 101, query="")
    for index in range(50):
        saved_view_save(user=alice, list_name="companies", name=f"V{index}", query="sort=name")
    with pytest.raises(ValidationError):
        saved_view_save(user=alice, list_name="companies", name="One more", query="sort=name")
    saved_view_save(
        user=alice, list_name="companies", name="V7", query="owner=me&sort=name"
    )  # replacing is fine
    assert SavedView.objects.filter(user=alice).count() == 50
