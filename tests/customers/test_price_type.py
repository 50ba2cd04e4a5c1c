"""A company's price type is a price list: chosen by id in the API, by name in imports, shown by name on
the card and in exports."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from klient.core.models import AuditEntry
from klient.customers.importing import ImportOptions, import_file
from klient.customers.models import Company
from klient.customers.services import company_create

pytestmark = pytest.mark.django_db


def _import(path: Path, actor, **options):
    return import_file(path=path, actor=actor, options=ImportOptions(kind="companies", **options)).as_dict()


def _csv(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "companies.csv"
    with open(path, "w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(rows)
    return path


def test_an_unknown_price_list_id_is_refused_naming_the_field(api, alice, wholesale):
    company = company_create(actor=alice, name="Acme", price_type=wholesale)
    response = api(alice).patch(f"/companies/{company.pk}", {"version": 1, "price_type": wholesale.pk + 100})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "price_type", "message": "No price list with this id."}]
    company.refresh_from_db()
    assert (company.price_type_id, company.version) == (wholesale.pk, 1)


def test_the_api_sets_and_clears_the_price_type(api, alice, wholesale, retail):
    company = company_create(actor=alice, name="Acme", price_type=wholesale)
    changed = api(alice).patch(f"/companies/{company.pk}", {"version": 1, "price_type": retail.pk})
    assert (changed.status_code, changed.json()["price_type"]) == (200, retail.pk)
    cleared = api(alice).patch(f"/companies/{company.pk}", {"version": 2, "price_type": None})
    assert (cleared.status_code, cleared.json()["price_type"]) == (200, None)
    history = api(alice).get(f"/companies/{company.pk}/history").json()["items"]
    assert [
        (change["before_label"], change["after_label"])
        for entry in history
        for change in entry["changes"]
        if change["field"] == "price_type"
    ] == [("Retail (PLN)", None), ("Wholesale (EUR)", "Retail (PLN)"), (None, "Wholesale (EUR)")]


def test_an_import_sets_a_price_type_by_name_and_a_second_run_changes_nothing(
    alice, tmp_path, wholesale, retail
):
    acme = company_create(actor=alice, name="Acme", tax_id="PL5260001246", country="PL", price_type=retail)
    path = _csv(
        tmp_path,
        [
            ["tax_id", "name", "price_type"],
            ["PL5260001246", "Acme", "WHOLESALE"],
            ["PL7770001112", "Beta", "Platinum"],
        ],
    )
    first = _import(path, alice, key="tax_id")
    assert (first["created"], first["updated"], first["unchanged"]) == (0, 1, 0)
    assert [(error["row"], error["field"], error["message"]) for error in first["errors"]] == [
        (3, "price_type", "No price list is named “Platinum”.")
    ]
    acme.refresh_from_db()
    assert acme.price_type == wholesale
    last = AuditEntry.objects.filter(object_id=acme.pk, content_type__model="company").latest("id")
    assert last.changes == {
        "price_type": {
            "from": retail.pk,
            "to": wholesale.pk,
            "from_label": "Retail (PLN)",
            "to_label": "Wholesale (EUR)",
        }
    }
    again = _import(path, alice, key="tax_id")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)
    assert Company.objects.count() == 1


def test_the_card_and_the_export_name_the_price_list(login, alice, wholesale):
    company = company_create(actor=alice, name="Acme", price_type=wholesale)
    card = login(alice).get(f"/companies/{company.pk}/").content.decode()
    assert '<dd data-field="price_type">Wholesale (EUR)</dd>' in card
    response = login(alice).get("/companies/export.csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(body.splitlines()))[:2]
    assert dict(zip(header, row, strict=True))["price_type"] == "Wholesale"


def test_a_price_list_in_use_cannot_be_deleted(alice, wholesale):
    from django.db.models import ProtectedError

    company_create(actor=alice, name="Acme", price_type=wholesale)
    with pytest.raises(ProtectedError):
        wholesale.delete()
