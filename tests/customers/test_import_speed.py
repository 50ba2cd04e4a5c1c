"""The import engine's shortcuts give what the slow paths give: search index, history, phone forms."""

from __future__ import annotations

import csv
from pathlib import Path

import phonenumbers
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from klient.core.models import AuditEntry
from klient.core.search import _national_forms_of_plain_e164, national_phone_forms, search_companies
from klient.customers.importing import ImportOptions, import_file
from klient.customers.models import Company
from klient.customers.services import company_create, company_search_text


def _import(tmp_path: Path, rows: list[list[str]], actor) -> dict:
    path = tmp_path / "companies.csv"
    with open(path, "w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows([["name", "tax_id", "country", "phone", "website"], *rows])
    return import_file(path=path, actor=actor, options=ImportOptions(kind="companies")).as_dict()


ROWS = [
    ["Zażółć Mleczarnia", "PL5213000101", "PL", "+48 22 123 45 67", "https://www.zazolc.pl/"],
    ["ООО «Север»", "7701234567", "RU", "8 (495) 123-45-67", ""],
    ["明光贸易有限公司", "", "CN", "+86 21 1234 5678", "mingguang.cn"],
]


def test_imported_companies_are_found_and_the_index_trigger_is_back(alice, tmp_path):
    assert _import(tmp_path, ROWS, alice)["created"] == 3
    visible = Company.objects.visible_to(alice)
    assert [company.name for company in search_companies(visible, "zazolc")] == ["Zażółć Mleczarnia"]
    assert [company.name for company in search_companies(visible, "84951234567")] == ["ООО «Север»"]
    assert [company.name for company in search_companies(visible, "明光")] == ["明光贸易有限公司"]
    assert [company.name for company in search_companies(visible, "mingguang.cn")] == ["明光贸易有限公司"]
    # Each record's text is what the services compute, and the history lists one creation per company.
    for company in Company.objects.all():
        assert company.search_text == company_search_text(company)
    assert (
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Company), action="create"
        ).count()
        == 3
    )
    # A company created afterwards is indexed by the trigger again.
    company_create(actor=alice, name="Northwind Traders", country="GB")
    assert [company.name for company in search_companies(visible, "northw")] == ["Northwind Traders"]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'customers_company_fts_insert'"
            )
            assert cursor.fetchone()[0] == 1
            cursor.execute(
                "INSERT INTO customers_company_fts(customers_company_fts, rank) VALUES ('integrity-check', 1)"
            )


def test_an_imported_companys_history_is_what_the_service_writes(alice, tmp_path):
    _import(tmp_path, ROWS[:1], alice)
    imported = Company.objects.get()
    by_service = company_create(
        actor=alice,
        name="Zażółć Mleczarnia",
        tax_id="PL5213000101",
        country="PL",
        phone="+48 22 123 45 67",
        website="https://www.zazolc.pl/",
    )
    entries = {
        entry.object_id: entry
        for entry in AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Company))
    }
    assert sorted(entries) == [imported.pk, by_service.pk]
    fields = ["object_repr", "action", "actor_id", "on_behalf_of_id", "changes"]
    assert [getattr(entries[imported.pk], name) for name in fields] == [
        getattr(entries[by_service.pk], name) for name in fields
    ]
    assert (entries[imported.pk].company_id, entries[by_service.pk].company_id) == (
        imported.pk,
        by_service.pk,
    )
    assert entries[imported.pk].at == imported.created_at == imported.updated_at
    assert entries[imported.pk].changes["country"] == {
        "from": None,
        "to": "PL",
        "from_label": None,
        "to_label": "Poland",
    }


@pytest.mark.parametrize(
    ("e164", "forms", "fast"),
    [
        ("+48221234567", ("221234567",), True),
        ("+74951234567", ("84951234567", "4951234567"), True),
        ("+442079460000", ("02079460000", "2079460000"), True),
        ("+390612345678", ("0612345678",), True),  # Italy keeps its leading zero
        ("+78123456789", ("88123456789", "8123456789"), False),  # starts like the trunk prefix 8: parsed
        ("+80012345678", ("12345678",), False),  # non-geographic: parsed
        ("+48 22 123", ("22123",), False),  # not plain digits: parsed
        ("+999123", (), False),
    ],
)
def test_national_phone_forms_without_parsing_agree_with_parsing(e164, forms, fast):
    assert (_national_forms_of_plain_e164(e164) is not None) is fast
    assert national_phone_forms(e164) == forms
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        assert forms == ()
    else:
        assert forms[-1] == phonenumbers.national_significant_number(number)
