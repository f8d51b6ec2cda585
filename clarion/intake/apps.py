from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "clarion.intake"
    label = "intake"
    verbose_name = "Tip intake"

    def ready(self) -> None:
        from clarion import schedule
        from clarion.intake.tasks import sweep_orphan_blobs_task, sweep_sent_forms_task

        schedule.register(sweep_orphan_blobs_task, every=3600)
        # Often enough that a receipt never picked up is wiped within minutes of its deadline.
        schedule.register(sweep_sent_forms_task, every=600)
