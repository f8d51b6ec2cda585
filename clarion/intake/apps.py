from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "clarion.intake"
    label = "intake"
    verbose_name = "Tip intake"

    def ready(self) -> None:
        from clarion import schedule
        from clarion.intake.tasks import sweep_orphan_blobs_task

        schedule.register(sweep_orphan_blobs_task, every=3600)
