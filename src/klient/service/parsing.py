"""Reading a raw mail message into what a ticket keeps: addresses, subject, threading headers, the text
in full and as displayed (quoted reply and signature trimmed), sanitised HTML (no scripts, no remote
loads), inline images and attachments (over the size limit only noted), and whether it is automatic
mail (an auto-reply, an out-of-office, a bounce) and, for a bounce, which of our messages it is about.

Real mail is often broken: missing boundaries, bad base64, 8-bit bytes nobody declared, a charset that
lies. None of that raises: what can be read is read, the rest is decoded as well as it can be. Only a
message with nothing usable in it raises ParseError.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import re
from dataclasses import dataclass, field
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from html import unescape
from html.parser import HTMLParser

import nh3
from django.conf import settings
from django.utils.translation import gettext as _

from klient.service.services import FileInput

# Charsets mail clients declare that Python knows by another name, or whose superset decodes what the
# senders actually wrote (GB2312 labels on GBK text, Big5 on Big5-HKSCS).
CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "x-user-defined": "windows-1252",
    "unknown-8bit": "",
    "x-unknown": "",
    "unknown": "",
    "default": "",
}
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
TICKET_TAG = re.compile(r"\[T-(\d{1,9})\]")
AUTOMATIC_SENDERS = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|maildaemon)@", re.IGNORECASE)


class ParseError(ValueError):
    """The message has nothing usable in it (empty, or no headers and no body)."""


@dataclass
class ParsedMail:
    """A message as the intake needs it. `message_id`, `in_reply_to` and `references` keep the angle
    brackets; `recipients` are every address it was sent to (To, Cc, Bcc, Delivered-To, X-Original-To),
    lower-cased. `automatic` names why the message is automatic ("" when a person wrote it);
    `bounce_of` are the Message-IDs of our messages a delivery report is about."""

    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_email: str = ""
    from_name: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    date: datetime.datetime | None = None
    body_text: str = ""
    body_html: str = ""
    display_text: str = ""
    files: list[FileInput] = field(default_factory=list)
    automatic: str = ""
    is_bounce: bool = False
    bounce_of: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def is_automatic(self) -> bool:
        return bool(self.automatic)

    @property
    def ticket_tags(self) -> list[int]:
        return [int(number) for number in TICKET_TAG.findall(self.subject)]


# --- bytes and headers ---------------------------------------------------------------------------------


def _codec(charset: str | None) -> str:
    name = (charset or "").strip().strip('"').lower()
    name = CHARSET_ALIASES.get(name, name)
    if not name:
        return ""
    try:
        "".encode(name)
    except (LookupError, ValueError):
        return ""
    return name


def _detect(data: bytes) -> str | None:
    from charset_normalizer import from_bytes  # only for the few parts whose label lies

    best = from_bytes(data).best()
    return str(best) if best is not None else None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Text of `data`: in the declared charset when it decodes cleanly; undeclared (or us-ascii that is
    not) tried as UTF-8; otherwise detected; at worst the declared charset with replacement characters."""
    codec = _codec(charset)
    try:
        return data.decode("utf-8" if codec in ("us-ascii", "ascii", "") else codec)
    except (UnicodeDecodeError, LookupError):
        pass
    detected = _detect(data)
    if detected is not None:
        return detected
    return data.decode(codec or "utf-8", errors="replace")


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n[ \t]+", " ", value).strip()


def decode_header_value(value: str) -> str:
    """A header's text: undeclared 8-bit bytes decoded, RFC 2047 encoded words (B and Q, split across
    several words, any charset) decoded, folding undone."""
    value = _unfold(value)
    if any("\udc80" <= char <= "\udcff" for char in value):
        value = decode_bytes(value.encode("ascii", "surrogateescape"))
    if "=?" not in value:
        return value
    try:
        parts = decode_header(value)
    except Exception:  # a malformed encoded word: keep the text as it came
        return value
    text = []
    for chunk, charset in parts:
        if isinstance(chunk, str):
            text.append(chunk)
        else:
            text.append(decode_bytes(chunk, charset))
    return "".join(text).strip()


def _raw_headers(message: Message) -> list[tuple[str, str]]:
    try:
        return [(name, str(value)) for name, value in message._headers]  # type: ignore[attr-defined]
    except Exception:
        return []


def _get(headers: list[tuple[str, str]], name: str) -> str:
    lowered = name.lower()
    for key, value in headers:
        if key.lower() == lowered:
            return value
    return ""


def _get_all(headers: list[tuple[str, str]], name: str) -> list[str]:
    lowered = name.lower()
    return [value for key, value in headers if key.lower() == lowered]


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    """(name, address) pairs of address headers, names decoded, addresses lower-cased; nonsense skipped."""
    found: list[tuple[str, str]] = []
    raw = [_unfold(value) for value in values]
    try:
        pairs = getaddresses(raw)
    except Exception:
        pairs = []
    for name, address in pairs:
        address = decode_header_value(address).strip().strip("<>").lower()
        if "@" not in address or " " in address:
            continue
        found.append((decode_header_value(name), address))
    return found


def message_ids(value: str) -> list[str]:
    """The <Message-ID>s in a header's value, in order."""
    return MESSAGE_ID.findall(value or "")


def header_summary(raw: bytes) -> tuple[str, str, str]:
    """(Message-ID, sender address, subject) read from the headers alone, cheaply and without raising:
    what the intake stores with the raw bytes before parsing them."""
    try:
        head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        message = email.message_from_bytes(head + b"\n\n", policy=email.policy.compat32)
        headers = _raw_headers(message)
        ids = message_ids(_get(headers, "Message-ID"))
        senders = _addresses(_get_all(headers, "From"))
        subject = decode_header_value(_get(headers, "Subject"))
    except Exception:
        return "", "", ""
    return (ids[0] if ids else ""), (senders[0][1] if senders else ""), subject


# --- HTML ------------------------------------------------------------------------------------------------

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "center", "code", "col", "colgroup", "dd", "del", "div",
    "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "ol", "p",
    "pre", "q", "s", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "tt", "u", "ul",
}  # fmt: skip
GENERIC_ATTRIBUTES = {"style", "title", "align", "dir", "lang"}
ALLOWED_ATTRIBUTES = {
    "*": GENERIC_ATTRIBUTES,
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height", "data-remote-src"},
    "font": {"color", "face", "size"},
    "td": {"colspan", "rowspan", "valign", "width"},
    "th": {"colspan", "rowspan", "valign", "width"},
    "table": {"border", "cellpadding", "cellspacing", "width"},
    "col": {"span", "width"},
    "ol": {"start", "type"},
}
STYLE_PROPERTIES = {
    "color", "background-color", "font-weight", "font-style", "font-size", "font-family", "text-align",
    "text-decoration", "vertical-align", "margin", "margin-left", "margin-right", "margin-top",
    "margin-bottom", "padding", "padding-left", "padding-right", "padding-top", "padding-bottom", "border",
    "border-collapse", "width", "height", "white-space", "line-height",
}  # fmt: skip
REMOTE_IMAGE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
REMOTE_SRC = re.compile(r"(?<![\w-])src(\s*=\s*[\"']?\s*(?:https?:|//))", re.IGNORECASE)


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    lowered = value.strip().lower()
    if tag == "img" and attribute == "src":
        # Only images that came with the message (cid:) or are inside it (data:image/) load.
        return value if lowered.startswith(("cid:", "data:image/")) else None
    if attribute == "href" and lowered.startswith(("data:", "cid:")):
        return None  # a link to a data: document is a phishing page in disguise
    return value


def sanitize_html(html: str) -> str:
    """HTML safe to show: ordinary formatting kept, scripts, styles, forms and event handlers removed;
    a remote image keeps its URL in data-remote-src only (nothing loads without consent)."""
    html = REMOTE_IMAGE.sub(lambda tag: REMOTE_SRC.sub(r"data-remote-src\1", tag.group(0)), html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "title", "head"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_attribute,
        url_schemes={"http", "https", "mailto", "tel", "cid", "data"},
        filter_style_properties=STYLE_PROPERTIES,
        link_rel="noopener noreferrer nofollow",
    ).strip()


class _TextOfHtml(HTMLParser):
    BLOCKS = frozenset(
        {"p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "pre", "ul", "ol"}
    )
    SKIPPED = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag == "br" or tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body."""
    parser = _TextOfHtml()
    try:
        parser.feed(html)
        parser.close()
        text = "".join(parser.parts)
    except Exception:
        text = unescape(re.sub(r"<[^>]+>", " ", html))
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- display text ----------------------------------------------------------------------------------------

# A line that introduces the quoted earlier message, in the languages the desks work in.
QUOTE_HEADERS = [
    re.compile(r"^On\b.{0,300}\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^Am\b.{0,300}\bschrieb.{0,40}:\s*$", re.IGNORECASE),
    re.compile(r"^Le\b.{0,300}\ba écrit\s*:\s*$", re.IGNORECASE),
    re.compile(r"^W dniu\b.{0,300}\b(pisze|napisał\(a\)|napisał|napisała):\s*$", re.IGNORECASE),
    re.compile(r"^.{0,300}\b(пишет|написал\(а\)|написал|написала):\s*$", re.IGNORECASE),
    re.compile(r"^.{0,300}\b(je napisao|je napisala|je napisao/la)\s*:\s*$", re.IGNORECASE),
    re.compile(r"^在.{0,300}写道[:：]\s*$"),
    re.compile(r"^-{2,}\s*(Original Message|Ursprüngliche Nachricht|Wiadomość oryginalna|Исходное сообщение|Оригинальное сообщение|原始邮件|Forwarded message)\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^_{10,}\s*$"),
]  # fmt: skip
# Outlook's header block of the quoted message: "From:" followed within a few lines by "Sent:".
OUTLOOK_FROM = re.compile(r"^\*?(From|Od|От|Von|Šalje|Od koga|发件人|寄件者)\s*\*?\s*[:：]", re.IGNORECASE)
OUTLOOK_SENT = re.compile(
    r"^\*?(Sent|Date|Wysłano|Data|Отправлено|Дата|Gesendet|Poslano|发送时间|日期|寄件日期)\s*\*?\s*[:：]",
    re.IGNORECASE,
)


def _quote_start(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        stripped = line.strip()
        joined = f"{stripped} {lines[index + 1].strip()}" if index + 1 < len(lines) else stripped
        for pattern in QUOTE_HEADERS:
            if pattern.match(stripped):
                return index
        if stripped.lower().startswith(("on ", "w dniu ")) and any(
            p.match(joined) for p in QUOTE_HEADERS[:4]
        ):
            return index  # a client that wraps "On …, X <x@y>" / "wrote:" over two lines
        if OUTLOOK_FROM.match(stripped) and any(
            OUTLOOK_SENT.match(next_line.strip()) for next_line in lines[index + 1 : index + 5]
        ):
            return index
    # Otherwise the quoted lines at the end, when nothing but quotes and blank lines follows them.
    for index, line in enumerate(lines):
        if line.startswith(">") and all(not rest.strip() or rest.startswith(">") for rest in lines[index:]):
            return index
    return None


def display_text(text: str) -> str:
    """The text a ticket shows: the quoted earlier message and the signature ("-- " line) trimmed; the
    whole text when trimming would leave nothing."""
    lines = text.splitlines()
    cut = _quote_start(lines)
    if cut is not None:
        lines = lines[:cut]
    for index, line in enumerate(lines):
        if line.rstrip() == "--" or line == "-- ":
            lines = lines[:index]
            break
    trimmed = "\n".join(lines).strip()
    return trimmed or text.strip()


# --- automatic mail ----------------------------------------------------------------------------------------


def automatic_reason(
    headers: list[tuple[str, str]], content_type: str, report_type: str, sender: str, return_path: str
) -> str:
    """Why a message is automatic (the header or sign that says so), or "" for one a person wrote."""
    auto_submitted = _get(headers, "Auto-Submitted").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"Auto-Submitted: {auto_submitted}"
    precedence = _get(headers, "Precedence").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if _get(headers, name).strip():
            return name
    suppress = _get(headers, "X-Auto-Response-Suppress").strip().lower()
    if any(word in suppress for word in ("all", "oof", "autoreply")):
        return f"X-Auto-Response-Suppress: {suppress}"
    if content_type == "multipart/report" and report_type.lower() in (
        "delivery-status",
        "disposition-notification",
    ):
        return f"report: {report_type.lower()}"
    if AUTOMATIC_SENDERS.match(sender):
        return f"sender {sender}"
    if return_path.strip() == "<>":
        return "Return-Path: <>"
    return ""


# --- the message -----------------------------------------------------------------------------------------


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    if isinstance(raw, list):  # message/delivery-status and the like: blocks of headers
        return b"\n".join(item.as_bytes() for item in raw if isinstance(item, Message))
    return b""


def _leaves(part: Message) -> list[Message]:
    """The parts that hold content, in order; a message/rfc822 part is one leaf (kept as a file)."""
    if part.get_content_type() == "message/rfc822" or part.get_content_maintype() != "multipart":
        return [part]
    children = part.get_payload()
    if not isinstance(children, list):
        return [part]  # "multipart" with no boundary found: its body is content
    found: list[Message] = []
    for child in children:
        if isinstance(child, Message):
            found.extend(_leaves(child))
    return found


EXTENSIONS = {
    "text/plain": "txt",
    "text/html": "html",
    "text/calendar": "ics",
    "text/rfc822-headers": "txt",
    "message/delivery-status": "txt",
    "message/global-delivery-status": "txt",
    "message/disposition-notification": "txt",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "application/pdf": "pdf",
}


def _human_size(size: int) -> str:
    megabytes = size / (1024 * 1024)
    return f"{megabytes:.0f} MB" if megabytes >= 1 else f"{max(1, round(size / 1024))} kB"


def _filename(part: Message, index: int, content_type: str) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    name = decode_header_value(str(name)).replace("/", "_").replace("\\", "_").strip()
    if name:
        return name[:255]
    if content_type == "message/rfc822":
        inner = part.get_payload()
        original = inner[0] if isinstance(inner, list) and inner else None
        subject = (
            decode_header_value(_get(_raw_headers(original), "Subject"))
            if isinstance(original, Message)
            else ""
        )
        subject = re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", " ", subject).strip()[:100]
        return f"{subject or f'message-{index}'}.eml"
    extension = EXTENSIONS.get(content_type, "bin")
    return f"part-{index}.{extension}"


def _bounce_ids(part: Message) -> list[str]:
    """The Message-IDs of the original message a delivery report returns (its message/rfc822 or
    text/rfc822-headers part)."""
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        inner = part.get_payload()
        original = inner[0] if isinstance(inner, list) and inner else None
        if isinstance(original, Message):
            return message_ids(_get(_raw_headers(original), "Message-ID"))
        return []
    text = decode_bytes(_payload(part))
    match = re.search(r"^Message-ID:\s*(<[^>\s]+>)", text, re.IGNORECASE | re.MULTILINE)
    return [match.group(1)] if match else []


def _date(value: str) -> datetime.datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(_unfold(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return moment.astimezone(datetime.UTC)


def parse(raw: bytes) -> ParsedMail:
    """Read a raw message (see the module's docstring); ParseError only when nothing in it is usable."""
    if not raw.strip():
        raise ParseError(_("The message is empty."))
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    headers = _raw_headers(message)
    if not headers:
        raise ParseError(_("The message has no headers: it is not a mail message."))
    parsed = ParsedMail()
    ids = message_ids(_get(headers, "Message-ID"))
    parsed.message_id = ids[0] if ids else ""
    parsed.in_reply_to = message_ids(_get(headers, "In-Reply-To"))
    parsed.references = message_ids(" ".join(_get_all(headers, "References")))
    parsed.subject = " ".join(decode_header_value(_get(headers, "Subject")).split())
    senders = _addresses(_get_all(headers, "From")) or _addresses(_get_all(headers, "Sender"))
    reply_to = _addresses(_get_all(headers, "Reply-To"))
    if senders:
        parsed.from_name, parsed.from_email = senders[0]
    elif reply_to:
        parsed.from_name, parsed.from_email = reply_to[0]
    parsed.to = [address for _name, address in _addresses(_get_all(headers, "To"))]
    parsed.cc = [address for _name, address in _addresses(_get_all(headers, "Cc"))]
    recipients = [*parsed.to, *parsed.cc]
    for name in ("Bcc", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To"):
        recipients.extend(address for _name, address in _addresses(_get_all(headers, name)))
    parsed.recipients = list(dict.fromkeys(recipients))
    parsed.date = _date(_get(headers, "Date"))

    content_type = message.get_content_type()
    report_type = str(message.get_param("report-type") or "")
    parsed.automatic = automatic_reason(
        headers, content_type, report_type, parsed.from_email, _get(headers, "Return-Path")
    )
    limit = int(settings.KLIENT_MAIL_MAX_ATTACHMENT_BYTES)
    texts: list[str] = []
    htmls: list[str] = []
    leaves = _leaves(message)
    has_delivery_status = False
    for index, part in enumerate(leaves, start=1):
        part_type = part.get_content_type()
        try:
            disposition = part.get_content_disposition() or ""
        except Exception:
            disposition = ""
        try:
            has_name = bool(part.get_filename())
        except Exception:
            has_name = False
        if part_type in ("message/delivery-status", "message/global-delivery-status"):
            has_delivery_status = True
        if part_type in ("message/rfc822", "text/rfc822-headers") and not parsed.bounce_of:
            parsed.bounce_of = _bounce_ids(part)
        is_body = disposition != "attachment" and not has_name
        if is_body and part_type == "text/plain":
            texts.append(decode_bytes(_payload(part), part.get_content_charset()))
            continue
        if is_body and part_type == "text/html":
            htmls.append(decode_bytes(_payload(part), part.get_content_charset()))
            continue
        if part is message and part_type.startswith("multipart/"):
            # A multipart message whose boundary was never found: its body is the best text there is.
            texts.append(decode_bytes(_payload(part)))
            continue
        if part_type == "message/rfc822":
            inner = part.get_payload()
            original = inner[0] if isinstance(inner, list) and inner else None
            content = original.as_bytes() if isinstance(original, Message) else _payload(part)
        else:
            content = _payload(part)
        filename = _filename(part, index, part_type)
        content_id = (part.get("Content-ID") or "").strip().strip("<>")
        inline = bool(content_id) and disposition != "attachment"
        if len(content) > limit:
            parsed.files.append(
                FileInput(
                    filename=filename,
                    content=b"",
                    content_type=part_type,
                    content_id=content_id,
                    inline=inline,
                    omitted=True,
                    size=len(content),
                )
            )
            parsed.notes.append(
                _("Attachment %(name)s (%(size)s) was over the limit of %(limit)s and was not kept.")
                % {"name": filename, "size": _human_size(len(content)), "limit": _human_size(limit)}
            )
            continue
        parsed.files.append(
            FileInput(
                filename=filename,
                content=content,
                content_type=part_type,
                content_id=content_id,
                inline=inline,
            )
        )
    if has_delivery_status and not parsed.automatic:
        parsed.automatic = "report: delivery-status"
    parsed.is_bounce = (
        has_delivery_status
        or report_type.lower() == "delivery-status"
        or bool(AUTOMATIC_SENDERS.match(parsed.from_email))
    )
    if not parsed.is_bounce:
        parsed.bounce_of = []
    html = "\n".join(htmls)
    parsed.body_html = sanitize_html(html) if html.strip() else ""
    texts = [t.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip("\n") for t in texts]
    text = "\n\n".join(t for t in texts if t.strip())
    if not text and html:
        text = html_to_text(html)
    shown = display_text(text)
    if parsed.notes:
        notes = "\n".join(parsed.notes)
        text = f"{text}\n\n{notes}" if text else notes
        shown = f"{shown}\n\n{notes}" if shown else notes
    parsed.body_text = text
    parsed.display_text = shown
    if not (parsed.from_email or parsed.subject or parsed.body_text or parsed.files or parsed.message_id):
        raise ParseError(_("The message has no sender, subject or content."))
    return parsed
