from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EInvoicesConfig(AppConfig):
    name = "recouvre.einvoices"
    verbose_name = _("E-invoices")
