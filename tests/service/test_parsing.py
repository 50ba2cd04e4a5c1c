"""Reading raw mail: charsets (declared, lying, undeclared), encoded headers, broken MIME, sanitised HTML,
attachments over the limit, quoted-reply and signature trimming, automatic mail and bounces. Content
problems never raise; only a message with nothing usable does."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klient.service.parsing import (
    ParseError,
    decode_bytes,
    decode_header_value,
    display_text,
    header_summary,
    html_to_text,
    parse,
    sanitize_html,
)

CORPUS = Path(__file__).parent / "mail"


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "subject", "text_start"),
    [
        (
            "01-iso-8859-2_question.eml",
            "Zamówienie nr 5512 – pytanie o termin",
            "Dzień dobry,\nkiedy dotrze zamówienie 5512?",
        ),
        ("08-windows-1251.eml", "Отгрузка заказа 7788", "Здравствуйте!\nПрошу сообщить"),
        ("09-koi8-r.eml", "Счёт 4411", "Добрый день!\nВ счёте номер 4411"),
        (
            "10-mislabelled-ascii-cp1251.eml",
            "Act of reconciliation",
            "Здравствуйте, коллеги!\nНаша бухгалтерия",
        ),
        ("11-mislabelled-utf8-cp1251.eml", "Missing pallets", "Добрый вечер!\nМы получили поставку"),
        ("12-gb2312.eml", "订单发货时间", "您好！\n请问订单号 3321 的货物什么时候发货？"),
        ("13-big5.eml", "發票付款期限", "您好，\n請問發票號碼 8890 的付款期限是什麼時候？"),
        ("14-armenian-utf8.eml", "Պայմանագիր", "Բարեւ Ձեզ,\nԽնդրում եմ ուղարկել պայմանագրի պատճենը։"),
        ("15-rfc2047-split.eml", "Reklamacija – oštećena roba", "Roba je stigla oštećena."),
        ("17-broken-bad-base64.eml", "Bad base64", "The base64 body is broken here and there"),
        ("18-no-content-type.eml", "No content type", "Plain old message without MIME headers."),
    ],
)
def test_it_reads_every_charset_and_encoding(name, subject, text_start):
    parsed = parse(corpus(name))
    assert parsed.subject == subject
    assert parsed.body_text.startswith(text_start)


def test_encoded_names_and_undeclared_8bit_headers_are_decoded():
    assert parse(corpus("08-windows-1251.eml")).from_name == "Иван Петров"
    assert parse(corpus("14-armenian-utf8.eml")).from_name == "Աննա Սարգսյան"
    assert parse(corpus("15-rfc2047-split.eml")).from_name == "Petar Petrović"
    # "Jan Zieliński" written in raw UTF-8 in the From header, nothing declared.
    parsed = parse(corpus("16-broken-no-closing-boundary.eml"))
    assert (parsed.from_name, parsed.from_email) == ("Jan Zieliński", "jan@firma.example.pl")
    assert decode_header_value("=?utf-8?q?a?= =?utf-8?q?b?=") == "ab"
    assert decode_header_value("=?x-unknown-charset?q?caf=C3=A9?=") == "café"


def test_a_lying_charset_is_detected_and_a_missing_one_tried_as_utf8():
    cyrillic = "Пожалуйста, пришлите счёт за поставку плитки и акт сверки за квартал.".encode("cp1251")
    assert decode_bytes(cyrillic, "us-ascii").startswith("Пожалуйста, пришлите счёт")
    assert decode_bytes(cyrillic, "utf-8").startswith("Пожалуйста, пришлите счёт")
    assert decode_bytes("zażółć".encode(), None) == "zażółć"
    assert decode_bytes(b"caf\xe9", "iso-8859-1") == "café"
    assert decode_bytes("中文".encode("gbk"), "gb2312") == "中文"


def test_broken_mime_keeps_what_can_be_read():
    parsed = parse(corpus("16-broken-no-closing-boundary.eml"))
    assert parsed.body_text == "The closing boundary of this message never comes."
    assert [(f.filename, f.content_type, f.content[:5]) for f in parsed.files] == [
        ("order.pdf", "application/pdf", b"%PDF-")
    ]
    no_boundary = (
        b"From: a@b.example\nSubject: x\nContent-Type: multipart/mixed\n\nJust text, no boundary at all.\n"
    )
    assert parse(no_boundary).body_text == "Just text, no boundary at all."


def test_html_is_sanitised_and_remote_images_do_not_load():
    parsed = parse(corpus("19-html-script-remote-cid.eml"))
    html = parsed.body_html
    for gone in (
        "<script",
        "alert(",
        "onload",
        "onclick",
        "<style",
        "track.example/bg.png",
        "<iframe",
        "evil.example",
    ):
        assert gone not in html
    assert '<img data-remote-src="https://track.example/pixel.gif" width="1" height="1">' in html
    assert '<img src="cid:screenshot@eva" alt="Screenshot">' in html
    assert (
        '<a href="https://shop.example.de/cart" rel="noopener noreferrer nofollow">der Warenkorb</a>' in html
    )
    assert parsed.body_text == "Hallo, der Warenkorb ist leer."
    [image] = parsed.files
    assert (image.filename, image.content_type, image.content_id, image.inline, image.content[:4]) == (
        "part-2.png", "image/png", "screenshot@eva", True, b"\x89PNG",
    )  # fmt: skip
    assert (
        sanitize_html('<p style="color: red; background: url(https://x.example/a.png)">Hi</p>')
        == '<p style="color:red">Hi</p>'
    )
    assert sanitize_html("<IMG SRC='//cdn.example/x.png'>") == '<img data-remote-src="//cdn.example/x.png">'
    assert sanitize_html(
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a><a href="javascript:alert(1)">y</a>'
        '<img src="data:image/png;base64,iVBOR"><img src="data:text/html,x">'
    ) == (
        '<a rel="noopener noreferrer nofollow">x</a><a rel="noopener noreferrer nofollow">y</a>'
        '<img src="data:image/png;base64,iVBOR"><img>'
    )


def test_text_is_made_from_html_when_there_is_no_text_part():
    parsed = parse(corpus("21-html_only.eml"))
    assert parsed.body_text == "Invoice attached"
    assert parsed.body_html == '<p style="color:red">Invoice <b>attached</b></p><img src="cid:logo">'
    assert html_to_text("<p>One<br>Two</p><ul><li>Three</li></ul><script>x()</script>") == "One\nTwo\n\nThree"


def test_attachments_forwarded_messages_and_the_size_limit(settings):
    parsed = parse(corpus("20-attachments.eml"))
    assert [(f.filename, f.content_type, f.inline, f.omitted) for f in parsed.files] == [
        ("Rechnung März.pdf", "application/pdf", False, False),
        ("foto.png", "image/png", False, False),
    ]
    forwarded = parse(corpus("22-forwarded_as_attachment.eml"))
    [message] = forwarded.files
    assert (message.filename, message.content_type) == ("Price list request.eml", "message/rfc822")
    assert b"Please send your price list." in message.content
    settings.KLIENT_MAIL_MAX_ATTACHMENT_BYTES = 50
    parsed = parse(corpus("20-attachments.eml"))
    assert [(f.filename, f.omitted, f.size, f.content) for f in parsed.files] == [
        ("Rechnung März.pdf", False, None, b"%PDF-1.4\n% a tiny pdf\n%%EOF\n"),
        ("foto.png", True, 70, b""),
    ]
    assert (
        parsed.display_text
        == "Anbei die Rechnung und ein Foto.\n\nAttachment foto.png (1 kB) was over the limit of 1 kB and was not kept."
    )
    assert parsed.body_text.endswith(
        "Attachment foto.png (1 kB) was over the limit of 1 kB and was not kept."
    )


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Thanks!\n\nOn Mon, 16 Nov 2026 at 08:02, Support <s@k.example> wrote:\n> Old text\n", "Thanks!"),
        ("Thanks!\n\nOn Mon, 16 Nov 2026 at 08:02, Support\n<s@k.example> wrote:\n> Old text\n", "Thanks!"),
        ("Dziękuję.\n\nW dniu 16.11.2026 o 08:02, Obsługa pisze:\n> Stary tekst\n", "Dziękuję."),
        ("Спасибо.\n\n16.11.2026 10:00, Служба поддержки пишет:\n> Старый текст\n", "Спасибо."),
        ("谢谢。\n\n在 2026年11月16日，客服 写道：\n> 旧的内容\n", "谢谢。"),
        ("Yes.\n\n-----Original Message-----\nFrom: Support\nSent: Monday\n\nOld\n", "Yes."),
        (
            "Yes.\n\nFrom: Support <s@k.example>\nSent: Monday, November 16, 2026 8:02 AM\nTo: Jan\nSubject: Re: x\n\nOld\n",
            "Yes.",
        ),
        ("Tak.\n\nOd: Obsługa <s@k.example>\nWysłano: poniedziałek\nDo: Jan\n\nStare\n", "Tak."),
        ("Answer one.\n> quoted\nAnswer two.\n", "Answer one.\n> quoted\nAnswer two."),
        ("Hello\n-- \nJan Nowak\nDirector\n", "Hello"),
        ("> only a quote\n", "> only a quote"),
    ],
)
def test_display_text_trims_the_quoted_message_and_the_signature(text, shown):
    assert display_text(text) == shown


def test_the_full_text_is_kept_besides_the_trimmed_one():
    parsed = parse(corpus("02-reply_with_references.eml"))
    assert parsed.display_text == "Dziękuję za informację."
    assert (
        parsed.body_text
        == "Dziękuję za informację.\n\n> Zamówienie zostanie wysłane w piątek.\n> -- \n> Zespół obsługi"
    )


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ("Auto-Submitted: auto-replied\n", "Auto-Submitted: auto-replied"),
        ("Auto-Submitted: no\n", ""),
        ("Precedence: bulk\n", "Precedence: bulk"),
        ("Precedence: junk\n", "Precedence: junk"),
        ("Precedence: list\n", "Precedence: list"),
        ("X-Autoreply: yes\n", "X-Autoreply"),
        ("X-Autorespond: yes\n", "X-Autorespond"),
        ("X-Auto-Response-Suppress: OOF\n", "X-Auto-Response-Suppress: oof"),
        ("Return-Path: <>\n", "Return-Path: <>"),
        ("", ""),
    ],
)
def test_automatic_mail_is_recognised(headers, reason):
    raw = f"From: jan@firma.example.pl\nSubject: Out of office\n{headers}\nI am away.\n".encode()
    assert parse(raw).automatic == reason


def test_a_bounce_names_the_message_it_returns():
    raw = corpus("06-dsn-bounce.eml").replace(b"%ACK_1001%", b"<klient.outbox.7.abc@localhost>")
    parsed = parse(raw)
    assert (parsed.automatic, parsed.is_bounce, parsed.bounce_of) == (
        "report: delivery-status",
        True,
        ["<klient.outbox.7.abc@localhost>"],
    )
    assert [(f.filename, f.content_type) for f in parsed.files] == [
        ("part-2.txt", "message/delivery-status"),
        ("part-3.txt", "text/rfc822-headers"),
    ]
    assert b"Status: 5.2.2" in parsed.files[0].content
    sample = parse(corpus("23-bounce_simple.eml"))
    assert (sample.automatic, sample.is_bounce, sample.bounce_of) == (
        "Auto-Submitted: auto-replied",
        True,
        [],
    )
    forwarded = parse(corpus("22-forwarded_as_attachment.eml"))
    assert (forwarded.is_bounce, forwarded.bounce_of) == (False, [])


def test_a_bounce_with_the_whole_original_message():
    original = b"From: Klient <klient@localhost>\nTo: x@y.example\nMessage-ID: <klient.outbox.9.def@localhost>\nSubject: Hi\n\nHello\n"
    raw = (
        b"From: MAILER-DAEMON@mx.example\nTo: klient@localhost\nSubject: failure\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
        b"--B\nContent-Type: text/plain\n\nFailed.\n--B\nContent-Type: message/rfc822\n\n"
        + original
        + b"\n--B--\n"
    )
    parsed = parse(raw)
    assert parsed.bounce_of == ["<klient.outbox.9.def@localhost>"]
    assert [(f.filename, f.content_type) for f in parsed.files] == [("Hi.eml", "message/rfc822")]


def test_threading_headers_and_addresses():
    parsed = parse(corpus("02-reply_with_references.eml"))
    assert parsed.in_reply_to == ["<ticket-1001-reply-1@klient.example>"]
    assert parsed.references == ["<s1@mleczarnia.example.pl>", "<ticket-1001-reply-1@klient.example>"]
    assert parsed.ticket_tags == [1001]
    logged = parse(corpus("27-log-bcc.eml"))
    assert (logged.to, logged.recipients) == (
        ["marta@mleczarnia.example.pl"],
        ["marta@mleczarnia.example.pl", "log@klient.example"],
    )
    assert header_summary(corpus("08-windows-1251.eml")) == (
        "<r1@stroy.example.ru>",
        "ivan@stroy.example.ru",
        "Отгрузка заказа 7788",
    )
    assert header_summary(b"") == ("", "", "")


def test_only_a_message_with_nothing_usable_raises():
    for raw, message in [
        (b"", "The message is empty."),
        (b"\n\n  \n", "The message is empty."),
        (corpus("33-garbage.eml"), "The message has no headers: it is not a mail message."),
    ]:
        with pytest.raises(ParseError) as error:
            parse(raw)
        assert str(error.value) == message
    headers_only = parse(corpus("30-headers-only.eml"))
    assert (headers_only.subject, headers_only.body_text) == ("Call me back please", "")


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                b"From: a@b.example\n",
                b"Subject: =?utf-8?b?w6k=?=\n",
                b"Content-Type: multipart/mixed; boundary=x\n",
                b"Content-Type: text/html; charset=koi8-r\n",
                b"Content-Transfer-Encoding: base64\n",
                b"\n",
                b"--x\n",
                b"--x--\n",
                b"<p onclick=x>hi</p>\n",
                b"\xff\xfe\x00bad\n",
                b"Content-Type: message/rfc822\n",
                b"Content-Type: text/plain; charset=nonsense\n",
                b"=?utf-8?q?=E2=80?=\n",
                b"QUJD\n",
                b"> quoted\n",
            ]
        ),
        max_size=30,
    ),
    st.binary(max_size=200),
)
def test_no_content_problem_raises_anything_but_a_parse_error(lines, tail):
    raw = b"".join(lines) + tail
    try:
        parsed = parse(raw)
    except ParseError:
        return
    assert isinstance(parsed.body_text, str) and isinstance(parsed.display_text, str)


def test_base64_attachment_names_are_decoded():
    pdf = base64.encodebytes(b"%PDF-1.4").decode()
    raw = (
        "From: a@b.example\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n--B\n"
        "Content-Type: text/plain\n\nSee attached.\n--B\nContent-Type: application/pdf\n"
        f'Content-Disposition: attachment; filename="=?utf-8?b?0KHRh9GR0YIucGRm?="\nContent-Transfer-Encoding: base64\n\n{pdf}--B--\n'
    ).encode()
    assert [f.filename for f in parse(raw).files] == ["Счёт.pdf"]
