"""The account team: colleagues put on a company see it; every change is in its history."""

import pytest

from klient.core.models import AuditEntry
from klient.customers.models import AccountTeamMember, Company

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(alice):
    from klient.customers.services import company_create

    return company_create(actor=alice, name="Acme")


def test_a_colleague_on_the_account_team_sees_the_company(api, alice, carol, acme):
    carol_api = api(carol)
    assert carol_api.get(f"/companies/{acme.pk}").status_code == 404

    added = api(alice).post(
        f"/companies/{acme.pk}/account-team", {"username": "carol", "role": "technical lead"}
    )
    assert added.status_code == 201
    assert added.json() == {"username": "carol", "full_name": "Carol Carter", "role": "technical lead"}
    assert carol_api.get(f"/companies/{acme.pk}").json()["name"] == "Acme"
    assert [c["id"] for c in carol_api.get("/companies").json()["items"]] == [acme.pk]
    assert api(alice).get(f"/companies/{acme.pk}/account-team").json() == {
        "items": [{"username": "carol", "full_name": "Carol Carter", "role": "technical lead"}],
        "next": None,
    }

    removed = api(alice).delete(f"/companies/{acme.pk}/account-team/carol")
    assert removed.status_code == 204
    assert carol_api.get(f"/companies/{acme.pk}").status_code == 404


def test_account_team_changes_are_in_the_history(api, alice, carol, acme):
    api(alice).post(f"/companies/{acme.pk}/account-team", {"username": "carol"})
    api(alice).delete(f"/companies/{acme.pk}/account-team/carol")
    history = api(alice).get(f"/companies/{acme.pk}/history").json()["items"]
    assert [(e["action"], [c["field"] for c in e["changes"]]) for e in history[:2]] == [
        ("update", ["account_team"]),
        ("update", ["account_team"]),
    ]
    assert history[1]["changes"][0]["before"] is None
    assert history[1]["changes"][0]["after"] == "carol"
    assert history[0]["changes"][0]["after"] is None


def test_it_refuses_unknown_users_portal_users_and_the_owner(api, alice, paula, acme):
    audit_before = AuditEntry.objects.count()
    unknown = api(alice).post(f"/companies/{acme.pk}/account-team", {"username": "nobody"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "username"
    assert api(alice).post(f"/companies/{acme.pk}/account-team", {"username": "paula"}).status_code == 422
    assert api(alice).post(f"/companies/{acme.pk}/account-team", {"username": "alice"}).status_code == 422
    assert AccountTeamMember.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_a_read_only_role_cannot_change_the_account_team(api, sam, carol, acme):
    response = api(sam).post(f"/companies/{acme.pk}/account-team", {"username": "carol"})
    assert response.status_code == 403
    assert AccountTeamMember.objects.count() == 0


def test_the_card_adds_and_removes_colleagues(login, alice, bob, acme):
    client = login(alice)
    response = client.post(f"/companies/{acme.pk}/account-team/", {"user": bob.pk, "role": "backup"})
    assert response.status_code == 302
    assert list(AccountTeamMember.objects.values_list("user__username", "role")) == [("bob", "backup")]
    card = client.get(f"/companies/{acme.pk}/").content.decode()
    assert "Bob Baker" in card
    assert "(backup)" in card
    client.post(f"/companies/{acme.pk}/account-team/{bob.pk}/remove/")
    assert AccountTeamMember.objects.count() == 0
    assert Company.objects.get(pk=acme.pk).version == 1  # the team is not a field of the company row
