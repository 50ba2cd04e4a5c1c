"""Remote images in mail on a ticket's page: blocked until the reader asks, then shown for that message and
that response only, with a policy that lets https images in; everything else stays as strict."""

from __future__ import annotations

import re
from typing import Any

import pytest

from klient.service import intake
from klient.service.models import MessageKind, Ticket, TicketMessage

pytestmark = pytest.mark.django_db

NOTICE = "Remote images are not shown."
SRC = re.compile(r'(?<![\w-])src="(https?://[^"]*)"')
DEFAULT_IMG_SRC = ["'self'", "data:"]


def _mail(message_id: str, html: str, *, subject: str = "Zdjęcia", in_reply_to: str = "") -> bytes:
    headers = (
        "From: Marta Nowak <marta@mleczarnia.example.pl>\n"
        "To: support@klient.example\n"
        f"Subject: {subject}\n"
        f"Message-ID: <{message_id}>\n"
        + (f"In-Reply-To: <{in_reply_to}>\n" if in_reply_to else "")
        + "MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n"
    )
    return (headers + html + "\n").encode()


def _receive(raw: bytes) -> Ticket:
    _inbound, outcome = intake.receive(raw, source="mailgate")
    assert outcome.ticket is not None, outcome
    return Ticket.objects.get(number=outcome.ticket)


@pytest.fixture
def ticket(marta: Any, support: Any) -> Ticket:
    first = _receive(
        _mail(
            "p1@mleczarnia.example.pl",
            '<p>Paleta:</p><img src="https://img.mleczarnia.example.pl/paleta.jpg?a=1&amp;b=2" alt="paleta">'
            '<img src="http://img.mleczarnia.example.pl/stary.gif" alt="stary">',
        )
    )
    second = _receive(
        _mail(
            "p2@mleczarnia.example.pl",
            '<p>Jeszcze:</p><img src="https://img.mleczarnia.example.pl/karton.jpg" alt="karton">',
            subject="Re: Zdjęcia",
            in_reply_to="p1@mleczarnia.example.pl",
        )
    )
    assert second == first
    return first


@pytest.fixture
def other_ticket(marta: Any, support: Any) -> Ticket:
    return _receive(
        _mail("o1@mleczarnia.example.pl", '<img src="https://img.mleczarnia.example.pl/inny.jpg" alt="inny">')
    )


def _messages(ticket: Ticket) -> list[TicketMessage]:
    """The customer's mails (the ticket also carries its acknowledgement, in plain text)."""
    return list(ticket.messages.filter(kind=MessageKind.EMAIL_IN).order_by("id"))


def _policy(response: Any) -> dict[str, list[str]]:
    directives = [part.strip().split() for part in response["Content-Security-Policy"].split(";")]
    return {parts[0]: parts[1:] for parts in directives if parts}


def _notices(html: str) -> list[str]:
    return re.findall(r'data-remote-images="(\d+)"', html)


def test_intake_keeps_remote_images_without_src(ticket: Ticket) -> None:
    first, second = _messages(ticket)
    assert first.body_html == (
        '<p>Paleta:</p><img data-remote-src="https://img.mleczarnia.example.pl/paleta.jpg?a=1&amp;b=2" '
        'alt="paleta"><img data-remote-src="http://img.mleczarnia.example.pl/stary.gif" alt="stary">'
    )
    assert second.body_html == (
        '<p>Jeszcze:</p><img data-remote-src="https://img.mleczarnia.example.pl/karton.jpg" alt="karton">'
    )


def test_without_consent_nothing_remote_loads(ticket: Ticket, sam: Any, login: Any) -> None:
    first, second = _messages(ticket)
    response = login(sam).get(f"/service/tickets/{ticket.number}/")
    html = response.content.decode()
    assert SRC.findall(html) == []
    assert _notices(html) == [str(first.pk), str(second.pk)]
    assert html.count(NOTICE) == 2
    assert f'<a href="?images={first.pk}" data-action="show-images">Show images</a>' in html
    assert f'<a href="?images={second.pk}" data-action="show-images">Show images</a>' in html
    policy = _policy(response)
    assert policy["img-src"] == DEFAULT_IMG_SRC
    assert "https:" not in response["Content-Security-Policy"]


def test_consent_shows_that_messages_https_images_only(ticket: Ticket, sam: Any, login: Any) -> None:
    first, second = _messages(ticket)
    client = login(sam)
    strict = _policy(client.get(f"/service/tickets/{ticket.number}/"))
    response = client.get(f"/service/tickets/{ticket.number}/?images={first.pk}")
    html = response.content.decode()
    # The https image of the first message loads; its plain-http one and the second message's stay blocked.
    assert SRC.findall(html) == ["https://img.mleczarnia.example.pl/paleta.jpg?a=1&amp;b=2"]
    assert '<img data-remote-src="http://img.mleczarnia.example.pl/stary.gif" alt="stary">' in html
    assert '<img data-remote-src="https://img.mleczarnia.example.pl/karton.jpg" alt="karton">' in html
    assert _notices(html) == [str(second.pk)]
    policy = _policy(response)
    assert policy["img-src"] == [*DEFAULT_IMG_SRC, "https:"]
    # Nothing else of the policy changes.
    assert {k: v for k, v in policy.items() if k != "img-src"} == {
        k: v for k, v in strict.items() if k != "img-src"
    }


def test_consent_lasts_one_response(ticket: Ticket, sam: Any, login: Any) -> None:
    first, _second = _messages(ticket)
    client = login(sam)
    client.get(f"/service/tickets/{ticket.number}/?images={first.pk}")
    response = client.get(f"/service/tickets/{ticket.number}/")
    assert SRC.findall(response.content.decode()) == []
    assert _policy(response)["img-src"] == DEFAULT_IMG_SRC


def test_a_message_of_another_ticket_changes_nothing(
    ticket: Ticket, other_ticket: Ticket, sam: Any, login: Any
) -> None:
    client = login(sam)
    strict = client.get(f"/service/tickets/{ticket.number}/")
    other_message = _messages(other_ticket)[0]
    for images in (str(other_message.pk), "999999", "abc", "-1", ""):
        response = client.get(f"/service/tickets/{ticket.number}/?images={images}")
        assert response.status_code == 200
        assert SRC.findall(response.content.decode()) == []
        assert _notices(response.content.decode()) == _notices(strict.content.decode())
        assert response["Content-Security-Policy"] == strict["Content-Security-Policy"]


def test_the_reader_of_the_other_ticket_sees_its_images_on_consent(
    other_ticket: Ticket, alice: Any, login: Any
) -> None:
    # alice (mleczarnia's owner) reads the tickets of her company: consent works for any reader.
    (message,) = _messages(other_ticket)
    response = login(alice).get(f"/service/tickets/{other_ticket.number}/?images={message.pk}")
    assert SRC.findall(response.content.decode()) == ["https://img.mleczarnia.example.pl/inny.jpg"]
    assert "https:" in _policy(response)["img-src"]


def test_other_pages_keep_the_strict_policy(ticket: Ticket, sam: Any, login: Any) -> None:
    first, _second = _messages(ticket)
    response = login(sam).get(f"/service/tickets/?images={first.pk}")
    assert _policy(response)["img-src"] == DEFAULT_IMG_SRC


def test_words_that_look_like_an_image_address_stay_words() -> None:
    from klient.service.parsing import sanitize_html
    from klient.service.views import _show_remote_images

    html = sanitize_html(
        '<p>data-remote-src="https://evil.example/a.png"</p>'
        '<img alt=\'x data-remote-src="https://evil.example/b.png"\' src="https://ok.example/c.png">'
    )
    shown = _show_remote_images(html)
    assert SRC.findall(shown) == ["https://ok.example/c.png"]
    assert shown.count("evil.example") == 2
