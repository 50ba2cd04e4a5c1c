"""The portal in the admin: accounts (which contact a portal user is, what they see) for operators."""

from django.contrib import admin

from klient.service.portal.models import PortalAccount


@admin.register(PortalAccount)
class PortalAccountAdmin(admin.ModelAdmin):
    list_display = (
        "contact",
        "user",
        "can_see_company_tickets",
        "invited_by",
        "created_at",
        "last_sign_in_at",
    )
    list_filter = ("can_see_company_tickets",)
    search_fields = ("contact__first_name", "contact__last_name", "user__email", "contact__company__name")
    raw_id_fields = ("user", "contact", "invited_by")
    readonly_fields = ("created_at", "last_sign_in_at")
