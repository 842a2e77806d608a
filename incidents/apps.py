from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self):
        from . import generations, signals  # noqa: F401

        # What cached counts and rankings are read from (incidents.generations).
        followed = ["Incident", "IncidentOrganisation", "IncidentSystem", "Organisation", "AISystem", "TaxonomyTerm",
                    "Claim", "Evidence", "Source", "Metric", "Measurement"]
        generations.follow(
            *(self.get_model(name) for name in followed),
            through=[self.get_model("Incident").taxonomy.through],
        )
