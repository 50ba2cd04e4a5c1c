"""Forms of the knowledge base screens: a new article, an article's text in one language, its category
and short name, and a category's names."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from klient.service.kb.models import KbCategory
from klient.service.kb.services import MAX_BODY, MAX_TITLE

BODY_HELP = _("Plain text: an empty line starts a new paragraph; web addresses become links.")


class TranslationForm(forms.Form):
    """An article's title and text in one language; `version` is the article's version as read."""

    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    body = forms.CharField(
        label=_("Text"), max_length=MAX_BODY, widget=forms.Textarea(attrs={"rows": 16}), help_text=BODY_HELP
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ArticleCreateForm(forms.Form):
    """A new article: its first language, title, text and category (it starts as a draft)."""

    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    category = forms.ModelChoiceField(label=_("Category"), queryset=KbCategory.objects.none(), required=False)
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    body = forms.CharField(
        label=_("Text"), max_length=MAX_BODY, widget=forms.Textarea(attrs={"rows": 16}), help_text=BODY_HELP
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = KbCategory.objects.all()  # type: ignore[attr-defined]


class ArticleSettingsForm(forms.Form):
    """An article's category and short name (its public address)."""

    category = forms.ModelChoiceField(label=_("Category"), queryset=KbCategory.objects.none(), required=False)
    slug = forms.SlugField(label=_("Short name"), max_length=120)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = KbCategory.objects.all()  # type: ignore[attr-defined]


class CategoryForm(forms.Form):
    """A category: a name per language (English required) and its place in the list."""

    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=10_000, initial=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, name in settings.LANGUAGES:
            self.fields[f"name_{code}"] = forms.CharField(
                label=_("Name (%(language)s)") % {"language": name}, max_length=100, required=code == "en"
            )

    def names(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"name_{code}") or "" for code, _name in settings.LANGUAGES}
