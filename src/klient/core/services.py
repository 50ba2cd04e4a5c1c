"""State changes for people, roles, delegations and API tokens. Each is one named function."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from pathlib import PurePath
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klient.core import phones
from klient.core.audit import audit_log, diff, removed, snapshot
from klient.core.exceptions import NotAllowed
from klient.core.models import (
    ApiToken,
    Attachment,
    AuditAction,
    Delegation,
    Note,
    Role,
    RoleSetting,
    Tag,
    Team,
    User,
)
from klient.core.roles import DEFAULT_VISIBILITY, MANAGER_ROLES, ROLE_PERMISSIONS
from klient.core.search import fold
from klient.core.visibility import forget

TOKEN_PREFIX = "kl_"  # noqa: S105 - a public marker, not a secret
USER_AUDITED_FIELDS = ["role", "team", "language", "timezone", "is_active", "email"]
DELEGATION_AUDITED_FIELDS = ["absent_user", "deputy", "starts_on", "ends_on", "reason", "cancelled_at"]


def roles_sync() -> None:
    """Create every role's group and visibility row; add default permissions that exist and are missing.

    Permissions an administrator removed from a group are not added back, except on the group's creation.
    """
    available = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for role, codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = {available[code] for code in codes if code in available}
        group.permissions.add(*wanted)
        RoleSetting.objects.get_or_create(role=role, defaults={"visibility": DEFAULT_VISIBILITY[role]})


def normalise_phone(raw: str, region: str | None = None) -> str:
    """E.164 form of a phone number, or "" when it cannot be parsed (see klient.core.phones)."""
    return phones.e164(raw, region)


def team_get_or_create(*, name: str) -> Team:
    """The team of that name, created when missing."""
    team, _created = Team.objects.get_or_create(name=name.strip())
    return team


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str,
    team: Team | None = None,
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    language: str = "en",
    timezone_name: str = "UTC",
    phone: str = "",
    actor: User | None = None,
) -> User:
    """Create a user in a role (and its group); without a password the account cannot sign in yet."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role “%(role)s”.") % {"role": role}})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("A user named “%(name)s” already exists.") % {"name": username}})
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role,
        team=team,
        language=language,
        timezone=timezone_name,
        phone=phone,
        phone_e164=normalise_phone(phone),
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.set([Group.objects.get_or_create(name=role)[0]])
    audit_log(
        instance=user,
        action=AuditAction.CREATE,
        actor=actor,
        changes=diff({}, snapshot(user, USER_AUDITED_FIELDS)),
    )
    return user


@transaction.atomic
def user_set_role(*, user: User, role: str, team: Team | None, actor: User | None) -> User:
    """Move a user to another role and team; group membership and admin flags follow."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role “%(role)s”.") % {"role": role}})
    before = snapshot(user, USER_AUDITED_FIELDS)
    user.role = role
    user.team = team
    user.is_staff = user.is_superuser = role == Role.ADMIN
    user.save(update_fields=["role", "team", "is_staff", "is_superuser"])
    user.groups.set([Group.objects.get_or_create(name=role)[0]])
    forget(user)
    changes = diff(before, snapshot(user, USER_AUDITED_FIELDS))
    if changes:
        audit_log(instance=user, action=AuditAction.UPDATE, actor=actor, changes=changes)
    return user


@transaction.atomic
def user_update_preferences(
    *, user: User, language: str | None = None, timezone_name: str | None = None
) -> User:
    """Change a user's own language and time zone."""
    before = snapshot(user, USER_AUDITED_FIELDS)
    if language is not None:
        user.language = language
    if timezone_name is not None:
        user.timezone = timezone_name
    user.full_clean(exclude=["password"], validate_unique=False)
    user.save(update_fields=["language", "timezone"])
    changes = diff(before, snapshot(user, USER_AUDITED_FIELDS))
    if changes:
        audit_log(instance=user, action=AuditAction.UPDATE, actor=user, changes=changes)
    return user


def can_manage_delegations_of(actor: User, absent_user: User) -> bool:
    """The user themselves, an administrator, or a manager leading the absent user's team."""
    if actor.pk == absent_user.pk or actor.is_superuser:
        return True
    if actor.role not in MANAGER_ROLES or not actor.has_perm("core.add_delegation"):
        return False
    return absent_user.team_id is not None and (
        absent_user.team_id == actor.team_id
        or Team.objects.filter(pk=absent_user.team_id, lead=actor).exists()
    )


@transaction.atomic
def delegation_create(
    *,
    absent_user: User,
    deputy: User,
    starts_on: datetime.date,
    ends_on: datetime.date,
    actor: User,
    reason: str = "",
) -> Delegation:
    """Name a deputy for a date range; from the first day they see and work the absent user's records."""
    if not can_manage_delegations_of(actor, absent_user):
        raise NotAllowed(_("You may only name deputies for yourself or for members of a team you lead."))
    errors: dict[str, str] = {}
    if deputy.pk == absent_user.pk:
        errors["deputy"] = _("A user cannot be their own deputy.")
    elif not deputy.is_active:
        errors["deputy"] = _("The deputy's account is disabled.")
    if ends_on < starts_on:
        errors["ends_on"] = _("The last day is before the first day.")
    if errors:
        raise ValidationError(errors)
    delegation = Delegation.objects.create(
        absent_user=absent_user,
        deputy=deputy,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        created_by=actor,
    )
    audit_log(
        instance=delegation,
        action=AuditAction.CREATE,
        actor=actor,
        changes=diff({}, snapshot(delegation, DELEGATION_AUDITED_FIELDS)),
    )
    return delegation


@transaction.atomic
def delegation_cancel(*, delegation: Delegation, actor: User) -> Delegation:
    """End a delegation early; from now on the deputy no longer sees the absent user's records."""
    if not can_manage_delegations_of(actor, delegation.absent_user):
        raise NotAllowed(_("You may only change delegations for yourself or for members of a team you lead."))
    if delegation.cancelled_at is not None:
        return delegation
    before = snapshot(delegation, DELEGATION_AUDITED_FIELDS)
    delegation.cancelled_at = timezone.now()
    delegation.save(update_fields=["cancelled_at"])
    audit_log(
        instance=delegation,
        action=AuditAction.UPDATE,
        actor=actor,
        changes=diff(before, snapshot(delegation, DELEGATION_AUDITED_FIELDS)),
    )
    return delegation


def delegations_close_ended(*, today: datetime.date | None = None) -> int:
    """Mark delegations whose last day has passed as ended; returns how many were closed.

    Access already stops on the day after `ends_on` (visibility checks the dates); this records when.
    The conditional update makes it safe for several workers to run at once.
    """
    today = today or timezone.localdate()
    return Delegation.objects.filter(
        ends_on__lt=today, ended_at__isnull=True, cancelled_at__isnull=True
    ).update(ended_at=timezone.now())


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, user: User, name: str, is_read_only: bool = False, expires_at: datetime.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a personal access token; the raw token is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name.")})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=raw[:10],
        digest=_digest(raw),
        is_read_only=is_read_only,
        expires_at=expires_at,
    )
    return token, raw


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The active token matching a raw value, with its last use recorded; None otherwise."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(digest=_digest(raw)).first()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke a token at once; only its owner or an administrator may."""
    if token.user_id != actor.pk and not actor.is_superuser:
        raise NotAllowed(_("You may only revoke your own tokens."))
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token


def api_tokens_purge_expired(*, older_than_days: int = 90) -> int:
    """Delete tokens revoked or expired more than `older_than_days` ago; returns how many."""
    cutoff = timezone.now() - datetime.timedelta(days=older_than_days)
    revoked = ApiToken.objects.filter(revoked_at__lt=cutoff).delete()[0]
    expired = ApiToken.objects.filter(expires_at__lt=cutoff).delete()[0]
    return revoked + expired


# ----------------------------------------------------------------------------------------------------------
# Notes, files and tags on business records (shown on their company's client card).

NOTE_MAX_LENGTH = 20_000
ATTACHMENT_AUDITED_FIELDS = ["name", "size", "company_id"]
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024  # a proposal with pictures fits; a video does not


def _company_on_behalf_of(actor: User, company: Any, permission: str) -> User | None:
    # Imported here: core is below customers in the layering, and only these services need it.
    from klient.customers.selectors import company_on_behalf_of

    return company_on_behalf_of(actor=actor, company=company, permission=permission)


def _check_company_visible(actor: User, company: Any) -> None:
    """Company.DoesNotExist (the same answer as a missing company) when the actor cannot see it."""
    from klient.customers.models import Company

    if not Company.objects.visible_to(actor).filter(pk=company.pk).exists():
        raise Company.DoesNotExist


@transaction.atomic
def note_add(*, target: models.Model, company: Any, text: str, actor: User) -> Note:
    """Add a note to a record of a company the actor can see; a note counts as contact with the company."""
    from klient.customers.models import Company

    if not actor.has_perm("core.add_note"):
        raise NotAllowed(_("You may not add notes."))
    _check_company_visible(actor, company)
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write something first.")})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"text": _("A note holds at most %(limit)s characters.") % {"limit": NOTE_MAX_LENGTH}}
        )
    on_behalf_of = _company_on_behalf_of(actor, company, "core.add_note")
    note = Note.objects.create(
        target_type=ContentType.objects.get_for_model(target._meta.model),
        target_id=target.pk,
        company_id=company.pk,
        text=text,
        author=actor,
        on_behalf_of=on_behalf_of,
    )
    # Only ever forwards: an older note added late does not make the last contact older.
    Company.objects.filter(pk=company.pk).filter(
        models.Q(last_contact_at__isnull=True) | models.Q(last_contact_at__lt=note.created_at)
    ).update(last_contact_at=note.created_at)
    audit_log(
        instance=note,
        action=AuditAction.CREATE,
        actor=actor,
        on_behalf_of=on_behalf_of,
        changes=diff({}, snapshot(note, ["text"])),
    )
    return note


@transaction.atomic
def attachment_add(*, target: models.Model, company: Any, upload: UploadedFile, actor: User) -> Attachment:
    """Keep an uploaded file on a record of a company the actor can see (at most ATTACHMENT_MAX_BYTES)."""
    if not actor.has_perm("core.add_attachment"):
        raise NotAllowed(_("You may not upload files."))
    _check_company_visible(actor, company)
    size = upload.size or 0
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    if size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file is larger than %(limit)s MB.")
                % {"limit": ATTACHMENT_MAX_BYTES // (1024 * 1024)}
            }
        )
    name = PurePath((upload.name or "file").replace("\\", "/")).name[-255:] or "file"
    attachment = Attachment(
        target_type=ContentType.objects.get_for_model(target._meta.model),
        target_id=target.pk,
        company_id=company.pk,
        name=name,
        size=size,
        content_type=(upload.content_type or "")[:100],
        uploaded_by=actor,
    )
    # The stored name is random: the original name is only shown, never used as a path.
    attachment.file.save(f"{secrets.token_hex(16)}{PurePath(name).suffix[:16]}", upload, save=False)
    try:
        attachment.save()
        audit_log(
            instance=attachment,
            action=AuditAction.CREATE,
            actor=actor,
            on_behalf_of=_company_on_behalf_of(actor, company, "core.add_attachment"),
            changes=diff({}, snapshot(attachment, ATTACHMENT_AUDITED_FIELDS)),
        )
    except Exception:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


def can_delete_attachment(actor: User, attachment: Attachment) -> bool:
    """The uploader may take their own file back; anyone else needs the delete permission."""
    if actor.has_perm("core.delete_attachment"):
        return True
    return attachment.uploaded_by_id == actor.pk and actor.has_perm("core.add_attachment")


@transaction.atomic
def attachment_delete(*, attachment: Attachment, actor: User) -> None:
    """Delete a file (its row now, the stored file once the deletion commits); audited."""
    from klient.customers.models import Company

    if not can_delete_attachment(actor, attachment):
        raise NotAllowed(_("You may not delete this file."))
    company = (
        Company.objects.filter(pk=attachment.company_id).first()
        if attachment.company_id is not None
        else None
    )
    audit_log(
        instance=attachment,
        action=AuditAction.DELETE,
        actor=actor,
        on_behalf_of=(
            _company_on_behalf_of(actor, company, "core.add_attachment") if company is not None else None
        ),
        changes=removed(snapshot(attachment, ATTACHMENT_AUDITED_FIELDS)),
    )
    storage, stored_name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(stored_name))


@transaction.atomic
def record_set_tags(*, instance: models.Model, names: list[str], actor: User) -> list[Tag]:
    """Give a record (with a `tags` relation) exactly these tags, creating new ones; audited as "tags".

    Tags are matched by their folded name ("Ključni" is "kljucni"); new ones need core.add_tag.
    """
    wanted: dict[str, str] = {}
    for raw in names:
        name = " ".join(raw.split())[:50]
        if name:
            wanted.setdefault(fold(name)[:50], name)
    existing = {tag.key: tag for tag in Tag.objects.filter(key__in=wanted)}
    missing = [key for key in wanted if key not in existing]
    if missing and not actor.has_perm("core.add_tag"):
        raise ValidationError({"tags": _("You may only choose existing tags.")})
    for key in missing:
        existing[key] = Tag.objects.get_or_create(key=key, defaults={"name": wanted[key]})[0]
    tags = sorted((existing[key] for key in wanted), key=lambda tag: tag.name.casefold())
    relation = getattr(instance, "tags")  # noqa: B009 - any model with a tags relation
    before = sorted(relation.all(), key=lambda tag: tag.name.casefold())
    if [tag.pk for tag in before] != [tag.pk for tag in tags]:
        relation.set(tags)
        audit_log(
            instance=instance,
            action=AuditAction.UPDATE,
            actor=actor,
            changes={
                "tags": {
                    "from": [tag.name for tag in before],
                    "to": [tag.name for tag in tags],
                    "from_label": ", ".join(tag.name for tag in before) or None,
                    "to_label": ", ".join(tag.name for tag in tags) or None,
                }
            },
        )
    return tags
