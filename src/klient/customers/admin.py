"""Companies in the admin: viewable by operators; changes happen in the app, where audit and versions apply."""

from django.contrib import admin

from klient.core.admin import ReadOnlyAdmin
from klient.customers.models import AccountTeamMember, Company


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
    list_display = ("name", "legal_name", "country", "tax_id", "owner", "team", "version")
    list_filter = ("country", "team")
    search_fields = ("name", "legal_name", "tax_id")
    inlines = [AccountTeamInline]
