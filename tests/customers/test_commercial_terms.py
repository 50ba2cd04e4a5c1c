"""Commercial terms (payment terms, discount) are shown and changed only with view_commercial_terms."""

import decimal

import pytest

from klient.core.models import AuditEntry
from klient.customers.api import CompanyOut
from klient.customers.exports import COMPANY_COLUMNS
from klient.customers.models import Company
from klient.customers.services import company_create

pytestmark = pytest.mark.django_db

# Every key of a company in the API but the commercial terms (tests/api/test_companies_fields.py).
BASIC_KEYS = set(CompanyOut.model_fields) - set(Company.COMMERCIAL_FIELDS)
CSV_BASIC = ",".join(COMPANY_COLUMNS)
CSV_TERMS = "price_type,payment_terms_days,credit_limit,discount_percent,individual_services,delivery_terms"
# Acme's row in the export: no address, phone or web; a prospect owned by alice in North; not key.
CSV_ACME = ",Acme,,,,PL,,,,,,,,,,,,prospect,,,alice,North,,,,,no,,"


@pytest.fixture
def acme(alice):
    return company_create(
        actor=alice, name="Acme", country="PL", payment_terms_days=45, discount_percent=decimal.Decimal("7.5")
    )


def csv_lines(client) -> list[str]:
    response = client.get("/companies/export.csv")
    return b"".join(response.streaming_content).decode().lstrip("\ufeff").splitlines()


def test_a_service_agent_reads_the_card_without_terms(api, login, sam, acme):
    body = api(sam).get(f"/companies/{acme.pk}").json()
    assert set(body) == BASIC_KEYS
    listed = api(sam).get("/companies").json()["items"]
    assert [set(item) for item in listed] == [BASIC_KEYS]

    assert csv_lines(login(sam)) == [CSV_BASIC, f"{acme.pk}{CSV_ACME}"]

    card = login(sam).get(f"/companies/{acme.pk}/").content.decode()
    assert 'data-field="payment_terms_days"' not in card
    assert 'data-field="discount_percent"' not in card
    assert "Payment terms" not in card


def test_finance_reads_the_terms_everywhere(api, login, fiona, acme):
    body = api(fiona).get(f"/companies/{acme.pk}").json()
    assert set(body) == BASIC_KEYS | set(Company.COMMERCIAL_FIELDS)
    assert (body["payment_terms_days"], body["discount_percent"]) == (45, "7.50")

    assert csv_lines(login(fiona)) == [f"{CSV_BASIC},{CSV_TERMS}", f"{acme.pk}{CSV_ACME},,45,,7.50,,"]

    card = login(fiona).get(f"/companies/{acme.pk}/").content.decode()
    assert '<dd data-field="payment_terms_days">45</dd>' in card
    assert '<dd data-field="discount_percent">7.5</dd>' in card


def test_the_list_page_shows_the_terms_column_only_with_the_permission(login, sam, fiona, acme):
    assert "Payment terms (days)" not in login(sam).get("/companies/").content.decode()
    assert "<td>45</td>" in login(fiona).get("/companies/").content.decode()


def test_the_edit_form_offers_terms_only_with_the_permission(login, alice, tom, acme):
    assert 'name="payment_terms_days"' in login(alice).get(f"/companies/{acme.pk}/edit/").content.decode()
    own = company_create(actor=tom, name="Tom's")
    form = login(tom).get(f"/companies/{own.pk}/edit/").content.decode()
    assert 'name="name"' in form
    assert 'name="payment_terms_days"' not in form
    assert 'name="discount_percent"' not in form


def test_a_user_without_the_permission_cannot_set_terms_through_the_api(api, tom):
    tom_api = api(tom)
    audit_before = AuditEntry.objects.count()
    created = tom_api.post("/companies", {"name": "Tom's", "payment_terms_days": 10})
    assert created.status_code == 403
    assert created.json() == {"detail": "You may not set commercial terms.", "errors": []}
    assert Company.objects.count() == 0

    own = company_create(actor=tom, name="Tom's")
    changed = tom_api.patch(f"/companies/{own.pk}", {"version": 1, "discount_percent": "50"})
    assert changed.status_code == 403
    stored = Company.objects.get(pk=own.pk)
    assert (stored.discount_percent, stored.version) == (None, 1)
    assert AuditEntry.objects.count() == audit_before + 1  # only the creation


def test_posting_terms_in_the_ui_form_without_the_permission_is_refused(login, tom):
    own = company_create(actor=tom, name="Tom's")
    audit_before = AuditEntry.objects.count()
    response = login(tom).post(
        f"/companies/{own.pk}/edit/",
        {
            "name": "Tom's Renamed",
            "owner": tom.pk,
            "team": tom.team_id,
            "payment_terms_days": "90",
            "discount_percent": "30",
            "version": "1",
        },
    )
    # The form has no such fields for tom: a post carrying them is refused whole, and nothing changes.
    assert response.status_code == 403
    assert '<div class="form-errors" role="alert"><p>You may not set commercial terms.</p></div>' in (
        response.content.decode()
    )
    stored = Company.objects.get(pk=own.pk)
    assert (stored.name, stored.payment_terms_days, stored.discount_percent, stored.version) == (
        "Tom's",
        None,
        None,
        1,
    )
    assert AuditEntry.objects.count() == audit_before


def test_creating_with_terms_without_the_permission_is_refused(login, tom):
    response = login(tom).post("/companies/new/", {"name": "Tom's", "credit_limit": "1000"})
    assert response.status_code == 403
    assert Company.objects.count() == 0


def test_the_edit_form_sets_every_commercial_term_with_the_permission(login, alice, acme, wholesale):
    response = login(alice).post(
        f"/companies/{acme.pk}/edit/",
        {
            "name": "Acme",
            "country": "PL",
            "owner": alice.pk,
            "team": alice.team_id,
            "price_type": wholesale.pk,
            "payment_terms_days": "30",
            "credit_limit": "50000.00",
            "discount_percent": "12.5",
            "individual_services": "Own warehouse slot",
            "delivery_terms": "48 h",
            "is_key_account": "on",
            "version": "1",
        },
    )
    assert response.status_code == 302
    stored = Company.objects.get(pk=acme.pk)
    assert [getattr(stored, name) for name in Company.COMMERCIAL_FIELDS] == [
        wholesale,
        30,
        decimal.Decimal("50000.00"),
        decimal.Decimal("12.50"),
        "Own warehouse slot",
        "48 h",
    ]
    assert (stored.is_key_account, stored.version) == (True, 2)
