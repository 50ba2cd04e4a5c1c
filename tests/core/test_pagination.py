"""Keyset pagination: opaque cursors, and every row exactly once, in order, whatever the page size."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klient.core.pagination import MAX_LIMIT, InvalidCursor, decode_cursor, encode_cursor, keyset_paginate
from klient.customers.models import Company
from klient.customers.selectors import SORTS

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.text(max_size=40),
)


@given(st.lists(json_scalars, max_size=6))
def test_a_cursor_decodes_to_the_values_it_was_made_from(values):
    cursor = encode_cursor(values)
    assert decode_cursor(cursor, len(values)) == values


@given(st.lists(json_scalars, min_size=1, max_size=6))
def test_a_cursor_is_url_safe_and_unpadded(values):
    cursor = encode_cursor(values)
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@given(st.lists(json_scalars, max_size=6), st.integers(min_value=0, max_value=8))
def test_a_cursor_of_another_length_is_refused(values, expected_length):
    if expected_length == len(values):
        expected_length += 1
    with pytest.raises(InvalidCursor):
        decode_cursor(encode_cursor(values), expected_length)


@given(st.text(max_size=60))
def test_any_text_either_decodes_or_is_refused_as_a_cursor(text):
    try:
        values = decode_cursor(text, 2)
    except InvalidCursor:
        return
    assert isinstance(values, list)
    assert len(values) == 2


@pytest.mark.parametrize("cursor", ["", "!!!", "bm90IGpzb24", encode_cursor({"a": 1}), encode_cursor("ab")])  # type: ignore[arg-type]
def test_it_refuses_cursors_that_are_not_lists_of_values(cursor):
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, 2)


BASE = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)

rows = st.lists(
    st.tuples(
        st.sampled_from(["Acme", "acme", "Beta", "Ćevapi", "Zeta", "Ромашка", "A"]),
        st.sampled_from(["", "PL", "BA", "GB"]),
        st.integers(min_value=0, max_value=3),  # few distinct creation times: many ties
    ),
    max_size=25,
)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rows, sort=st.sampled_from(sorted(SORTS)), limit=st.integers(min_value=1, max_value=7))
def test_following_the_cursors_gives_every_row_exactly_once_in_order(rows, sort, limit):
    with transaction.atomic():
        Company.objects.bulk_create(
            Company(name=name, country=country, created_at=BASE + datetime.timedelta(hours=hour))
            for name, country, hour in rows
        )
        ordering = SORTS[sort]
        expected = list(Company.objects.order_by(*ordering).values_list("pk", flat=True))

        seen: list[int] = []
        cursor = None
        pages = 0
        while True:
            page = keyset_paginate(Company.objects.all(), ordering=ordering, cursor=cursor, limit=limit)
            pages += 1
            assert len(page.items) <= limit
            seen += [company.pk for company in page.items]
            if page.next_cursor is None:
                break
            assert len(page.items) == limit
            cursor = page.next_cursor

        assert seen == expected
        assert pages == max(1, -(-len(rows) // limit))
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_limit_is_clamped_between_one_and_the_maximum():
    Company.objects.bulk_create(Company(name=f"C{i:03}") for i in range(MAX_LIMIT + 5))
    assert (
        len(keyset_paginate(Company.objects.all(), ordering=["name", "id"], cursor=None, limit=0).items) == 1
    )
    huge = keyset_paginate(Company.objects.all(), ordering=["name", "id"], cursor=None, limit=10_000)
    assert len(huge.items) == MAX_LIMIT
    assert huge.next_cursor == encode_cursor([f"C{MAX_LIMIT - 1:03}", huge.items[-1].pk])


@pytest.mark.django_db
def test_a_cursor_with_values_of_the_wrong_type_is_refused():
    Company.objects.create(name="Acme")
    with pytest.raises(InvalidCursor):
        keyset_paginate(
            Company.objects.all(),
            ordering=["-created_at", "-id"],
            cursor=encode_cursor(["soon", "x"]),
            limit=5,
        )


@pytest.mark.django_db
@pytest.mark.parametrize(("ordering", "bound"), [(["name", "id"], ">"), (["-name", "-id"], "<")])
def test_a_deep_page_starts_its_index_range_at_the_cursor(ordering, bound):
    """The page after a cursor is an index range from the cursor's first value on: the databases do not
    read (and drop) the rows before it."""
    Company.objects.bulk_create(Company(name=f"C{index:04}") for index in range(400))
    deep = Company.objects.order_by(*ordering)[200]
    cursor = encode_cursor([deep.name, deep.pk])
    with CaptureQueriesContext(connection) as queries:
        page = keyset_paginate(Company.objects.all(), ordering=ordering, cursor=cursor, limit=5)
    assert [company.name for company in page.items] == [
        f"C{index:04}" for index in (range(201, 206) if bound == ">" else range(198, 193, -1))
    ]
    (query,) = queries.captured_queries
    with connection.cursor() as database:
        if connection.vendor == "sqlite":
            database.execute(f"EXPLAIN QUERY PLAN {query['sql']}")
            plan = " ".join(str(row[-1]) for row in database.fetchall())
            assert f"(name{bound}?)" in plan
        else:
            database.execute("SET LOCAL enable_seqscan = off")
            database.execute(f"EXPLAIN {query['sql']}")
            plan = " ".join(row[0] for row in database.fetchall())
            assert f"Index Cond: ((name)::text {bound}= " in plan, plan
