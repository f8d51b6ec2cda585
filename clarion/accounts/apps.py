from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "clarion.accounts"
    label = "accounts"
    verbose_name = "People and keys"
