"""`klient fetchmail` against a real IMAP server: a minimal IMAP4rev1 server written here (LOGIN, SELECT,
UID SEARCH, UID FETCH BODY.PEEK[], UID STORE, EXPUNGE, LOGOUT) that imaplib talks to over TCP. A message
is flagged seen (or deleted) on the server only after it is committed here; one fetched twice is a
duplicate, never a second ticket."""

from __future__ import annotations

import io
import json
import re
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.utils import OperationalError

from klient.service import intake
from klient.service.models import InboundMail, Mailbox, Queue, Ticket

CORPUS = Path(__file__).parent / "mail"
TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)')


@dataclass
class StoredMessage:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class ImapState:
    """The server's one folder (INBOX), its account, and what the test wants to observe or break."""

    user: str = "desk"
    password: str = "s3cret pass"
    messages: list[StoredMessage] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    refuse_store: bool = False
    next_uid: int = 1

    def add(self, raw: bytes) -> int:
        self.messages.append(StoredMessage(self.next_uid, raw))
        self.next_uid += 1
        return self.next_uid - 1


def _tokens(text: str) -> list[str]:
    """The arguments of a command line: atoms and "quoted strings" (unescaped)."""
    return [
        plain or quoted.replace('\\"', '"').replace("\\\\", "\\") for quoted, plain in TOKEN.findall(text)
    ]


class ImapHandler(socketserver.StreamRequestHandler):
    state: ImapState

    def send(self, line: str | bytes) -> None:
        self.wfile.write(line if isinstance(line, bytes) else line.encode() + b"\r\n")

    def handle(self) -> None:
        state = self.server.state  # type: ignore[attr-defined]
        selected = False
        authenticated = False
        self.send("* OK [CAPABILITY IMAP4rev1] Test IMAP server ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            text = line.decode().rstrip("\r\n")
            tag, _space, rest = text.partition(" ")
            command, _space, arguments = rest.partition(" ")
            command = command.upper()
            if command == "UID":
                sub, _space, arguments = arguments.partition(" ")
                command = f"UID {sub.upper()}"
            state.commands.append(command)
            if command == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1")
                self.send(f"{tag} OK CAPABILITY completed")
            elif command == "NOOP":
                self.send(f"{tag} OK NOOP completed")
            elif command == "LOGIN":
                user, password = _tokens(arguments)[:2]
                if (user, password) == (state.user, state.password):
                    authenticated = True
                    self.send(f"{tag} OK LOGIN completed")
                else:
                    self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials")
            elif command == "LOGOUT":
                self.send("* BYE logging out")
                self.send(f"{tag} OK LOGOUT completed")
                return
            elif not authenticated:
                self.send(f"{tag} BAD sign in first")
            elif command == "SELECT":
                if _tokens(arguments)[0].upper() != "INBOX":
                    self.send(f"{tag} NO no such folder")
                    continue
                selected = True
                self.send(f"* {len(state.messages)} EXISTS")
                self.send("* 0 RECENT")
                self.send("* OK [UIDVALIDITY 1] UIDs valid")
                self.send(r"* FLAGS (\Seen \Deleted)")
                self.send(f"{tag} OK [READ-WRITE] SELECT completed")
            elif not selected:
                self.send(f"{tag} BAD select a folder first")
            elif command == "UID SEARCH":
                criterion = arguments.strip().upper()
                if criterion == "UNSEEN":
                    found = [m.uid for m in state.messages if "\\Seen" not in m.flags]
                elif criterion == "UNDELETED":
                    found = [m.uid for m in state.messages if "\\Deleted" not in m.flags]
                else:
                    found = [m.uid for m in state.messages]
                self.send("* SEARCH" + "".join(f" {uid}" for uid in found))
                self.send(f"{tag} OK SEARCH completed")
            elif command == "UID FETCH":
                uid_text, _space, items = arguments.partition(" ")
                if "BODY.PEEK[]" not in items.upper():
                    self.send(f"{tag} BAD only BODY.PEEK[] here")
                    continue
                for number, message in enumerate(state.messages, start=1):
                    if message.uid == int(uid_text):
                        self.send(
                            f"* {number} FETCH (UID {message.uid} BODY[] {{{len(message.raw)}}}".encode()
                            + b"\r\n"
                            + message.raw
                            + b")\r\n"
                        )
                self.send(f"{tag} OK FETCH completed")
            elif command == "UID STORE":
                if state.refuse_store:
                    self.send(f"{tag} NO the server is read-only now")
                    continue
                uid_text, operation, flags = _tokens(arguments)[:3]
                for message in state.messages:
                    if message.uid == int(uid_text) and operation.upper().startswith("+FLAGS"):
                        message.flags.update(flags.strip("()").split())
                self.send(f"{tag} OK STORE completed")
            elif command == "EXPUNGE":
                for number in range(len(state.messages), 0, -1):
                    if "\\Deleted" in state.messages[number - 1].flags:
                        del state.messages[number - 1]
                        self.send(f"* {number} EXPUNGE")
                self.send(f"{tag} OK EXPUNGE completed")
            else:
                self.send(f"{tag} BAD unknown command {command}")


class ImapServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture
def imap() -> Iterator[tuple[ImapState, int]]:
    server = ImapServer(("127.0.0.1", 0), ImapHandler)
    server.state = ImapState()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.state, server.server_address[1]  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def mailbox(imap: tuple[ImapState, int], support: Queue) -> Mailbox:
    state, port = imap
    billing = Queue.objects.create(name="Billing")
    return Mailbox.objects.create(
        name="Desk",
        host="127.0.0.1",
        port=port,
        use_ssl=False,
        username=state.user,
        password=state.password,
        queue=billing,
    )


def fetchmail(*args: str) -> list[dict[str, Any]]:
    out = io.StringIO()
    call_command("fetchmail", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_it_takes_in_unseen_mail_and_flags_it_seen_after_the_commit(imap, mailbox, marta):
    state, _port = imap
    state.add((CORPUS / "01-iso-8859-2_question.eml").read_bytes())
    state.add((CORPUS / "12-gb2312.eml").read_bytes())
    state.messages[1].flags.add("\\Seen")  # read by someone already: left alone
    assert fetchmail() == [{"mailbox": "Desk", "fetched": 1, "error": None}]
    ticket = Ticket.objects.get()
    assert (ticket.number, ticket.queue.name, ticket.contact) == (1001, "Billing", marta)
    inbound = InboundMail.objects.get()
    assert (inbound.source, inbound.queue_name, inbound.outcome) == ("imap:Desk", "Billing", "created")
    assert [message.flags for message in state.messages] == [{"\\Seen"}, {"\\Seen"}]
    # Only BODY.PEEK[] was fetched (the server's \Seen is set by the STORE, after the commit).
    assert state.commands.count("UID FETCH") == 1
    assert state.commands.index("UID STORE") > state.commands.index("UID FETCH")
    mailbox.refresh_from_db()
    assert mailbox.last_error == "" and mailbox.last_polled_at is not None
    # The next poll finds nothing new.
    assert fetchmail("--mailbox", "Desk") == [{"mailbox": "Desk", "fetched": 0, "error": None}]
    assert InboundMail.objects.count() == 1


def test_a_message_not_flagged_is_fetched_again_and_is_a_duplicate(imap, mailbox):
    state, _port = imap
    state.add((CORPUS / "14-armenian-utf8.eml").read_bytes())
    state.refuse_store = True
    result = intake.mailbox_poll(mailbox=mailbox)
    assert (result.fetched, result.error) == (0, "error: STORE refused: [b'the server is read-only now']")
    assert [outcome.status for outcome in result.outcomes] == []
    assert Ticket.objects.count() == 1  # committed here, though the server could not be told
    assert state.messages[0].flags == set()
    state.refuse_store = False
    result = intake.mailbox_poll(mailbox=mailbox)
    assert (result.fetched, result.error) == (1, "")
    assert [outcome.status for outcome in result.outcomes] == ["duplicate"]
    assert Ticket.objects.count() == 1
    assert state.messages[0].flags == {"\\Seen"}


def test_with_delete_after_it_deletes_and_expunges_only_what_was_stored(imap, mailbox, monkeypatch):
    state, _port = imap
    mailbox.delete_after = True
    mailbox.save()
    state.add((CORPUS / "08-windows-1251.eml").read_bytes())
    state.add((CORPUS / "09-koi8-r.eml").read_bytes())
    original = intake.store
    calls = []

    def store_failing_the_second(raw: bytes, **kwargs: Any) -> InboundMail:
        calls.append(raw)
        if len(calls) == 2:
            raise OperationalError("disk I/O error")
        return original(raw, **kwargs)

    monkeypatch.setattr(intake, "store", store_failing_the_second)
    result = intake.mailbox_poll(mailbox=mailbox)
    assert (result.fetched, result.error) == (1, "OperationalError: disk I/O error")
    # The first is stored and deleted on the server; the second, not stored, stays there untouched.
    assert [(message.uid, message.flags) for message in state.messages] == [(2, set())]
    assert InboundMail.objects.count() == 1
    monkeypatch.setattr(intake, "store", original)
    assert intake.mailbox_poll(mailbox=mailbox).fetched == 1
    assert state.messages == []
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["Отгрузка заказа 7788", "Счёт 4411"]


def test_a_wrong_password_is_recorded_on_the_mailbox(imap, mailbox):
    mailbox.password = "wrong"
    mailbox.save()
    with pytest.raises(CommandError):
        fetchmail()
    mailbox.refresh_from_db()
    assert mailbox.last_error == "error: b'[AUTHENTICATIONFAILED] Invalid credentials'"
    assert intake.mailbox_test(mailbox=mailbox) == "error: b'[AUTHENTICATIONFAILED] Invalid credentials'"
    mailbox.password = "s3cret pass"
    mailbox.folder = "Archive"
    mailbox.save()
    assert intake.mailbox_test(mailbox=mailbox).startswith("error: The folder Archive cannot be opened")
    mailbox.folder = "INBOX"
    mailbox.save()
    assert intake.mailbox_test(mailbox=mailbox) == ""
