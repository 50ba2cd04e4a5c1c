"""CompanyFilter: every filter's exact result set, the query string it reads and writes, and keyset
paging over every sort, ties and empty (null) values included."""

import datetime
import itertools

import pytest
import time_machine
from django.http import QueryDict

from klient.core.pagination import InvalidCursor, encode_cursor
from klient.customers.filters import COMPANY_SORTS, CompanyFilter, card_freshness
from klient.customers.models import Company
from klient.customers.services import company_create, company_set_tags

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC)


def days_ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(frozen, alice, bob, carol, south):
    """Six companies with one distinguishing value each, built by the services."""
    acme = company_create(
        actor=alice,
        name="Acme",
        country="PL",
        status="customer",
        segment="Retail",
        industry="Steel",
        is_key_account=True,
        source="exhibition",
    )
    beta = company_create(
        actor=alice,
        name="Beta",
        country="DE",
        status="prospect",
        segment="retail",
        industry="Food",
        source="referral",
        parent=acme,
    )
    gamma = company_create(actor=bob, name="Gamma", country="PL", status="lost", status_reason="Price")
    delta = company_create(actor=bob, name="Delta", country="AM", status="inactive", status_reason="Closed")
    epsilon = company_create(actor=carol, name="Epsilon", country="CN", team=south, parent=acme)
    zeta = company_create(actor=carol, name="Zeta", team=south, status="customer")
    company_set_tags(company=acme, names=["VIP", "Expo"], actor=alice)
    company_set_tags(company=beta, names=["Expo"], actor=alice)
    company_set_tags(company=gamma, names=["Ključni"], actor=bob)
    for company, contact, reviewed in [
        (acme, days_ago(1), days_ago(10)),
        (beta, days_ago(45), days_ago(30)),
        (gamma, days_ago(200), days_ago(90)),
        (delta, None, days_ago(91)),
        (epsilon, days_ago(30), None),
        (zeta, None, None),
    ]:
        Company.objects.filter(pk=company.pk).update(last_contact_at=contact, card_reviewed_at=reviewed)
    return {c.name: c for c in (acme, beta, gamma, delta, epsilon, zeta)}


def names(company_filter: CompanyFilter, username: str = "alice") -> list[str]:
    queryset = company_filter.apply(Company.objects.all(), username=username).order_by("name")
    return list(queryset.values_list("name", flat=True))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Acme", "Beta", "Delta", "Epsilon", "Gamma", "Zeta"]),
        ("owner=me", ["Acme", "Beta"]),
        ("owner=bob", ["Delta", "Gamma"]),
        ("owner=nobody", []),
        ("status=lost", ["Gamma"]),
        ("status=lost&status=inactive", ["Delta", "Gamma"]),
        ("status=customer&status=bogus", ["Acme", "Zeta"]),
        ("status=bogus", ["Acme", "Beta", "Delta", "Epsilon", "Gamma", "Zeta"]),
        ("segment=RETAIL", ["Acme", "Beta"]),
        ("industry=steel", ["Acme"]),
        ("country=pl", ["Acme", "Gamma"]),
        ("tag=vip", ["Acme"]),
        ("tag=Expo", ["Acme", "Beta"]),
        ("tag=VIP&tag=kljucni", ["Acme", "Gamma"]),
        ("tag=unknown", []),
        ("is_key_account=true", ["Acme"]),
        ("is_key_account=false", ["Beta", "Delta", "Epsilon", "Gamma", "Zeta"]),
        ("is_key_account=maybe", ["Acme", "Beta", "Delta", "Epsilon", "Gamma", "Zeta"]),
        ("last_contact=never", ["Delta", "Zeta"]),
        ("last_contact=30", ["Beta", "Delta", "Gamma", "Zeta"]),  # Epsilon: exactly 30 days ago is within
        ("last_contact=60", ["Delta", "Gamma", "Zeta"]),
        ("last_contact=soon", ["Acme", "Beta", "Delta", "Epsilon", "Gamma", "Zeta"]),
        ("freshness=fresh", ["Acme"]),
        ("freshness=ageing", ["Beta", "Gamma"]),
        ("freshness=stale", ["Delta"]),
        ("freshness=never", ["Epsilon", "Zeta"]),
        ("source=exhibition", ["Acme"]),
        ("source=referral", ["Beta"]),
        ("source=bogus", ["Acme", "Beta", "Delta", "Epsilon", "Gamma", "Zeta"]),
        ("status=customer&country=PL&tag=vip&owner=me", ["Acme"]),
        ("status=customer&country=DE", []),
    ],
)
def test_each_filter_gives_exactly_its_companies(world, query, expected):
    assert names(CompanyFilter.from_query(QueryDict(query))) == expected


def test_it_filters_by_team_parent_and_selection(world, south):
    assert names(CompanyFilter(team=str(south.pk))) == ["Epsilon", "Zeta"]
    assert names(CompanyFilter(parent=str(world["Acme"].pk))) == ["Beta", "Epsilon"]
    assert names(CompanyFilter(ids=[world["Zeta"].pk, world["Beta"].pk])) == ["Beta", "Zeta"]


def test_search_narrows_by_every_word(world):
    assert names(CompanyFilter(q="acme")) == ["Acme"]
    assert names(CompanyFilter(q="gam", status=["lost"])) == ["Gamma"]


def test_it_filters_within_what_the_user_sees(world, alice):
    company_filter = CompanyFilter(tag=["Expo", "Ključni"])
    visible = company_filter.apply(Company.objects.visible_to(alice), username=alice.username)
    assert sorted(visible.values_list("name", flat=True)) == ["Acme", "Beta"]


def test_the_query_string_round_trips_in_one_canonical_form():
    query = QueryDict(
        "sort=-updated&tag=VIP&tag=Expo&status=lost&q= acme &owner=&is_key_account=yes&ids=3&ids=x"
    )
    company_filter = CompanyFilter.from_query(query)
    assert company_filter == CompanyFilter(
        q="acme", status=["lost"], tag=["VIP", "Expo"], is_key_account=True, ids=[3], sort="-updated"
    )
    assert company_filter.to_query() == (
        "q=acme&status=lost&tag=VIP&tag=Expo&is_key_account=true&ids=3&sort=-updated"
    )
    assert CompanyFilter.from_query(QueryDict(company_filter.to_query())) == company_filter
    assert CompanyFilter.from_query({"status": ["lost", "customer"], "sort": "nonsense"}) == CompanyFilter(
        status=["lost", "customer"], sort="name"
    )
    assert CompanyFilter().to_query() == "sort=name"
    assert not CompanyFilter(sort="-name").is_filtering
    assert CompanyFilter(is_key_account=False).is_filtering


def test_card_freshness_bands():
    assert card_freshness(None, NOW) == "never"
    assert card_freshness(days_ago(29.9), NOW) == "fresh"
    assert card_freshness(days_ago(30), NOW) == "ageing"
    assert card_freshness(days_ago(90), NOW) == "ageing"
    assert card_freshness(days_ago(90.01), NOW) == "stale"


def _expected_order(sort: str) -> list[int]:
    """The order a sort promises, computed in Python: empty values last, then by id."""
    field_names = [name.lstrip("-") for name in COMPANY_SORTS[sort]]
    descending = sort.startswith("-")
    rows = list(Company.objects.values("pk", *field_names))

    def key(row):
        values = [row[name] for name in field_names]
        return (values[0] is None, [v if v is not None else 0 for v in values])

    with_value = sorted((r for r in rows if r[field_names[0]] is not None), key=key, reverse=descending)
    without_value = sorted(
        (r for r in rows if r[field_names[0]] is None), key=lambda r: r["pk"], reverse=descending
    )
    return [row["pk"] for row in [*with_value, *without_value]]


@pytest.mark.parametrize("sort", list(COMPANY_SORTS))
@pytest.mark.parametrize("page_size", [1, 2, 3, 7])
def test_keyset_pages_walk_every_sort_exactly_once_over_ties(frozen, alice, sort, page_size):
    # Ties everywhere: three names, two countries, two timestamps, and empty values for the nullable sorts.
    stamps = [days_ago(5), days_ago(1), None]
    Company.objects.bulk_create(
        Company(
            name=name,
            country=country,
            owner=alice,
            created_at=days_ago(index % 2),
            updated_at=days_ago(index % 2),
            last_contact_at=stamps[index % 3],
            card_reviewed_at=stamps[(index + 1) % 3],
        )
        for index, (name, country) in enumerate(
            itertools.product(["Acme", "Beta", "Acme"], ["PL", "DE", "PL"])
        )
    )
    company_filter = CompanyFilter(sort=sort)
    seen, cursor, pages = [], None, 0
    while True:
        page = company_filter.paginate(Company.objects.all(), cursor=cursor, limit=page_size)
        seen += [company.pk for company in page.items]
        pages += 1
        assert len(page.items) == page_size or page.next_cursor is None
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == _expected_order(sort)
    assert pages == -(-9 // page_size)


def test_a_nullable_sort_pages_from_the_last_dated_row_into_the_undated_ones(frozen, alice):
    dated = Company.objects.bulk_create(
        Company(name=f"D{i}", owner=alice, last_contact_at=days_ago(i)) for i in range(1, 3)
    )
    undated = Company.objects.bulk_create(Company(name=f"U{i}", owner=alice) for i in range(3))
    company_filter = CompanyFilter(sort="last_contact")
    first = company_filter.paginate(Company.objects.all(), cursor=None, limit=2)
    assert [c.pk for c in first.items] == [dated[1].pk, dated[0].pk]
    assert first.next_cursor == encode_cursor([None, None])
    second = company_filter.paginate(Company.objects.all(), cursor=first.next_cursor, limit=2)
    assert [c.pk for c in second.items] == [undated[0].pk, undated[1].pk]
    assert second.next_cursor == encode_cursor([None, undated[1].pk])
    third = company_filter.paginate(Company.objects.all(), cursor=second.next_cursor, limit=2)
    assert [c.pk for c in third.items] == [undated[2].pk]
    assert third.next_cursor is None


@pytest.mark.parametrize("cursor", ["broken", encode_cursor([None, "x"]), encode_cursor(["2026-01-01"])])
def test_a_foreign_cursor_is_refused(alice, cursor):
    with pytest.raises(InvalidCursor):
        CompanyFilter(sort="card_reviewed").paginate(Company.objects.all(), cursor=cursor, limit=5)
