"""/api/v1/openapi.json is a valid OpenAPI 3.1 document describing every endpoint and its errors."""

import jsonschema_rs
import pytest
import schemathesis
from schemathesis.specs.openapi.definitions import OPENAPI_31

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def test_it_is_a_valid_openapi_3_1_document(document):
    assert document["openapi"].startswith("3.1")
    errors = [error.message for error in jsonschema_rs.validator_for(OPENAPI_31).iter_errors(document)]
    assert errors == []
    assert document["info"]["title"] == "Klient API"


def test_the_validator_would_catch_a_broken_document(document):
    broken = {**document, "paths": {"companies": {"get": "not an operation"}}}
    assert not jsonschema_rs.validator_for(OPENAPI_31).is_valid(broken)


def test_schemathesis_loads_every_operation(document):
    schema = schemathesis.openapi.from_dict(document)
    operations = {
        f"{result.ok().method.upper()} {result.ok().path}" for result in schema.get_all_operations()
    }
    assert operations == {
        "GET /api/v1/me",
        "PATCH /api/v1/me",
        "GET /api/v1/companies",
        "POST /api/v1/companies",
        "GET /api/v1/companies/{company_id}",
        "PATCH /api/v1/companies/{company_id}",
        "DELETE /api/v1/companies/{company_id}",
        "GET /api/v1/companies/{company_id}/history",
        "GET /api/v1/companies/{company_id}/account-team",
        "POST /api/v1/companies/{company_id}/account-team",
        "DELETE /api/v1/companies/{company_id}/account-team/{username}",
        "POST /api/v1/companies/{company_id}/reviewed",
        "POST /api/v1/companies/bulk",
        "GET /api/v1/contacts",
        "POST /api/v1/contacts",
        "GET /api/v1/contacts/{contact_id}",
        "PATCH /api/v1/contacts/{contact_id}",
        "DELETE /api/v1/contacts/{contact_id}",
        "GET /api/v1/contacts/{contact_id}/history",
        "GET /api/v1/activities",
        "POST /api/v1/activities",
        "GET /api/v1/activities/{activity_id}",
        "PATCH /api/v1/activities/{activity_id}",
        "DELETE /api/v1/activities/{activity_id}",
        "GET /api/v1/activities/{activity_id}/history",
        "GET /api/v1/my-day",
        "GET /api/v1/targets/progress",
        "GET /api/v1/targets/history",
        "POST /api/v1/targets",
        "POST /api/v1/companies/{company_id}/merge",
        "POST /api/v1/contacts/{contact_id}/merge",
        "GET /api/v1/calendar",
        "POST /api/v1/me/calendar-feed/revoke",
        "POST /api/v1/meetings/{activity_id}/invitation",
        "GET /api/v1/call-lists",
        "POST /api/v1/call-lists",
        "GET /api/v1/call-lists/{call_list_id}",
        "POST /api/v1/call-lists/{call_list_id}/assign",
        "POST /api/v1/call-lists/{call_list_id}/next",
        "POST /api/v1/call-lists/{call_list_id}/entries/{entry_id}",
        "GET /api/v1/scripts",
        "GET /api/v1/objections",
        "GET /api/v1/objections/report",
        "GET /api/v1/greetings",
        "POST /api/v1/greetings",
        "GET /api/v1/events",
        "POST /api/v1/events",
        "GET /api/v1/events/{event_id}",
        "GET /api/v1/events/{event_id}/invitations",
        "POST /api/v1/events/{event_id}/invitations",
        "POST /api/v1/invitations/{invitation_id}/answer",
        "GET /api/v1/reports/calls",
        "GET /api/v1/reports/monthly",
        "GET /api/v1/reports/monthly/{report_id}",
        "POST /api/v1/mail",
        "GET /api/v1/mail/outbox",
        "GET /api/v1/mail/outbox/{message_id}",
        "GET /api/v1/mail/quarantine",
        "GET /api/v1/mail/quarantine/{inbound_id}",
        "POST /api/v1/mail/quarantine/{inbound_id}/reprocess",
        "POST /api/v1/mailings",
        "GET /api/v1/mailings",
        "GET /api/v1/mailings/{mailing_id}",
        "GET /api/v1/products",
        "POST /api/v1/products",
        "GET /api/v1/products/{product_id}",
        "PATCH /api/v1/products/{product_id}",
        "PUT /api/v1/products/{product_id}/stock",
        "POST /api/v1/products/stock",
        "GET /api/v1/products/{product_id}/history",
        "GET /api/v1/price-lists/{price_list_id}/history",
        "GET /api/v1/price-lists",
        "POST /api/v1/price-lists",
        "GET /api/v1/price-lists/{price_list_id}",
        "PATCH /api/v1/price-lists/{price_list_id}",
        "GET /api/v1/exchange-rates",
        "POST /api/v1/exchange-rates",
        "GET /api/v1/companies/{company_id}/prices",
        "PUT /api/v1/companies/{company_id}/prices/{product_id}",
        "DELETE /api/v1/companies/{company_id}/prices/{product_id}",
        "GET /api/v1/companies/{company_id}/prices/{product_id}",
        "GET /api/v1/pipelines",
        "POST /api/v1/pipelines",
        "GET /api/v1/deals",
        "POST /api/v1/deals",
        "GET /api/v1/deals/board",
        "GET /api/v1/deals/forecast",
        "GET /api/v1/deals/{deal_id}",
        "PATCH /api/v1/deals/{deal_id}",
        "GET /api/v1/deals/{deal_id}/history",
        "GET /api/v1/competitors/win-loss",
        "GET /api/v1/logistics-requests",
        "POST /api/v1/logistics-requests",
        "GET /api/v1/logistics-requests/{request_id}",
        "PATCH /api/v1/logistics-requests/{request_id}",
        "POST /api/v1/restock-notices",
        "GET /api/v1/quotes",
        "POST /api/v1/quotes",
        "POST /api/v1/quotes/mass",
        "GET /api/v1/quotes/mass/{mass_proposal_id}",
        "GET /api/v1/quotes/{quote_id}",
        "PATCH /api/v1/quotes/{quote_id}",
        "POST /api/v1/quotes/{quote_id}/send",
        "POST /api/v1/quotes/{quote_id}/request-approval",
        "POST /api/v1/quotes/{quote_id}/approve",
        "POST /api/v1/quotes/{quote_id}/revise",
        "GET /api/v1/quotes/{quote_id}/pdf",
        "GET /api/v1/quotes/{quote_id}/history",
        "POST /api/v1/public/quotes/{token}/accept",
        "POST /api/v1/public/quotes/{token}/decline",
        "GET /api/v1/orders",
        "POST /api/v1/orders",
        "POST /api/v1/orders/import",
        "GET /api/v1/orders/{order_id}",
        "PATCH /api/v1/orders/{order_id}",
        "GET /api/v1/orders/{order_id}/history",
        "GET /api/v1/contracts",
        "POST /api/v1/contracts",
        "GET /api/v1/contracts/{contract_id}",
        "PATCH /api/v1/contracts/{contract_id}",
        "POST /api/v1/contracts/{contract_id}/negotiate",
        "POST /api/v1/contracts/{contract_id}/request-approval",
        "POST /api/v1/contracts/{contract_id}/approve",
        "POST /api/v1/contracts/{contract_id}/sign",
        "POST /api/v1/contracts/{contract_id}/terminate",
        "GET /api/v1/contracts/{contract_id}/versions",
        "GET /api/v1/contracts/{contract_id}/diff",
        "GET /api/v1/contracts/{contract_id}/disagreements",
        "POST /api/v1/contracts/{contract_id}/disagreements",
        "PATCH /api/v1/contracts/{contract_id}/disagreements/{disagreement_id}",
        "GET /api/v1/contracts/{contract_id}/history",
        "GET /api/v1/contract-templates",
        "POST /api/v1/contract-templates",
        "POST /api/v1/companies/{company_id}/send-rates",
        "GET /api/v1/webhooks",
        "POST /api/v1/webhooks",
        "GET /api/v1/webhooks/{webhook_id}",
        "PATCH /api/v1/webhooks/{webhook_id}",
        "DELETE /api/v1/webhooks/{webhook_id}",
        "GET /api/v1/webhooks/{webhook_id}/deliveries",
        "POST /api/v1/webhooks/{webhook_id}/ping",
        "POST /api/v1/webhook-deliveries/{delivery_id}/redeliver",
        "GET /api/v1/competitors",
        "POST /api/v1/competitors",
        "GET /api/v1/competitors/{competitor_id}",
        "PATCH /api/v1/competitors/{competitor_id}",
        "GET /api/v1/competitors/{competitor_id}/history",
        "GET /api/v1/competitors/{competitor_id}/supplies",
        "GET /api/v1/companies/{company_id}/competitors",
        "POST /api/v1/companies/{company_id}/competitors",
        "PATCH /api/v1/competitor-supplies/{supply_id}",
        "DELETE /api/v1/competitor-supplies/{supply_id}",
        "GET /api/v1/business-calendars",
        "POST /api/v1/business-calendars",
        "GET /api/v1/business-calendars/{calendar_id}",
        "PATCH /api/v1/business-calendars/{calendar_id}",
        "GET /api/v1/sla-policies",
        "POST /api/v1/sla-policies",
        "GET /api/v1/sla-policies/{policy_id}",
        "PATCH /api/v1/sla-policies/{policy_id}",
        "GET /api/v1/tickets",
        "POST /api/v1/tickets",
        "GET /api/v1/tickets/{number}",
        "PATCH /api/v1/tickets/{number}",
        "POST /api/v1/tickets/{number}/merge",
        "GET /api/v1/tickets/{number}/messages",
        "POST /api/v1/tickets/{number}/messages",
        "GET /api/v1/macros",
        "GET /api/v1/kb/articles",
        "POST /api/v1/kb/articles",
        "GET /api/v1/kb/articles/{article_id}",
        "PATCH /api/v1/kb/articles/{article_id}",
        "POST /api/v1/kb/articles/{article_id}/vote",
    }


def test_it_describes_the_public_paths(document):
    assert {
        "/api/v1/companies",
        "/api/v1/companies/{company_id}",
        "/api/v1/companies/{company_id}/history",
        "/api/v1/me",
    } <= set(document["paths"])


def test_every_operation_documents_the_error_answers(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "403", "404", "422", "429"} <= codes, f"{method} {path}"
    assert "409" in document["paths"]["/api/v1/companies/{company_id}"]["patch"]["responses"]


def test_it_declares_bearer_authentication(document):
    schemes = document["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["TokenAuth"].items()


def test_the_documentation_page_is_served(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert "/api/v1/openapi.json" in response.content.decode()


def _schema_classes(base):
    for subclass in base.__subclasses__():
        yield subclass
        yield from _schema_classes(subclass)


def test_no_two_different_schemas_share_a_name():
    # OpenAPI components are keyed by class name: two different schemas of one name would make the
    # document describe one endpoint's answer with the other's fields.
    from ninja import Schema

    import klient.api.main  # noqa: F401 - imports every router and its schemas

    by_name = {}
    for schema in _schema_classes(Schema):
        if not schema.__module__.startswith("klient."):
            continue
        by_name.setdefault(schema.__name__, {})[schema.__module__] = schema.model_json_schema()
    clashes = {
        name: sorted(modules)
        for name, modules in by_name.items()
        if len({repr(document) for document in modules.values()}) > 1
    }
    assert clashes == {}
