"""Out of stock: a seller asks logistics in one action (the request goes to the least busy logistics user,
who is emailed, and shows on the client's timeline); logistics answer it; and "tell the customer when it
arrives" emails the contact in their language, once, when stock comes in."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from klient.catalog.models import LogisticsRequest, Product, RestockNotice
from klient.catalog.services import stock_set
from klient.core.models import AuditEntry, Role
from klient.customers.services import company_create, contact_create
from klient.mail.models import OutboxMessage

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def lena(make_user):
    return make_user("lena", Role.LOGISTICS)


@pytest.fixture
def leo(make_user):
    return make_user("leo", Role.LOGISTICS)


@pytest.fixture
def pallet(db):
    return Product.objects.create(
        sku="PAL-1", name="Euro pallet", names={"ru": "Европоддон"}, vat_rate=Decimal(20)
    )


@pytest.fixture
def acme(alice):
    return company_create(actor=alice, name="Acme", country="PL")


@pytest.fixture
def ivan(alice, acme):
    return contact_create(
        actor=alice,
        company=acme,
        first_name="Иван",
        last_name="Петров",
        email="ivan@acme.example",
        language="ru",
    )


def test_asking_logistics_assigns_the_least_busy_emails_them_and_shows_on_the_timeline(
    api, login, alice, lena, leo, acme, pallet
):
    LogisticsRequest.objects.create(
        product=pallet, quantity=1, due_date=NOON.date(), requested_by=alice, assignee=lena
    )
    with time_machine.travel(NOON, tick=False):
        response = api(alice).post(
            "/logistics-requests",
            {
                "product": pallet.pk,
                "quantity": "40",
                "company": acme.pk,
                "note": "For the March order",
                "source": "Q-2026-00001",
            },
        )
    assert response.status_code == 201
    body = response.json()
    assert {
        key: body[key]
        for key in ("sku", "quantity", "company", "due_date", "status", "requested_by", "assignee")
    } == {
        "sku": "PAL-1",
        "quantity": "40",
        "company": acme.pk,
        "due_date": "2026-03-04",
        "status": "open",
        "requested_by": "alice",
        "assignee": "leo",  # lena has one open request already
    }
    assert list(OutboxMessage.objects.values_list("to_email", "subject")) == [
        (leo.email, "Logistics request: PAL-1 × 40.000")
    ]
    entry = AuditEntry.objects.get(content_type__model="logisticsrequest", action="create")
    assert entry.company_id == acme.pk
    card = login(alice).get(f"/companies/{acme.pk}/").content.decode()
    assert f'data-entry="logistics_request-{body["id"]}"' in card
    assert "PAL-1 Euro pallet × 40</strong> · Q-2026-00001" in card


def test_logistics_answer_a_request_and_others_cannot(api, alice, carol, lena, acme, pallet):
    request_id = (
        api(alice)
        .post("/logistics-requests", {"product": pallet.pk, "quantity": "5", "company": acme.pk})
        .json()["id"]
    )
    assert (
        api(alice).patch(f"/logistics-requests/{request_id}", {"version": 1, "status": "done"}).status_code
        == 403
    )
    assert api(carol).get(f"/logistics-requests/{request_id}").status_code == 404
    refused = api(carol).post(
        "/logistics-requests", {"product": pallet.pk, "quantity": "5", "company": acme.pk}
    )
    assert refused.status_code == 404
    answered = api(lena).patch(
        f"/logistics-requests/{request_id}", {"version": 1, "status": "done", "answer": "Arrives on 10 March"}
    )
    assert answered.status_code == 200
    assert (answered.json()["status"], answered.json()["answer"], answered.json()["version"]) == (
        "done",
        "Arrives on 10 March",
        2,
    )
    assert answered.json()["resolved_at"] is not None
    stale = api(lena).patch(f"/logistics-requests/{request_id}", {"version": 1, "status": "open"})
    assert stale.status_code == 409
    assert LogisticsRequest.objects.get(pk=request_id).status == "done"
    assert [item["id"] for item in api(alice).get("/logistics-requests", status="done").json()["items"]] == [
        request_id
    ]


def test_a_bad_request_names_the_field(api, alice, pallet):
    response = api(alice).post("/logistics-requests", {"product": pallet.pk, "quantity": "0"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "quantity", "message": "The quantity is more than 0."}]
    assert LogisticsRequest.objects.count() == 0


def test_the_customer_is_told_in_their_language_once_when_stock_comes_in(
    api, alice, mike, lena, ivan, pallet
):
    created = api(alice).post("/restock-notices", {"product": pallet.pk, "contact": ivan.pk})
    assert created.status_code == 201
    assert api(alice).post("/restock-notices", {"product": pallet.pk, "contact": ivan.pk}).status_code == 201
    assert RestockNotice.objects.count() == 1  # asked twice, one notice
    stock_set(actor=lena, product=pallet, available="0", restock_date=datetime.date(2026, 3, 10))
    assert OutboxMessage.objects.count() == 0
    stock_set(actor=lena, product=pallet, available="25")
    message = OutboxMessage.objects.get()
    assert (message.to_email, message.language) == ("ivan@acme.example", "ru")
    assert message.subject == "Европоддон снова в наличии"
    assert "PAL-1" in message.body
    assert RestockNotice.objects.get().sent_at is not None
    stock_set(actor=lena, product=pallet, available="30")
    assert OutboxMessage.objects.count() == 1
    in_stock = api(alice).post("/restock-notices", {"product": pallet.pk, "contact": ivan.pk})
    assert in_stock.status_code == 422
    assert in_stock.json()["errors"] == [{"field": "product", "message": "PAL-1 is in stock now."}]


def test_the_logistics_page_lists_and_answers_requests(login, alice, lena, acme, pallet):
    client = login(alice)
    asked = client.post(
        "/catalog/logistics/new/",
        {"product": pallet.pk, "quantity": "12", "company": acme.pk, "next": f"/companies/{acme.pk}/"},
    )
    assert (asked.status_code, asked["Location"]) == (302, f"/companies/{acme.pk}/")
    request = LogisticsRequest.objects.get()
    page = login(lena).get("/catalog/logistics/").content.decode()
    assert f'<tr data-request="{request.pk}">' in page
    answered = login(lena).post(
        f"/catalog/logistics/{request.pk}/answer/",
        {"version": "1", "status": "in_progress", "answer": "Ordered"},
    )
    assert answered.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.answer, request.version) == ("in_progress", "Ordered", 2)
    assert (
        login(alice)
        .post(f"/catalog/logistics/{request.pk}/answer/", {"version": "2", "status": "done"})
        .status_code
        == 403
    )
