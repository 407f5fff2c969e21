from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "recouvre.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
