from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        # Public changes become events (webhooks.signals).
        from . import signals  # noqa: F401
