from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self):
        # signals first: its receivers (the search vector's refresh) must run
        # before follow()'s, which start the change's new generation after
        # everything the change wrote (see signals._refresh_after_commit).
        from . import generations, signals  # noqa: F401

        # What cached counts, rankings and public responses are read from
        # (incidents.generations, config.response_cache).
        followed = ["Incident", "IncidentOrganisation", "IncidentSystem", "IncidentRelation", "Organisation",
                    "AISystem", "TaxonomyTerm", "Claim", "ClaimStatusChange", "Evidence", "Source", "Metric",
                    "Measurement"]
        generations.follow(
            *(self.get_model(name) for name in followed),
            through=[self.get_model("Incident").taxonomy.through],
        )
