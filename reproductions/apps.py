from django.apps import AppConfig


class ReproductionsConfig(AppConfig):
    name = "reproductions"
    verbose_name = "Reproductions"

    def ready(self):
        from incidents import generations

        from . import signals  # noqa: F401
        from .models import Verdict

        # A verdict changes what "has a reproduction" counts (incidents.generations).
        generations.follow(Verdict)
