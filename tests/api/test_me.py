"""GET and PATCH /api/v1/me: the caller's profile and preferences."""

import pytest

from klient.activities.calendars.models import CalendarFeed
from klient.core.models import AuditEntry, User

pytestmark = pytest.mark.django_db


def test_it_describes_the_caller(api, alice):
    response = api(alice).get("/me")
    assert response.status_code == 200
    assert response.json() == {
        "username": "alice",
        "full_name": "Alice Archer",
        "email": "alice@example.com",
        "role": "account_manager",
        "team": "North",
        "language": "en",
        "timezone": "UTC",
        "calendar_feed_url": f"http://testserver/calendar/feed/{CalendarFeed.objects.get(user=alice).token}.ics",
    }


def test_a_user_without_a_team_has_team_null(api, sam):
    assert api(sam).get("/me").json()["team"] is None


def test_it_changes_language_and_time_zone(api, alice):
    response = api(alice).patch("/me", {"language": "hy", "timezone": "Asia/Yerevan"})
    assert response.status_code == 200
    assert (response.json()["language"], response.json()["timezone"]) == ("hy", "Asia/Yerevan")
    stored = User.objects.get(pk=alice.pk)
    assert (stored.language, stored.timezone) == ("hy", "Asia/Yerevan")
    assert api(alice).get("/me").json()["timezone"] == "Asia/Yerevan"
    entry = AuditEntry.objects.filter(object_id=alice.pk, content_type__model="user").first()
    assert entry.changes == {
        "language": {"from": "en", "to": "hy", "from_label": "English", "to_label": "Armenian"},
        "timezone": {"from": "UTC", "to": "Asia/Yerevan", "from_label": "UTC", "to_label": "Asia/Yerevan"},
    }


def test_it_changes_only_what_is_sent(api, alice):
    api(alice).patch("/me", {"timezone": "Europe/Warsaw"})
    stored = User.objects.get(pk=alice.pk)
    assert (stored.language, stored.timezone) == ("en", "Europe/Warsaw")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "utc"}, "timezone"),
        ({"language": "xx"}, "language"),
        ({"role": "admin"}, "role"),
    ],
)
def test_invalid_preferences_get_422_and_change_nothing(api, alice, payload, field):
    audit_before = AuditEntry.objects.count()
    response = api(alice).patch("/me", payload)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "The request is not valid."
    assert [error["field"] for error in body["errors"]] == [field]
    stored = User.objects.get(pk=alice.pk)
    assert (stored.role, stored.language, stored.timezone) == ("account_manager", "en", "UTC")
    assert AuditEntry.objects.count() == audit_before


def test_the_timezone_message_names_an_example(api, alice):
    errors = api(alice).patch("/me", {"timezone": "Mars/Olympus"}).json()["errors"]
    assert errors == [
        {
            "field": "timezone",
            "message": "Value error, unknown time zone; use an IANA name such as Europe/Warsaw",
        }
    ]
