"""CSV export: the filtered, visible companies; commercial terms only with the permission."""

import decimal

import pytest

from klient.customers.services import company_create

pytestmark = pytest.mark.django_db

HEADER = "id,name,legal_name,country,tax_id,owner,team,payment_terms_days,discount_percent"


def export(client, query: str = "") -> tuple[object, str]:
    response = client.get(f"/companies/export.csv{query}")
    return response, b"".join(response.streaming_content).decode("utf-8")


def test_it_exports_exactly_the_visible_companies(login, alice, bob, south):
    acme = company_create(
        actor=alice,
        name="Acme, Inc.",
        legal_name='Acme "Rockets" S.A.',
        country="PL",
        tax_id="PL1",
        payment_terms_days=30,
        discount_percent=decimal.Decimal("5"),
    )
    zazolc = company_create(actor=alice, name="Zażółć", team=south)
    company_create(actor=bob, name="Bob's")

    response, body = export(login(alice))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="companies.csv"'
    assert body == (
        f"\ufeff{HEADER}\r\n"
        f'{acme.pk},"Acme, Inc.","Acme ""Rockets"" S.A.",PL,PL1,alice,North,30,5.00\r\n'
        f"{zazolc.pk},Zażółć,,,,alice,South,,\r\n"
    )


def test_zero_terms_are_exported_as_zero_not_as_empty(login, alice):
    acme = company_create(
        actor=alice, name="Acme", payment_terms_days=0, discount_percent=decimal.Decimal("0")
    )
    _response, body = export(login(alice))
    assert body.splitlines()[1] == f"{acme.pk},Acme,,,,alice,North,0,0.00"


def test_it_follows_the_list_filters_and_sort(login, mike, alice, bob):
    company_create(actor=alice, name="Alpha", country="PL")
    company_create(actor=bob, name="Bravo", country="PL")
    company_create(actor=alice, name="Charlie", country="DE")
    client = login(mike)

    _response, by_country = export(client, "?country=PL&sort=-name")
    assert [line.split(",")[1] for line in by_country.splitlines()[1:]] == ["Bravo", "Alpha"]

    _response, searched = export(client, "?q=char")
    assert [line.split(",")[1] for line in searched.splitlines()[1:]] == ["Charlie"]


def test_an_empty_export_has_only_the_header(login, carol, alice):
    company_create(actor=alice, name="Acme")
    _response, body = export(login(carol))
    assert body == f"\ufeff{HEADER}\r\n"
