"""The webhooks form: a subscription's name, URL, events (ticked) and active flag."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from klient.webhooks.models import SUBSCRIBABLE_EVENTS, WebhookSubscription


class WebhookSubscriptionForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    # Checked by the service (scheme, host, address), which names the field in its errors.
    url = forms.CharField(
        label=_("target URL"),
        max_length=500,
        help_text=_("An https:// address on the public internet, e.g. https://example.com/hooks/klient"),
        widget=forms.URLInput,
    )
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=[(event.value, event.label) for event in SUBSCRIBABLE_EVENTS],
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)
    # The version read, when editing: a stale one is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    @classmethod
    def for_subscription(cls, subscription: WebhookSubscription) -> WebhookSubscriptionForm:
        return cls(
            initial={
                "name": subscription.name,
                "url": subscription.url,
                "events": list(subscription.events),
                "is_active": subscription.is_active,
                "version": subscription.version,
            }
        )

    def values(self) -> dict[str, Any]:
        """webhook_subscription_create's and webhook_subscription_update's arguments."""
        data = self.cleaned_data
        return {key: data[key] for key in ("name", "url", "events", "is_active")}
