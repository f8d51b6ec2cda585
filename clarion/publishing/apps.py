from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "clarion.publishing"
    label = "publishing"
    verbose_name = "Publishing"

    def ready(self) -> None:
        from clarion import schedule
        from clarion.publishing import signal_handlers  # noqa: F401 - clean-up after changes made elsewhere
        from clarion.publishing.tasks import publish_scheduled_posts

        # Scheduled posts go out within a minute of their time.
        schedule.register(publish_scheduled_posts, every=60)
