from django.apps import AppConfig


class MailboxConfig(AppConfig):
    name = "recouvre.mailbox"
    label = "mailbox"
    verbose_name = "Replies and bounces"
