"""An index for the API's (and the web list's) default order of public
incidents: newest report first, undated last. Without it, every first page
sorted all public incidents (a sequential scan and a top-N sort).

It lives here because the API's list is what needs it; it is plain SQL on
the incidents table, so the incidents app's models are unchanged."""

from django.db import migrations

INDEX = "api_incident_public_recent"


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("incidents", "0003_trigram_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON incidents_incident (reported_on DESC NULLS LAST, id DESC) "
            "WHERE is_published AND merged_into_id IS NULL",
            reverse_sql=f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
