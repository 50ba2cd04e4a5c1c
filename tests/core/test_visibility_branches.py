"""Visibility as branches: lists read each branch (one owner, one team, one user's account teams) in its
own index order, and show exactly the pages the single visibility condition gives."""

from __future__ import annotations

import datetime
import functools
import operator

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from klient.core.pagination import keyset_paginate
from klient.core.search import search_companies
from klient.core.services import delegation_create
from klient.core.visibility import MAX_BRANCHES, company_visibility_branches, forget
from klient.customers.models import AccountTeamMember, Company
from klient.customers.services import company_search_text

ORDERINGS = [["name", "id"], ["-created_at", "-id"], ["country", "name", "id"]]


@pytest.fixture
def companies(alice, bob, carol, mike, north, south):
    """Companies of every kind of owner and team, names interleaved so that no user's rows are together."""
    start = timezone.now() - datetime.timedelta(days=30)
    owners = [alice, bob, carol, mike, None]
    teams = [north, south, None]
    made = [
        Company(
            name=f"{'ABCDEFGH'[index % 8]} company {index:02}",
            country=["PL", "DE", "BA"][index % 3],
            owner=owners[index % 5],
            team=teams[index % 3],
            created_at=start + datetime.timedelta(hours=index),
        )
        for index in range(60)
    ]
    Company.objects.bulk_create(made)
    stored = list(Company.objects.order_by("id"))
    # carol is on the account team of two of North's companies, alice of one of South's.
    AccountTeamMember.objects.create(company=stored[0], user=carol, role="support")
    AccountTeamMember.objects.create(company=stored[6], user=carol, role="support")
    AccountTeamMember.objects.create(company=stored[7], user=alice, role="support")
    return stored


def _all_pages(queryset, ordering, *, branches: bool) -> list[int]:
    if not branches:
        queryset = queryset.all()
        queryset.visibility_user = None
    ids, cursor = [], None
    while True:
        page = keyset_paginate(queryset, ordering=ordering, cursor=cursor, limit=4)
        ids += [company.pk for company in page.items]
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


@pytest.mark.parametrize("who", ["alice", "carol", "mike", "root", "sam"])
def test_the_branches_are_the_visibility(request, companies, who):
    user = request.getfixturevalue(who)
    branches = company_visibility_branches(user)
    visible = set(Company.objects.visible_to(user).values_list("id", flat=True))
    if who in {"root", "sam"}:
        assert branches is None  # they see every company: nothing to narrow
        assert len(visible) == 60
        return
    assert set(
        Company.objects.filter(functools.reduce(operator.or_, branches)).values_list("id", flat=True)
    ) == (visible)


def test_a_sales_manager_s_branches_are_each_owner_and_team(companies, mike, alice, bob):
    # North's lead: one branch for the team, one for each of its three members, one for his account teams.
    branches = company_visibility_branches(mike)
    assert len(branches) == 5
    owned_by_members = {alice.pk, bob.pk, mike.pk}
    assert {branch.children[0] for branch in branches[:-1]} == {
        ("team_id", mike.team_id),
        *(("owner_id", pk) for pk in owned_by_members),
    }


@pytest.mark.parametrize("ordering", ORDERINGS)
@pytest.mark.parametrize("who", ["alice", "carol", "mike"])
def test_every_page_is_the_one_the_single_condition_gives(request, companies, who, ordering):
    user = request.getfixturevalue(who)
    with_branches = _all_pages(Company.objects.visible_to(user), ordering, branches=True)
    without = _all_pages(Company.objects.visible_to(user), ordering, branches=False)
    assert with_branches == without
    assert len(with_branches) == Company.objects.visible_to(user).count()


def test_a_filtered_list_keeps_its_filter_in_every_branch(companies, mike):
    visible = Company.objects.visible_to(mike).filter(country="DE")
    assert _all_pages(visible, ["name", "id"], branches=True) == _all_pages(
        visible, ["name", "id"], branches=False
    )
    assert {
        company.country
        for company in Company.objects.filter(pk__in=_all_pages(visible, ["name", "id"], branches=True))
    } == {"DE"}


def test_a_deputy_reads_the_absent_user_s_branches_too(companies, alice, carol):
    with time_machine.travel(timezone.now(), tick=False):
        today = timezone.localdate()
        delegation_create(absent_user=alice, deputy=carol, starts_on=today, ends_on=today, actor=alice)
        forget(carol)
        pages = _all_pages(Company.objects.visible_to(carol), ["name", "id"], branches=True)
        assert pages == _all_pages(Company.objects.visible_to(carol), ["name", "id"], branches=False)
        assert set(pages) == set(Company.objects.visible_to(alice).values_list("id", flat=True)) | set(
            Company.objects.filter(owner=carol).values_list("id", flat=True)
        ) | {companies[0].pk, companies[6].pk}


def test_a_page_is_one_query(companies, alice):
    queryset = Company.objects.visible_to(alice)
    company_visibility_branches(alice)  # role settings and delegations are read once per request
    with CaptureQueriesContext(connection) as queries:
        keyset_paginate(queryset, ordering=["name", "id"], cursor=None, limit=4)
    assert len(queries) == 1
    assert " UNION ALL " in queries[0]["sql"]


def test_a_search_reads_its_own_matches_not_the_branches(companies, mike):
    for company in companies:
        Company.objects.filter(pk=company.pk).update(search_text=company_search_text(company))
    searched = search_companies(Company.objects.visible_to(mike), "company 05")
    assert searched.visibility_user is None
    assert [company.name for company in searched] == ["F company 05"]


def test_too_many_branches_read_the_single_condition(companies, mike, make_user, north):
    for index in range(MAX_BRANCHES):
        make_user(f"member{index}", "account_manager", north)
    forget(mike)
    assert company_visibility_branches(mike) is None
