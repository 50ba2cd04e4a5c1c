"""Operators' admin: the professional holiday calendar, events, invitations and greetings sent."""

from django.contrib import admin

from klient.activities.greetings.models import Event, GreetingSent, Invitation, ProfessionalHoliday


@admin.register(ProfessionalHoliday)
class ProfessionalHolidayAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "country", "rule", "month", "day", "week", "weekday", "is_active")
    list_filter = ("is_active", "rule", "country")
    search_fields = ("code", "name", "name_pl", "name_bs", "name_hy", "name_zh_hans", "name_ru")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "starts_at", "ends_at", "place", "owner")
    list_filter = ("kind",)
    search_fields = ("name", "place")
    raw_id_fields = ("owner",)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("event", "contact", "status", "invited_at", "answered_at")
    list_filter = ("status",)
    raw_id_fields = ("event", "contact", "invited_by", "answered_by")


@admin.register(GreetingSent)
class GreetingSentAdmin(admin.ModelAdmin):
    list_display = ("contact", "occasion", "year", "sent_at", "sent_by")
    raw_id_fields = ("contact", "sent_by")
