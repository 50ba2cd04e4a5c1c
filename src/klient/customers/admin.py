"""Companies in the admin: viewable by operators; changes happen in the app, where audit and versions apply."""

from django.contrib import admin

from klient.core.admin import ReadOnlyAdmin
from klient.customers.models import (
    AccountTeamMember,
    Company,
    Contact,
    DuplicateDismissal,
    ImportJob,
    ImportMapping,
)


class AccountTeamInline(admin.TabularInline):
    model = AccountTeamMember
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Company)
class CompanyAdmin(ReadOnlyAdmin):
    list_display = ("name", "legal_name", "country", "tax_id", "status", "owner", "team", "version")
    list_filter = ("status", "is_key_account", "country", "team")
    search_fields = ("name", "legal_name", "tax_id", "external_id")
    list_select_related = ("owner", "team")
    raw_id_fields = ("parent",)
    inlines = [AccountTeamInline]


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "company", "position", "email", "phone", "left_on", "version")
    list_filter = ("buying_role", "language")
    search_fields = ("first_name", "last_name", "email", "external_id")
    list_select_related = ("company",)
    raw_id_fields = ("company", "previous")


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ("original_name", "kind", "user", "status", "processed_rows", "total_rows", "created_at")
    list_filter = ("kind", "status")


@admin.register(ImportMapping)
class ImportMappingAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "user", "created_at")


@admin.register(DuplicateDismissal)
class DuplicateDismissalAdmin(ReadOnlyAdmin):
    list_display = ("kind", "first_id", "second_id", "dismissed_by", "dismissed_at")
    list_filter = ("kind",)
    list_select_related = ("dismissed_by",)
