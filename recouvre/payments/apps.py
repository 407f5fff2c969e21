from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "recouvre.payments"
    label = "payments"
    verbose_name = "Online payments"
