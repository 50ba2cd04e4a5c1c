"""Forms of the company pages."""

from __future__ import annotations

from typing import Any

from babel.numbers import get_currency_name, list_currencies
from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from klient.catalog.models import PriceList
from klient.core.l10n import babel_locale
from klient.core.models import Role, Team, User
from klient.core.widgets import FastSelect
from klient.customers.models import BuyingRole, Company, CompanyStatus, Contact


def country_choices() -> list[tuple[str, str]]:
    """ISO countries named in the active language, with an empty choice first."""
    return [("", "—"), *((code, str(name)) for code, name in countries)]


def any_country_choices() -> list[tuple[str, str]]:
    """Countries for a filter: "any country" first."""
    return [("", str(_("Any country"))), *((code, str(name)) for code, name in countries)]


def language_choices() -> list[tuple[str, str]]:
    """The installation's languages (settings.LANGUAGES), with an empty choice first."""
    return [("", "—"), *((code, str(name)) for code, name in settings.LANGUAGES)]


def currency_choices() -> list[tuple[str, str]]:
    """ISO 4217 currencies named in the active language, with an empty choice first."""
    locale = babel_locale()
    named = sorted(
        (f"{code} — {get_currency_name(code, locale=locale)}" for code in list_currencies()),
    )
    return [("", "—"), *((label[:3], label) for label in named)]


def split_names(value: str) -> list[str]:
    """Comma-separated names as a list, blanks dropped."""
    return [part.strip() for part in value.split(",") if part.strip()]


class CompanyChoiceField(forms.ModelChoiceField):
    """A company among those the user may see, chosen from a short <select> that a search box refills.

    Only a few options are rendered (all visible companies when there are few, else the current
    choice); the search box asks `customers:company_choices` for matches. Validation is one query.
    """

    widget = FastSelect
    FEW = 200
    is_company_chooser = True  # the form template adds the search box
    exclude_id: int | None = None

    def limit_to(self, *, user: User, exclude: int | None, current: Company | None) -> None:
        """Accept only companies the user sees (never `exclude`); render the few options worth showing."""
        queryset = Company.objects.visible_to(user)
        self.exclude_id = exclude
        if exclude is not None:
            queryset = queryset.exclude(pk=exclude)
        self.queryset = queryset
        few = list(queryset.order_by("name", "id").values_list("pk", "name")[: self.FEW + 1])
        self.has_many = len(few) > self.FEW
        if self.has_many:
            few = [(current.pk, current.name)] if current is not None else []
        self.widget.choices = [("", "—"), *few]


class CompanyForm(forms.ModelForm):
    """Every field of a company, in the sections of the card; commercial terms only for who may see them.

    The form parses and checks input; the services validate the record and save it.
    """

    SECTIONS = [
        (
            _("Basics"),
            ["name", "legal_name", "status", "status_reason", "source", "external_id"],
        ),
        (
            _("Addresses"),
            ["country", "city", "legal_address", "billing_address", "delivery_address"],
        ),
        (_("Contact details"), ["phone", "other_phones", "email", "website"]),
        (
            _("Registration and classification"),
            ["tax_id", "registration_number", "industry", "size", "segment", "tags"],
        ),
        (_("Ownership"), ["owner", "team", "parent"]),
        (_("Documents"), ["document_language", "document_currency"]),
        (_("Key account and commercial terms"), ["is_key_account", *Company.COMMERCIAL_FIELDS]),
    ]

    country = forms.ChoiceField(
        label=_("Country"), choices=country_choices, required=False, widget=FastSelect
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", "—"), *CompanyStatus.choices], required=False, widget=FastSelect
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False, widget=FastSelect
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.all(), required=False, widget=FastSelect
    )
    parent = CompanyChoiceField(label=_("Parent company"), queryset=Company.objects.none(), required=False)
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=1000, help_text=_("Separated by commas.")
    )
    document_language = forms.ChoiceField(
        label=_("Language for documents"), choices=language_choices, required=False, widget=FastSelect
    )
    document_currency = forms.ChoiceField(
        label=_("Currency for documents"), choices=currency_choices, required=False, widget=FastSelect
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Company
        fields = [
            "name",
            "legal_name",
            "status",
            "status_reason",
            "source",
            "external_id",
            "country",
            "city",
            "legal_address",
            "billing_address",
            "delivery_address",
            "phone",
            "other_phones",
            "email",
            "website",
            "tax_id",
            "registration_number",
            "industry",
            "size",
            "segment",
            "owner",
            "team",
            "parent",
            "document_language",
            "document_currency",
            "is_key_account",
            *Company.COMMERCIAL_FIELDS,
        ]
        widgets = {
            "legal_address": forms.Textarea(attrs={"rows": 2}),
            "billing_address": forms.Textarea(attrs={"rows": 2}),
            "delivery_address": forms.Textarea(attrs={"rows": 2}),
            "individual_services": forms.Textarea(attrs={"rows": 3}),
            "delivery_terms": forms.Textarea(attrs={"rows": 3}),
            "email": forms.EmailInput,
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "website": forms.TextInput(attrs={"inputmode": "url"}),
        }

    def __init__(
        self,
        *args: Any,
        user: User,
        with_terms: bool,
        company: Company | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        owner_field = self.fields["owner"]
        assert isinstance(owner_field, forms.ModelChoiceField)
        owner_field.queryset = (
            User.objects.filter(is_active=True).exclude(role=Role.PORTAL).order_by("username")
        )
        parent_field = self.fields["parent"]
        assert isinstance(parent_field, CompanyChoiceField)
        parent_field.limit_to(
            user=user,
            exclude=company.pk if company is not None else None,
            current=company.parent if company is not None else None,
        )
        if company is not None:
            # A value that came in by import or the API stays choosable, even if the list lacks it.
            for name, choices in (
                ("document_language", language_choices),
                ("document_currency", currency_choices),
            ):
                value = getattr(company, name)
                field = self.fields[name]
                assert isinstance(field, forms.ChoiceField)
                options = choices()
                if value and value not in {code for code, _label in options}:
                    field.choices = [*options, (value, value)]
        if with_terms:
            # Active price lists, and the company's own even when it is no longer active.
            price_type_field = self.fields["price_type"]
            assert isinstance(price_type_field, forms.ModelChoiceField)
            current = company.price_type_id if company is not None else None
            price_type_field.queryset = PriceList.objects.filter(Q(is_active=True) | Q(pk=current)).order_by(
                "name"
            )
        else:
            for name in Company.COMMERCIAL_FIELDS:
                del self.fields[name]

    def _post_clean(self) -> None:
        """Nothing: the services build and validate the record (ModelForm would change the instance)."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("status") in {CompanyStatus.INACTIVE, CompanyStatus.LOST}
            and not (cleaned.get("status_reason") or "").strip()
        ):
            self.add_error("status_reason", _("Say why the company became inactive or was lost."))
        return cleaned

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The visible fields, grouped as on the card; empty sections left out."""
        grouped = [
            (str(title), [self[name] for name in names if name in self.fields])
            for title, names in self.SECTIONS
        ]
        return [(title, fields) for title, fields in grouped if fields]

    @classmethod
    def initial_for(cls, company: Company, tag_names: list[str] | None = None) -> dict[str, Any]:
        """Initial values from a stored company (tags as a comma-separated line)."""
        initial: dict[str, Any] = {name: getattr(company, name) for name in cls.Meta.fields}
        initial.update(
            country=str(company.country or ""),
            owner=company.owner_id,
            team=company.team_id,
            parent=company.parent_id,
            tags=", ".join(tag_names or []),
            version=company.version,
        )
        return initial

    def service_data(self) -> dict[str, Any]:
        """The cleaned values a company service takes (without the version and the tags)."""
        data = {name: value for name, value in self.cleaned_data.items() if name not in {"version", "tags"}}
        data["country"] = data.get("country") or ""
        if not data.get("status"):
            data.pop("status", None)  # keep the current status (a new company starts as a prospect)
        return data

    def tag_names(self) -> list[str]:
        """The tags typed, as a list."""
        return split_names(self.cleaned_data.get("tags") or "")


class CompanyFilterForm(forms.Form):
    """The filter bar of the company list."""

    q = forms.CharField(label=_("Search"), required=False)
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)
    country = forms.ChoiceField(
        label=_("Country"), choices=any_country_choices, required=False, widget=FastSelect
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("name", _("Name A–Z")),
            ("-name", _("Name Z–A")),
            ("-created", _("Newest first")),
            ("created", _("Oldest first")),
            ("country", _("Country")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner_field = self.fields["owner"]
        team_field = self.fields["team"]
        assert isinstance(owner_field, forms.ChoiceField) and isinstance(team_field, forms.ChoiceField)
        owner_field.choices = [("", _("Anyone")), ("me", _("Me"))]
        team_field.choices = [("", _("Any team")), *((str(t.pk), t.name) for t in Team.objects.all())]


class AccountTeamForm(forms.Form):
    """Add a colleague to a company's account team."""

    user = forms.ModelChoiceField(label=_("Colleague"), queryset=User.objects.none())
    role = forms.CharField(label=_("Role on the account"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user_field = self.fields["user"]
        assert isinstance(user_field, forms.ModelChoiceField)
        user_field.queryset = (
            User.objects.filter(is_active=True).exclude(role=Role.PORTAL).order_by("username")
        )


class ContactForm(forms.ModelForm):
    """Create or change a contact; other emails and phones are typed as comma-separated lists."""

    other_emails = forms.CharField(
        label=_("Other emails"), required=False, max_length=2000, help_text=_("Separated by commas.")
    )
    other_phones = forms.CharField(
        label=_("Other phones"), required=False, max_length=2000, help_text=_("Separated by commas.")
    )
    language = forms.ChoiceField(label=_("Language"), choices=language_choices, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Contact
        fields = [
            "first_name",
            "middle_name",
            "last_name",
            "position",
            "buying_role",
            "email",
            "other_emails",
            "phone",
            "mobile",
            "other_phones",
            "birthday",
            "language",
            "preferred_channel",
            "marketing_consent",
            "marketing_consent_source",
            "external_id",
        ]
        widgets = {
            "birthday": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "phone": forms.TextInput(attrs={"type": "tel"}),
            "mobile": forms.TextInput(attrs={"type": "tel"}),
        }

    def _post_clean(self) -> None:
        """Nothing: the services build and validate the record (ModelForm would change the instance)."""

    @classmethod
    def initial_for(cls, contact: Contact) -> dict[str, Any]:
        """Initial values from a stored contact (lists as comma-separated lines)."""
        initial: dict[str, Any] = {name: getattr(contact, name) for name in cls.Meta.fields}
        initial.update(
            other_emails=", ".join(str(email) for email in contact.other_emails),
            other_phones=", ".join(str(phone.get("value", "")) for phone in contact.other_phones),
            version=contact.version,
        )
        return initial

    def service_data(self) -> dict[str, Any]:
        """The cleaned values a contact service takes (without the version)."""
        data = {name: value for name, value in self.cleaned_data.items() if name != "version"}
        data["other_emails"] = split_names(data.get("other_emails") or "")
        data["other_phones"] = split_names(data.get("other_phones") or "")
        return data


class ContactLeftForm(forms.Form):
    """The day a contact left the company."""

    left_on = forms.DateField(label=_("Left on"), widget=forms.DateInput(attrs={"type": "date"}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class ContactMoveForm(forms.Form):
    """The person moved to another company: when, where, and how to reach them there."""

    company = CompanyChoiceField(label=_("New company"), queryset=Company.objects.none())
    left_on = forms.DateField(label=_("Left on"), widget=forms.DateInput(attrs={"type": "date"}))
    position = forms.CharField(label=_("New position"), max_length=150, required=False)
    buying_role = forms.ChoiceField(
        label=_("Buying role"), choices=[("", "—"), *BuyingRole.choices], required=False
    )
    email = forms.EmailField(label=_("New email"), required=False)
    phone = forms.CharField(label=_("New phone"), max_length=40, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, contact: Contact, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        company_field = self.fields["company"]
        assert isinstance(company_field, CompanyChoiceField)
        company_field.limit_to(user=user, exclude=contact.company_id, current=None)

    def service_data(self) -> dict[str, Any]:
        """The new contact's work details."""
        return {name: self.cleaned_data[name] for name in ("position", "buying_role", "email", "phone")}


class NoteForm(forms.Form):
    """A note on the client card or a contact."""

    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000)


class AttachmentForm(forms.Form):
    """A file for the client card."""

    file = forms.FileField(label=_("File"))
