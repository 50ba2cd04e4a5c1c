"""POST /api/v1/companies/bulk: upsert by a key, one result per item, one transaction, audited."""

import pytest

from klient.core.models import AuditEntry
from klient.customers.models import Company
from klient.customers.services import company_create

pytestmark = pytest.mark.django_db

HIDDEN_MATCH = "A company you may not see has this value; it was left unchanged."


def state() -> tuple:
    return (
        list(
            Company.objects.order_by("pk").values_list(
                "pk", "name", "external_id", "city", "owner__username", "version"
            )
        ),
        AuditEntry.objects.count(),
    )


def audit_actions() -> list[tuple[str, int]]:
    return list(
        AuditEntry.objects.filter(content_type__model="company")
        .order_by("pk")
        .values_list("action", "object_id")
    )


def test_it_creates_the_new_updates_the_known_and_leaves_the_same_unchanged(api, alice):
    known = company_create(actor=alice, name="Acme", external_id="ERP-1", city="Gdańsk")
    same = company_create(actor=alice, name="Same", external_id="ERP-2", city="Łódź")
    audit_before = audit_actions()

    response = api(alice).post(
        "/companies/bulk",
        {
            "key": "external_id",
            "items": [
                {"external_id": "ERP-1", "city": "Sopot"},
                {"external_id": "ERP-2", "name": "Same", "city": "Łódź"},
                {"external_id": "ERP-3", "name": "Beta", "country": "PL", "tags": ["export"]},
            ],
        },
    )

    assert response.status_code == 200
    beta = Company.objects.get(external_id="ERP-3")
    assert response.json() == {
        "created": 1,
        "updated": 1,
        "unchanged": 1,
        "failed": 0,
        "items": [
            {"index": 0, "id": known.pk, "result": "updated", "errors": []},
            {"index": 1, "id": same.pk, "result": "unchanged", "errors": []},
            {"index": 2, "id": beta.pk, "result": "created", "errors": []},
        ],
    }
    assert state()[0] == [
        (known.pk, "Acme", "ERP-1", "Sopot", "alice", 2),
        (same.pk, "Same", "ERP-2", "Łódź", "alice", 1),
        (beta.pk, "Beta", "ERP-3", "", "alice", 2),
    ]
    assert [tag.name for tag in beta.tags.all()] == ["export"]
    # The update, the creation and the creation's tags: nothing for the unchanged one.
    assert audit_actions() == [*audit_before, ("update", known.pk), ("create", beta.pk), ("update", beta.pk)]
    update = AuditEntry.objects.filter(object_id=known.pk, action="update").get()
    assert (update.actor, update.changes["city"]["from"], update.changes["city"]["to"]) == (
        alice,
        "Gdańsk",
        "Sopot",
    )


def test_sending_the_same_request_again_changes_nothing(api, alice):
    payload = {
        "key": "external_id",
        "items": [{"external_id": f"ERP-{n}", "name": f"Company {n}", "tags": ["a"]} for n in range(5)],
    }
    assert api(alice).post("/companies/bulk", payload).json()["created"] == 5
    before = state()
    again = api(alice).post("/companies/bulk", payload).json()
    assert (again["created"], again["updated"], again["unchanged"], again["failed"]) == (0, 0, 5, 0)
    assert state() == before


def test_it_matches_tax_ids_in_their_normal_form(api, alice):
    company = company_create(actor=alice, name="Acme", tax_id="PL5213000001", country="PL")
    body = (
        api(alice)
        .post("/companies/bulk", {"key": "tax_id", "items": [{"tax_id": "521-300-00-01", "city": "Kraków"}]})
        .json()
    )
    assert body["items"] == [{"index": 0, "id": company.pk, "result": "updated", "errors": []}]
    assert Company.objects.get().tax_id == "521-300-00-01"


def test_by_id_it_updates_and_never_creates(api, alice):
    company = company_create(actor=alice, name="Acme")
    body = (
        api(alice)
        .post(
            "/companies/bulk",
            {"key": "id", "items": [{"id": company.pk, "name": "Acme 2"}, {"id": 999999, "name": "Ghost"}]},
        )
        .json()
    )
    assert body["items"] == [
        {"index": 0, "id": company.pk, "result": "updated", "errors": []},
        {
            "index": 1,
            "id": None,
            "result": "error",
            "errors": [{"field": "id", "message": "No company with this id, or you may not see it."}],
        },
    ]
    assert list(Company.objects.values_list("name", flat=True)) == ["Acme 2"]


def test_a_match_the_caller_cannot_see_is_an_error_never_an_update_nor_a_duplicate(api, alice, carol):
    theirs = company_create(actor=carol, name="Carol's", external_id="ERP-9", tax_id="PL111")
    before = state()
    client = api(alice)

    by_external_id = client.post(
        "/companies/bulk", {"key": "external_id", "items": [{"external_id": "ERP-9", "name": "Mine now"}]}
    ).json()
    by_tax_id = client.post(
        "/companies/bulk", {"key": "tax_id", "items": [{"tax_id": "111", "name": "Mine now"}]}
    ).json()
    by_id = client.post(
        "/companies/bulk", {"key": "id", "items": [{"id": theirs.pk, "name": "Mine now"}]}
    ).json()

    assert by_external_id["items"] == [
        {
            "index": 0,
            "id": None,
            "result": "error",
            "errors": [{"field": "external_id", "message": HIDDEN_MATCH}],
        }
    ]
    assert by_tax_id["items"] == [
        {"index": 0, "id": None, "result": "error", "errors": [{"field": "tax_id", "message": HIDDEN_MATCH}]}
    ]
    assert by_id["items"] == [
        {
            "index": 0,
            "id": None,
            "result": "error",
            "errors": [{"field": "id", "message": "No company with this id, or you may not see it."}],
        }
    ]
    assert state() == before


def test_a_failing_item_stores_nothing_of_itself_and_the_others_go_on(api, alice, tom):
    tom_company = company_create(actor=tom, name="Tom's", external_id="ERP-T")
    body = (
        api(tom)
        .post(
            "/companies/bulk",
            {
                "key": "external_id",
                "items": [
                    {"external_id": "ERP-1", "name": "Good"},
                    {"external_id": "ERP-2", "name": "Bad country", "country": "XX"},
                    {"external_id": "ERP-3", "name": "Bad owner", "owner": "nobody"},
                    {"external_id": "ERP-4"},
                    {"external_id": "ERP-5", "name": "Terms", "credit_limit": "100"},
                    {"external_id": "ERP-T", "name": "Tom's renamed", "version": 7},
                    {"external_id": "ERP-6", "name": "x" * 201, "colour": "red"},
                    {"name": "No key"},
                    {"external_id": "ERP-7", "name": "Tagged", "tags": ["new tag"]},
                ],
            },
        )
        .json()
    )
    assert set(body) == {"created", "updated", "unchanged", "failed", "items"}
    assert [(item["index"], item["result"], item["errors"]) for item in body["items"]] == [
        (0, "created", []),
        (1, "error", [{"field": "country", "message": "Value 'XX' is not a valid choice."}]),
        (2, "error", [{"field": "owner", "message": "No active user named “nobody”."}]),
        (3, "error", [{"field": "name", "message": "This field cannot be blank."}]),
        (4, "error", [{"field": None, "message": "You may not set commercial terms."}]),
        (5, "error", [{"field": "version", "message": "current version is 1"}]),
        (
            6,
            "error",
            [
                {"field": "name", "message": "String should have at most 200 characters"},
                {"field": "colour", "message": "Extra inputs are not permitted"},
            ],
        ),
        (7, "error", [{"field": "external_id", "message": "This field is required to find the company."}]),
        (8, "created", []),
    ]
    assert (body["created"], body["updated"], body["unchanged"], body["failed"]) == (2, 0, 0, 7)
    assert sorted(Company.objects.values_list("name", flat=True)) == ["Good", "Tagged", "Tom's"]
    assert Company.objects.get(pk=tom_company.pk).version == 1


def test_a_key_twice_in_one_request_creates_once_then_updates(api, alice):
    body = (
        api(alice)
        .post(
            "/companies/bulk",
            {
                "key": "external_id",
                "items": [
                    {"external_id": "ERP-1", "name": "First"},
                    {"external_id": "ERP-1", "name": "Second"},
                ],
            },
        )
        .json()
    )
    company = Company.objects.get()
    assert [(item["id"], item["result"]) for item in body["items"]] == [
        (company.pk, "created"),
        (company.pk, "updated"),
    ]
    assert (company.name, company.version) == ("Second", 2)


def test_a_key_shared_by_two_companies_is_an_error(api, alice):
    company_create(actor=alice, name="One", external_id="ERP-1")
    company_create(actor=alice, name="Two", external_id="ERP-1")
    before = state()
    body = (
        api(alice)
        .post(
            "/companies/bulk", {"key": "external_id", "items": [{"external_id": "ERP-1", "city": "Kraków"}]}
        )
        .json()
    )
    assert body["items"][0]["errors"] == [
        {"field": "external_id", "message": "Several companies have this value; change them one by one."}
    ]
    assert state() == before


def test_up_to_1000_items_are_taken_in_one_request(api, alice):
    items = [{"external_id": f"ERP-{n:04}", "name": f"Company {n:04}"} for n in range(1000)]
    body = api(alice).post("/companies/bulk", {"key": "external_id", "items": items}).json()
    assert (body["created"], body["failed"]) == (1000, 0)
    assert Company.objects.count() == 1000
    assert AuditEntry.objects.filter(content_type__model="company", action="create").count() == 1000


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"key": "external_id", "items": [{"external_id": "x", "name": "x"}] * 1001}, "items"),
        ({"key": "name", "items": []}, "key"),
        ({"items": []}, "key"),
        ({"key": "id", "items": "all"}, "items"),
        ({"key": "id", "items": [], "dry_run": True}, "dry_run"),
    ],
)
def test_a_request_that_cannot_be_read_gets_422_and_stores_nothing(api, alice, payload, field):
    response = api(alice).post("/companies/bulk", payload)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert Company.objects.count() == 0
    assert AuditEntry.objects.filter(content_type__model="company").count() == 0


def test_roles_that_may_not_create_nor_change_companies_get_403(api, sam, alice):
    company_create(actor=alice, name="Acme", external_id="ERP-1")
    before = state()
    response = api(sam).post("/companies/bulk", {"key": "external_id", "items": [{"external_id": "ERP-1"}]})
    assert response.status_code == 403
    assert response.json() == {"detail": "Not allowed.", "errors": []}
    read_only = api(alice, read_only=True).post("/companies/bulk", {"key": "external_id", "items": []})
    assert read_only.status_code == 403
    assert state() == before


def test_a_body_over_the_upload_limit_gets_413_in_the_error_format(api, alice, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    items = [{"external_id": f"ERP-{n}", "name": "x" * 100} for n in range(100)]
    response = api(alice).post("/companies/bulk", {"key": "external_id", "items": items})
    assert response.status_code == 413
    assert response.json() == {"detail": "The request is too large; send it in smaller parts.", "errors": []}
    assert Company.objects.count() == 0
