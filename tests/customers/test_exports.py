"""Exports: companies to CSV and XLSX, contacts to CSV, XLSX and vCard.

Only visible records, the list's filters, commercial terms only with the permission, formulas
neutralised, and a constant number of queries whatever the row count.
"""

import csv
import datetime
import decimal
import io
import zipfile

import openpyxl
import pytest
import vobject
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klient.core.models import Tag
from klient.customers.exports import COMPANY_COLUMNS, CONTACT_COLUMNS, csv_text
from klient.customers.importing import ImportOptions, import_file
from klient.customers.models import Company
from klient.customers.services import company_create, contact_create

pytestmark = pytest.mark.django_db

TERMS = "price_type,payment_terms_days,credit_limit,discount_percent,individual_services,delivery_terms"
HEADER = ",".join(COMPANY_COLUMNS)
HEADER_WITH_TERMS = f"{HEADER},{TERMS}"
CONTACT_HEADER = ",".join(CONTACT_COLUMNS)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def body_of(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def export(client, query: str = "") -> tuple[object, str]:
    response = client.get(f"/companies/export.csv{query}")
    return response, body_of(response)


def data_lines(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))[1:]


def workbook_rows(response) -> list[tuple]:
    content = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]


@pytest.fixture
def acme(alice, south, wholesale):
    parent = company_create(actor=alice, name="Acme Holding", country="DE")
    company = company_create(
        actor=alice,
        name="Acme, Inc.",
        legal_name='Acme "Rockets" S.A.',
        tax_id="PL5260001246",
        registration_number="KRS 123",
        country="PL",
        city="Kraków",
        legal_address="ul. Długa 1\n31-001 Kraków",
        phone="22 123 45 67",
        other_phones="601 222 333",
        email="Office@Acme.pl",
        website="https://www.acme.pl",
        industry="Rockets",
        size="10-49",
        segment="B",
        status="customer",
        source="fair",
        parent=parent,
        document_language="pl",
        document_currency="pln",
        is_key_account=True,
        external_id="ERP-1",
        price_type=wholesale,
        payment_terms_days=30,
        credit_limit=decimal.Decimal("10000"),
        discount_percent=decimal.Decimal("5"),
        delivery_terms="48 h",
    )
    company.tags.add(
        Tag.objects.create(name="VIP", key="vip"), Tag.objects.create(name="Ćevapi", key="cevapi")
    )
    return company


def test_it_exports_every_field_of_the_visible_companies(login, alice, bob, acme):
    company_create(actor=bob, name="Bob's")

    response, body = export(login(alice))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="companies.csv"'
    holding = Company.objects.get(name="Acme Holding")
    assert body == (
        f"\ufeff{HEADER_WITH_TERMS}\r\n"
        f"{holding.pk},Acme Holding,,,,DE,,,,,,,,,,,,prospect,,,alice,North,,,,,no,,,,,,,,\r\n"
        f'{acme.pk},"Acme, Inc.","Acme ""Rockets"" S.A.",PL5260001246,KRS 123,PL,Kraków,'
        '"ul. Długa 1\n31-001 Kraków",,,22 123 45 67,601 222 333,office@acme.pl,https://www.acme.pl,'
        'Rockets,10-49,B,customer,,fair,alice,North,Acme Holding,"Ćevapi, VIP",pl,PLN,yes,ERP-1,,'
        "Wholesale,30,10000.00,5.00,,48 h\r\n"
    )


def test_the_commercial_columns_are_absent_without_the_permission(login, tom):
    own = company_create(actor=tom, name="Tom's", country="PL")
    _response, body = export(login(tom))
    assert body == (f"\ufeff{HEADER}\r\n{own.pk},Tom's,,,,PL,,,,,,,,,,,,prospect,,,tom,North,,,,,no,,\r\n")


def test_zero_terms_are_exported_as_zero_not_as_empty(login, alice):
    company_create(actor=alice, name="Acme", payment_terms_days=0, discount_percent=decimal.Decimal("0"))
    _response, body = export(login(alice))
    row = dict(zip(HEADER_WITH_TERMS.split(","), data_lines(body)[0], strict=True))
    assert (row["payment_terms_days"], row["discount_percent"], row["credit_limit"]) == ("0", "0.00", "")


def test_it_follows_the_list_filters_and_sort(login, mike, alice, bob):
    company_create(actor=alice, name="Alpha", country="PL")
    company_create(actor=bob, name="Bravo", country="PL")
    company_create(actor=alice, name="Charlie", country="DE")
    client = login(mike)

    _response, by_country = export(client, "?country=PL&sort=-name")
    assert [row[1] for row in data_lines(by_country)] == ["Bravo", "Alpha"]

    _response, searched = export(client, "?q=char")
    assert [row[1] for row in data_lines(searched)] == ["Charlie"]


def test_a_bulk_export_holds_the_ticked_companies_the_user_may_see(login, alice, bob):
    alpha = company_create(actor=alice, name="Alpha")
    company_create(actor=alice, name="Bravo")
    charlie = company_create(actor=alice, name="Charlie")
    hidden = company_create(actor=bob, name="Bob's")
    _response, body = export(login(alice), f"?ids={charlie.pk}&ids={alpha.pk}&ids={hidden.pk}&sort=-name")
    assert [row[:2] for row in data_lines(body)] == [[str(charlie.pk), "Charlie"], [str(alpha.pk), "Alpha"]]


def test_an_empty_export_has_only_the_header(login, carol, alice):
    company_create(actor=alice, name="Acme")
    _response, body = export(login(carol))
    assert body == f"\ufeff{HEADER_WITH_TERMS}\r\n"


def test_a_portal_customer_gets_no_export(login, paula, alice):
    company_create(actor=alice, name="Acme")
    for url in (
        "/companies/export.csv",
        "/companies/export.xlsx",
        "/companies/contacts/export.csv",
        "/companies/contacts/export.xlsx",
        "/companies/contacts/export.vcf",
    ):
        assert login(paula).get(url).status_code == 403


FORMULAS = {
    "name": '=HYPERLINK("http://evil","x")',
    "legal_name": "@SUM(A1)",
    "city": "-2+3",
    "industry": "+cmd|' /C calc'!A0",
    "segment": "#REF!",
    "phone": "+48 22 123 45 67",
}


def test_csv_cells_that_look_like_formulas_get_an_apostrophe(login, alice):
    company_create(actor=alice, **FORMULAS)
    _response, body = export(login(alice))
    row = dict(zip(HEADER_WITH_TERMS.split(","), data_lines(body)[0], strict=True))
    assert {name: row[name] for name in FORMULAS} == {
        "name": '\'=HYPERLINK("http://evil","x")',
        "legal_name": "'@SUM(A1)",
        "city": "'-2+3",
        "industry": "'+cmd|' /C calc'!A0",
        "segment": "#REF!",
        "phone": "'+48 22 123 45 67",
    }


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("a=1", "a=1"),
        ("'quoted", "'quoted"),
        (-5, "-5"),
        (decimal.Decimal("-0.50"), "-0.50"),
        (True, "yes"),
        (None, ""),
        (datetime.date(2026, 1, 2), "2026-01-02"),
    ],
)
def test_csv_text_neutralises_text_only(value, text):
    assert csv_text(value) == text


def test_xlsx_writes_formula_like_text_as_text(login, alice):
    company = company_create(actor=alice, **FORMULAS, payment_terms_days=14)
    response = login(alice).get("/companies/export.xlsx")
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="companies.xlsx"'
    content = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    header = [cell.value for cell in sheet[1]]
    assert header == HEADER_WITH_TERMS.split(",")
    cells = dict(zip(header, sheet[2], strict=True))
    assert {name: (cells[name].value, cells[name].data_type) for name in FORMULAS} == {
        name: (value, "s") for name, value in FORMULAS.items()
    }
    assert (cells["id"].value, cells["payment_terms_days"].value) == (company.pk, 14)
    assert cells["payment_terms_days"].data_type == "n"


def test_xlsx_holds_the_same_rows_as_csv(login, alice, acme):
    client = login(alice)
    rows = workbook_rows(client.get("/companies/export.xlsx?sort=name"))
    _response, body = export(client, "?sort=name")
    as_text = [["" if value is None else str(value) for value in row] for row in rows[1:]]
    csv_rows = data_lines(body)
    assert [row[:3] for row in as_text] == [row[:3] for row in csv_rows]
    acme_row = dict(zip(rows[0], rows[2], strict=True))
    assert (acme_row["name"], acme_row["tags"], acme_row["credit_limit"]) == (
        "Acme, Inc.",
        "Ćevapi, VIP",
        10000,
    )
    assert acme_row["is_key_account"] == "yes"


@pytest.fixture
def people(alice, bob, acme):
    jan = contact_create(
        actor=alice,
        company=acme,
        first_name="Jan",
        middle_name="Maria",
        last_name="Kowalski",
        position="CEO",
        buying_role="decision_maker",
        email="Jan@Acme.pl",
        other_emails="jan.k@gmail.com",
        phone="+48 22 123 45 67",
        mobile="601 222 333",
        other_phones="12 444 55 66",
        birthday=datetime.date(1980, 2, 29),
        language="pl",
    )
    anna = contact_create(
        actor=alice, company=acme, first_name="Anna", last_name="Nowak", email="anna@acme.pl"
    )
    bobs = company_create(actor=bob, name="Bob's")
    contact_create(actor=bob, company=bobs, first_name="Hidden", last_name="Person")
    return jan, anna


def test_contacts_csv_holds_the_visible_contacts(login, alice, acme, people):
    jan, anna = people
    response = login(alice).get("/companies/contacts/export.csv")
    assert response["Content-Disposition"] == 'attachment; filename="contacts.csv"'
    assert body_of(response) == (
        f"\ufeff{CONTACT_HEADER}\r\n"
        f'{jan.pk},"Acme, Inc.",PL5260001246,Jan,Maria,Kowalski,CEO,decision_maker,jan@acme.pl,jan.k@gmail.com,'
        "'+48 22 123 45 67,601 222 333,12 444 55 66,1980-02-29,pl,,no,,,,\r\n"
        f'{anna.pk},"Acme, Inc.",PL5260001246,Anna,,Nowak,,,anna@acme.pl,,,,,,,,no,,,,\r\n'
    )


def test_contacts_of_one_company(login, bob, acme, people):
    bobs = Company.objects.get(name="Bob's")
    body = body_of(login(bob).get(f"/companies/contacts/export.csv?company={bobs.pk}"))
    assert [row[3:6] for row in data_lines(body)] == [["Hidden", "", "Person"]]
    # Alice's company is not bob's: filtering by it gives nothing rather than her contacts.
    assert data_lines(body_of(login(bob).get(f"/companies/contacts/export.csv?company={acme.pk}"))) == []


def test_contacts_xlsx(login, alice, people):
    jan, _anna = people
    rows = workbook_rows(login(alice).get("/companies/contacts/export.xlsx"))
    assert rows[0] == tuple(CONTACT_COLUMNS)
    first = dict(zip(rows[0], rows[1], strict=True))
    assert (first["id"], first["phone"], first["birthday"]) == (
        jan.pk,
        "+48 22 123 45 67",
        datetime.datetime(1980, 2, 29),
    )


def test_vcard_export_reads_back(login, alice, people):
    jan, _anna = people
    response = login(alice).get("/companies/contacts/export.vcf")
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="contacts.vcf"'
    cards = list(vobject.readComponents(body_of(response)))
    assert [card.fn.value for card in cards] == ["Jan Maria Kowalski", "Anna Nowak"]
    card = cards[0]
    assert card.version.value == "3.0"
    assert (card.n.value.family, card.n.value.given, card.n.value.additional) == ("Kowalski", "Jan", "Maria")
    assert card.org.value == ["Acme, Inc."]
    assert card.title.value == "CEO"
    assert [(line.value, line.params["TYPE"]) for line in card.email_list] == [
        ("jan@acme.pl", ["INTERNET", "PREF"]),
        ("jan.k@gmail.com", ["INTERNET"]),
    ]
    assert [(line.value, line.params["TYPE"]) for line in card.tel_list] == [
        ("+48 22 123 45 67", ["WORK", "VOICE"]),
        ("601 222 333", ["CELL"]),
        ("12 444 55 66", ["VOICE"]),
    ]
    assert card.bday.value == "1980-02-29"
    assert card.uid.value == f"klient-contact-{jan.pk}"
    assert not hasattr(cards[1], "tel")


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        b"".join(response.streaming_content)
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/companies/export.csv",
        "/companies/export.xlsx",
        "/companies/contacts/export.csv",
        "/companies/contacts/export.xlsx",
        "/companies/contacts/export.vcf",
    ],
)
def test_exports_run_a_constant_number_of_queries(login, alice, url):
    client = login(alice)
    client.get("/")  # the session and user are loaded the same way for every request after this
    tag = Tag.objects.create(name="VIP", key="vip")

    def add(count: int) -> None:
        for index in range(count):
            company = company_create(actor=alice, name=f"Company {Company.objects.count()} {index}")
            company.tags.add(tag)
            contact_create(actor=alice, company=company, first_name="P", last_name=str(index))

    add(2)
    few = _queries(client, url)
    add(20)
    many = _queries(client, url)
    assert few == many
    assert many <= 8


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
@pytest.mark.parametrize("key", ["id", "external_id"])
def test_an_exported_company_file_imports_back_unchanged(login, alice, acme, tmp_path, extension, key):
    company_create(actor=alice, name="Zażółć", country="PL", phone="+48 22 123 45 67", external_id="ERP-2")
    Company.objects.filter(name="Acme Holding").update(external_id="ERP-0")
    response = login(alice).get(f"/companies/export.{extension}")
    path = tmp_path / f"companies.{extension}"
    path.write_bytes(b"".join(response.streaming_content))
    versions = dict(Company.objects.values_list("pk", "version"))

    result = import_file(path=path, actor=alice, options=ImportOptions(kind="companies", key=key))

    assert result.as_dict() == {
        "created": 0,
        "updated": 0,
        "unchanged": 3,
        "skipped": 0,
        "errors": [],
        "duplicates": [],
    }
    assert dict(Company.objects.values_list("pk", "version")) == versions


@pytest.mark.parametrize("extension", ["csv", "xlsx", "vcf"])
def test_an_exported_contact_file_imports_back_unchanged(login, alice, people, tmp_path, extension):
    response = login(alice).get(f"/companies/contacts/export.{extension}")
    path = tmp_path / f"contacts.{extension}"
    path.write_bytes(b"".join(response.streaming_content))
    key = "email" if extension == "vcf" else "id"

    result = import_file(path=path, actor=alice, options=ImportOptions(kind="contacts", key=key))

    assert (result.created, result.updated, result.unchanged, result.errors) == (0, 0, 2, [])
