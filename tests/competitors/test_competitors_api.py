"""The catalogue of competitors through the API: created and read back exactly, searched by name ignoring
case and diacritics, names unique ignoring case, changed with a version, retired rather than deleted, with
its history; only sales managers keep it (account managers may add one); every refusal changes nothing."""

import pytest

from klient.core.models import AuditEntry
from klient.sales.competitors.models import Competitor

pytestmark = pytest.mark.django_db


def state():
    return (
        list(Competitor.objects.order_by("pk").values_list("pk", "name", "is_active", "version")),
        AuditEntry.objects.count(),
    )


def test_a_competitor_is_created_and_read_back_exactly(api, mike):
    client = api(mike)
    response = client.post(
        "/competitors",
        {
            "name": "  Opakowania Wisła S.A. ",
            "website": "wisla.example.pl",
            "country": "pl",
            "strengths": "Prints in-house",
            "weaknesses": "Minimum order 5,000",
            "notes": "Met them at Packaging Fair",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert {key: value for key, value in body.items() if key not in {"id", "created_at", "updated_at"}} == {
        "name": "Opakowania Wisła S.A.",
        "website": "wisla.example.pl",
        "country": "PL",
        "strengths": "Prints in-house",
        "weaknesses": "Minimum order 5,000",
        "notes": "Met them at Packaging Fair",
        "is_active": True,
        "created_by": "mike",
        "version": 1,
    }
    assert client.get(f"/competitors/{body['id']}").json() == body
    assert AuditEntry.objects.filter(content_type__model="competitor", object_id=body["id"]).count() == 1


def test_search_ignores_case_and_diacritics_and_the_list_is_by_name(api, mike, alice, paletpol, balkan):
    client = api(alice)
    client_mike = api(mike)
    client_mike.post("/competitors", {"name": "ООО «ТараПром»", "country": "RU"})
    for q, found in [
        ("ambalaza", ["Ambalaža Balkan"]),
        ("PALET", ["PaletPol"]),
        ("тарапром", ["ООО «ТараПром»"]),
        ("balkan amb", ["Ambalaža Balkan"]),
        ("nothing", []),
    ]:
        assert [item["name"] for item in client.get("/competitors", q=q).json()["items"]] == found, q
    page = client.get("/competitors", limit=2).json()
    assert [item["name"] for item in page["items"]] == ["Ambalaža Balkan", "PaletPol"]
    rest = client.get("/competitors", limit=2, cursor=page["next"]).json()
    assert ([item["name"] for item in rest["items"]], rest["next"]) == (["ООО «ТараПром»"], None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "paletpol"}, "name"),  # taken, whatever the case
        ({"name": "  PALETPOL  "}, "name"),
        ({"name": "New", "country": "XX"}, "country"),
        ({"name": "New", "is_active": None}, "is_active"),
        ({"name": ""}, "name"),
        ({"name": "New", "colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(api, mike, paletpol, body, field):
    before = state()
    response = api(mike).post("/competitors", body)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert state() == before


def test_a_change_needs_the_version_read_and_a_stale_one_changes_nothing(api, mike, paletpol):
    client = api(mike)
    changed = client.patch(f"/competitors/{paletpol.pk}", {"version": 1, "weaknesses": "No boxes, no film"})
    assert changed.status_code == 200
    assert (changed.json()["weaknesses"], changed.json()["version"]) == ("No boxes, no film", 2)
    before = state()
    stale = client.patch(f"/competitors/{paletpol.pk}", {"version": 1, "name": "Lost"})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert state() == before
    renamed_to_itself = client.patch(f"/competitors/{paletpol.pk}", {"version": 2, "name": "PALETPOL"})
    assert (renamed_to_itself.status_code, renamed_to_itself.json()["name"]) == (200, "PALETPOL")


def test_a_retired_competitor_leaves_the_default_list_and_its_history_tells(api, mike, paletpol, balkan):
    client = api(mike)
    retired = client.patch(f"/competitors/{paletpol.pk}", {"version": 1, "is_active": False})
    assert retired.json()["is_active"] is False
    assert [item["name"] for item in client.get("/competitors").json()["items"]] == ["Ambalaža Balkan"]
    assert [item["name"] for item in client.get("/competitors", active=False).json()["items"]] == ["PaletPol"]
    history = client.get(f"/competitors/{paletpol.pk}/history").json()["items"]
    assert [(entry["action"], entry["actor"]) for entry in history] == [
        ("update", "mike"),
        ("create", "mike"),
    ]
    assert history[0]["changes"] == [
        {"field": "is_active", "before": True, "after": False, "before_label": "Yes", "after_label": "No"}
    ]
    assert client.get("/competitors/999999/history").status_code == 404
    assert Competitor.objects.count() == 2  # retired, not deleted


def test_an_account_manager_adds_a_competitor_but_may_not_change_one(api, alice, paletpol):
    client = api(alice)
    added = client.post("/competitors", {"name": "Drvo-Pak", "country": "BA"})
    assert (added.status_code, added.json()["created_by"]) == (201, "alice")
    before = state()
    refused = client.patch(f"/competitors/{paletpol.pk}", {"version": 1, "name": "Mine"})
    assert refused.status_code == 403
    assert state() == before


def test_telesales_reads_but_does_not_add_and_service_and_portal_do_not_read(api, tom, sam, paula, paletpol):
    assert [item["name"] for item in api(tom).get("/competitors").json()["items"]] == ["PaletPol"]
    before = state()
    assert api(tom).post("/competitors", {"name": "Another"}).status_code == 403
    assert api(sam).get("/competitors").status_code == 403
    assert api(sam).get(f"/competitors/{paletpol.pk}").status_code == 403
    assert api(paula).get("/competitors").status_code == 403
    assert state() == before


def test_a_read_only_token_changes_nothing(api, mike, paletpol):
    before = state()
    response = api(mike, read_only=True).patch(f"/competitors/{paletpol.pk}", {"version": 1, "name": "X"})
    assert response.status_code == 403
    assert state() == before
