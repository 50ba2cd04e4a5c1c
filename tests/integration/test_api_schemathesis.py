"""Schemathesis fuzzes the live API from its own OpenAPI document: no 500s, documented codes, valid bodies."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

KLIENT = [sys.executable, "-m", "klient.cli"]
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_api_conforms_to_its_openapi_document(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("KLIENT_", "DATABASE_URL"))}
    env.update(KLIENT_DATA_DIR=str(tmp_path), KLIENT_API_RATE_LIMIT="100000/m")
    for args in (["migrate", "-v0"], ["demo"]):
        subprocess.run([*KLIENT, *args], env=env, check=True, capture_output=True, timeout=120)
    token = (
        subprocess.run(
            [*KLIENT, "token", "create", "anna.kowalska"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = _free_port()
    server = subprocess.Popen(
        [*KLIENT, "run", "--no-demo", "--no-jobs", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "server.log").open("w"),
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        run = subprocess.run(
            [
                str(SCHEMATHESIS),
                "run",
                f"http://127.0.0.1:{port}/api/v1/openapi.json",
                "-H",
                f"Authorization: Bearer {token}",
                "--checks",
                "all",
                # Opaque cursors cannot be described in a schema, so a random one is rightly refused.
                "--exclude-checks",
                "positive_data_acceptance",
                "--max-examples",
                "25",
                "--seed",
                "20261125",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert run.returncode == 0, run.stdout[-60000:] + (tmp_path / "server.log").read_text()[-3000:]
    assert "failures" not in run.stdout.rsplit("SUMMARY", 1)[-1], run.stdout[-60000:]
