"""Per-user rate limiting: the call over the limit gets 429 in the error format."""

import pytest
import time_machine
from django.utils import timezone

from klient.core.models import AuditEntry
from klient.customers.models import Company

pytestmark = pytest.mark.django_db

TOO_MANY = {"detail": "Too many requests; slow down and retry later.", "errors": []}


def test_the_call_over_the_limit_gets_429(api, alice, settings):
    settings.API_RATE_LIMIT = "3/m"
    client = api(alice)
    with time_machine.travel(timezone.now(), tick=False):
        assert [client.get("/me").status_code for _ in range(3)] == [200, 200, 200]
        fourth = client.get("/me")
    assert fourth.status_code == 429
    assert fourth.json() == TOO_MANY


def test_a_refused_write_changes_nothing(api, alice, settings):
    settings.API_RATE_LIMIT = "3/m"
    client = api(alice)
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(3):
            client.get("/me")
        audit_before = AuditEntry.objects.count()
        response = client.post("/companies", {"name": "Acme"})
    assert response.status_code == 429
    assert Company.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_each_user_has_their_own_allowance(api, alice, bob, settings):
    settings.API_RATE_LIMIT = "3/m"
    alice_api, bob_api = api(alice), api(bob)
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(3):
            alice_api.get("/me")
        assert alice_api.get("/me").status_code == 429
        assert bob_api.get("/me").status_code == 200


def test_the_allowance_comes_back_after_the_period(api, alice, settings):
    settings.API_RATE_LIMIT = "3/m"
    client = api(alice)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(3):
            client.get("/me")
        assert client.get("/me").status_code == 429
    with time_machine.travel(start + timezone.timedelta(seconds=61), tick=False):
        assert client.get("/me").status_code == 200
