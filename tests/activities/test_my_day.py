"""My Day: the day's items in priority order at the user's day boundaries, clients to negotiate with,
cards to review, a deputy's day with the absent user's items marked, the API answer compared with a
hand-built one, the page, and a constant number of queries."""

import datetime

import pytest
import time_machine

from klient.activities.myday import myday_build
from klient.activities.services import activity_create
from klient.core.services import delegation_create
from klient.customers.models import Company
from klient.customers.services import company_create, contact_create

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
MARCH_2 = datetime.date(2026, 3, 2)  # Warsaw is UTC+1
MORNING = datetime.datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
REVIEWED = datetime.datetime(2026, 2, 20, 9, 0, tzinfo=UTC)


def at(text):
    return datetime.datetime.fromisoformat(text)


@pytest.fixture
def day(alice, bob):
    """Alice's (Warsaw) work around 2 March 2026, and Bob's, whose deputy she is that day."""
    alice.timezone = "Europe/Warsaw"
    alice.save(update_fields=["timezone"])
    with time_machine.travel(MORNING, tick=False):
        acme = company_create(actor=alice, name="Acme")
        beta = company_create(actor=alice, name="Beta")
        gamma = company_create(actor=alice, name="Gamma")
        delta = company_create(actor=alice, name="Delta")
        epsilon = company_create(actor=alice, name="Epsilon")
        bobs = company_create(actor=bob, name="Bob's")
        jan = contact_create(actor=alice, company=acme, first_name="Jan", last_name="Kowalski")

        def make(company, actor=alice, **data):
            return activity_create(actor=actor, company=company, **data)

        make(acme, kind="task", subject="Send the contract", due_at=at("2026-03-01T10:00:00+00:00"))
        make(
            acme,
            kind="task",
            subject="Done long ago",
            due_at=at("2026-02-01T10:00:00+00:00"),
            done_at=at("2026-02-01T11:00:00+00:00"),
        )
        make(acme, kind="task", subject="Prepare the offer", due_at=at("2026-03-02T08:00:00+00:00"))
        make(acme, kind="task", subject="Tomorrow already", due_at=at("2026-03-02T23:30:00+00:00"))
        make(acme, kind="call", subject="Call Jan", contact=jan, due_at=at("2026-03-02T09:00:00+00:00"))
        make(acme, kind="meeting", subject="Meet at the fair", due_at=at("2026-03-02T13:00:00+00:00"))
        # Beta showed interest and has nothing planned: negotiate. Gamma too, but a task is planned.
        make(
            beta,
            kind="call",
            subject="Interested in pallets",
            done_at=at("2026-02-20T10:00:00+00:00"),
            outcome="interested",
        )
        make(
            gamma,
            kind="call",
            subject="Offer sent",
            done_at=at("2026-02-25T10:00:00+00:00"),
            outcome="offer_made",
        )
        make(gamma, kind="task", subject="Gamma follow-up", due_at=at("2026-03-05T10:00:00+00:00"))
        # Delta's interest is older than 30 days; Epsilon said no after saying yes.
        make(
            delta,
            kind="call",
            subject="Old interest",
            done_at=at("2026-01-20T10:00:00+00:00"),
            outcome="interested",
        )
        make(
            epsilon, kind="call", subject="Yes", done_at=at("2026-02-20T10:00:00+00:00"), outcome="interested"
        )
        make(
            epsilon,
            kind="call",
            subject="No",
            done_at=at("2026-02-27T10:00:00+00:00"),
            outcome="not_interested",
            outcome_reason="Budget",
        )
        make(bobs, actor=bob, kind="task", subject="Bob's renewal", due_at=at("2026-03-02T10:00:00+00:00"))
        delegation_create(absent_user=bob, deputy=alice, starts_on=MARCH_2, ends_on=MARCH_2, actor=bob)
    # Cards: Acme and Beta reviewed recently; Gamma long ago; Delta and Epsilon never; Bob's never.
    Company.objects.filter(pk__in=[acme.pk, beta.pk]).update(card_reviewed_at=REVIEWED)
    Company.objects.filter(pk=gamma.pk).update(card_reviewed_at=at("2026-01-05T09:00:00+00:00"))
    return {
        "alice": alice,
        "acme": acme,
        "beta": beta,
        "gamma": gamma,
        "delta": delta,
        "epsilon": epsilon,
        "bobs": bobs,
        "jan": jan,
    }


def summary(groups):
    return [
        (group.name, [(item.kind, item.title, item.owner.username) for item in group.items])
        for group in groups
    ]


def test_the_day_in_priority_order_with_the_absent_colleagues_items(day):
    with time_machine.travel(MORNING, tick=False):
        groups = myday_build(user=day["alice"], date=MARCH_2)
    assert summary(groups) == [
        ("overdue", [("overdue", "Send the contract", "alice")]),
        ("tasks", [("task", "Prepare the offer", "alice"), ("task", "Bob's renewal", "bob")]),
        ("calls", [("call", "Call Jan", "alice")]),
        ("meetings", [("meeting", "Meet at the fair", "alice")]),
        ("negotiate", [("negotiate", "Beta", "alice")]),
        (
            "card_reviews",
            [
                ("card_review", "Bob's", "bob"),
                ("card_review", "Delta", "alice"),
                ("card_review", "Epsilon", "alice"),
                ("card_review", "Gamma", "alice"),
            ],
        ),
    ]


def test_without_the_delegation_the_colleagues_items_are_not_there(day):
    with time_machine.travel(MORNING, tick=False):
        groups = myday_build(user=day["alice"], date=datetime.date(2026, 3, 3))
    titles = [item.title for group in groups for item in group.items]
    assert "Bob's renewal" not in titles
    assert "Bob's" not in titles
    # On the 3rd (Warsaw), the task due at 00:30 is today's, and the 2nd's open ones are overdue.
    assert summary(groups)[:2] == [
        (
            "overdue",
            [
                ("overdue", "Send the contract", "alice"),
                ("overdue", "Prepare the offer", "alice"),
                ("overdue", "Call Jan", "alice"),
                ("overdue", "Meet at the fair", "alice"),
            ],
        ),
        ("tasks", [("task", "Tomorrow already", "alice")]),
    ]


def test_the_api_answers_the_hand_built_day(api, day):
    acme, jan, bobs = day["acme"], day["jan"], day["bobs"]
    with time_machine.travel(MORNING, tick=False):
        response = api(day["alice"]).get("/my-day", date="2026-03-02")
    assert response.status_code == 200
    body = response.json()
    assert body["date"] == "2026-03-02"
    assert body["user"] == "alice"
    assert body["more"] == {}
    items = body["items"]
    assert [item["kind"] for item in items] == [
        "overdue",
        "task",
        "task",
        "call",
        "meeting",
        "negotiate",
        "card_review",
        "card_review",
        "card_review",
        "card_review",
    ]
    assert items[0] == {
        "kind": "overdue",
        "title": "Send the contract",
        "company": acme.pk,
        "company_name": "Acme",
        "contact": None,
        "contact_name": None,
        "due": "2026-03-01T10:00:00Z",
        "url": f"/companies/{acme.pk}/#timeline",
        "detail": "Task, due 03/01/2026",
        "owner": "alice",
        "delegated": False,
    }
    assert items[2] == {
        "kind": "task",
        "title": "Bob's renewal",
        "company": bobs.pk,
        "company_name": "Bob's",
        "contact": None,
        "contact_name": None,
        "due": "2026-03-02T10:00:00Z",
        "url": f"/companies/{bobs.pk}/#timeline",
        "detail": "",
        "owner": "bob",
        "delegated": True,
    }
    assert items[3]["url"] == f"/companies/{acme.pk}/?log=call&contact={jan.pk}#timeline"
    assert (items[3]["contact"], items[3]["contact_name"]) == (jan.pk, "Jan Kowalski")
    assert items[5]["detail"] == "Last call 02/20/2026: Interested in pallets"
    assert [item["detail"] for item in items[6:]] == [
        "Never reviewed",
        "Never reviewed",
        "Never reviewed",
        "Last reviewed 01/05/2026",
    ]


def test_a_bad_date_is_refused_naming_the_field(api, day):
    response = api(day["alice"]).get("/my-day", date="2026-02-30")
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["date"]


def test_the_page_shows_the_groups_and_marks_the_absent_colleagues_items(login, day):
    with time_machine.travel(MORNING, tick=False):
        page = login(day["alice"]).get("/activities/my-day/?date=2026-03-02")
    html = page.content.decode()
    assert page.status_code == 200
    for heading in [
        "Overdue",
        "Tasks and follow-ups due today",
        "Calls scheduled",
        "Meetings and visits",
        "Clients to negotiate with soon",
        "Client cards to review",
    ]:
        assert f">{heading} <small" in html
    assert html.count('class="myday-item"') == 10
    assert html.count('data-field="on-behalf-of"') == 2
    assert "for Bob" in html
    # Targets: the role's defaults, nothing done yet that day.
    assert html.count('class="progress-item"') == 4


def test_many_items_cost_no_more_queries(django_assert_max_num_queries, login, day):
    client = login(day["alice"])
    with time_machine.travel(MORNING, tick=False):
        client.get("/activities/my-day/?date=2026-03-02")  # warm the session and caches
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as few:
            client.get("/activities/my-day/?date=2026-03-02")
        for index in range(30):
            activity_create(
                actor=day["alice"],
                company=day["acme"],
                kind="task",
                subject=f"Extra {index}",
                due_at=at("2026-03-02T12:00:00+00:00"),
            )
        with CaptureQueriesContext(connection) as many:
            response = client.get("/activities/my-day/?date=2026-03-02")
    assert response.content.decode().count('class="myday-item"') == 40
    assert len(many.captured_queries) == len(few.captured_queries)


def test_an_activity_on_a_company_no_longer_seen_is_left_out(day, carol):
    # Acme moves to Carol (another team): Alice's open work there is no longer hers to see.
    Company.objects.filter(pk=day["acme"].pk).update(owner=carol, team=carol.team)
    with time_machine.travel(MORNING, tick=False):
        groups = myday_build(user=day["alice"], date=MARCH_2)
    titles = [item.title for group in groups for item in group.items]
    assert "Send the contract" not in titles
    assert "Prepare the offer" not in titles
    assert "Bob's renewal" in titles


def test_a_colleagues_later_call_decides_whether_to_negotiate(day, mike):
    # Mike (Alice's manager) called Beta after her: not interested any more. He found Delta interested.
    with time_machine.travel(MORNING, tick=False):
        for company, outcome in [(day["beta"], "not_interested"), (day["delta"], "offer_made")]:
            activity_create(
                actor=mike,
                company=company,
                kind="call",
                subject=f"Mike: {outcome}",
                done_at=at("2026-02-28T10:00:00+00:00"),
                outcome=outcome,
                outcome_reason="Budget" if outcome == "not_interested" else "",
            )
        groups = {group.name: group for group in myday_build(user=day["alice"], date=MARCH_2)}
    negotiate = groups["negotiate"].items
    assert [(item.title, item.detail) for item in negotiate] == [
        ("Delta", "Last call 02/28/2026: Mike: offer_made")
    ]


def test_the_api_answer_is_what_validating_it_would_give(day):
    import json

    from ninja.responses import NinjaJSONEncoder

    from klient.activities.myday_api import MyDayOut, my_day_out
    from klient.customers.models import Contact

    # A birthday (a date, not a time) among the items, and an item of the absent colleague.
    Contact.objects.filter(pk=day["jan"].pk).update(birthday=datetime.date(1980, 3, 4), email="jan@acme.pl")
    with time_machine.travel(MORNING, tick=False):
        body = my_day_out(day["alice"], MARCH_2)
    written = json.loads(json.dumps(body, cls=NinjaJSONEncoder))
    validated = json.loads(
        json.dumps(MyDayOut.model_validate(body).model_dump(exclude_unset=True), cls=NinjaJSONEncoder)
    )
    assert written == validated
    assert {item["kind"] for item in written["items"]} >= {"overdue", "task", "negotiate", "birthday"}
    assert [item["due"] for item in written["items"] if item["kind"] == "birthday"] == ["2026-03-04"]


def test_the_page_formats_each_due_time_in_the_users_zone_and_language(login, day):
    alice = day["alice"]
    alice.language = "pl"
    alice.save(update_fields=["language"])
    with time_machine.travel(MORNING, tick=False):
        html = login(alice).get("/activities/my-day/?date=2026-03-02").content.decode()
    # Group headings in Polish; today's times as times, another day's with the date (Warsaw time).
    assert ">Zaległe <small" in html
    assert '<time datetime="2026-03-02T10:00:00+01:00">10:00</time>' in html
    # (Django's Polish short date and time: "d-m-Y  H:i".)
    assert '<time datetime="2026-03-01T11:00:00+01:00">01-03-2026  11:00</time>' in html
    assert f'<a href="/companies/{day["acme"].pk}/">Acme</a>' in html
