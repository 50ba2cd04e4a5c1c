"""The customer portal's tables: which contact a portal user is, and the one-time sign-in links mailed to
them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PortalAccount(models.Model):
    """A contact's way into the portal: a user (role portal) tied to one contact. The contact sees the
    tickets they opened, or every ticket of their company when `can_see_company_tickets` is set."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="portal_account",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="portal_accounts",
    )
    can_see_company_tickets = models.BooleanField(_("sees the company's tickets"), default=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_sign_in_at = models.DateTimeField(_("last signed in"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("portal account")
        verbose_name_plural = _("portal accounts")
        constraints = [models.UniqueConstraint(fields=["contact"], name="portal_account_contact_once")]

    def __str__(self) -> str:
        return f"{self.contact} ({self.user})"


class SignInLink(models.Model):
    """A one-time sign-in link mailed to a portal account: the signed token carries `nonce`; the link
    works once (`used_at`) and until `expires_at`."""

    account = models.ForeignKey(
        PortalAccount,
        verbose_name=_("portal account"),
        on_delete=models.CASCADE,
        related_name="sign_in_links",
    )
    nonce = models.CharField(_("nonce"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")
        indexes = [models.Index(fields=["account", "created_at"], name="portal_link_account")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.created_at:%Y-%m-%d %H:%M}"
