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
        "POST /api/v1/companies/{company_id}/merge",
        "POST /api/v1/contacts/{contact_id}/merge",
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
