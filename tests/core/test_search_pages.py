"""Pages of searches for common words: on PostgreSQL `first_rows` finds a page's ids by walking the list's
ordering or by sorting every match once (klient.core.search.first_rows). Whichever way it reads, every
page must hold the rows the search's own conditions give, in the same order; on SQLite the queryset is
read as it is, so the same tests hold there too."""

import datetime

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from klient.core import search
from klient.core.pagination import keyset_paginate
from klient.core.search import first_rows, search_companies, search_contacts
from klient.customers.filters import keyset_paginate_nulls_last
from klient.customers.models import Company, CompanyStatus, Contact
from klient.customers.services import company_create, contact_create

COMPANY_ORDERINGS = [
    ["name", "id"],
    ["-name", "-id"],
    ["created_at", "id"],
    ["-updated_at", "-id"],
    ["country", "name", "id"],
    ["-country", "-name", "-id"],
]


@pytest.fixture
def base(alice, carol):
    """Twelve "Zeta" companies spread over two owners, countries, statuses and contact dates, and others
    between them in name order; contacts named Kowalski at some."""
    now = timezone.now()
    made = {}
    names = [f"Zeta {index:02}" for index in range(12)] + ["Alpha Kowal", "Mid Zeta Point", "Omega", "Beta"]
    for index, name in enumerate(names):
        made[name] = company_create(
            actor=alice if index % 3 else carol,
            name=name,
            country=["PL", "BA", "RU"][index % 3],
            status=CompanyStatus.CUSTOMER if index % 2 else CompanyStatus.PROSPECT,
        )
        if index % 4 == 0:
            Company.objects.filter(pk=made[name].pk).update(
                last_contact_at=now - datetime.timedelta(days=index)
            )
    for name in ["Zeta 03", "Zeta 07", "Omega", "Alpha Kowal"]:
        contact_create(actor=made[name].owner, company=made[name], first_name="Jan", last_name="Kowalski")
    contact_create(actor=made["Zeta 08"].owner, company=made["Zeta 08"], first_name="Zeta", last_name="Nowak")
    return made


def pages(queryset, ordering, *, limit=2, paginate=keyset_paginate):
    """Every row of the search, page after page, as names."""
    names, cursor = [], None
    while True:
        page = paginate(queryset, ordering=ordering, cursor=cursor, limit=limit)
        names += [
            row.name if isinstance(row, Company) else f"{row.last_name} @ {row.company.name}"
            for row in page.items
        ]
        if page.next_cursor is None:
            return names
        cursor = page.next_cursor


def expected(queryset, ordering):
    """The search's own conditions, read whole: the oracle."""
    rows = list(queryset.order_by(*ordering))
    return [row.name if isinstance(row, Company) else f"{row.last_name} @ {row.company.name}" for row in rows]


@pytest.fixture(params=[1, 3, 1000], ids=["walk-one-row", "walk-three-rows", "walk-far"])
def common(request, monkeypatch):
    """Past two matches a word counts as common; the walk goes 1, 3 or 1,000 rows far, so that it finds
    a page, part of one, or nothing before the matches are sorted."""
    monkeypatch.setattr(search, "COMMON_MATCHES", 2)
    monkeypatch.setattr(search, "WALK_ROWS", request.param)
    return request.param


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", COMPANY_ORDERINGS, ids=lambda ordering: ",".join(ordering))
@pytest.mark.parametrize("query", ["zeta", "kowalski", "zeta kowalski", "zeta 0", "nothing-like-it"])
def test_every_page_of_a_common_word_holds_the_searched_rows_in_order(base, common, ordering, query):
    found = search_companies(Company.objects.all(), query)
    assert pages(found, ordering) == expected(found, ordering)
    assert pages(found, ordering, limit=5) == expected(found, ordering)


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", [["last_contact_at", "id"], ["-last_contact_at", "-id"]])
def test_a_nullable_ordering_keeps_rows_without_a_value_last(base, common, ordering):
    found = search_companies(Company.objects.all(), "zeta")
    with_value = expected(found.filter(last_contact_at__isnull=False), ordering)
    without_value = expected(
        found.filter(last_contact_at__isnull=True), ["-id" if ordering[0][0] == "-" else "id"]
    )
    assert pages(found, ordering, paginate=keyset_paginate_nulls_last) == with_value + without_value
    assert len(with_value) == 3
    assert len(without_value) == 10


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", COMPANY_ORDERINGS[:2], ids=["name", "-name"])
def test_visibility_and_other_filters_hold(base, common, alice, carol, ordering):
    for user in (alice, carol):
        found = search_companies(Company.objects.visible_to(user), "zeta").filter(
            status=CompanyStatus.CUSTOMER
        )
        assert pages(found, ordering) == expected(found, ordering)
    seen_by_carol = search_companies(Company.objects.visible_to(carol), "zeta")
    assert pages(seen_by_carol, ordering) == expected(seen_by_carol, ordering)
    assert all(
        name in {f"Zeta {index:02}" for index in range(0, 12, 3)} for name in pages(seen_by_carol, ordering)
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "ordering", [["last_name", "first_name", "id"], ["-last_name", "-first_name", "-id"]], ids=["a-z", "z-a"]
)
@pytest.mark.parametrize("query", ["kowalski", "zeta", "omega jan", "zeta nowak"])
def test_contacts_pages_hold_the_searched_rows_in_order(base, common, ordering, query):
    found = search_contacts(Contact.objects.select_related("company"), query)
    assert pages(found, ordering) == expected(found, ordering)


@pytest.mark.django_db
def test_the_queryset_given_is_not_changed_and_other_querysets_pass_through(base, common):
    found = search_companies(Company.objects.all(), "zeta").order_by("name", "id")
    before = str(found.query)
    first = list(first_rows(found, 3))
    assert str(found.query) == before
    assert [company.name for company in first[:3]] == ["Mid Zeta Point", "Zeta 00", "Zeta 01"]
    plain = Company.objects.filter(country="PL").order_by("name", "id")
    assert first_rows(plain, 3) is plain
    narrowed = first_rows(plain, 3, after=Q(name__gt="Zeta 05"))
    assert [company.name for company in narrowed] == ["Zeta 06", "Zeta 09"]


@pytest.mark.django_db
def test_a_common_word_page_runs_a_fixed_number_of_queries(base, monkeypatch):
    monkeypatch.setattr(search, "COMMON_MATCHES", 2)
    counts = []
    for walk_rows in (1, 1000):
        monkeypatch.setattr(search, "WALK_ROWS", walk_rows)
        with CaptureQueriesContext(connection) as queries:
            keyset_paginate(
                search_companies(Company.objects.all(), "zeta"), ordering=["name", "id"], cursor=None, limit=2
            )
        counts.append(len(queries.captured_queries))
    # SQLite: count matches, read the page. PostgreSQL: the longest word's first matches, the related
    # ids (one query for all terms), the walk (which finds the page's ids with 1,000 rows to go, and not
    # with one: then the matches are sorted, one query more), then the page.
    assert counts == ([2, 2] if connection.vendor == "sqlite" else [5, 4])


@pytest.mark.django_db
@pytest.mark.parametrize("common_matches", [0, 1000], ids=["related-too-many-to-list", "related-listed"])
def test_a_walk_finds_rows_by_their_related_words_before_rows_by_their_own(
    alice, monkeypatch, common_matches
):
    """Rows matched only through related records come first in the order, and the rows matched by their
    own words would fill the page without them: the walk must see both kinds, whether the related ids are
    listed or (too many to list) looked up row by row."""
    monkeypatch.setattr(search, "COMMON_MATCHES", common_matches)
    monkeypatch.setattr(search, "WALK_ROWS", 1000)
    firm = company_create(actor=alice, name="A Firm")
    contact_create(actor=alice, company=firm, first_name="Jan", last_name="Kowalski")
    for name in ["B Kowalski", "C Kowalski", "D Kowalski"]:
        company_create(actor=alice, name=name)
    bau = company_create(actor=alice, name="Kowalski Bau")
    contact_create(actor=alice, company=bau, first_name="Ewa", last_name="Adamska")
    other = company_create(actor=alice, name="Other")
    for first_name in ["Bartosz", "Cezary", "Dawid"]:
        contact_create(actor=alice, company=other, first_name=first_name, last_name="Kowalski")

    companies = search_companies(Company.objects.all(), "kowalski")
    with CaptureQueriesContext(connection) as queries:
        page = keyset_paginate(companies, ordering=["name", "id"], cursor=None, limit=2)
    contacts = search_contacts(Contact.objects.select_related("company"), "kowalski")
    contact_page = keyset_paginate(contacts, ordering=["last_name", "first_name", "id"], cursor=None, limit=2)

    assert [company.name for company in page.items] == ["A Firm", "B Kowalski"]
    assert [(contact.last_name, contact.first_name) for contact in contact_page.items] == [
        ("Adamska", "Ewa"),
        ("Kowalski", "Bartosz"),
    ]
    assert pages(companies, ["name", "id"]) == expected(companies, ["name", "id"])
    assert pages(contacts, ["last_name", "first_name", "id"]) == expected(
        contacts, ["last_name", "first_name", "id"]
    )
    if connection.vendor == "postgresql" and common_matches == 0:
        # The related ids, the walk (which found the page), the page (the longest word's first matches
        # were read when the search was made).
        assert len(queries.captured_queries) == 3
