from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "clarion.intake"
    label = "intake"
    verbose_name = "Tip intake"
