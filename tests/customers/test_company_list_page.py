"""The company list page: filters in the URL, htmx partials, sortable columns, "Show more", query counts."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from klient.core.models import SavedView, Tag
from klient.core.pagination import encode_cursor
from klient.customers.models import Company
from klient.customers.services import company_create, company_set_tags

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<tr data-company="(\d+)">.*?<td data-name><a href="[^"]+"[^>]*>([^<]+)</a>', re.S)
NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC)


def rows(response) -> list[str]:
    """The company names listed on a page, in order."""
    return [name for _pk, name in ROW.findall(response.content.decode())]


def next_link(response) -> str | None:
    match = re.search(r'<a href="([^"]+)" data-next-page', response.content.decode())
    return match.group(1).replace("&amp;", "&") if match else None


@pytest.fixture
def portfolio(alice, bob, mike, south):
    company_create(actor=alice, name="Alice PL", country="PL")
    company_create(actor=alice, name="Alice DE", country="DE")
    company_create(actor=bob, name="Bob PL", country="PL")
    company_create(actor=mike, name="Mike South", team=south)


def test_it_lists_what_the_user_sees_sorted_by_name(login, mike, portfolio):
    assert rows(login(mike).get("/companies/")) == ["Alice DE", "Alice PL", "Bob PL", "Mike South"]


def test_an_account_manager_sees_only_theirs(login, alice, portfolio):
    assert rows(login(alice).get("/companies/")) == ["Alice DE", "Alice PL"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("owner=me", ["Mike South"]),
        ("owner=bob", ["Bob PL"]),
        ("country=PL", ["Alice PL", "Bob PL"]),
        ("country=DE&owner=", ["Alice DE"]),
        ("sort=-name", ["Mike South", "Bob PL", "Alice PL", "Alice DE"]),
        ("sort=country", ["Mike South", "Alice DE", "Alice PL", "Bob PL"]),
        ("sort=-country", ["Bob PL", "Alice PL", "Alice DE", "Mike South"]),
        ("q=alice", ["Alice DE", "Alice PL"]),
        ("sort=bogus", ["Alice DE", "Alice PL", "Bob PL", "Mike South"]),
        ("status=prospect&status=lost", ["Alice DE", "Alice PL", "Bob PL", "Mike South"]),
        ("status=customer", []),
    ],
)
def test_it_filters_and_sorts_by_the_url(login, mike, portfolio, query, expected):
    assert rows(login(mike).get(f"/companies/?{query}")) == expected


def test_it_filters_by_team(login, mike, south, north, portfolio):
    client = login(mike)
    assert rows(client.get(f"/companies/?team={south.pk}")) == ["Mike South"]
    assert rows(client.get(f"/companies/?team={north.pk}")) == ["Alice DE", "Alice PL", "Bob PL"]


def test_it_says_so_when_nothing_matches(login, mike, portfolio):
    page = login(mike).get("/companies/?q=nothing-like-this").content.decode()
    assert "No companies match." in page
    assert "data-next-page" not in page


def test_a_filter_change_through_htmx_answers_the_results_and_the_canonical_url(login, mike, portfolio):
    response = login(mike).get(
        "/companies/?q=&owner=&country=PL&status=customer&status=prospect&sort=name",
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert "<html" not in body
    assert body.lstrip().startswith('<div id="list-results"')
    assert rows(response) == ["Alice PL", "Bob PL"]
    assert response["HX-Push-Url"] == "/companies/?status=customer&status=prospect&country=PL&sort=name"


def test_the_filters_panel_shows_the_filters_of_the_url(login, mike, portfolio, south):
    body = (
        login(mike)
        .get(f"/companies/?status=lost&team={south.pk}&is_key_account=true&country=PL")
        .content.decode()
    )
    assert '<option value="PL" selected>Poland</option>' in body
    assert re.search(r'<input type="checkbox" name="status" value="lost"[^>]* checked', body)
    assert f'<option value="{south.pk}" selected>South</option>' in body
    assert '<option value="true" selected>Yes</option>' in body
    assert '<details class="filters-panel" open>' in body


def test_column_headers_sort_and_sort_back(login, mike, portfolio):
    client = login(mike)
    body = client.get("/companies/?country=PL").content.decode()
    assert 'aria-sort="ascending"><a href="?country=PL&amp;sort=-name"' in body
    assert 'href="?country=PL&amp;sort=last_contact"' in body
    descending = client.get("/companies/?country=PL&sort=-name").content.decode()
    assert 'aria-sort="descending"><a href="?country=PL&amp;sort=name"' in descending


def test_rows_show_status_tags_last_contact_and_card_freshness(login, alice):
    with time_machine.travel(NOW, tick=False):
        reviewed = company_create(actor=alice, name="Reviewed")
        never = company_create(actor=alice, name="Never")
        company_set_tags(company=reviewed, names=["VIP", "Expo 2026"], actor=alice)
        Company.objects.filter(pk=reviewed.pk).update(
            card_reviewed_at=NOW - datetime.timedelta(days=40),
            last_contact_at=NOW - datetime.timedelta(days=2),
        )
        body = login(alice).get("/companies/").content.decode()
    reviewed_row = body.split(f'data-company="{reviewed.pk}"')[1].split("</tr>")[0]
    never_row = body.split(f'data-company="{never.pk}"')[1].split("</tr>")[0]
    assert '<span class="badge">Expo 2026</span> <span class="badge">VIP</span>' in reviewed_row
    assert 'data-freshness="ageing" title="Ageing (30–90 days)">Ageing</span>' in reviewed_row
    assert '<time datetime="2026-06-13T12:00:00+00:00">' in reviewed_row
    assert 'data-freshness="never" title="Never reviewed">Not reviewed</span>' in never_row
    assert ">never</span>" in never_row


def test_a_row_is_written_exactly_with_every_text_escaped(login, make_user, north):
    owner = make_user("eve", "account_manager", north, first_name='<i>Eve</i> "E"', last_name="O'Neil & Co")
    north.name = "<North>"
    north.save(update_fields=["name"])
    with time_machine.travel(NOW, tick=False):
        company = company_create(
            actor=owner, name='<script>alert("x")</script> & Sons', country="PL", is_key_account=True
        )
        company_set_tags(company=company, names=["<b>VIP</b>"], actor=owner)
        Company.objects.filter(pk=company.pk).update(last_contact_at=NOW - datetime.timedelta(days=2))
        body = login(owner).get("/companies/").content.decode()
    row = body.split(f'<tr data-company="{company.pk}">')[1].split("</tr>")[0]
    version = Company.objects.get(pk=company.pk).version
    assert row == (
        f'<td class="select-cell"><input type="checkbox" name="selected" value="{company.pk}:{version}"'
        f' aria-labelledby="company-{company.pk}"></td>'
        f'<td data-name><a href="/companies/{company.pk}/" id="company-{company.pk}">'
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Sons</a>"
        ' <span class="badge" title="Key account">Key</span>'
        f' <a href="/companies/{company.pk}/?log=call#call-form" class="row-action" data-action="log-call"'
        ' title="Log call" aria-label="Log call">☎</a></td>'
        '<td data-status="prospect">Prospect</td>'
        '<td class="wide-only">Poland</td>'
        '<td class="wide-only">&lt;i&gt;Eve&lt;/i&gt; &quot;E&quot; O&#x27;Neil &amp; Co</td>'
        '<td class="wide-only">&lt;North&gt;</td>'
        '<td class="wide-only" data-tags><span class="badge">&lt;b&gt;VIP&lt;/b&gt;</span></td>'
        '<td class="wide-only"><time datetime="2026-06-13T12:00:00+00:00">06/13/2026</time></td>'
        '<td><span class="freshness freshness-never" data-freshness="never" title="Never reviewed">'
        "Not reviewed</span></td>"
        "<td>—</td>"
    )


def test_show_more_pages_through_55_companies_50_at_a_time(login, alice):
    Company.objects.bulk_create(
        Company(name=f"Company {index:02}", owner=alice, team=alice.team) for index in range(55)
    )
    client = login(alice)

    first = client.get("/companies/?country=&sort=name")
    assert rows(first) == [f"Company {index:02}" for index in range(50)]
    last_on_first = Company.objects.get(name="Company 49")
    assert next_link(first) == f"?sort=name&cursor={encode_cursor(['Company 49', last_on_first.pk])}"

    second = client.get("/companies/" + next_link(first))
    assert rows(second) == [f"Company {index:02}" for index in range(50, 55)]
    assert next_link(second) is None


def test_show_more_through_htmx_answers_only_the_rows(login, alice):
    Company.objects.bulk_create(
        Company(name=f"Company {index:02}", owner=alice, team=alice.team) for index in range(52)
    )
    client = login(alice)
    cursor = next_link(client.get("/companies/")).split("cursor=")[1]

    fragment = client.get(f"/companies/?cursor={cursor}", headers={"HX-Request": "true"})

    body = fragment.content.decode()
    assert "<html" not in body
    assert "list-results" not in body
    assert rows(fragment) == ["Company 50", "Company 51"]


def test_a_broken_page_link_shows_the_first_page_with_a_message(login, alice):
    company_create(actor=alice, name="Acme")
    response = login(alice).get("/companies/?cursor=broken")
    assert response.status_code == 200
    assert rows(response) == ["Acme"]
    assert "That page link is no longer valid; showing the first page." in response.content.decode()


def _queries(client, url: str, expected_rows: int) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert len(rows(response)) == expected_rows
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.parametrize("query", ["", "sort=last_contact", "sort=-card_reviewed&tag=vip&status=prospect"])
def test_it_issues_the_same_number_of_queries_for_5_and_for_50_rows(login, alice, bob, south, query):
    vip = Tag.objects.create(name="VIP", key="vip")
    SavedView.objects.create(user=alice, list_name="companies", name="Mine", query="owner=me&sort=name")
    client = login(alice)
    Company.objects.bulk_create(
        Company(name=f"A{index:02}", owner=alice, team=alice.team) for index in range(5)
    )
    for company in Company.objects.all():
        company.tags.add(vip)
    client.get(f"/companies/?{query}")  # warm caches that are filled once per process
    five = _queries(client, f"/companies/?{query}", 5)
    more = Company.objects.bulk_create(
        Company(
            name=f"B{index:02}",
            owner=alice,
            team=bob.team if index % 2 else south,
            last_contact_at=timezone.now() if index % 3 else None,
            card_reviewed_at=timezone.now() if index % 2 else None,
        )
        for index in range(45)
    )
    for company in more:
        company.tags.add(vip, Tag.objects.get_or_create(name=company.name, key=company.name.lower())[0])
    fifty = _queries(client, f"/companies/?{query}", 50)
    assert len(five) == len(fifty), fifty
    # The saved views are read once, for the default view and the saved-views menu together.
    assert sum('FROM "core_savedview"' in sql for sql in fifty) == 1


def test_the_next_rows_take_the_same_number_of_queries_whatever_their_count(login, alice):
    Company.objects.bulk_create(
        Company(name=f"A{index:03}", owner=alice, team=alice.team) for index in range(150)
    )
    client = login(alice)
    first = client.get("/companies/")
    cursor = next_link(first).split("cursor=")[1]
    with CaptureQueriesContext(connection) as second:
        assert len(rows(client.get(f"/companies/?cursor={cursor}", headers={"HX-Request": "true"}))) == 50
    last_cursor = encode_cursor(["A144", Company.objects.get(name="A144").pk])
    with CaptureQueriesContext(connection) as last:
        assert len(rows(client.get(f"/companies/?cursor={last_cursor}", headers={"HX-Request": "true"}))) == 5
    assert len(second) == len(last)


def test_the_navigation_marks_the_contacts_list_as_current_on_its_page(login, alice):
    body = login(alice).get("/companies/contacts/").content.decode()
    assert '<a href="/companies/contacts/" data-nav="contacts" aria-current="page">Contacts</a>' in body
    assert '<a href="/companies/" data-nav="companies">Companies</a>' in body
