"""Production settings pass Django's deployment checks; every response carries the security headers."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client


def test_deploy_check_is_clean_with_production_variables(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KLIENT_")}
    env.update(
        KLIENT_DEBUG="0",
        KLIENT_SECRET_KEY=secrets.token_urlsafe(50),
        KLIENT_ALLOWED_HOSTS="crm.example.com",
        KLIENT_BASE_URL="https://crm.example.com",
        KLIENT_DATA_DIR=str(tmp_path),
    )
    done = subprocess.run(
        [sys.executable, "-m", "klient.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout


def test_deploy_check_fails_without_a_secure_setup(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KLIENT_")}
    env.update(KLIENT_DEBUG="1", KLIENT_DATA_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "klient.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "security.W018" in done.stderr  # DEBUG on in deployment


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_and_frame_denial() -> None:
    response = Client().get("/login/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_passwords_are_hashed_with_argon2_outside_tests(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KLIENT_")}
    env["KLIENT_DATA_DIR"] = str(tmp_path)
    script = (
        "from klient.core.models import Role; from klient.core.services import user_create; "
        "print(user_create(username='x', role=Role.TELESALES, password='Secret-pass-1').password.split('$')[0])"
    )
    for args in (["migrate", "-v0"], ["shell", "--no-imports", "-c", script]):
        done = subprocess.run(
            [sys.executable, "-m", "klient.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "argon2"
