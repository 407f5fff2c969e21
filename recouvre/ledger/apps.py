from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "recouvre.ledger"
    verbose_name = _("Ledger")

    def ready(self) -> None:
        # The core writes its messages for people through recouvre.core.i18n, which cannot import Django:
        # give it Django's translation so they come out in the active language.
        from django.utils.translation import gettext, ngettext

        from recouvre.core import i18n

        i18n.install(gettext, ngettext)
