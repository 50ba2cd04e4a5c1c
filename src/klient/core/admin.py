"""Django admin for operators. Role changes go through the service so groups follow; audit is read-only."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from klient.core.models import (
    ApiToken,
    Attachment,
    AuditEntry,
    Delegation,
    Note,
    RoleSetting,
    SavedView,
    Tag,
    Team,
    User,
)
from klient.core.services import user_set_role


@admin.register(User)
class KlientUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "team", "language", "is_active")
    list_filter = ("role", "team", "is_active", "language")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Klient"), {"fields": ("role", "team", "language", "timezone", "phone")}),
    )
    add_fieldsets = (
        *(UserAdmin.add_fieldsets or ()),
        (_("Klient"), {"fields": ("role", "team", "language", "timezone")}),
    )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        role_changed = "role" in form.changed_data or "team" in form.changed_data or not change
        super().save_model(request, obj, form, change)
        if role_changed:
            actor = request.user if isinstance(request.user, User) else None
            user_set_role(user=obj, role=obj.role, team=obj.team, actor=actor)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "lead")
    search_fields = ("name",)


@admin.register(RoleSetting)
class RoleSettingAdmin(admin.ModelAdmin):
    list_display = ("role", "visibility")
    list_editable = ("visibility",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ("absent_user", "deputy", "starts_on", "ends_on", "cancelled_at", "ended_at")
    readonly_fields = ("created_by", "created_at", "cancelled_at", "ended_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # named in the app, where the rules and the audit apply

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # ended in the app, so the end is audited


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by operators, never changed from the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "action", "content_type", "object_repr", "actor", "on_behalf_of")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr",)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "user", "prefix", "is_read_only", "created_at", "last_used_at", "revoked_at")
    list_filter = ("is_read_only",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    """Tags may be renamed or removed by operators (they carry no history of their own)."""

    list_display = ("name",)
    search_fields = ("name",)
    exclude = ("key",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        from klient.core.search import fold

        obj.key = fold(obj.name)[:50]
        super().save_model(request, obj, form, change)


@admin.register(Note)
class NoteAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "author", "target_type", "target_id", "__str__")


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ("uploaded_at", "uploaded_by", "name", "size", "target_type", "target_id")


@admin.register(SavedView)
class SavedViewAdmin(ReadOnlyAdmin):
    list_display = ("name", "list_name", "user", "is_default")
