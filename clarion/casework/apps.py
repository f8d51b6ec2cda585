from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "clarion.casework"
    label = "casework"
    verbose_name = "Casework"

    def ready(self) -> None:
        from clarion.casework import receivers  # noqa: F401 - connects the new-tip receiver
