from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "releases"
    verbose_name = "Dataset releases"

    def ready(self):
        from incidents import generations

        from .models import Release

        # /data/ and /api/v1/releases/ are kept in the shared response cache
        # by generation: a new release starts a new one (incidents.generations).
        generations.follow(Release)
