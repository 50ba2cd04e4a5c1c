"""Call scripts and the objection library are edited here by managers; each text of an objection or an
answer gets one field per language of the installation. Call lists change in the app and the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin

from klient.activities.calllists.models import (
    CallList,
    CallScript,
    CallScriptStep,
    Objection,
    ObjectionAnswer,
)
from klient.core.admin import ReadOnlyAdmin


class _PerLanguageForm(forms.ModelForm):
    """A JSON field of texts by language ({"en": ..., "pl": ...}) as one text field per language."""

    json_field = ""
    widget: type[forms.Widget] = forms.TextInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        texts = getattr(self.instance, self.json_field) or {}
        for code, name in settings.LANGUAGES:
            self.fields[f"{self.json_field}_{code}"] = forms.CharField(
                label=name,
                required=code == "en",
                initial=texts.get(code, ""),
                widget=self.widget(attrs={"rows": 3}) if self.widget is forms.Textarea else self.widget,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data[self.json_field] = {
            code: data.get(f"{self.json_field}_{code}", "").strip()
            for code, _name in settings.LANGUAGES
            if data.get(f"{self.json_field}_{code}", "").strip()
        }
        return data

    def save(self, commit: bool = True) -> Any:
        setattr(self.instance, self.json_field, self.cleaned_data[self.json_field])
        return super().save(commit)


class ObjectionForm(_PerLanguageForm):
    json_field = "names"

    class Meta:
        model = Objection
        fields = ["code", "position", "is_active"]


class ObjectionAnswerForm(_PerLanguageForm):
    json_field = "texts"
    widget = forms.Textarea

    class Meta:
        model = ObjectionAnswer
        fields = ["position", "is_active"]


class ObjectionAnswerInline(admin.StackedInline):
    model = ObjectionAnswer
    form = ObjectionAnswerForm
    extra = 0


@admin.register(Objection)
class ObjectionAdmin(admin.ModelAdmin):
    form = ObjectionForm
    inlines = [ObjectionAnswerInline]
    list_display = ("__str__", "code", "position", "is_active")
    list_editable = ("position", "is_active")
    ordering = ("position", "code")

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        # Retire an objection (not active) instead: the report keeps the calls that marked it.
        return False


class CallScriptStepInline(admin.TabularInline):
    model = CallScriptStep
    extra = 1
    ordering = ("position", "id")


@admin.register(CallScript)
class CallScriptAdmin(admin.ModelAdmin):
    inlines = [CallScriptStepInline]
    list_display = ("name", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name",)


@admin.register(CallList)
class CallListAdmin(ReadOnlyAdmin):
    list_display = ("name", "created_by", "team", "created_at")
    search_fields = ("name",)
