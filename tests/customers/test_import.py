"""The import engine: rows stored or rejected with row, field and reason; duplicates; keys; atomic; dry run."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType

from klient.core.audit import diff, snapshot
from klient.core.exceptions import NotAllowed
from klient.core.models import AuditAction, AuditEntry
from klient.customers import importing
from klient.customers.importing import (
    CompanyImporter,
    ImportOptions,
    ImportOptionsError,
    RowIndex,
    _Row,
    guess_columns,
    import_file,
)
from klient.customers.models import Company, Contact
from klient.customers.services import company_create, contact_create

FILES = Path(__file__).parent / "files"


def write_csv(tmp_path: Path, rows: list[list[str]], name: str = "file.csv", delimiter: str = ",") -> Path:
    path = tmp_path / name
    with open(path, "w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, delimiter=delimiter).writerows(rows)
    return path


def run(path: Path, actor: Any, kind: str = "companies", **options: Any) -> dict[str, Any]:
    return import_file(path=path, actor=actor, options=ImportOptions(kind=kind, **options)).as_dict()


def company_audits() -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Company)).order_by("id")
    )


def test_guess_columns_knows_export_names_in_six_languages():
    headers = ["Account Name", "E-mail Address", "Business Phone", "NIP", "Miasto", "Naziv", "Notes"]
    assert guess_columns("companies", headers) == {
        "Account Name": "name",
        "E-mail Address": "email",
        "Business Phone": "phone",
        "NIP": "tax_id",
        "Miasto": "city",
        "Naziv": "",  # "name" is taken by the first column
        "Notes": "",
    }
    assert guess_columns(
        "companies", ["Наименование", "ИНН", "Город", "Телефон", "Эл. почта", "公司名称"]
    ) == {
        "Наименование": "name",
        "ИНН": "tax_id",
        "Город": "city",
        "Телефон": "phone",
        "Эл. почта": "email",
        "公司名称": "",
    }
    assert guess_columns(
        "contacts", ["First Name", "Company", "Mobile Phone", "E-mail 2 Address", "legal_name"]
    ) == {
        "First Name": "first_name",
        "Company": "company",
        "Mobile Phone": "mobile",
        "E-mail 2 Address": "other_emails",
        "legal_name": "",
    }


def test_the_russian_sample_stores_three_and_names_the_row_without_a_name(alice):
    result = run(FILES / "companies_ru_cp1251.csv", alice)
    assert result == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "skipped": 1,
        "errors": [{"row": 5, "field": "name", "message": "A company needs a name."}],
        "duplicates": [],
    }
    sever = Company.objects.get(tax_id="7707083893")
    assert (sever.name, sever.city, sever.phone_e164, sever.email) == (
        "ООО «Стройматериалы Север»",
        "Москва",
        "+74951234567",
        "info@sever-stroy.example.ru",
    )
    assert (sever.owner, sever.team, sever.version, sever.name_key, sever.tax_id_key) == (
        alice,
        alice.team,
        1,
        "строиматериалы север",
        "7707083893",
    )


def test_every_company_sample_imports(alice):
    assert run(FILES / "companies_excel_unicode.txt", alice)["created"] == 3
    assert run(FILES / "companies_pl.xlsx", alice)["created"] == 2
    celik = Company.objects.get(name="Sarajevo Čelik d.d.")
    assert (str(celik.country), celik.website_domain, celik.phone_e164) == (
        "BA",
        "celik.example.ba",
        "+38733765432",
    )
    assert Company.objects.get(tax_id="7792433421").city == "Poznań"


def test_contacts_link_to_visible_companies_and_report_the_missing_one(alice):
    run(FILES / "companies_excel_unicode.txt", alice)
    result = run(FILES / "contacts_outlook.csv", alice, kind="contacts")
    assert result["created"] == 1
    assert result["errors"] == [
        {"row": 3, "field": "company", "message": "No company you can see is named “上海东方贸易有限公司”."}
    ]
    mirela = Contact.objects.get()
    assert (
        mirela.company.name,
        mirela.email,
        mirela.phone_e164,
        mirela.mobile_e164,
        str(mirela.birthday),
    ) == (
        "Sarajevo Čelik d.d.",
        "mirela.hadzic@celik.example.ba",
        "+38733765432",
        "+38761111222",
        "1979-09-30",
    )


def test_a_company_another_user_owns_is_not_linked(alice, carol):
    company_create(actor=carol, name="Sarajevo Čelik d.d.", country="BA")
    result = run(FILES / "contacts_outlook.csv", alice, kind="contacts")
    assert result["created"] == 0
    assert [error["field"] for error in result["errors"]] == ["company", "company"]
    assert Contact.objects.count() == 0


def test_vcard_contacts_with_several_phones_and_emails(alice):
    company_create(actor=alice, name="Mleczarnia Łąkowa Sp. z o.o.", country="PL")
    company_create(actor=alice, name="ООО «Стройматериалы Север»", country="RU")
    result = run(FILES / "contacts_phone.vcf", alice, kind="contacts")
    assert (result["created"], result["skipped"]) == (2, 1)
    assert result["errors"] == [
        {"row": 3, "field": "birthday", "message": "“--0315” has no year; give the date with its year."}
    ]
    zofia = Contact.objects.get(last_name="Wiśniewska")
    assert zofia.other_emails == ["z.w@gmail.example.com"]
    assert zofia.other_phones == [{"value": "+48 61 000 11 22", "e164": "+48610001122"}]
    assert (zofia.phone_e164, zofia.mobile_e164, zofia.position) == (
        "+48618523344",
        "+48601222333",
        "Kierownik działu zakupów i logistyki krajowej",
    )


def test_a_vcard_is_no_company_file(alice):
    with pytest.raises(ImportOptionsError):
        run(FILES / "contacts_phone.vcf", alice)


def test_reimporting_the_same_file_creates_nothing_and_writes_no_history(alice):
    first = run(FILES / "companies_excel_unicode.txt", alice)
    audits = len(company_audits())
    second = run(FILES / "companies_excel_unicode.txt", alice)
    assert (first["created"], second["created"], second["unchanged"], second["skipped"]) == (3, 0, 3, 0)
    assert Company.objects.count() == 3
    assert len(company_audits()) == audits == 3


def test_bad_rows_name_row_field_and_reason(tmp_path, alice):
    path = write_csv(
        tmp_path,
        [
            ["Name", "Email", "Country", "Status", "Key Account", "Size", "Owner"],
            ["Good", "good@example.com", "Polska", "Customer", "tak", "25", "alice"],
            ["Bad mail", "not-an-email", "PL", "", "", "", ""],
            ["Bad country", "", "Neverland", "", "", "", ""],
            ["Bad status", "", "", "sleeping", "", "", ""],
            ["Bad owner", "", "", "", "maybe", "", "nobody"],
            ["x" * 201, "", "", "", "", "", ""],
        ],
    )
    result = run(path, alice)
    assert result["created"] == 1
    assert result["skipped"] == 5
    assert result["errors"] == [
        {"row": 3, "field": "email", "message": "“not-an-email” is not an email address."},
        {
            "row": 4,
            "field": "country",
            "message": "“Neverland” is not a country: give its two-letter code (such as PL) or its name.",
        },
        {
            "row": 5,
            "field": "status",
            "message": "“sleeping” is not a valid status; choose one of: Prospect, Customer, Inactive, Lost.",
        },
        {"row": 6, "field": "is_key_account", "message": "“maybe” is neither yes nor no."},
        {
            "row": 7,
            "field": "name",
            "message": "“xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…” is too long: at most 200 characters.",
        },
    ]
    good = Company.objects.get()
    assert (str(good.country), good.status, good.is_key_account, good.size, good.owner) == (
        "PL",
        "customer",
        True,
        "10-49",
        alice,
    )


def test_an_unknown_owner_is_an_error_on_the_owner_column(tmp_path, alice):
    path = write_csv(tmp_path, [["Name", "Owner"], ["Acme", "nobody"]])
    assert run(path, alice)["errors"] == [
        {"row": 2, "field": "owner", "message": "No active user is named “nobody”."}
    ]


def test_the_owner_column_takes_a_username(tmp_path, alice, bob):
    path = write_csv(tmp_path, [["Name", "Owner"], ["Acme", "bob"]])
    run(path, alice)
    acme = Company.objects.get()
    assert (acme.owner, acme.team) == (bob, bob.team)


def test_commercial_terms_need_the_permission(tmp_path, tom, alice):
    path = write_csv(tmp_path, [["Name", "Credit Limit", "Payment Terms"], ["Acme", "10 000,50", "30"]])
    result = run(path, tom)
    assert result["errors"] == [
        {"row": 2, "field": "credit_limit", "message": "You may not set commercial terms."},
        {"row": 2, "field": "payment_terms_days", "message": "You may not set commercial terms."},
    ]
    assert Company.objects.count() == 0
    run(path, alice)
    acme = Company.objects.get()
    assert (str(acme.credit_limit), acme.payment_terms_days) == ("10000.50", 30)


def test_duplicates_within_the_file_and_against_the_database(tmp_path, alice, carol):
    existing = company_create(actor=carol, name="Sever", tax_id="PL 779-243-34-21", country="PL")
    path = write_csv(
        tmp_path,
        [
            ["Name", "Tax ID", "Country", "Website"],
            ["Alpha", "111", "PL", "alpha.example.com"],
            ["Alpha Sp. z o.o.", "", "PL", ""],  # same name as row 2 without the legal form
            ["Other", "7792433421", "PL", ""],  # same tax id as carol's company
            ["Gamma", "", "PL", "https://www.alpha.example.com/contact"],  # same website as row 2
            ["Alpha", "", "DE", ""],  # same name, other country: not a duplicate
        ],
    )
    result = run(path, alice)
    assert (result["created"], result["skipped"]) == (2, 3)
    assert result["duplicates"] == [
        {"row": 3, "matches": ["row 2"]},
        {"row": 4, "matches": [existing.pk]},
        {"row": 5, "matches": ["row 2"]},
    ]
    assert sorted(Company.objects.values_list("name", "country")) == [
        ("Alpha", "DE"),
        ("Alpha", "PL"),
        ("Sever", "PL"),
    ]


def _indexed_rows(monkeypatch) -> list[int]:
    """Watch the importers' in-memory index of keys: the sizes it ended with, import by import."""
    sizes: list[int] = []
    real_run = importing._Importer.run

    def run_and_record(self, *args, **kwargs):
        real_run(self, *args, **kwargs)
        sizes.append(self.index._size)

    monkeypatch.setattr(importing._Importer, "run", run_and_record)
    return sizes


@pytest.mark.parametrize("dry_run", [False, True])
def test_duplicates_of_rows_stored_in_earlier_batches(tmp_path, alice, carol, monkeypatch, dry_run):
    # Two rows a batch: rows 2-3 are stored before rows 4-5 are read, and so on.
    monkeypatch.setattr(importing, "BATCH_SIZE", 2)
    sizes = _indexed_rows(monkeypatch)
    existing = company_create(actor=carol, name="Sever", tax_id="PL 779-243-34-21", country="PL")
    path = write_csv(
        tmp_path,
        [
            ["Name", "Tax ID", "Country", "Website"],
            ["Alpha", "111", "PL", "alpha.example.com"],
            ["Beta", "222", "PL", ""],
            ["Alpha Sp. z o.o.", "", "PL", ""],  # same name as row 2, stored in the batch before
            ["Other", "7792433421", "PL", "beta.example.com"],  # carol's tax id
            ["Gamma", "", "PL", "https://www.alpha.example.com/contact"],  # row 2's website
            ["Delta", "", "PL", "beta.example.com"],  # row 5's website: row 5 was not stored
            ["Beta", "", "PL", "epsilon.example.com"],  # row 3's name, two batches later
        ],
    )
    result = run(path, alice, dry_run=dry_run)
    assert (result["created"], result["skipped"]) == (2, 5)
    assert result["duplicates"] == [
        {"row": 4, "matches": ["row 2"]},
        {"row": 5, "matches": [existing.pk]},
        {"row": 6, "matches": ["row 2"]},
        {"row": 7, "matches": ["row 5"]},
        {"row": 8, "matches": ["row 3"]},
    ]
    # Stored rows are found again in the database: the index keeps only the keys of a row not stored
    # that is not itself a duplicate of an earlier row (row 5's tax id, name and website), and in a dry
    # run those of the new rows too (row 2's three, row 3's two).
    assert sizes == ([8] if dry_run else [3])
    expected = [("Sever", "PL")] if dry_run else [("Alpha", "PL"), ("Beta", "PL"), ("Sever", "PL")]
    assert sorted(Company.objects.values_list("name", "country")) == expected


def test_contact_duplicates_of_rows_stored_in_earlier_batches(tmp_path, alice, monkeypatch):
    monkeypatch.setattr(importing, "BATCH_SIZE", 2)
    sizes = _indexed_rows(monkeypatch)
    company_create(actor=alice, name="Acme", country="PL")
    path = write_csv(
        tmp_path,
        [
            ["Company", "First Name", "Last Name", "Email"],
            ["Acme", "Anna", "Nowak", "anna@acme.example"],
            ["Acme", "Jan", "Kos", "jan@acme.example"],
            ["Acme", "Ewa", "Lis", "ANNA@acme.example"],  # row 2's email, stored in the batch before
            ["Acme", "Jan", "Kos", ""],  # row 3's person
        ],
    )
    result = run(path, alice, kind="contacts")
    assert (result["created"], result["skipped"]) == (2, 2)
    assert result["duplicates"] == [{"row": 4, "matches": ["row 2"]}, {"row": 5, "matches": ["row 3"]}]
    assert sizes == [0]


def test_a_dry_run_stores_nothing_and_reports_what_the_real_run_does(tmp_path, alice):
    company_create(actor=alice, name="Known", tax_id="999")
    rows = [["Name", "Tax ID", "Email"]]
    rows += [[f"Company {index}", str(1000 + index), ""] for index in range(1500)]
    rows += [["Company 3", "", ""], ["Other", "999", ""], ["Bad", "", "nope"]]
    path = write_csv(tmp_path, rows)
    before = (Company.objects.count(), AuditEntry.objects.count())
    dry = run(path, alice, dry_run=True)
    assert (Company.objects.count(), AuditEntry.objects.count()) == before
    real = run(path, alice)
    assert dry == real
    assert (real["created"], real["skipped"]) == (1500, 3)
    assert real["duplicates"] == [
        {"row": 1502, "matches": ["row 5"]},
        {"row": 1503, "matches": [Company.objects.get(name="Known").pk]},
    ]


def test_atomic_stores_nothing_when_a_row_fails(tmp_path, alice):
    rows = [["Name", "Email"], *([f"Company {index}", ""] for index in range(1200)), ["Bad", "nope"]]
    path = write_csv(tmp_path, rows)
    result = run(path, alice, atomic=True)
    assert (result["created"], result["skipped"]) == (0, 1201)
    assert result["errors"] == [{"row": 1202, "field": "email", "message": "“nope” is not an email address."}]
    assert Company.objects.count() == 0
    assert AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Company)).count() == 0


def test_atomic_stores_everything_when_every_row_is_good(tmp_path, alice):
    path = write_csv(tmp_path, [["Name"], ["A"], ["B"]])
    assert run(path, alice, atomic=True)["created"] == 2
    assert Company.objects.count() == 2


def test_a_key_updates_matching_visible_companies_with_history_and_version(tmp_path, alice, carol):
    mine = company_create(actor=alice, name="Acme", external_id="ERP-1", city="Kraków")
    theirs = company_create(actor=carol, name="Carol's", external_id="ERP-2", city="Gdańsk")
    path = write_csv(
        tmp_path,
        [
            ["External ID", "Name", "City"],
            ["ERP-1", "Acme", "Poznań"],
            ["ERP-2", "Carol's", "Łódź"],
            ["ERP-3", "New", ""],
        ],
    )
    result = run(path, alice, key="external_id")
    assert (result["created"], result["updated"], result["unchanged"]) == (1, 1, 0)
    # carol's company is not alice's to update: the row would create a copy, and is a duplicate instead.
    assert result["duplicates"] == [{"row": 3, "matches": [theirs.pk]}]
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.city, mine.version, theirs.city, theirs.version) == ("Poznań", 2, "Gdańsk", 1)
    update = AuditEntry.objects.filter(object_id=mine.pk, action=AuditAction.UPDATE).get()
    assert update.changes == {
        "city": {"from": "Kraków", "to": "Poznań", "from_label": "Kraków", "to_label": "Poznań"}
    }
    again = run(path, alice, key="external_id")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)


def test_a_key_repeated_in_the_file_is_a_duplicate(tmp_path, alice):
    company_create(actor=alice, name="Acme", tax_id="123")
    path = write_csv(tmp_path, [["Tax ID", "City"], ["123", "Poznań"], ["123", "Łódź"]])
    result = run(path, alice, key="tax_id")
    assert (result["updated"], result["duplicates"]) == (1, [{"row": 3, "matches": ["row 2"]}])


def test_create_audit_entries_match_the_services(tmp_path, alice, bob):
    path = write_csv(
        tmp_path,
        [
            [
                "Name",
                "Country",
                "Status",
                "Source",
                "Owner",
                "Key Account",
                "Credit Limit",
                "Other Phones",
                "Size",
            ],
            [
                "Acme",
                "PL",
                "customer",
                "Referral",
                "bob",
                "yes",
                "1500.00",
                "+48 22 111 22 33, 601 222 333",
                "10-49",
            ],
        ],
    )
    run(path, alice)
    company = Company.objects.get()
    entry = AuditEntry.objects.get(
        object_id=company.pk, content_type=ContentType.objects.get_for_model(Company)
    )
    assert (entry.action, entry.actor, entry.object_repr) == (AuditAction.CREATE, alice, "Acme")
    assert entry.changes == diff({}, snapshot(company, Company.AUDITED_FIELDS))
    assert entry.changes["country"]["to_label"] == "Poland"
    assert entry.changes["owner"] == {"from": None, "to": bob.pk, "from_label": None, "to_label": str(bob)}


def test_derived_fields_are_those_of_the_services(tmp_path, alice):
    path = write_csv(
        tmp_path,
        [
            ["Name", "Tax ID", "Country", "Phone", "Website"],
            ["Zażółć Sp. z o.o.", "PL 779-243-34-21", "PL", "22 629 11 22", "https://www.zazolc.pl/"],
        ],
    )
    run(path, alice)
    imported = Company.objects.get()
    by_service = company_create(
        actor=alice,
        name="Zażółć Sp. z o.o.",
        tax_id="PL 779-243-34-21",
        country="PL",
        phone="22 629 11 22",
        website="https://www.zazolc.pl/",
    )
    fields = ["phone_e164", "other_phones_e164", "website_domain", "name_key", "tax_id_key", "search_text"]
    assert [getattr(imported, name) for name in fields] == [getattr(by_service, name) for name in fields]


def test_contact_rows_without_name_or_email_and_duplicates(tmp_path, alice):
    company = company_create(actor=alice, name="Acme", country="PL")
    contact_create(
        actor=alice, company=company, first_name="Jan", last_name="Kowalski", email="jan@acme.example"
    )
    path = write_csv(
        tmp_path,
        [
            ["Company", "First Name", "Last Name", "Email", "Phone"],
            ["Acme", "Jan", "Kowalski", "jan@acme.example", ""],  # the stored contact, same values
            ["Acme", "Anna", "Nowak", "anna@acme.example", "22 629 11 22"],
            ["Acme", "", "", "", "22 000 00 00"],
            ["Acme", "Anna", "Nowak", "", ""],  # the same person as row 3
        ],
    )
    result = run(path, alice, kind="contacts")
    assert (result["created"], result["unchanged"], result["skipped"]) == (1, 1, 2)
    assert result["errors"] == [
        {"row": 4, "field": "last_name", "message": "Give a name or an email address."}
    ]
    assert result["duplicates"] == [{"row": 5, "matches": ["row 3"]}]
    anna = Contact.objects.get(first_name="Anna")
    assert (anna.phone_e164, anna.name_key) == ("+48226291122", "anna nowak")


def test_rejected_rows_go_to_the_rejected_csv_with_their_reasons(tmp_path, alice):
    path = write_csv(tmp_path, [["Name", "Email"], ["Good", ""], ["", "x@example.com"], ["Good", ""]])
    rejected = io.StringIO()
    import_file(path=path, actor=alice, options=ImportOptions(kind="companies"), rejected_csv=rejected)
    assert list(csv.reader(io.StringIO(rejected.getvalue()))) == [
        ["Name", "Email", "row", "field", "reason"],
        ["", "x@example.com", "3", "name", "A company needs a name."],
        ["Good", "", "4", "", "Duplicate of row 2."],
    ]


def test_progress_is_reported_with_the_total(tmp_path, alice, monkeypatch):
    monkeypatch.setattr(importing, "BATCH_SIZE", 1000)
    path = write_csv(tmp_path, [["Name"], *([f"C{index}"] for index in range(4500))])
    calls: list[tuple[int, int | None]] = []
    import_file(
        path=path,
        actor=alice,
        options=ImportOptions(kind="companies"),
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(2000, 4500), (4000, 4500), (4500, 4500)]


def test_options_that_cannot_work_are_refused(tmp_path, alice):
    path = write_csv(tmp_path, [["Firm", "City"], ["Acme", "Poznań"]])
    with pytest.raises(ImportOptionsError, match="No column holds the company name"):
        run(path, alice)
    with pytest.raises(ImportOptionsError, match="Unknown field: nonsense"):
        run(path, alice, columns={"Firm": "nonsense"})
    with pytest.raises(ImportOptionsError, match="cannot be the key"):
        run(path, alice, columns={"Firm": "name"}, key="city")
    assert run(path, alice, columns={"Firm": "name", "City": "city"})["created"] == 1


def test_a_user_who_may_not_add_companies_is_refused(tmp_path, sam):
    path = write_csv(tmp_path, [["Name"], ["Acme"]])
    with pytest.raises(NotAllowed):
        run(path, sam)
    assert Company.objects.count() == 0


def test_the_row_index_finds_what_was_added_and_grows():
    index = RowIndex(capacity=8)
    for number in range(1000):
        index.add(("name", f"company {number}", "PL"), number + 2)
    index.add(("name", "company 5", "PL"), 9999)  # an earlier row keeps the key
    assert index.get(("name", "company 5", "PL")) == 7
    assert index.get(("name", "company 999", "PL")) == 1001
    assert index.get(("name", "company 5", "DE")) is None


def test_duplicate_keys_are_the_normal_forms():
    values = {
        "name": "Mleczarnia Łąkowa Sp. z o.o.",
        "country": "PL",
        "tax_id": "PL 779-243-34-21",
        "website": "https://www.laka.pl/",
    }
    assert CompanyImporter.duplicate_keys(_Row(2, [], values)) == [
        ("tax", "7792433421"),
        ("name", "mleczarnia lakowa", "PL"),
        ("web", "laka.pl"),
    ]


def test_an_export_imports_back_unchanged(tmp_path, alice):
    company_create(
        actor=alice, name="Acme", country="PL", phone="+48 22 629 11 22", size="10-49", is_key_account=True
    )
    path = write_csv(
        tmp_path,
        [
            ["id", "name", "country", "phone", "size", "owner", "team", "parent", "tags", "is_key_account"],
            [
                str(Company.objects.get().pk),
                "Acme",
                "PL",
                "'+48 22 629 11 22",
                "10-49",
                "alice",
                "North",
                "",
                "",
                "yes",
            ],
        ],
    )
    assert run(path, alice)["unchanged"] == 1
    assert Company.objects.get().phone == "+48 22 629 11 22"


def test_a_key_row_equal_to_the_record_is_unchanged(tmp_path, alice):
    company_create(
        actor=alice, name="Acme", tax_id="123", country="PL", credit_limit="1500.00", is_key_account=True
    )
    path = write_csv(
        tmp_path,
        [
            ["Tax ID", "Name", "Country", "Credit Limit", "Key Account"],
            ["123", "Acme", "Polska", "1500", "yes"],
        ],
    )
    assert run(path, alice, key="tax_id")["unchanged"] == 1
    assert Company.objects.get().version == 1


def test_contacts_update_by_email(tmp_path, alice):
    company = company_create(actor=alice, name="Acme", country="PL")
    anna = contact_create(actor=alice, company=company, first_name="Anna", email="anna@acme.example")
    path = write_csv(
        tmp_path, [["Email", "Job Title", "Mobile"], ["ANNA@acme.example", "Buyer", "601 222 333"]]
    )
    result = run(path, alice, kind="contacts", key="email")
    assert (result["updated"], result["errors"]) == (1, [])
    anna.refresh_from_db()
    assert (anna.position, anna.mobile_e164, anna.version) == ("Buyer", "+48601222333", 2)
    assert run(path, alice, kind="contacts", key="email")["unchanged"] == 1
