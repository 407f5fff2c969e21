from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "recouvre.portal"
    label = "portal"
    verbose_name = "Customer portal"
