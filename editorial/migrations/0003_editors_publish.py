"""Editors (and administrators) hold incidents.publish_incident: publishing,
and changing what the public reads, is their act (incidents/publishing.py)."""

from django.db import migrations


def apply_roles(apps, schema_editor):
    from editorial.roles import apply_roles as apply

    apply(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0002_roles"),
        ("incidents", "0016_incident_publish_permission"),
    ]

    operations = [migrations.RunPython(apply_roles, migrations.RunPython.noop)]
