"""The issue's acceptance scenario: two account managers in different teams, their manager, history, 409."""

import pytest

pytestmark = pytest.mark.django_db


def test_each_manager_reads_only_their_own_and_their_manager_reads_the_team(api, alice, carol, mike):
    alice_api, carol_api, mike_api = api(alice), api(carol), api(mike)

    created_by_alice = alice_api.post("/companies", {"name": "Zażółć Sp. z o.o.", "country": "PL"})
    created_by_carol = carol_api.post("/companies", {"name": "Ćevapi d.o.o.", "country": "BA"})
    assert created_by_alice.status_code == 201
    assert created_by_carol.status_code == 201
    alice_company = created_by_alice.json()
    carol_company = created_by_carol.json()
    assert alice_company["owner"] == "alice"
    assert alice_company["team"] == "North"
    assert alice_company["version"] == 1

    assert carol_api.get(f"/companies/{alice_company['id']}").status_code == 404
    assert alice_api.get(f"/companies/{carol_company['id']}").status_code == 404
    assert [c["name"] for c in alice_api.get("/companies").json()["items"]] == ["Zażółć Sp. z o.o."]

    manager_view = mike_api.get(f"/companies/{alice_company['id']}")
    assert manager_view.status_code == 200
    assert manager_view.json()["name"] == "Zażółć Sp. z o.o."
    assert mike_api.get(f"/companies/{carol_company['id']}").status_code == 404


def test_changes_appear_in_history_and_a_stale_version_gets_409(api, alice):
    alice_api = api(alice)
    company = alice_api.post("/companies", {"name": "Acme", "tax_id": "PL123"}).json()

    renamed = alice_api.patch(f"/companies/{company['id']}", {"version": 1, "name": "Acme Polska"})
    assert renamed.status_code == 200
    assert renamed.json()["version"] == 2

    stale = alice_api.patch(f"/companies/{company['id']}", {"version": 1, "name": "Acme Global"})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert alice_api.get(f"/companies/{company['id']}").json()["name"] == "Acme Polska"

    history = alice_api.get(f"/companies/{company['id']}/history").json()["items"]
    assert [entry["action"] for entry in history] == ["update", "create"]
    assert history[0]["actor"] == "alice"
    assert history[0]["changes"] == [
        {
            "field": "name",
            "before": "Acme",
            "after": "Acme Polska",
            "before_label": "Acme",
            "after_label": "Acme Polska",
        }
    ]
