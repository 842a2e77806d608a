from imports.command import ImportCommand
from imports.mit_risk import MitRiskImporter


class Command(ImportCommand):
    help = "Import the MIT AI Risk Repository spreadsheet (.xlsx file or folder): risks become hazards."
    importer_class = MitRiskImporter
