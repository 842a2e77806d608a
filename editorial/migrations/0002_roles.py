"""The roles as groups with permissions (editorial/roles.py says who may do what)."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from editorial.roles import apply_roles

    apply_roles(apps)


def remove_roles(apps, schema_editor):
    from editorial.roles import ROLES

    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0001_initial"),
        ("imports", "0001_initial"),
        ("incidents", "0003_trigram_indexes"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
