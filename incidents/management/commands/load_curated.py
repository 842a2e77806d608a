from django.core.management.base import BaseCommand

from incidents.curated import curated_is_loaded, load_curated


class Command(BaseCommand):
    help = "Load the curated seed incidents once (use --force to reload them over the current data)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Reload even if incidents already exist.")

    def handle(self, *args, force=False, verbosity=1, **options):
        if curated_is_loaded() and not force:
            self.stdout.write("Curated data already present; nothing loaded (use --force to reload).")
            return
        load_curated(verbosity=verbosity)
        self.stdout.write(self.style.SUCCESS("Curated incidents loaded."))
