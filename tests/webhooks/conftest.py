"""Fixtures of the webhooks tests: a real HTTP(S) receiver on loopback that records what it gets and
answers the statuses it is told to, and subscriptions pointing at it."""

from __future__ import annotations

import http.server
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from klient.core.models import User
from klient.webhooks.models import WebhookSubscription
from klient.webhooks.services import webhook_subscription_create


@dataclass
class Received:
    """One request the receiver got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A webhook endpoint on 127.0.0.1: answers the next status of `statuses` (200 when none is left)."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    location: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> int:
        with self.lock:
            return self.statuses.pop(0) if self.statuses else 200


def _handler(receiver: Receiver) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with receiver.lock:
                receiver.requests.append(Received("POST", self.path, dict(self.headers.items()), body))
            status = receiver.answer()
            text = b"ok" if status < 300 else b"x" * 5000  # a long answer: the log keeps its start
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", receiver.location or "/elsewhere")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def insecure(settings: Any) -> None:
    """http:// and loopback addresses allowed, as in development."""
    settings.WEBHOOKS_ALLOW_INSECURE = True


@contextmanager
def _serve(receiver: Receiver, context: ssl.SSLContext | None) -> Iterator[http.server.HTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver(insecure: None) -> Iterator[Receiver]:
    """An http:// receiver (WEBHOOKS_ALLOW_INSECURE on)."""
    found = Receiver()
    with _serve(found, None) as server:
        found.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/klient"
        yield found


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: Any) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl CLI: (certificate, key)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_receiver(insecure: None, certificate: tuple[Path, Path]) -> Iterator[Receiver]:
    """An https:// receiver with the self-signed certificate."""
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    found = Receiver()
    with _serve(found, context) as server:
        found.url = f"https://127.0.0.1:{server.server_address[1]}/hooks/klient"
        yield found


@pytest.fixture
def hook(root: User, receiver: Receiver) -> WebhookSubscription:
    """root's subscription to quote events, pointing at the receiver."""
    return webhook_subscription_create(
        actor=root, name="ERP", url=receiver.url, events=["quote.sent", "quote.accepted"]
    )


@pytest.fixture(autouse=True)
def _no_static_file_scan(settings: Any) -> None:
    settings.WHITENOISE_USE_FINDERS = False
