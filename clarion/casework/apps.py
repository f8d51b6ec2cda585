from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "clarion.casework"
    label = "casework"
    verbose_name = "Casework"

    def ready(self) -> None:
        from clarion import schedule
        from clarion.casework import signal_handlers  # noqa: F401 - opens a case file for each new tip
        from clarion.casework.tasks import apply_retention, send_deadline_reminders

        schedule.register(send_deadline_reminders, every=3600)
        schedule.register(apply_retention, every=3600)
