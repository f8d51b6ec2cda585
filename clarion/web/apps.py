from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "clarion.web"
    label = "web"
    verbose_name = "Web plumbing"

    def ready(self) -> None:
        from clarion import schedule
        from clarion.web.tasks import delete_expired_counts_task

        schedule.register(delete_expired_counts_task, every=300)
