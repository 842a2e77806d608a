from django.apps import AppConfig


class ReproductionsConfig(AppConfig):
    name = "reproductions"
    verbose_name = "Reproductions"

    def ready(self):
        from . import signals  # noqa: F401
