"""`klient mailgate` as an MTA runs it: a separate process with its own data directory (migrated once for
this module), the message on standard input, one JSON line on standard output, the exit code the MTA
acts on (0 once stored, 75 to retry), acknowledgements delivered to a real SMTP server; and a mailgate
killed midway through processing loses nothing and duplicates nothing."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.smtp import Sink, free_port

CORPUS = Path(__file__).parent / "mail"
EX_TEMPFAIL = 75


def environment(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("KLIENT_", "DATABASE_URL"))}
    # KLIENT_TESTING: jobs run in the process (no broker), as in the test suite.
    env.update({"KLIENT_DATA_DIR": str(data_dir), "KLIENT_TESTING": "1", **extra})
    return env


def klient(
    data_dir: Path, *args: str, stdin: bytes = b"", **extra: str
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "klient.cli", *args],
        input=stdin,
        capture_output=True,
        env=environment(data_dir, **extra),
        timeout=120,
        check=False,
    )


def rows(data_dir: Path, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(data_dir / "klient.sqlite3") as connection:
        return connection.execute(query).fetchall()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory migrated once (a fresh installation: the default queue "Support")."""
    path = tmp_path_factory.mktemp("klient-data")
    result = klient(path, "migrate", "-v", "0")
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    return path


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def answer(result: subprocess.CompletedProcess[bytes]) -> dict[str, Any]:
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 1, (lines, result.stderr.decode()[-2000:])
    parsed: dict[str, Any] = json.loads(lines[0])
    return parsed


def test_mailgate_prints_one_json_line_and_exits_0_once_stored(data_dir, sink):
    server, port = sink
    smtp = {"KLIENT_SMTP_URL": f"smtp://127.0.0.1:{port}"}
    before = rows(data_dir, "select count(*) from service_inboundmail")[0][0]
    results = [
        klient(data_dir, "mailgate", "--queue", "Support", stdin=(CORPUS / name).read_bytes(), **smtp)
        for name in (
            "01-iso-8859-2_question.eml",
            "02-reply_with_references.eml",
            "25-duplicate-message-id.eml",
            "31-empty.eml",
        )
    ]
    results.append(klient(data_dir, "mailgate", stdin=b"", **smtp))
    assert [result.returncode for result in results] == [0, 0, 0, 0, 0]
    answers = [answer(result) for result in results]
    assert [(item["status"], item["ticket"]) for item in answers] == [
        ("created", 1001, ), ("appended", 1001), ("duplicate", 1001), ("quarantined", None), ("quarantined", None),
    ]  # fmt: skip
    assert answers[0]["reason"] == "new ticket; acknowledged"
    assert answers[1]["reason"] == "References <s1@mleczarnia.example.pl>"
    assert answers[3]["reason"] == answers[4]["reason"] == "The message is empty."
    assert rows(data_dir, "select count(*) from service_inboundmail")[0][0] == before + 5
    assert rows(data_dir, "select source, queue_name from service_inboundmail order by id desc limit 1") == [
        ("mailgate", "")
    ]
    # The acknowledgement went out through the SMTP server, once, to Marta.
    assert server.recipients() == ["marta@mleczarnia.example.pl"]
    assert server.subjects() == [
        "[T-1001] We have received your request: Zamówienie nr 5512 – pytanie o termin"
    ]


def test_mailgate_exits_75_when_the_message_cannot_be_stored(tmp_path):
    # The database file cannot be opened (here: a directory stands where it should be), as when the data
    # directory is not writable or the disk is gone: the MTA must keep the message and retry.
    (tmp_path / "klient.sqlite3").mkdir()
    result = klient(tmp_path, "mailgate", stdin=(CORPUS / "01-iso-8859-2_question.eml").read_bytes())
    assert result.returncode == EX_TEMPFAIL
    reply = answer(result)
    assert (reply["status"], reply["ticket"]) == ("tempfail", None)
    assert reply["reason"].startswith("The message could not be stored: OperationalError: ")


def _lock(paths: list[Path], locked: bool) -> None:
    """Make files and a directory unwritable, for root too (the immutable attribute), or writable again."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i" if locked else "-i", *map(str, paths)], check=True)
    else:
        for path in paths:
            path.chmod((0o555 if path.is_dir() else 0o444) if locked else (0o755 if path.is_dir() else 0o644))


def test_mailgate_exits_75_when_the_data_directory_is_not_writable(data_dir, tmp_path):
    installed = tmp_path / "installed"
    installed.mkdir()
    (installed / "static").mkdir()
    (installed / "secret_key").write_bytes((data_dir / "secret_key").read_bytes())
    with (
        sqlite3.connect(data_dir / "klient.sqlite3") as source,
        sqlite3.connect(installed / "klient.sqlite3") as copy,
    ):
        source.backup(copy)
    paths = [installed / "klient.sqlite3", installed / "secret_key", installed / "static", installed]
    _lock(paths, True)
    try:
        result = klient(installed, "mailgate", stdin=(CORPUS / "12-gb2312.eml").read_bytes())
    finally:
        _lock(paths, False)
    assert result.returncode == EX_TEMPFAIL
    assert answer(result) == {
        "status": "tempfail",
        "ticket": None,
        "reason": "The message could not be stored: OperationalError: unable to open database file",
    }
    with sqlite3.connect(installed / "klient.sqlite3") as copy:
        assert copy.execute("select count(*) from service_inboundmail").fetchone() == (
            rows(data_dir, "select count(*) from service_inboundmail")[0][0],
        )


def test_a_mailgate_killed_midway_loses_nothing_and_duplicates_nothing(data_dir):
    raw = (CORPUS / "14-armenian-utf8.eml").read_bytes()
    tickets_before = rows(data_dir, "select count(*) from service_ticket")[0][0]
    process = subprocess.Popen(
        [sys.executable, "-m", "klient.cli", "mailgate"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment(data_dir, KLIENT_TEST_INTAKE_PAUSE="60"),
    )
    assert process.stdin is not None and process.stderr is not None
    process.stdin.write(raw)
    process.stdin.close()
    # It stored the message, made the ticket in its transaction, and now waits before the commit.
    line = process.stderr.readline()
    while line and b"pausing before the commit" not in line:
        line = process.stderr.readline()
    assert b"pausing before the commit" in line
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    # The raw message is kept, still "received"; the ticket was never committed.
    stored = rows(
        data_dir, "select id, status from service_inboundmail where message_key = '<a1@arm.example.am>'"
    )
    assert [status for _id, status in stored] == ["received"]
    assert rows(data_dir, "select count(*) from service_ticket")[0][0] == tickets_before
    # The sweep takes it up once.
    sweep = "from datetime import timedelta; from klient.service import intake; print(intake.sweep(older_than=timedelta(0)))"
    result = klient(data_dir, "shell", "-v", "0", "-c", sweep)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert result.stdout.decode().split() == ["1"]
    assert rows(
        data_dir, "select status, outcome from service_inboundmail where message_key = '<a1@arm.example.am>'"
    ) == [("processed", "created")]
    assert rows(data_dir, "select count(*) from service_ticket")[0][0] == tickets_before + 1
    again = klient(data_dir, "shell", "-v", "0", "-c", sweep)
    assert again.stdout.decode().split() == ["0"]
    # The MTA, not knowing, delivers it again: a duplicate, no second ticket.
    result = klient(data_dir, "mailgate", stdin=raw)
    assert result.returncode == 0
    assert answer(result)["status"] == "duplicate"
    assert rows(data_dir, "select count(*) from service_ticket")[0][0] == tickets_before + 1
    assert rows(
        data_dir, "select count(*) from service_ticketmessage where message_id = '<a1@arm.example.am>'"
    ) == [(1,)]


def test_mailgate_exits_75_when_klient_cannot_start(tmp_path):
    # The data directory cannot even be made (a file stands where its parent should be): settings fail
    # before any command runs, and the MTA must still be told to retry, not to bounce.
    (tmp_path / "a-file").write_text("")
    result = klient(tmp_path / "a-file" / "data", "mailgate", stdin=b"Subject: x\n\nx\n")
    assert result.returncode == EX_TEMPFAIL
    reply = answer(result)
    assert (reply["status"], reply["ticket"]) == ("tempfail", None)
    assert reply["reason"].startswith("Klient could not start: ")
