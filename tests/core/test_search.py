"""The search service: folding, words, query terms, and what finds which company or contact (FTS5 on
SQLite, GIN full text on PostgreSQL: the same results on both)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from klient.core import search
from klient.core.pagination import keyset_paginate
from klient.core.search import fold, index_text, query_terms, search_companies, search_contacts, search_words
from klient.customers.models import Company, Contact
from klient.customers.services import company_create, company_update, contact_create, contact_delete


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Zażółć Gęślą Jaźń", "zazolc gesla jazn"),
        ("Ćevapi d.o.o.", "cevapi d.o.o."),
        ("Đurđevak", "durdevak"),
        ("Łódź", "lodz"),
        ("Straße", "strasse"),
        ("Ромашка", "ромашка"),
        ("Ёлка", "елка"),
        ("Արարատ", "արարատ"),
        ("上海明光贸易", "上海明光贸易"),
        ("  Acme \t  Industrial\n", "acme industrial"),
        ("ＡＣＭＥ", "acme"),  # full-width letters fold to their plain form
        ("", ""),
    ],
)
def test_it_folds_case_diacritics_and_spacing(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Zażółć Sp. z o.o.", ["zazolc", "sp", "z", "o"]),
        ("Đurđevak", ["durdevak", "djurdjevak"]),
        ("jan.kowalski@acme-steel.pl", ["jan", "kowalski", "acme", "steel", "pl"]),
        ("上海明光贸易", ["上海", "海明", "明光", "光贸", "贸易", "易"]),
        ("ООО «Ёлка»", ["ооо", "елка"]),
        ("Tel. 123-45-67", ["tel", "123", "45", "67", "1234567"]),
        ("PL5213000101", ["pl5213000101", "5213000101"]),
        ("王", ["王"]),
        ("a_b", ["a", "b"]),
    ],
)
def test_it_splits_text_into_the_words_it_is_found_by(text, words):
    assert index_text([text]).split() == words


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("Zażółć  gęślą", [("zazolc",), ("gesla",)]),
        ("明光贸易", [("明光",), ("光贸",), ("贸易",)]),
        ("明", [("明",)]),
        ("+7 (495) 123-45-67", [("74951234567",)]),
        ("00 7 495 1234567", [("0074951234567", "74951234567")]),
        ("PL 521-300-01-01", [("5213000101",)]),
        ("PL5213000101", [("5213000101", "pl5213000101")]),
        ("https://www.acme.pl/kontakt?x=1", [("acme",), ("pl",)]),
        ('"a*" (b) NEAR:c -d ^e', [("a",), ("b",), ("near",), ("c",), ("d",), ("e",)]),
        ("acme acme", [("acme",)]),
        ("  ", []),
        ('"*():-^', []),
    ],
)
def test_it_reads_a_query_as_terms(query, terms):
    assert query_terms(query) == terms


# Text as people type it: letters of several scripts with and without marks, digits, spaces.
words = st.text(
    alphabet=st.sampled_from(
        "abcxyzABCXYZąćęłńóśźżĄĆĘŁŃÓŚŹŻčđšžČĐŠŽäöüßÄÖÜабвёжщАБВЁЖЩաբգԱԲԳ上海贸易0189 .-\t"
    ),
    max_size=30,
)


@given(words)
def test_folding_twice_changes_nothing(text):
    assert fold(fold(text)) == fold(text)


@given(st.text(max_size=30))
@example("ℌ")  # a letter whose compatibility form is a capital
@example("ǅ")
def test_folded_text_is_stable_for_any_unicode(text):
    folded = fold(text)
    assert fold(folded) == folded
    assert folded == folded.strip()
    assert "  " not in folded


@given(words)
def test_folding_ignores_case(text):
    assert fold(text.upper()) == fold(text.lower()) == fold(text)
    assert search_words(text.upper()) == search_words(text.lower())


@pytest.fixture
def customers(alice):
    """Companies in six scripts, with contacts; {short name: company}."""
    zazolc = company_create(
        actor=alice,
        name="Zażółć Gęślą Jaźń Sp. z o.o.",
        country="PL",
        tax_id="PL 521-300-01-01",
        phone="+48 22 123 45 67",
        website="https://www.zazolc.pl/kontakt",
        email="biuro@zazolc.pl",
    )
    contact_create(
        actor=alice, company=zazolc, first_name="Jan", last_name="Kowalski", email="jan.kowalski@gmail.com"
    )
    cevapi = company_create(actor=alice, name="Ćevapi Đurđevak d.o.o.", country="BA", phone="033 123-456")
    romashka = company_create(
        actor=alice,
        name="ООО «Ромашка»",
        legal_name="Общество с ограниченной ответственностью «Ёлочка»",
        country="RU",
        tax_id="7701234567",
        phone="8 (495) 123-45-67",
    )
    contact_create(
        actor=alice, company=romashka, first_name="Иван", last_name="Петров", mobile="+7 916 555 44 33"
    )
    ararat = company_create(actor=alice, name="Արարատ ՍՊԸ", country="AM", phone="+374 10 123456")
    contact_create(actor=alice, company=ararat, first_name="Անի", last_name="Սարգսյան")
    mingguang = company_create(actor=alice, name="上海明光贸易有限公司", country="CN")
    contact_create(actor=alice, company=mingguang, first_name="伟", last_name="王")
    stroy = company_create(
        actor=alice, name="Stroymaterialy Trade Ltd", country="GB", website="stroymaterialy.co.uk"
    )
    return {
        "zazolc": zazolc,
        "cevapi": cevapi,
        "romashka": romashka,
        "ararat": ararat,
        "mingguang": mingguang,
        "stroy": stroy,
    }


def found(customers, query):
    ids = set(search_companies(Company.objects.all(), query).values_list("pk", flat=True))
    return sorted(name for name, company in customers.items() if company.pk in ids)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Polish
        ("zazolc", ["zazolc"]),
        ("ZAŻÓŁĆ gesla", ["zazolc"]),
        ("jaźń", ["zazolc"]),
        ("zaz", ["zazolc"]),
        # Bosnian: marks dropped, đ also as dj
        ("cevapi", ["cevapi"]),
        ("ĆEVAPI", ["cevapi"]),
        ("durdevak", ["cevapi"]),
        ("djurdjevak", ["cevapi"]),
        ("đurđ", ["cevapi"]),
        # Russian: ё is е
        ("ромашка", ["romashka"]),
        ("РОМ", ["romashka"]),
        ("елочка", ["romashka"]),
        ("ёлочка", ["romashka"]),
        ("ограниченной ответственностью", ["romashka"]),
        # Armenian
        ("արարատ", ["ararat"]),
        ("ԱՐԱՐ", ["ararat"]),
        # Chinese: any two consecutive characters, a single character anywhere
        ("明光", ["mingguang"]),
        ("光贸", ["mingguang"]),
        ("海明光贸", ["mingguang"]),
        ("有限公司", ["mingguang"]),
        ("明", ["mingguang"]),
        ("司", ["mingguang"]),
        ("光明", []),
        ("上贸", []),
        # English: word prefixes, every word
        ("stroy", ["stroy"]),
        ("stroymaterialy trade", ["stroy"]),
        ("troy", []),
        ("trade zazolc", []),
        # a company is found by its contacts
        ("kowalski", ["zazolc"]),
        ("jan kowal", ["zazolc"]),
        ("zazolc kowalski", ["zazolc"]),
        ("иван петров", ["romashka"]),
        ("սարգ", ["ararat"]),
        ("王", ["mingguang"]),
        ("ромашка kowalski", []),
        ("", ["ararat", "cevapi", "mingguang", "romashka", "stroy", "zazolc"]),
    ],
)
def test_it_finds_companies_by_any_word_in_every_script(customers, query, expected):
    assert found(customers, query) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["+7 495 123-45-67", "8 (495) 123-45-67", "4951234567", "74951234567", "+74951234567", "007 495 1234567"],
)
def test_it_finds_a_phone_in_any_format(customers, query):
    assert found(customers, query) == ["romashka"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("033 123 456", ["cevapi"]),  # national form with the trunk prefix
        ("+387 33 123456", ["cevapi"]),
        ("33123456", ["cevapi"]),
        ("+48221234567", ["zazolc"]),
        ("22 123 45 67", ["zazolc"]),
        ("+7 916 555-44-33", ["romashka"]),  # a contact's mobile
        ("89165554433", ["romashka"]),
        ("+374 10 123456", ["ararat"]),
        ("495 999", []),
    ],
)
def test_it_finds_phones_of_companies_and_contacts(customers, query, expected):
    assert found(customers, query) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["5213000101", "PL5213000101", "PL 521-300-01-01", "pl 5213000101", "521 300", "521-300-01-01"]
)
def test_it_finds_a_tax_id_with_or_without_prefix_and_spaces(customers, query):
    assert found(customers, query) == ["zazolc"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zazolc.pl", ["zazolc"]),
        ("https://www.zazolc.pl", ["zazolc"]),
        ("www.zazolc.pl/kontakt", ["zazolc"]),
        ("biuro@zazolc.pl", ["zazolc"]),
        ("gmail.com", ["zazolc"]),  # the domain of a contact's email
        ("jan.kowalski@gmail.com", ["zazolc"]),
        ("stroymaterialy.co.uk", ["stroy"]),
        ("http://stroymaterialy.co.uk/", ["stroy"]),
    ],
)
def test_it_finds_websites_domains_and_emails(customers, query, expected):
    assert found(customers, query) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"zazolc',
        "zazolc*",
        "*",
        "(zazolc",
        "zazolc)",
        "name:zazolc",
        "-zazolc",
        "NEAR(zazolc kowalski)",
        "zazolc AND",
        "OR zazolc",
        "NOT",
        "^zazolc",
        "zazolc + ",
        "'zazolc'",
        "\\zazolc",
        "zazolc:*",
        "zazolc & !x | y <-> z",
        "%_",
    ],
)
def test_search_syntax_typed_by_users_is_plain_text(customers, query):
    terms = [form for term in query_terms(query) for form in term]
    expected = ["zazolc"] if terms in (["zazolc"], []) else []
    if not terms:
        expected = sorted(customers)
    assert found(customers, query) == expected


@pytest.mark.django_db
def test_it_finds_contacts_by_their_words_or_their_companys(customers):
    def contacts(query):
        return list(
            search_contacts(Contact.objects.order_by("last_name"), query).values_list("last_name", flat=True)
        )

    assert contacts("kowalski") == ["Kowalski"]
    assert contacts("jan.kowalski@gmail.com") == ["Kowalski"]
    assert contacts("zazolc jan") == ["Kowalski"]
    assert contacts("иван") == ["Петров"]
    assert contacts("ромашка") == ["Петров"]
    assert contacts("89165554433") == ["Петров"]
    assert contacts("明光") == ["王"]
    assert contacts("ромашка kowalski") == []


@pytest.mark.django_db
def test_it_finds_only_what_the_user_may_see(customers, alice, carol):
    company_create(actor=carol, name="Zażółć Południe")
    assert list(
        search_companies(Company.objects.visible_to(carol), "zazolc").values_list("name", flat=True)
    ) == ["Zażółć Południe"]
    assert list(
        search_companies(Company.objects.visible_to(alice), "zazolc").values_list("name", flat=True)
    ) == ["Zażółć Gęślą Jaźń Sp. z o.o."]
    assert list(search_contacts(Contact.objects.visible_to(carol), "kowalski")) == []


@pytest.mark.django_db
def test_the_index_follows_changes_and_deletions(customers, alice):
    zazolc = customers["zazolc"]
    company_update(company=zazolc, actor=alice, version=zazolc.version, name="Wrocław Handel")
    assert found(customers, "wroclaw") == ["zazolc"]
    assert found(customers, "gesla") == []
    contact = Contact.objects.get(last_name="Kowalski")
    contact_delete(contact=contact, actor=alice)
    assert found(customers, "kowalski") == []
    customers["stroy"].delete()
    assert found(customers, "stroy") == []


@pytest.mark.django_db
def test_search_keeps_keyset_pagination(alice):
    Company.objects.bulk_create(
        Company(name=f"Acme {index:02}", owner=alice, search_text=index_text([f"Acme {index:02}"]))
        for index in range(7)
    )
    Company.objects.bulk_create([Company(name="Other", owner=alice, search_text="other")])
    names, cursor = [], None
    while True:
        page = keyset_paginate(
            search_companies(Company.objects.all(), "acme"), ordering=["-name", "-id"], cursor=cursor, limit=3
        )
        names += [company.name for company in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert names == [f"Acme {index:02}" for index in reversed(range(7))]


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [5, 1100])
def test_a_search_runs_a_fixed_number_of_queries_whether_few_or_many_rows_match(alice, rows):
    # SQLite counts the matches (at most COMMON_MATCHES) and, past them, walks the ordering index instead
    # of sorting every match; PostgreSQL fetches the longest term's matches when they are fewer and reads
    # the page from them; past COMMON_MATCHES it reads the page's ids first (see first_rows): the
    # longest word's matches, the ids its contacts' words point to, the page's ids, then the page.
    Company.objects.bulk_create(
        Company(name=f"Acme {index:04}", owner=alice, search_text=f"acme {index:04}") for index in range(rows)
    )
    with CaptureQueriesContext(connection) as queries:
        page = keyset_paginate(
            search_companies(Company.objects.all(), "acme 000"), ordering=["name", "id"], cursor=None, limit=3
        )
    assert [company.name for company in page.items] == ["Acme 0000", "Acme 0001", "Acme 0002"]
    common = connection.vendor == "postgresql" and rows > search.COMMON_MATCHES
    assert len(queries.captured_queries) == (4 if common else 2)


# Names as people type them, in the product's scripts, with marks, digits and punctuation.
names = st.text(
    alphabet=st.sampled_from(
        "abcxyzABCXYZąćęłńóśźżĄĆĘŁŃÓŚŹŻčćđšžČĆĐŠŽäöüßабвёжщйАБВЁЖЩЙաբգևԱԲԳ上海明光贸易有限公司0189 .-,&«»@/()\"'*:^"
    ),
    min_size=1,
    max_size=40,
).filter(lambda text: text.strip())


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=names)
@example(name="Đurđevak 123-45-67 上海明光")
@example(name="ООО «Ёлка» PL5213000101")
def test_every_word_of_any_name_finds_it(alice, name):
    Company.objects.all().delete()
    company = company_create(actor=alice, name=name)
    for word in name.split():
        if search_words(word):
            assert list(search_companies(Company.objects.all(), word)) == [company], word
    for run in "".join(ch if "\u4e00" <= ch <= "\u9fff" else " " for ch in name).split():
        for index in range(len(run) - 1):
            pair = run[index : index + 2]
            assert list(search_companies(Company.objects.all(), pair)) == [company], pair


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zeta", [f"Zeta {index:02}" for index in range(8)] + ["Zeta Unique"]),  # common: the whole list
        ("zeta unique", ["Zeta Unique"]),  # the longest word is rare
        ("zeta 03", ["Zeta 03"]),  # the longest word is common, the other rare
        ("unique zeta", ["Zeta Unique"]),
        ("kowalski zeta", ["Zeta 05"]),  # a contact's word
        ("kowalski", ["Other", "Zeta 05"]),
        ("zeta nothing", []),
        ("nowhere", []),
    ],
)
def test_rare_and_common_words_find_the_same_rows(alice, monkeypatch, query, expected):
    # Past three matches a word counts as common here: both ways of reading a search run on a few rows.
    monkeypatch.setattr(search, "COMMON_MATCHES", 3)
    made = {
        name: company_create(actor=alice, name=name)
        for name in [*(f"Zeta {index:02}" for index in range(8)), "Zeta Unique", "Other"]
    }
    contact_create(actor=alice, company=made["Zeta 05"], first_name="Jan", last_name="Kowalski")
    contact_create(actor=alice, company=made["Other"], first_name="Ewa", last_name="Kowalski")
    names, cursor = [], None
    while True:
        page = keyset_paginate(
            search_companies(Company.objects.all(), query), ordering=["name", "id"], cursor=cursor, limit=2
        )
        names += [company.name for company in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert names == expected
