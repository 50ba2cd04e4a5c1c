from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GreetingsConfig(AppConfig):
    name = "klient.activities.greetings"
    label = "greetings"
    verbose_name = _("Greetings and events")

    def ready(self) -> None:
        from klient.activities.greetings.myday import greetings_source
        from klient.activities.myday import register_myday_source

        register_myday_source("greetings", 60, greetings_source)
