from imports.atlas import AtlasImporter
from imports.command import ImportCommand


class Command(ImportCommand):
    help = "Import MITRE ATLAS case studies from an ATLAS.yaml distribution (file or folder)."
    importer_class = AtlasImporter
