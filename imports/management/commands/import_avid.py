from imports.avid import AvidImporter
from imports.command import ImportCommand


class Command(ImportCommand):
    help = "Import AVID reports (.json files) and review batches (.jsonl files) from files or folders."
    importer_class = AvidImporter
