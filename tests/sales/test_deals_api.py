"""Deals through the API: opened with exact defaults, the rules of open and lost deals, moving between
stages (audited, the webhook queued only after the commit), versions, visibility and the account team."""

import datetime

import pytest
import time_machine
from django.db import transaction

from klient.core.models import AuditEntry
from klient.customers.services import company_create
from klient.sales.models import Deal, Pipeline
from klient.webhooks.models import WebhookDelivery
from klient.webhooks.services import webhook_subscription_create

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)
OPEN_DEAL = {
    "title": "500 pallets",
    "amount": "12500.50",
    "expected_close_date": "2026-04-15",
    "next_step": "Send the proposal",
}


def _open(client, company, **overrides):
    return client.post("/deals", {**OPEN_DEAL, "company": company.pk, **overrides})


def test_a_deal_opens_in_the_first_stage_with_exact_defaults(api, alice, acme, stages):
    with time_machine.travel(NOON, tick=False):
        response = _open(api(alice), acme, source="fair")
    assert response.status_code == 201
    deal = Deal.objects.get()
    assert response.json() == {
        "id": deal.pk,
        "title": "500 pallets",
        "company": acme.pk,
        "company_name": "Acme",
        "contact": None,
        "pipeline": Pipeline.objects.get(is_default=True).pk,
        "stage": stages["Qualification"].pk,
        "stage_name": "Qualification",
        "status": "open",
        "probability": 10,
        "amount": "12500.5",
        "currency": "EUR",
        "amount_base": "12500.5",
        "expected_close_date": "2026-04-15",
        "next_step": "Send the proposal",
        "next_step_date": None,
        "source": "fair",
        "competitors": [],
        "lost_reason": "",
        "lost_to": None,
        "owner": "alice",
        "team": "North",
        "members": [],
        "stage_changed_at": "2026-03-02T12:00:00Z",
        "closed_at": None,
        "version": 1,
        "created_at": "2026-03-02T12:00:00Z",
        "updated_at": "2026-03-02T12:00:00Z",
    }
    assert api(alice).get(f"/deals/{deal.pk}").json() == response.json()


def test_an_amount_in_another_currency_is_kept_and_converted_for_totals(api, alice, acme, pln_rate):
    with time_machine.travel(NOON, tick=False):
        body = _open(api(alice), acme, amount="1000", currency="pln").json()
    assert (body["amount"], body["currency"], body["amount_base"]) == ("1000", "PLN", "250")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"next_step": ""}, "next_step"),
        ({"next_step": "   "}, "next_step"),
        ({"expected_close_date": None}, "expected_close_date"),
        ({"currency": "XXY"}, "currency"),
        ({"currency": "JPY"}, "currency"),  # no stored rate to convert it
        ({"amount": "-5"}, "amount"),
        ({"amount": "1.005"}, "amount"),
        ({"members": [{"user": "nobody"}]}, "members"),
        ({"competitors": [999]}, "competitors"),
    ],
)
def test_a_deal_breaking_a_rule_is_refused_naming_the_field(api, alice, acme, overrides, field):
    response = _open(api(alice), acme, **overrides)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert Deal.objects.count() == 0
    assert AuditEntry.objects.filter(content_type__model="deal").count() == 0


def test_a_company_the_caller_cannot_see_is_404_and_opens_nothing(api, carol, acme):
    response = _open(api(carol), acme)
    assert response.status_code == 404
    assert response.json()["errors"] == [
        {"field": "company", "message": "No company with this id, or you may not see it."}
    ]
    assert Deal.objects.count() == 0


def test_moving_a_deal_is_audited_and_its_webhook_leaves_only_after_the_commit(
    api, alice, root, acme, stages
):
    webhook_subscription_create(
        actor=root, name="ERP", url="https://93.184.215.14/hooks", events=["deal.stage_changed"]
    )
    deal_id = _open(api(alice), acme).json()["id"]
    assert WebhookDelivery.objects.count() == 1  # the first stage
    with time_machine.travel(NOON, tick=False):
        moved = api(alice).patch(f"/deals/{deal_id}", {"version": 1, "stage": stages["Negotiation"].pk})
    assert moved.status_code == 200
    body = moved.json()
    assert (body["stage_name"], body["probability"], body["status"], body["version"]) == (
        "Negotiation",
        75,
        "open",
        2,
    )
    assert body["stage_changed_at"] == "2026-03-02T12:00:00Z"
    delivery = WebhookDelivery.objects.order_by("id").last()
    assert (delivery.event, delivery.key) == ("deal.stage_changed", f"deal.stage_changed:{deal_id}:2")
    assert delivery.payload["from_stage"]["name"] == "Qualification"
    assert delivery.payload["to_stage"] == {
        "id": stages["Negotiation"].pk,
        "name": "Negotiation",
        "kind": "open",
    }
    history = api(alice).get(f"/deals/{deal_id}/history").json()["items"]
    (update,) = [entry for entry in history if entry["action"] == "update"]
    assert [
        (change["field"], change["before_label"], change["after_label"]) for change in update["changes"]
    ] == [("stage", "Sales: Qualification", "Sales: Negotiation")]


def test_a_move_rolled_back_sends_no_webhook(alice, root, acme, stages):
    from klient.sales.services import deal_create, deal_update

    webhook_subscription_create(
        actor=root, name="ERP", url="https://93.184.215.14/hooks", events=["deal.stage_changed"]
    )
    deal = deal_create(
        actor=alice,
        company=acme,
        title="X",
        expected_close_date=datetime.date(2026, 4, 1),
        next_step="Call",
    )
    before = WebhookDelivery.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        deal_update(deal=deal, actor=alice, version=1, stage=stages["Proposal"])
        raise RuntimeError("the caller fails after the move")
    assert WebhookDelivery.objects.count() == before
    assert Deal.objects.get().stage == stages["Qualification"]


def test_a_lost_deal_needs_its_reason_and_closes(api, alice, acme, stages):
    deal_id = _open(api(alice), acme).json()["id"]
    refused = api(alice).patch(f"/deals/{deal_id}", {"version": 1, "stage": stages["Lost"].pk})
    assert refused.status_code == 422
    assert [error["field"] for error in refused.json()["errors"]] == ["lost_reason"]
    assert Deal.objects.get().status == "open"
    with time_machine.travel(NOON, tick=False):
        lost = api(alice).patch(
            f"/deals/{deal_id}",
            {"version": 1, "stage": stages["Lost"].pk, "lost_reason": "Price too high", "next_step": ""},
        )
    assert lost.status_code == 200
    assert (lost.json()["status"], lost.json()["closed_at"], lost.json()["probability"]) == (
        "lost",
        "2026-03-02T12:00:00Z",
        0,
    )


def test_a_stale_version_is_409_and_changes_nothing(api, alice, bob, acme, stages):
    deal_id = _open(api(alice), acme).json()["id"]
    assert api(alice).patch(f"/deals/{deal_id}", {"version": 1, "title": "600 pallets"}).status_code == 200
    stale = api(alice).patch(f"/deals/{deal_id}", {"version": 1, "stage": stages["Won"].pk})
    assert stale.status_code == 409
    deal = Deal.objects.get()
    assert (deal.title, deal.stage, deal.version) == ("600 pallets", stages["Qualification"], 2)


def test_the_deal_team_sees_the_deal_and_others_do_not(api, alice, carol, acme):
    deal_id = _open(api(alice), acme).json()["id"]
    assert api(carol).get(f"/deals/{deal_id}").status_code == 404
    assert api(carol).get("/deals").json()["items"] == []
    added = api(alice).patch(
        f"/deals/{deal_id}", {"version": 1, "members": [{"user": "carol", "role": "Engineer"}]}
    )
    assert added.json()["members"] == [{"user": "carol", "name": "Carol Carter", "role": "Engineer"}]
    assert api(carol).get(f"/deals/{deal_id}").json()["title"] == "500 pallets"
    assert [item["id"] for item in api(carol).get("/deals").json()["items"]] == [deal_id]


def test_reps_work_deals_and_only_managers_add_pipelines(api, alice, mike, rita, acme):
    stages = [
        {"name": "New", "probability": 20},
        {"name": "Offer", "probability": 60},
        {"name": "Signed", "probability": 100, "kind": "won"},
        {"name": "Gone", "probability": 0, "kind": "lost"},
    ]
    assert api(alice).post("/pipelines", {"name": "Tenders", "stages": stages}).status_code == 403
    created = api(mike).post("/pipelines", {"name": "Tenders", "stages": stages})
    assert created.status_code == 201
    assert [(stage["name"], stage["probability"], stage["kind"]) for stage in created.json()["stages"]] == [
        ("New", 20, "open"),
        ("Offer", 60, "open"),
        ("Signed", 100, "won"),
        ("Gone", 0, "lost"),
    ]
    no_lost = api(mike).post("/pipelines", {"name": "Other", "stages": stages[:3]})
    assert no_lost.status_code == 422
    assert [pipeline["name"] for pipeline in api(rita).get("/pipelines").json()["items"]] == [
        "Sales",
        "Tenders",
    ]
    assert _open(api(rita), acme).status_code == 403


def test_without_any_pipeline_the_starting_one_is_made_again(api, alice, acme):
    Pipeline.objects.all().delete()
    response = _open(api(alice), acme)
    assert response.status_code == 201
    pipeline = Pipeline.objects.get()
    assert (pipeline.name, pipeline.is_default, pipeline.names["pl"]) == ("Sales", True, "Sprzedaż")
    assert [(stage.name, stage.probability, stage.kind) for stage in pipeline.stages.all()] == [
        ("Qualification", 10, "open"),
        ("Needs analysis", 25, "open"),
        ("Proposal", 50, "open"),
        ("Negotiation", 75, "open"),
        ("Won", 100, "won"),
        ("Lost", 0, "lost"),
    ]
    assert response.json()["stage_name"] == "Qualification"


@pytest.mark.parametrize("large_share", [0.0, 2.0], ids=["walked-in-order", "read-from-visible-companies"])
def test_the_list_is_the_same_walked_in_order_or_read_from_the_visible_companies(
    api, monkeypatch, alice, bob, carol, acme, large_share
):
    # A user who sees many companies has the list walked in creation order, testing each deal's company;
    # others have it read from the companies they see: the same deals, newest first, pages included.
    monkeypatch.setattr("klient.sales.selectors.LARGE_SHARE", large_share)
    beta = company_create(actor=bob, name="Beta", country="PL")
    mine = []
    for index in range(5):
        with time_machine.travel(NOON + datetime.timedelta(minutes=index), tick=False):
            mine.append(_open(api(alice), acme, title=f"Deal {index}").json()["id"])
            _open(api(bob), beta, title=f"Bob's {index}")
    first = api(alice).get("/deals", limit=3).json()
    second = api(alice).get("/deals", limit=3, cursor=first["next"]).json()

    assert [item["id"] for item in first["items"] + second["items"]] == mine[::-1]
    assert second["next"] is None
    assert api(carol).get("/deals").json()["items"] == []
