from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class PenaltiesConfig(AppConfig):
    name = "recouvre.penalties"
    label = "penalties"
    verbose_name = _("Claimed penalties")

    def ready(self) -> None:
        from recouvre.letters.models import Letter

        from .signals import claim_on_formal_notice

        post_save.connect(claim_on_formal_notice, sender=Letter, dispatch_uid="penalties_claim_on_formal_notice")
