"""Competitors' supplies to companies through the API: recorded on a company the caller sees and read back
exactly, listed per company and per competitor (only companies the caller sees), changed with a version,
removed; price and currency go together; every refusal (another team's company, a stale version, a
missing right) changes nothing."""

import pytest

from klient.core.models import AuditEntry
from klient.sales.competitors.models import CompetitorSupply
from klient.sales.competitors.services import competitor_update, supply_create

pytestmark = pytest.mark.django_db


def state():
    return (
        list(
            CompetitorSupply.objects.order_by("pk").values_list(
                "pk", "company_id", "competitor_id", "description", "price", "currency", "version"
            )
        ),
        AuditEntry.objects.count(),
    )


def test_a_supply_is_recorded_on_a_visible_company_and_read_back_exactly(api, alice, acme, paletpol, pallet):
    client = api(alice)
    response = client.post(
        f"/companies/{acme.pk}/competitors",
        {
            "competitor": paletpol.pk,
            "description": "EPAL pallets, 400 a month",
            "product": pallet.pk,
            "price": "41.50",
            "currency": "pln",
            "since": "2025-09-01",
            "note": "Contract until June",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert {key: value for key, value in body.items() if key not in {"id", "created_at", "updated_at"}} == {
        "company": acme.pk,
        "company_name": "Acme",
        "competitor": paletpol.pk,
        "competitor_name": "PaletPol",
        "description": "EPAL pallets, 400 a month",
        "product": pallet.pk,
        "product_sku": "PAL-EUR",
        "price": "41.5",
        "currency": "PLN",
        "since": "2025-09-01",
        "note": "Contract until June",
        "recorded_by": "alice",
        "version": 1,
    }
    assert client.get(f"/companies/{acme.pk}/competitors").json() == {"items": [body], "next": None}
    entry = AuditEntry.objects.get(content_type__model="competitorsupply", object_id=body["id"])
    # On Acme's card history, with the price as entered.
    assert (entry.action, entry.actor, entry.company_id) == ("create", alice, acme.pk)
    assert entry.changes["price"]["to"] == "41.5000"


def test_a_supply_without_a_price_is_fine(api, tom, alice, acme, paletpol):
    from klient.customers.services import account_team_add

    account_team_add(company=acme, user=tom, role="caller", actor=alice)
    response = api(tom).post(
        f"/companies/{acme.pk}/competitors", {"competitor": paletpol.pk, "description": "Boxes"}
    )
    assert response.status_code == 201
    assert (response.json()["price"], response.json()["currency"], response.json()["since"]) == (
        None,
        "",
        None,
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": "12"}, "currency"),  # a price needs its currency
        ({"currency": "EUR"}, "price"),  # and a currency its price
        ({"price": "12", "currency": "XYZ"}, "currency"),
        ({"price": "-1", "currency": "EUR"}, "price"),
        ({"price": "1.23456", "currency": "EUR"}, "price"),
        ({"price": 12.5, "currency": "EUR"}, "price"),  # a float is not exact
        ({"product": 999999}, "product"),
        ({"competitor": 999999}, "competitor"),
        ({"description": ""}, "description"),
        ({"since": "01.09.2025"}, "since"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
    api, alice, acme, paletpol, change, field
):
    before = state()
    body = {"competitor": paletpol.pk, "description": "Pallets", **change}
    response = api(alice).post(f"/companies/{acme.pk}/competitors", body)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert state() == before


def test_a_retired_competitor_gets_no_new_supplies_but_keeps_its_own(api, mike, alice, acme, paletpol):
    supply = supply_create(actor=alice, company=acme, competitor=paletpol, description="Pallets")
    competitor_update(competitor=paletpol, actor=mike, version=1, is_active=False)
    before = state()
    refused = api(alice).post(
        f"/companies/{acme.pk}/competitors", {"competitor": paletpol.pk, "description": "More"}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "competitor", "message": "“PaletPol” is no longer active."}]
    assert state() == before
    kept = api(alice).patch(
        f"/competitor-supplies/{supply.pk}", {"version": 1, "description": "Pallets, less"}
    )
    assert (kept.status_code, kept.json()["competitor"]) == (200, paletpol.pk)


def test_another_teams_company_answers_404_and_nothing_changes(api, alice, carol, southern, balkan):
    supply = supply_create(
        actor=carol, company=southern, competitor=balkan, description="Film", price="3", currency="EUR"
    )
    client = api(alice)
    before = state()
    assert client.get(f"/companies/{southern.pk}/competitors").status_code == 404
    created = client.post(
        f"/companies/{southern.pk}/competitors", {"competitor": balkan.pk, "description": "X"}
    )
    assert created.json() == {"detail": "Not found.", "errors": []}
    assert created.status_code == 404
    assert (
        client.patch(f"/competitor-supplies/{supply.pk}", {"version": 1, "description": "Mine"}).status_code
        == 404
    )
    assert client.delete(f"/competitor-supplies/{supply.pk}").status_code == 404
    assert state() == before


def test_a_competitors_supplies_list_only_the_companies_the_reader_sees(
    api, alice, bob, carol, mike, acme, southern, balkan
):
    mine = supply_create(
        actor=alice, company=acme, competitor=balkan, description="Boxes", price="1.10", currency="EUR"
    )
    theirs = supply_create(actor=carol, company=southern, competitor=balkan, description="Film")
    assert [item["id"] for item in api(alice).get(f"/competitors/{balkan.pk}/supplies").json()["items"]] == [
        mine.pk
    ]
    assert [item["id"] for item in api(carol).get(f"/competitors/{balkan.pk}/supplies").json()["items"]] == [
        theirs.pk
    ]
    # Bob (same team, account managers see their own) sees neither; mike leads North and sees alice's.
    assert api(bob).get(f"/competitors/{balkan.pk}/supplies").json() == {"items": [], "next": None}
    assert [item["id"] for item in api(mike).get(f"/competitors/{balkan.pk}/supplies").json()["items"]] == [
        mine.pk
    ]
    assert api(alice).get("/competitors/999999/supplies").status_code == 404


def test_a_change_needs_the_version_read_and_a_stale_one_changes_nothing(api, alice, acme, paletpol, balkan):
    supply = supply_create(actor=alice, company=acme, competitor=paletpol, description="Pallets")
    client = api(alice)
    changed = client.patch(
        f"/competitor-supplies/{supply.pk}",
        {"version": 1, "competitor": balkan.pk, "price": "9.90", "currency": "EUR"},
    )
    assert changed.status_code == 200
    assert (
        changed.json()["competitor_name"],
        changed.json()["price"],
        changed.json()["currency"],
        changed.json()["version"],
    ) == ("Ambalaža Balkan", "9.9", "EUR", 2)
    before = state()
    stale = client.patch(f"/competitor-supplies/{supply.pk}", {"version": 1, "description": "Lost"})
    assert (stale.status_code, stale.json()["current_version"]) == (409, 2)
    assert state() == before
    cleared = client.patch(
        f"/competitor-supplies/{supply.pk}", {"version": 2, "price": None, "currency": None}
    )
    assert (cleared.json()["price"], cleared.json()["currency"], cleared.json()["version"]) == (None, "", 3)
    history = AuditEntry.objects.filter(content_type__model="competitorsupply", object_id=supply.pk)
    assert [entry.action for entry in history.order_by("id")] == ["create", "update", "update"]


def test_a_supply_is_removed_with_its_last_values_kept_in_the_audit(api, alice, acme, paletpol):
    supply = supply_create(
        actor=alice, company=acme, competitor=paletpol, description="Pallets", price="40", currency="PLN"
    )
    client = api(alice)
    stale = client.delete(f"/competitor-supplies/{supply.pk}?version=2")
    assert stale.status_code == 409
    assert CompetitorSupply.objects.count() == 1
    assert client.delete(f"/competitor-supplies/{supply.pk}?version=1").status_code == 204
    assert not CompetitorSupply.objects.exists()
    entry = AuditEntry.objects.get(content_type__model="competitorsupply", action="delete")
    assert (entry.company_id, entry.changes["description"]["from"], entry.changes["price"]["from"]) == (
        acme.pk,
        "Pallets",
        "40.0000",
    )


def test_roles_without_the_right_are_refused_and_nothing_changes(api, alice, sam, rita, acme, paletpol):
    supply = supply_create(actor=alice, company=acme, competitor=paletpol, description="Pallets")
    before = state()
    for user in (sam, rita):
        client = api(user)
        assert client.get(f"/companies/{acme.pk}/competitors").status_code == 403
        assert (
            client.post(
                f"/companies/{acme.pk}/competitors", {"competitor": paletpol.pk, "description": "X"}
            ).status_code
            == 403
        )
        assert (
            client.patch(f"/competitor-supplies/{supply.pk}", {"version": 1, "description": "X"}).status_code
            == 403
        )
        assert client.delete(f"/competitor-supplies/{supply.pk}").status_code == 403
    assert state() == before


def test_a_company_merge_moves_its_supplies(alice, mike, acme, paletpol):
    from klient.customers.services import company_create, company_merge

    duplicate = company_create(actor=alice, name="ACME Ltd")
    supply = supply_create(actor=alice, company=duplicate, competitor=paletpol, description="Pallets")
    company_merge(keep=acme, drop=duplicate, actor=mike)
    supply.refresh_from_db()
    assert supply.company_id == acme.pk
