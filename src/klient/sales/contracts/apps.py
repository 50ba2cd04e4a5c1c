from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "klient.sales.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from klient.activities.myday import register_myday_source
        from klient.sales.contracts.myday import renewals_due

        register_myday_source("renewals", 45, renewals_due)
