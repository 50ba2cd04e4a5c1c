"""Jobs run through a real Celery worker: on Redis, and on the server-less transport `klient run` uses."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

KLIENT = [sys.executable, "-m", "klient.cli"]
SETUP = """
import datetime
from klient.core.models import Role
from klient.core.services import delegation_create, user_create
absent = user_create(username="absent", role=Role.ACCOUNT_MANAGER)
deputy = user_create(username="deputy", role=Role.ACCOUNT_MANAGER)
today = datetime.date.today()
delegation_create(absent_user=absent, deputy=deputy, actor=absent,
                  starts_on=today - datetime.timedelta(days=10), ends_on=today - datetime.timedelta(days=2))
delegation_create(absent_user=absent, deputy=deputy, actor=absent,
                  starts_on=today, ends_on=today + datetime.timedelta(days=5))
"""
ENDED_COUNT = "from klient.core.models import Delegation; print(Delegation.objects.filter(ended_at__isnull=False).count())"


def _redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=2).close()
    except OSError:
        return False
    return True


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("KLIENT_", "DATABASE_URL"))}
    env.update({"KLIENT_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "klient.settings", **extra})
    return env


def _klient(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*KLIENT, *args], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _start_worker(env: dict[str, str], data_dir: Path) -> subprocess.Popen[str]:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "klient",
        "worker",
        "--pool",
        "solo",
        "--loglevel",
        "INFO",
    ]
    log = (data_dir / "worker.log").open("w")
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)


def _wait_for(env: dict[str, str], expected: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    value = ""
    while time.monotonic() < deadline:
        value = _klient(env, "shell", "--no-imports", "-c", ENDED_COUNT)
        if value == expected:
            return value
        time.sleep(1)
    return value


def _stop(worker: subprocess.Popen[str]) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()


def test_a_task_runs_on_a_real_redis_broker_and_worker(tmp_path: Path) -> None:
    if not _redis_reachable():
        if os.environ.get("CI"):
            pytest.fail("CI must provide Redis on 127.0.0.1:6379")
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    env = _env(
        tmp_path,
        KLIENT_BROKER_URL="redis://127.0.0.1:6379/15",
        KLIENT_RESULT_BACKEND="redis://127.0.0.1:6379/15",
    )
    _klient(env, "migrate", "-v0")
    _klient(env, "shell", "--no-imports", "-c", SETUP)
    worker = _start_worker(env, tmp_path)
    try:
        answer = _klient(
            env,
            "shell",
            "--no-imports",
            "-c",
            "from klient.core.tasks import health_check, delegations_close_ended\n"
            "print(health_check.delay().get(timeout=60)['ok'], delegations_close_ended.delay().get(timeout=60))",
        )
    finally:
        _stop(worker)
    # The worker answered from the same database and closed exactly the one delegation that had ended.
    assert answer == "True 1", (tmp_path / "worker.log").read_text()
    assert _klient(env, "shell", "--no-imports", "-c", ENDED_COUNT) == "1"


def test_without_a_broker_server_tasks_run_on_the_database_transport(tmp_path: Path) -> None:
    env = _env(tmp_path)
    _klient(env, "migrate", "-v0")
    _klient(env, "shell", "--no-imports", "-c", SETUP)
    _klient(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from klient.core.tasks import delegations_close_ended; delegations_close_ended.delay()",
    )
    assert (tmp_path / "broker.sqlite3").exists()
    worker = _start_worker(env, tmp_path)
    try:
        ended = _wait_for(env, "1", seconds=60)
    finally:
        _stop(worker)
    assert ended == "1", (tmp_path / "worker.log").read_text()
