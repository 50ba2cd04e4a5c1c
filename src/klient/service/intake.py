"""Mail intake: a raw message is stored (and committed) first, then parsed and put where it belongs in one
transaction: onto the ticket it answers, onto a new ticket, or on the timelines of the contacts an account
manager wrote to (mail BCC'd to a log address). What cannot be processed is quarantined with the reason,
kept until an administrator processes it again; nothing is purged automatically.

Threading, in order:

1. a delivery report's original message, then In-Reply-To, then References, matched against the
   Message-IDs of the tickets' messages (our replies and acknowledgements carry their outbox Message-ID;
   the customer's own messages theirs);
2. a ticket tag `[T-1234]` in the subject. The tag is "signed" by who sends it: it is trusted only from a
   participant of that ticket or a contact of the ticket's company, since anybody can type a tag;
3. otherwise a new ticket.

A ticket that was merged hands its mail to the ticket it was merged into. A reply from an address that is
neither a participant nor a contact of the ticket's company opens a new ticket linked to the old one as a
follow-up; so does a reply to a closed ticket (a resolved one reopens). Automatic mail (auto-replies,
out-of-office, bounces) is kept on its ticket, never reopens it, is never acknowledged.

A Message-ID is processed once: the same key already processed (or a ticket message with that ID) makes
the message a duplicate. Processing takes a lock on every stored row with the same key, so two processes
never handle the same message both; a process killed midway commits nothing and leaves the row
"received", which the sweep (mail_intake_sweep) takes up again.
"""

from __future__ import annotations

import datetime
import imaplib
import logging
import os
import sys
import time
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from klient.core.exceptions import NotAllowed
from klient.core.models import User
from klient.customers.models import Company, Contact
from klient.mail.services import language_code, mail_queue
from klient.service.models import (
    Acknowledgement,
    EventKind,
    InboundMail,
    InboundStatus,
    LinkKind,
    Mailbox,
    MessageKind,
    Ticket,
    TicketMessage,
    TicketParticipant,
    TicketStatus,
)
from klient.service.parsing import ParsedMail, ParseError, decode_bytes, header_summary, parse
from klient.service.services import (
    Desk,
    MessageInput,
    contact_for_email,
    customer_message_add_within,
    event,
    mail_from_address,
    match_requester,
    normal_email,
    route,
    ticket_link,
    ticket_open_within,
)

logger = logging.getLogger(__name__)

QUARANTINE_PERMISSION = "service.manage_quarantine"
# A row still "received" this long after it arrived belongs to a process that died: the sweep takes it.
SWEEP_AFTER = datetime.timedelta(minutes=2)
# For the crash test only: seconds process() waits inside its transaction before committing.
PAUSE_VARIABLE = "KLIENT_TEST_INTAKE_PAUSE"


class Status:
    """What became of a message: the values mailgate prints and InboundMail.outcome keeps."""

    CREATED = "created"
    APPENDED = "appended"
    LOGGED = "logged"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"


@dataclass(frozen=True)
class Outcome:
    """What process() did with a message: its status, the ticket's number (or None), and why."""

    status: str
    ticket: int | None
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"status": self.status, "ticket": self.ticket, "reason": self.reason}


class Quarantine(Exception):
    """Raised inside processing to quarantine the message with a reason (and roll back what was done)."""


# --- storing ---------------------------------------------------------------------------------------------


def message_key(raw: bytes, message_id: str) -> str:
    """The key a message is processed once by: its Message-ID, else a digest of its bytes."""
    return message_id[:255] if message_id else f"sha256:{InboundMail.digest(raw)}"


def store(raw: bytes, *, source: str, queue_name: str = "") -> InboundMail:
    """Keep the message byte for byte, committed in its own transaction before anything else is done."""
    message_id, sender, subject = header_summary(raw)
    # The MTA forgets the message once we answer: on SQLite its commit must reach the disk, not only the
    # WAL (the installation's default, synchronous=NORMAL, survives a crash of the process but not of the
    # machine). Only this commit waits for the disk: processing commits as usual, and should the machine
    # fail before the next synchronised write, the message is still stored and the sweep processes it.
    durable = connection.vendor == "sqlite" and not connection.in_atomic_block
    if durable:
        _set_synchronous("FULL")
    binary = connection.vendor == "postgresql"
    try:
        with transaction.atomic():
            inbound = InboundMail.objects.create(
                raw=b"" if binary else raw,
                size=len(raw),
                sha256=InboundMail.digest(raw),
                message_key=message_key(raw, message_id),
                source=source[:100],
                queue_name=queue_name[:100],
                sender=sender[:254],
                subject=subject[:255],
            )
            if binary:
                _write_raw(inbound.pk, raw)
                inbound.raw = raw
            return inbound
    finally:
        if durable:
            _set_synchronous("NORMAL")


def _write_raw(pk: int, raw: bytes) -> None:
    """The message's bytes as a binary parameter: the driver's default (client-side binding, Django's) writes
    bytes as escaped text, 4–5 ms for a message of 300 KB on PostgreSQL; sent as they are, 0.3 ms."""
    import psycopg

    connection.ensure_connection()
    table = connection.ops.quote_name(InboundMail._meta.db_table)
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(f"UPDATE {table} SET raw = %b WHERE id = %s", [raw, pk])  # noqa: S608 - the table's own name


def _set_synchronous(level: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA synchronous={level}")


# --- processing ------------------------------------------------------------------------------------------


def _pause_for_tests() -> None:
    pause = os.environ.get(PAUSE_VARIABLE, "")
    if pause:
        sys.stderr.write("klient intake: pausing before the commit\n")
        sys.stderr.flush()
        time.sleep(float(pause))


def process(inbound: InboundMail) -> Outcome:
    """Parse and place a stored message in one transaction (see the module's docstring). Anything that
    goes wrong quarantines it with the reason; a message already done answers what became of it."""
    outermost = not connection.in_atomic_block
    try:
        with transaction.atomic():
            if outermost:
                _commit_without_waiting_for_the_disk()
            # The bytes stored (never changed): from the caller when it has them, else read once.
            raw = None if "raw" in inbound.get_deferred_fields() else bytes(inbound.raw)
            return _process_locked(inbound.pk, inbound.message_key, raw or None)
    except (Quarantine, ParseError) as reason:
        return _quarantine(inbound.pk, str(reason))
    except Exception as error:
        logger.exception("Mail intake: message %s could not be processed", inbound.pk)
        return _quarantine(inbound.pk, f"{type(error).__name__}: {error}")


def _commit_without_waiting_for_the_disk() -> None:
    """On PostgreSQL, the processing transaction's commit does not wait for the disk, as on SQLite (where
    only the storing commit is synchronous=FULL): the message itself was stored with a commit that did, so
    should the machine fail before this one reaches the disk, its row is still "received" and the sweep
    processes it again. For this transaction only; it saves a quarter of a message's time."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _quarantine(pk: int, reason: str) -> Outcome:
    with transaction.atomic():
        InboundMail.objects.filter(pk=pk).update(
            status=InboundStatus.QUARANTINED,
            outcome=Status.QUARANTINED,
            reason=reason[:5000],
            attempts=F("attempts") + 1,
            processed_at=timezone.now(),
            ticket=None,
        )
    return Outcome(Status.QUARANTINED, None, reason)


def _process_locked(pk: int, key: str, raw: bytes | None) -> Outcome:
    if not key:
        key = InboundMail.objects.filter(pk=pk).values_list("message_key", flat=True).get()
    # Lock every stored copy of this message (in id order): a second process waits here, then sees ours.
    rows = list(InboundMail.objects.select_for_update().filter(message_key=key).defer("raw").order_by("pk"))
    inbound = next(row for row in rows if row.pk == pk)
    if inbound.status != InboundStatus.RECEIVED:
        number = inbound.ticket.number if inbound.ticket_id and inbound.ticket else None
        return Outcome(inbound.outcome or inbound.status, number, inbound.reason)
    earlier = next((row for row in rows if row.pk != pk and row.status == InboundStatus.PROCESSED), None)
    if earlier is not None:
        return _duplicate(inbound, key, earlier)
    if raw is None:
        raw = bytes(InboundMail.objects.filter(pk=pk).values_list("raw", flat=True).get())
    own_id = [] if key.startswith("sha256:") else [key]
    try:
        parsed = parse(raw)
    except ParseError:
        if own_id and _kept(own_id):
            return _duplicate(inbound, key, None)
        raise
    # One read for both: is this Message-ID on a ticket already, and which tickets hold those it answers.
    kept = _kept(own_id + _answered_ids(parsed))
    if own_id and key in kept:
        return _duplicate(inbound, key, None)
    if not inbound.sender and parsed.from_email:
        inbound.sender = parsed.from_email[:254]
    if not inbound.subject and parsed.subject:
        inbound.subject = parsed.subject[:255]
    desk = Desk()
    ours = desk.ours
    log_addresses = desk.active_log_addresses(parsed.recipients)
    if log_addresses:
        outcome = _log(inbound, parsed, log_addresses, ours)
    else:
        outcome = _to_ticket(inbound, parsed, desk, kept)
    _pause_for_tests()
    return outcome


def _duplicate(inbound: InboundMail, key: str, earlier: InboundMail | None) -> Outcome:
    number = earlier.ticket.number if earlier is not None and earlier.ticket_id and earlier.ticket else None
    reason = _("%(key)s was processed already.") % {"key": key}
    _finish(inbound, Status.DUPLICATE, None, reason, status=InboundStatus.DUPLICATE)
    return Outcome(Status.DUPLICATE, number, reason)


def _kept(message_ids: list[str]) -> dict[str, int]:
    """The tickets holding messages with these Message-IDs (the latest message's ticket for each)."""
    if not message_ids:
        return {}
    return dict(
        TicketMessage.objects.filter(message_id__in=message_ids)
        .order_by("created_at", "id")
        .values_list("message_id", "ticket_id")
    )


def _answered_ids(parsed: ParsedMail) -> list[str]:
    """The Message-IDs the message answers: a delivery report's original, In-Reply-To, References."""
    return [*parsed.bounce_of, *parsed.in_reply_to, *parsed.references]


def _finish(
    inbound: InboundMail,
    outcome: str,
    ticket: Ticket | None,
    reason: str,
    *,
    status: str = InboundStatus.PROCESSED,
) -> None:
    inbound.status = status
    inbound.outcome = outcome
    inbound.ticket = ticket
    inbound.reason = reason[:5000]
    inbound.attempts += 1
    inbound.processed_at = timezone.now()
    inbound.save(
        update_fields=[
            "status",
            "outcome",
            "ticket",
            "reason",
            "attempts",
            "processed_at",
            "sender",
            "subject",
        ]
    )


def _message_input(
    inbound: InboundMail, parsed: ParsedMail, threading: str, ours: frozenset[str]
) -> MessageInput:
    return MessageInput(
        kind=MessageKind.EMAIL_IN,
        body_text=parsed.body_text,
        body_html=parsed.body_html,
        display_text=parsed.display_text,
        sender_email=parsed.from_email,
        sender_name=parsed.from_name,
        subject=parsed.subject,
        to=", ".join(parsed.to),
        cc=[address for address in parsed.cc if address not in ours],
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to[0] if parsed.in_reply_to else "",
        references=" ".join(parsed.references),
        threading=threading,
        is_automatic=parsed.is_automatic,
        files=parsed.files,
        inbound_id=inbound.pk,
        # When it arrived: the sender's Date header may be wrong or forged; the clocks run from arrival.
        created_at=inbound.received_at,
    )


def _is_known_to(ticket: Ticket, sender: str) -> bool:
    """Whether the sender may add to the ticket: a participant, its requester, or a contact of its company."""
    sender = normal_email(sender)
    if not sender:
        return False
    if normal_email(ticket.requester_email) == sender:
        return True
    if TicketParticipant.objects.filter(ticket=ticket, email=sender).exists():
        return True
    if ticket.company_id is None:
        return False
    contact = contact_for_email(sender)
    return contact is not None and contact.company_id == ticket.company_id


def _followed(ticket: Ticket) -> Ticket:
    """The ticket mail to `ticket` goes to: the one it was merged into (followed a few steps)."""
    for _step in range(10):
        if ticket.merged_into_id is None:
            return ticket
        ticket = _locked_tickets().get(pk=ticket.merged_into_id)
    return ticket


def _locked_tickets() -> QuerySet[Ticket]:
    """Tickets mail is added to: locked, with what customer_message_add_within reads of them."""
    return Ticket.objects.select_for_update(of=("self",)).select_related("queue", "company", "contact")


def _thread(parsed: ParsedMail, kept: dict[str, int]) -> tuple[Ticket | None, str, bool]:
    """The ticket the message answers, why, and whether it was found by its headers (not a subject tag);
    `kept` maps the Message-IDs it answers to the tickets holding them (_kept)."""
    candidates: list[tuple[str, str]] = [
        (mid, _("bounce of %(id)s") % {"id": mid}) for mid in parsed.bounce_of
    ]
    candidates += [(mid, f"In-Reply-To {mid}") for mid in parsed.in_reply_to]
    candidates += [(mid, f"References {mid}") for mid in reversed(parsed.references)]
    for mid, why in candidates:
        if mid in kept:
            return _locked_tickets().get(pk=kept[mid]), why, True
    for number in parsed.ticket_tags:
        ticket = _locked_tickets().filter(number=number).first()
        if ticket is not None:
            return ticket, f"subject tag {ticket.reference}", False
    return None, "", False


def _to_ticket(inbound: InboundMail, parsed: ParsedMail, desk: Desk, kept: dict[str, int]) -> Outcome:
    ours = desk.ours
    if not parsed.from_email:
        raise Quarantine(_("The message has no sender address."))
    if parsed.from_email in ours and not parsed.is_automatic:
        raise Quarantine(
            _("The message comes from one of our own addresses (%(email)s): a mail loop?")
            % {"email": parsed.from_email}
        )
    ticket, why, by_headers = _thread(parsed, kept)
    follow_up: Ticket | None = None
    if ticket is not None:
        original = ticket
        ticket = _followed(ticket)
        if ticket.pk != original.pk:
            why = f"{why}; {original.reference} merged into {ticket.reference}"
        trusted = (parsed.is_automatic and by_headers) or _is_known_to(ticket, parsed.from_email)
        if not trusted:
            follow_up, why = (
                ticket,
                _("stranger on %(reference)s: new ticket") % {"reference": ticket.reference},
            )
            ticket = None
        elif ticket.status == TicketStatus.CLOSED and not parsed.is_automatic:
            follow_up, why = (
                ticket,
                _("%(reference)s is closed: new ticket") % {"reference": ticket.reference},
            )
            ticket = None
    if ticket is not None:
        customer_message_add_within(current=ticket, message=_message_input(inbound, parsed, why, ours))
        _finish(inbound, Status.APPENDED, ticket, why)
        return Outcome(Status.APPENDED, ticket.number, why)
    new = _open(inbound, parsed, why or "new ticket", desk)
    if follow_up is not None:
        ticket_link(ticket=new, other=follow_up, actor=None, kind=LinkKind.FOLLOW_UP)
    reason = why or "new ticket"
    if _acknowledge(new, parsed, ours):
        reason = f"{reason}; acknowledged"
    _finish(inbound, Status.CREATED, new, reason)
    return Outcome(Status.CREATED, new.number, reason)


def _open(inbound: InboundMail, parsed: ParsedMail, why: str, desk: Desk) -> Ticket:
    company, contact = match_requester(parsed.from_email)
    # The requester's language, else their company's, else the installation's: never empty.
    language = (
        language_code(
            (contact.language if contact else "")
            or (company.document_language if company else "")
            or settings.LANGUAGE_CODE
        )
        or "en"
    )
    queue, priority, routing = route(
        recipients=parsed.recipients,
        company=company,
        language=language,
        queue_name=inbound.queue_name,
        desk=desk,
    )
    return ticket_open_within(
        message=_message_input(inbound, parsed, why, desk.ours),
        subject=parsed.subject,
        company=company,
        contact=contact,
        queue=queue,
        priority=priority,
        language=language,
        routing_reason=routing,
    )


# --- acknowledgements --------------------------------------------------------------------------------------


def _acknowledge(ticket: Ticket, parsed: ParsedMail, ours: frozenset[str]) -> bool:
    """Tell the requester their ticket was opened, in the ticket's language, when the queue acknowledges,
    the mail is not automatic, the address is not ours and has had fewer than the hourly limit."""
    address = normal_email(parsed.from_email)
    if parsed.is_automatic or not ticket.queue.acknowledge or not address or address in ours:
        return False
    now = timezone.now()
    limit = int(settings.KLIENT_ACK_PER_SENDER_PER_HOUR)
    if (
        Acknowledgement.objects.filter(email=address, sent_at__gte=now - datetime.timedelta(hours=1)).count()
        >= limit
    ):
        return False
    with translation.override(ticket.language or "en"):
        subject = _("[%(reference)s] We have received your request: %(subject)s") % {
            "reference": ticket.reference,
            "subject": ticket.subject,
        }
        body = _(
            "Hello,\n\nthank you for your message. We have opened ticket %(reference)s for it and will answer "
            "as soon as we can.\n\nWhen you write to us about it, please keep [%(reference)s] in the subject.\n\n"
            "This message was sent automatically."
        ) % {"reference": ticket.reference}
    headers = {
        "Auto-Submitted": "auto-replied",
        "X-Auto-Response-Suppress": "All",
        "Precedence": "auto_reply",
    }
    if parsed.message_id:
        headers.update({"In-Reply-To": parsed.message_id, "References": parsed.message_id})
    sender = mail_from_address(ticket)
    outbox = mail_queue(
        key=f"ticket-ack:{ticket.pk}",
        from_email=sender,
        to_email=address,
        to_name=parsed.from_name[:200],
        subject=subject,
        body=body,
        reply_to=ticket.queue.email,
        headers=headers,
        language=ticket.language,
        contact=ticket.contact,
        company=ticket.company,
    )
    TicketMessage.objects.create(
        ticket=ticket,
        kind=MessageKind.SYSTEM,
        public=True,
        sender_email=normal_email(parseaddr(sender)[1])[:254],
        to=address,
        subject=outbox.subject,
        body_text=body,
        display_text=body,
        message_id=outbox.message_id,
        in_reply_to=parsed.message_id[:255],
        threading="acknowledgement",
        is_automatic=True,
        outbox=outbox,
        created_at=now,
    )
    Acknowledgement.objects.create(email=address, ticket=ticket, sent_at=now)
    event(ticket, EventKind.ACKNOWLEDGED, at=now, to=address)
    return True


# --- log addresses -----------------------------------------------------------------------------------------


def _log(inbound: InboundMail, parsed: ParsedMail, log_addresses: list[str], ours: frozenset[str]) -> Outcome:
    """Log mail BCC'd to a log address as an email activity on each matching contact's company timeline,
    owned by the sender, who must be a Klient user."""
    from klient.activities.models import ActivityKind, Direction
    from klient.activities.services import activity_create

    sender = (
        User.objects.filter(email__iexact=parsed.from_email, is_active=True).order_by("id").first()
        if parsed.from_email
        else None
    )
    if sender is None:
        raise Quarantine(
            _("Mail to the log address %(address)s from %(email)s, who is not a Klient user.")
            % {"address": log_addresses[0], "email": parsed.from_email or "?"}
        )
    others = [
        address
        for address in parsed.recipients
        if address not in log_addresses and address not in ours and address != normal_email(sender.email)
    ]
    contacts: dict[int, Contact] = {}
    for address in others:
        contact = contact_for_email(address)
        if contact is not None and contact.company_id not in contacts:
            contacts[contact.company_id] = contact
    logged: list[Company] = []
    done_at = min(parsed.date, timezone.now()) if parsed.date else timezone.now()
    for contact in contacts.values():
        try:
            with transaction.atomic():
                activity_create(
                    actor=sender,
                    company=contact.company,
                    kind=ActivityKind.EMAIL,
                    direction=Direction.OUTBOUND,
                    contact=contact,
                    subject=(parsed.subject or _("(no subject)"))[:200],
                    notes=parsed.body_text,
                    done_at=done_at,
                )
        except (NotAllowed, ValidationError, Company.DoesNotExist):
            continue  # a company the sender may not see, or may not log on: left out
        logged.append(contact.company)
    if not logged:
        raise Quarantine(
            _("Mail to the log address %(address)s matched no contact %(email)s may log on.")
            % {"address": log_addresses[0], "email": sender.email}
        )
    reason = _("logged on %(companies)s") % {"companies": ", ".join(company.name for company in logged)}
    _finish(inbound, Status.LOGGED, None, reason)
    return Outcome(Status.LOGGED, None, reason)


# --- for administrators and jobs -----------------------------------------------------------------------------


def can_manage_quarantine(user: User) -> bool:
    return bool(user.is_active and user.has_perm(QUARANTINE_PERMISSION))


def reprocess(*, inbound: InboundMail, actor: User | None) -> Outcome:
    """Process a quarantined message again (after a fix: a contact added, a queue made, a bug mended)."""
    if actor is not None and not can_manage_quarantine(actor):
        raise NotAllowed(_("You may not process quarantined mail."))
    with transaction.atomic():
        updated = InboundMail.objects.filter(pk=inbound.pk, status=InboundStatus.QUARANTINED).update(
            status=InboundStatus.RECEIVED, reason="", outcome=""
        )
    if not updated:
        raise ValidationError({"status": _("Only a quarantined message is processed again.")})
    return process(inbound)


def quarantine_search(q: str) -> Q:
    """Quarantined messages whose sender, subject, reason or Message-ID contain the words."""
    return (
        Q(sender__icontains=q)
        | Q(subject__icontains=q)
        | Q(reason__icontains=q)
        | Q(message_key__icontains=q)
    )


PREVIEW_CHARACTERS = 20_000


def quarantine_preview(inbound: InboundMail) -> dict[str, str]:
    """What an administrator sees of a quarantined message: its header block and its text (plain text
    only: the HTML is never rendered), or the parse error when it cannot be read."""
    raw = bytes(inbound.raw)
    separator = raw.find(b"\n\n") if b"\n\n" in raw else raw.find(b"\r\n\r\n")
    head = raw[:separator] if separator >= 0 else raw[:PREVIEW_CHARACTERS]
    headers = decode_bytes(head[:PREVIEW_CHARACTERS]).replace("\r\n", "\n")
    try:
        parsed = parse(raw)
    except ParseError as error:
        return {"headers": headers, "text": "", "parse_error": str(error)}
    except Exception as error:
        return {"headers": headers, "text": "", "parse_error": f"{type(error).__name__}: {error}"}
    return {"headers": headers, "text": parsed.body_text[:PREVIEW_CHARACTERS], "parse_error": ""}


def receive(raw: bytes, *, source: str, queue_name: str = "") -> tuple[InboundMail, Outcome]:
    """Store a message, then process it: what mailgate and fetchmail do with each message."""
    inbound = store(raw, source=source, queue_name=queue_name)
    return inbound, process(inbound)


def sweep(*, older_than: datetime.timedelta = SWEEP_AFTER, limit: int = 500) -> int:
    """Process the messages a crashed process left received; answers how many were taken up."""
    cutoff = timezone.now() - older_than
    ids = list(
        InboundMail.objects.filter(status=InboundStatus.RECEIVED, received_at__lt=cutoff)
        .order_by("received_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        process(InboundMail(pk=pk))
    return len(ids)


# --- IMAP mailboxes ------------------------------------------------------------------------------------------

IMAP_TIMEOUT = 30


@dataclass
class PollResult:
    """What one poll of a mailbox did: how many messages were taken in, and the error that stopped it."""

    fetched: int = 0
    outcomes: tuple[Outcome, ...] = ()
    error: str = ""


def _imap_connect(mailbox: Mailbox) -> imaplib.IMAP4:
    client_class = imaplib.IMAP4_SSL if mailbox.use_ssl else imaplib.IMAP4
    client = client_class(mailbox.host, mailbox.port, timeout=IMAP_TIMEOUT)
    client.login(mailbox.username, mailbox.password)
    return client


def _folder(name: str) -> str:
    return '"' + (name or "INBOX").replace("\\", "\\\\").replace('"', '\\"') + '"'


def _imap_select(client: imaplib.IMAP4, mailbox: Mailbox) -> None:
    status, data = client.select(_folder(mailbox.folder))
    if status != "OK":
        raise imaplib.IMAP4.error(
            _("The folder %(folder)s cannot be opened: %(answer)s")
            % {"folder": mailbox.folder, "answer": data}
        )


def _fetched(data: list[object]) -> bytes | None:
    for item in data:
        if isinstance(item, tuple) and len(item) >= 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def mailbox_test(*, mailbox: Mailbox) -> str:
    """Sign in to the mailbox and open its folder: "" when that works, else the error."""
    try:
        client = _imap_connect(mailbox)
        try:
            _imap_select(client, mailbox)
        finally:
            _logout(client)
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return ""


def _logout(client: imaplib.IMAP4) -> None:
    try:
        client.logout()
    except Exception:  # the server went away already: nothing is left to close
        logger.debug("IMAP logout failed", exc_info=True)


def _expunge(client: imaplib.IMAP4) -> None:
    try:
        client.expunge()
    except Exception:  # the messages stay flagged \Deleted: the next poll's EXPUNGE removes them
        logger.warning("IMAP expunge failed", exc_info=True)


def mailbox_poll(*, mailbox: Mailbox, limit: int = 200) -> PollResult:
    """Take in the mailbox's new messages (unseen; every undeleted one when messages are deleted after):
    each is stored and processed, and only after that commit flagged seen (or deleted, and expunged at
    the end) on the server. A message flagged late or twice arrives again and is a duplicate here."""
    fetched = 0
    outcomes: list[Outcome] = []
    error = ""
    queue_name = mailbox.queue.name if mailbox.queue_id and mailbox.queue else ""
    try:
        client = _imap_connect(mailbox)
        try:
            _imap_select(client, mailbox)
            status, data = client.uid("SEARCH", "UNDELETED" if mailbox.delete_after else "UNSEEN")
            uids = data[0].split() if status == "OK" and data and data[0] else []
            try:
                for uid in uids[:limit]:
                    status, data = client.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
                    raw = _fetched(list(data or [])) if status == "OK" else None
                    if raw is None:
                        continue
                    _inbound, outcome = receive(raw, source=f"imap:{mailbox.name}", queue_name=queue_name)
                    # Committed: only now is the server told (a failure here means it comes again: a duplicate).
                    flag = r"(\Deleted)" if mailbox.delete_after else r"(\Seen)"
                    status, data = client.uid("STORE", uid.decode(), "+FLAGS.SILENT", flag)
                    if status != "OK":
                        raise imaplib.IMAP4.error(f"STORE refused: {data}")
                    fetched += 1
                    outcomes.append(outcome)
            finally:
                if mailbox.delete_after and fetched:
                    _expunge(client)
        finally:
            _logout(client)
    except Exception as failure:
        error = f"{type(failure).__name__}: {failure}"
        logger.warning("Mail intake: mailbox %s: %s", mailbox.name, error)
    Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=timezone.now(), last_error=error[:2000])
    return PollResult(fetched=fetched, outcomes=tuple(outcomes), error=error)


def mailboxes_poll() -> int:
    """Poll every active mailbox once; answers how many messages were taken in."""
    return sum(
        mailbox_poll(mailbox=mailbox).fetched
        for mailbox in Mailbox.objects.filter(is_active=True).select_related("queue")
    )
