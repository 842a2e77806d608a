from imports.command import ImportCommand
from imports.oecd import OecdImporter


class Command(ImportCommand):
    help = ("Import OECD-shaped JSON documents (docs/oecd.md): one document per .json file, a set document "
            "(the export's format=oecd), or one document per line of a .jsonl file; files or folders.")
    importer_class = OecdImporter
