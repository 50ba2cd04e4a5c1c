"""The mail app in the admin: templates are edited here; the outbox and opt-outs are looked at."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from klient.mail.models import Mailing, MailTemplate, MailTemplateText, OutboxMessage, Unsubscribe


class MailTemplateTextInline(admin.StackedInline):
    model = MailTemplateText
    extra = 0


@admin.register(MailTemplate)
class MailTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "purpose", "is_active", "updated_at"]
    list_filter = ["purpose", "is_active"]
    search_fields = ["name", "code"]
    inlines = [MailTemplateTextInline]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to_email", "subject", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "purpose"]
    search_fields = ["to_email", "subject", "key"]
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]
    list_select_related = ["sender"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Mailing)
class MailingAdmin(admin.ModelAdmin):
    list_display = ["created_at", "template", "created_by", "company_count", "queued_count"]
    readonly_fields = [field.name for field in Mailing._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Unsubscribe)
class UnsubscribeAdmin(admin.ModelAdmin):
    list_display = ["email", "contact", "created_at", "source"]
    search_fields = ["email"]
    raw_id_fields = ["contact"]

    def save_model(self, request: HttpRequest, obj: Unsubscribe, form: object, change: bool) -> None:
        obj.email = obj.email.strip().lower()  # one address, however it is typed
        obj.source = obj.source or "staff"
        super().save_model(request, obj, form, change)
