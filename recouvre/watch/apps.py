from django.apps import AppConfig


class WatchConfig(AppConfig):
    name = "recouvre.watch"
    label = "watch"
    verbose_name = "Company watch"
