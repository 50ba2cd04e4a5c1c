"""State changes for people, roles, delegations and API tokens. Each is one named function."""

from __future__ import annotations

import datetime
import hashlib
import secrets

import phonenumbers
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klient.core.audit import audit_log, diff, snapshot
from klient.core.exceptions import NotAllowed
from klient.core.models import ApiToken, AuditAction, Delegation, Role, RoleSetting, Team, User
from klient.core.roles import DEFAULT_VISIBILITY, MANAGER_ROLES, ROLE_PERMISSIONS
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
    """E.164 form of a phone number, or "" when it cannot be parsed."""
    if not raw.strip():
        return ""
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(parsed):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


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
