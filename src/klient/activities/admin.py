"""Activities in the admin: call outcomes are configured here; activities themselves are read-only (they
change in the app and the API, where audit and versions apply)."""

from django.contrib import admin

from klient.activities.models import Activity, CallOutcome
from klient.core.admin import ReadOnlyAdmin


@admin.register(CallOutcome)
class CallOutcomeAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "needs_reason", "is_active", "position")
    list_editable = ("needs_reason", "is_active", "position")
    ordering = ("position", "code")

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # The code is the outcome's name in the API and on the companies' last call: fixed once saved.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Retire an outcome (not active) instead: calls keep the outcomes they had.
        return False


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ("subject", "kind", "company", "owner", "at", "done_at", "version")
    list_filter = ("kind",)
    search_fields = ("subject",)
