"""State changes of the customer portal: invite a contact (a portal user tied to them, mailed a sign-in
link), mail a one-time sign-in link and use it, open a ticket, reply, close it, change one's language, and
take a request from the embeddable web form. Tickets change through klient.service.services, so the SLA,
events, audit and webhooks are those of every other channel."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Sequence

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from klient.core.exceptions import NotAllowed
from klient.core.models import Role, User
from klient.customers.models import Contact
from klient.mail.services import contact_language, language_code, mail_queue
from klient.service.models import Channel, MessageKind, Ticket, TicketMessage, TicketType
from klient.service.portal.models import PortalAccount, SignInLink
from klient.service.portal.selectors import portal_tickets
from klient.service.services import (
    FileInput,
    MessageInput,
    customer_message_add,
    normal_email,
    ticket_close_by_customer,
    ticket_open,
)

INVITE_PERMISSION = "customers.change_contact"
LINK_SALT = "klient.service.portal.sign-in"
# A link asked for on the sign-in page works for 30 minutes; the one in an invitation for a week.
SIGN_IN_LINK_MAX_AGE = datetime.timedelta(minutes=30)
INVITE_LINK_MAX_AGE = datetime.timedelta(days=7)
# At most this many sign-in links are mailed to one account an hour (more requests are answered the
# same way, and nothing is sent).
LINKS_PER_HOUR = 3
# Types of ticket a customer chooses from.
CUSTOMER_TYPES = (TicketType.QUESTION, TicketType.INCIDENT, TicketType.SERVICE_REQUEST, TicketType.COMPLAINT)


# --- accounts and sign-in ---------------------------------------------------------------------------------


def portal_account_of(user: User | object) -> PortalAccount | None:
    """The portal account of a signed-in portal user (None for staff, the anonymous and the inactive)."""
    if not isinstance(user, User) or not user.is_active or user.role != Role.PORTAL:
        return None
    try:
        account: PortalAccount = user.portal_account
    except PortalAccount.DoesNotExist:
        return None
    return account


def _link_token(link: SignInLink) -> str:
    return signing.dumps({"n": link.nonce}, salt=LINK_SALT)


def sign_in_link_url(link: SignInLink) -> str:
    """The absolute URL of a sign-in link."""
    return settings.BASE_URL.rstrip("/") + reverse("portal:link_sign_in", args=[_link_token(link)])


def _mail_link(
    account: PortalAccount, *, max_age: datetime.timedelta, invited_by: User | None = None
) -> SignInLink:
    now = timezone.now()
    link = SignInLink.objects.create(
        account=account, nonce=secrets.token_urlsafe(32), created_at=now, expires_at=now + max_age
    )
    contact = account.contact
    language = language_code(account.user.language) or contact_language(contact=contact)
    with translation.override(language):
        if invited_by is not None:
            subject = _("Your access to our customer portal")
            body = _(
                "Hello %(name)s,\n\n%(inviter)s has given you access to our customer portal, where you can "
                "open requests, follow them and answer us.\n\nSign in with this link (it works once, for "
                "7 days):\n%(url)s\n\nAfterwards you can set a password on your profile, or ask for a new "
                "link on the sign-in page whenever you need one.\n"
            ) % {
                "name": contact.full_name,
                "inviter": invited_by.get_full_name() or invited_by.username,
                "url": sign_in_link_url(link),
            }
        else:
            subject = _("Your sign-in link")
            body = _(
                "Hello %(name)s,\n\nsign in to the customer portal with this link. It works once, for 30 "
                "minutes:\n%(url)s\n\nIf you did not ask for it, ignore this message.\n"
            ) % {"name": contact.full_name, "url": sign_in_link_url(link)}
    mail_queue(
        key=f"portal-link:{link.nonce}",
        to_email=account.user.email,
        to_name=contact.full_name,
        subject=subject,
        body=body,
        language=language,
        contact=contact,
        company=contact.company,
    )
    return link


@transaction.atomic
def portal_invite(*, contact: Contact, actor: User, can_see_company_tickets: bool = False) -> PortalAccount:
    """Give a contact access to the portal: a portal user named by their address (made once; a second
    invitation mails a new link and may change what they see) and a sign-in link by mail."""
    if not (actor.is_active and actor.has_perm(INVITE_PERMISSION)):
        raise NotAllowed(_("You may not invite contacts to the portal."))
    if not Contact.objects.visible_to(actor).filter(pk=contact.pk).exists():
        raise Contact.DoesNotExist
    email = normal_email(contact.email)
    if not email:
        raise ValidationError({"email": _("The contact has no email address.")})
    account = PortalAccount.objects.select_related("user").filter(contact=contact).first()
    if account is None:
        user = User.objects.filter(username__iexact=email).first()
        if user is not None and (user.role != Role.PORTAL or hasattr(user, "portal_account")):
            raise ValidationError({"email": _("This address already belongs to another user.")})
        if user is None:
            user = User(
                username=email,
                email=email,
                role=Role.PORTAL,
                first_name=contact.first_name[:150],
                last_name=contact.last_name[:150],
                language=language_code(contact_language(contact=contact)) or "en",
            )
            user.set_unusable_password()
            user.save()
        account = PortalAccount.objects.create(
            user=user, contact=contact, can_see_company_tickets=can_see_company_tickets, invited_by=actor
        )
    else:
        account.can_see_company_tickets = can_see_company_tickets
        account.save(update_fields=["can_see_company_tickets"])
        if not account.user.is_active or account.user.email != email:
            User.objects.filter(pk=account.user_id).update(is_active=True, email=email)
            account.user.refresh_from_db()
    _mail_link(account, max_age=INVITE_LINK_MAX_AGE, invited_by=actor)
    return account


@transaction.atomic
def sign_in_link_request(*, email: str) -> SignInLink | None:
    """Mail a sign-in link to the portal account with this address, if there is one and it has not had
    too many links this hour. The caller answers the same whatever this returns, so that nobody learns
    whether an address has an account."""
    email = normal_email(email)
    if not email or "@" not in email:
        return None
    account = (
        PortalAccount.objects.select_related("user", "contact__company")
        .filter(user__email__iexact=email, user__is_active=True, user__role=Role.PORTAL)
        .first()
    )
    if account is None:
        return None
    hour_ago = timezone.now() - datetime.timedelta(hours=1)
    if SignInLink.objects.filter(account=account, created_at__gte=hour_ago).count() >= LINKS_PER_HOUR:
        return None
    return _mail_link(account, max_age=SIGN_IN_LINK_MAX_AGE)


def sign_in_link_use(*, token: str) -> PortalAccount:
    """The account a sign-in link is for, marking the link used: it works once and until it expires.
    ValidationError for a bad, used or expired link (the same message for each)."""
    invalid = ValidationError({"token": _("This sign-in link is not valid any more. Ask for a new one.")})
    try:
        nonce = str(signing.loads(token, salt=LINK_SALT)["n"])
    except (signing.BadSignature, KeyError, TypeError):
        raise invalid from None
    now = timezone.now()
    with transaction.atomic():
        # A conditional update claims the link: of two requests with it, one wins.
        claimed = SignInLink.objects.filter(nonce=nonce, used_at__isnull=True, expires_at__gt=now).update(
            used_at=now
        )
        if not claimed:
            raise invalid
        account = PortalAccount.objects.select_related("user").get(sign_in_links__nonce=nonce)
        if not account.user.is_active or account.user.role != Role.PORTAL:
            raise invalid
        PortalAccount.objects.filter(pk=account.pk).update(last_sign_in_at=now)
    return account


def portal_signed_in(*, account: PortalAccount) -> None:
    """Note that the account signed in (with a password)."""
    PortalAccount.objects.filter(pk=account.pk).update(last_sign_in_at=timezone.now())


def portal_profile_update(*, account: PortalAccount, language: str) -> User:
    """Change the portal user's language (pages and mail to them)."""
    code = language_code(language)
    if not code:
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    user = account.user
    user.language = code
    user.save(update_fields=["language"])
    return user


# --- tickets ---------------------------------------------------------------------------------------------


def _require_portal_ticket(account: PortalAccount, ticket: Ticket) -> None:
    if not portal_tickets(account).filter(pk=ticket.pk).exists():
        raise Ticket.DoesNotExist


def _sender(account: PortalAccount) -> tuple[str, str]:
    contact = account.contact
    return normal_email(contact.email or account.user.email), contact.full_name


def portal_ticket_open(
    *,
    account: PortalAccount,
    subject: str,
    body: str,
    type: str = TicketType.QUESTION,
    files: Sequence[FileInput] = (),
) -> Ticket:
    """A ticket the customer opens in the portal, for their contact and company, in their language."""
    errors: dict[str, str] = {}
    if not " ".join(subject.split()):
        errors["subject"] = _("Give the ticket a subject.")
    if not body.strip():
        errors["body"] = _("Describe your request.")
    if type not in CUSTOMER_TYPES:
        errors["type"] = _("Choose the kind of request.")
    if errors:
        raise ValidationError(errors)
    email, name = _sender(account)
    contact = account.contact
    return ticket_open(
        message=MessageInput(
            kind=MessageKind.PORTAL,
            body_text=body,
            sender_email=email,
            sender_name=name,
            subject=subject,
            files=files,
        ),
        actor=account.user,
        subject=subject,
        channel=Channel.PORTAL,
        company=contact.company,
        contact=contact,
        type=type,
        language=account.user.language,
    )


def portal_reply(
    *, account: PortalAccount, ticket: Ticket, body: str, files: Sequence[FileInput] = ()
) -> TicketMessage:
    """The customer's reply in the portal: added to the ticket as theirs (a resolved ticket reopens)."""
    _require_portal_ticket(account, ticket)
    if not body.strip() and not files:
        raise ValidationError({"body": _("Write your reply.")})
    email, name = _sender(account)
    return customer_message_add(
        ticket=ticket,
        message=MessageInput(
            kind=MessageKind.PORTAL, body_text=body, sender_email=email, sender_name=name, files=files
        ),
        contact=account.contact,
    )


def portal_ticket_close(*, account: PortalAccount, ticket: Ticket) -> Ticket:
    """The customer closes their ticket: it needs nothing more from the desk."""
    _require_portal_ticket(account, ticket)
    return ticket_close_by_customer(ticket=ticket, actor=account.user)


# --- the web form -----------------------------------------------------------------------------------------


def web_form_submit(
    *, name: str, email: str, subject: str, body: str, language: str = "", files: Sequence[FileInput] = ()
) -> Ticket:
    """A request from the anonymous web form: a ticket of the sender, matched to their contact and
    company by address (the spam checks are the view's, before this is called)."""
    email = normal_email(email)
    return ticket_open(
        message=MessageInput(
            kind=MessageKind.WEB_FORM,
            body_text=body,
            sender_email=email,
            sender_name=" ".join(name.split()),
            subject=subject,
            files=files,
        ),
        subject=subject,
        channel=Channel.WEB_FORM,
        language=language_code(language),
    )
