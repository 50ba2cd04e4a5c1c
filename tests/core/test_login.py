"""Signing in: password, lockout after repeated failures, and the optional TOTP second step."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def signed_in_username(client) -> str | None:
    """Who the client's session belongs to, as the API sees it."""
    response = client.get("/api/v1/me")
    return response.json()["username"] if response.status_code == 200 else None


def test_it_signs_in_with_the_password_and_follows_next(client, alice):
    response = client.post("/login/", {"username": "alice", "password": PASSWORD, "next": "/companies/"})
    assert response.status_code == 302
    assert response["Location"] == "/companies/"
    assert signed_in_username(client) == "alice"


def test_it_goes_home_without_next_and_ignores_a_foreign_next(client, alice):
    response = client.post(
        "/login/", {"username": "alice", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_a_wrong_password_is_refused(client, alice):
    response = client.post("/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()
    assert signed_in_username(client) is None
    assert AccessAttempt.objects.get(username="alice").failures_since_start == 1


def test_a_disabled_user_cannot_sign_in(client, alice):
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200
    assert signed_in_username(client) is None


def test_five_failures_lock_the_account_even_for_the_right_password(client, alice):
    for _ in range(4):
        assert client.post("/login/", {"username": "alice", "password": "wrong"}).status_code == 200
    assert AccessAttempt.objects.get(username="alice").failures_since_start == 4

    fifth = client.post("/login/", {"username": "alice", "password": "wrong"})
    assert fifth.status_code == 429
    assert "Too many attempts" in fifth.content.decode()
    assert AccessAttempt.objects.get(username="alice").failures_since_start == 5

    right = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert right.status_code == 429
    assert signed_in_username(client) is None


def test_the_lockout_is_per_username(client, alice, bob):
    for _ in range(5):
        client.post("/login/", {"username": "alice", "password": "wrong"})
    response = client.post("/login/", {"username": "bob", "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in_username(client) == "bob"


def test_a_success_before_the_limit_resets_the_count(client, alice):
    for _ in range(4):
        client.post("/login/", {"username": "alice", "password": "wrong"})
    client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert AccessAttempt.objects.filter(username="alice").count() == 0


def test_the_lock_ends_after_the_cool_off(client, alice):
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            client.post("/login/", {"username": "alice", "password": "wrong"})
        assert client.post("/login/", {"username": "alice", "password": PASSWORD}).status_code == 429
    with time_machine.travel(START + datetime.timedelta(minutes=16), tick=False):
        response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302


def code(device: TOTPDevice, at: datetime.datetime) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at.timestamp()
    return f"{totp.token():0{device.digits}d}"


def test_two_factor_sign_in_end_to_end(client, login, alice):
    # Turn it on from the profile: the page shows a QR code and the key; a code confirms it.
    with time_machine.travel(START, tick=False):
        setup = login(alice)
        page = setup.get("/me/two-factor/")
        device = TOTPDevice.objects.get(user=alice)
        assert device.confirmed is False
        assert "<svg" in page.content.decode()

        wrong_code = f"{(int(code(device, START)) + 1) % 1_000_000:06d}"
        refused = setup.post("/me/two-factor/", {"token": wrong_code})
        assert "That code is not valid." in refused.content.decode()
        assert TOTPDevice.objects.get(pk=device.pk).confirmed is False

    # A failed code throttles the device for a second (django-otp): the next try comes a little later.
    with time_machine.travel(START + datetime.timedelta(seconds=5), tick=False):
        confirmed = setup.post("/me/two-factor/", {"token": code(device, START)})
        assert confirmed.status_code == 302
        assert confirmed["Location"] == "/me/"
        assert TOTPDevice.objects.get(pk=device.pk).confirmed is True
        assert "Two-factor sign-in is on." in setup.get("/me/").content.decode()

    # Signing in now asks for a code after the password.
    later = START + datetime.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        first_step = client.post(
            "/login/", {"username": "alice", "password": PASSWORD, "next": "/companies/"}
        )
        assert first_step.status_code == 302
        assert first_step["Location"] == "/login/code/?next=/companies/"
        assert signed_in_username(client) is None

        wrong = client.post("/login/code/?next=/companies/", {"token": "12345", "next": "/companies/"})
        assert wrong.status_code == 200
        assert "That code is not valid." in wrong.content.decode()
        assert signed_in_username(client) is None

    later += datetime.timedelta(seconds=30)
    with time_machine.travel(later, tick=False):
        right = client.post("/login/code/", {"token": code(device, later), "next": "/companies/"})
        assert right.status_code == 302
        assert right["Location"] == "/companies/"
        assert signed_in_username(client) == "alice"


def test_a_code_from_long_ago_is_refused(client, alice):
    device = TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    with time_machine.travel(START, tick=False):
        client.post("/login/", {"username": "alice", "password": PASSWORD})
        old = code(device, START - datetime.timedelta(minutes=10))
        response = client.post("/login/code/", {"token": old})
    assert "That code is not valid." in response.content.decode()
    assert signed_in_username(client) is None


def test_the_code_step_without_a_password_step_goes_back_to_sign_in(client, alice):
    response = client.post("/login/code/", {"token": "123456"})
    assert response.status_code == 302
    assert response["Location"] == "/login/"


def test_turning_two_factor_off_needs_the_password(login, alice):
    TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    client = login(alice)
    refused = client.post("/me/two-factor/off/", {"password": "wrong"})
    assert refused["Location"] == "/me/"
    assert TOTPDevice.objects.filter(user=alice).count() == 1
    client.post("/me/two-factor/off/", {"password": PASSWORD})
    assert TOTPDevice.objects.filter(user=alice).count() == 0
    assert "Two-factor sign-in is off." in client.get("/me/").content.decode()


def test_signing_out_ends_the_session(login, alice):
    client = login(alice)
    response = client.post("/logout/")
    assert response["Location"] == "/login/"
    assert signed_in_username(client) is None
