"""Management commands: createuser, token, demo."""

import datetime
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import models
from django.db.models import Count

from klient.activities.calllists.models import CallList
from klient.activities.models import Activity
from klient.activities.myday import myday_build
from klient.core.demo import DEMO_COMPANIES, DEMO_USERS
from klient.core.models import ApiToken, AuditEntry, Role, Team, User
from klient.core.roles import SALES_ROLES
from klient.customers.models import Company, Contact
from klient.reports.models import MonthlyReport
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

MONDAY = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_createuser_creates_the_team_and_a_user_in_the_role():
    output = run(
        "createuser", "zed", "--role", "telesales", "--team", "West", "--password", "x", "--email", "z@e.com"
    )

    assert output == "Created user zed (telesales) in team West.\n"
    user = User.objects.get(username="zed")
    assert (user.role, user.team.name, user.email) == ("telesales", "West", "z@e.com")
    assert list(user.groups.values_list("name", flat=True)) == ["telesales"]
    assert user.check_password("x")
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert list(Team.objects.values_list("name", flat=True)) == ["West"]


def test_createuser_without_a_password_makes_an_account_that_cannot_sign_in_yet():
    run("createuser", "nopass", "--role", "read_only")
    user = User.objects.get(username="nopass")
    assert user.has_usable_password() is False
    assert user.team is None


def test_createuser_makes_administrators_superusers():
    run("createuser", "boss", "--role", "admin", "--password", "x")
    user = User.objects.get(username="boss")
    assert (user.is_staff, user.is_superuser) == (True, True)


def test_createuser_refuses_an_unknown_role():
    with pytest.raises(CommandError) as error:
        run("createuser", "zed", "--role", "wizard", "--team", "West")
    assert "invalid choice: 'wizard'" in str(error.value)
    assert not User.objects.filter(username="zed").exists()
    assert not Team.objects.exists()


def test_createuser_refuses_a_taken_name_whatever_its_case(alice):
    users_before = User.objects.count()
    with pytest.raises(CommandError) as error:
        run("createuser", "ALICE", "--role", "telesales")
    assert str(error.value) == "username: A user named “ALICE” already exists."
    assert User.objects.count() == users_before


def test_createuser_refuses_an_unknown_time_zone():
    with pytest.raises(CommandError) as error:
        run("createuser", "zed", "--role", "telesales", "--timezone", "Mars/Olympus")
    assert "timezone" in str(error.value)
    assert not User.objects.filter(username="zed").exists()


def test_token_create_prints_a_working_token_alone_on_the_last_line(alice):
    output = run("token", "create", "alice")

    lines = output.splitlines()
    assert lines[0] == "Created a read-write token for alice. It is shown only once:"
    raw = lines[-1]
    assert raw.startswith("kl_")
    assert raw == raw.strip()
    assert ApiClient(raw).get("/me").json()["username"] == "alice"
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.is_read_only) == (alice, "command line", False)


def test_token_create_read_only(alice, api):
    raw = run("token", "create", "alice", "--read-only", "--name", "ci").splitlines()[-1]
    client = ApiClient(raw)
    assert client.get("/me").status_code == 200
    assert client.post("/companies", {"name": "Acme"}).status_code == 403
    assert ApiToken.objects.get().name == "ci"


def test_token_list_and_revoke(alice):
    raw = run("token", "create", "alice").splitlines()[-1]
    token = ApiToken.objects.get()
    assert run("token", "list", "alice") == f"{token.pk}\t{token.prefix}…\tcommand line\tread-write\tactive\n"

    assert run("token", "revoke", str(token.pk)) == f"Revoked token {token.pk} (command line).\n"
    assert ApiClient(raw).get("/me").status_code == 401
    assert run("token", "list", "alice").endswith("\trevoked/expired\n")


def test_token_refuses_an_unknown_user_or_token():
    with pytest.raises(CommandError) as unknown_user:
        run("token", "create", "nobody")
    with pytest.raises(CommandError) as unknown_token:
        run("token", "revoke", "999")
    assert str(unknown_user.value) == "No user named nobody."
    assert str(unknown_token.value) == "No token with id 999."
    assert ApiToken.objects.count() == 0


def test_demo_loads_once_and_repeating_it_changes_nothing():
    with time_machine.travel(MONDAY, tick=False):
        first = run("demo")
        counts = (
            User.objects.count(),
            Team.objects.count(),
            Company.objects.count(),
            AuditEntry.objects.count(),
        )
        second = run("demo")

    assert counts[:3] == (17, 3, 2016)
    assert Contact.objects.count() == 6000
    assert (
        User.objects.count(),
        Team.objects.count(),
        Company.objects.count(),
        AuditEntry.objects.count(),
    ) == counts
    activities = Activity.objects.count()
    reps = [demo for demo in DEMO_USERS if demo.role in {Role.TELESALES, Role.ACCOUNT_MANAGER}]
    assert CallList.objects.count() == len(reps) == 6
    # Last month's report of every sales user, a draft with its PDF (the schedule takes it from there).
    sellers = [demo.username for demo in DEMO_USERS if demo.role in SALES_ROLES]
    reports = MonthlyReport.objects.order_by("user__username")
    assert [(report.user.username, report.month) for report in reports] == [
        (name, datetime.date(2026, 2, 1)) for name in sorted(sellers)
    ]
    assert all(report.pdf and report.finalized_at is None for report in reports)
    assert first.splitlines()[0] == (
        "Demo data: 3 team(s), 17 user(s), 2016 company(ies), 6000 contact(s), "
        f"{activities} activity(ies), 6 call list(s), {len(sellers)} monthly report(s), 300 product(s), 200 ticket(s) created."
    )
    assert 6000 < activities < 9000
    assert second.splitlines()[0] == (
        "Demo data: 0 team(s), 0 user(s), 0 company(ies), 0 contact(s), 0 activity(ies), 0 call list(s), "
        "0 monthly report(s), 0 product(s), 0 ticket(s) created."
    )
    assert len(DEMO_USERS) == 17
    assert len(DEMO_COMPANIES) == 16


def test_demo_has_every_staff_role_and_team_leads():
    run("demo")
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values) - {Role.PORTAL}
    assert dict(Team.objects.values_list("name", "lead__username")) == {
        "Sales North": "anna.kowalska",
        "Sales South": "emir.hodzic",
        "Service Desk": "li.wei",
    }
    for user in User.objects.all():
        assert list(user.groups.values_list("name", flat=True)) == [user.role]
        assert user.check_password("klient-demo")


def test_demo_companies_are_found_by_folded_search():
    run("demo")
    owner = User.objects.get(username="anna.kowalska")
    raw = run("token", "create", "anna.kowalska").splitlines()[-1]
    found = ApiClient(raw).get("/companies", q="zazolc").json()["items"]
    assert [(c["name"], c["owner"]) for c in found] == [("Zażółć Sp. z o.o.", "piotr.zielinski")]
    assert owner.team.name == "Sales North"


def test_demo_spreads_customers_over_the_six_languages_and_the_sales_teams():
    run("demo")
    languages = dict(
        Company.objects.filter(external_id__startswith="DEMO-")
        .values_list("document_language")
        .annotate(n=Count("id"))
        .values_list("document_language", "n")
    )
    assert languages == {"pl": 333, "ru": 334, "bs": 334, "hy": 333, "zh-hans": 333, "en": 333}
    teams = set(Company.objects.values_list("team__name", flat=True))
    assert teams == {"Sales North", "Sales South"}
    owners = Company.objects.values("owner").distinct().count()
    assert owners == 10
    assert Contact.objects.filter(company__owner__isnull=True).count() == 0
    assert Company.objects.get(external_id="DEMO-00001").contacts.count() == 3


def test_demo_gives_every_rep_a_month_of_work_on_their_own_companies_in_their_language():
    with time_machine.travel(MONDAY, tick=False):
        run("demo")
    piotr = User.objects.get(username="piotr.zielinski")
    his = Activity.objects.filter(owner=piotr)
    # The 30 days before Monday 2 March hold the 20 working days from 2 to 27 February; on the Monday
    # itself (13:00 in Warsaw) the morning's calls are done and the afternoon's scheduled.
    calls = his.filter(kind="call")
    today = datetime.date(2026, 3, 2)
    call_days = {call.done_at.astimezone(piotr.tzinfo).date() for call in calls.filter(done_at__lt=MONDAY)}
    assert sorted(call_days)[0] == datetime.date(2026, 2, 2) and sorted(call_days)[-2:] == [
        datetime.date(2026, 2, 27),
        today,
    ]
    assert len(call_days) == 21
    assert not calls.filter(done_at__gt=MONDAY).exists()
    scheduled = calls.filter(done_at__isnull=True)
    assert scheduled.exists() and not scheduled.filter(due_at__lte=MONDAY).exists()
    assert {call.due_at.astimezone(piotr.tzinfo).date() for call in scheduled} == {today}
    per_day = calls.filter(done_at__lt=datetime.datetime(2026, 2, 28, tzinfo=datetime.UTC)).count() / 20
    assert 18 <= per_day <= 36
    # Greetings look alive: one of his contacts has a birthday that Monday, another three days later.
    birthdays = Contact.objects.filter(company__owner=piotr, birthday__isnull=False).values_list(
        "birthday", flat=True
    )
    near = sorted((day.month, day.day) for day in birthdays if (day.month, day.day) in {(3, 2), (3, 5)})
    assert near[:1] == [(3, 2)] and (3, 5) in near
    # Most emails are commercial proposals, some are not.
    emails = his.filter(kind="email")
    assert 0.5 < emails.filter(purpose="proposal").count() / emails.count() < 0.9
    assert set(calls.filter(done_at__isnull=False).values_list("outcome__code", flat=True)) == {
        "reached",
        "no_answer",
        "busy",
        "wrong_number",
        "call_back",
        "interested",
        "offer_made",
        "not_interested",
    }
    assert not his.filter(outcome__code="not_interested", outcome_reason="").exists()
    assert not his.exclude(company__owner=piotr).exists()
    assert not his.exclude(contact__isnull=True).exclude(contact__company=models.F("company")).exists()
    open_tasks = his.filter(kind="task", done_at__isnull=True)
    assert open_tasks.filter(due_at__lt=MONDAY).exists() and open_tasks.filter(due_at__gt=MONDAY).exists()
    assert his.filter(subject__in=["Rozmowa o cenniku", "Oferta handlowa"]).exists()  # he works in Polish
    assert AuditEntry.objects.filter(content_type__model="activity").count() == Activity.objects.count()
    assert set(Activity.objects.values_list("owner__role", flat=True)) <= set(SALES_ROLES)
    # Written in bulk, the calls still set their companies' last calls: his day has clients to negotiate.
    done = calls.filter(done_at__isnull=False).values("company_id").annotate(latest=models.Max("at"))
    assert dict(
        Company.objects.filter(owner=piotr, last_call_at__isnull=False).values_list("pk", "last_call_at")
    ) == {row["company_id"]: row["latest"] for row in done}
    with time_machine.travel(MONDAY, tick=False):
        groups = {group.name: group for group in myday_build(user=piotr, date=today)}
    assert len(groups["negotiate"].items) >= 1


def test_demo_has_a_catalogue_with_prices_in_three_currencies_stock_and_analogues():
    from decimal import Decimal

    from klient.catalog.models import Analog, ExchangeRate, Price, PriceList, Product, Stock
    from klient.catalog.selectors import convert

    with time_machine.travel(MONDAY, tick=False):
        run("demo")
    products = Product.objects.filter(sku__startswith="DEMO-")
    assert products.count() == 300
    assert products.filter(is_service=True).count() == 50
    # Named in every language of the installation.
    assert all(len(names) == 5 for names in products.values_list("names", flat=True))
    assert dict(PriceList.objects.values_list("name", "currency")) == {
        "Retail": "PLN",
        "Wholesale": "EUR",
        "Dealer": "USD",
    }
    assert Price.objects.count() == 900
    out_of_stock = Stock.objects.filter(warehouse__code="main", available=0)
    assert out_of_stock.exists() and not out_of_stock.filter(restock_date__isnull=True).exists()
    assert not Stock.objects.filter(product__is_service=True).exists()
    assert Analog.objects.filter(product__in=out_of_stock.values("product")).exists()
    assert ExchangeRate.objects.filter(currency="PLN").count() == 30
    # A month of rates: a PLN price converts to EUR on the demo's day.
    assert convert(Decimal("100"), "PLN", "EUR", datetime.date(2026, 3, 2)) > Decimal("20")
    assert "Paleta 10" in products.filter(sku="DEMO-1001").values_list("names__pl", flat=True)[0]
