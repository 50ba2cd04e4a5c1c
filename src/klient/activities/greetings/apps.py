from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GreetingsConfig(AppConfig):
    name = "klient.activities.greetings"
    label = "greetings"
    verbose_name = _("Greetings and events")
